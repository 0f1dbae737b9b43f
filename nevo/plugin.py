"""The nevo plugin for Claude Code: whether it serves a workspace, and its folder, built from the repository.

A user installs the plugin (``claude plugin marketplace add <repo>``, ``claude plugin install nevo@nevo``)
instead of having ``nevo init`` register hooks in each project's ``.claude/settings.json``. Claude Code
records the install in ``<config>/plugins/installed_plugins.json`` and switches it on or off with
``enabledPlugins["nevo@nevo"]`` in a settings file (user, project or local); ``<config>`` is
``$CLAUDE_CONFIG_DIR`` or ``~/.claude``.

The plugin runs the same hook scripts as a settings registration: its hooks.json calls
``plugin/hooks/nevo-hook <script>``, which runs ``$CLAUDE_PROJECT_DIR/.nevo/hooks/<script>`` (the copies
``nevo init`` installs) only in a project whose ``nevo init`` left the marker ``.nevo/hooks/.by-plugin``,
i.e. decided that the plugin, not settings.json, runs its hooks. So nothing fires twice, and a project that
never opted in is never touched.

The plugin folder (``plugin/``) holds no copy of anything: skills, agents and the Python package are
symlinks into the repository, which ``claude plugin install`` dereferences when it copies the plugin into
its cache (checked with Claude Code 2.1.197). Its manifests and hooks.json are rendered here from the same
constants ``nevo init`` uses; ``nevo plugin build`` writes them and ``nevo plugin build --check`` (and the
tests) fail when the committed files differ.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nevo import __version__
from nevo.hookspecs import BASE_HOOKS
from nevo.settings import HookSpec
from nevo.workspace import Workspace

MARKETPLACE = "nevo"
PLUGIN_NAME = "nevo"
PLUGIN_ID = f"{PLUGIN_NAME}@{MARKETPLACE}"
DESCRIPTION = (
    "Makes Claude Code learn from its own work: failed tool calls become incidents, incidents become short "
    "rules committed to git (with guards), sessions become searchable memory. Opt a project in with /nevo:init."
)
# In a project's .nevo/hooks/: nevo init decided that the plugin runs this project's hooks.
MARKER = ".by-plugin"
MARKER_TEXT = (
    "nevo's hooks for this project are run by the nevo Claude Code plugin (written by `nevo init`, which\n"
    "therefore registered none in .claude/settings.json). Without this file the plugin leaves the project alone.\n"
)
RUNNER = '"${CLAUDE_PLUGIN_ROOT}"/hooks/nevo-hook'
PYTHON_START = '"${CLAUDE_PLUGIN_ROOT}"/scripts/python-env start'
# The guard runs on every tool call a matcher lets through; the plugin cannot know which tools a project's
# rules guard, so it asks on all (nevo-hook returns at once where there is nothing to guard).
GUARD_MATCHER = "*"
# What the plugin folder links to, relative to the repository: Claude Code copies the targets on install.
LINKS: dict[str, str] = {
    "plugin/skills": "../skills",
    "plugin/agents": "../agents",
    "plugin/python/nevo": "../../nevo",
    "plugin/python/pyproject.toml": "../../pyproject.toml",
    "plugin/python/README.md": "../../README.md",
}


@dataclass(frozen=True)
class PluginState:
    """The nevo plugin as Claude Code's files describe it, for one workspace."""

    config_dir: Path
    installed: bool  # an install record that applies here (user scope, or this project's)
    enabled: bool  # not switched off by the settings that apply here
    scope: str | None = None
    version: str | None = None

    @property
    def active(self) -> bool:
        return self.installed and self.enabled

    @property
    def data_dir(self) -> Path:
        """Where the plugin's Python side lives (``${CLAUDE_PLUGIN_DATA}``)."""
        return self.config_dir / "plugins" / "data" / f"{PLUGIN_NAME}-{MARKETPLACE}"

    def python_ready(self) -> bool:
        return (self.data_dir / "venv" / "bin" / "nevo").is_file() and (self.data_dir / "installed").is_file()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": PLUGIN_ID,
            "installed": self.installed,
            "enabled": self.enabled,
            "active": self.active,
            "scope": self.scope,
            "version": self.version,
            "config_dir": str(self.config_dir),
            "data_dir": str(self.data_dir),
            "python_ready": self.python_ready(),
        }


