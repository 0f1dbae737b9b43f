"""Teeth for rules: machine-checkable rules compiled into a PreToolUse guard.

A rule whose ``guard`` names a tool and a literal command (``{"tool": "Bash", "command": "npm run
build", "action": "rewrite", "fix": "npm --prefix web run build"}``) compiles to a regex that matches
that command as a whole shell segment (alone, or between ``;``, ``&&``, ``||``, ``|``, parentheses), so
``npm run build:prod`` or ``npm run build --watch`` are left alone. A segment may start with environment
assignments and ``timeout N`` (``CI=1 timeout 300 npm run build``) and end in redirections or a pipe
(``npm run build 2>&1 | tail -20``, ``npm run build > log``); those are kept around the fix. The hook
(``hooks/guard``) then rewrites the call to the fix or denies it with the rule as the reason.

A guard lives only as long as its rule: each entry names the rule file and the exact lines of its
``guard`` (and ``status``) block, and the hook checks them on a match, so a reverted, deprecated or
hand-edited rule stops acting at once even before the table is rebuilt (:func:`is_stale`).

Files (runtime, rebuilt from the rules): ``.nevo/guards.json`` (the table the hook's Python reads) and
``.nevo/guards.needles`` (the interpreter, then one literal word per guard: the shell prefilter that
keeps a call no guard can match from ever starting Python).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from nevo.fsutil import atomic_write_text
from nevo.recovery import only_narrows
from nevo.settings import HookSpec
from nevo.workspace import Workspace

GUARD_SCRIPT = "guard"
GUARD_TIMEOUT = 5
TABLE_VERSION = 2  # 2: entries carry the rule file and its guard lines (the hook checks them)
_JSON_SAFE_WORD = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # printable ASCII without `"` and `\`


def table_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.json"


def needles_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.needles"


# What may precede the command in its segment: `VAR=value ` assignments (quoted values too), then
# `env`, then `timeout [options] N `; kept in the rewrite (group 1 is everything before the command).
_SEGMENT_START = r"(?:^|[;&|(])\s*"
_ASSIGNMENTS = r"""(?:[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s;&|()"'<>])*\s+)*"""
_ENV = r"(?:env\s+(?:[A-Za-z_][A-Za-z0-9_]*=[^\s;&|()<>]*\s+)*)?"
_TIMEOUT = r"(?:timeout\s+(?:-{1,2}[A-Za-z-]+(?:[=\s][^\s;&|()<>-][^\s;&|()<>]*)?\s+)*\d+(?:\.\d+)?[smhd]?\s+)?"
# What may follow it: the end, a separator or pipe, or a redirection (`> log`, `2>&1`, `&> log`).
_SEGMENT_END = r"(?=\s*(?:$|[;&|)<>])|\s+\d+[<>])"


def command_regex(command: str) -> str:
    """A regex matching ``command`` as a whole shell segment; group 1 is what precedes it (the segment
    separator and any ``VAR=value``/``timeout N`` prefix), so a rewrite keeps it."""
    words = command.split()
    body = r"\s+".join(re.escape(w) for w in words)
    return "(" + _SEGMENT_START + _ASSIGNMENTS + _ENV + _TIMEOUT + ")" + body + _SEGMENT_END


def needle(command: str) -> str:
    """The longest word of ``command`` that appears verbatim in the JSON payload ('' when none does:
    then every call of that tool goes to the exact check)."""
    candidates = [w for w in command.split() if _JSON_SAFE_WORD.match(w)]
    return max(candidates, key=len) if candidates else ""


def compile_guards(workspace: Workspace, python: str | None = None) -> list[dict[str, Any]]:
    """Write the guard table for every active rule with a guard; remove the files when there is none."""
    from nevo.rules import RuleBook

    guards: list[dict[str, Any]] = []
    for rule in RuleBook(workspace).active():
        spec = rule.guard or {}
        command = " ".join(str(spec.get("command") or "").split())
        action = str(spec.get("action") or "")
        if spec.get("tool") != "Bash" or not command or action not in ("rewrite", "deny"):
            continue
        if action == "rewrite" and not str(spec.get("fix") or "").strip():
            continue
        if action == "rewrite" and only_narrows(command, str(spec["fix"])):
            continue  # a rule from before nevo knew better: `pytest a.py` -> `pytest a.py -k t` skips tests
        proof = _proof(workspace, rule.path)
        if proof is None:
            continue
        entry: dict[str, Any] = {
            "rule": rule.id,
            "file": proof[0],
            "proof": proof[1],
            "tool": "Bash",
            "command": command,
            "regex": command_regex(command),
            "action": action,
            "reason": f"nevo {rule.id}: {rule.body}",
        }
        if action == "rewrite":
            entry["fix"] = " ".join(str(spec["fix"]).split())
        guards.append(entry)
    if not guards:
        table_path(workspace).unlink(missing_ok=True)
        needles_path(workspace).unlink(missing_ok=True)
        return []
    atomic_write_text(table_path(workspace), json.dumps({"version": TABLE_VERSION, "guards": guards}, indent=1) + "\n")
    words = [needle(g["command"]) for g in guards]
    lines = [python or sys.executable, *(w for w in words if w)]
    if any(not w for w in words):
        lines.append('"')  # a guard without a safe word: every payload (they all hold quotes) goes to Python
    atomic_write_text(needles_path(workspace), "\n".join(lines) + "\n")
    return guards


def _proof(workspace: Workspace, path: Path | None) -> tuple[str, list[str]] | None:
    """Where the hook finds the rule (relative to the workspace) and the lines that must still be in it:
    its ``guard:`` block and its ``status:`` line, verbatim. None when the file cannot be read."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header = text.split("\n---", 1)[0] if text.startswith("---") else ""
    lines = header.splitlines()
    snippets: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("guard:"):
            snippets.append("\n".join([line, *_while_indented(lines[index + 1 :])]))
        elif line.startswith("status:"):
            snippets.append(line)
    if not any(s.startswith("guard:") for s in snippets):
        return None
    try:
        relative = path.resolve().relative_to(workspace.root.resolve()).as_posix()
    except ValueError:
        return None  # a rule outside the workspace: the hook could not find it
    return relative, snippets


def _while_indented(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line.startswith((" ", "\t", "-")):
            break
        out.append(line)
    return out


def is_stale(workspace: Workspace) -> bool:
    """Whether the rules changed behind nevo's back since the table was written (a ``git revert``, ``pull``
    or hand edit): a few ``stat`` calls, no parsing. :func:`nevo.publish.refresh_if_stale` acts on it."""
    rules_dir = workspace.rules_dir
    table = table_path(workspace)
    if not table.is_file():
        # No table: stale only when some rule would give one (a rule with a guard arrived by git).
        return rules_dir.is_dir() and any("\nguard:" in _text(p) for p in rules_dir.glob("*.md"))
    if not rules_dir.is_dir():
        return True  # the table outlived the rules folder
    try:
        if json.loads(table.read_text(encoding="utf-8")).get("version") != TABLE_VERSION:
            return True  # written by an older nevo: its entries cannot be checked against their rules
    except (OSError, ValueError, AttributeError):
        return True
    folders = [rules_dir, workspace.claude_dir / "rules-deprecated"]
    stamps = [_mtime(f) for f in folders if f.is_dir()] + [_mtime(p) for p in rules_dir.glob("*.md")]
    return max(stamps, default=0) > _mtime(table)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone between listing and stat: the folder's own time says it changed
        return 0


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def guarded_tools(workspace: Workspace) -> list[str]:
    try:
        table = json.loads(table_path(workspace).read_text(encoding="utf-8"))
        return sorted({str(g["tool"]) for g in table.get("guards", []) if g.get("tool")})
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []  # no table, or a broken one: no guard hook (a guard never blocks the agent)


def hook_specs(workspace: Workspace) -> list[HookSpec]:
    """The PreToolUse hook, matching only the tools that have guards (none: no hook at all).

    The table is rebuilt from the rules first (they are the source of truth, and arrive by `git pull`
    too), so `nevo init` in a fresh clone gives the rules their teeth. ``analyst.guards: false`` turns
    guards off."""
    from nevo.config import load_config
    from nevo.errors import NevoError

    try:
        enabled = bool(load_config(workspace).get("analyst.guards"))
    except NevoError:
        enabled = True  # a broken config is reported elsewhere; keep what the rules say
    if not enabled:
        table_path(workspace).unlink(missing_ok=True)
        needles_path(workspace).unlink(missing_ok=True)
        return []
    compile_guards(workspace)
    tools = guarded_tools(workspace)
    if not tools:
        return []
    return [HookSpec("PreToolUse", GUARD_SCRIPT, matcher="|".join(tools), timeout=GUARD_TIMEOUT)]
