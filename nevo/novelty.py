"""Is a proposed rule new? ``duplicate`` | ``related`` | ``novel``, with the closest rules and scores.

No embedding model is available offline, so similarity is lexical but careful about it:
- words are lowercased, stop words dropped, suffixes trimmed ("running" -> "run") and common synonyms
  folded ("execute"/"invoke" -> "run", "verify"/"ensure" -> "check", "folder"/"directory" -> "dir");
- character 4-grams of the folded text catch near-spellings and compound words;
- code spans (text in backticks: commands, paths) are compared on their own: two rules about the
  same command are very likely about the same thing, while the same program with another subcommand
  (`cargo test` / `cargo clippy`) makes neighbours, never duplicates.
The score is a weighted mix of the three (Dice coefficients); thresholds were tuned on the labelled
paraphrases in tests/data/paraphrases.json (bench/bench_rules.py prints precision and recall).
Features of the existing rules are computed once per :class:`NoveltyIndex`, so a check against
1,000 rules is a few milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

DUPLICATE_AT = 0.52
RELATED_AT = 0.28
WEIGHTS = (0.5, 0.3, 0.2)  # words, character n-grams, code spans

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "when",
        "whenever",
        "before",
        "after",
        "always",
        "never",
        "must",
        "should",
        "do",
        "does",
        "don't",
        "not",
        "no",
        "any",
        "all",
        "you",
        "your",
        "use",
        "using",
        "instead",
        "than",
        "then",
        "there",
        "here",
        "by",
        "as",
        "at",
        "from",
        "into",
        "so",
        "if",
        "only",
        "first",
        "sure",
        "make",
        "per",
        "via",
        "e.g.",
        "i.e.",
        "etc",
        "also",
        "just",
        "one",
        "can",
        "will",
        "may",
        "need",
        "needs",
    ]
)
# Folded to the first word of each group.
_SYNONYM_GROUPS = (
    "run execute invoke call launch start trigger",
    "check verify ensure confirm validate test-that inspect",
    "install add setup set-up provision",
    "remove delete rm erase drop",
    "fail error break crash broken failure",
    "dir directory folder",
    "file files",
    "read open view look",
    "edit modify change update alter patch",
    "create make new generate",
    "package dependency dependencies library module lib",
    "command cmd",
    "venv virtualenv virtual-environment environment env",
    "build compile",
    "test tests spec specs pytest",
    "branch branches",
    "commit commits",
    "missing absent nonexistent non-existent",
    "script scripts",
    "path paths location",
    "prefer favor favour choose",
    "before prior first",
)
_SYNONYMS: dict[str, str] = {}
for _group in _SYNONYM_GROUPS:
    _words = _group.split()
    for _word in _words:
        _SYNONYMS[_word] = _words[0]

_WORD = re.compile(r"[a-z0-9][a-z0-9_]*")
_CODE = re.compile(r"`([^`]+)`")


def stem(word: str) -> str:
    """Stemming-lite: enough to fold plurals and verb forms without a dictionary."""
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    stripped = False
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith(("ss", "us", "is")):
            word, stripped = word[: -len(suffix)] + keep, True
            break
    if stripped and len(word) > 3 and word[-1] == word[-2] and word[-1] in "bdgmnprt":  # running -> run
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):  # activate / activated -> activat
        word = word[:-1]
    return _SYNONYMS.get(word, word)


def words(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def char_ngrams(folded: str, n: int = 4) -> frozenset[str]:
    squeezed = f" {folded} "
    return frozenset(squeezed[i : i + n] for i in range(len(squeezed) - n + 1))


def actions(text: str) -> frozenset[tuple[str, str]]:
    """(program, subcommand) of each code span: `npm --prefix web run build` -> ("npm", "run build")."""
    found = set()
    for span in _CODE.findall(text):
        tokens = span.lower().split()
        if not tokens:
            continue
        words_only = []
        skip_next = False
        for index, token in enumerate(tokens[1:], start=1):
            if skip_next:
                skip_next = False
                continue
            if token.startswith("-"):
                # The value of `--prefix web`, `-C src`, `-f dev.yml`, `-p 8080`: `docker compose -f dev.yml up`
                # is ("docker", "compose up"). A short flag's next word is its value when it looks like one
                # (a file, a path, a number), so `command -v tool0` keeps `tool0`.
                following = tokens[index + 1] if index + 1 < len(tokens) else ""
                skip_next = token in _VALUE_FLAGS or (
                    bool(_SHORT_FLAG.match(token)) and bool(_LOOKS_LIKE_VALUE.search(following))
                )
                continue
            words_only.append(token)
        found.add((tokens[0], " ".join(words_only[:2])))
    return frozenset(found)


_SHORT_FLAG = re.compile(r"^-[a-z]$", re.IGNORECASE)
_VALUE_FLAGS = frozenset({"--prefix", "--cwd", "--dir", "--file", "-c", "-p", "-f", "-w"})  # spans are lowercased
_LOOKS_LIKE_VALUE = re.compile(r"[./=]|^\d+$")


def code_tokens(text: str) -> frozenset[str]:
    spans = _CODE.findall(text)
    return frozenset(t for span in spans for t in re.split(r"\s+", span.lower().strip()) if t)


@dataclass(frozen=True)
class Features:
    words: frozenset[str]
    grams: frozenset[str]
    code: frozenset[str]
    actions: frozenset[tuple[str, str]]


def features(text: str) -> Features:
    folded_words = sorted(words(text))
    return Features(
        frozenset(folded_words), char_ngrams(" ".join(folded_words)), code_tokens(text), actions(text)
    )


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(a: Features, b: Features) -> float:
    w_words, w_grams, w_code = WEIGHTS
    word_score = _dice(a.words, b.words)
    gram_score = _dice(a.grams, b.grams)
    if a.code and b.code:
        code_score = _dice(a.code, b.code)
        score = w_words * word_score + w_grams * gram_score + w_code * code_score
        if a.code == b.code:  # the very same command: a strong signal whatever the wording
            score = max(score, 0.45 + 0.5 * score)
        elif _other_subcommand(a.actions, b.actions):  # `cargo test` vs `cargo clippy`: neighbours
            score = min(score, DUPLICATE_AT - 0.01)
        return min(score, 1.0)
    return (w_words * word_score + w_grams * gram_score) / (w_words + w_grams)


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

    def to_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "matches": [{"id": m.id, "score": round(m.score, 3)} for m in self.matches],
        }


class NoveltyIndex:
    """Precomputed features of the existing rules; :meth:`check` scores a proposal against all of them."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.entries = [(rule_id, features(text)) for rule_id, text in entries]

    def check(
        self,
        text: str,
        *,
        top: int = 5,
        guard_key: str | None = None,
        guard_keys: dict[str, str] | None = None,
    ) -> Verdict:
        """``guard_key`` (tool + command pattern of the proposal) equal to an existing rule's key in
        ``guard_keys`` makes that rule a duplicate: same trigger, same teeth. Both guarded, on different
        commands, makes them at most related: the proposal's guard would be lost as a "duplicate"."""
        probe = features(text)
        scored = []
        for rule_id, feats in self.entries:
            score = similarity(probe, feats)
            existing_key = guard_keys.get(rule_id) if guard_keys else None
            if guard_key and existing_key == guard_key:
                score = max(score, 0.9)
            elif guard_key and existing_key:
                score = min(score, DUPLICATE_AT - 0.01)
            if score >= 0.05:
                scored.append(Match(rule_id, score))
        scored.sort(key=lambda m: m.score, reverse=True)
        matches = scored[:top]
        best = matches[0].score if matches else 0.0
        verdict = "duplicate" if best >= DUPLICATE_AT else "related" if best >= RELATED_AT else "novel"
        return Verdict(verdict, matches)


def check(text: str, rules: Iterable[tuple[str, str]]) -> Verdict:
    return NoveltyIndex(rules).check(text)
