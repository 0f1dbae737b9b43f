"""Secrets whose place is fixed by the grammar of a command or a format, with no name next to them:
SQL (``IDENTIFIED BY 'x'``, ``SET PASSWORD FOR u = 'x'``), ``htpasswd -b file user x``, config
commands with ``http-basic.<host> <user> <x>`` (poetry, composer), .pgpass lines
(``host:port:db:user:x``), samba's ``-U user%x``, Oracle's ``user/x@db`` (sqlplus, expdp, JDBC thin),
and a ``value`` whose sibling ``name`` or whose parent key names a secret (Kubernetes env lists,
ECS task definitions, ``terraform output -json``).

The grammar says where the secret is, so the value need only look like a password (not a word,
number, path, reference or placeholder). Each detector runs only when its literal occurs, and
every scan is linear.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from nevo.redact_patterns import (
    MAX_VALUE,
    Value,
    is_compound_password,
    key_kind,
    literal_value_class,
    value_class,
)

_QUOTED_OR_WORD = r"""('[^'\r\n]{1,256}+'|"[^"\r\n]{1,256}+"|[^\s;'"`]{1,256}+)"""
# Read where their literal stands (found with str.find on the lowered text): a regex scan for a
# pattern that starts with \b or (?i) has no literal to search for and costs ~10 ns a character.
_IDENTIFIED_RE = re.compile(  # matched on the lowered text: the same offsets, and (?i) costs
    r"identified[ \t]++(?:with[ \t]++[\w'\"]{1,64}+[ \t]++)?by[ \t]++(?:password[ \t]++)?" + _QUOTED_OR_WORD
)
_SET_PASSWORD_RE = re.compile(
    r"set[ \t]++password[ \t]++(?:for[ \t]++[^\s=]{1,128}+[ \t]*+)?=[ \t]*+(?:password[ \t]*+\([ \t]*+)?"
    + r"""('[^'\r\n]{1,256}+'|"[^"\r\n]{1,256}+")"""
)
_SQL_USER_RE = re.compile(r"(?:create|alter)[ \t]++(?:user|login|role)\b|\bgrant\b")
_STATEMENT_BACK = 300
# htpasswd -b[c] FILE USER PASSWORD, htpasswd -nb USER PASSWORD
_HTPASSWD_RE = re.compile(
    r"htpasswd[ \t]++(-[A-Za-z]*b[A-Za-z]*+)(?:[ \t]++-[A-Za-z]++)*+[ \t]++((?:[^\s;|&]++[ \t]++){1,2}+)"
    + _QUOTED_OR_WORD
)
# poetry config http-basic.<repo> USER PASSWORD; composer config [-g] http-basic.<host> USER PASSWORD
_HTTP_BASIC_RE = re.compile(r"http-basic\.\S++[ \t]++[^\s;|&]++[ \t]++" + _QUOTED_OR_WORD)
# smbclient, rpcclient, net, mount.cifs: -U user%password (samba's separator)
_SAMBA_RE = re.compile(r"""(?:-U|--user(?:name)?)[ \t=]*+['"]?[^\s%'"/]{1,128}+%([^\s'"]{1,256}+)""")
# Oracle: sqlplus user/password@db, expdp system/password@db, jdbc:oracle:thin:user/password@//host
_WORD_RE = re.compile(r"[^\s'\"]*+")
_NOT_IN_USER = frozenset(" \t\n\r'\"([{")
_NOT_IN_PASSWORD = frozenset(["", " ", "\t", "\n", "\r", "]", ")", ",", ";", "'", '"'])
_ORACLE_TOOLS = ("sqlplus", "sqlldr", "expdp", "impdp", "rman", "dgmgrl", "jdbc:oracle:")
_ORACLE_PAIR_RE = re.compile(r"""([A-Za-z][\w$#]{0,29}+)/([^\s/@'"]{1,128}+)""")
# .pgpass: hostname:port:database:username:password, one entry a line
_PGPASS_GATE_RE = re.compile(r":(?:\*|54[0-9]{2}+):")  # starts with a literal: the engine skips to each ":"
_BLANKS = frozenset(["", " ", "\t", "\n", "\r"])
_PGPASS_PORT_RE = re.compile(r":(?:\*|[0-9]{1,5}+):")
# (a colon or backslash in a field is escaped with a backslash, so five fields are all there is)
_PGPASS_LINE_RE = re.compile(
    r"[ \t]*+[\w.\-*\[\]]{1,255}+:(?:\*|[0-9]{1,5}+):[^:\s]{1,128}+:[^:\s]{1,128}+:((?:[^:\s\\]|\\.){1,256}+)[ \t]*+"
)


