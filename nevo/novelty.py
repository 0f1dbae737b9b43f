"""Is a proposed rule new? ``duplicate`` | ``related`` | ``novel``, with the closest rules and scores.

Offline (the default) the comparison is lexical, on words made comparable first:
- numbers written as words become digits ("three" = "3", "at least three" = "3 or more"), abbreviations and
  the profession's synonyms fold to one word (repo = repository, folder = directory, delete = remove; the
  table and why it is a table: nevo.novelty_words), and every word is stemmed by the Snowball English
  stemmer (snowballstemmer);
- the score mixes the overlap of those words (Dice), how much of the shorter rule the longer one contains,
  and character 4-grams (near-spellings, compounds);
- the same shape on another object is related, never a duplicate: two rules that agree on everything but a
  word or two on each side ("never commit to main" / "never commit to develop", "fetch instead of node-fetch"
  / "WebSocket instead of ws"), or the same command with other arguments (`rm -rf build/` / `rm -rf dist/`),
  or the same program with another subcommand (`cargo test` / `cargo clippy`).
With a model, :func:`judge_with_model` asks it (duplicate of, related to, or distinct from the nearest rules,
or from every rule when the book is small) and falls back to the offline verdict when the provider fails.
Why no embedding model offline: all-MiniLM-L6-v2 (int8 ONNX, 21 MB, plus onnxruntime, tokenizers and numpy,
~135 MB installed; the PyPI packages that carry it for PyTorch need torch) was measured on the same labelled
pairs and did no better than these words, alone or mixed in (bench/README.md, "Judges, second round").
The duplicate threshold is chosen for precision >= 0.9 on the three tuning parts together (tune, tune2, tune3 of
tests/data/paraphrases_public*.json: pairs written from public rule sets, split by source repository): a rule wrongly
refused as a duplicate is a lesson lost, a missed duplicate one redundant rule. Word weights from the document
frequency of a public corpus, two-stretch "same shape" and other score weights were measured there and moved
nothing (bench/README.md, "Novelty, third round"). bench/bench_novelty.py prints precision and recall on every part.
Features of the existing rules are computed once per :class:`NoveltyIndex`, so a check against 1,000 rules is a
few milliseconds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Protocol

import snowballstemmer

from nevo.novelty_words import NUMBER_WORDS, PHRASES, STOP_WORDS, SYNONYM_GROUPS

DUPLICATE_AT = 0.42
RELATED_AT = 0.18
WEIGHTS = (0.45, 0.35, 0.2)  # word overlap, containment of the shorter, character n-grams
MODEL_SEES_ALL = 24  # a rule book this small is shown whole to the model (a few hundred tokens)
MAX_SUBSTITUTED = 3  # at most this many words differ on each side for "the same shape on another object"

GENERIC_WEIGHT = 0.25
# Verbs and nouns of any instruction (keep, add, file, value): two rules sharing only them share little.
_STEMMER = snowballstemmer.stemmer("english")
_SYNONYMS: dict[str, str] = {}
for _line in SYNONYM_GROUPS:
    _words = _line.split()
    for _word in _words:  # the word and its stem: "install" and "installed" (-> "instal") fold alike
        _SYNONYMS.setdefault(_word, _words[0])
        _SYNONYMS.setdefault(_STEMMER.stemWord(_word), _words[0])
_WORD = re.compile(r"[a-z0-9][a-z0-9_+#.:/@-]*[a-z0-9+#]|[a-z0-9]")
_CODE = re.compile(r"`([^`]+)`")
_PHRASE = re.compile("|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)))
# A token that names a thing (a version, a path, a package, a flag): two rules that differ in one are
# about different things.
_NAMED = re.compile(r"[\d./:@_#+-]|^[a-z]+js$")
_HYPHENATED = re.compile(r"[a-z]{1,12}(?:-[a-z]{2,12}){1,2}")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word as novelty compares it: number words as digits, synonyms and abbreviations folded, stemmed."""
    word = word.lower().strip(".:")
    if _HYPHENATED.fullmatch(word):
        word = word.replace("-", "")  # e-mail, hard-coded, built-in: one English word written apart
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    if _NAMED.search(word):
        return word  # node-fetch, requirements.txt, v1.2: names, not English
    stemmed = _STEMMER.stemWord(word)
    return _SYNONYMS.get(stemmed, stemmed)


