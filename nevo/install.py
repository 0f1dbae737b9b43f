"""``nevo init`` and ``nevo uninstall``: put nevo into a Claude Code workspace and take it out again.

Init creates ``.nevo/`` (triggers/, hooks/, a documented config.yaml, a .gitignore for runtime state)
and ``.claude/rules/``, copies the hook scripts and registers them in ``.claude/settings.json``. It
keeps every key and hook it does not own, writes atomically, refuses an invalid settings file, and a
second run changes nothing. What it created is recorded in ``.nevo/install.json`` so that uninstall
removes exactly that and gives the user's settings back byte for byte when they were not edited since.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from nevo import __version__, gitops, plugin, safepath
from nevo.clock import Clock, iso, system_clock
from nevo.config import TEMPLATE, Config, load_config
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_bytes, atomic_write_text
from nevo.hookspecs import BASE_HOOKS as BASE_HOOKS  # re-exported: it was defined here
from nevo.hookspecs import QUALITY_GATE_HOOKS
from nevo.settings import (
    HookSpec,
    apply_hooks,
    dump_settings,
    parse_settings,
    remove_hooks,
    settings_target,
    write_settings,
)
from nevo.workspace import Workspace

RUNTIME_GITIGNORE = """\
# nevo runtime state: derived and per machine (written by `nevo init`). Rules (.claude/rules),
# config.yaml and warm memory (memory/) are meant to be kept in git.
/triggers/
/rejected/
/incidents/
/hooks/
/locks/
/nevo.db
/nevo.db-*
/nevo.db.corrupt-*
/*.log
/logs/
/context.*
/install.json
/guards.json
/guards.needles
/pending-rules.json
/memory/nudged/
/cache/
"""


@dataclass
class InstallReport:
    workspace: Path
    created: list[str] = field(default_factory=list)  # paths created, relative to the workspace
    updated: list[str] = field(default_factory=list)
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)


def shipped_hooks() -> Path:
    return Path(str(resources.files("nevo.data").joinpath("hooks")))


# The Python that has nevo, recorded by `nevo init` for the hooks that start it (session-end): a hook
# runs with Claude Code's environment, where `nevo` may not be on PATH (a virtualenv, pipx).
INTERPRETER_FILE = "interpreter"


def desired_hooks(workspace: Workspace, options: dict[str, Any]) -> list[HookSpec]:
    """Every hook nevo should have registered now: the base set, the PreToolUse guards for the tools that
    have rules with teeth, and the quality gate when it was asked for. Compiles the guards from the rules
    (they arrive by git too: `nevo init` in a fresh clone gives them their teeth)."""
    from nevo import guards

    return hook_set(options, guards.hook_specs(workspace))


def hook_set(options: dict[str, Any], guard_specs: list[HookSpec]) -> list[HookSpec]:
    """The hooks for these options and these (already compiled) guard hooks."""
    specs = [*BASE_HOOKS, *guard_specs]
    if options.get("quality_gate"):
        specs.extend(QUALITY_GATE_HOOKS)
    return specs


def interpreter_path(workspace: Workspace) -> Path:
    return workspace.hooks_dir / INTERPRETER_FILE


def read_state(workspace: Workspace) -> dict[str, Any]:
    path = workspace.install_state_path
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NevoError(f"{path} is unreadable: {exc}", "run `nevo init` again to rewrite it") from exc
    return state if isinstance(state, dict) else {}


def init(workspace: Workspace, *, quality_gate: bool | None = None, clock: Clock = system_clock) -> InstallReport:
    """Install nevo into ``workspace`` (idempotent). Raises NevoError, touching nothing, when settings.json
    is invalid."""
    root = workspace.root
    if not root.is_dir():
        raise NevoError(f"{root} is not a folder", "create it, or pass --workspace to an existing project")
    safepath.check_workspace(workspace)  # a .nevo or .claude symlinked out of the workspace: refused first
    if gitops.is_bare_repo(root):
        raise NevoError(
            f"{root} is a bare git repository: it has no working tree for rules and hooks",
            "run `nevo init` in a clone with a working tree",
        )
    report = InstallReport(workspace=root)
    if not gitops.is_git_repo(root):
        report.warnings.append(
            f"{root} is not in a git repository: rules will be written but cannot be committed "
            "(run `git init` to give them a history)"
        )
    settings_path = workspace.settings_path
    settings_target(workspace)  # a symlinked settings.json leading out of the workspace: refused before writing
    original_text = settings_path.read_text(encoding="utf-8") if settings_path.is_file() else None
    settings = parse_settings(original_text or "", str(settings_path))  # refuses before anything is written
    config = load_config(workspace)  # a malformed config.yaml is refused before anything is written, too

    try:
        state = read_state(workspace)
    except NevoError:  # unreadable bookkeeping must not lock the user out: keep it for a person, start over
        aside = workspace.install_state_path.with_name(f"install.json.corrupt-{iso(clock()).replace(':', '')}")
        workspace.install_state_path.rename(aside)
        report.updated.append(f"{_rel(workspace, aside)} (unreadable install.json moved aside)")
        state = {}
    first_install = not state
    if first_install:
        state = {
            "version": __version__,
            "installed_at": iso(clock()),
            "created_paths": [],
            "settings": {"existed": original_text is not None, "original": original_text, "created": None},
            "options": {},
        }
    if quality_gate is not None:
        state["options"]["quality_gate"] = quality_gate
    # Everything that can be refused is decided before the first write. With the nevo plugin installed,
    # the plugin runs the hooks (from .nevo/hooks/, marked below) and settings.json gets none of them.
    by_plugin = plugin.plugin_state(workspace).active
    new_settings, created = apply_hooks(
        settings,
        plugin.settings_hooks(desired_hooks(workspace, state["options"]), by_plugin),
        state["settings"].get("created"),
    )
    old_state_text = workspace.install_state_path.read_text(encoding="utf-8") if not first_install else None
    try:
        _write_install(workspace, state, report, config)
        plugin.mark_workspace(workspace, by_plugin)
        state["settings"]["created"] = created
        if new_settings != settings or original_text is None:
            write_settings(workspace, dump_settings(new_settings))
            (report.created if original_text is None else report.updated).append(_rel(workspace, settings_path))
    finally:
        # Even a failed init (a full disk, say) records what it created, so uninstall can take it out again.
        new_state_text = json.dumps(state, indent=2) + "\n"
        if new_state_text != old_state_text and workspace.nevo_dir.is_dir():
            atomic_write_text(workspace.install_state_path, new_state_text)
    report.unchanged = not report.created and not report.updated
    return report


def _write_install(workspace: Workspace, state: dict[str, Any], report: InstallReport, config: Config) -> None:
    for folder in (
        workspace.nevo_dir,
        workspace.triggers_dir,
        workspace.hooks_dir,
        workspace.claude_dir,
        workspace.rules_dir,
    ):
        if not folder.exists():
            folder.mkdir(parents=True)
            _note_created(state, report, workspace, folder)

    for path, text in (
        (workspace.config_path, TEMPLATE),
        (workspace.nevo_dir / ".gitignore", RUNTIME_GITIGNORE),
    ):
        if not path.exists():
            atomic_write_text(path, text)
            _note_created(state, report, workspace, path)

    _install_scripts(workspace, report)
    _record_interpreter(workspace, report)
    _install_skills(workspace, state, report)
    # The Stop hook is shell and cannot read YAML: it reads its settings from a rendered stop.conf.
    from nevo.memory.nudge import render_stop_conf

    render_stop_conf(workspace, config)


def sync_hooks(workspace: Workspace, guard_specs: list[HookSpec]) -> bool:
    """Make nevo's handlers in settings.json the base set plus ``guard_specs`` (after the guards were
    compiled) and the options' extras. Only the settings (and their bookkeeping) are touched: no script is
    copied, no file rewritten. True when the settings changed."""
    state = read_state(workspace)
    if not state:
        raise NevoError(f"nevo is not installed in {workspace.root}", "run `nevo init` first")
    path = workspace.settings_path
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    settings = parse_settings(text, str(path))
    record = (state.get("settings") or {}).get("created")
    new_settings, created = apply_hooks(settings, hook_set(state.get("options") or {}, guard_specs), record)
    changed = new_settings != settings or not path.is_file()
    if changed:
        atomic_write_text(path, dump_settings(new_settings))
    if created != record:
        state.setdefault("settings", {})["created"] = created
        atomic_write_text(workspace.install_state_path, json.dumps(state, indent=2) + "\n")
    return changed


def _install_scripts(workspace: Workspace, report: InstallReport) -> None:
    source = shipped_hooks()
    for script in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")):
        target = workspace.hooks_dir / script.name
        data = script.read_bytes()
        if target.is_file() and target.read_bytes() == data and os.access(target, os.X_OK):
            continue
        existed = target.exists()
        atomic_write_bytes(target, data, mode=0o755)
        (report.updated if existed else report.created).append(_rel(workspace, target))


def _record_interpreter(workspace: Workspace, report: InstallReport) -> None:
    """Write the interpreter running nevo now into the hooks folder (see :data:`INTERPRETER_FILE`)."""
    target = interpreter_path(workspace)
    text = sys.executable + "\n"
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    existed = target.exists()
    atomic_write_text(target, text)
    (report.updated if existed else report.created).append(_rel(workspace, target))


def shipped_skills() -> Path:
    return Path(str(resources.files("nevo.data").joinpath("skills")))


def _install_skills(workspace: Workspace, state: dict[str, Any], report: InstallReport) -> None:
    """Copy the skills nevo ships (how to work with its rules, ...) into .claude/skills/. A file that is
    already there is left alone: it is the user's (or an earlier copy) and is never overwritten."""
    source = shipped_skills()
    for path in sorted(source.rglob("*")):
        if path.name.startswith(".") or "__pycache__" in path.parts:
            continue
        target = workspace.skills_dir / path.relative_to(source)
        for folder in reversed([target.parent, *target.parent.parents]):
            if folder == workspace.claude_dir or workspace.claude_dir not in folder.parents:
                continue
            if not folder.exists():
                folder.mkdir()
                _note_created(state, report, workspace, folder)
        if path.is_dir():
            if not target.exists():
                target.mkdir()
                _note_created(state, report, workspace, target)
        elif not target.exists():
            atomic_write_bytes(target, path.read_bytes(), mode=path.stat().st_mode & 0o777)
            _note_created(state, report, workspace, target)


@dataclass
class UninstallReport:
    workspace: Path
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # runtime data left in place (use purge to remove)
    settings_restored: bool = False


def uninstall(workspace: Workspace, *, purge: bool = False) -> UninstallReport:
    """Remove what init added. Settings come back exactly as they were when untouched since init, else with
    only nevo's handlers removed. Runtime data (database, memory, incidents) is kept unless ``purge``."""
    if purge and workspace.nevo_dir.is_symlink():
        return _purge_symlinked(workspace)
    safepath.check_workspace(workspace)
    try:
        state = read_state(workspace)
    except NevoError:
        if not purge:
            raise
        state = {}
    if not state:
        if purge and workspace.nevo_dir.is_dir():
            return _purge_leftovers(workspace)
        raise NevoError(
            f"nevo is not installed in {workspace.root} (no .nevo/install.json)",
            "nothing to uninstall; `nevo uninstall --purge` removes a leftover .nevo/ folder and nevo's hooks",
        )
    report = UninstallReport(workspace=workspace.root)
    settings_state = state.get("settings") or {}
    path = workspace.settings_path
    if path.is_file():
        current = parse_settings(path.read_text(encoding="utf-8"), str(path))
        restored = remove_hooks(current, settings_state.get("created"))
        original = settings_state.get("original")
        if original is not None and parse_settings(original, str(path)) == restored:
            write_settings(workspace, original)  # byte for byte, formatting included
            report.settings_restored = True
        elif not settings_state.get("existed") and restored == {}:
            path.unlink()
            report.removed.append(_rel(workspace, path))
            report.settings_restored = True
        else:
            write_settings(workspace, dump_settings(restored))
        report.removed.append("nevo hooks in " + _rel(workspace, path))

    shutil.rmtree(workspace.hooks_dir, ignore_errors=True)
    created = [workspace.root / rel for rel in state.get("created_paths", [])]
    ignore_file = workspace.nevo_dir / ".gitignore"
    for target in sorted(created, key=lambda p: len(p.parts), reverse=True):  # files first, then folders
        if target in (workspace.nevo_dir, ignore_file):
            continue  # decided below: the ignore file stays as long as data stays, so no secret reaches git
        if target.is_file():
            if _edited_since_init(workspace, target):
                report.kept.append(_rel(workspace, target))
                continue
            target.unlink()
            report.removed.append(_rel(workspace, target))
        elif target.is_dir() and not any(target.iterdir()):
            target.rmdir()
            report.removed.append(_rel(workspace, target))
    workspace.install_state_path.unlink(missing_ok=True)
    nevo_dir = workspace.nevo_dir
    if nevo_dir.is_dir():
        leftovers = [p for p in nevo_dir.iterdir() if not _is_disposable(p) and p != ignore_file]
        if purge or not leftovers:
            shutil.rmtree(nevo_dir)
            report.removed.append(_rel(workspace, nevo_dir))
        else:
            for p in sorted(nevo_dir.iterdir()):
                if _is_disposable(p):
                    _remove(p)
            report.kept.extend(_rel(workspace, p) for p in sorted(leftovers))
            if ignore_file.is_file():
                report.kept.append(f"{_rel(workspace, ignore_file)} (keeps the kept data out of git)")
    for folder in (workspace.rules_dir, workspace.claude_dir):
        rel = _rel(workspace, folder)
        if rel in state.get("created_paths", []) and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return report


def _purge_leftovers(workspace: Workspace) -> UninstallReport:
    """``--purge`` without install bookkeeping: take nevo's handlers out of the settings and delete .nevo/."""
    report = UninstallReport(workspace=workspace.root)
    path = workspace.settings_path
    if path.is_file():
        current = parse_settings(path.read_text(encoding="utf-8"), str(path))
        restored = remove_hooks(current, None)
        if restored != current:
            write_settings(workspace, dump_settings(restored))
            report.removed.append("nevo hooks in " + _rel(workspace, path))
    shutil.rmtree(workspace.nevo_dir)
    report.removed.append(_rel(workspace, workspace.nevo_dir))
    return report


def _purge_symlinked(workspace: Workspace) -> UninstallReport:
    """``--purge`` when ``.nevo`` is a symlink: take nevo's handlers out of the settings and remove the link
    itself. What it points at may be shared or someone else's: it is never deleted through the link."""
    report = UninstallReport(workspace=workspace.root)
    path = workspace.settings_path
    if path.is_file():
        current = parse_settings(path.read_text(encoding="utf-8"), str(path))
        restored = remove_hooks(current, None)
        if restored != current:
            write_settings(workspace, dump_settings(restored))
            report.removed.append("nevo hooks in " + _rel(workspace, path))
    target = workspace.nevo_dir.resolve()
    workspace.nevo_dir.unlink()
    report.removed.append(f"{_rel(workspace, workspace.nevo_dir)} (the symlink)")
    report.kept.append(f"{target} (where the .nevo symlink pointed; not deleted through it)")
    return report


def _edited_since_init(workspace: Workspace, path: Path) -> bool:
    """Files init wrote from a template are the user's once edited: uninstall keeps them."""
    written: str | bytes | None = {
        workspace.config_path: TEMPLATE,
        workspace.nevo_dir / ".gitignore": RUNTIME_GITIGNORE,
    }.get(path)
    if written is not None:
        return path.read_text(encoding="utf-8") != written
    if workspace.skills_dir in path.parents:
        shipped = shipped_skills() / path.relative_to(workspace.skills_dir)
        return not shipped.is_file() or shipped.read_bytes() != path.read_bytes()
    return False


def _is_disposable(path: Path) -> bool:
    """Runtime files that hold nothing a user could want back: empty folders, logs, rendered context."""
    if path.is_dir():
        # logs: the background run's (bounded); locks: lock files and the quality gate's baselines
        return path.name in ("logs", "locks") or not any(path.iterdir())
    rebuilt = (
        "capture.log",
        "context.md",
        "context.json",
        "guards.json",
        "guards.needles",
    )  # derived from rules
    return path.name in rebuilt and path.is_file()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def _note_created(state: dict[str, Any], report: InstallReport, workspace: Workspace, path: Path) -> None:
    rel = _rel(workspace, path)
    if rel not in state["created_paths"]:
        state["created_paths"].append(rel)
    report.created.append(rel)


def _rel(workspace: Workspace, path: Path) -> str:
    try:
        return str(path.relative_to(workspace.root))
    except ValueError:
        return str(path)
