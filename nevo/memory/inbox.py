"""The nudge inbox: ``.nevo/memory/inbox.md``, where the agent writes down what a session taught it.

The Stop hook asks the agent (once per session) to append short lines here. Consolidation ingests
each entry as a fact, then removes exactly the lines it ingested: anything written in between stays
for the next run. Entries are list items (``- ...``, ``* ...``, ``1. ...``) or plain lines; headings
and HTML comments are the file's own text and are kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from nevo.clock import Clock, iso
from nevo.config import Config
from nevo.db import Database
from nevo.fsutil import atomic_write_text
from nevo.memory.extract import classify
from nevo.memory.facts import FactCandidate, record_fact
from nevo.memory.subjects import subject_of
from nevo.workspace import Workspace

INBOX_HEADER = (
    "# nevo inbox\n"
    "<!-- Append one line per thing a future session should know (a command that works, a failure and"
    " its fix,\n"
    "     a preference the user stated). No secrets. The nightly run turns each line into a memory"
    " fact. -->\n"
)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")


@dataclass(frozen=True)
class InboxResult:
    ingested: int
    new_facts: int
    dropped: int = 0  # entries refused by the safety gate (see facts.fact_problem)


def entries(text: str) -> list[tuple[str, str]]:
    """(line as written, entry text) for each entry in the inbox text."""
    found: list[tuple[str, str]] = []
    in_comment = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_comment or stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if not stripped or stripped.startswith("#"):
            continue
        item = _ITEM.match(line)
        body = item.group(1) if item else stripped
        if len(body) >= 6:
            found.append((line, body))
    return found


# The agent writes the inbox after reading tool output, so "always ..." there is the agent's lesson
# (or text it read), not the user's preference: USER.md only gets lines that quote the user.
_USER_PREFERS = re.compile(
    r"\buser(?:'s)?\s+(?:prefers|preferred|wants|wanted|likes|liked|insists|insisted|preference)\b", re.IGNORECASE
)
_USER_SAID = re.compile(
    r"\buser\s+(?:said|says|asked|asks|requested|stated|told\s+(?:me|us)|explicitly)\b", re.IGNORECASE
)


ENVIRONMENT_WORDS = re.compile(r"\b(?:installed|version|path|runs on|python|node|port|docker|env)\b", re.I)


def _category(text: str) -> str:
    if _USER_PREFERS.search(text):
        return "preference"
    said = _USER_SAID.search(text)
    category = classify(text[said.end() :].lstrip(" :,") if said else text)  # "the user said: never ..."
    if said or category == "event":
        return category
    if subject_of(text) is not None:
        return "environment"  # a command, port, host, version or path: how the project is set up
    if category == "preference":
        return "environment" if ENVIRONMENT_WORDS.search(text) else "lesson"
    return (
        "lesson"
        if category == "configuration" and not re.search(r"\b(?:we use|uses|using)\b", text, re.I)
        else category
    )


def ingest_inbox(db: Database, workspace: Workspace, config: Config, clock: Clock) -> InboxResult:
    path = workspace.memory_dir / "inbox.md"
    if not path.is_file():
        return InboxResult(0, 0)
    found = entries(path.read_text(encoding="utf-8"))
    if not found:
        return InboxResult(0, 0)
    now = clock()
    # The lines were written when the file last changed, not when the nightly run reads them: a newer value
    # stated in a session after that must still win.
    written = min(now, datetime.fromtimestamp(path.stat().st_mtime, tz=UTC))
    new = dropped = 0
    with db.transaction():
        for _, body in found:
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
            subject = subject_of(body)
            candidate = FactCandidate(
                body,
                _category(body),
                "inbox",
                subject=subject.key if subject else None,
                value=subject.value if subject else None,
                replaces=subject.replaces if subject else (),
            )
            outcome = record_fact(
                db,
                candidate,
                f"inbox:{iso(now)[:10]}:{digest}",
                written,
                config,
            )
            new += outcome == "new"
            dropped += outcome.startswith("dropped")
    # Only after the facts are committed: take out exactly the lines ingested, keep what arrived meanwhile.
    ingested = {line for line, _ in found}
    remaining = [line for line in path.read_text(encoding="utf-8").splitlines() if line not in ingested]
    text = "\n".join(remaining).strip("\n")
    atomic_write_text(path, (text + "\n") if text else INBOX_HEADER)
    return InboxResult(len(found), new, dropped)