_GENERIC = frozenset(
    stem(w)
    for w in [
        "keep",
        "use",
        "add",
        "put",
        "make",
        "give",
        "get",
        "set",
        "write",
        "follow",
        "prefer",
        "replace",
        "run",
        "name",
        "move",
        "extract",
        "handle",
        "return",
        "define",
        "mark",
        "apply",
        "provide",
        "include",
        "consider",
        "need",
        "want",
        "let",
        "go",
        "take",
        "place",
        "file",
        "files",
        "code",
        "value",
        "values",
        "way",
        "thing",
        "things",
        "case",
        "type",
        "types",
        "part",
        "top",
        "time",
        "proper",
        "properly",
        "correct",
        "good",
        "right",
        "specific",
        "existing",
        "custom",
        "other",
        "new",
        "avoid",
        "check",
    ]
)


def normalise(text: str) -> str:
    """Lowercase, with the phrases the tables know joined (``pull request`` -> ``pull_request``) and
    compound numbers added up (``twenty five`` -> ``25``)."""
    lowered = text.lower().replace("’", "'")
    lowered = _PHRASE.sub(lambda m: f" {PHRASES[m.group(0)]} ", lowered)
    return re.sub(
        r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[ -]"
        r"(one|two|three|four|five|six|seven|eight|nine)\b",
        lambda m: str(NUMBER_WORDS[m.group(1)] + NUMBER_WORDS[m.group(2)]),
        lowered,
    )


def sequence(text: str) -> tuple[str, ...]:
    """The compared words in their order (the order tells a reworded rule from the same one on another
    object)."""
    found = []
    for token in _WORD.findall(normalise(text)):
        if token in STOP_WORDS or (len(token) < 2 and not token.isdigit()):
            continue
        found.append(stem(token))
    return tuple(found)


def words(text: str) -> frozenset[str]:
    return frozenset(sequence(text))


def char_ngrams(folded: str, n: int = 4) -> frozenset[str]:
    squeezed = f" {folded} "
    return frozenset(squeezed[i : i + n] for i in range(len(squeezed) - n + 1))


_SHORT_FLAG = re.compile(r"^-[a-z]$", re.IGNORECASE)
_VALUE_FLAGS = frozenset({"--prefix", "--cwd", "--dir", "--file", "-c", "-p", "-f", "-w", "-d", "-u", "-h"})
_LOOKS_LIKE_VALUE = re.compile(r"[./=]|^\d+$")


def actions(text: str) -> frozenset[tuple[str, str]]:
    """(program, subcommand) of each code span: `npm --prefix web run build` -> ("npm", "run build")."""
    return frozenset((program, sub) for program, sub, _ in _commands(text))


