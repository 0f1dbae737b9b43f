"""nevo guard, the exact check behind hooks/guard (which imports it and calls ``main``; it also runs as
`python3 -S -E guard.py .nevo/guards.json`).

Only json, os and re are imported (here and in shellwords.py and causes.py beside it, copies of nevo's
own modules), so the interpreter starts fast. Reads the PreToolUse payload on stdin and prints the hook
decision, or nothing. It never fails the call: anything unexpected means no output and exit 0.

A guard acts only when all of these hold, else it stands aside:
- its rule still carries it: the rule file named in the table still has the same guard and status lines,
  so a `git revert`, a checkout or a hand edit disarms it at once, before nevo rebuilds the table;
- the call matches: for Bash, a segment of the command as the shell parses it runs exactly the guard's
  words (never text inside quotes or a here-document); for the file tools, the path is the guard's path;
- the call runs where the lesson was learned (the segment's folder, after any `cd`, is known and fits);
- the cause still holds, checked now (the file, script, target, branch or module is still missing).
When the cause is gone the guard stands aside and leaves a `NevoGuard` event in .nevo/triggers/, as it
does when it acts: the evidence the rule's life is judged by.
"""

from __future__ import annotations

import json
import os
import sys

import causes
import shellwords

TABLE_VERSION = 3
MAX_PAYLOAD = 2 << 20  # a PreToolUse payload larger than this is let through unread
MAX_TABLE = 4 << 20
MAX_RULE = 256 << 10
PATH_KEYS = {
    "Read": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "Write": "file_path",
    "NotebookEdit": "notebook_path",
    "Glob": "path",
    "Grep": "path",
}
PATH_KINDS = ("missing-path", "not-executable")
# A script or target is looked up in the folder the call names with its own flag (`npm --prefix web run
# lint`, `make -C docs html`), not the one the segment runs in: the cause's folder is that one.
LOOKUP_KINDS = ("missing-npm-script", "missing-make-target")
FOLDER_FLAGS = ("--prefix", "-C", "--cwd", "--dir", "--directory")


class Call:
    """The call being decided, with the workspace it runs in."""

    def __init__(self, payload: dict, root: str) -> None:
        self.payload = payload
        self.root = root
        self.real_root = os.path.realpath(root)
        cwd = payload.get("cwd")
        self.cwd = os.path.normpath(cwd) if isinstance(cwd, str) and os.path.isabs(cwd) else None

    def relative(self, path: str) -> str | None:
        """``path`` (absolute, or relative to the call's folder) relative to the workspace, or None outside."""
        if not os.path.isabs(path):
            if self.cwd is None:
                return None
            path = os.path.join(self.cwd, path)
        path = os.path.normpath(path)
        for root in (self.root, self.real_root):
            if path == root:
                return "."
            if path.startswith(root.rstrip(os.sep) + os.sep):
                return path[len(root.rstrip(os.sep)) + 1 :]
        return None


def decide(payload: dict, table: dict, root: str) -> tuple[dict | None, list[tuple[dict, str]]]:
    """The hook's output (None: the call proceeds untouched) and the events to record: (guard, event)."""
    tool, tool_input = payload.get("tool_name"), payload.get("tool_input")
    if not isinstance(tool_input, dict) or table.get("version") != TABLE_VERSION:
        return None, []
    guards = [g for g in table.get("guards", []) if isinstance(g, dict) and g.get("tool") == tool]
    if not guards:
        return None, []
    call = Call(payload, root)
    if tool == "Bash":
        return decide_bash(call, guards, tool_input)
    if tool in PATH_KEYS:
        return decide_path(call, guards, tool, tool_input)
    return None, []


