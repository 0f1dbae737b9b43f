"""nevo guard, the exact check behind hooks/guard (run as `python3 -S -E guard.py .nevo/guards.json`).

Only json and re are imported so the interpreter starts fast. Reads the PreToolUse payload on stdin;
prints the hook decision for the first guard whose pattern matches, or nothing. Never fails the call:
anything unexpected (a broken guard file, an odd payload) means no output and exit 0.
"""

import json
import re
import sys

CD = re.compile(r"(?:^|[;&|(])\s*(?:cd|pushd)\s")


def decide(payload: dict, table: dict) -> "dict | None":
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
        reason = guard.get("reason", "")
        if guard.get("action") == "rewrite" and guard.get("fix"):
            fix = str(guard["fix"])
            fixed = pattern.sub(lambda m: m.group(1) + fix, command)
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
        decision = decide(payload, table)
    except Exception:  # a guard must never block the agent: no output, the call proceeds
        return 0
    if decision is not None:
        sys.stdout.write(json.dumps(decision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
