"""Trigger files: what the capture hook leaves in ``.nevo/triggers/`` and how the monitor reads them.

A trigger is ``<12-digit centiseconds since boot>-<pid>.json`` holding one raw hook payload, written
atomically (temp file ``.tmp-*``, then rename). Reading is defensive: an empty file, invalid JSON or
an unknown shape raises ``UnreadableTrigger`` (the monitor moves it to ``.nevo/rejected/`` with the
reason beside it). A huge payload (a 50 MB tool output) is not parsed whole: its head and tail are
kept and glued back into valid JSON, so it costs the same as a 1 MB one.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from nevo.fsutil import atomic_write_text

KNOWN_EVENTS = frozenset(
    {"PostToolUseFailure", "Stop", "SubagentStop", "SessionEnd", "PreCompact", "StopFailure", "NevoGuard"}
)
TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 60.0  # the hook's rename runs within milliseconds; a temp file this old was left behind
MAX_STRING_CHARS = 65_536  # any one string in a payload is clipped to this (head and tail kept)
FULL_PARSE_LIMIT = 256 * 1024 * 1024  # beyond this a payload whose head/tail cannot be glued is rejected
# Real hook payloads nest a few levels (an MCP tool's input a few more). Deeper ones are rejected here, at
# the door: redaction, fingerprinting and json.dumps downstream recurse, and Python's recursion limit (~1000
# frames) is far below the ~1000 levels json.loads accepts.
MAX_NESTING = 128

_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)


class UnreadableTrigger(Exception):
    """A trigger that cannot be turned into a payload; ``reason`` says why (kept beside the file)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pending_triggers(triggers_dir: Path) -> list[Path]:
    """Complete trigger files, oldest first (the names sort by time)."""
    try:
        names = [
            e.name
            for e in os.scandir(triggers_dir)
            if e.name.endswith(".json") and not e.name.startswith(".")
        ]
    except FileNotFoundError:
        return []
    names.sort()
    return [triggers_dir / name for name in names]


def is_trigger_name(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".")


