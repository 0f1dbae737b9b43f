"""Trigger files: what the capture hook leaves in ``.nevo/triggers/`` and how the monitor reads them.

A trigger is ``<12-digit centiseconds since boot>-<pid>.json`` holding one raw hook payload, written
atomically (temp file ``.tmp-*``, then rename). Reading is defensive: an empty file, invalid JSON or
an unknown shape raises ``UnreadableTrigger`` (the monitor moves it to ``.nevo/rejected/`` with the
reason beside it). A huge payload (a 50 MB tool output) is not parsed whole: its head and tail are
kept and glued back into valid JSON, so it costs the same as a 1 MB one. Whatever its shape (one huge
string, a list of a million numbers, a wide dict), what is kept fits ``max_payload_bytes``.

Only regular files are read, and never more than a bound: a trigger or a temp file that is a FIFO, a
device (``/dev/zero``) or a symlink is moved aside with the reason instead of blocking or exhausting the
monitor on every run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import IO, Any

from nevo.fsutil import FileTooLarge, NotRegularFile, atomic_write_text, open_regular, read_bounded

KNOWN_EVENTS = frozenset(
    {"PostToolUseFailure", "Stop", "SubagentStop", "SessionEnd", "PreCompact", "StopFailure", "NevoGuard"}
)
TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 60.0  # the hook's rename runs within milliseconds; a temp file this old was left behind
MAX_STRING_CHARS = 65_536  # any one string in a payload is clipped to this (head and tail kept)
FULL_PARSE_LIMIT = 32 * 1024 * 1024  # beyond this a payload whose head/tail cannot be glued is rejected
MAX_ITEMS = 1_000  # any one list or object keeps this many items (head and tail), to begin with
_FLOOR_CHARS, _FLOOR_ITEMS = 256, 8  # clipping to fit max_payload_bytes stops here (a payload of ~1 KB)
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # a lone surrogate: valid JSON, not encodable as UTF-8
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
        names = [e.name for e in os.scandir(triggers_dir) if e.name.endswith(".json") and not e.name.startswith(".")]
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
    meant. Returns the trigger's path, or None when the file is partial (the caller moves it aside).
    Raises UnreadableTrigger when it is not a regular file, or too large to check."""
    try:
        json.loads(read_bounded(path, FULL_PARSE_LIMIT, follow=False))
    except (ValueError, RecursionError):
        return None
    except (NotRegularFile, FileTooLarge) as exc:  # not a file the hook wrote (a symlink, a FIFO, a device)
        raise UnreadableTrigger(f"temp file {exc.strerror}: moved aside, never read again") from exc
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
    """The hook payload in a trigger file, clipped to fit ``max_bytes``. Raises UnreadableTrigger, or
    FileNotFoundError when the file is gone."""
    try:
        with open_regular(path, follow=False) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                raise UnreadableTrigger("empty file")
            if size <= max_bytes:
                obj = _loads(handle.read(size))  # read(size), not read(max_bytes): no 1 MB buffer per trigger
            else:
                obj = _loads_head_and_tail(handle, size, max(max_bytes, 1024))
    except FileNotFoundError:
        raise  # taken by another monitor meanwhile: not a bad trigger
    except NotRegularFile as exc:
        raise UnreadableTrigger(f"{exc.strerror}: a trigger is a regular file the capture hook wrote") from exc
    except OSError as exc:
        raise UnreadableTrigger(f"cannot read: {exc}") from exc
    except RecursionError as exc:  # json.loads on the head-and-tail path
        raise UnreadableTrigger("JSON nested too deeply") from exc
    if not isinstance(obj, dict):
        raise UnreadableTrigger(f"not a JSON object but a {type(obj).__name__}")
    try:
        payload: dict[str, Any] = fit(obj, max_bytes, max_depth=MAX_NESTING, size=size)
    except NestedTooDeeply as exc:
        raise UnreadableTrigger(f"JSON nested too deeply: more than {exc.limit} levels") from exc
    check_shape(payload)
    return payload


def check_shape(payload: dict[str, Any]) -> None:
    event = payload.get("hook_event_name")
    if not isinstance(event, str) or not event:
        raise UnreadableTrigger("unknown shape: no hook_event_name")
    if event not in KNOWN_EVENTS:
        raise UnreadableTrigger(f"unknown hook event {event!r} (expected one of {', '.join(sorted(KNOWN_EVENTS))})")
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


