"""Teeth for rules: machine-checkable rules compiled into a PreToolUse guard.

A rule whose ``guard`` names a tool and a literal command (``{"tool": "Bash", "command": "npm run
build", "action": "rewrite", "fix": "npm --prefix web run build"}``) compiles to a regex that matches
that command as a whole shell segment (alone, or between ``;``, ``&&``, ``||``, ``|``, parentheses), so
``npm run build:prod`` or ``npm run build --watch`` are left alone. The hook (``hooks/guard``) then
rewrites the call to the fix or denies it with the rule as the reason.

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
from nevo.settings import HookSpec
from nevo.workspace import Workspace

GUARD_SCRIPT = "guard"
GUARD_TIMEOUT = 5
_JSON_SAFE_WORD = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # printable ASCII without `"` and `\`


def table_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.json"


def needles_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.needles"


def command_regex(command: str) -> str:
    """A regex matching ``command`` as a whole shell segment; group 1 is what precedes it."""
    words = command.split()
    body = r"\s+".join(re.escape(w) for w in words)
    return r"(^\s*|[;&|(]\s*)" + body + r"(?=\s*(?:$|[;&|)]))"


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
        entry = {
            "rule": rule.id,
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
    atomic_write_text(table_path(workspace), json.dumps({"version": 1, "guards": guards}, indent=1) + "\n")
    words = [needle(g["command"]) for g in guards]
    lines = [python or sys.executable, *(w for w in words if w)]
    if any(not w for w in words):
        lines.append('"')  # a guard without a safe word: every payload (they all hold quotes) goes to Python
    atomic_write_text(needles_path(workspace), "\n".join(lines) + "\n")
    return guards


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
