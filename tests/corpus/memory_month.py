"""A realistic month of one project's Claude Code sessions, for measuring memory (bench/bench_memory.py --month).

The engine here writes sessions in Claude Code's transcript format, line shapes copied from the transcripts
the real CLI (2.1.197) writes when driven against the loopback fake (tests/test_e2e_memory.py does that):
``queue-operation`` lines, ``user`` prompts with ``promptId``/``permissionMode``/``userType``,
``attachment`` lines (skill and agent listings), ``assistant`` lines with one content block each (text,
thinking, tool_use; a message's blocks share ``message.id`` and ``requestId``), ``user`` lines holding a
``tool_result`` with ``toolUseResult`` and ``sourceToolAssistantUUID``, ``isMeta`` hook feedback, and the
closing ``last-prompt`` line; every message line has ``uuid``, ``parentUuid``, ``timestamp``, ``sessionId``,
``cwd``, ``version``, ``gitBranch``. Failed Bash calls also produce the PostToolUseFailure hook payload the
capture hook would have written, and each session ends with Stop and SessionEnd payloads, so the real
monitor can process the month as it would have happened.

What the month contains is a phrasebook's business (:mod:`tests.corpus.memory_ledgerly` for tuning; a
held-out phrasebook, written separately, for the final measure): a project, facts planted in every channel
at every age (prompts, the agent's decisions, command output, failures and their fixes, inbox lines),
values that change during the month, events that expire, and ordinary work around them. Each planted fact
comes with the question that finds it and the answer expected (the value still valid at the end).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

VERSION = "2.1.197"
NUDGE = (
    "Stop hook feedback:\nnevo: before you stop, append to .nevo/memory/inbox.md (create it if needed) one short"
    " line per thing a future session in this project should know: a command that builds or tests it, a failure"
    ' you hit and what fixed it, a preference the user stated. Start each line with "- ". Skip what is already'
    " in the memory you were given, and never write secrets. Then finish as you intended; you will not be asked"
    " again in this session."
)


@dataclass(frozen=True)
class Question:
    """A planted fact and how it is looked for: ``expect`` are regexes that must all match the text of one
    hit (case-insensitive); ``stale`` are regexes of values it replaced, which must never be shown as current."""

    id: str
    channel: str  # prompt, decision, output, lesson, inbox, event
    query: str
    expect: tuple[str, ...]
    stale: tuple[str, ...] = ()
    key: bool = False  # one of the facts every session should know (warm memory)
    expired: bool = False  # an event old enough at the end of the month to have expired
    day: int = 0  # the day it was (first) planted
    marker: str = ""  # a regex that recognises the fact's own text (for extraction precision)


@dataclass
class Failure:
    tool_use_id: str
    at: datetime
    payload: dict[str, Any]
    lesson: dict[str, str] | None = None  # the truth the generator knows: failed, fix, error_line, lesson


@dataclass
class Session:
    id: str
    start: datetime
    cwd: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    inbox: list[str] = field(default_factory=list)
    end: datetime | None = None


class SessionBuilder:
    """Appends transcript lines to a session, each a few seconds after the last."""

    def __init__(self, session: Session, rng: random.Random) -> None:
        self.session = session
        self.rng = rng
        self.now = session.start
        self.parent: str | None = None
        self.prompt_id = str(uuid.UUID(int=rng.getrandbits(128)))
        self.tool_count = 0

    # -- plumbing --------------------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128)))

    def _tick(self, low: float = 1.0, high: float = 20.0) -> str:
        self.now += timedelta(seconds=self.rng.uniform(low, high))
        return self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _base(self, kind: str) -> dict[str, Any]:
        line_id = self._uuid()
        entry = {
            "parentUuid": self.parent,
            "isSidechain": False,
            "type": kind,
            "uuid": line_id,
            "timestamp": self._tick(),
            "userType": "external",
            "entrypoint": "cli",
            "cwd": self.session.cwd,
            "sessionId": self.session.id,
            "version": VERSION,
            "gitBranch": "main",
        }
        self.parent = line_id
        return entry

    def _assistant(self, block: dict[str, Any], stop: str = "tool_use") -> dict[str, Any]:
        entry = self._base("assistant")
        entry["message"] = {
            "id": f"msg_{self._uuid().replace('-', '')[:24]}",
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-4-5",
            "content": [block],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": self.rng.randint(2000, 60000), "output_tokens": self.rng.randint(20, 900)},
        }
        entry["requestId"] = f"req_{self._uuid().replace('-', '')[:24]}"
        self.session.lines.append(entry)
        return entry

    # -- what happens in a session -----------------------------------------------------------------
    def start(self, prompt: str) -> None:
        stamp = self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for operation in ("enqueue", "dequeue"):
            line: dict[str, Any] = {"type": "queue-operation", "operation": operation, "timestamp": stamp}
            line["sessionId"] = self.session.id
            if operation == "enqueue":
                line["content"] = prompt
            self.session.lines.append(line)
        self.prompt(prompt)
        for kind, content in (
            ("skill_listing", "- nevo-rules: How to work with the rules nevo learns from failed tool calls."),
            ("agent_listing_delta", None),
        ):
            entry = self._base("attachment")
            entry["attachment"] = (
                {"type": kind, "content": content}
                if content
                else {"type": kind, "addedTypes": ["general-purpose", "Explore", "Plan"], "addedLines": []}
            )
            self.session.lines.append(entry)

    def prompt(self, text: str) -> None:
        self.prompt_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        entry = self._base("user")
        entry.update({"promptId": self.prompt_id, "permissionMode": "default"})
        entry["message"] = {"role": "user", "content": text}
        self.now += timedelta(seconds=self.rng.uniform(20, 240))  # the person reads and types
        self.session.lines.append(entry)

    def meta(self, text: str) -> None:
        entry = self._base("user")
        entry.update({"isMeta": True, "promptId": self.prompt_id})
        entry["message"] = {"role": "user", "content": text}
        self.session.lines.append(entry)

    def say(self, text: str, final: bool = False) -> None:
        self._assistant({"type": "text", "text": text}, stop="end_turn" if final else "tool_use")

    def think(self, text: str) -> None:
        self._assistant({"type": "thinking", "thinking": text, "signature": self._uuid().replace("-", "")})

    def tool(
        self, name: str, tool_input: dict[str, Any], result: str, *, error: bool = False, extra: Any = None
    ) -> str:
        self.tool_count += 1
        tool_id = f"toolu_01{self._uuid().replace('-', '')[:22]}"
        call = self._assistant({"type": "tool_use", "id": tool_id, "name": name, "input": tool_input})
        entry = self._base("user")
        self._tick(0.2, 30 if name == "Bash" else 2)
        block: dict[str, Any] = {"tool_use_id": tool_id, "type": "tool_result", "content": result}
        block["is_error"] = error
        entry.update({"promptId": self.prompt_id, "sourceToolAssistantUUID": call["uuid"]})
        entry["message"] = {"role": "user", "content": [block]}
        entry["toolUseResult"] = extra if extra is not None else (f"Error: {result}" if error else result)
        self.session.lines.append(entry)
        return tool_id

    def bash(self, command: str, output: str = "", *, exit_code: int = 0, lesson: dict[str, str] | None = None) -> str:
        description = command.split("&&")[-1].strip()[:60]
        tool_input = {"command": command, "description": description}
        if not exit_code:
            shown = output or "(Bash completed with no output)"
            extra = {"stdout": output, "stderr": "", "interrupted": False, "isImage": False}
            return self.tool("Bash", tool_input, shown, extra=extra)
        error = f"Exit code {exit_code}\n{output}"
        tool_id = self.tool("Bash", tool_input, error, error=True)
        payload = {
            "session_id": self.session.id,
            "transcript_path": "",  # filled in when the transcript's place is known
            "cwd": self.session.cwd,
            "prompt_id": self.prompt_id,
            "permission_mode": "default",
            "hook_event_name": "PostToolUseFailure",
            "tool_name": "Bash",
            "tool_input": tool_input,
            "tool_use_id": tool_id,
            "error": error,
            "is_interrupt": False,
            "duration_ms": self.rng.randint(40, 9000),
        }
        self.session.failures.append(Failure(tool_id, self.now, payload, lesson))
        return tool_id

    def read(self, path: str, content: str) -> None:
        numbered = "\n".join(f"{n:>6}\u2192{line}" for n, line in enumerate(content.splitlines(), 1))
        extra = {"type": "text", "file": {"filePath": f"{self.session.cwd}/{path}", "content": content}}
        self.tool("Read", {"file_path": f"{self.session.cwd}/{path}"}, numbered, extra=extra)

    def edit(self, path: str, old: str, new: str) -> None:
        full = f"{self.session.cwd}/{path}"
        self.tool(
            "Edit", {"file_path": full, "old_string": old, "new_string": new}, f"The file {full} has been updated."
        )

    def write(self, path: str, content: str) -> None:
        full = f"{self.session.cwd}/{path}"
        self.tool("Write", {"file_path": full, "content": content}, f"File created successfully at: {full}")

    def grep(self, pattern: str, hits: list[str]) -> None:
        self.tool(
            "Grep", {"pattern": pattern, "output_mode": "files_with_matches"}, "\n".join(hits) or "No files found"
        )

    def glob(self, pattern: str, hits: list[str]) -> None:
        self.tool("Glob", {"pattern": pattern}, "\n".join(hits) or "No files found")

    def todo(self, items: list[str]) -> None:
        todos = [{"content": t, "status": "pending", "activeForm": t} for t in items]
        self.tool("TodoWrite", {"todos": todos}, "Todos have been modified successfully.")

    def note_inbox(self, lines: list[str]) -> None:
        """The Stop hook's nudge, and the agent appending to the inbox (the file itself is written by the
        harness when the session ends, as the tool would have)."""
        self.meta(NUDGE)
        body = "".join(f"- {line}\n" for line in lines)
        self.bash(f"cat >> .nevo/memory/inbox.md <<'EOF'\n{body}EOF")
        self.session.inbox += lines

    def finish(self, text: str) -> None:
        self.say(text, final=True)
        self.session.end = self.now
        last = self.session.lines[-1]
        self.session.lines.append(
            {"type": "last-prompt", "lastPrompt": "", "leafUuid": last["uuid"], "sessionId": self.session.id}
        )


# -- a month ---------------------------------------------------------------------------------------


@dataclass
class Month:
    sessions: list[Session]
    questions: list[Question]
    first_day: datetime
    days: int
    markers: list[str] = field(default_factory=list)  # regexes of every planted statement, asked about or not

    @property
    def key_questions(self) -> list[Question]:
        return [q for q in self.questions if q.key]


# A phrasebook builds the month: given a random generator, the first day and the workspace folder, it returns
# every session (in time order) and the questions.
Phrasebook = Callable[[random.Random, datetime, str], Month]


def session_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def transcript_folder(config_dir: Path, cwd: str) -> Path:
    from nevo.transcript import project_slug

    return config_dir / "projects" / project_slug(cwd)


def write_transcript(session: Session, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session.id}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for line in session.lines:
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def hook_payloads(session: Session, transcript: Path) -> list[tuple[datetime, dict[str, Any]]]:
    """(when, payload) of every trigger the hooks would have written for the session, in order."""
    out: list[tuple[datetime, dict[str, Any]]] = []
    for failure in session.failures:
        out.append((failure.at, {**failure.payload, "transcript_path": str(transcript)}))
    end = session.end or session.start
    common = {"session_id": session.id, "transcript_path": str(transcript), "cwd": session.cwd}
    out.append((end, {**common, "hook_event_name": "Stop", "stop_hook_active": False, "last_assistant_message": ""}))
    out.append((end + timedelta(seconds=2), {**common, "hook_event_name": "SessionEnd", "reason": "other"}))
    return out
