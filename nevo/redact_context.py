"""Secrets recognised by their context without a name: URL userinfo, short flags (``-p``,
``-t``, ``mysql -pX``, ``curl -u u:p``), login commands with a token argument, ``use X as the
password``, cookies; and LineWords, which the detectors use to ask what a line holds.

Every scan is linear: searches resume after what they consumed and look-backs are bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nevo.redact_patterns import (
    MAX_VALUE,
    PROSE_END,
    Value,
    is_compound_password,
    is_hex,
    is_passphrase,
    literal_value_class,
    url_value_class,
    value_class,
)


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


class LineWords:
    """For positions visited in increasing order: the bounds of the line that holds a position
    and where some words first occur in it. Linear in total, even on one multi-MB line."""

    def __init__(self, text: str, lowered: str, words: tuple[str, ...]) -> None:
        self._text, self._lowered, self._words = text, lowered, words
        self.start = self.end = -1
        self._first: dict[str, int] = {}
        self._any = False

    def visit(self, pos: int) -> None:
        if self.start <= pos <= self.end:
            return
        self.start, self.end = _line_bounds(self._text, pos)
        self._first = {w: self._lowered.find(w, self.start, self.end) for w in self._words}
        self._any = any(at != -1 for at in self._first.values())

    def has_any(self, pos: int) -> bool:
        """Whether the line that holds `pos` holds any of the words."""
        if not self.start <= pos <= self.end:
            self.visit(pos)
        return self._any

    def has_before(self, pos: int, *words: str) -> bool:
        self.visit(pos)
        return any(-1 < self._first[w] < pos for w in words)

    def has(self, pos: int, *words: str) -> bool:
        self.visit(pos)
        return any(self._first[w] != -1 for w in words)


# ---------------------------------------------------------------------------------------------
# URLs, short flags, login commands, reversed prose, cookies

URL_USERINFO_RE = re.compile(
    # After a scheme; the user has no : / @; the password no @ or / (a raw # or ? in it is still the
    # password: people paste `postgresql://app:Vq7!mZ2x#Lp9@db/app` whatever the URL grammar says).
    r"://(?<=[A-Za-z0-9]://)"
    r"[^:/?#@\s\"'<>\\]{0,256}+:([^@/\s\"'<>\\]{1,256}+)@"
)


def url_findings(text: str) -> Iterator[tuple[int, int, str]]:
    if "://" not in text or "@" not in text:
        return
    for match in URL_USERINFO_RE.finditer(text):
        start, end = match.span(1)
        if url_value_class(text[start:end]) >= Value.PASSWORD:
            yield start, end, "url-password"


# -p x after login commands and sshpass, -a x after redis-cli, -P x after zip/sqlcmd, -w x after
# ldap tools; -t/-k/-a/-p x anywhere when x looks random. mysql takes its password glued: -pX.
_SHORT_FLAG_RE = re.compile(  # starts with its literal "-": the engine's fast search finds it
    r"-(?<![\w\-]-)([ptakPwbu]|-body|-value|-secret-string|-secret-value|-user|-auth)(?:[ \t]++|=|(?=[^\s\-]))"
    r"((?:[^\s\-\"'`\\;|]|\\(?![nrt\"'\\]))(?:[^\s\"'`\\;|]|\\(?![nrt\"'\\]))*+|'[^'\r\n]*+'|\"[^\"\r\n]*+\")"
)
_SHORT_FLAG_COMMANDS = {
    # " -u ": a user given on the line before (psexec -u admin -p x, mysql -u root -p x)
    "-p": ("login", "sshpass", "twine", "mongo", "mongosh", "mysql", "mariadb", "influx", "7z", " -u "),
    "-k": ("openssl",),  # openssl enc -k <password>
    "-a": ("redis-cli", "keydb-cli"),
    "-P": ("zip", "sqlcmd", "bcp", "7z", "mosquitto_pub", "mosquitto_sub", "mosquitto_rr", " -u "),
    "-w": ("ldapsearch", "ldapmodify", "ldapadd", "ldapdelete", "ldappasswd"),
    "-b": ("secret set", "secrets set"),
    "--body": ("secret set", "secrets set"),
    # a secret manager's value: az keyvault secret set, aws ssm put-parameter, aws secretsmanager
    "--value": ("secret set", "secrets set", "put-parameter"),
    "--secret-string": ("secretsmanager",),
    "--secret-value": ("secret set", "secrets set", "secretsmanager"),
}
_LONG_VALUE_FLAGS = frozenset(["--value", "--secret-string", "--secret-value"])  # generic names: known commands only
_COMMAND_WORDS = tuple(sorted({word for words in _SHORT_FLAG_COMMANDS.values() for word in words}))
# -u user:password (curl, wget), -a/--auth user:password (httpie): the part after the colon
_USER_FLAGS = frozenset(["-u", "--user", "-a", "--auth"])
_PASS_ARG_RE = re.compile(r"-pass(?<![\w\-]-pass)(?:in|out)?[ \t]++['\"]?pass:([^\s'\"]++)")  # openssl


def flag_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """Short flags and their values (the caller runs it when the text holds a "-"). Each regex here
    starts with its literal "-", which the engine skips to: cheaper than searching for " -" first."""
    lines = LineWords(text, lowered, _COMMAND_WORDS)
    for match in _SHORT_FLAG_RE.finditer(text):
        flag = "-" + match.group(1)
        start, end = match.span(2)
        while start < end and text[start] in "'\"":
            start += 1
        while end > start and text[end - 1] in "'\"":
            end -= 1
        if flag in _USER_FLAGS:
            colon = text.find(":", start, end)
            if colon != -1 and colon > start:
                value = text[colon + 1 : end]
                found = value_class(value)
                if found >= Value.PASSWORD or (found == Value.WORD and is_compound_password(value)):
                    yield colon + 1, end, "password"
                continue
            if flag != "-a":
                continue  # -u root: a user, no password
        quote = text[start - 1] if start > match.start(2) else ""
        found = literal_value_class(text[start:end], quote) if start < end else Value.PLACEHOLDER
        if found == Value.WORD and is_compound_password(text[start:end]):
            found = Value.PASSWORD  # -p RocketTango!
        if found < Value.PASSWORD and not (found == Value.SENTENCE and is_passphrase(text[start:end])):
            continue
        glued = match.start(2) == match.end(1)
        if glued and not (flag == "-p" and lines.has_before(match.start(), "mysql", "mariadb", "7z")):
            continue  # -pX means a password to mysql only; -tfoo is anything else
        known = lines.has_before(match.start(), *_SHORT_FLAG_COMMANDS.get(flag, ()))
        # Any command's -t x: a random x is a token, but lowercase hex is an id or a hash (runc exec -t <id>).
        if known or (found >= Value.RANDOM and not is_hex(text[start:end]) and flag not in _LONG_VALUE_FLAGS):
            yield start, end, "password" if known else "token"
    if "pass" in lowered and "pass:" in text:
        for match in _PASS_ARG_RE.finditer(text):
            yield match.start(1), match.end(1), "password"


_LOGIN_WORDS = (" login ", " login\n", "--with-token", "--password-stdin")
_WORD_RE = re.compile(r"[^\s'\"|;&]++")


def login_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """`vercel login <token>`, `echo <token> | gh auth login --with-token`: a random-looking word on
    the line of a login command."""
    if "login" not in lowered and "--with-token" not in lowered and "--password-stdin" not in lowered:
        return
    next_at = {word: lowered.find(word) for word in _LOGIN_WORDS}
    pos = 0
    while True:
        for word, at in next_at.items():
            if -1 < at < pos:
                next_at[word] = lowered.find(word, pos)
        hits = [at for at in next_at.values() if at != -1]
        if not hits:
            return
        line_start, line_end = _line_bounds(text, min(hits))
        for match in _WORD_RE.finditer(text, line_start, line_end):
            if value_class(match.group()) >= Value.RANDOM:
                yield match.start(), match.end(), "token"
        pos = line_end + 1


# "sign in as ops with Vq7!mZ2x", "log in as root using P@ss...": the word after with/using.
_SIGN_IN_RE = re.compile(
    r"(?:sign|log)(?:ged)?[ \t]++in[ \t]++as[ \t]++[^\s]{1,64}+[ \t]++(?:with|using)[ \t]++"
    r"(?:(?:the[ \t]++)?password[ \t]++)?[\"'`]?([^\s\"'`]{1,256}+)"
)


def sign_in_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    at = lowered.find(" in as ")
    while at != -1:
        match = None
        for back in (4, 3, 6):  # sign in as, log in as, logged in as / signed in as
            if at >= back and (match := _SIGN_IN_RE.match(lowered, at - back)) is not None:
                break
        if match is not None:
            start, end = match.span(1)
            while end > start and text[end - 1] in PROSE_END:
                end -= 1
            value = text[start:end]
            found = value_class(value)
            if found >= Value.PASSWORD or (found == Value.WORD and is_compound_password(value)):
                yield start, end, "password"
        at = lowered.find(" in as ", at + 7)


_AS_NOUN_RE = re.compile(
    r"as[ \t]++(?:(?:the|my|our|a|an|your)[ \t]++)?(?:[a-z\-]{1,20}+[ \t]++)?"
    r"(password|passphrase|passcode|token|secret|key|credential)(?![a-z])"
)
_USE_WORDS = ("use", "using", "with", "try", "tried")


def reversed_prose_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """`use X as the password`: the value before its noun."""
    at = lowered.find(" as ")
    while at != -1:
        match = _AS_NOUN_RE.match(lowered, at + 1)
        if match is not None:
            end = at
            # The word before " as ", read MAX_VALUE back at most (an unbounded rfind per " as "
            # made dense input quadratic); the verb before it is a few letters.
            floor = max(0, end - MAX_VALUE)
            start = (
                max(text.rfind(" ", floor, end), text.rfind("\t", floor, end), text.rfind("\n", floor, end), floor - 1)
                + 1
            )
            verb_start = text.rfind(" ", max(0, start - 17), max(start - 1, 0)) + 1 or max(0, start - 17)
            if start < end and lowered[verb_start : start - 1] in _USE_WORDS:
                while end > start and text[end - 1] in PROSE_END:
                    end -= 1
                while start < end and text[start] in "\"'`(":
                    start += 1
                noun = match.group(1)
                need = Value.PASSWORD if noun.startswith("pass") else Value.RANDOM
                if value_class(text[start:end]) >= need:
                    yield start, end, "password" if noun.startswith("pass") else "secret"
        at = lowered.find(" as ", at + 4)


_COOKIE_PAIR_RE = re.compile(r"([^=;\s\\\"]++)=([^;\s\\\"]++)")
_COOKIE_ATTRIBUTES = frozenset(
    [
        "domain",
        "path",
        "expires",
        "max-age",
        "samesite",
        "secure",
        "httponly",
        "priority",
        "partitioned",
        "version",
        "comment",
    ]
)


def cookie_findings(text: str, lowered: str) -> Iterator[tuple[int, int, str]]:
    """Session ids in Cookie and Set-Cookie headers: each value that looks random."""
    at = lowered.find("cookie:")
    while at != -1:
        start = at + len("cookie:")
        end = min(len(text), start + 8192)
        for stop_char in ("\n", "\r"):
            stop = text.find(stop_char, start, end)
            end = stop if stop != -1 else end
        for pair in _COOKIE_PAIR_RE.finditer(text, start, end):
            if pair.group(1).lower() not in _COOKIE_ATTRIBUTES and value_class(pair.group(2)) >= Value.RANDOM:
                yield pair.start(2), pair.end(2), "cookie"
        at = lowered.find("cookie:", end)
