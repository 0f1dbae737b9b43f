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
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

MARKER_PREFIX = "[REDACTED:"

# ---------------------------------------------------------------------------------------------
# Context: which key names hold secrets, and where the value after the separator ends.

# Roots searched for in the lowercased text; key_kind() then decides on the whole key name.
KEYWORD_ROOTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")
# Matched at each root occurrence (found with str.find), ends after the separator;
# the key's start is found backwards in Python. `key` ends where the key name ends.
_ASSIGNMENT_RE = re.compile(
    r"(?:pass|pwd|secret|token|key|auth|credential)[a-z0-9_.\-]{0,60}+(?P<key>)"
    r"\\?[\"']?[ \t]*(?P<sep>=>|:=|=(?![=~])|:(?!:|//))[ \t]*"
)
_KEY_RUN_RE = re.compile(r"[a-z0-9_.\-]*+")
_KEY_RUN_REVERSED_RE = re.compile(r"[a-z0-9_.\-]{0,60}")
# What may stand between the start of a line and a key: "export ", "- ", "> " (curl -v), a quote.
_LINE_PREFIX_REVERSED_RE = re.compile(r"[\"']?\\?[ \t]*(?:(?:tropxe|tes)[ \t]+|[\-<>*][ \t]*)?")
# After a root: the rest of a --flag name, then blanks, then a value that is not another flag.
_FLAG_TAIL_RE = re.compile(
    r"(?:pass|pwd|secret|token|key|auth|credential)[a-z0-9_\-]{0,40}+(?P<key>)[ \t]++(?=[^\s\-])"
)
# .netrc: "password p" alone on a line, or after "machine h" / "login u" on the same line.
_NETRC_ALONE_RE = re.compile(r"^[ \t]*+passw(?:ord|d)[ \t]++(?P<value>[^\s]++)[ \t\r]*+$", re.MULTILINE)
_NETRC_INLINE_RE = re.compile(
    r"(?:machine|login)[ \t]++[^\s]++[ \t]++passw(?:ord|d)[ \t]++(?P<value>[^\s]++)"
)
# curl -u user:password, --user user:password (the user is kept)
_USER_PASSWORD_FLAG_RE = re.compile(r"[ \t](?:-u|--user)[ \t]++['\"]?[^\s:'\"]++:([^\s'\"]++)")
_PASSWORD_FLAG_RE = re.compile(r"[ \t](?:-p|--password)[ \t]++(?=[^\s\-])")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# A key whose last word is one of these names something about a secret, not the secret itself:
# password_file, token_type, max_tokens, secretName, auth_method, src/auth.py:42 ...
_NOT_SECRET_LAST = _word_set(
    """file files path paths dir directory folder name names type types count counts len length
    size url urls uri endpoint expiry expires expiration exp ttl env var vars header headers field
    prompt policy hint min max limit required enabled enable disabled mode format stdin helper
    command cmd method methods scheme provider plugin source store manager rotation timeout
    version prefix suffix pattern regex level index usage budget reset changed age strength
    label description desc algorithm algo kind flag option options ref refs service server host
    port user username login email domain realm backend module class handler middleware
    controller route view state status error errors result response request message msg callback
    redirect scope scopes audience issuer region bucket table test tests spec mock fixture
    py js ts tsx jsx go rs rb java kt json yaml yml toml md txt sh cfg ini lock log html css sql
    id ids"""
)
_NOT_SECRET_FIRST = _word_set(
    """no ask skip is has use show require allow enable disable check validate verify num total
    reset forgot forgotten change needs need"""
)
_SECRET_KEY_PAIRS = ("accesskey", "privatekey", "accountkey", "signingkey", "encryptionkey", "masterkey")