def decide_bash(call: Call, guards: list, tool_input: dict) -> tuple[dict | None, list[tuple[dict, str]]]:
    command = tool_input.get("command")
    if not isinstance(command, str):
        return None, []
    candidates = [g for g in guards if all(w in command for w in g.get("words") or ["\x00"])]
    if not candidates:
        return None, []  # the common case: decided by substring search, without parsing
    try:
        segments = shellwords.segments(command, call.cwd)
    except shellwords.Unparsable:
        return None, []
    by_word: dict = {}  # a segment is tried only against the guards for its command word
    for index, guard in enumerate(candidates):
        by_word.setdefault(guard["words"][0], []).append(index)
    found: list = [[] for _ in candidates]
    for segment in segments:
        for index in by_word.get(shellwords.command_word(segment), ()):
            hit = shellwords.match(segment, candidates[index]["words"], candidates[index]["env"])
            if hit is not None:
                found[index].append(hit)
    events: list = []
    denied: dict | None = None
    spans: dict = {}  # segment start -> (start, end, text): one rewrite per segment, the first guard's
    for guard, hits in zip(candidates, found, strict=True):
        hits = [h for h in hits if applies_here(call, guard["check"], h)]
        if not hits or not still_ruled(guard, call.root):
            continue
        cause = guard["check"]
        state = causes.holds(cause["kind"], cause["subject"], cause["where"], call.root)
        if state is False:
            events.append((guard, "stood-aside"))
            continue
        if state is None:
            continue
        if guard["action"] == "deny":
            denied = denied or guard
            events.append((guard, "hit"))
            continue
        fresh = [h for h in hits if h.tokens[0].start not in spans]
        for hit in fresh:
            spans[hit.tokens[0].start] = shellwords.rewrite(hit, guard["fix_env"], guard["fix_command"])
        if fresh:
            events.append((guard, "hit"))
    if denied is not None:
        return deny(denied["reason"]), [e for e in events if e[1] == "stood-aside" or e[0]["action"] == "deny"]
    if not spans:
        return None, events
    pieces, last = [], 0
    for start, end, text in sorted(spans.values()):
        pieces += [command[last:start], text]
        last = end
    fixed = "".join(pieces) + command[last:]
    rules = ", ".join(dict.fromkeys(g["rule"] for g, e in events if e == "hit"))
    return {
        "hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": dict(tool_input, command=fixed)},
        # No permissionDecision: the rewritten call still goes through the user's permission rules.
        "systemMessage": f"nevo {rules}: rewrote `{clip(command)}` to `{clip(fixed)}`",
    }, events


def applies_here(call: Call, cause: dict, hit: shellwords.Hit) -> bool:
    """Whether the segment runs where the lesson was learned: the cause's folder, or for a path, a word
    naming the very same file; a folder that cannot be known never fits."""
    kind, subject, where = cause["kind"], cause["subject"], os.path.normpath(cause["where"])
    if kind == "missing-executable" and "/" not in subject:
        return True  # looked up on PATH, wherever the call runs
    folder = hit.segment.folder
    if folder is not None and kind in LOOKUP_KINDS:
        folder = looked_up_in(hit, folder)
    here = call.relative(folder) if folder is not None else None
    if here is None:
        return False
    if kind == "missing-branch":
        learned = causes.inside(call.root, where)
        return learned is not None and causes.git_dirs(folder) == causes.git_dirs(learned)
    if kind in PATH_KINDS or kind == "missing-executable":
        target = os.path.normpath(os.path.join(where, subject))
        words = [w for w in hit.tokens[hit.parts.command : hit.end] if w.plain]
        if any(call.relative(os.path.join(folder, w.text)) == target for w in words):
            return True
        if any(os.path.basename(w.text) == os.path.basename(target) for w in words):
            return False  # the words name a file of that name, but another one
    return here == where


def looked_up_in(hit: shellwords.Hit, folder: str) -> str:
    """The folder the segment's program looks its script or target up in: its own, moved by a folder flag."""
    words = [w.text for w in hit.tokens[hit.parts.command : hit.end] if w.plain]
    for index, word in enumerate(words[1:], 1):
        flag, inline, value = word.partition("=")
        if flag in FOLDER_FLAGS:
            value = value if inline else (words[index + 1] if index + 1 < len(words) else "")
            folder = os.path.join(folder, value) if value else folder
    return folder


