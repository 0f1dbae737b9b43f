"""Publishing: the one step after the rules changed, so the next session acts on them.

Whoever changes rules (the analyst, the nightly upkeep, ``nevo rules ...``, a ``git pull`` noticed by
the monitor) writes and commits the files, then calls :func:`publish` once, which

1. compiles the guards from the active rules (once: ``.nevo/guards.json`` and ``guards.needles``),
2. registers the PreToolUse hook for exactly the guarded tools (or removes it) in ``.claude/settings.json``,
   touching nothing else there,
3. renders each sub-agent's block of AGENT rules into its definition (``.claude/agents/<name>.md``),
4. renders the SessionStart context (``.nevo/context.json``).

Data flows one way: this module imports the modules that own those files and nothing that changes rules
or processes triggers (not the analyst, the monitor or the rule operations), so any of them can call it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nevo import agent_rules, guards, install
from nevo.config import load_config
from nevo.context import refresh_context
from nevo.errors import NevoError
from nevo.workspace import Workspace


@dataclass(frozen=True)
class Published:
    """What one publish did."""

    guarded_tools: tuple[str, ...]  # the tools the PreToolUse guard hook matches now (empty: no hook)
    hooks_changed: bool  # settings.json was rewritten
    agent_files: tuple[str, ...]  # agent definitions whose block of rules changed (relative paths)
    context_chars: int  # size of the SessionStart context (0: none)

    def to_json(self) -> dict[str, object]:
        return {
            "guarded_tools": list(self.guarded_tools),
            "hooks_changed": self.hooks_changed,
            "agent_files": list(self.agent_files),
            "context_chars": self.context_chars,
        }


def publish(workspace: Workspace) -> Published:
    """Compile the guards, sync the guard hook, render the agents' rule blocks and the context. Idempotent:
    publishing again without a change to the rules rewrites nothing a reader could tell apart."""
    specs = guards.hook_specs(workspace)  # compiles the table once (removes it when guards are turned off)
    tools = tuple(sorted({tool for spec in specs for tool in (spec.matcher or "").split("|") if tool}))
    hooks_changed = install.sync_hooks(workspace, specs) if workspace.is_installed else False
    agent_files = agent_rules.render_blocks(workspace)
    text = refresh_context(workspace)
    return Published(tools, hooks_changed, tuple(_rel(workspace, p) for p in agent_files), len(text))


def refresh_if_stale(workspace: Workspace) -> bool:
    """Publish when the rules changed behind nevo's back: a ``git revert``, ``pull`` or ``checkout``, or a
    hand edit of ``.claude/rules/``. Cheap when nothing changed (a few ``stat`` calls, no parsing); returns
    whether it published. For the monitor's passes and the nightly."""
    if not guards.is_stale(workspace) and not _agent_rules_stale(workspace):
        return False
    try:
        config = load_config(workspace)
    except NevoError:
        return False  # a broken config is reported elsewhere (doctor, status); the hook checks the rules anyway
    if not config.get("analyst.guards"):
        return False
    publish(workspace)
    return True


def _agent_rules_stale(workspace: Workspace) -> bool:
    """:func:`nevo.guards.is_stale` for the AGENT rules in ``.claude/agents/rules/<agent>/`` (the guards'
    table watches ``.claude/rules/``): one of the table's AGENT rule files is gone, a rule file changed
    since the table was written, or a rule has a guard and there is no table."""
    folder = workspace.agents_dir / "rules"
    table = guards.table_path(workspace)
    if table.is_file():
        try:
            entries = json.loads(table.read_text(encoding="utf-8")).get("guards", [])
            named = {str(e.get("file") or "") for e in entries if isinstance(e, dict)}
        except (OSError, ValueError, AttributeError):
            return True  # a damaged table: rebuild it
        if any(f.startswith(".claude/agents/rules/") and not (workspace.root / f).is_file() for f in named):
            return True  # reverted, deprecated or renamed
    if not folder.is_dir():
        return False
    files = list(folder.glob("*/*.md"))
    if not table.is_file():
        return any("\nguard:" in _text(p) for p in files)
    stamps = [_mtime(p) for p in (folder, *folder.iterdir(), *files)]
    return max(stamps, default=0) > _mtime(table)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone between listing and stat: its folder's time says it changed
        return 0


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _rel(workspace: Workspace, path: Path) -> str:
    try:
        return path.relative_to(workspace.root).as_posix()
    except ValueError:
        return str(path)
