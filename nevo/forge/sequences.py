"""Mining the journal for workflows: each session's successful path of shell commands, normalised to
steps (``alembic upgrade``), and the ordered n-grams of steps that several sessions share.

A step is the program and sub-command of the first command of a chain (a project script counts by its
path, ``python -m X`` by its module); looking around (ls, cat, grep, git status) is not a step. The detour
between a failed command and its successful retry is left out of the path: that is gotcha material.
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nevo.db import Database, OperationalError
from nevo.fingerprint import normalize_command

MIN_NGRAM = 3
MAX_NGRAM = 8
# Looking around is not a workflow: these never count as steps of a repeated sequence.
EXPLORATION = frozenset(
    {
        "ls",
        "cat",
        "echo",
        "pwd",
        "cd",
        "head",
        "tail",
        "grep",
        "rg",
        "find",
        "wc",
        "which",
        "tree",
        "less",
        "sed -n",
        "true",
        "sleep",
        "clear",
        "date",
        "whoami",
        "env",
        "printenv",
        "git status",
        "git diff",
        "git log",
        "git show",
        "git branch",
    }
)
_WORD = re.compile(r"^[A-Za-z][\w.:+-]*$")
_SCRIPT = re.compile(r"^(?:\./|<ws>/)?[\w.-]+(?:/[\w.-]+)+$")
_INTERPRETERS = frozenset({"bash", "sh", "zsh", "python", "python3", "node", "ruby", "perl"})


@dataclass(frozen=True)
class Step:
    session_id: str
    seq: int
    token: str  # the normalised step: program and sub-command
    command: str  # the command as run (redacted in the journal)
    cwd: str


@lru_cache(maxsize=65536)  # a project runs the same few commands thousands of times
def step_token(command: str, cwd: str | None) -> str | None:
    """``alembic upgrade head --sql`` -> ``alembic upgrade head``: the leading words up to the first flag,
    path, number or quote (at most three), of the first command of a chain. None for exploration."""
    normalized = normalize_command(command, cwd)
    first = re.split(r"\s*(?:&&|\|\||;|\|)\s*", normalized, maxsplit=1)[0]
    try:
        words = shlex.split(first)
    except ValueError:
        words = first.split()
    while words and re.match(r"^[A-Za-z_]\w*=", words[0]):  # VAR=value prefixes
        words = words[1:]
    if not words:
        return None
    leading: list[str] = []
    if words[0] in _INTERPRETERS and len(words) >= 2 and _SCRIPT.match(words[1]):
        words = [f"{words[0]} {words[1]}", *words[2:]]  # bash scripts/x.sh: the script is the program
    if _SCRIPT.match(words[0].split(" ")[-1]):
        # A project script run by its path (./scripts/deploy.sh) is a step; the same script either way.
        leading.append(re.sub(r"(^| )(?:<ws>|\.)/", r"\1", words.pop(0)))
    elif len(words) >= 3 and re.match(r"^python[\d.]*$", words[0]) and words[1] == "-m":
        leading.append(f"{words[0]} -m")  # python -m pytest: the module is the program
        words = words[2:]
    for word in words:
        if not _WORD.match(word) or len(leading) == 3:
            break
        leading.append(word)
    if not leading:
        return None
    token = " ".join(leading)
    if token in EXPLORATION or leading[0] in EXPLORATION or " ".join(leading[:2]) in EXPLORATION:
        return None
    return token


def session_steps(db: Database, since: str | None = None) -> dict[str, list[Step]]:
    """Each session's successful path: its shell commands as steps, in order, repeated runs collapsed, and
    the detour between a failed command and its successful retry left out (that is gotcha material)."""
    sql = (
        "SELECT j.session_id, j.seq, j.command, j.is_error, s.cwd FROM journal j JOIN sessions s"
        " ON s.id = j.session_id WHERE j.kind = 'tool' AND j.tool = 'Bash' AND j.command IS NOT NULL"
    )
    params: list[Any] = []
    if since is not None:
        sql += " AND COALESCE(s.started_at, j.at, '') > ?"
        params.append(since)
    try:
        rows = db.query(sql + " ORDER BY j.session_id, j.seq", params)
    except OperationalError:  # no journal yet (memory not set up): nothing to mine
        return {}
    steps: dict[str, list[Step]] = defaultdict(list)
    failed_at: dict[tuple[str, str], int] = {}  # (session, token) -> length of the path when it failed
    for row in rows:
        token = step_token(row["command"], row["cwd"])
        if token is None:
            continue
        sid = row["session_id"]
        session = steps[sid]
        if row["is_error"]:
            failed_at.setdefault((sid, token), len(session))
            continue
        detour_start = failed_at.pop((sid, token), None)
        if detour_start is not None:
            del session[detour_start:]
        if session and session[-1].token == token:
            continue  # the same step run again (a retry) is one step
        session.append(Step(sid, row["seq"], token, row["command"], row["cwd"] or ""))
    return {sid: path for sid, path in steps.items() if path}


def repeated_sequences(
    steps: dict[str, list[Step]], min_sessions: int
) -> list[tuple[tuple[str, ...], list[str]]]:
    """Ordered n-grams (MIN_NGRAM..MAX_NGRAM steps, at least two distinct) shared by >= min_sessions sessions,
    maximal (a sub-sequence with no more support than a longer one is dropped), most valuable first."""
    support: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for session_id, session in steps.items():
        tokens = [step.token for step in session]
        for n in range(MIN_NGRAM, min(MAX_NGRAM, len(tokens)) + 1):
            for start in range(len(tokens) - n + 1):
                gram = tuple(tokens[start : start + n])
                if len(set(gram)) >= 2:
                    support[gram].add(session_id)
    frequent = {gram: sessions for gram, sessions in support.items() if len(sessions) >= min_sessions}
    # A gram is not maximal when a longer frequent gram contains it with as much support. Support can only
    # fall as a gram grows, so checking the one-step extensions (drop the first or the last step of every
    # longer gram) is enough, and linear instead of comparing every pair.
    covered: set[tuple[str, ...]] = set()
    for longer, sessions in frequent.items():
        if len(longer) > MIN_NGRAM:
            for shorter in (longer[1:], longer[:-1]):
                if shorter in frequent and len(sessions) >= len(frequent[shorter]):
                    covered.add(shorter)
    maximal = [(gram, sorted(sessions)) for gram, sessions in frequent.items() if gram not in covered]
    maximal.sort(key=lambda item: (-len(item[1]) * len(item[0]), item[0]))
    return maximal


def contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(tuple(longer[i : i + n]) == tuple(shorter) for i in range(len(longer) - n + 1))


def occurrence(session: list[Step], gram: tuple[str, ...]) -> list[Step] | None:
    tokens = [step.token for step in session]
    n = len(gram)
    for start in range(len(tokens) - n + 1):
        if tuple(tokens[start : start + n]) == gram:
            return session[start : start + n]
    return None
