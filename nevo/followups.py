"""The calls after a failure, read for the one that did what it meant to do: each related later call scored.

A later call is related to the failed one when it does the same thing again, another way, with another word,
with another tool, or with words added or dropped (:func:`nevo.recovery.relate`). It counts for less the further
away it is and once the agent did other work in between (a call that only looked costs little, an edit more,
wrapping the work up with a commit most). :mod:`nevo.lesson` takes the nearest candidate that is no trap.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nevo.calls import Action, actions, relative_to
from nevo.diagnosis import Diagnosis
from nevo.recovery import Clues, Relation, relate

ACCEPT = 1.6  # the least score for a later call to count as the fix
_BASE = {"same": 3.0, "how": 3.0, "word": 2.6, "other-tool": 2.6, "added": 2.4, "dropped": 2.0}
_EXPLORE, _EDIT, _PREPARE, _ELSE_FAILED, _MOVED_ON, _FINISHED = 0.95, 0.9, 0.95, 0.9, 0.6, 0.3
LOOKING = frozenset({"read", "list", "search", "look"})
LISTED = 0.7  # a replacement that is no close name, known only from what the session showed: weaker evidence


@dataclass(frozen=True)
class Call:
    """One tool call as the monitor saw it: what was asked, whether it worked, what it printed."""

    tool: str
    input: Mapping[str, Any]
    ok: bool
    output: str = ""
    cwd: str = ""  # the folder it ran in (absolute); '' when unknown
    sidechain: bool = False  # made inside a sub-agent
    id: str = ""


@dataclass
class Candidate:
    index: int
    relation: Relation
    score: float
    extra: list[Action] = field(default_factory=list)  # what the fix's command did besides the fix
    attempts: set[int] = field(default_factory=set)  # calls before it that tried the same thing


def candidates(
    mine: tuple[Action, ...], chain: list[Call], cwd: str, root: str, diagnosis: Diagnosis, failed: Call
) -> Iterator[Candidate]:
    """The later calls that may be the fix, nearest first, each scored (farther and after other work: less)."""
    weight = 1.0
    attempts: set[int] = set()
    looked = [failed.output]  # what the agent saw since the failure: the error, listings, files read
    clues = Clues(
        named=lambda word: _named(word, diagnosis.subject, root),
        seen=lambda word: _seen(word, looked),
        offered=lambda word: _seen(word, looked[:1]),
    )
    own = {a.text for a in mine}
    quiet = True  # nothing but looking around and other attempts at it so far
    for index, call in enumerate(chain):
        theirs = actions(call.tool, call.input, call.cwd or cwd, root)
        relation = _best_relation(mine, theirs, clues)
        if call.ok and relation.related:
            score = _BASE[relation.kind] * weight
            if relation.kind == "word" and diagnosis.subject and names(relation.word[0], diagnosis.subject):
                score += 0.3  # it changed the very word the error named
            if "listed" in relation.changed:
                # Not a close name: only what the session showed makes it the one meant, so only right after
                # looking (the tool offered it, the agent looked, then ran it), at a lower score.
                score = score * LISTED if quiet else 0.0
            if score >= ACCEPT:
                # What the fix did besides (a segment the failed call had too is no extra: it is the same call).
                extra = [a for a in theirs if a is not relation.fix and a.intent not in LOOKING and a.text not in own]
                yield Candidate(index, relation, score, extra, set(attempts))
        if relation.related:
            attempts.add(index)
        looking = call.tool in ("Read", "Glob", "Grep") or bool(theirs and all(a.intent in LOOKING for a in theirs))
        if call.ok and looking:
            looked.append(call.output)
        quiet = quiet and (looking or relation.related)
        weight *= _step(call, mine, theirs, relation)


def superseded(candidates: Iterator[Candidate]) -> Iterator[Candidate]:
    """The candidates, the ones that only added or dropped words last: a later call that does the same thing
    again, another way or with another word says more (`cmake --build build` again after `cmake -S . -B build`:
    that one prepared it; `iconv -f CP1252 ...` after `iconv -l`: that one only listed). The very call that
    failed working later says most: the failed call was right, and what came between prepared it (`alembic
    merge heads`, then `alembic upgrade head` again: the merge is the step before, not a replacement)."""
    found = list(candidates)
    same = [c for c in found if c.relation.kind == "same"]
    weak = [c for c in found if c.relation.kind in ("added", "dropped")]
    yield from same
    yield from (c for c in found if c not in same and c not in weak)
    yield from weak


def _named(word: str, subject: str, root: str) -> bool:
    """``word`` is what the error named as missing or wrong (a path, a module in dotted form, a bare name)."""
    if not subject or not word:
        return False
    subject = relative_to(subject, root) if subject.startswith("/") else subject
    return bool(_forms(word) & _forms(subject)) or names(word, subject)


def _forms(word: str) -> set[str]:
    word = word.removeprefix("./")
    base = posixpath.basename(word)
    module = word.removesuffix(".py").replace("/", ".")
    return {word, module, base} if base else {word, module}


_WORDS = re.compile(r"[\w][\w.@+-]*")
MAX_LOOKED = 20_000  # characters of each output read for the names it shows


def _seen(word: str, looked: list[str]) -> bool:
    """``word`` (or its file name, or its name without the extension) shows in what the agent looked at."""
    names = {word, posixpath.basename(word), posixpath.basename(word).split(".", 1)[0]} - {""}
    names = {n for n in names if len(n) >= 2}
    return bool(names) and any(names & _tokens(text) for text in looked)


@lru_cache(maxsize=256)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(text[:MAX_LOOKED]))


def _best_relation(mine: tuple[Action, ...], theirs: tuple[Action, ...], clues: Clues | None = None) -> Relation:
    """The closest relation of a later call to the failed one; when the failed call did several things and the
    later one did one of them again and changed another (`source .venv/...` for `source venv/...`, the same
    `python` after it), the change is what answered the failure."""
    order = ("same", "how", "word", "other-tool", "added", "dropped")
    best = Relation("none")
    changed = Relation("none")
    for failed in mine:
        for action in theirs:
            relation = relate(failed, action, clues) if clues is not None else relate(failed, action)
            if relation.related and (not best.related or order.index(relation.kind) < order.index(best.kind)):
                best = relation
            if relation.kind in ("how", "word", "other-tool") and (
                not changed.related or order.index(relation.kind) < order.index(changed.kind)
            ):
                changed = relation
    return changed if best.kind == "same" and changed.related and len(mine) > 1 else best


def _step(call: Call, mine: tuple[Action, ...], theirs: tuple[Action, ...], relation: Relation) -> float:
    """How much a call between the failure and a later one lowers the chance that the later one is its fix."""
    if relation.related:
        return 1.0  # another attempt at the same thing
    kin = any(a.family == b.family and a.family not in ("git",) for a in mine for b in theirs)
    if kin:  # the same tool used otherwise (`migrate.py heads` before `migrate.py merge heads`)
        return 1.0 if not call.ok else _PREPARE
    if not call.ok:
        return _ELSE_FAILED  # another thing that failed too: the agent has not moved on, it is still fixing
    if call.tool in ("Read", "Glob", "Grep", "NotebookRead", "LS", "TodoWrite", "WebSearch", "WebFetch"):
        return _EXPLORE
    if call.tool in ("Edit", "MultiEdit", "Write", "NotebookEdit"):
        return _EDIT
    if not theirs or all(a.intent in LOOKING for a in theirs):
        return _EXPLORE
    if any(a.family == "git" and a.verb in ("commit", "push", "merge", "tag") for a in theirs):
        return _FINISHED  # the work was wrapped up: what follows is other work
    if all(a.intent in ("change", "edit") for a in theirs):
        return _PREPARE
    return _MOVED_ON


def names(word: str, subject: str) -> bool:
    return word == subject or word.endswith("/" + subject) or subject.endswith("/" + word) or word.endswith(subject)


# A tool's check mode (`cargo fmt --check`, `terraform fmt -check`, `prettier --list-different`) and its mode
# that writes the fixes (`--fix`, `--write`, `-w`, `-i`).
_CHECK_MODE = frozenset({"--check", "-check", "--diff", "-diff", "--list-different", "-l", "--dry-run"})
_FIX_MODE = frozenset({"--fix", "--write", "-w", "-i", "--in-place", "--apply", "--fix-only"})


def rewrote(failed: Call, between: list[Call], root: str) -> str:
    """The step between a failed check and its passing re-run that was the same tool writing its fixes into the
    files (a formatter, a linter's --fix): the files were changed, as by an edit."""
    asked = {a.family: a for a in actions(failed.tool, failed.input, failed.cwd or root, root)}
    for call in between:
        if not call.ok or call.tool != "Bash":
            continue
        for action in actions(call.tool, call.input, call.cwd or root, root):
            check = asked.get(action.family)
            if check is None or check.verb != action.verb:
                continue
            dropped_check = set(check.options) & _CHECK_MODE and not set(action.options) & _CHECK_MODE
            if dropped_check or (set(action.options) - set(check.options)) & _FIX_MODE:
                return " ".join(str(call.input.get("command") or "").split())
    return ""