def stale_temps(triggers_dir: Path, now: float, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """In-flight writes whose writer must have died (older than ``max_age`` seconds)."""
    stale = []
    try:
        entries = [e for e in os.scandir(triggers_dir) if e.name.startswith(TEMP_PREFIX)]
    except FileNotFoundError:
        return []
    for entry in entries:
        try:
            if now - entry.stat().st_mtime > max_age:
                stale.append(Path(entry.path))
        except FileNotFoundError:  # renamed by its writer meanwhile: not stale after all
            continue
    return stale


def adopt_temp(path: Path) -> Path | None:
    """A temp file left behind: the capture hook writes with ``cat`` and publishes with a rename that runs
    after the hook has exited (off the agent's critical path). When that rename never ran (its process
    was killed), the file is still complete if it holds whole JSON: publish it under the name the hook
    meant. Returns the trigger's path, or None when the file is partial (the caller moves it aside)."""
    try:
        json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        return None
    target = path.with_name(path.name[len(TEMP_PREFIX) :] + ".json")
    if target.exists():
        return None
    path.rename(target)
    return target


def move_aside(path: Path, rejected_dir: Path, reason: str, *, suffix: str = "") -> Path | None:
    """Move a trigger to ``rejected_dir`` with ``<name>.reason`` beside it. Returns the new path (None when
    the file vanished meanwhile). The reason is written first, so a crash never leaves an unexplained file."""
    rejected_dir.mkdir(parents=True, exist_ok=True)
    target = rejected_dir / (path.name.lstrip(".") + suffix)
    atomic_write_text(target.with_name(target.name + ".reason"), reason.rstrip() + "\n")
    try:
        os.replace(path, target)
    except FileNotFoundError:
        target.with_name(target.name + ".reason").unlink(missing_ok=True)
        return None
    return target


def read_payload(path: Path, max_bytes: int) -> dict[str, Any]:
    """The hook payload in a trigger file, with huge strings clipped. Raises UnreadableTrigger, or
    FileNotFoundError when the file is gone."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise UnreadableTrigger("empty file")
        if size <= max_bytes:
            obj = _loads(path.read_bytes())
        else:
            obj = _loads_head_and_tail(path, size, max(max_bytes, 1024))
    except FileNotFoundError:
        raise  # taken by another monitor meanwhile: not a bad trigger
    except OSError as exc:
        raise UnreadableTrigger(f"cannot read: {exc}") from exc
    except RecursionError as exc:  # json.loads on the head-and-tail path
        raise UnreadableTrigger("JSON nested too deeply") from exc
    if not isinstance(obj, dict):
        raise UnreadableTrigger(f"not a JSON object but a {type(obj).__name__}")
    try:
        payload: dict[str, Any] = clip_strings(obj, max_depth=MAX_NESTING)
    except NestedTooDeeply as exc:
        raise UnreadableTrigger(f"JSON nested too deeply: more than {exc.limit} levels") from exc
    check_shape(payload)
    return payload


def check_shape(payload: dict[str, Any]) -> None:
    event = payload.get("hook_event_name")
    if not isinstance(event, str) or not event:
        raise UnreadableTrigger("unknown shape: no hook_event_name")
    if event not in KNOWN_EVENTS:
        raise UnreadableTrigger(
            f"unknown hook event {event!r} (expected one of {', '.join(sorted(KNOWN_EVENTS))})"
        )
    if event == "PostToolUseFailure":
        if not isinstance(payload.get("tool_name"), str) or not payload["tool_name"]:
            raise UnreadableTrigger("PostToolUseFailure without a tool_name")
        if "tool_input" in payload and not isinstance(payload["tool_input"], (dict, type(None))):
            raise UnreadableTrigger("PostToolUseFailure whose tool_input is not an object")


def clip(text: str, limit: int = MAX_STRING_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut by nevo ...]\n{text[-half:]}"


class NestedTooDeeply(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"nested more than {limit} levels deep")
        self.limit = limit


def clip_strings(obj: Any, limit: int = MAX_STRING_CHARS, max_depth: int | None = None) -> Any:
    """A copy of ``obj`` (parsed JSON) with every string clipped. Iterative, not recursive: a payload nested
    a thousand levels deep must not blow Python's stack. Raises NestedTooDeeply past ``max_depth``."""
    if isinstance(obj, str):
        return clip(obj, limit)
    if not isinstance(obj, (dict, list)):
        return obj
    root: dict[Any, Any] | list[Any] = {} if isinstance(obj, dict) else []
    stack: list[tuple[dict[Any, Any] | list[Any], dict[Any, Any] | list[Any], int]] = [(obj, root, 1)]
    while stack:
        source, copy, depth = stack.pop()
        if max_depth is not None and depth > max_depth:
            raise NestedTooDeeply(max_depth)
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, str):
                value = clip(value, limit)
            elif isinstance(value, (dict, list)):
                child: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
                stack.append((value, child, depth + 1))
                value = child  # filled in when popped: the copy shares nothing with the source
            if isinstance(copy, dict):
                copy[key] = value
            else:
                copy.append(value)
    return root


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise UnreadableTrigger(f"not UTF-8: {exc}") from exc
    except RecursionError as exc:
        raise UnreadableTrigger("JSON nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableTrigger(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def _loads_head_and_tail(path: Path, size: int, max_bytes: int) -> Any:
    """Parse a huge payload from its head and tail only. Payloads are huge because of one string (a tool's
    output): cut inside that string, the head ends in an open string and the tail starts in it."""
    half = max_bytes // 2
    with path.open("rb") as handle:
        head = handle.read(half)
        handle.seek(size - half)
        tail = handle.read(half)
    glued = _glue(head, tail, size - 2 * half)
    if glued is not None:
        try:
            return json.loads(glued)
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass  # the cut was not inside one string: fall back to the full parse below
    if size > FULL_PARSE_LIMIT:
        raise UnreadableTrigger(
            f"payload of {size} bytes is too large and its head and tail cannot be joined"
        )
    return _loads(path.read_bytes())


def _glue(head: bytes, tail: bytes, cut: int) -> bytes | None:
    position = 0
    while True:  # walk the head's strings; structure between them holds no quote
        quote = head.find(b'"', position)
        if quote < 0:
            return None  # the head ends outside any string
        match = _JSON_STRING.match(head, quote)
        if match is None:
            break
        position = match.end()
    head = _trim_partial_escape(_trim_partial_utf8(head))
    start = 0
    while start < len(tail) and (tail[start] & 0xC0) == 0x80:  # a UTF-8 character cut in two
        start += 1
    rest = _STRING_REST.match(tail, start)
    if rest is None:
        return None
    marker = f"\\n[... {cut} bytes cut by nevo ...]\\n".encode()
    return head + marker + tail[rest.start() :]


def _trim_partial_utf8(data: bytes) -> bytes:
    end = len(data)
    while end and (data[end - 1] & 0xC0) == 0x80:
        end -= 1
    if end and data[end - 1] >= 0xC0:
        end -= 1
    elif end != len(data):
        end = len(data)  # only continuation bytes after an ASCII byte: leave as is (decoder will complain)
    return data[:end]


def _trim_partial_escape(data: bytes) -> bytes:
    backslash = data.rfind(b"\\", max(len(data) - 6, 0))
    if backslash >= 0:
        data = data[:backslash]
        trailing = len(data) - len(data.rstrip(b"\\"))
        if trailing % 2:
            data = data[:-1]
    return data