def _literal(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a literal (its quotes cut off) when it looks like a password."""
    if end - start >= 2 and text[start] in "'\"" and text[end - 1] == text[start]:
        quote, start, end = text[start], start + 1, end - 1
    else:
        quote = ""
    value = text[start:end]
    found = literal_value_class(value, quote)
    if found >= Value.PASSWORD or (found == Value.WORD and is_compound_password(value)):
        return start, end
    return None


def form_findings(text: str, lowered: str, has_pass: bool, has_root: bool) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every secret placed by a command's or format's grammar. `has_pass`,
    `has_root`: whether "pass", and any root of a secret's name, occur in `lowered` (the caller
    knows from its own scan). A list, not a generator: most texts hold none, and a generator
    costs its setup for nothing."""
    found: list[tuple[int, int, str]] = []
    for word, regex in (("identified", _IDENTIFIED_RE), ("set password", _SET_PASSWORD_RE)):
        if word == "set password" and not has_pass:
            continue
        at = lowered.find(word)
        while at != -1:
            match = regex.match(lowered, at) if at == 0 or not lowered[at - 1].isalnum() else None
            # "identified by" is English too: a statement that names a user says it is SQL.
            if match is not None and word == "identified" and not _in_user_statement(lowered, at):
                match = None
            if match is not None:
                span = _literal(text, match.start(1), match.end(1))
                if span is not None:
                    found.append((span[0], span[1], "password"))
            at = lowered.find(word, at + len(word))
    if has_pass:
        at = lowered.find("htpasswd")
        while at != -1:
            match = _HTPASSWD_RE.match(text, at)
            if match is not None and len(match.group(2).split()) == (1 if "n" in match.group(1) else 2):
                span = _literal(text, match.start(3), match.end(3))  # -n: no file, the user only
                if span is not None:
                    found.append((span[0], span[1], "password"))
            at = lowered.find("htpasswd", at + 8)
    at = lowered.find("http-basic.")
    while at != -1:
        line_start = _line_start(text, at, 256)
        match = _HTTP_BASIC_RE.match(text, at) if "config" in lowered[line_start:at] else None
        span = None if match is None else _literal(text, match.start(1), match.end(1))
        if span is not None:
            found.append((span[0], span[1], "password"))
        at = lowered.find("http-basic.", at + 11)
    if "%" in text:
        found.extend(_samba_findings(text))
    for literal, regex, needs in _COMMAND_FORMS:
        if (needs == "root" and not has_root) or (needs == "pass" and not has_pass):
            continue
        if needs == "user" and not _SLASH_USER_RE.search(lowered):
            continue
        if needs in ("\\", ",") and needs not in text:  # one character, searched for at memory speed
            continue
        at = lowered.find(literal)
        while at != -1:
            match = _form_match(text, lowered, literal, regex, at)
            span = None if match is None else _literal(text, match.start("secret"), match.end("secret"))
            if span is not None and match is not None and _names_secret(match):
                found.append((span[0], span[1], "password"))
            at = lowered.find(literal, at + len(literal))
    if "@" in text:
        found.extend(_oracle_findings(text, lowered))
    # .pgpass entries name PostgreSQL's port (5432, 5433, ...) or any port (*); a scan of every colon
    # in a text costs more than these two searches.
    if _PGPASS_GATE_RE.search(text):
        found.extend(_pgpass_findings(text))
    if has_root and "value" in lowered:  # the name that makes a value secret holds a root
        found.extend(named_value_findings(text, lowered))
    return found


def _names_secret(match: re.Match[str]) -> bool:
    """A form with a `name` group holds a secret only when that name says so."""
    name = match.groupdict().get("name")
    return name is None or key_kind(name) is not None


_SLASH_USER_RE = re.compile(r"/u(?:ser)?:")  # a Windows-style /u: or /user:, found from each "/"
_QUOTED_SECRET = r"""(?P<q>['"])(?P<secret>[^'"\r\n]{1,256}+)(?P=q)"""
# (a literal of the lowered text, a regex with a `secret` group (and a `name` group that must name
# a secret), what must be found first: "" nothing, "root" a root, "pass", "user" a /u: or /user:,
# or one character of the text)
_COMMAND_FORMS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # Python requests, httpx, aiohttp: auth=('user', 'password'), HTTPBasicAuth('user', 'password')
    (
        "auth",
        re.compile(
            r"""auth(?:[ \t]*+=[ \t]*+)?\([ \t]*+['"][^'"\r\n]{1,64}+['"][ \t]*+,[ \t]*+""" + _QUOTED_SECRET,
            re.IGNORECASE,
        ),
        "root",
    ),
    # PHP define('DB_PASSWORD', 'x'); WordPress salts: define('AUTH_KEY', 'x')
    (
        "define(",
        re.compile(r"""define[ \t]*+\([ \t]*+['"](?P<name>[A-Za-z0-9_]{1,64}+)['"][ \t]*+,[ \t]*+""" + _QUOTED_SECRET),
        "root",
    ),
    # terraform: variable "db_password" { ... default = "x" }
    (
        'variable "',
        re.compile(
            r"""variable[ \t]++"(?P<name>[\w\-]{1,64}+)"[ \t]*+\{[^}]{0,400}?\bdefault[ \t]*+=[ \t]*+"""
            r"""(?P<q>")(?P<secret>[^"\r\n]{1,256}+)\""""
        ),
        "root",
    ),
    # Windows: net use Z: \\srv\share /user:DOMAIN\user password
    # (searched for only in a text with a backslash: the share's \\server)
    (
        "net use",
        re.compile(r"net[ \t]++use\b[^\r\n]{0,256}?/user:\S{1,128}+[ \t]++(?P<secret>[^\s/*]\S{0,255}+)"),
        "\\",
    ),
    # RDP clients: xfreerdp /u:user /p:password, /password:x (searched for only with a /u: or /user:)
    ("/p", re.compile(r"/(?:p|pass|password):(?P<secret>\S{1,256}+)"), "user"),
    # lftp -u user,password
    ("lftp", re.compile(r"lftp\b[^\r\n]{0,256}?[ \t]-u[ \t]++[^\s,]{1,64}+,(?P<secret>\S{1,256}+)"), ","),
    # echo 'user:password' | chpasswd: read back from chpasswd (see _form_match)
    (
        "chpasswd",
        re.compile(r"""['"]?[\w.\-]{1,64}+:(?P<secret>[^\s'":]{1,256}+)['"]?[ \t]*+\|[ \t]*+(?:sudo[ \t]++)?$"""),
        "pass",
    ),
)