def fit(obj: Any, max_bytes: int, max_depth: int | None = None, *, size: int | None = None) -> Any:
    """A copy of ``obj`` (parsed JSON) that fits ``max_bytes`` once serialised, whatever its shape: strings
    keep their head and tail, lists and objects their first and last items, each with a note of what was
    cut; the limits halve until it fits (or reach a floor of a few hundred characters and items). Lone
    surrogates become U+FFFD, so what is kept can be stored. ``size``: the payload's size as read, when
    known (a file no larger than ``max_bytes`` fits without measuring)."""
    chars, items = MAX_STRING_CHARS, MAX_ITEMS
    while True:
        clipped = clip_strings(obj, chars, max_depth, items)
        if size is not None and size <= max_bytes:
            return clipped
        size = len(json.dumps(clipped, ensure_ascii=False, default=str).encode("utf-8"))
        if size <= max_bytes or (chars <= _FLOOR_CHARS and items <= _FLOOR_ITEMS):
            return clipped
        chars, items = max(chars // 2, _FLOOR_CHARS), max(items // 2, _FLOOR_ITEMS)


def clip_strings(
    obj: Any, limit: int = MAX_STRING_CHARS, max_depth: int | None = None, max_items: int | None = None
) -> Any:
    """A copy of ``obj`` (parsed JSON) with every string clipped to ``limit`` characters and, with
    ``max_items``, every list and object to that many items. Iterative, not recursive: a payload nested a
    thousand levels deep must not blow Python's stack. Raises NestedTooDeeply past ``max_depth``."""
    if isinstance(obj, str):
        return _clean(clip(obj, limit))
    if not isinstance(obj, (dict, list)):
        return obj
    root: dict[Any, Any] | list[Any] = {} if isinstance(obj, dict) else []
    stack: list[tuple[dict[Any, Any] | list[Any], dict[Any, Any] | list[Any], int]] = [(obj, root, 1)]
    while stack:
        source, copy, depth = stack.pop()
        if max_depth is not None and depth > max_depth:
            raise NestedTooDeeply(max_depth)
        for key, value in _kept_items(source, max_items):
            if isinstance(value, str):
                value = _clean(clip(value, limit))
            elif isinstance(value, (dict, list)):
                child: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
                stack.append((value, child, depth + 1))
                value = child  # filled in when popped: the copy shares nothing with the source
            if isinstance(copy, dict):
                copy[_clean(key) if isinstance(key, str) else key] = value
            else:
                copy.append(value)
    return root


def _kept_items(source: dict[Any, Any] | list[Any], max_items: int | None) -> list[tuple[Any, Any]]:
    """The (key, value) pairs kept of a list or object: all, or the first and last ``max_items / 2`` with a
    note in between saying how many were cut."""
    items = list(source.items()) if isinstance(source, dict) else list(enumerate(source))
    if max_items is None or len(items) <= max_items:
        return items
    head, tail = max_items // 2, max_items - max_items // 2 - 1
    note = f"[... {len(items) - head - tail} items cut by nevo ...]"
    middle = ("[nevo: cut]", note) if isinstance(source, dict) else (head, note)
    return [*items[:head], middle, *(items[len(items) - tail :] if tail else [])]


def _clean(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise UnreadableTrigger(f"not UTF-8: {exc}") from exc
    except RecursionError as exc:
        raise UnreadableTrigger("JSON nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableTrigger(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def _loads_head_and_tail(handle: IO[bytes], size: int, max_bytes: int) -> Any:
    """Parse a huge payload from its head and tail only. Payloads are huge because of one string (a tool's
    output): cut inside that string, the head ends in an open string and the tail starts in it."""
    half = max_bytes // 2
    head = handle.read(half)
    handle.seek(size - half)
    tail = handle.read(half)
    glued = _glue(head, tail, size - 2 * half)
    if glued is not None:
        try:
            return json.loads(glued)
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass  # the cut was not inside one string: fall back to the full parse below
    if size > max(FULL_PARSE_LIMIT, max_bytes):
        raise UnreadableTrigger(f"payload of {size} bytes is too large and its head and tail cannot be joined")
    handle.seek(0)
    return _loads(handle.read(size))


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
