"""What the analyst shows a model of the session a failure happened in: the failed call and the calls after it.

With a model, the analyst sees the session (issue 9, item 7): the failed call, then up to :data:`MAX_CALLS`
calls the same agent made after it, each with its result redacted and clipped to :data:`MAX_RESULT`
characters, numbered from 0. The model may name one of them as the call that did what the failed one meant
to do (by that number), or none. The numbers refer to :attr:`SessionWindow.later`, the very calls
:mod:`nevo.lesson` re-judges (:mod:`nevo.proposal`): the model's words never decide what a call did.

The window is read from the session's transcript (the path the monitor's transcript scan recorded, else the
journal's), at the occurrence whose stored verdict the analysis follows: a lesson's first, then the newest
(``newest``: the newest first, for the revision of a rule whose failure came back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nevo.db import Database
from nevo.lesson import Call
from nevo.redact import redact
from nevo.store import has_table, local_of
from nevo.transcript import ToolCall, read_transcript

MAX_CALLS = 10  # calls after the failure shown (and re-judgeable)
MAX_RESULT = 600  # characters of each call's result shown
MAX_INPUT = 300  # characters of a non-Bash call's input shown
MAX_COMMAND = 2000  # characters of a Bash command shown
MAX_OCCURRENCES = 5  # occurrences tried before giving up on finding a transcript


@dataclass(frozen=True)
class SessionWindow:
    """The failed call and the calls after it (same agent), as :func:`nevo.lesson.judge` takes them."""

    session_id: str
    failed: Call
    later: tuple[Call, ...]
    root: str

    def to_data(self) -> dict[str, Any]:
        """The window as evidence for the model: redacted, clipped, the later calls numbered from 0."""
        return {
            "session": self.session_id,
            "failed_call": _shown(self.failed, self.root),
            "calls_after": [{"index": i, **_shown(call, self.root)} for i, call in enumerate(self.later)],
            "index_means": "the position of a call in calls_after; name one as `recovery.index`, or null",
        }


def session_window(db: Database, incident_id: str, root: str, *, newest: bool = False) -> SessionWindow | None:
    """The window around one occurrence of the incident whose transcript is still readable; None when none is."""
    for session_id, tool_use_id in _occurrences(db, incident_id, newest)[:MAX_OCCURRENCES]:
        path = _transcript_path(db, session_id)
        if path is None:
            continue
        try:
            calls = [c for c in read_transcript(path).calls if c.result is not None]
        except (OSError, ValueError):
            continue  # unreadable now: another occurrence may still be readable
        index = next((i for i, c in enumerate(calls) if c.id == tool_use_id), None)
        if index is None:
            continue
        failed = calls[index]
        same_agent = [c for c in calls[index + 1 :] if c.sidechain == failed.sidechain][:MAX_CALLS]
        cwd = failed.cwd or root
        return SessionWindow(
            session_id, _as_call(failed, cwd), tuple(_as_call(c, c.cwd or cwd) for c in same_agent), root
        )
    return None


def _occurrences(db: Database, incident_id: str, newest: bool) -> list[tuple[str, str]]:
    """(session, tool_use_id) of the incident's occurrences: those with a stored verdict first (a lesson's
    first, or the newest first), then the rest in order."""
    order = "v.at DESC" if newest else "v.kind = 'lesson' DESC, v.at DESC"
    judged = db.query(
        "SELECT o.session_id, o.tool_use_id FROM verdicts v JOIN occurrences o ON o.key = v.key"
        f" WHERE v.incident_id = ? ORDER BY {order}, v.key",
        (incident_id,),
    )
    rest = db.query(
        "SELECT session_id, tool_use_id FROM occurrences WHERE incident_id = ?"
        f" ORDER BY at {'DESC' if newest else 'ASC'}, id",
        (incident_id,),
    )
    found = [(str(r["session_id"]), str(r["tool_use_id"])) for r in [*judged, *rest]]
    return list(dict.fromkeys(found))


def _transcript_path(db: Database, session_id: str) -> Path | None:
    for table, sql in (
        ("transcript_offsets", "SELECT path FROM transcript_offsets WHERE session_id = ? ORDER BY updated_at DESC"),
        ("sessions", "SELECT transcript_path AS path FROM sessions WHERE id = ?"),
    ):
        handle = db if table == "transcript_offsets" else local_of(db)  # the journal is local, also with a store
        if handle is None or not has_table(handle, table):
            continue  # a table of a stage not installed here
        for row in handle.query(sql, (session_id,)):
            path = Path(str(row["path"] or ""))
            if str(path) and path.is_file():
                return path
    return None


def _as_call(call: ToolCall, cwd: str) -> Call:
    output = call.result.text if call.result is not None else ""
    return Call(call.name, call.input, call.succeeded, output, cwd=cwd, sidechain=call.sidechain, id=call.id)


def _shown(call: Call, root: str) -> dict[str, Any]:
    """One call for the model: redacted first (a clip must never cut a secret in two), then clipped."""
    command = call.input.get("command")
    text = command if call.tool == "Bash" and isinstance(command, str) else json.dumps(dict(call.input), default=str)
    if root:
        text = text.replace(root.rstrip("/") + "/", "")
    return {
        "tool": call.tool,
        "input": _clip(redact(text), MAX_INPUT if call.tool != "Bash" else MAX_COMMAND),
        "ok": call.ok,
        "result": _clip(redact(call.output), MAX_RESULT),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
