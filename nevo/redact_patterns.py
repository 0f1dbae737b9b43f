"""The tables behind nevo.redact: which key names hold secrets, what a value looks like, token shapes.

- key names: the roots searched for (KEYWORD_ROOTS), the regexes that read ``key = value``,
  ``--flag value``, .netrc and command-line passwords, and key_kind(), which judges a whole key name;
- values: value_span() (where a value ends, and whether it is only a placeholder such as ``$VAR``,
  ``<token>``, ``***``) and looks_like_secret() for values found in prose;
- token shapes: TOKEN_SHAPES, one regex per family that is secret wherever it appears (``ghp_...``,
  ``AKIA...``, JWTs, ...), plus the URL-userinfo and PEM private-key regexes;
- the marker format and the priorities used when overlapping findings merge.

Every regex here is written to scan in linear time (see nevo.redact's docstring); nevo.redact holds
the detectors that run them and the public API.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

MARKER_PREFIX = "[REDACTED:"

# ---------------------------------------------------------------------------------------------
# Context: which key names hold secrets, and where the value after the separator ends.

# Roots searched for in the lowercased text; key_kind() then decides on the whole key name.
KEYWORD_ROOTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")
# Matched at each root occurrence (found with str.find), ends after the separator;
# the key's start is found backwards in Python. `key` ends where the key name ends.
ASSIGNMENT_RE = re.compile(
    r"(?:pass|pwd|secret|token|key|auth|credential)[a-z0-9_.\-]{0,60}+(?P<key>)"
    r"\\?[\"']?[ \t]*(?P<sep>=>|:=|=(?![=~])|:(?!:|//))[ \t]*"
)
KEY_RUN_RE = re.compile(r"[a-z0-9_.\-]*+")
KEY_RUN_REVERSED_RE = re.compile(r"[a-z0-9_.\-]{0,60}")
# What may stand between the start of a line and a key: "export ", "- ", "> " (curl -v), a quote.
LINE_PREFIX_REVERSED_RE = re.compile(r"[\"']?\\?[ \t]*(?:(?:tropxe|tes)[ \t]+|[\-<>*][ \t]*)?")
# After a root: the rest of a --flag name, then blanks, then a value that is not another flag.
FLAG_TAIL_RE = re.compile(
    r"(?:pass|pwd|secret|token|key|auth|credential)[a-z0-9_\-]{0,40}+(?P<key>)[ \t]++(?=[^\s\-])"
)
# .netrc: "password p" alone on a line, or after "machine h" / "login u" on the same line.
NETRC_ALONE_RE = re.compile(r"^[ \t]*+passw(?:ord|d)[ \t]++(?P<value>[^\s]++)[ \t\r]*+$", re.MULTILINE)
NETRC_INLINE_RE = re.compile(
    r"(?:machine|login)[ \t]++[^\s]++[ \t]++passw(?:ord|d)[ \t]++(?P<value>[^\s]++)"
)
# curl -u user:password, --user user:password (the user is kept)
USER_PASSWORD_FLAG_RE = re.compile(r"[ \t](?:-u|--user)[ \t]++['\"]?[^\s:'\"]++:([^\s'\"]++)")
PASSWORD_FLAG_RE = re.compile(r"[ \t](?:-p|--password)[ \t]++(?=[^\s\-])")
REDIS_AUTH_FLAG_RE = re.compile(r"[ \t](?:-a|--pass)[ \t]++([^\s'\"\-][^\s'\"]*+)")  # redis-cli -a SECRET


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
NON_SPACE_RE = re.compile(r"\S*+")
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


MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]{1,40}\]")
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
MAX_KEY_LEN = 80

# Priorities when two findings overlap: the merged span takes the kind of the most specific one.
PRIO_TOKEN = 0
PRIO_URL = 1
PRIO_CONTEXT = 2


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
    _family("huggingface-token", r"hf_(?<!NOT_AFTERhf_)[A-Za-z0-9]{30,}+(?![A-Za-z0-9_])", needs_mixed_chars=True),
    # A Cookie / Set-Cookie header carries session ids: its whole value goes (attributes included: harmless).
    _family("cookie", r"ookie:(?<=[Cc]ookie:)[ \t]*+([^\r\n\"\\]{8,}+)", 1),
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

URL_USERINFO_RE = re.compile(
    r"://(?<=[A-Za-z0-9]://)"  # after a scheme; user has no : / @, password no @ /
    r"[^:/?#@\s\"'<>\\]{0,256}+:([^@/\s\"'<>\\]{1,256}+)@"
)
PEM_BEGIN_RE = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}?PRIVATE KEY(?: BLOCK)?-----")
PEM_END_LITERAL = "-----END "
PEM_MAX_BODY = 64 * 1024
# An unterminated key (truncated output) is redacted as far as its base64 body goes.
PEM_BODY_RE = re.compile(r"(?:(?:Proc-Type|DEK-Info|Comment):[^\n\\]*+|[A-Za-z0-9+/=\s]|\\[nr])*+")
MYSQL_PASSWORD_RE = re.compile(r"[ \t]-p('[^'\n]*+'|\"[^\"\n]*+\"|[^\s'\"]++)")


def has_mixed_chars(value: str) -> bool:
    return (
        any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
    )


LINE_RE = re.compile(r"[^\r\n]*+")
ESCAPED_LINE_RE = re.compile(r"(?:[^\r\n\\\"]|\\(?![nr\"]))*+")  # a line inside a JSON string


# Prose: "the staging password is hunter2hunter2", "the API key for prod was Xy7...", "PIN: 4821".
# Run on the lowered text; the value is the next run of non-blanks. Only a value that looks like a
# secret is redacted, so "the password is stored in vault" and "the token is expired" stay as written.
PROSE_RE = re.compile(
    r"(?P<word>passw(?:ord|d)|passphrase|passcode|secret|token|api[ _-]?key|access[ _-]?key|pin)"
    r"(?:[ \t]++(?:for|of|on|in)[ \t]++(?:the[ \t]++)?[a-z0-9_.\-]{1,30}+)?"
    # "password: x", "token = x" are the context detector's; "api key: x", "pin = x" are not keys to it
    r"(?:[ \t]++(?:is|was)(?:[ \t]*+:)?[ \t]++|(?<=key|pin)[ \t]*+[=:][ \t]*+)"
    r"(?P<value>[^\s]{1,200}+)"
)
PROSE_KIND = {"pin": "pin", "secret": "secret", "token": "token"}
PROSE_STRIP_END = ".,;:!?)]}\"'`>"
PROSE_STRIP_START = "\"'`(<"
# Words that follow "the password is" in ordinary prose; most fail the shape test anyway, this list
# catches the ones that pass it (capitalised, hyphenated).
_PROSE_COMMON_WORDS = _word_set(
    """stored required missing expired invalid incorrect correct wrong valid revoked rotated set
    unset empty hidden masked unknown needed optional mandatory configured available changed
    encrypted hashed generated provided supplied included attached defined saved kept located
    case-sensitive write-only read-only short-lived long-lived single-use one-time"""
)


def looks_like_secret(value: str, kind: str) -> bool:
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


PROSE_ROOTS = ("pass", "secret", "token", "key", "pin")
KEY_QUALIFIERS = ("api ", "api_", "api-", "api", "access ", "access_", "access-", "access")


ESCAPE_RE = re.compile(r"\\[nrt\"'\\]")