def _commands(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(program, subcommand, arguments) of each code span that looks like a command."""
    found = []
    for span in _CODE.findall(text):
        tokens = span.lower().split()
        if not tokens:
            continue
        words_only: list[str] = []
        arguments: list[str] = []
        skip_next = False
        for index, token in enumerate(tokens[1:], start=1):
            if skip_next:
                skip_next = False
                arguments.append(token)
                continue
            if token.startswith("-"):
                # The value of `--prefix web`, `-C src`, `-f dev.yml`, `-p 8080`: `docker compose -f dev.yml up`
                # is ("docker", "compose up"). A short flag's next word is its value when it looks like one.
                following = tokens[index + 1] if index + 1 < len(tokens) else ""
                skip_next = token in _VALUE_FLAGS or (
                    bool(_SHORT_FLAG.match(token)) and bool(_LOOKS_LIKE_VALUE.search(following))
                )
                continue
            if _LOOKS_LIKE_VALUE.search(token) and len(words_only) >= 1:
                arguments.append(token)  # a path, a file, a number: the object, not the subcommand
                continue
            words_only.append(token)
        found.append((tokens[0], " ".join(words_only[:2]), tuple(arguments + words_only[2:])))
    return found


def code_tokens(text: str) -> frozenset[str]:
    spans = _CODE.findall(text)
    return frozenset(t for span in spans for t in re.split(r"\s+", span.lower().strip()) if t)


@dataclass(frozen=True)
class Features:
    words: frozenset[str]
    grams: frozenset[str]
    code: frozenset[str]
    actions: frozenset[tuple[str, str]]
    commands: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    sequence: tuple[str, ...] = ()
    generic: frozenset[str] = frozenset()
    mass: float = 0.0


def features(text: str) -> Features:
    ordered = sequence(text)
    folded = sorted(set(ordered))
    return Features(
        frozenset(folded),
        char_ngrams(" ".join(folded)),
        code_tokens(text),
        actions(text),
        tuple(_commands(text)),
        ordered,
        frozenset(folded) & _GENERIC,
        _mass(folded),
    )


def _weight(word: str) -> float:
    return GENERIC_WEIGHT if word in _GENERIC else 1.0


def _mass(words: Iterable[str]) -> float:
    return sum(_weight(w) for w in words)


def _dice(a: frozenset[Any], b: frozenset[Any]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _weighted_overlap(a: Features, b: Features) -> tuple[float, float]:
    """(Dice, containment of the shorter) of the two word sets, where the words every instruction uses
    (keep, add, file, value) count for less than the things a rule is about; containment is damped for
    very short rules (two words prove little)."""
    if not a.words or not b.words:
        return 0.0, 0.0
    shared = a.words & b.words
    mass = len(shared) - (1 - GENERIC_WEIGHT) * len(shared & a.generic)
    shorter = min(a.mass, b.mass)
    return 2 * mass / (a.mass + b.mass), mass / shorter * min(1.0, shorter / 3)


def same_shape_other_object(a: Features, b: Features) -> bool:
    """The same rule about another thing: the two say the same words in the same order but for one
    stretch of at most three words on each side ("never commit to main" / "never commit to develop",
    "mock network requests in component tests" / "mock the clock in component tests"); or the same
    command run on another object (`rm -rf build/` / `rm -rf dist/`); or another subcommand of one
    program (`cargo test` / `cargo clippy`). A reworded rule moves its words around instead."""
    numbers_a = {w for w in a.words if w.isdigit()}
    numbers_b = {w for w in b.words if w.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return True  # "at most 50 characters" / "at most 72 characters": another limit, another rule
    if a.sequence and b.sequence and a.words != b.words:
        blocks = SequenceMatcher(None, a.sequence, b.sequence, autojunk=False).get_opcodes()
        changed = [(tag, i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in blocks if tag != "equal"]
        same = sum(i2 - i1 for tag, i1, i2, _, _ in blocks if tag == "equal")
        if len(changed) == 1 and same >= 2:
            tag, removed, added = changed[0]
            if tag == "replace" and max(removed, added) <= MAX_SUBSTITUTED and same >= max(removed, added):
                return True  # one stretch swapped: another object
    for program, sub, arguments in a.commands:
        for other_program, other_sub, other_arguments in b.commands:
            if program == other_program and sub == other_sub and arguments != other_arguments:
                return not any(command in b.commands for command in a.commands)
    return _other_subcommand(a.actions, b.actions)


def similarity(a: Features, b: Features) -> float:
    w_words, w_contain, w_grams = WEIGHTS
    dice, contained = _weighted_overlap(a, b)
    score = w_words * dice + w_contain * contained + w_grams * _dice(a.grams, b.grams)
    if a.code and a.code == b.code:  # the very same command: a strong signal whatever the wording
        score = max(score, 0.45 + 0.5 * score)
    if score >= DUPLICATE_AT and same_shape_other_object(a, b):  # (only then: it is the slow part)
        score = DUPLICATE_AT - 0.01
    return min(score, 1.0)


def _other_subcommand(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both name the same program, never with the same subcommand."""
    programs = {p for p, _ in a} & {p for p, _ in b}
    return bool(programs) and not (a & b)


@dataclass(frozen=True)
class Match:
    id: str
    score: float


@dataclass(frozen=True)
class Verdict:
    verdict: str  # duplicate | related | novel
    matches: list[Match] = field(default_factory=list)
    reason: str = ""  # the model's, when a model judged

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "verdict": self.verdict,
            "matches": [{"id": m.id, "score": round(m.score, 3)} for m in self.matches],
        }
        if self.reason:
            out["reason"] = self.reason
        return out


