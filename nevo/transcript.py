"""Claude Code session transcripts (``~/.claude/projects/<slug>/<session>.jsonl``), read defensively.

The format is internal to Claude Code and changes between versions, so this reader keeps to the few
fields that have been stable (``type``, ``message.content`` blocks, ``tool_use``/``tool_result`` with
ids, ``timestamp``, ``sessionId``, ``cwd``), skips every line it does not understand, and never raises
on content. The monitor (recoveries, hook-less failures), the journal and the skill forge all read
transcripts through here. A transcript path comes from a hook payload: it is only ever read, only if it
is a regular file, and never more than a bound per read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo.fsutil import open_regular

MAX_RESULT_CHARS = 100_000  # a tool result longer than this is cut (head and tail kept)
MAX_LINE_BYTES = 16 * 1024 * 1024  # a transcript line longer than this is skipped, not parsed
MAX_READ_BYTES = 256 * 1024 * 1024  # one read stops after about this much; the next goes on from there


@dataclass
class ToolResult:
    text: str
    is_error: bool
    at: str | None = None


@dataclass
class ToolCall:
    id: str
    name: str
    input: dict[str, Any]
    at: str | None
    session_id: str | None
    cwd: str | None
    sidechain: bool = False
    result: ToolResult | None = None
    requested_input: dict[str, Any] | None = (
        None  # what the model asked for, when a PreToolUse hook rewrote it
    )

    @property
    def rewritten(self) -> bool:
        return self.requested_input is not None

    @property
    def failed(self) -> bool:
        return self.result is not None and self.result.is_error

    @property
    def succeeded(self) -> bool:
        return self.result is not None and not self.result.is_error

    @property
    def command(self) -> str:
        """The shell command of a Bash call, else ''."""
        value = self.input.get("command")
        return value if isinstance(value, str) else ""


@dataclass
class Message:
    role: str  # "user" or "assistant"
    text: str
    at: str | None
    is_meta: bool = False  # Claude Code's own injected text (caveats, hook feedback), not the person
    sidechain: bool = False  # inside a sub-agent: a "user" message there is the main agent's prompt


@dataclass
class Transcript:
    path: Path
    session_id: str | None = None
    cwd: str | None = None
    version: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    calls: list[ToolCall] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    events: list[ToolCall | Message] = field(default_factory=list)  # both, in transcript order
    skipped_lines: int = 0
    end_offset: int = 0  # byte offset after the last complete line read (for incremental reads)
    error: str = ""  # why the file could not be read at all (missing, not a regular file, ...)

    def call(self, tool_use_id: str) -> ToolCall | None:
        for call in self.calls:
            if call.id == tool_use_id:
                return call
        return None

    @property
    def user_prompts(self) -> list[Message]:
        """What the person typed: not Claude Code's injected text, not a sub-agent's prompt."""
        return [m for m in self.messages if m.role == "user" and not m.is_meta and not m.sidechain]


def iter_entries(
    path: Path, start_offset: int = 0, max_bytes: int = MAX_READ_BYTES
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(offset after the line, parsed object or None when the line is not a JSON object). A final line
    without a newline is still being written and is not returned. Only a regular file is read (a path from
    a payload may name a FIFO or ``/dev/zero``: :class:`nevo.fsutil.NotRegularFile`), and only about
    ``max_bytes`` from ``start_offset``: the next read goes on from the last offset returned."""
    with open_regular(path) as handle:
        handle.seek(start_offset)
        offset = start_offset
        while True:
            if offset - start_offset >= max_bytes:
                return
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            if not line.endswith(b"\n"):
                if len(line) > MAX_LINE_BYTES:  # an absurd line: skip to its end
                    while line and not line.endswith(b"\n"):
                        offset += len(line)
                        line = handle.readline(MAX_LINE_BYTES + 1)
                    offset += len(line)
                    yield offset, None
                    continue
                return
            offset += len(line)
            try:
                entry = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                yield offset, None
                continue
            yield offset, entry if isinstance(entry, dict) else None


def read_transcript(path: Path, start_offset: int = 0) -> Transcript:
    """Parse a transcript file (from ``start_offset``). A missing or unreadable file gives an empty
    transcript with ``skipped_lines`` = 0: callers decide whether that matters."""
    transcript = Transcript(path=path, end_offset=start_offset)
    pending: dict[str, ToolCall] = {}
    try:
        entries = list(iter_entries(path, start_offset))
    except OSError as exc:
        transcript.error = str(exc)
        return transcript
    for offset, entry in entries:
        transcript.end_offset = offset
        if entry is None:
            transcript.skipped_lines += 1
            continue
        try:
            _absorb(transcript, entry, pending)
        except (AttributeError, TypeError, KeyError, ValueError):
            transcript.skipped_lines += 1
    return transcript


