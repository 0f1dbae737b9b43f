"""Passwords and keys given in prose of other languages than English: "Das Passwort für den Server
lautet X", "Le mot de passe du compte est X", "La contraseña es X", "A senha do banco é X",
"Пароль от сервера: X", "数据库密码是 X", "パスワードは X です", "비밀번호는 X 입니다".

A noun that names a password (or a key or token) in one of about twenty languages, at most four
short words that qualify it ("für den Server", "du compte admin", "от сервера"), a link (a colon,
an equals sign, a dash, or the language's "is": ist, lautet, est, es, é, è, is, to, jest, är, er,
on, 是, は, 는), then a word. As in English, the word must look like a password after a password
noun, and random after a key or token noun: "Das Passwort ist falsch" stays.

Finding the nouns costs little: nouns with "pass" in them (Passwort, passord, mot de passe) come
from the caller's scan for "pass"; five ASCII nouns (Kennwort, wachtwoord, mdp, clave, senha) are
searched for; every other noun holds a non-ASCII letter, and is found from each occurrence of that
letter (a search for one character runs at memory speed; a regex of all the nouns cost ~40 ns a
character).
"""

from __future__ import annotations

import re

from nevo.redact_patterns import MAX_VALUE, Value, is_compound_password, value_class

_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
# (noun, whether it names a password rather than a key or token), lowercase.
_PASS_NOUNS = (("passwort", True), ("passord", True), ("mot de passe", True), ("password", True))
_ASCII_NOUNS = (
    ("kennwort", True), ("wachtwoord", True), ("mdp", True), ("clave", True), ("senha", True), ("heslo", True),
    ("salasana", True), ("adgangskode", True), ("lozinka", True), ("geslo", True), ("parool", True),
)  # fmt: skip
_OTHER_NOUNS = (
    ("contraseña", True), ("hasło", True), ("lösenord", True), ("jelszó", True), ("şifre", True),
    ("mật khẩu", True), ("пароль", True), ("парол", True), ("口令", True), ("密码", True), ("密碼", True),
    ("パスワード", True), ("暗証番号", True), ("비밀번호", True), ("암호", True), ("κωδικός", True),
    ("סיסמה", True), ("كلمة المرور", True), ("पासवर्ड", True), ("รหัสผ่าน", True),
    ("schlüssel", False), ("clé api", False), ("clé d'api", False), ("ключ", False), ("токен", False),
    ("密钥", False), ("令牌", False), ("秘密鍵", False), ("トークン", False), ("토큰", False),
)  # fmt: skip


def _anchors() -> dict[str, list[tuple[str, int, bool]]]:
    """Each noun under its first non-ASCII letter, with that letter's offset in the noun."""
    table: dict[str, list[tuple[str, int, bool]]] = {}
    for noun, is_password in _OTHER_NOUNS:
        offset = next(i for i, c in enumerate(noun) if not c.isascii())
        table.setdefault(noun[offset], []).append((noun, offset, is_password))
    for candidates in table.values():  # the longest noun first: пароль before парол
        candidates.sort(key=lambda candidate: -len(candidate[0]))
    return table


_ANCHORS = _anchors()
# Links: punctuation, or the language's "is" (a few also "was", "will be").
_LINKS = (
    r"[:：=→—–-]|->|ist|lautet|war|est|était|c'est|es|era|será|é|è|is|was|to|jest|brzmi|это|будет"
    r"|är|var|er|on|je|是|为|為|は|는|은|이|가"
)
_ENGLISH_LINKS = frozenset(["is", "was", "to", ":", "：", "=", "-", "->", "→", "—", "–"])
_INFLECTION_RE = re.compile(rf"[^\W\d_{_CJK}]{{0,4}}+")  # hasła, пароля, lösenordet, şifresi
_TAIL_RE = re.compile(
    rf"""(?:[ \t]++(?!(?:{_LINKS})(?!\w))[\w\-']{{1,24}}+){{0,4}}?
    [ \t]*+(?P<link>{_LINKS})(?:[ \t]*+[:：])?(?=[\s{_CJK}]|(?<=[:：=→—–\-是为為は는은이가]))[ \t]*+
    ["'`«“„]?(?P<value>[^\s"'`»”{_CJK}。，、！？）」]{{1,{MAX_VALUE}}}+)""",
    re.VERBOSE,
)  # matched on the lowered text (the same offsets): IGNORECASE made it several times slower
_BLANK_TAIL_RE = re.compile(rf"""[ \t]++["'`«“„]?(?P<value>[^\s"'`»”{_CJK}。，、！？）」]{{1,{MAX_VALUE}}}+)""")
_VALUE_END = ".,;:!?)]}\"'`>»”"


def prose_findings(text: str, lowered: str, pass_at: list[int]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of passwords and keys given in prose of another language. `pass_at`:
    where "pass" occurs in `lowered` (the caller found it)."""
    ascii_only = text.isascii()
    nouns: list[tuple[int, str, bool]] = []  # (where the noun ends, the noun, whether it names a password)
    for at in pass_at:
        for noun, is_password in _PASS_NOUNS:
            start = at - 7 if noun == "mot de passe" else at
            if start >= 0 and lowered.startswith(noun, start) and (noun != "password" or not ascii_only):
                nouns.append((start + len(noun), noun, is_password))
                break
    for noun, is_password in _ASCII_NOUNS:
        at = lowered.find(noun)
        while at != -1:
            if at == 0 or not lowered[at - 1].isalpha() or noun.endswith(("wort", "woord")):  # Datenbankkennwort
                nouns.append((at + len(noun), noun, is_password))
            at = lowered.find(noun, at + len(noun))
    if not ascii_only:
        for letter, candidates in _ANCHORS.items():
            at = lowered.find(letter)
            while at != -1:
                for noun, offset, is_password in candidates:
                    if lowered.startswith(noun, at - offset):
                        nouns.append((at - offset + len(noun), noun, is_password))
                        break
                at = lowered.find(letter, at + 1)
    found: list[tuple[int, int, str]] = []
    for end, noun, is_password in sorted(nouns):
        span = _value_after(text, lowered, _INFLECTION_RE.match(lowered, end).end(), noun, is_password)  # type: ignore[union-attr]
        if span is not None:
            found.append((span[0], span[1], "password" if is_password else "secret"))
    return found


def _value_after(text: str, lowered: str, pos: int, noun: str, is_password: bool) -> tuple[int, int] | None:
    tail = _TAIL_RE.match(lowered, pos)
    if tail is not None and noun == "password" and tail.group("link") in _ENGLISH_LINKS:
        return None  # English: nevo.redact_keyed reads it
    if tail is None and is_password and noun != "password":
        tail = _BLANK_TAIL_RE.match(lowered, pos)  # "clave X", "Kennwort X": the word itself, no qualifier
    if tail is None:
        return None
    start, end = tail.span("value")
    whole = end
    while end > start and text[end - 1] in _VALUE_END:
        end -= 1
    value = text[start:end]
    found = value_class(value)
    if is_password and found == Value.WORD:
        if is_compound_password(value):
            found = Value.PASSWORD
        elif whole > end and is_compound_password(text[start:whole]):  # "... lautet KestrelFalcon!"
            found, end = Value.PASSWORD, whole
    return (start, end) if found >= (Value.PASSWORD if is_password else Value.RANDOM) else None