def claude_config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    configured = env.get("CLAUDE_CONFIG_DIR")
    return Path(configured).expanduser() if configured else Path(os.path.expanduser("~")) / ".claude"


def plugin_state(workspace: Workspace, env: Mapping[str, str] | None = None) -> PluginState:
    """Read (never write) Claude Code's plugin records. Unreadable files count as saying nothing."""
    config = claude_config_dir(env)
    records = _read_json(config / "plugins" / "installed_plugins.json").get("plugins")
    entries = records.get(PLUGIN_ID) if isinstance(records, dict) else None
    applicable = [
        entry
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and _applies(entry, workspace.root)
    ]
    enabled = True  # installed and not switched off: Claude Code loads it
    for settings in (
        workspace.claude_dir / "settings.local.json",
        workspace.claude_dir / "settings.json",
        config / "settings.json",
    ):
        flags = _read_json(settings).get("enabledPlugins")
        if isinstance(flags, dict) and PLUGIN_ID in flags:
            enabled = flags[PLUGIN_ID] is not False  # the most specific file that names it decides
            break
    first = applicable[0] if applicable else {}
    return PluginState(
        config_dir=config,
        installed=bool(applicable),
        enabled=enabled,
        scope=str(first["scope"]) if first.get("scope") else None,
        version=str(first["version"]) if first.get("version") else None,
    )


def _applies(entry: dict[str, Any], root: Path) -> bool:
    scope = entry.get("scope")
    if scope == "user":
        return True
    project = entry.get("projectPath")
    if scope in ("project", "local") and isinstance(project, str):
        try:
            return Path(project).resolve() == root.resolve()
        except OSError:
            return False
    return False


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# -- what nevo init registers -----------------------------------------------------------------------------


def plugin_hook_specs() -> list[HookSpec]:
    """The hooks the plugin runs for an opted-in project: the base set and the guard (the quality gate is a
    per-project choice and stays in that project's settings.json)."""
    from nevo.guards import GUARD_SCRIPT, GUARD_TIMEOUT

    return [*BASE_HOOKS, HookSpec("PreToolUse", GUARD_SCRIPT, matcher=GUARD_MATCHER, timeout=GUARD_TIMEOUT)]


def settings_hooks(specs: list[HookSpec], by_plugin: bool) -> list[HookSpec]:
    """The part of ``specs`` that .claude/settings.json should register: all of it, or, when the plugin
    runs this project's hooks, only what the plugin does not."""
    if not by_plugin:
        return specs
    provided = {(spec.event, spec.script) for spec in plugin_hook_specs()}
    return [spec for spec in specs if (spec.event, spec.script) not in provided]


def mark_workspace(workspace: Workspace, by_plugin: bool) -> None:
    """Leave (or take away) the marker that lets the plugin run this project's hooks."""
    marker = workspace.hooks_dir / MARKER
    if by_plugin:
        if workspace.hooks_dir.is_dir() and not marker.is_file():
            marker.write_text(MARKER_TEXT, encoding="utf-8")
    else:
        marker.unlink(missing_ok=True)


def runs_hooks_of(workspace: Workspace) -> bool:
    """Whether the plugin (when loaded) runs this project's hooks."""
    return (workspace.hooks_dir / MARKER).is_file()


