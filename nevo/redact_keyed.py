"""Secrets held by a name that says they are secret: a key, flag, header, config command or
sentence, followed by a value that looks like one.

Every occurrence of a root word (pass, pw, secret, token, key, auth, cred) is found with str.find
in an ASCII-lowercased copy of the text (same length, so offsets agree); the whole name around it
is read (``DB_PASSWORD``, ``--client-secret``, ``"x-api-key"``, ``secret key``) and what follows
it: a separator (``=``, ``:``, ``=>``), a blank (``--token x``, ``password x`` in .netrc, a config
command's ``key value``), or a few words of prose (``is``, ``was``, ``for the vpn:``).
nevo.redact_patterns then judges the name (`key_kind`) and the value (`value_class`).

How much the value must look like a secret depends on how sure the context is:
- a password, or a strong context (a --flag, an Authorization header with its scheme, a shell or
  .env assignment of an UPPER_CASE name, a connection-string pair, a config command): the value
  need only look like a password (not a word, number, path, reference or placeholder);
- anything else (code, JSON, YAML, prose next to "token" or "key"): it must look random.

Every scan is linear: searches resume after what they consumed, keys and qualifiers are bounded,
quantifiers are possessive (Python 3.11+), and dense input is judged once per recurring window.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nevo.redact_context import LineWords
from nevo.redact_forms import enclosing_key
from nevo.redact_patterns import (
    CONNECTION_VALUE_RE,
    ESCAPED_LINE_RE,
    LINE_RE,
    MAX_VALUE,
    PROSE_END,
    SCHEME_RE,
    SHELL_WORD_RE,
    Value,
    is_compound_password,
    is_passphrase,
    key_kind,
    literal_value_class,
    value_class,
    value_span,
)
from nevo.redact_patterns import (
    word_set as _word_set,
)

ROOTS = ("pass", "pw", "secret", "token", "key", "auth", "cred")
_AFTER_KEY = " \t=:>\"'\\.-?]→"  # ".-": the key run may end in them ("token." is trimmed back); ]: print_r
_NO_VALUE_AFTER = frozenset([":0", ":1", ":2", ":3", ":4", ":5", ":6", ":7", ":8", ":9", "::", "=="])
_ESCAPED_QUOTES = frozenset(['\\"', "\\'"])
MAX_KEY_LEN = 80
_SKIP_REJECTED = 64  # a rejected value longer than this is not read again for keys inside it
_LINE_START_BACK = 200  # blanks, quotes and dashes before a key are read this far back at most
_KEY_RUN_RE = re.compile(r"[a-z0-9_.\-]{0,80}+")
_KEY_RUN_REVERSED_RE = re.compile(r"[a-z0-9_.\-]{0,80}")
_PREV_WORD_REVERSED_RE = re.compile(r" ([a-z]{2,20}+)(?![a-z0-9_])")  # "secret key", "db pass" (reversed)
# After a name: an optional qualifier ("for the vpn", "(test mode)"), then the link to the value.
_TAIL_RE = re.compile(
    r"""(?P<close>\\?["'])?
    (?P<qual>[ \t]++(?:for|of|on|in|at|from)[ \t]++(?:(?:the|our|my|a|an|this)[ \t]++)?
        [a-z0-9_.\-]{1,30}+(?:[ \t]++(?!(?:is|was|are|were|to|now)(?![a-z]))[a-z]{1,20}+)?)?
    (?:[ \t]*+\([^)\r\n]{1,40}+\))?
    (?P<link>
        [ \t]*+(?P<sep>=>|:=|\?=|=(?!=|~[ \t/])|:(?![:/])|→|(?<=[ \t])->(?=[ \t]))[ \t]*+
      | (?P<php>\][ \t]*+=>[ \t\r\n]{0,16}+(?:string\([0-9]{1,9}+\)[ \t]*+)?)  # var_dump, print_r
      | [ \t]++value[ \t]*+=[ \t]*+                           # <add key="Password" value="...">
      | (?:[ \t]++[\w:\-]{1,40}+=(?:"[^"\r\n]{0,80}+"|'[^'\r\n]{0,80}+'))*+>  # <password>, <Pass encoding="base64">
      | [ \t]++(?P<verb>(?:is|was|are|were)(?:[ \t]++now)?(?:[ \t]*+:)?
                      |(?:(?:set|changed|rotated|updated)[ \t]++)?to|now)[ \t]++
      | (?P<blank>[ \t]++)
    )""",
    re.VERBOSE,
)
# "to pass", "the token", "each pass": English words that do not qualify the noun after them.
_SECRET_QUALIFIERS = _word_set("shared client app api webhook signing master root admin session jwt hmac encryption")
_FUNCTION_WORDS = _word_set(
    """a an the this that these those to of for in on at by with from into onto and or but not no you
    we i it he she they your my our its their his her will would can could must should may might
    shall do does did is are was were be been being has have had then than also just only please
    first second third last next each every one all any some another single same other new old
    valid invalid wrong bad good correct empty missing"""
)
_NEXT_WORD_RE = re.compile(r"[ _\-]([a-z]{2,12}+)(?![a-z0-9])")
# Words after a secret noun that make the phrase name something else: "password file", "token type".
_NAMES_ABOUT = _word_set(
    """file path type id name length size count policy expiry expiration manager store hash field url
    endpoint"""
)
PROSE_WORD_RE = re.compile(r"(?:[^\s\"'`\\]|\\(?![nrt\"'\\]))*+")  # a word of prose, also inside a JSON string
_CONFIG_VERBS = ("config", "configure", "secrets set", "secret set")
_UPPER_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]*+")


def _key_bounds(text: str, lowered: str, reversed_lowered: str, root_at: int, end: int) -> tuple[int, int]:
    """The name around a root: its run of key characters back from the root, to `end`."""
    back = len(text) - root_at
    run = _KEY_RUN_REVERSED_RE.match(reversed_lowered, back)
    start = root_at - (run.end() - back if run else 0)
    if start > 0 and text[start - 1] == "\\" and text[start] in "nrt":
        start += 1  # "\\nDB_PASSWORD=": the n belongs to the escape, not to the key
    while end > start and text[end - 1] in ".-":  # "the password." / "token-"
        end -= 1
    return start, end


def _starts_line(text: str, key_start: int) -> str | None:
    """ "line" when the key starts a line (after blanks, a quote, a list dash, export or set),
    "escaped" when it starts a line inside a JSON string (after a literal \\n), else None."""
    floor = max(0, key_start - _LINE_START_BACK)
    i = key_start
    while i > floor and text[i - 1] in " \t\"'-*>":
        i -= 1
    for word in ("export", "set", "env"):
        if i > len(word) and text.endswith(word, 0, i) and i < key_start:
            i -= len(word)
            while i > floor and text[i - 1] in " \t":
                i -= 1
            break
    if i == 0 or text[i - 1] in "\r\n":
        return "line"
    if i >= 2 and text[i - 2] == "\\" and text[i - 1] in "nr":
        return "escaped"
    return None


def root_positions(lowered: str) -> list[int]:
    """Where a root word (pass, pw, secret, token, key, auth, cred) occurs, in order: seven
    str.find scans, each at C speed (a regex alternation of the roots is twice as slow)."""
    found: list[int] = []
    for root in ROOTS:
        at = lowered.find(root)
        while at != -1:
            found.append(at)
            at = lowered.find(root, at + len(root))
    found.sort()
    return found


# Dense input ("token: token: ...", 'password="password="...') has a root every few characters and
# costs a few microseconds of Python per root. A root's verdict depends only on the text around it
# (the key reads back at most 80 characters, a connection string 200, a line start is looked for
# 200 back) and on whether its line holds a config verb, so in a text with many roots the verdict
# is kept per window of text around the root and reused when the same window recurs. A verdict is
# kept only when everything it read lies inside the window: the value and the link ended well
# before its end, and no run of 32 blanks (which the link patterns read through) is in the text.
_JUDGE_BEFORE = 300
_JUDGE_AFTER = 320
_TAIL_READ = 192  # what a failed alternative of the link or scheme patterns reads past their start
_MEMO_FROM = 64  # roots in one text before keeping verdicts pays for the windows
_BLANK_TABLE = bytes(0x61 if byte in b" \t" else 0x20 for byte in range(256))
_LONG_BLANKS = b"a" * 32


def keyed_findings(text: str, lowered: str, roots: list[int] | None = None) -> Iterator[tuple[int, int, str]]:
    """Values held by a name that says they are secret: assignments, flags, headers, config
    commands, .netrc, XML, prose. `roots`: root_positions(lowered), when the caller has it."""
    roots = root_positions(lowered) if roots is None else roots
    reversed_lowered = ""
    lines = LineWords(text, lowered, _CONFIG_VERBS)  # cheap: lines are read only when asked
    memo: dict[tuple[str, int, bool], tuple[tuple[int, int, str] | None, int]] | None = None
    if len(roots) >= _MEMO_FROM and _LONG_BLANKS not in lowered.encode("ascii", "replace").translate(_BLANK_TABLE):
        memo = {}
    pos = 0  # each search resumes after the value it found: "password=password=..." is read once
    for root_at in roots:
        if root_at < pos:
            continue
        # Most roots in ordinary text hold no value ("test_token_refresh(", "src/auth/x.py",
        # "auth.py:42"): what follows their run of key characters says so at once.
        run = _KEY_RUN_RE.match(lowered, root_at)
        run_end = run.end() if run else root_at
        after = text[run_end : run_end + 2]
        if after and (
            after[0] not in _AFTER_KEY
            or after in _NO_VALUE_AFTER
            or (after[0] == "\\" and after not in _ESCAPED_QUOTES)
        ):
            pos = run_end
            continue
        window: tuple[str, int, bool] | None = None
        if memo is not None:
            w0 = root_at - _JUDGE_BEFORE if root_at > _JUDGE_BEFORE else 0
            window = (text[w0 : root_at + _JUDGE_AFTER], root_at - w0, lines.has_any(root_at))
            kept = memo.get(window)
            if kept is not None:
                relative, advance = kept
                pos = root_at + advance
                if relative is not None:
                    yield root_at + relative[0], root_at + relative[1], relative[2]
                continue
        if not reversed_lowered:
            reversed_lowered = lowered[::-1]
        found, pos, reach = _judge_root(text, lowered, reversed_lowered, lines, root_at, run_end)
        if window is not None and memo is not None and reach <= root_at + _JUDGE_AFTER:
            relative = None if found is None else (found[0] - root_at, found[1] - root_at, found[2])
            memo[window] = (relative, pos - root_at)
        if found is not None:
            yield found


def _judge_root(
    text: str, lowered: str, reversed_lowered: str, lines: LineWords, root_at: int, run_end: int
) -> tuple[tuple[int, int, str] | None, int, int]:
    """The secret held by the name around the root at `root_at` (its run of key characters ends at
    `run_end`, followed by a separator, a blank, a closing quote or tag), if any; where the search
    for the next root resumes (past a found value, or past a long rejected one, so dense input
    stays linear); and how far the text was read (the end of what the verdict depends on)."""
    key_start, key_end = _key_bounds(text, lowered, reversed_lowered, root_at, run_end)
    pos = max(root_at + 1, key_end)
    if key_end - key_start > MAX_KEY_LEN or (key_start > 0 and text[key_start - 1] in "/\\"):
        return None, pos, run_end + 2  # a path (src/auth.py, /token/refresh) or a run of key characters
    found, reach = _keyed_span(text, lowered, reversed_lowered, lines, key_start, key_end)
    reach = max(reach, key_end + 2)
    if found is None:
        return None, pos, reach
    start, stop, kind = found
    if kind:
        return found, max(pos, stop), reach
    return None, max(pos, stop if stop - start > _SKIP_REJECTED else key_end), reach


_QUOTES = ('"', "'", "`", '\\"', "\\'")


def _keyed_span(
    text: str, lowered: str, reversed_lowered: str, lines: LineWords, key_start: int, key_end: int
) -> tuple[tuple[int, int, str] | None, int]:
    """(start, end, kind) of the value, with an empty kind when a value was read but rejected; and
    how far the text was read."""
    key = text[key_start:key_end]
    before = text[key_start - 1] if key_start else "\n"
    is_flag = key[:1] == "-"
    kind = key_kind(key, is_flag=is_flag or before in "?&")  # --pass x, ?pass=x
    compound = False
    if before == " " and not is_flag and (kind is None or kind == "secret"):
        # "secret key: x", "db pass = x", "API key for"; "shared secret = x" names one for sure
        prev = _PREV_WORD_REVERSED_RE.match(reversed_lowered, len(text) - key_start)
        word = prev.group(1)[::-1] if prev is not None else ""
        if kind is None and word and word not in _FUNCTION_WORDS:
            key = word + "_" + key
            kind, compound = key_kind(key), True
        elif kind == "secret" and word in _SECRET_QUALIFIERS:
            compound = True
    # "pass" and "pw" alone are English words too ("pass it on", "first pass"): a value after them
    # must look random, unless a flag, URL parameter or config command makes them a password.
    bare_pass = kind is None and key.lower() in ("pass", "pw") and not is_flag
    if bare_pass:
        kind = "password"
    if kind is None and "." in key and not is_flag and lines.has_any(key_start):
        kind = key_kind(key.split(".", 1)[0])  # poetry config pypi-token.private x
    if kind is None and key.lower() == "key" and before in "\"'":  # "Jwt": {"Key": "..."} (.NET)
        parent = enclosing_key(text, key_start)
        kind = key_kind(parent + "_key") if parent else None
    if kind is None:
        return None, key_end
    reach = key_end + 16  # the next word is read 14 characters at most
    next_word = _NEXT_WORD_RE.match(lowered, key_end)
    if next_word is not None:  # "private key id: x" names a secret; "password file: x", "token type" do not
        longer = key_kind(key + "_" + next_word.group(1))
        if longer is not None:
            kind, key_end = longer, next_word.end()
        elif next_word.group(1) in _NAMES_ABOUT:
            return None, reach
    tail = _TAIL_RE.match(lowered, key_end)
    if tail is None:
        return None, key_end + _TAIL_READ
    value_at = tail.end()
    reach = max(reach, value_at + _TAIL_READ)
    if value_at >= len(text) or text[value_at] in "\r\n":
        return None, reach
    sep = tail.group("sep")
    link = tail.group("link")
    prose = sep is None or tail.group("qual") is not None
    # How sure the context is that a secret follows: sure (the value need only look like a
    # password) or not (it must look random).
    sure = kind == "password" or is_flag or compound or tail.group("verb") is not None
    scheme = SCHEME_RE.match(text, value_at)
    if scheme is not None:  # Authorization: Bearer x, "Authorization: token x"
        value_at, sure = scheme.end(), sure or kind == "auth"
        reach = max(reach, value_at + _TAIL_READ)
    limit = min(len(text), value_at + MAX_VALUE)
    quoted = text.startswith(_QUOTES, value_at)
    end: int | None = None  # where an unquoted value ends; None: at the first delimiter
    in_line = False  # the value follows a separator mid-line or at a line start (not prose, not a tag)
    shell = False  # the value of a shell or .env assignment: a literal
    if link == ">":  # <password>x</password>
        if before != "<":
            return None, reach
        end = text.find("<", value_at, limit)
        reach = max(reach, (limit if end == -1 else end) + 2)
        end = None if end == -1 else end
    elif prose:
        if tail.group("blank") is not None:
            # "--token x", "password x" (.netrc, prose), "aws configure set aws_secret_access_key x"
            config = lines.has_any(key_start)
            sure = sure or config
            if not (is_flag or config) and (tail.group("qual") or tail.group("close")):
                return None, reach  # "password for the vpn x", name="password" class=...
        end = _word_end(text, value_at, limit, SHELL_WORD_RE if is_flag else PROSE_WORD_RE)
    elif quoted:
        in_line = True  # a quoted value ends at its quote: the line decides only how sure we are
    else:
        sure, end, prose, shell = _line_value(text, lowered, key, key_start, key_end, value_at, limit, sep, sure)
    span = value_span(text, value_at, None if quoted else end, limit)
    if end is not None:
        reach = max(reach, end + 2)
    if span is None:
        return None, reach
    start, stop, quoted = span
    reach = max(reach, stop + 2)
    whole = stop  # the word as written, with any final punctuation
    if prose and not quoted:  # "the password is hunter2." keeps its full stop
        while stop > start and text[stop - 1] in PROSE_END:
            stop -= 1
    value = text[start:stop]
    if value.lower() == key.rsplit(".", 1)[-1].strip("-_\"' ").lower():
        return (start, stop, ""), reach  # password=password, token=token: code passing a variable along
    # "pass" alone must look random, unless a flag, a URL parameter, a config command or a line of
    # its own makes it a password (INI and .netrc: `pass = x` at a line's start).
    # ...or a quoted value after ":" or "=" ({ user: 'app', pass: 'x' }: nodemailer, JS objects)
    own_line = sep in ("=", ":") and (quoted or _starts_line(text, key_start) is not None)
    if bare_pass and not (is_flag or before in "?&" or own_line or lines.has_any(key_start)):
        return (start, stop, kind if value_class(value) >= Value.RANDOM else ""), reach
    found = literal_value_class(value, text[start - 1] if quoted else "") if quoted or shell else value_class(value)
    # A literal in a secret's slot: KestrelFalcon!. After an unquoted ":" a lowercase name may be
    # a typed variable instead (Swift's `var password: UITextField!`); an UPPER_CASE name is not,
    # nor a key that starts its line (YAML, INI: `password: KestrelFalcon!`) unless the value is a
    # type's name (GraphQL's `token: AuthToken!`).
    typed = sep == ":" and not quoted and not _UPPER_KEY_RE.fullmatch(key)
    if typed and _starts_line(text, key_start) is not None and not _is_type_name(text[start:whole]):
        typed = False
    if found == Value.WORD and not typed and is_compound_password(value):
        found = Value.PASSWORD
    if found == Value.WORD and whole > stop and not typed and is_compound_password(text[start:whole]):
        found, stop = Value.PASSWORD, whole  # "the password is KestrelFalcon!": the ! is the password's
    if quoted and kind == "password" and found == Value.SENTENCE and is_passphrase(value):
        return (start, stop, kind), reach  # "correct horse battery staple"
    if kind == "password" and found == Value.SENTENCE and _APP_PASSWORD_RE.fullmatch(value):
        return (start, stop, kind), reach  # a Google app password, unquoted: abcd efgh ijkl mnop
    if in_line and Value.PASSWORD <= found < Value.RANDOM and not sure:
        sure = _line_value(text, lowered, key, key_start, key_end, value_at, limit, sep, sure)[0]
    if found < (Value.PASSWORD if sure else Value.RANDOM):
        identity = found == Value.WORD or _IDENTITY_RE.fullmatch(value) is not None  # ops, ops@example.com
        if identity and kind == "secret" and key.lower().endswith(_CREDENTIAL_NOUNS):
            pair = _paired_password(text, stop, limit)  # "creds: ops@example.com / Vq7!mZ2x"
            if pair is not None:
                return (pair[0], pair[1], "password"), max(reach, pair[1] + 2)
        inner = _USER_AND_PASSWORD_RE.fullmatch(value)  # npmAuthIdent: "user:password", auth: u:p
        if inner is not None and kind in ("auth", "secret", "password") and _password_like(inner.group(1)):
            return (start + inner.start(1), stop, "password"), reach
        return (start, stop, ""), reach
    if stop == limit and limit < len(text):  # a value longer than MAX_VALUE: redact it to its end
        stop = _CONTINUATION_RE.match(text, stop, stop + _LONGEST_VALUE).end()  # type: ignore[union-attr]
        reach = stop + _JUDGE_AFTER  # never kept in the verdict memo
    return (start, stop, kind), reach


# Words that end type names (PasswordInput!, AuthToken!, UITextField!): schema, not a password.
_TYPE_WORDS = _word_set(
    """input string type payload result object field value data token secret password key auth
    credential credentials hash id view text args response request scalar"""
)
_CAPITALISED_RE = re.compile(r"[A-Z][a-z]++")


def _is_type_name(value: str) -> bool:
    """A compound name followed by GraphQL's or Swift's ! or ? and ending in a type word."""
    if not value.endswith(("!", "?")):
        return False
    words = _CAPITALISED_RE.findall(value)
    return bool(words) and words[-1].lower() in _TYPE_WORDS


_APP_PASSWORD_RE = re.compile(r"[a-z]{4}(?: [a-z]{4}){3}")
_USER_AND_PASSWORD_RE = re.compile(r"[\w.@\-]{1,64}+:(\S{1,256}+)")
# A long token goes on in these characters (base64, base64url, hex, percent-encoding).
_CONTINUATION_RE = re.compile(r"[A-Za-z0-9+/=_\-.~%]*+")
_LONGEST_VALUE = 64 * 1024


def _password_like(value: str) -> bool:
    found = value_class(value)
    return found >= Value.PASSWORD or (found == Value.WORD and is_compound_password(value))


_CREDENTIAL_NOUNS = ("cred", "creds", "credential", "credentials", "login")
_IDENTITY_RE = re.compile(r"[\w.+\-]{1,64}+@[\w\-]{1,63}+(?:\.[\w\-]{1,63}+)++")
# After a user or address: a slash, bar, comma or colon, then the password.
_PAIR_RE = re.compile(r"""[ \t]*+[/|,:][ \t]*+["'`]?([^\s"'`]{1,256}+)""")


def _paired_password(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    pair = _PAIR_RE.match(text, pos, limit)
    if pair is None:
        return None
    start, end = pair.span(1)
    while end > start and text[end - 1] in PROSE_END:
        end -= 1
    return (start, end) if _password_like(text[start:end]) else None


def _line_value(
    text: str, lowered: str, key: str, key_start: int, key_end: int, value_at: int, limit: int, sep: str, sure: bool
) -> tuple[bool, int | None, bool, bool]:
    """For a value after a separator that is not prose: how sure the line makes us, where an
    unquoted value ends, whether it is read as a word of prose, and whether it is the value of a
    shell or .env assignment (a literal)."""
    starts = _starts_line(text, key_start)
    before = text[key_start - 1] if key_start else "\n"
    no_space = text[key_end:value_at].strip("\"'\\") == sep
    if key[:1] == "-":  # --session-secret=a(b)c: a shell word
        return sure, _word_end(text, value_at, limit, SHELL_WORD_RE), False, False
    if sep == "=" and no_space and (starts or before in " \t;&|(") and _UPPER_KEY_RE.fullmatch(key):
        # shell, .env: DB_PASSWORD=x, PGPASSWORD=x psql, -e API_TOKEN=x; f(PASSWORD=x) is code
        return True, _word_end(text, value_at, limit, SHELL_WORD_RE), False, before != "("
    if sep == "=" and no_space and starts == "line" and "." in key:  # Java .properties: spring.mail.password=x y
        return sure, _word_end(text, value_at, limit, LINE_RE), False, False
    if sep == "=" and (before == ";" or (no_space and _in_connection_string(lowered, key_start))):
        return sure, _word_end(text, value_at, limit, CONNECTION_VALUE_RE), False, False  # Server=...;Password=x;
    if starts and not no_space and sep in (":", "="):  # YAML, INI, headers: the rest of the line
        line_end = _word_end(text, value_at, limit, ESCAPED_LINE_RE if starts == "escaped" else LINE_RE)
        return sure or sep == ":", line_end, False, False
    if sep == ":":  # "error, secret key: x" mid-line: a word
        return sure, _word_end(text, value_at, limit, PROSE_WORD_RE), True, False
    return sure, None, False, False


def _word_end(text: str, pos: int, limit: int, regex: re.Pattern[str]) -> int:
    match = regex.match(text, pos, limit)
    return match.end() if match else pos


def _in_connection_string(lowered: str, key_start: int) -> bool:
    """Whether the pair at `key_start` follows another `name=value;` pair: ADO, ODBC, JDBC."""
    window = lowered[max(0, key_start - 200) : key_start]
    return window.count(";") >= 1 and window.count("=") >= 1 and " " not in window.rsplit(";", 1)[-1].strip()