def _form_match(text: str, lowered: str, literal: str, regex: re.Pattern[str], at: int) -> re.Match[str] | None:
    """The form at an occurrence of its literal: each regex starts with its literal (a scan for a
    pattern that starts with \b had no literal to search for), except chpasswd's, read back."""
    before = lowered[at - 1] if at else " "
    if literal == "chpasswd":
        return regex.search(text, _line_start(text, at, 300), at)
    if literal == "/p":
        if before.isalnum() or before in "_/" or not lowered.startswith(("/p:", "/pass:", "/password:"), at):
            return None
    elif (before.isalnum() or before == "_") and not (literal == "auth" and lowered.endswith("basic", 0, at)):
        return None  # inside a longer word (BasicAuth( is the exception)
    return regex.match(text, at)


def _line_start(text: str, at: int, back: int) -> int:
    """Where the line that holds `at` starts, looking `back` characters at most (a search to the
    start of a long line for every occurrence would make dense input quadratic)."""
    floor = max(0, at - back)
    newline = text.rfind("\n", floor, at)
    return floor if newline == -1 else newline + 1


def _samba_findings(text: str) -> Iterator[tuple[int, int, str]]:
    """-U user%password: found from each %, whose word must follow -U or --user."""
    at = text.find("%")
    while at != -1:
        if at == 0 or text[at - 1] in _NOT_IN_USER or text[at + 1 : at + 2] in _NOT_IN_PASSWORD:  # "[ 23%]"
            at = text.find("%", at + 1)
            continue
        floor = max(0, at - 130)
        word_start = max(text.rfind(" ", floor, at), text.rfind("=", floor, at), text.rfind("'", floor, at)) + 1
        flag_at = text.rfind("-", max(0, word_start - 12), word_start)
        if flag_at != -1 and (flag_at == 0 or text[flag_at - 1] in " \t\n'\"-"):
            match = _SAMBA_RE.match(text, flag_at - (text[flag_at - 1 : flag_at] == "-"))
            span = None if match is None or match.end(1) <= at else _literal(text, match.start(1), match.end(1))
            if span is not None:
                yield span[0], span[1], "password"
        at = text.find("%", at + 1)


