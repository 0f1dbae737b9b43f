"""Secret redaction: every string nevo persists or sends to an LLM passes through here first.

`redact(text)` replaces each secret *value* by a marker such as ``[REDACTED:github-token]`` and
keeps its surroundings (the key, the user and host of a URL, the auth scheme), so the text stays
useful to a human and to fingerprinting. Markers are never matched again, so redaction is
idempotent.

Two families of detectors:
- token shapes that are secret wherever they appear (``ghp_...``, ``AKIA...``, PEM private keys,
  JWTs, ...): one regex per family, each starting with a literal so the engine's fast literal
  search finds candidates;
- context: a value assigned to a key whose name says it is secret (``DB_PASSWORD=...``,
  ``"api_key": "..."``, ``Authorization: Bearer ...``, ``--password x``, URL userinfo, .netrc,
  ``mysql -pX``, ``curl -u user:X``). Key roots are found with str.find in an ASCII-lowercased
  copy of the text (same length, so offsets agree); key_kind() then judges the whole key name.

Performance: every scan is linear (possessive quantifiers, bounded key lengths, start-of-token
checks written as a lookbehind placed *after* the literal, searches that resume after the value
they found). Needs Python 3.11+ (possessive quantifiers). See bench/bench_redact.py.

The pattern tables, key_kind() and value_span() live in nevo.redact_patterns; this module holds
the detectors that run them, the merging of their findings, and the public API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# MARKER_PREFIX, KEYWORD_ROOTS, TOKEN_SHAPES, key_kind and value_span are also imported from here.
from nevo.redact_patterns import (
    ASCII_LOWER,
    ASSIGNMENT_RE,
    ESCAPE_RE,
    ESCAPED_LINE_RE,
    FLAG_TAIL_RE,
    KEY_QUALIFIERS,
    KEY_RUN_RE,
    KEY_RUN_REVERSED_RE,
    KEYWORD_ROOTS,
    LINE_PREFIX_REVERSED_RE,
    LINE_RE,
    MARKER_PREFIX,
    MARKER_RE,
    MAX_KEY_LEN,
    MYSQL_PASSWORD_RE,
    NETRC_ALONE_RE,
    NETRC_INLINE_RE,
    NON_SPACE_RE,
    PASSWORD_FLAG_RE,
    PEM_BEGIN_RE,
    PEM_BODY_RE,
    PEM_END_LITERAL,
    PEM_MAX_BODY,
    PRIO_CONTEXT,
    PRIO_TOKEN,
    PRIO_URL,
    PROSE_KIND,
    PROSE_RE,
    PROSE_ROOTS,
    PROSE_STRIP_END,
    PROSE_STRIP_START,
    REDIS_AUTH_FLAG_RE,
    TOKEN_SHAPES,
    URL_USERINFO_RE,
    USER_PASSWORD_FLAG_RE,
    has_mixed_chars,
    key_kind,
    looks_like_secret,
    value_span,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret: its kind (used in the marker) and its [start, end) span in the text."""

    kind: str
    start: int
    end: int


def _token_findings(text: str) -> Iterator[tuple[int, int, int, str]]:
    for shape in TOKEN_SHAPES:
        for match in shape.regex.finditer(text):
            start, end = match.span(shape.group)
            start -= shape.back
            kind = shape.kind
            if match.lastgroup and match.lastgroup.startswith("kind_"):
                kind = match.lastgroup[5:].replace("_", "-")
            elif shape.needs_mixed_chars and not has_mixed_chars(text[start:end]):
                continue
            yield start, end, PRIO_TOKEN, kind


