"""nevo guard, the exact check behind hooks/guard (run as `python3 -S -E guard.py .nevo/guards.json`).

Only json, os and re are imported so the interpreter starts fast. Reads the PreToolUse payload on stdin;
prints the hook decision for the first guard whose pattern matches, or nothing. Never fails the call:
anything unexpected (a broken guard file, an odd payload) means no output and exit 0.

A guard acts only while its rule still holds it: on a match the rule file named in the table must still
be in .claude/rules/ with the same guard (and status) lines, so a `git revert`, a checkout or a hand edit
of the rule disarms its guard at once, before nevo rebuilds the table.
"""

import json
import os
import re
import sys

CD = re.compile(r"(?:^|[;&|(])\s*(?:cd|pushd)\s")


def still_ruled(guard: dict, root: "str | None") -> bool:
    """Whether the rule behind ``guard`` still carries it (always true without a workspace to look in)."""
    if root is None:
        return True
    relative, proof = guard.get("file"), guard.get("proof")
    rule_folders = (".claude/rules/", ".claude/agents/rules/")  # project rules, and a sub-agent's AGENT rules
    if not isinstance(relative, str) or not relative.startswith(rule_folders) or ".." in relative:
        return False
    if not isinstance(proof, list) or not proof:
        return False
    try:
        with open(os.path.join(root, relative), encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return False  # the rule is gone (reverted, deprecated, renamed): so is its guard
    header = text.split("\n---", 1)[0] + "\n"
    return all(isinstance(lines, str) and "\n" + lines + "\n" in header for lines in proof)


def decide(payload: dict, table: dict, root: "str | None" = None) -> "dict | None":
    tool_input = payload.get("tool_input")
    if not isinstance(tool_input, dict):
        return None
    for guard in table.get("guards", []):
        if guard.get("tool") != payload.get("tool_name"):
            continue
        command = tool_input.get("command")
        if not isinstance(command, str):
            continue
        pattern = re.compile(guard["regex"])
        match = pattern.search(command)
        if match is None or CD.search(command[: match.start()]):
            continue  # after a `cd` the command runs elsewhere: the rule may not hold there
        if not still_ruled(guard, root):
            continue
        reason = guard.get("reason", "")
        if guard.get("action") == "rewrite" and guard.get("fix"):
            fix = str(guard["fix"])
            fixed = pattern.sub("\\g<1>" + fix.replace("\\", "\\\\"), command)  # a template: \ escaped
            updated = dict(tool_input, command=fixed)
            # No permissionDecision: the rewritten call still goes through the user's permission rules.
            return {
                "hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": updated},
                "systemMessage": "nevo "
                + guard.get("rule", "")
                + ": rewrote `"
                + command[:200]
                + "` to `"
                + fixed[:200]
                + "`",
            }
        return {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": reason,
            }
        }
    return None


def main() -> int:
    try:
        payload = json.loads(sys.stdin.read())
        with open(sys.argv[1], encoding="utf-8") as handle:
            table = json.load(handle)
        root = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1])))  # <root>/.nevo/guards.json
        decision = decide(payload, table, root)
    except Exception:  # a guard must never block the agent: no output, the call proceeds
        return 0
    if decision is not None:
        sys.stdout.write(json.dumps(decision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