def _in_user_statement(lowered: str, at: int) -> bool:
    """Whether a statement that names a user (CREATE USER, ALTER ROLE, GRANT ...) comes before
    `at`, within the same statement (no ; between) and _STATEMENT_BACK characters."""
    start = max(lowered.rfind(";", max(0, at - _STATEMENT_BACK), at), at - _STATEMENT_BACK, 0)
    for word in ("create", "alter", "grant"):
        found = lowered.rfind(word, start, at)
        if found != -1 and _SQL_USER_RE.match(lowered, found) is not None:
            return True
    return False


def _oracle_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """user/password@db on a line of an Oracle tool: found from each @, read back to the word's
    start (a scan for the whole pattern had no literal to start from). Where the tools' names
    stand is looked up once, at the first @ that could follow a password."""
    tools: list[int] | None = None
    at = text.find("@")
    while at != -1:
        floor = max(0, at - 160)
        slash = text.rfind("/", floor, at)
        # user/password@: one word from the slash to the @ (npm's "react@18.2.0" after a path is not)
        if slash > floor and at - slash > 1 and _WORD_RE.match(text, slash + 1, at).end() == at:  # type: ignore[union-attr]
            if tools is None:
                tools = sorted(found for tool in _ORACLE_TOOLS for found in _all(lowered, tool))
            line_start = _line_start(text, at, MAX_VALUE)
            named = bisect.bisect_left(tools, line_start)
            if named < len(tools) and tools[named] < at:  # the line names an Oracle tool before the @
                word_start = max(
                    text.rfind(" ", floor, slash), text.rfind("\t", floor, slash), text.rfind(":", floor, slash)
                )
                word_start = max(word_start, text.rfind("'", floor, slash), text.rfind('"', floor, slash)) + 1
                pair = _ORACLE_PAIR_RE.fullmatch(text, word_start, at)
                span = None if pair is None else _literal(text, pair.start(2), pair.end(2))
                if span is not None:
                    yield span[0], span[1], "password"
        at = text.find("@", at + 1)


def _all(lowered: str, word: str) -> Iterator[int]:
    at = lowered.find(word)
    while at != -1:
        yield at
        at = lowered.find(word, at + len(word))


def _pgpass_findings(text: str) -> Iterator[tuple[int, int, str]]:
    """Lines of five fields whose second is a port or *: the fifth is a password."""
    done = -1
    for hit in _PGPASS_PORT_RE.finditer(text):
        if (
            hit.start() < done
            or text[hit.end() : hit.end() + 1] in _BLANKS
            or text[hit.start() - 1 : hit.start()] in _BLANKS
        ):
            continue  # a field is never empty nor blank: "tests/x.py:88: AssertionError" is no entry
        line_start = _line_start(text, hit.start(), 512)
        line_end = text.find("\n", hit.end())
        line_end = len(text) if line_end == -1 else line_end
        done = line_end
        line = _PGPASS_LINE_RE.fullmatch(text, line_start, line_end - (text[line_end - 1 : line_end] == "\r"))
        if line is not None:
            span = _literal(text, line.start(1), line.end(1))
            if span is not None:
                yield span[0], span[1], "password"