@functools.lru_cache(maxsize=4096)  # keys repeat a lot (every JSON payload has the same ones)
def key_kind(key: str, *, is_flag: bool = False) -> str | None:
    """The marker kind for a value assigned to `key`, or None when the key does not name a secret."""
    words = [word.lower() for word in _WORD_RE.findall(key)]
    if not words or key.strip("-_\"' ").lower() in ("pwd", "oldpwd"):  # PWD is the working directory
        return None
    if words[-1] in _NOT_SECRET_LAST or (len(words) > 1 and words[0] in _NOT_SECRET_FIRST):
        return None
    joined = "".join(words)
    if any("passw" in w or w in ("passphrase", "passcode", "pwd") for w in words):
        return "password"
    if words[-1] == "pass" and (len(words) > 1 or is_flag):  # DB_PASS, --pass; not "PASS: test_x"
        return "password"
    if "secret" in joined:
        return "aws-secret-access-key" if "aws" in words and "access" in words else "secret"
    if any(w == "token" or (w.endswith("token") and len(w) > 5) for w in words):
        return "token"
    if "apikey" in joined:
        return "api-key"
    if any(pair in joined for pair in _SECRET_KEY_PAIRS) or any("credential" in w for w in words):
        return "secret"
    if "auth" in words or "authorization" in words:
        return "auth"
    return None


_SCHEME_RE = re.compile(r"(?i)(?:bearer|basic|token|digest|bot|jwt|negotiate|ntlm)[ \t]++(?=[^\s\"'])")
_NON_SPACE_RE = re.compile(r"\S*+")
_BARE_RE = re.compile(r"(?:[^\s\"'`,;)}\]<>|&\\]|\\(?![nrt\"'\\]))*+")
_DOUBLE_QUOTED_RE = re.compile(r'(?:[^"\\\r\n]|\\.)*+')
_SINGLE_QUOTED_RE = re.compile(r"[^'\r\n]*+")
_ESCAPED_QUOTED_RE = re.compile(r"(?:[^\\\r\n]|\\[^\"'])*+")  # inside \"...\" (JSON in JSON)
_PLACEHOLDER_WORDS = _word_set(
    """null none nil true false undefined str string bytes int bool optional any secretstr
    required redacted hidden masked await new this self lambda function yes no on off empty
    n/a - prompt stdin missing unset"""
)
_PLACEHOLDER_RE = re.compile(
    r"""\*+|[xX]{3,}|\.{2,}.*|•+
    |\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=?].*|\$[({].*|%[A-Za-z_]\w*%
    |\{\{.*|<[^<>]*>?|[\[{(].*
    |(?:self|cls|args|opts|options|config|cfg|conf|settings|os|env|process|request|params|kwargs
       |ctx|context|creds|credentials|secrets|this|values|vars|inputs|props)\.[A-Za-z_][\w.]*\(?
    |[A-Za-z_][\w.]*[(\[].*
    |(?:/|~/|\./|\.\./)[\w.\-]+(?:/[\w.\-]+)+/?""",
    re.VERBOSE,
)


def _is_placeholder(value: str) -> bool:
    value = value.strip()
    return (
        not value
        or value.startswith(MARKER_PREFIX)
        or value.lower() in _PLACEHOLDER_WORDS
        or _PLACEHOLDER_RE.fullmatch(value) is not None
    )


def value_span(text: str, pos: int, line_end: int | None) -> tuple[int, int] | None:
    """The span of the value that starts at `pos`, or None when there is none or it is a
    placeholder ($VAR, <token>, os.environ[...], ***). With `line_end`, an unquoted value runs
    to the end of the line (.env, YAML); without, it ends at the first delimiter."""
    limit = len(text) if line_end is None else line_end
    if pos >= limit:
        return None
    scheme = _SCHEME_RE.match(text, pos, limit)
    if scheme is not None:
        pos = scheme.end()
    first = text[pos]
    if first in "\"'":
        quoted = (_DOUBLE_QUOTED_RE if first == '"' else _SINGLE_QUOTED_RE).match(text, pos + 1, limit)
        start, end = pos + 1, quoted.end() if quoted else pos + 1
        scheme = _SCHEME_RE.match(text, start, end)  # "Authorization": "Bearer ..."
        if scheme is not None:
            start = scheme.end()
    elif first == "\\" and text.startswith(('\\"', "\\'"), pos):
        escaped = _ESCAPED_QUOTED_RE.match(text, pos + 2, limit)
        start, end = pos + 2, escaped.end() if escaped else pos + 2
    elif line_end is None:
        bare = _BARE_RE.match(text, pos)
        start, end = pos, bare.end() if bare else pos
    else:
        start, end = pos, line_end
        comment = text.find(" #", start, end)
        if comment != -1:
            end = comment
        while end > start and text[end - 1].isspace():
            end -= 1
    if start >= end or _is_placeholder(text[start:end]):
        return None
    return start, end


_MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]{1,40}\]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_MAX_KEY_LEN = 80

# Priorities when two findings overlap: the merged span takes the kind of the most specific one.
_PRIO_TOKEN = 0
_PRIO_URL = 1
_PRIO_CONTEXT = 2


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret: its kind (used in the marker) and its [start, end) span in the text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _TokenShape:
    """A token family. The regex starts with a literal, so the engine's fast literal search finds
    candidates (cheaper than testing for the literal first). A named group `kind_<name>` that
    took part in the match overrides `kind` (kind_anthropic_key -> anthropic-key)."""

    kind: str
    regex: re.Pattern[str]
    group: int = 0  # the part of the match that is secret
    needs_mixed_chars: bool = False  # reject matches without a digit, an upper and a lower case letter
    back: int = 0  # the secret starts this many chars before the match


# A start-of-token check written as a lookbehind placed *after* the first literal chars keeps the
# literal search fast; and since the check class covers every body char, no token can start inside
# the body of another: a run such as "eyJeyJeyJ..." is scanned once, not once per position.
_NOT_AFTER = r"[A-Za-z0-9_\-]"


def _family(
    kind: str, pattern: str, group: int = 0, needs_mixed_chars: bool = False, back: int = 0
) -> _TokenShape:
    regex = re.compile(pattern.replace("NOT_AFTER", _NOT_AFTER))
    return _TokenShape(kind, regex, group, needs_mixed_chars, back)


