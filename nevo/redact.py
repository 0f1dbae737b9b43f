"""Secret redaction: every string nevo persists or sends to an LLM passes through here first.

`redact(text)` replaces each secret *value* by a marker such as ``[REDACTED:github-token]`` and
keeps its surroundings (the key, the user and host of a URL, the auth scheme), so the text stays
useful to a human and to fingerprinting. Markers are never matched again, so redaction is
idempotent.

Two families of detectors:
- token shapes that are secret wherever they appear (``ghp_...``, ``AKIA...``, PEM private keys,
  JWTs, ...): a regex that starts with a literal, run only when that literal is in the text;
- context: a value assigned to a key whose name says it is secret (``DB_PASSWORD=...``,
  ``"api_key": "..."``, ``Authorization: Bearer ...``, ``--password x``, URL userinfo, .netrc).
  These regexes run on an ASCII-lowercased copy of the text (same length, so offsets agree), which
  is much faster than case-insensitive matching.

Performance: each regex is linear (possessive quantifiers, bounded key lengths, start-of-token
checks written as a lookbehind placed *after* the literal so the regex engine's fast literal
search still applies). See bench/bench_redact.py.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

MARKER_PREFIX = "[REDACTED:"

# ---------------------------------------------------------------------------------------------
# Context: which key names hold secrets, and where the value after the separator ends.

# Roots searched for in the lowercased text; key_kind() then decides on the whole key name.
_ROOTS = (
    r"(?:pass|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|account[_-]?key|auth|credential)"
)
KEYWORD_ROOTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")
_ASSIGNMENT_RE = re.compile(
    _ROOTS + r"[a-z0-9_.\-]{0,60}+(?P<key>)\\?[\"']?[ \t]*(?:=>|:=|=(?![=~])|:(?!:|//))[ \t]*"
)
# `(?P<esc>)` marks a line that starts after a literal \n: a JSON-encoded string.
_ENV_LINE_RE = re.compile(
    r"(?m)(?:^|(?P<esc>\\n))[ \t]*(?:export[ \t]+|set[ \t]+|-[ \t]+|[<>*][ \t]*)?\\?[\"']?"
    r"(?P<key>[a-z0-9_.\-]{0,40}?" + _ROOTS + r"[a-z0-9_.\-]{0,40}+)"
    r"\\?[\"']?[ \t]*(?:=|:(?!:|//))[ \t]*"
)
_FLAG_RE = re.compile(
    r"-(?<![a-z0-9_\-]-)-?(?P<key>[a-z0-9_\-]{0,40}?" + _ROOTS + r"[a-z0-9_\-]{0,40}+)[ \t]++(?=[^\s\-])"
)
_NETRC_RE = re.compile(r"passw(?<![a-z0-9_\-]passw)(?:ord|d)[ \t]++(?P<value>[^\s]++)")
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
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
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
    kind: str
    literals: tuple[str, ...]  # the regex runs only if one of these occurs in the text
    regex: re.Pattern[str]
    group: int = 0  # the part of the match that is secret
    needs_mixed_chars: bool = False  # reject matches without a digit, an upper and a lower case letter


def _prefixed(
    kind: str, prefix: str, body: str, group: int = 0, needs_mixed_chars: bool = False
) -> _TokenShape:
    """A token that starts with the literal `prefix` not glued to a longer word.

    The negative lookbehind sits *after* the literal so the regex engine keeps its fast literal
    search; and since no token can start inside the body of another, a run such as
    "eyJeyJeyJ..." is scanned once, not once per position (no quadratic time)."""
    literal = re.escape(prefix)
    pattern = f"{literal}(?<![A-Za-z0-9_\\-]{literal}){body}"
    return _TokenShape(kind, (prefix,), re.compile(pattern), group, needs_mixed_chars)


TOKEN_SHAPES: tuple[_TokenShape, ...] = (
    *(
        _prefixed("aws-access-key-id", p, r"[A-Z0-9]{16}(?![A-Za-z0-9])")
        for p in ("AKIA", "ASIA", "ABIA", "ACCA")
    ),
    _prefixed("gcp-api-key", "AIza", r"[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"),
    *(
        _prefixed("github-token", p, r"[A-Za-z0-9]{36,255}+")
        for p in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    ),
    _prefixed("github-token", "github_pat_", r"[A-Za-z0-9_]{22,255}+"),
    *(
        _prefixed("gitlab-token", p, r"[A-Za-z0-9_\-]{20,}+")
        for p in ("glpat-", "gldt-", "glrt-", "glptt-", "glsoat-", "glcbt-")
    ),
    *(_prefixed("slack-token", f"xox{c}-", r"[A-Za-z0-9\-]{10,}+") for c in "abposre"),
    _prefixed("slack-token", "xapp-", r"\d-[A-Za-z0-9\-]{10,}+"),
    _TokenShape(
        "slack-webhook",
        ("hooks.slack.com/",),
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+\-]{8,}+)"),
        group=1,
    ),
    _TokenShape(
        "discord-webhook",
        ("/api/webhooks/",),
        re.compile(r"/api/webhooks/(\d{5,}+/[A-Za-z0-9_\-]{20,}+)"),
        group=1,
    ),
    *(
        _prefixed("stripe-key", p, r"[A-Za-z0-9]{10,}+")
        for p in ("sk_live_", "rk_live_", "sk_test_", "rk_test_")
    ),
    _prefixed("stripe-key", "whsec_", r"[A-Za-z0-9]{20,}+"),
    _prefixed("anthropic-key", "sk-ant-", r"[A-Za-z0-9_\-]{20,}+"),
    _prefixed("openai-key", "sk-", r"(?!ant-)[A-Za-z0-9_\-]{20,}+", needs_mixed_chars=True),
    _prefixed("npm-token", "npm_", r"[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    _prefixed("pypi-token", "pypi-Ag", r"[A-Za-z0-9_\-]{40,}+"),
    _prefixed("sendgrid-key", "SG.", r"[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,50}(?![A-Za-z0-9_\-])"),
    *(_prefixed("twilio-key", p, r"[0-9a-f]{32}(?![0-9A-Za-z])") for p in ("SK", "AC")),
    _prefixed("google-oauth-token", "ya29.", r"[A-Za-z0-9_\-]{20,}+"),
    _prefixed("google-oauth-token", "1//0", r"[A-Za-z0-9_\-]{30,}+"),
    _prefixed("jwt", "eyJ", r"[A-Za-z0-9_\-]{8,}+\.eyJ[A-Za-z0-9_\-]{8,}+\.[A-Za-z0-9_\-]*+"),
    *(
        _TokenShape("azure-account-key", (f"{k}=",), re.compile(f"{k}=([^;\\s\"'<>]{{8,}}+)"), group=1)
        for k in ("AccountKey", "SharedAccessKey")
    ),
    _TokenShape("azure-sas-signature", ("sig=",), re.compile(r"[?&]sig=([^&\s\"'<>]{10,}+)"), group=1),
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
        if not any(literal in text for literal in shape.literals):
            continue
        for match in shape.regex.finditer(text):
            start, end = match.span(shape.group)
            if shape.needs_mixed_chars and not _has_mixed_chars(text[start:end]):
                continue
            yield start, end, _PRIO_TOKEN, shape.kind


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


def _key_start(text: str, pos: int) -> int:
    """Where the key that contains `pos` begins (keys are runs of letters, digits, _ . -)."""
    limit = max(0, pos - _MAX_KEY_LEN)
    while pos > limit and text[pos - 1] in _KEY_CHARS:
        pos -= 1
    return pos


def _context_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    if not any(root in lowered for root in KEYWORD_ROOTS):
        return
    # key = value / key: value anywhere (JSON, YAML, env, headers, query strings, kwargs)
    for match in _ASSIGNMENT_RE.finditer(lowered):
        key_start = _key_start(text, match.start())
        if key_start > 0 and text[key_start - 1] in "/\\":  # a file path such as src/auth.py:42:
            continue
        kind = key_kind(text[key_start : match.end("key")])
        if kind is None:
            continue
        found = value_span(text, match.end(), None)
        if found is not None:
            yield found[0], found[1], _PRIO_CONTEXT, kind
    # KEY=value at the start of a line: the value is the rest of the line (.env, env dumps, YAML)
    for match in _ENV_LINE_RE.finditer(lowered):
        kind = key_kind(text[match.start("key") : match.end("key")])
        if kind is None:
            continue
        found = value_span(text, match.end(), _line_end(text, match.end(), match.group("esc")))
        if found is not None:
            yield found[0], found[1], _PRIO_CONTEXT, kind
    # --password VALUE, -token VALUE
    for match in _FLAG_RE.finditer(lowered):
        kind = key_kind(text[match.start("key") : match.end("key")], is_flag=True)
        if kind is None:
            continue
        found = value_span(text, match.end(), None)
        if found is not None:
            yield found[0], found[1], _PRIO_CONTEXT, kind


def _line_end(text: str, pos: int, escaped: str | None) -> int:
    """End of the line that holds `pos`; inside a JSON string a line also ends at a \\n escape."""
    end = text.find("\n", pos)
    if end == -1:
        end = len(text)
    if escaped:
        for stop in ("\\n", "\\r", '\\"', '"'):
            found = text.find(stop, pos, end)
            if found != -1:
                end = found
    return end


def _netrc_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    if "passw" not in lowered:
        return
    for match in _NETRC_RE.finditer(lowered):
        start, end = match.span("value")
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = _line_end(text, end, None)
        before = lowered[line_start : match.start()]
        alone_on_line = not before.strip() and not text[end:line_end].strip()
        if (alone_on_line or "login " in before or "machine " in before) and value_span(text, start, end):
            yield start, end, _PRIO_CONTEXT, "password"


def _command_password_findings(text: str, lowered: str) -> Iterator[tuple[int, int, int, str]]:
    """`mysql -pSECRET`, `docker login -p SECRET`, `sshpass -p SECRET`: -p means password only there."""
    if "-p" not in text:
        return
    line_cache: dict[int, tuple[int, int, int]] = {}  # line start -> first mysql, first login/sshpass

    def context(pos: int) -> tuple[int, int, int]:
        line_start = text.rfind("\n", 0, pos) + 1
        if line_start not in line_cache:
            line_end = _line_end(text, pos, None)
            logins = [lowered.find(w, line_start, line_end) for w in (" login", "sshpass")]
            found = [p for p in logins if p != -1]
            line_cache.clear()  # one line at a time: keeps memory flat on huge inputs
            line_cache[line_start] = (
                line_start,
                lowered.find("mysql", line_start, line_end),
                min(found) if found else -1,
            )
        return line_cache[line_start]

    if "mysql" in lowered:
        for match in _MYSQL_PASSWORD_RE.finditer(text):
            _, mysql_at, _ = context(match.start())
            if mysql_at != -1 and mysql_at < match.start():
                found = value_span(text, match.start(1), None)
                if found is not None:
                    yield found[0], found[1], _PRIO_CONTEXT, "password"
    if " login" in lowered or "sshpass" in lowered:
        for match in _PASSWORD_FLAG_RE.finditer(text):
            _, _, login_at = context(match.start())
            if login_at != -1 and login_at < match.start():
                found = value_span(text, match.end(), None)
                if found is not None:
                    yield found[0], found[1], _PRIO_CONTEXT, "password"


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
            if any(c.isalnum() for c in text[p_start:p_end]):
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