def _absorb(transcript: Transcript, entry: dict[str, Any], pending: dict[str, ToolCall]) -> None:
    kind = entry.get("type")
    at = _str(entry.get("timestamp"))
    if at:
        transcript.started_at = transcript.started_at or at
        transcript.ended_at = at
    transcript.session_id = transcript.session_id or _str(entry.get("sessionId"))
    transcript.cwd = transcript.cwd or _str(entry.get("cwd"))
    transcript.version = transcript.version or _str(entry.get("version"))
    if kind == "attachment":
        _absorb_rewrite(entry.get("attachment"), pending, transcript.calls)
        return
    if kind not in ("user", "assistant"):
        return
    message = entry.get("message")
    if not isinstance(message, dict):
        return
    content = message.get("content")
    sidechain = bool(entry.get("isSidechain"))
    if isinstance(content, str):
        if content.strip():
            _add(transcript, Message(kind, content, at, is_meta=_is_meta(entry, content), sidechain=sidechain))
        return
    if not isinstance(content, list):
        return
    for block in content:
        if not isinstance(block, dict):
            continue
        btype = block.get("type")
        if btype == "text" and isinstance(block.get("text"), str) and block["text"].strip():
            _add(transcript, Message(kind, block["text"], at, is_meta=_is_meta(entry, block["text"]),
                                     sidechain=sidechain))
        elif btype == "tool_use" and kind == "assistant":
            call = ToolCall(
                id=_str(block.get("id")) or "",
                name=_str(block.get("name")) or "?",
                input=block["input"] if isinstance(block.get("input"), dict) else {},
                at=at,
                session_id=_str(entry.get("sessionId")),
                cwd=_str(entry.get("cwd")),
                sidechain=sidechain,
            )
            pending[call.id] = call
            transcript.calls.append(call)
            transcript.events.append(call)
        elif btype == "tool_result" and kind == "user":
            call_id = _str(block.get("tool_use_id")) or ""
            target = pending.pop(call_id, None)
            if target is not None:
                target.result = ToolResult(
                    text=_clip(result_text(block.get("content"))), is_error=bool(block.get("is_error")), at=at
                )


def _absorb_rewrite(attachment: Any, pending: dict[str, ToolCall], calls: list[ToolCall]) -> None:
    """A PreToolUse hook that answered ``updatedInput`` (a nevo guard, say) changed what really ran; the
    transcript's tool_use still shows the model's request, so apply the rewrite to the call. Claude Code
    2.1.197 may write that attachment after the call's result: a call already answered is looked up too
    (from the newest: the attachment follows its call closely)."""
    if not isinstance(attachment, dict) or attachment.get("hookEvent") != "PreToolUse":
        return
    stdout = attachment.get("stdout")
    if not isinstance(stdout, str) or "updatedInput" not in stdout:
        return
    call_id = _str(attachment.get("toolUseID")) or ""
    call = pending.get(call_id) or next((c for c in reversed(calls) if c.id == call_id), None)
    if call is None:
        return
    try:
        output = json.loads(stdout)
    except json.JSONDecodeError:
        return
    specific = output.get("hookSpecificOutput") if isinstance(output, dict) else None
    updated = specific.get("updatedInput") if isinstance(specific, dict) else None
    if isinstance(updated, dict) and updated:
        call.requested_input = call.requested_input or dict(call.input)
        call.input = {**call.input, **updated}


def _add(transcript: Transcript, message: Message) -> None:
    transcript.messages.append(message)
    transcript.events.append(message)


_META_TEXT = re.compile(r"^\s*<(command-|local-command|system-reminder|user-prompt-submit-hook)")


def _is_meta(entry: dict[str, Any], text: str) -> bool:
    return (
        bool(entry.get("isMeta")) or bool(_META_TEXT.match(text)) or text.startswith("[Request interrupted")
    )


def result_text(content: Any) -> str:
    """A tool_result's content as text: a string, or the text blocks of a list (images are noted)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                if isinstance(block.get("text"), str):
                    parts.append(block["text"])
                elif block.get("type") == "image":
                    parts.append("[image]")
            elif isinstance(block, str):
                parts.append(block)
        return "\n".join(parts)
    return "" if content is None else str(content)


def _clip(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    half = MAX_RESULT_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - MAX_RESULT_CHARS} characters cut ...]\n{text[-half:]}"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def project_slug(cwd: str) -> str:
    """The folder name Claude Code uses under ``projects/`` for a workspace path."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def transcripts_for(cwd: Path, config_dir: Path) -> list[Path]:
    """This workspace's transcripts under a Claude Code config folder (``~/.claude`` or CLAUDE_CONFIG_DIR)."""
    folder = config_dir / "projects" / project_slug(str(cwd))
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