TOKEN_SHAPES: tuple[_TokenShape, ...] = (
    _family("aws-access-key-id", r"A(?:KIA|SIA|BIA|CCA)(?<!NOT_AFTER....)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    _family("gcp-api-key", r"AIza(?<!NOT_AFTERAIza)[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"),
    _family(
        "github-token", r"gh(?<!NOT_AFTERgh)(?:[pousr]_[A-Za-z0-9]{36,255}+|ithub_pat_[A-Za-z0-9_]{22,255}+)"
    ),
    _family("gitlab-token", r"gl(?<!NOT_AFTERgl)(?:pat|dt|rt|ptt|soat|cbt)-[A-Za-z0-9_\-]{20,}+"),
    _family("slack-token", r"x(?<!NOT_AFTERx)(?:ox[abposre]-[A-Za-z0-9\-]{10,}+|app-\d-[A-Za-z0-9\-]{10,}+)"),
    _family("slack-webhook", r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+\-]{8,}+)", 1),
    _family("discord-webhook", r"/api/webhooks/(\d{5,}+/[A-Za-z0-9_\-]{20,}+)", 1),
    # starts at "k_" (a literal: fast); the s or r before it is part of the key (`back`)
    _family("stripe-key", r"k_(?<=[sr]k_)(?<!NOT_AFTER.k_)(?:live|test)_[A-Za-z0-9]{10,}+", back=1),
    _family("stripe-key", r"whsec_(?<!NOT_AFTERwhsec_)[A-Za-z0-9]{20,}+"),
    _family(
        "openai-key",
        r"sk-(?<!NOT_AFTERsk-)(?:(?P<kind_anthropic_key>ant-[A-Za-z0-9_\-]{20,}+)|[A-Za-z0-9_\-]{20,}+)",
        needs_mixed_chars=True,
    ),
    _family("npm-token", r"npm_(?<!NOT_AFTERnpm_)[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    _family("pypi-token", r"pypi-Ag(?<!NOT_AFTERpypi-Ag)[A-Za-z0-9_\-]{40,}+"),
    _family(
        "sendgrid-key",
        r"SG\.(?<!NOT_AFTERSG\.)[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,50}(?![A-Za-z0-9_\-])",
    ),
    _family("twilio-key", r"SK(?<!NOT_AFTERSK)[0-9a-f]{32}(?![0-9A-Za-z])"),
    _family("twilio-key", r"AC(?<!NOT_AFTERAC)[0-9a-f]{32}(?![0-9A-Za-z])"),
    _family("google-oauth-token", r"ya29\.(?<!NOT_AFTERya29\.)[A-Za-z0-9_\-]{20,}+"),
    _family("google-oauth-token", r"1//0(?<!NOT_AFTER1//0)[A-Za-z0-9_\-]{30,}+"),
    _family("jwt", r"eyJ(?<!NOT_AFTEReyJ)[A-Za-z0-9_\-]{8,}+\.eyJ[A-Za-z0-9_\-]{8,}+\.[A-Za-z0-9_\-]*+"),
    _family("azure-account-key", r"Key=(?:(?<=AccountKey=)|(?<=SharedAccessKey=))([^;\s\"'<>\\\[]{8,}+)", 1),
    _family("azure-sas-signature", r"sig=(?<=[?&]sig=)([^&\s\"'<>\\]{10,}+)", 1),
)

_URL_USERINFO_RE = re.compile(
    r"://(?<=[A-Za-z0-9]://)"  # after a scheme; user has no : / @, password no @ /
    r"[^:/?#@\s\"'<>\\]{0,256}+:([^@/\s\"'<>\\]{1,256}+)@"
)
_PEM_BEGIN_RE = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}?PRIVATE KEY(?: BLOCK)?-----")
_PEM_END_LITERAL = "-----END "
_PEM_MAX_BODY = 64 * 1024
# An unterminated key (truncated output) is redacted as far as its base64 body goes.
_PEM_BODY_RE = re.compile(r"(?:(?:Proc-Type|DEK-Info|Comment):[^\n\\]*+|[A-Za-z0-9+/=\s]|\\[nr])*+")
_MYSQL_PASSWORD_RE = re.compile(r"[ \t]-p('[^'\n]*+'|\"[^\"\n]*+\"|[^\s'\"]++)")


def _token_findings(text: str) -> Iterator[tuple[int, int, int, str]]:
    for shape in TOKEN_SHAPES:
        for match in shape.regex.finditer(text):
            start, end = match.span(shape.group)
            start -= shape.back
            kind = shape.kind
            if match.lastgroup and match.lastgroup.startswith("kind_"):
                kind = match.lastgroup[5:].replace("_", "-")
            elif shape.needs_mixed_chars and not _has_mixed_chars(text[start:end]):
                continue
            yield start, end, _PRIO_TOKEN, kind


def _has_mixed_chars(value: str) -> bool:
    return (
        any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
    )


def _pem_findings(text: str) -> Iterator[tuple[int, int, int, str]]:
    if "PRIVATE KEY" not in text:
        return
    covered_until = 0
    next_end = -2  # cached position of the next "-----END " (-1: none left); keeps this linear
    for begin in _PEM_BEGIN_RE.finditer(text):
        if begin.start() < covered_until:
            continue
        body_start = begin.end()
        if next_end != -1 and next_end < body_start:
            next_end = text.find(_PEM_END_LITERAL, body_start)
        if next_end != -1 and next_end - body_start <= _PEM_MAX_BODY:
            body_end = next_end
        else:
            body_match = _PEM_BODY_RE.match(text, body_start)
            body_end = body_match.end() if body_match else body_start
        start, end = _strip_span(text, body_start, body_end)
        covered_until = body_end
        if start < end:
            yield start, end, _PRIO_TOKEN, "private-key"


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
    for match in _URL_USERINFO_RE.finditer(text):
        start, end = match.span(1)
        if value_span(text, start, end) is not None:
            yield start, end, _PRIO_URL, "url-password"


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
        if (match := _ASSIGNMENT_RE.match(lowered, root_at)) is not None:
            pos = match.end()
            key_start = _key_start(text, reversed_lowered, root_at)
            if key_start > 0 and text[key_start - 1] in "/\\":  # a file path: src/auth.py:42:
                continue
            key = text[key_start : match.end("key")]
            kind = key_kind(key)
            found = _assigned_value(text, reversed_lowered, key_start, match) if kind else None
        elif (match := _FLAG_TAIL_RE.match(lowered, root_at)) is not None:
            pos = match.end()
            key_start = _key_start(text, reversed_lowered, root_at)
            key = text[key_start : match.end("key")]
            if not key.startswith("-"):
                continue
            kind = key_kind(key, is_flag=True)
            found = value_span(text, match.end(), None) if kind else None
        else:  # no separator: skip the rest of this run of key chars, it cannot match either
            run = _KEY_RUN_RE.match(lowered, root_at)
            pos = max(root_at + 1, (run.end() if run else 0) - _MAX_KEY_LEN)
            continue
        if kind is not None and found is not None and not _repeats_key(text, found, key):
            pos = max(pos, found[1])
            yield found[0], found[1], _PRIO_CONTEXT, kind


def _key_start(text: str, reversed_lowered: str, root_at: int) -> int:
    """Where the key holding the root at `root_at` begins (keys: letters, digits, _ . -)."""
    back = len(text) - root_at
    run = _KEY_RUN_REVERSED_RE.match(reversed_lowered, back)
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
    line_end = (_ESCAPED_LINE_RE if line == "escaped" else _LINE_RE).match(text, match.end())
    end = line_end.end() if line_end else match.end()
    if separator == "=" and not text.startswith(('"', "'", '\\"'), match.end()):
        word = _NON_SPACE_RE.match(text, match.end(), end)
        end = word.end() if word else end
    return value_span(text, match.end(), end)


def _line_start(text: str, reversed_lowered: str, key_start: int) -> str | None:
    """ "line" when the key starts a line (after an optional export/-/>), "escaped" when it starts
    a line inside a JSON string (after a literal \\n), else None."""
    back = len(text) - key_start
    prefix = _LINE_PREFIX_REVERSED_RE.match(reversed_lowered, back)
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


_LINE_RE = re.compile(r"[^\r\n]*+")
_ESCAPED_LINE_RE = re.compile(r"(?:[^\r\n\\\"]|\\(?![nr\"]))*+")  # a line inside a JSON string


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
    for regex in (_NETRC_ALONE_RE, _NETRC_INLINE_RE):
        for match in regex.finditer(lowered):
            start, end = match.span("value")
            if value_span(text, start, end) is not None:
                yield start, end, _PRIO_CONTEXT, "password"


def _command_password_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    """`mysql -pSECRET`, `docker login -p SECRET`, `sshpass -p SECRET`: -p means password only
    there; and `curl -u user:SECRET`."""
    if "-u" in text:
        for match in _USER_PASSWORD_FLAG_RE.finditer(text):
            found = value_span(text, match.start(1), match.end(1))
            if found is not None:
                yield found[0], found[1], _PRIO_CONTEXT, "password"
    if "-p" not in text:
        return
    lines = _LineWords(text, lowered, ("mysql", " login", "sshpass"))
    if "mysql" in lowered:
        for match in _MYSQL_PASSWORD_RE.finditer(text):
            if lines.has_before(match.start(), "mysql"):
                found = value_span(text, match.start(1), None)
                if found is not None:
                    yield found[0], found[1], _PRIO_CONTEXT, "password"
    if " login" in lowered or "sshpass" in lowered:
        lines = _LineWords(text, lowered, ("mysql", " login", "sshpass"))
        for match in _PASSWORD_FLAG_RE.finditer(text):
            if lines.has_before(match.start(), " login", "sshpass"):
                found = value_span(text, match.end(), None)
                if found is not None:
                    yield found[0], found[1], _PRIO_CONTEXT, "password"


# Prose: "the staging password is hunter2hunter2", "the API key for prod was Xy7...", "PIN: 4821".
# Run on the lowered text; the value is the next run of non-blanks. Only a value that looks like a
# secret is redacted, so "the password is stored in vault" and "the token is expired" stay as written.
_PROSE_RE = re.compile(
    r"(?P<word>passw(?:ord|d)|passphrase|passcode|secret|token|api[ _-]?key|access[ _-]?key|pin)"
    r"(?:[ \t]++(?:for|of|on|in)[ \t]++(?:the[ \t]++)?[a-z0-9_.\-]{1,30}+)?"
    # "password: x", "token = x" are the context detector's; "api key: x", "pin = x" are not keys to it
    r"(?:[ \t]++(?:is|was)(?:[ \t]*+:)?[ \t]++|(?<=key|pin)[ \t]*+[=:][ \t]*+)"
    r"(?P<value>[^\s]{1,200}+)"
)
_PROSE_KIND = {"pin": "pin", "secret": "secret", "token": "token"}
_PROSE_STRIP_END = ".,;:!?)]}\"'`>"
_PROSE_STRIP_START = "\"'`(<"
# Words that follow "the password is" in ordinary prose; most fail the shape test anyway, this list
# catches the ones that pass it (capitalised, hyphenated).
_PROSE_COMMON_WORDS = _word_set(
    """stored required missing expired invalid incorrect correct wrong valid revoked rotated set
    unset empty hidden masked unknown needed optional mandatory configured available changed
    encrypted hashed generated provided supplied included attached defined saved kept located
    case-sensitive write-only read-only short-lived long-lived single-use one-time"""
)


def _looks_like_secret(value: str, kind: str) -> bool:
    if kind == "pin":
        return value.isdigit() and 4 <= len(value) <= 12
    if len(value) < 6 or "://" in value or _is_placeholder(value):
        return False
    if value.lower() in _PROSE_COMMON_WORDS:
        return False
    return (
        any(c.isdigit() for c in value)
        or (any(c.isupper() for c in value[1:]) and any(c.islower() for c in value))  # not "Stored"
        or any(not c.isalnum() and c not in "-'\u2019" for c in value)  # "well-formed" is a word
    )


_PROSE_ROOTS = ("pass", "secret", "token", "key", "pin")
_KEY_QUALIFIERS = ("api ", "api_", "api-", "api", "access ", "access_", "access-", "access")


def _prose_matches(lowered: str) -> Iterator[re.Match[str]]:
    """_PROSE_RE tried only where a root word starts (str.find is far cheaper than letting the
    regex try every position that starts with a p, s, t or a)."""
    for root in _PROSE_ROOTS:
        at = lowered.find(root)
        while at != -1:
            start = at
            after = at + len(root)
            if root != "pass" and (after >= len(lowered) or lowered[after] not in " \t=:"):
                start = -1  # "test_token_refresh", "KeyError": the cheap test first
            elif root == "key":
                qualifier = next((q for q in _KEY_QUALIFIERS if lowered.endswith(q, 0, at)), None)
                start = -1 if qualifier is None else at - len(qualifier)
            if start != -1 and (start == 0 or not lowered[start - 1].isalnum()):  # not "mypassword", "spin"
                match = _PROSE_RE.match(lowered, start)
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
            while value_end > value_start and text[value_end - 1] in _PROSE_STRIP_END:
                value_end -= 1
            while value_start < value_end and text[value_start] in _PROSE_STRIP_START:
                value_start += 1
        word = match.group("word")
        kind = _PROSE_KIND.get(word, "api-key" if word.startswith("api") else "password")
        if word.startswith("access"):
            kind = "secret"
        if value_start < value_end and _looks_like_secret(text[value_start:value_end], kind):
            yield value_start, value_end, _PRIO_CONTEXT, kind


_ESCAPE_RE = re.compile(r"\\[nrt\"'\\]")


def _clip_markers(raw: list[tuple[int, int, int, str]], text: str) -> list[tuple[int, int, int, str]]:
    """Remove existing markers from the findings, so redacting twice changes nothing."""
    if MARKER_PREFIX not in text:
        return raw
    markers = [m.span() for m in _MARKER_RE.finditer(text)]
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
            leftover = _ESCAPE_RE.sub("", text[p_start:p_end])  # a \\n next to a marker is no secret
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
    lowered = text.translate(_ASCII_LOWER)  # same length as text, so offsets agree
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
