"""What a secret looks like: the judgement half of nevo.redact.

Two questions, answered here once for every detector:
- `key_kind(key)`: does this key, variable, flag or header name a secret? Its head noun decides
  (``db_password``, ``clientSecret``, ``x-api-key``, ``_authToken``), not a substring: names that
  say something *about* a secret (``password_file``, ``token_type``, ``max_tokens``,
  ``HAVE_STRUCT_PASSWD_PW_GECOS``) are not secrets.
- `value_class(value)`: what kind of value is this? A placeholder (``<token>``, ``${{ secrets.X }}``,
  ``$TOKEN``, ``xxxx``, ``your_api_key_here``), a reference or expression (``nextchar``,
  ``tokens[i]``, ``getpass()``, ``os.environ["API_KEY"]``), a word, a number, a path, a URL, a
  sentence, or a literal that looks like a password or a random token.

A detector then asks for the class its context needs: a value after ``--password`` or in URL
userinfo need only look like a password; a value next to the word "token" in code or config must
look random (length, mixed character classes, entropy). Token shapes live in nevo.redact_shapes,
the detectors in nevo.redact_context.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from enum import IntEnum

MARKER_PREFIX = "[REDACTED:"
MAX_VALUE = 1024  # a value is read this far at most: every scan stays linear on hostile input
PROSE_END = ".,;:!?)]}\"'`>"  # what ends a value written in prose ("the password is hunter2.")
MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]{1,40}\]")


class Value(IntEnum):
    """Value classes, ordered: the higher, the more it looks like a secret."""

    PLACEHOLDER = 0  # empty, <token>, $VAR, ${{ secrets.X }}, xxxx, ****, your_key_here, TOKEN
    REFERENCE = 1  # nextchar, self.token, tokens[i], getpass(), os.environ["X"], a + b
    PATH = 2  # /run/secrets/db, ~/.ssh/id_rsa, token.txt
    URL = 3
    SENTENCE = 4  # has blanks: "the one from vault"
    NUMBER = 5  # 1234, 0, 3.5
    WORD = 6  # tiger, secret, AuthTypes, same-origin, max_tokens: identifiers and words
    PASSWORD = 7  # hunter2, Tr0ub4dor&3, p@ssw0rd: short or low-entropy, but not a word
    RANDOM = 8  # long, mixed classes, high entropy: tokens, keys, hashes in a credential slot


_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(name)]


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ---------------------------------------------------------------------------------------------
# Keys

# Trailing words that describe the encoding of the secret they follow: DB_PASSWORD_B64, token_value.
_VALUE_SUFFIXES = word_set("value val str string plain plaintext raw b64 base64 hex bytes data text literal clear base")
# Head nouns that name a secret.
_PASSWORD_NOUNS = word_set("password passwd pwd pw passphrase passcode passwort motdepasse")
# One-word names of a password (redis.conf, keytool, mysql dumps): "bypass" and "compass" are not.
_PASS_COMPOUNDS = word_set(
    """requirepass masterauth storepass keypass srcstorepass deststorepass srckeypass destkeypass
    dbpass rootpass adminpass userpass mailpass smtppass ftppass"""
)
_TOKEN_NOUNS = word_set("token authtoken accesstoken refreshtoken apitoken bearer")
_SECRET_NOUNS = word_set("secret secrets credential credentials creds")
_AUTH_NOUNS = word_set("auth authorization")
# "<qualifier> key" is a secret key; a bare "key" (dict keys, sort keys, primary keys) is not.
_KEY_QUALIFIERS = word_set(
    """api access secret private signing account master encryption decryption client app auth
    license subscription shared consumer admin service storage write session webhook hmac jwt
    cookie sas sendgrid stripe mailgun"""
)
# A token that is not a credential: pagination cursors, lexer tokens, cancellation tokens.
_TOKEN_NOT_SECRET = word_set(
    """next page continuation pagination cancel cancellation csrf xsrf sync lexer parser current
    prev previous last first start end eof bos eos pad unk mask sep cls special max min num total
    input output prompt completion cached reasoning"""
)
# First words that make the name a predicate or an action: is_password, has_token, did_pass.
_PREDICATE_FIRST = word_set(
    """is has have had did do does can should must use uses using need needs show hide ask skip
    no not allow enable disable check validate verify require requires forgot reset change
    generate gen create parse read load save store write fetch get set with without missing
    invalid valid bad wrong num count total max min"""
)
_NON_SECRET_TAIL = word_set(
    """file files path paths dir directory folder name names type types count len length size url
    urls uri endpoint expiry expires expiration exp ttl env var vars field prompt policy hint
    required enabled enable disabled mode format stdin helper command cmd method methods scheme
    provider plugin source store manager rotation timeout version prefix suffix pattern regex
    level index usage budget reset changed age strength label description desc algorithm algo
    kind flag option options ref refs server host port user username login email domain realm
    backend module class handler middleware controller route view state status error errors
    result response request message msg callback redirect scope scopes audience issuer region
    bucket table test tests spec mock fixture id ids arn hash hashed digest salt hasher policy
    lifetime validity expire created updated used limit lock holder list map set info meta
    config conf cfg settings opts props params args header headers cache id_token"""
)


@functools.lru_cache(maxsize=8192)  # keys repeat a lot (every JSON payload has the same ones)
def key_kind(key: str, *, is_flag: bool = False) -> str | None:
    """The marker kind for a value held by `key`, or None when the key does not name a secret."""
    words = _words(key)
    while len(words) > 1 and (words[-1].isdigit() or words[-1] in _VALUE_SUFFIXES):
        words.pop()
    if len(words) > 1 and words[0] == "x" and key[:2].lower() == "x-":
        words.pop(0)  # an HTTP header: X-Api-Key, X-Basic-Auth
    if not words or (len(words) > 1 and words[0] in _PREDICATE_FIRST):
        return None
    head = words[-1]
    prev = words[-2] if len(words) > 1 else ""
    if head == "id":  # the id of a private key (service accounts) or a Vault AppRole secret_id
        if prev == "key" and len(words) > 2 and words[-3] == "private":
            return "private-key-id"
        return "secret" if prev == "secret" else None
    if head in _NON_SECRET_TAIL:
        return None
    if head in _PASSWORD_NOUNS or head.startswith("passw") or head.endswith(("password", "passwd")):
        return "password"
    if head == "pass" and (prev or is_flag):  # DB_PASS, --pass; not "PASS: test_x"
        return "password"
    if head in _PASS_COMPOUNDS:
        return "password"
    if head == "ident" and prev == "auth":  # npmAuthIdent: "user:password" (yarn)
        return "auth"
    if head in _SECRET_NOUNS:
        return "aws-secret-access-key" if "aws" in words and "access" in words else "secret"
    if head in _TOKEN_NOUNS or (head.endswith("token") and len(head) > 5):
        return None if prev in _TOKEN_NOT_SECRET else "token"
    if head == "apikey" or (head == "key" and prev in _KEY_QUALIFIERS):
        if prev == "secret" or "secret" in words:
            return "aws-secret-access-key" if "aws" in words else "secret"
        return "api-key" if prev in ("api", "apikey") else "secret"
    if head in ("privatekey", "accesskey", "secretkey", "clientsecret"):
        return "secret"
    if head in _AUTH_NOUNS and len(words) <= 2:
        return "auth"
    return None


# ---------------------------------------------------------------------------------------------
# Values

_PLACEHOLDER_WORDS = word_set(
    """null none nil true false undefined str string bytes int bool optional any secretstr
    required redacted hidden masked await new this self lambda function yes no on off empty
    n/a na tbd todo fixme unset missing prompt stdin env"""
)
# Parts of a value that say it is an example, not a value: your_api_key_here, changeme, <token>.
_PLACEHOLDER_PARTS = re.compile(
    r"(?i)your|example|placeholder|change[_\-.]?me|changeit|dummy|sample|redacted|insert|replace"
    r"|xxxx|\*\*\*|\.\.\.|•|<[^>]*>|_here\b|-here\b|\bhere_|\{\{|\}\}|%\(|%s\b|%v\b|%d\b"
)
_PLACEHOLDER_RE = re.compile(
    r"""[xX*#.•-]+|[0-9]{1,3}
    |\$[A-Za-z_][A-Za-z0-9_]*|\$\{.*|\$\(.*|%[A-Za-z_][A-Za-z0-9_]*%?|@[A-Za-z_]+@
    |[\[<({].*|\\<.*|[^<]*>              # [string], <token>, (optional), {name}, \<secret\>, password>
    |[A-Z]+(?:[_-][A-Z]+)*[0-9]?  # TOKEN, API_KEY, CLIENT-SECRET: a metavar
    """,
    re.VERBOSE,
)
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# Reference syntax: attribute chains, calls and subscripts (closed), pointers, interpolation,
# flags, assignments. A secret has none of these forms.
# Reference syntax: attribute chains, calls and subscripts, pointers, interpolation, flags,
# attributes. A secret has none of these forms (a random value may contain the characters: it is
# judged random first, unless its parts are all words).
_REFERENCE_RE = re.compile(
    rf"""[!&*\\]*{_IDENT}(?:(?:\.|::|->|\?\.){_IDENT})+[!?]?[({{\[,:;]*  # a.b.c, a::b, x->y, &x.y{{
    |[!&*\\]*{_IDENT}[(\[{{].*                                    # f(, x[i], int(yyTok2[c]), &T{{
    |[*&\\]+[&*]*{_IDENT}                                         # *p, **result, &x, \&sub
    |--?[A-Za-z][A-Za-z0-9_\-]*(?:=.*)?                           # a flag, not a value
    |[^$]*\$\{{?[A-Za-z_].*                                       # "/$file_pwd", "${{a}}b"
    |[A-Za-z_\-]+=(?:["'].*)?                                     # class=, name="x": an attribute
    |\{{.*\}}|<.*>|`.*`                                           # templates, tags, code
    """,
    re.VERBOSE,
)
_CALL_RE = re.compile(rf"{_IDENT}[(\[]")  # a call or subscript inside: %repeat[255, Curl_x(creds
_OPTION_SPEC_RE = re.compile(r"[A-Za-z_\-]+=[^,=]*(?:,[A-Za-z_\-]+=[^,=]*)+")  # source=a,target=b,mode=0400
_CODE_PARTS_RE = re.compile(r"::|->|\?\.|[.()\[\],]")
_PATH_RE = re.compile(
    r"(?:~|\.{1,2})?/[\w.\-/@+]*|[A-Za-z]:\\.*|[\w.\-]+\.(?:pem|key|crt|json|txt|env|ya?ml|toml|ini|cfg|conf|gpg|asc|p12|pfx|jks)"
)
_NUMBER_RE = re.compile(r"[-+]?[0-9][0-9_.,:]*")
_WORDISH_RE = re.compile(r"_*[A-Za-z][A-Za-z_.\-]*")
_EMAIL_RE = re.compile(r"[A-Za-z._+\-]+@[A-Za-z\-]+(?:\.[A-Za-z\-]+)*")
_HOSTNAME_RE = re.compile(r"(?:[a-z0-9\-]{1,63}\.){2,}[a-z]{2,12}")
_PERCENT_RE = re.compile(r"%[2-9A-Fa-f][0-9A-Fa-f]")  # not %00-%1F: a control character is no word
_ALNUM_RE = re.compile(r"[A-Za-z0-9_\-]+")
_TRAILING = ",;"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _pieces(value: str) -> list[str]:
    return [p for p in _WORD_RE.findall(value) if not p.isdigit()]


def _case_flip_ratio(value: str) -> float:
    pairs = flips = 0
    for a, b in itertools.pairwise(value):
        if a.isalpha() and b.isalpha():
            pairs += 1
            flips += a.isupper() != b.isupper()
    return flips / pairs if pairs else 0.0


def _is_wordlike(value: str) -> bool:
    """An identifier or a few words: snake_case, kebab-case, camelCase, PascalCase, dotted names."""
    return _WORDISH_RE.fullmatch(value) is not None and not _random_letters(value)


def _random_letters(value: str) -> bool:
    """Random letters (and digits, and symbols between them): split at case changes they fall into
    many pieces of one or two letters, and the case flips often. camelCase words are longer pieces."""
    if not _ALNUM_RE.fullmatch(value):
        value = "".join(c for c in value if c.isalnum())
    if len(value) < 16:
        return False
    pieces = _pieces(value)
    return bool(pieces) and sum(len(p) for p in pieces) / len(pieces) < 3.0 and _case_flip_ratio(value) >= 0.3


MAX_CLASSIFIED = 1024  # a longer value is judged by its start: tokens are uniform, and work stays linear


def value_class(value: str) -> Value:
    """The class of a candidate secret value (already cut out of its quotes)."""
    return _value_class(value[:MAX_CLASSIFIED])


def is_passphrase(value: str) -> bool:
    """A quoted password made of a few words: "correct horse battery staple", 'S3cr3t pass'."""
    words = value.split()
    return 2 <= len(words) <= 5 and len(value) >= 8 and not _PLACEHOLDER_PARTS.search(value)


@functools.lru_cache(maxsize=8192)
def _value_class(value: str) -> Value:
    value = value.strip().rstrip(_TRAILING)
    if "%" in value and _PERCENT_RE.search(value):  # judged decoded: pass%20word, %F0%9F%92%A9
        value = _PERCENT_RE.sub(lambda m: chr(int(m.group()[1:], 16)), value)
    if value[:1] in "*_~" and value.strip("*_~") and _WORDISH_RE.fullmatch(value.strip("*_~")):
        return Value.WORD  # **removed**, *strongly*: markdown emphasis
    if not value or value.startswith(MARKER_PREFIX) or value.lower() in _PLACEHOLDER_WORDS:
        return Value.PLACEHOLDER
    if _PLACEHOLDER_RE.fullmatch(value) or _PLACEHOLDER_PARTS.search(value):
        return Value.PLACEHOLDER
    if any(c.isspace() for c in value):
        return Value.SENTENCE
    if "://" in value:
        return Value.URL
    if (_PATH_RE.fullmatch(value) or "/" in value) and _path_is_plain(value):
        return Value.PATH
    if _NUMBER_RE.fullmatch(value):
        return Value.PASSWORD if value.isdigit() and len(value) >= 8 else Value.NUMBER
    if _is_wordlike(value) or _EMAIL_RE.fullmatch(value) or _HOSTNAME_RE.fullmatch(value):
        return Value.WORD
    if _OPTION_SPEC_RE.fullmatch(value):
        return Value.REFERENCE
    if _looks_random(value) and not _is_code(value):
        return Value.RANDOM
    if _REFERENCE_RE.fullmatch(value) or _is_code(value) or _CALL_RE.search(value):
        return Value.REFERENCE
    if len(value) >= 6 and _has_password_mix(value):
        return Value.PASSWORD
    return Value.WORD


def _is_code(value: str) -> bool:
    """Parts of code: names joined by . :: -> ( ) [ ] , (identity.DefaultAzureCredential())."""
    parts = [p for p in _CODE_PARTS_RE.split(value) if p]
    return len(parts) > 1 and all(_is_wordlike(p) or p.isdigit() for p in parts)


def url_value_class(value: str) -> Value:
    """The class of a URL's password, judged once percent-decoded. The userinfo syntax says it is a
    password: anything but a placeholder, word, number or sentence counts."""
    if "%" in value:
        value = _PERCENT_RE.sub(lambda m: chr(int(m.group()[1:], 16)), value)
    found = value_class(value)
    if found == Value.REFERENCE and len(value) >= 6 and _has_password_mix(value):
        return Value.PASSWORD
    return found


def _path_is_plain(value: str) -> bool:
    """A path of names and numbers (xxx/19700101/us-east-1/s3/aws4_request, ~/.ssh/id_rsa), not
    base64 (an AWS secret has slashes too, and flips case every other letter)."""
    return _case_flip_ratio(value) < 0.2


def _has_password_mix(value: str) -> bool:
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    letters_only = "".join(c for c in value if c.isalnum())
    has_symbol = any(not c.isalnum() and c not in "_-." for c in value) and not (
        letters_only.isalpha() and _is_wordlike(letters_only)  # +LOGIN, pass+word, apples@oranges
    )
    inner_upper = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return (has_digit and has_alpha) or has_symbol or (inner_upper and not _is_wordlike(letters_only))


_COMPOUND_PASSWORD_RE = re.compile(r"[A-Z][a-z]{2,}+(?:[A-Z][a-z]{2,}+)++[!#@$%^&*+=~]{1,3}+")


def is_compound_password(value: str) -> bool:
    """Two or more capitalised words and a symbol or two at the end (KestrelFalcon!, MapleOrion#):
    the way people build a password from words. Alone it could be a type (UITextField! in Swift),
    so only a literal in a secret's slot (quoted, after "=", after a flag) counts."""
    return _COMPOUND_PASSWORD_RE.fullmatch(value) is not None


_DOTTED_RE = re.compile(r"[^.\s()\[\]{}<>$`'\"]++(?:\.[^.\s()\[\]{}<>$`'\"]++)++")


def literal_value_class(value: str, quote: str) -> Value:
    """`value_class` of a value known to be a literal: quoted (`quote` is its quote), or the value
    of a shell or .env assignment (`quote` is ""). In single quotes $ is a character, not a
    reference ('I$UOjCBhl5M&rVk'; '${VAR}' and '$(cmd)' stay placeholders). A dotted value whose
    parts are not all names is no attribute chain but a password with dots (_AiO.kPmfqB6.C);
    config.db_password stays a reference."""
    if quote == "'" and "$" in value and "${" not in value and "$(" not in value:
        value = value.replace("$", "#")
    found = value_class(value)
    if found == Value.REFERENCE and _DOTTED_RE.fullmatch(value) and not _is_code(value) and _has_password_mix(value):
        return Value.PASSWORD
    return found


def _looks_random(value: str) -> bool:
    """Long, several character classes, high entropy, and broken into many short runs: letters and
    digits alternate (hex, base64), or the case flips every few letters (random letters).
    Identifiers are a few long words."""
    n = len(value)
    if n < 12:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    if classes < 2 or entropy(value) < (3.0 if n < 20 else 3.3):
        return False
    digits = [c.isdigit() for c in value if c.isalnum()]  # symbols ignored: test_v2_x has 2 transitions
    transitions = sum(1 for a, b in itertools.pairwise(digits) if a != b)
    return transitions >= 4 or _random_letters(value)


def is_hex(value: str) -> bool:
    return all(c in "0123456789abcdef" for c in value)


def is_secret_value(value: str, need: Value) -> bool:
    """Whether `value` is at least of class `need` (PASSWORD or RANDOM) and so is redacted."""
    return value_class(value) >= need


# ---------------------------------------------------------------------------------------------
# Where a value ends

SCHEME_RE = re.compile(r"(?i)(?:bearer|basic|token|digest|bot|jwt|negotiate|ntlm|apikey|sso-key)[ \t]++(?=[^\s\"'])")
NON_SPACE_RE = re.compile(r"\S*+")
# A word of a shell command line: ends at a blank, a quote, ; | or a backslash escape (\n in JSON).
SHELL_WORD_RE = re.compile(r"(?:[^\s\"'`\\;|]|\\(?![nrt\"'\\]))*+")
CONNECTION_VALUE_RE = re.compile(r"[^;\"'\r\n\\]*+")  # Password=...; in a connection string
_BARE_RE = re.compile(r"(?:[^\s\"'`,;)}\]<>|&\\]|\\(?![nrt\"'\\]))*+")
_DOUBLE_QUOTED_RE = re.compile(r'(?:[^"\\\r\n]|\\.)*+')
_SINGLE_QUOTED_RE = re.compile(r"[^'\r\n]*+")
_ESCAPED_QUOTED_RE = re.compile(r"(?:[^\\\r\n]|\\[^\"'])*+")  # inside \"...\" (JSON in JSON)
LINE_RE = re.compile(r"[^\r\n]*+")
ESCAPED_LINE_RE = re.compile(r"(?:[^\r\n\\\"]|\\(?![nr\"]))*+")  # a line inside a JSON string


def value_span(text: str, pos: int, end: int | None, limit: int | None = None) -> tuple[int, int, bool] | None:
    """The value that starts at `pos`: (start, end, quoted), or None when there is none. A quoted
    value runs to its closing quote; an unquoted one to `end` (.env, YAML: the rest of the line,
    less a trailing comment) or, without `end`, to the first delimiter. Nothing is read past
    `limit`. A leading auth scheme (Bearer, Basic, token) is skipped."""
    limit = len(text) if limit is None else min(limit, len(text))
    if pos >= limit:
        return None
    scheme = SCHEME_RE.match(text, pos, limit)
    if scheme is not None:
        pos = scheme.end()
    if pos >= limit:
        return None
    first = text[pos]
    quoted = True
    if first in "\"'`":
        body = (_SINGLE_QUOTED_RE if first == "'" else _DOUBLE_QUOTED_RE).match(text, pos + 1, limit)
        start, stop = pos + 1, body.end() if body else pos + 1
        if first == "`":
            closing = text.find("`", start, stop)
            stop = closing if closing != -1 else stop
        scheme = SCHEME_RE.match(text, start, stop)  # "Authorization": "Bearer ..."
        if scheme is not None:
            start = scheme.end()
    elif first == "\\" and text.startswith(('\\"', "\\'"), pos):
        body = _ESCAPED_QUOTED_RE.match(text, pos + 2, limit)
        start, stop = pos + 2, body.end() if body else pos + 2
    elif end is None:
        quoted = False
        body = _BARE_RE.match(text, pos, limit)
        start, stop = pos, body.end() if body else pos
    else:
        quoted = False
        start, stop = pos, min(end, limit)
        comment = text.find(" #", start, stop)
        if comment != -1:
            stop = comment
        while stop > start and text[stop - 1].isspace():
            stop -= 1
    if start >= stop:
        return None
    return start, stop, quoted