def _pem_findings(text: str) -> Iterator[tuple[int, int, int, str]]:
    if "PRIVATE KEY" not in text:
        return
    covered_until = 0
    next_end = -2  # cached position of the next "-----END " (-1: none left); keeps this linear
    for begin in PEM_BEGIN_RE.finditer(text):
        if begin.start() < covered_until:
            continue
        body_start = begin.end()
        if next_end != -1 and next_end < body_start:
            next_end = text.find(PEM_END_LITERAL, body_start)
        if next_end != -1 and next_end - body_start <= PEM_MAX_BODY:
            body_end = next_end
        else:
            body_match = PEM_BODY_RE.match(text, body_start)
            body_end = body_match.end() if body_match else body_start
        start, end = _strip_span(text, body_start, body_end)
        covered_until = body_end
        if start < end:
            yield start, end, PRIO_TOKEN, "private-key"


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and literal \\n escapes at both ends."""
    while start < end:
        if text[start].isspace():
            start += 1
        elif text.startswith(("\\n", "\\r"), start) and start + 2 <= end:
            start += 2
        else:
            break
    while end > start:
        if text[end - 1].isspace():
            end -= 1
        elif end - 2 >= start and text[end - 2] == "\\" and text[end - 1] in "nr":
            end -= 2
        else:
            break
    return start, end


def _url_findings(text: str) -> Iterator[tuple[int, int, int, str]]:
    if "://" not in text or "@" not in text:
        return
    for match in URL_USERINFO_RE.finditer(text):
        start, end = match.span(1)
        if value_span(text, start, end) is not None:
            yield start, end, PRIO_URL, "url-password"


def _context_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    """key = value, key: value (JSON, YAML, env, headers, query strings, kwargs), --flag value."""
    if not any(root in lowered for root in KEYWORD_ROOTS):
        return
    reversed_lowered = lowered[::-1]
    pos = 0  # each search resumes after the value it found: "password=password=..." is read once
    next_at = {root: lowered.find(root) for root in KEYWORD_ROOTS}
    while True:
        for root, at in next_at.items():  # str.find beats a regex of the roots by far
            if -1 < at < pos:
                next_at[root] = lowered.find(root, pos)
        found_at = [at for at in next_at.values() if at != -1]
        if not found_at:
            return
        root_at = min(found_at)
        pos = root_at + 1
        if (match := ASSIGNMENT_RE.match(lowered, root_at)) is not None:
            pos = match.end()
            key_start = _key_start(text, reversed_lowered, root_at)
            if key_start > 0 and text[key_start - 1] in "/\\":  # a file path: src/auth.py:42:
                continue
            key = text[key_start : match.end("key")]
            kind = key_kind(key)
            found = _assigned_value(text, reversed_lowered, key_start, match) if kind else None
        elif (match := FLAG_TAIL_RE.match(lowered, root_at)) is not None:
            pos = match.end()
            key_start = _key_start(text, reversed_lowered, root_at)
            key = text[key_start : match.end("key")]
            if not key.startswith("-"):
                # "AKIA...--password x": the flag starts at its dashes, whatever key characters stand before
                # them (once those are redacted the key would be read as "--password": idempotence).
                dashes = key.rfind("--")
                if dashes <= 0:
                    continue
                key = key[dashes:]
            kind = key_kind(key, is_flag=True)
            found = value_span(text, match.end(), None) if kind else None
        else:  # no separator: skip the rest of this run of key chars, it cannot match either
            run = KEY_RUN_RE.match(lowered, root_at)
            pos = max(root_at + 1, (run.end() if run else 0) - MAX_KEY_LEN)
            continue
        if kind is not None and found is not None and not _repeats_key(text, found, key):
            pos = max(pos, found[1])
            yield found[0], found[1], PRIO_CONTEXT, kind


def _key_start(text: str, reversed_lowered: str, root_at: int) -> int:
    """Where the key holding the root at `root_at` begins (keys: letters, digits, _ . -)."""
    back = len(text) - root_at
    run = KEY_RUN_REVERSED_RE.match(reversed_lowered, back)
    key_start = root_at - (run.end() - back if run else 0)
    if key_start > 0 and text[key_start - 1] == "\\" and text[key_start] in "nrt":
        key_start += 1  # "\\nDB_PASSWORD=": the n belongs to the escape, not to the key
    return key_start


def _assigned_value(
    text: str, reversed_lowered: str, key_start: int, match: re.Match[str]
) -> tuple[int, int] | None:
    line = _line_start(text, reversed_lowered, key_start)
    separator = match.group("sep")
    if line is None or separator in ("=>", ":="):
        return value_span(text, match.end(), None)
    # A line "KEY=value cmd" (shell: the value ends at whitespace) or "key: rest of line" (YAML,
    # HTTP headers); inside a JSON string a line ends at a \\n escape.
    line_end = (ESCAPED_LINE_RE if line == "escaped" else LINE_RE).match(text, match.end())
    end = line_end.end() if line_end else match.end()
    if separator == "=" and not text.startswith(('"', "'", '\\"'), match.end()):
        word = NON_SPACE_RE.match(text, match.end(), end)
        end = word.end() if word else end
    return value_span(text, match.end(), end)


def _line_start(text: str, reversed_lowered: str, key_start: int) -> str | None:
    """ "line" when the key starts a line (after an optional export/-/>), "escaped" when it starts
    a line inside a JSON string (after a literal \\n), else None."""
    back = len(text) - key_start
    prefix = LINE_PREFIX_REVERSED_RE.match(reversed_lowered, back)
    before = key_start - (prefix.end() - back if prefix else 0)
    if before == 0 or text[before - 1] in "\r\n":
        return "line"
    if before >= 2 and text[before - 2] == "\\" and text[before - 1] in "nr":
        return "escaped"
    return None


def _repeats_key(text: str, span: tuple[int, int], key: str) -> bool:
    """`password=password`, `self.token = token`: code passing a variable along, not a secret."""
    value = text[span[0] : span[1]].lower()
    return value == key.rsplit(".", 1)[-1].strip("-_\"' ").lower()


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


class _LineWords:
    """For positions visited in increasing order: the bounds of the line that holds a position
    and where some words first occur in it. Linear in total, even on one multi-MB line."""

    def __init__(self, text: str, lowered: str, words: tuple[str, ...]) -> None:
        self._text, self._lowered, self._words = text, lowered, words
        self.start = self.end = -1
        self._first: dict[str, int] = {}

    def visit(self, pos: int) -> None:
        if self.start <= pos <= self.end:
            return
        self.start = self._text.rfind("\n", 0, pos) + 1
        self.end = _line_end(self._text, pos)
        self._first = {w: self._lowered.find(w, self.start, self.end) for w in self._words}

    def has_before(self, pos: int, *words: str) -> bool:
        self.visit(pos)
        return any(-1 < self._first[w] < pos for w in words)


def _netrc_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    if "passw" not in lowered:
        return
    for regex in (NETRC_ALONE_RE, NETRC_INLINE_RE):
        for match in regex.finditer(lowered):
            start, end = match.span("value")
            if value_span(text, start, end) is not None:
                yield start, end, PRIO_CONTEXT, "password"


def _command_password_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    """`mysql -pSECRET`, `docker login -p SECRET`, `sshpass -p SECRET`: -p means password only
    there; `redis-cli -a SECRET`; and `curl -u user:SECRET`."""
    if "-u" in text:
        for match in USER_PASSWORD_FLAG_RE.finditer(text):
            found = value_span(text, match.start(1), match.end(1))
            if found is not None:
                yield found[0], found[1], PRIO_CONTEXT, "password"
    if "redis-cli" in lowered and ("-a" in text or "--pass" in text):
        redis_lines = _LineWords(text, lowered, ("redis-cli",))
        for match in REDIS_AUTH_FLAG_RE.finditer(text):
            if redis_lines.has_before(match.start(), "redis-cli"):
                found = value_span(text, match.start(1), match.end(1))
                if found is not None:
                    yield found[0], found[1], PRIO_CONTEXT, "password"
    if "-p" not in text:
        return
    lines = _LineWords(text, lowered, ("mysql", " login", "sshpass"))
    if "mysql" in lowered:
        for match in MYSQL_PASSWORD_RE.finditer(text):
            if lines.has_before(match.start(), "mysql"):
                found = value_span(text, match.start(1), None)
                if found is not None:
                    yield found[0], found[1], PRIO_CONTEXT, "password"
    if " login" in lowered or "sshpass" in lowered:
        lines = _LineWords(text, lowered, ("mysql", " login", "sshpass"))
        for match in PASSWORD_FLAG_RE.finditer(text):
            if lines.has_before(match.start(), " login", "sshpass"):
                found = value_span(text, match.end(), None)
                if found is not None:
                    yield found[0], found[1], PRIO_CONTEXT, "password"


def _prose_matches(lowered: str) -> Iterator[re.Match[str]]:
    """PROSE_RE tried only where a root word starts (str.find is far cheaper than letting the
    regex try every position that starts with a p, s, t or a)."""
    for root in PROSE_ROOTS:
        at = lowered.find(root)
        while at != -1:
            start = at
            after = at + len(root)
            if root != "pass" and (after >= len(lowered) or lowered[after] not in " \t=:"):
                start = -1  # "test_token_refresh", "KeyError": the cheap test first
            elif root == "key":
                qualifier = next((q for q in KEY_QUALIFIERS if lowered.endswith(q, 0, at)), None)
                start = -1 if qualifier is None else at - len(qualifier)
            if start != -1 and (start == 0 or not lowered[start - 1].isalnum()):  # not "mypassword", "spin"
                match = PROSE_RE.match(lowered, start)
                if match is not None:
                    yield match
                    at = match.end() - len(root)  # "password=password=...": each run is read once
            at = lowered.find(root, at + len(root))


def _prose_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    """`(password|secret|token|api key|access key|pin|...) (is|was|=|:) value` in sentences."""
    for match in _prose_matches(lowered):
        value_start, value_end = match.span("value")
        quote = text[value_start]
        closing = text.find(quote, value_start + 1, value_end) if quote in "\"'`" else -1
        if closing != -1:  # `s3cr3t!`. : the value is what the quotes hold
            value_start, value_end = value_start + 1, closing
        else:
            while value_end > value_start and text[value_end - 1] in PROSE_STRIP_END:
                value_end -= 1
            while value_start < value_end and text[value_start] in PROSE_STRIP_START:
                value_start += 1
        word = match.group("word")
        kind = PROSE_KIND.get(word, "api-key" if word.startswith("api") else "password")
        if word.startswith("access"):
            kind = "secret"
        if value_start < value_end and looks_like_secret(text[value_start:value_end], kind):
            yield value_start, value_end, PRIO_CONTEXT, kind


def _clip_markers(raw: list[tuple[int, int, int, str]], text: str) -> list[tuple[int, int, int, str]]:
    """Remove existing markers from the findings, so redacting twice changes nothing."""
    if MARKER_PREFIX not in text:
        return raw
    markers = [m.span() for m in MARKER_RE.finditer(text)]
    if not markers:
        return raw
    clipped: list[tuple[int, int, int, str]] = []
    for start, end, prio, kind in raw:
        pieces = [(start, end)]
        for m_start, m_end in markers:
            if m_start >= end:
                break
            if m_end <= start:
                continue
            pieces = [
                part
                for p_start, p_end in pieces
                for part in ((p_start, min(p_end, m_start)), (max(p_start, m_end), p_end))
                if part[0] < part[1]
            ]
        for p_start, p_end in pieces:
            leftover = ESCAPE_RE.sub("", text[p_start:p_end])  # a \\n next to a marker is no secret
            if any(c.isalnum() for c in leftover):
                clipped.append((p_start, p_end, prio, kind))
    return clipped


def find_secrets(text: str) -> list[Finding]:
    """Secrets in `text`, sorted, non-overlapping (overlapping detections are merged)."""
    if not text:
        return []
    raw = [
        *_token_findings(text),
        *_pem_findings(text),
        *_url_findings(text),
    ]
    lowered = text.translate(ASCII_LOWER)  # same length as text, so offsets agree
    raw.extend(_context_findings(text, lowered))
    raw.extend(_netrc_findings(text, lowered))
    raw.extend(_command_password_findings(text, lowered))
    raw.extend(_prose_findings(text, lowered))
    if not raw:
        return []
    raw = _clip_markers(raw, text)
    raw.sort(key=lambda f: (f[0], -f[1]))
    merged: list[list[int | str]] = []
    for start, end, prio, kind in raw:
        if merged and start < int(merged[-1][1]):
            last = merged[-1]
            last[1] = max(int(last[1]), end)
            if prio < int(last[2]):
                last[2], last[3] = prio, kind
        else:
            merged.append([start, end, prio, kind])
    return [Finding(str(kind), int(start), int(end)) for start, end, _, kind in merged]


def marker(kind: str) -> str:
    return f"{MARKER_PREFIX}{kind}]"


def redact(text: str) -> str:
    """`text` with every secret value replaced by a marker such as [REDACTED:aws-access-key-id]."""
    findings = find_secrets(text)
    if not findings:
        return text
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(marker(finding.kind))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def redact_obj(obj: object) -> object:
    """A copy of `obj` with every string redacted; dict keys are kept, and a scalar value under a
    secret-looking key (``{"password": "hunter2"}``) is replaced whole, since alone it looks like
    nothing."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        result: dict[object, object] = {}
        for key, value in obj.items():
            kind = key_kind(key) if isinstance(key, str) else None
            if kind is not None and _is_secret_scalar(value):
                result[key] = marker(kind)
            else:
                result[key] = redact_obj(value)
        return result
    if isinstance(obj, list):
        return [redact_obj(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(item) for item in obj)
    return obj


def _is_secret_scalar(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        return value_span(value, 0, len(value)) is not None and not value.startswith(MARKER_PREFIX)
    return False