def decide_path(call: Call, guards: list, tool: str, tool_input: dict) -> tuple[dict | None, list[tuple[dict, str]]]:
    value = tool_input.get(PATH_KEYS[tool])
    if not isinstance(value, str) or not value or "\x00" in value:
        return None, []
    relative = call.relative(value)
    events: list = []
    for guard in guards:
        if relative is None or guard.get("match") != relative or not still_ruled(guard, call.root):
            continue
        cause = guard["check"]
        state = causes.holds(cause["kind"], cause["subject"], cause["where"], call.root)
        if state is False:
            events.append((guard, "stood-aside"))
            continue
        fix = guard.get("fix") or ""
        fix_path = causes.inside(call.root, fix) if fix else None
        if state is None or (fix and (fix_path is None or not os.path.lexists(fix_path))):
            continue  # cannot tell, or the one to use instead is gone too: the lesson is stale
        if tool == "Write" and not fix:
            continue  # a Write may well create the file: only a wrong path whose right one exists is denied
        events.append((guard, "hit"))
        return deny(guard["reason"]), events
    return None, events


def deny(reason: str) -> dict:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }


def still_ruled(guard: dict, root: str) -> bool:
    """Whether the rule behind ``guard`` still carries it: same guard and status lines in its file."""
    relative, proof = guard.get("file"), guard.get("proof")
    rule_folders = (".claude/rules/", ".claude/agents/rules/")  # project rules, and a sub-agent's AGENT rules
    if not isinstance(relative, str) or not relative.startswith(rule_folders) or ".." in relative.split("/"):
        return False
    if not isinstance(proof, list) or not proof:
        return False
    data = causes.read_regular(os.path.join(root, relative), MAX_RULE)
    if data is None:
        return False  # the rule is gone (reverted, deprecated, renamed): so is its guard
    header = data.decode("utf-8", "replace").split("\n---", 1)[0] + "\n"
    return all(isinstance(lines, str) and "\n" + lines + "\n" in header for lines in proof)


def record(root: str, guard: dict, event: str, payload: dict) -> None:
    """Leave the event in .nevo/triggers/ the way the capture hook leaves a trigger: a temp file, then a
    rename, under a name that sorts by time (centiseconds since boot) and cannot collide (the pid)."""
    triggers = os.path.join(root, ".nevo", "triggers")
    if os.path.islink(triggers) or not os.path.isdir(triggers):
        return
    body = {
        "hook_event_name": "NevoGuard",
        "event": event,
        "rule": str(guard.get("rule", ""))[:40],
        "action": guard.get("action"),
        "tool_name": str(payload.get("tool_name", ""))[:100],
        "tool_use_id": str(payload.get("tool_use_id", ""))[:200],
        "session_id": str(payload.get("session_id", ""))[:200],
        "cwd": str(payload.get("cwd", ""))[:4096],
    }
    base = f"{stamp()}-g{os.getpid()}"
    for attempt in range(1, 100):
        name = base if attempt == 1 else f"{base}-{attempt}"
        temp, final = os.path.join(triggers, ".tmp-" + name), os.path.join(triggers, name + ".json")
        if os.path.lexists(final):
            continue
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        try:
            os.write(fd, json.dumps(body).encode())
        finally:
            os.close(fd)
        os.rename(temp, final)
        return


def stamp() -> str:
    """Centiseconds since boot, 12 digits (the capture hook's scheme), else seconds since the epoch + 00."""
    data = causes.read_regular("/proc/uptime", 256)
    up = data.decode().split()[0] if data else ""
    whole, _, hundredths = up.partition(".")
    value = whole + hundredths if whole.isdigit() and hundredths.isdigit() else ""
    if not value:
        import time  # only where there is no /proc

        value = f"{int(time.time())}00"
    return value.rjust(12, "0")


def clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def main(table_path: str | None = None) -> int:
    """Decide on the payload on stdin with the table at ``table_path`` (default: the first argument)."""
    try:
        table_path = table_path or sys.argv[1]
        raw = sys.stdin.buffer.read(MAX_PAYLOAD + 1)
        if len(raw) > MAX_PAYLOAD:
            return 0
        payload = json.loads(raw)
        data = causes.read_regular(table_path, MAX_TABLE)
        if not isinstance(payload, dict) or data is None:
            return 0
        root = os.path.dirname(os.path.dirname(os.path.abspath(table_path)))  # <root>/.nevo/guards.json
        decision, events = decide(payload, json.loads(data), root)
    except Exception:  # a guard must never block the agent: no output, the call proceeds
        return 0
    for guard, event in events:
        try:
            record(root, guard, event, payload)
        except OSError:  # evidence is best effort (a full disk, a read-only folder): the decision stands
            continue
    if decision is not None:
        sys.stdout.write(json.dumps(decision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