class NoveltyIndex:
    """Precomputed features of the existing rules; :meth:`check` scores a proposal against all of them."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.texts: dict[str, str] = {}
        self.entries = []
        for rule_id, text in entries:
            self.texts[rule_id] = text
            self.entries.append((rule_id, features(text)))

    def check(
        self,
        text: str,
        *,
        top: int = 5,
        guard_key: str | None = None,
        guard_keys: dict[str, str] | None = None,
        call_key: str | None = None,
        call_keys: dict[str, str] | None = None,
    ) -> Verdict:
        """``guard_key`` (tool + command pattern of the proposal) equal to an existing rule's key in
        ``guard_keys`` makes that rule a duplicate: same trigger, same teeth. Both guarded, on different
        commands, makes them at most related: the proposal's guard would be lost as a "duplicate".
        ``call_key`` (the failing call a rule is about, guarded or not, then ``\x00`` and its fix when known)
        decides between two rules that both have one: another call, or the same call with another fix
        (`docker compose up -d db` and `pip install -e .` before `pytest`), is at most related; the same call
        with the same fix is a duplicate. Otherwise the words decide."""
        probe = features(text)
        scored = []
        for rule_id, feats in self.entries:
            score = similarity(probe, feats)
            existing_key = guard_keys.get(rule_id) if guard_keys else None
            existing_call = call_keys.get(rule_id) if call_keys else None
            same_lesson = _same_lesson(call_key, existing_call)
            if (guard_key and existing_key == guard_key) or same_lesson:
                score = max(score, 0.9)
            elif (guard_key and existing_key) or same_lesson is False:
                score = min(score, DUPLICATE_AT - 0.01)
            if score >= 0.05:
                scored.append(Match(rule_id, score))
        scored.sort(key=lambda m: m.score, reverse=True)
        matches = scored[:top]
        best = matches[0].score if matches else 0.0
        verdict = "duplicate" if best >= DUPLICATE_AT else "related" if best >= RELATED_AT else "novel"
        return Verdict(verdict, matches)


def _same_lesson(mine: str | None, theirs: str | None) -> bool | None:
    """Two ``call\x00fix`` keys: True for the same call and fix, False for another call or, both known,
    another fix; None when that decides nothing (a key missing, or a fix known on one side only)."""
    if not mine or not theirs:
        return None
    call, _, fix = mine.partition("\x00")
    their_call, _, their_fix = theirs.partition("\x00")
    if call != their_call:
        return False
    if fix and their_fix:
        return fix == their_fix
    return None


def check(text: str, rules: Iterable[tuple[str, str]]) -> Verdict:
    return NoveltyIndex(rules).check(text)


# -- with a model ---------------------------------------------------------------------------------------


class Completes(Protocol):
    def complete(self, request: Any) -> Any: ...


JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"enum": ["duplicate", "related", "distinct"]},
        "rule_id": {"type": "string", "description": "the existing rule it duplicates or relates to"},
        "reason": {"type": "string"},
    },
    "required": ["verdict", "reason"],
}
JUDGE_PROMPT = (
    "You compare a proposed rule for a coding agent with existing rules. `duplicate`: it asks for the same "
    "thing as one existing rule, in other words (paraphrase, synonyms, numbers written differently). "
    "`related`: same subject or the same shape on another object (another branch, folder, database, package, "
    "command), so both rules are needed. `distinct`: anything else. Name the rule_id you compared it with."
)
JUDGE_TASK = "Is the proposed rule a duplicate of, related to, or distinct from these existing rules?"


def judge_with_model(
    provider: Completes, index: NoveltyIndex, text: str, *, top: int = 8, **check_args: Any
) -> Verdict:
    """Ask the model whether ``text`` duplicates, relates to, or is distinct from the nearest existing rules
    (the offline check picks the candidates and is the answer when the provider fails or answers nonsense).
    The rules are quoted as data; the verdict is checked against the candidates."""
    from nevo.providers import AgentSpec, ProviderError, Request

    offline = index.check(text, top=top, **check_args)
    candidates = [m.id for m in offline.matches]
    if len(index.texts) <= MODEL_SEES_ALL:
        # A small rule book is shown whole: a paraphrase that shares no word with its rule scores nothing
        # offline and would never be among the nearest.
        candidates += [rule_id for rule_id in index.texts if rule_id not in candidates]
    if not candidates or getattr(provider, "name", "") == "offline":
        return offline  # nothing to compare with, or no model to ask
    # Asked even when the offline check says novel: a paraphrase that shares few words is what it misses.
    data = {"proposed": text, "existing": [{"id": i, "rule": index.texts[i]} for i in candidates]}
    agent = AgentSpec("novelty-judge", "Compares a proposed rule with existing ones.", "haiku", JUDGE_PROMPT)
    try:
        output = provider.complete(Request(agent, JUDGE_TASK, data, JUDGE_SCHEMA, 512)).output
    except ProviderError:
        return offline
    verdict = {"duplicate": "duplicate", "related": "related", "distinct": "novel"}.get(str(output.get("verdict")))
    if verdict is None:
        return offline
    rule_id = str(output.get("rule_id") or "")
    if verdict != "novel" and rule_id not in candidates:
        return offline  # a verdict about a rule it was not shown is not a verdict
    matches = list(offline.matches)
    if rule_id and all(m.id != rule_id for m in matches):
        matches.append(Match(rule_id, 0.0))  # shown whole (a small book), below the offline floor
    matches.sort(key=lambda m: (m.id != rule_id, -m.score))
    return Verdict(verdict, matches, str(output.get("reason") or "")[:300])