def health(workspace: Workspace, env: Mapping[str, str] | None = None) -> tuple[bool, str, str | None]:
    """(ok, detail, fix) for ``nevo doctor``."""
    state = plugin_state(workspace, env)
    marked = runs_hooks_of(workspace)
    if not state.active:
        if marked:
            what = "is switched off" if state.installed else f"is not installed (in {state.config_dir})"
            return False, f"this project's hooks are left to the {PLUGIN_ID} plugin, which {what}", "run `nevo init`"
        return True, f"{PLUGIN_ID} is not in use here: the hooks are in .claude/settings.json", None
    python = "ready" if state.python_ready() else "not installed yet (the next session installs it)"
    if not workspace.is_installed:
        return True, f"{PLUGIN_ID} is installed; this project has not opted in (/nevo:init or `nevo init`)", None
    if not marked:
        return (
            True,
            (
                f"{PLUGIN_ID} {state.version or ''} is installed, but this project registers its own hooks in "
                "settings.json (the plugin stands aside): `nevo init` hands them to the plugin"
            ),
            None,
        )
    return True, f"{PLUGIN_ID} {state.version or ''} runs this project's hooks; its Python side is {python}", None


# -- the plugin folder ------------------------------------------------------------------------------------


def render_hooks_json() -> str:
    """plugin/hooks/hooks.json: every hook nevo-hook runs, and the start of the Python install."""
    hooks: dict[str, list[dict[str, Any]]] = {
        "SessionStart": [{"hooks": [{"type": "command", "command": PYTHON_START, "timeout": 10}]}]
    }
    for spec in plugin_hook_specs():
        handler = {"type": "command", "command": f"{RUNNER} {spec.script}", "timeout": spec.timeout}
        group: dict[str, Any] = {"hooks": [handler]}
        if spec.matcher is not None:
            group = {"matcher": spec.matcher, **group}
        hooks.setdefault(spec.event, []).append(group)
    note = "Written by `nevo plugin build` from nevo.hookspecs.BASE_HOOKS: edit those, then rebuild."
    return json.dumps({"description": note, "hooks": hooks}, indent=2) + "\n"


def render_plugin_json() -> str:
    manifest = {
        "name": PLUGIN_NAME,
        "version": __version__,  # Claude Code caches an installed version: a change ships with a bump
        "description": DESCRIPTION,
        "author": {"name": "nevo"},
        "license": "MIT",
        "keywords": ["learning", "memory", "rules", "hooks", "incidents"],
    }
    return json.dumps(manifest, indent=2) + "\n"


def render_marketplace_json() -> str:
    marketplace = {
        "name": MARKETPLACE,
        "owner": {"name": "nevo"},
        "description": "nevo: a learning loop around Claude Code.",
        "plugins": [{"name": PLUGIN_NAME, "source": "./plugin", "description": DESCRIPTION, "version": __version__}],
    }
    return json.dumps(marketplace, indent=2) + "\n"


def rendered_files() -> dict[str, str]:
    """Every generated file of the plugin, by path relative to the repository."""
    return {
        ".claude-plugin/marketplace.json": render_marketplace_json(),
        "plugin/.claude-plugin/plugin.json": render_plugin_json(),
        "plugin/hooks/hooks.json": render_hooks_json(),
    }


def repository_root() -> Path | None:
    """The repository this nevo runs from, when it runs from a checkout (not an installed package)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / ".claude-plugin").is_dir() and (root / "plugin").is_dir() else None


def build(repo: Path, *, check: bool = False) -> list[str]:
    """Bring the plugin folder in ``repo`` up to date (or, with ``check``, only say what is out of date).
    Returns one line per file written, or per difference found."""
    findings: list[str] = []
    for relative, text in rendered_files().items():
        path = repo / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        findings.append(f"{relative} is {'missing' if current is None else 'out of date'}")
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for relative, target in LINKS.items():
        path = repo / relative
        if path.is_symlink() and os.readlink(path) == target:
            continue
        findings.append(f"{relative} must be a symlink to {target}")
        if not check:
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.exists():
                findings[-1] += " (a folder is in the way: remove it, then build again)"
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(target)
    return findings
