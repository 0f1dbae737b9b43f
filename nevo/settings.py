"""Merging nevo's hooks into Claude Code's ``.claude/settings.json``, and taking them out again.

Pure functions over the parsed JSON, so the properties that matter are tested directly: applying
twice equals applying once, every key and hook nevo does not own survives, and removal inverts
installation. nevo's handlers are recognised by their command, which always runs a script from the
workspace's ``.nevo/hooks/`` folder (Claude Code validates settings, so no extra marker keys are added).
Writing the file itself (:func:`write_settings`) keeps a symlinked settings.json a symlink.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nevo import safepath
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text
from nevo.workspace import Workspace

HOOKS_MARK = "/.nevo/hooks/"


@dataclass(frozen=True)
class HookSpec:
    event: str  # "PostToolUseFailure", "SessionStart", ...
    script: str  # file name in .nevo/hooks/
    matcher: str | None = None  # tool-name matcher for tool events; None for events without matchers
    timeout: int = 10  # seconds

    @property
    def command(self) -> str:
        # Guarded: settings.json is shared through git but .nevo/hooks/ is not, so a teammate who has not run
        # `nevo init` gets a silent no-op instead of a failing hook on every event.
        script = f'"$CLAUDE_PROJECT_DIR"{HOOKS_MARK}{self.script}'
        return f"[ ! -x {script} ] || {script}"

    def handler(self) -> dict[str, Any]:
        return {"type": "command", "command": self.command, "timeout": self.timeout}


def is_ours(handler: Any) -> bool:
    return isinstance(handler, dict) and HOOKS_MARK in str(handler.get("command", ""))


def parse_settings(text: str, source: str) -> dict[str, Any]:
    """Parse settings text; anything Claude Code would reject is refused here, before nevo writes."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise NevoError(
                f"{source} is not valid JSON ({exc}); nothing was changed",
                "Claude Code rejects NaN and Infinity: replace them, then run the command again",
            ) from exc
        raise NevoError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); nothing was changed",
            "fix the file (Claude Code ignores an invalid settings file entirely), then run the command again",
        ) from exc
    if not isinstance(data, dict):
        raise NevoError(f"{source} must hold a JSON object; nothing was changed", "fix the file, then try again")
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict):
        raise NevoError(f"{source}: `hooks` must be an object; nothing was changed", "fix the file, then try again")
    for event, groups in (hooks or {}).items():
        if not isinstance(groups, list):
            raise NevoError(f"{source}: hooks.{event} must be a list; nothing was changed", "fix the file")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def dump_settings(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def our_hooks(settings: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(event, matcher, command) for every nevo handler in ``settings``."""
    found = []
    for event, groups in (settings.get("hooks") or {}).items():
        for group in groups if isinstance(groups, list) else []:
            if not isinstance(group, dict):
                continue
            for handler in group.get("hooks") or []:
                if is_ours(handler):
                    found.append((event, group.get("matcher"), str(handler["command"])))
    return found


def apply_hooks(
    settings: dict[str, Any], specs: list[HookSpec], created: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Make nevo's handlers in ``settings`` exactly ``specs`` (adding, updating, removing only its own).

    ``created`` records the containers nevo had to create (the ``hooks`` key, event lists), so that
    removal takes out exactly those and leaves a user's own empty lists alone. Returns the new settings
    and the updated record; the input is not modified.
    """
    result = copy.deepcopy(settings)
    record: dict[str, Any] = {"hooks_key": False, "events": []} if created is None else copy.deepcopy(created)
    result = _strip_ours(result, record, keep={(s.event, s.matcher, s.command) for s in specs})
    if specs and "hooks" not in result:
        result["hooks"] = {}
        record["hooks_key"] = True
    present = {(e, m, c) for e, m, c in our_hooks(result)}
    for spec in specs:
        groups = result["hooks"].get(spec.event)
        if groups is None:
            groups = result["hooks"][spec.event] = []
            if spec.event not in record["events"]:
                record["events"].append(spec.event)
        if (spec.event, spec.matcher, spec.command) in present:
            for group in groups:  # update the handler in place (a new timeout, say)
                for index, handler in enumerate(group.get("hooks") or []):
                    if (
                        is_ours(handler)
                        and handler.get("command") == spec.command
                        and group.get("matcher") == spec.matcher
                    ):
                        group["hooks"][index] = spec.handler()
            continue
        group = (
            {"matcher": spec.matcher, "hooks": [spec.handler()]}
            if spec.matcher is not None
            else {"hooks": [spec.handler()]}
        )
        groups.append(group)
    return result, record


def remove_hooks(settings: dict[str, Any], created: dict[str, Any] | None) -> dict[str, Any]:
    """Take every nevo handler out of ``settings``, and the containers nevo created once they are empty."""
    record = created or {"hooks_key": False, "events": []}
    return _strip_ours(copy.deepcopy(settings), record, keep=set())


def _strip_ours(
    settings: dict[str, Any], record: dict[str, Any], keep: set[tuple[str, str | None, str]]
) -> dict[str, Any]:
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return settings
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        new_groups = []
        for group in groups:
            if not isinstance(group, dict) or not any(is_ours(h) for h in group.get("hooks") or []):
                new_groups.append(group)
                continue
            handlers = [
                h
                for h in group["hooks"]
                if not is_ours(h) or (event, group.get("matcher"), str(h.get("command"))) in keep
            ]
            if handlers:
                new_groups.append({**group, "hooks": handlers})
        hooks[event] = new_groups
        if not new_groups and event in record["events"]:
            del hooks[event]
            record["events"].remove(event)
    if not hooks and record.get("hooks_key"):
        del settings["hooks"]
        record["hooks_key"] = False
    return settings


# -- the file -----------------------------------------------------------------------------------------


def settings_target(workspace: Workspace) -> Path:
    """Where the content of ``.claude/settings.json`` is written: the file itself, or, when it is a symlink
    (settings kept in a dotfiles folder of the project, say), the file it points at, which then stays a
    symlink. A link that leads out of the workspace is refused: nevo does not write another project's
    (or a system's) file."""
    path = workspace.settings_path
    if not path.is_symlink():
        return path
    target = path.resolve()
    if not safepath.is_inside(workspace.root, target):
        raise safepath.UnsafePath(
            f"{path} is a symlink to {target}, outside the workspace; nevo does not write through it",
            f"register the hooks by hand, or make {path} a regular file, then run the command again",
        )
    return target


def write_settings(workspace: Workspace, text: str) -> None:
    """Write settings atomically; a symlinked settings.json stays a symlink (see :func:`settings_target`)."""
    atomic_write_text(settings_target(workspace), text)