# A `value` key (JSON, YAML, flow style; also inside a JSON string, its quotes escaped) and, before
# it in the same object, a `name` or `key` that names a secret.
_VALUE_KEY_RE = re.compile(r"""(?i)(?:\\?["'])?value(?:\\?["'])?[ \t]*+[:=][ \t]*+""")
_NAME_PAIR_RE = re.compile(
    r"""(?i)(?<![\w\-])(?:\\?["'])?(?:name|key|variable|parameter)(?:\\?["'])?[ \t]*+[:=][ \t]*+(?:\\?["'])?"""
    r"([\w.\-/]{1,128}+)"
)
_PARENT_KEY_RE = re.compile(r"""(?:\\?["'])?([\w.\-]{1,128}+)(?:\\?["'])?[ \t]*+:[ \t]*+\{""")
_AFTER_VALUE_KEY = frozenset(['"', "'", "\\", " ", "\t", ":", "="])
_BARE_VALUE_RE = re.compile(r"[^ \t\r\n,}\]\"'\\]*+")
_OBJECT_BACK = 400  # how far back an object's name or parent key is looked for


def named_value_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """``{"name": "DB_PASSWORD", "value": "x"}``, ``- name: API_TOKEN\\n  value: x``,
    ``"db_password": {"sensitive": true, "value": "x"}``: the value of an entry whose name says
    it is secret."""
    at = lowered.find("value")
    while at != -1:
        if lowered[at + 5 : at + 6] not in _AFTER_VALUE_KEY or (
            at and (lowered[at - 1].isalnum() or lowered[at - 1] == "_")
        ):
            at = lowered.find("value", at + 5)  # values, value_of, .value(, default_value: no key
            continue
        begin = at
        while begin > 0 and begin > at - 2 and text[begin - 1] in "\\\"'":
            begin -= 1
        key = _VALUE_KEY_RE.match(text, begin)
        if key is not None and (begin == 0 or not (text[begin - 1].isalnum() or text[begin - 1] in "_-.")):
            span = _entry_value(text, key.end())
            if span is not None:
                kind = _entry_kind(text, begin)
                if kind is not None:
                    yield span[0], span[1], kind
        at = lowered.find("value", at + 5)


def _entry_kind(text: str, value_at: int) -> str | None:
    """The kind of secret that the entry holding the `value` key at `value_at` names, if any: its
    `name` sibling, or the key of the object it is in."""
    floor = max(0, value_at - _OBJECT_BACK)
    opening = max(text.rfind("{", floor, value_at), text.rfind("- ", floor, value_at))
    closing = max(text.rfind("}", floor, value_at), text.rfind("]", floor, value_at))
    if opening == -1 or closing > opening:
        return None  # not inside one object
    for pair in _NAME_PAIR_RE.finditer(text, opening, value_at):
        kind = key_kind(pair.group(1))
        if kind is not None:
            return kind
    if text[opening] == "{":  # "db_password": {"sensitive": true, "value": ...}
        line_start = text.rfind("\n", floor, opening) + 1
        for head in _PARENT_KEY_RE.finditer(text, max(floor, line_start), opening + 1):
            if head.end() == opening + 1:
                return key_kind(head.group(1))
    return None


def enclosing_key(text: str, pos: int) -> str | None:
    """The key of the object that holds `pos` (``"Jwt": {"Key": ...}`` gives Jwt), when it opens
    within _OBJECT_BACK characters before it."""
    floor = max(0, pos - _OBJECT_BACK)
    opening = text.rfind("{", floor, pos)
    if opening == -1 or text.rfind("}", opening, pos) != -1:
        return None
    line_start = text.rfind("\n", floor, opening) + 1
    for head in _PARENT_KEY_RE.finditer(text, max(floor, line_start), opening + 1):
        if head.end() == opening + 1:
            return head.group(1)
    return None


def _entry_value(text: str, pos: int) -> tuple[int, int] | None:
    """The span of the value at `pos` when it looks like a password."""
    if pos >= len(text):
        return None
    if text[pos] in "\"'" or text.startswith(('\\"', "\\'"), pos):
        quote = text[pos : pos + 2] if text[pos] == "\\" else text[pos]
        start = pos + len(quote)
        end = text.find(quote, start, start + MAX_VALUE)
        if end == -1:
            return None
    else:
        start, end = pos, _BARE_VALUE_RE.match(text, pos, pos + MAX_VALUE).end()  # type: ignore[union-attr]
    if start >= end:
        return None
    value = text[start:end]
    found = value_class(value)
    if found >= Value.PASSWORD or (found == Value.WORD and is_compound_password(value)):
        return start, end
    return None
