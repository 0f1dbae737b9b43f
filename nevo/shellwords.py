"""Shell commands split into segments as the shell parses them, in time linear in the command's length.

The guard hook runs this outside nevo (``hooks/shellwords.py`` links here and is copied into
``.nevo/hooks/``; ``python3 -S -E`` imports it from there), so it imports only ``os`` and ``re``, nothing
from nevo, and no module that is slow to import (no dataclasses, no typing at run time).

A command is cut at ``;``, ``&&``, ``||``, ``|``, ``&``, newlines and parentheses, and inside ``$(...)``,
``<(...)`` and ``>(...)`` too (those run as commands). Text inside quotes, backticks and here-document
bodies never forms a segment, and a ``$(...)`` inside double quotes neither: a guard never acts on text
the shell would not run as written. Each segment knows the folder it runs in, following ``cd DIR``
(``None`` when that cannot be known: ``cd $X``, ``cd -``, a ``cd`` in a pipeline, ``popd``).

No backtracking regex ever runs on the command: the expressions below are single character classes or
quoted strings with possessive quantifiers, each character is consumed once, and the work is capped
(:data:`MAX_STEPS`, :data:`MAX_DEPTH`); beyond a cap, :class:`Unparsable` is raised and the caller stands
aside.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

MAX_STEPS = 20_000  # loop turns (some 50 ms of the worst kind of input); beyond this, stand aside
MAX_DEPTH = 64  # nested $( " ${ levels

WORD, REDIRECT, RUN = "word", "redirect", "run"
# Words that may open a command without being it (`if npm test; then`, `! make`, `{ make; }`).
RESERVED = frozenset({"!", "{", "then", "do", "else", "elif", "if", "while", "until"})

_BLANKS = re.compile(r"[ \t]++")
_PLAIN = re.compile(r"[^ \t\n'\"\\`$;&|()<>]++")
_RUN = re.compile(r"[^\n'\"\\`$;&|()<>#]++")  # plain words and the blanks between them
_WORDS = re.compile(r"[^ \t]++")
_MAY_CD = ("cd", "pushd", "popd", *RESERVED)  # what a segment that may change the folder starts with
_CONTINUES = frozenset("'\"\\`$#<>(")  # after a non-blank, these continue the word
_SINGLE = re.compile(r"'[^']*+'")
_ANSI_C = re.compile(r"\$'(?:[^'\\]++|\\.)*+'", re.DOTALL)
_BACKTICK = re.compile(r"`(?:[^`\\]++|\\.)*+`", re.DOTALL)
_DOUBLE_PLAIN = re.compile(r'(?:[^"\\`$]++|\\.)++', re.DOTALL)
_BRACE_PLAIN = re.compile(r"(?:[^{}'\"\\`$]++|\\.)++", re.DOTALL)
_DOLLARS = re.compile(r"\$[$A-Za-z0-9_@*#?!-]*+")
_ARITH_PLAIN = re.compile(r"[^()]++")
_REDIRECT_OP = re.compile(r"<<<|<<-|<<|<>|<&|>&|>>|>\||&>>|&>|<|>")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*+=")
_DURATION = re.compile(r"[0-9]++(?:\.[0-9]++)?+[smhd]?+")
_SEPARATORS = ("&&", "||", ";;&", ";;", ";&", "|&", ";", "&", "|")
_TIMEOUT_VALUED = frozenset({"-k", "-s", "--kill-after", "--signal"})
_TIMEOUT_FLAGS = frozenset({"--preserve-status", "--foreground", "-v", "--verbose"})


class Unparsable(ValueError):
    """A command this reader cannot follow (an open quote, too deep, too long): the caller stands aside."""


class Token:
    """A word (raw text as written, quotes included) or a redirection (operator, fd and target)."""

    __slots__ = ("end", "kind", "plain", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int, plain: bool) -> None:
        self.kind, self.text, self.start, self.end, self.plain = kind, text, start, end, plain

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}"


class Segment:
    """One simple command: its tokens, the folder it runs in (absolute, or None when unknown), and the
    separators before and after it. Runs of plain words are kept as one RUN token and split into words
    only when asked (:meth:`tokens`), so a megabyte of plain words costs one regex match."""

    __slots__ = ("closer", "folder", "opener", "raw", "source")

    def __init__(self, source: str, raw: list[Token], folder: str | None, opener: str, closer: str) -> None:
        self.source, self.raw, self.folder, self.opener, self.closer = source, raw, folder, opener, closer

    def iter_tokens(self) -> Iterator[Token]:
        for token in self.raw:
            if token.kind != RUN:
                yield token
                continue
            for m in _WORDS.finditer(self.source, token.start, token.end):
                yield Token(WORD, m.group(), m.start(), m.end(), True)

    def tokens(self, limit: int = -1) -> list[Token]:
        """The tokens with runs split into words: all of them, or the first ``limit``."""
        out: list[Token] = []
        for token in self.iter_tokens():
            if len(out) == limit:
                break
            out.append(token)
        return out

    def words(self) -> list[str]:
        return [t.text for t in self.iter_tokens() if t.kind == WORD]

    @property
    def start(self) -> int:
        return self.raw[0].start

    @property
    def end(self) -> int:
        return self.raw[-1].end


def segments(command: str, folder: str | None = None) -> list[Segment]:
    """The command's segments in order; ``folder`` is where it starts (absolute). Raises Unparsable."""
    return _Reader(command, folder).read()


class _Reader:
    def __init__(self, text: str, folder: str | None) -> None:
        self.s, self.n = text, len(text)
        self.out: list[Segment] = []
        self.steps = 0
        self.depth = 0
        self.heredocs: list[tuple[str, bool]] = []
        self.pushed: list[str | None] = []  # pushd's stack
        self.start_folder = folder

    def read(self) -> list[Segment]:
        self._command(0, self.start_folder, nested=False, keep=True)
        return self.out

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unparsable("too long to follow")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unparsable("nested too deeply")

    # -- commands -----------------------------------------------------------------------------------
    def _command(self, pos: int, folder: str | None, *, nested: bool, keep: bool) -> int:
        """Read commands from ``pos``; for a nested one (``$(``), up to and past its closing ``)``."""
        self._enter()
        s, n = self.s, self.n
        tokens: list[Token] = []
        opener = ""
        stack: list[str | None] = []  # folders outside the open subshells
        while pos < n:
            self._tick()
            c = s[pos]
            if c == " " or c == "\t":
                pos = _BLANKS.match(s, pos).end()  # type: ignore[union-attr]
            elif c == "\n":
                folder = self._end(tokens, folder, opener, "\n", keep)
                tokens, opener = [], "\n"
                pos = self._heredoc_bodies(pos + 1)
            elif c == "\\" and s.startswith("\\\n", pos):
                pos += 2  # a line continuation is a blank
            elif c == "#":  # only ever reached where a word would start: a comment
                end = s.find("\n", pos)
                pos = n if end < 0 else end
            elif (c == "&" and s.startswith("&>", pos)) or (c in "<>" and not s.startswith(("<(", ">("), pos)):
                pos = self._redirect(pos, pos, tokens, keep, folder)
            elif c in ";&|":
                op = next(o for o in _SEPARATORS if s.startswith(o, pos))
                folder = self._end(tokens, folder, opener, op, keep)
                tokens, opener = [], op
                pos += len(op)
            elif c == "(" and not tokens and s.startswith("((", pos):
                pos = self._word(pos, tokens, folder, keep)  # ((arithmetic)): one word
            elif c == "(":
                folder = self._end(tokens, folder, opener, "(", keep)
                tokens, opener = [], "("
                stack.append(folder)
                pos += 1
            elif c == ")":
                folder = self._end(tokens, folder, opener, ")", keep)
                tokens, opener = [], ")"
                pos += 1
                if stack:
                    folder = stack.pop()
                elif nested:
                    self.depth -= 1
                    return pos
                # else: a stray `)` (a `case` pattern): a separator and nothing more
            else:
                pos = self._run(pos, tokens, folder, keep)
        if nested:
            raise Unparsable("a $( without its )")
        self._end(tokens, folder, opener, "", keep)
        self.depth -= 1
        return pos

    def _end(self, tokens: list[Token], folder: str | None, opener: str, closer: str, keep: bool) -> str | None:
        """Close a segment; returns the folder the next one runs in."""
        if not tokens:
            return folder
        segment = Segment(self.s, tokens, folder, opener, closer)
        if keep:
            self.out.append(segment)
        if not self.s.startswith(_MAY_CD, tokens[0].start):
            return folder  # the common case, decided without splitting the segment into words
        return _after_cd(segment, self.pushed)

    # -- words --------------------------------------------------------------------------------------
    def _run(self, pos: int, tokens: list[Token], folder: str | None, keep: bool) -> int:
        """Plain words up to the next special character as one RUN token; a last word that goes on
        (into a quote, a `$`, a redirection) is left to :meth:`_word`."""
        s, n = self.s, self.n
        m = _RUN.match(s, pos)
        if m is None:
            return self._word(pos, tokens, folder, keep)
        end = m.end()
        if end < n and s[end] in _CONTINUES and s[end - 1] not in " \t":
            end = max(s.rfind(" ", pos, end), s.rfind("\t", pos, end))
            if end < pos:
                return self._word(pos, tokens, folder, keep)
        end = pos + len(s[pos:end].rstrip(" \t"))
        tokens.append(Token(RUN, "", pos, end, True))
        return end

    def _word(self, pos: int, tokens: list[Token], folder: str | None, keep: bool) -> int:
        s, n = self.s, self.n
        start, plain = pos, True
        while pos < n:
            self._tick()
            c = s[pos]
            m = _PLAIN.match(s, pos)
            if m is not None:
                pos = m.end()
                continue
            if c in " \t\n;&|)":
                break
            if c in "<>":
                if not s.startswith(("<(", ">("), pos):
                    break
                pos = self._command(pos + 2, folder, nested=True, keep=keep)
            elif c == "(":
                if pos == start and s.startswith("((", pos):
                    pos = self._arith(pos + 2)
                else:
                    break
            elif c == "'":
                pos = self._quoted(_SINGLE, pos)
            elif c == '"':
                pos = self._double(pos + 1, folder)
            elif c == "\\":
                pos += 2
            elif c == "`":
                pos = self._quoted(_BACKTICK, pos)
            else:  # "$"
                pos = self._dollar(pos, folder, keep)
            plain = False
        pos = min(pos, n)
        if pos < n and s[pos] in "<>" and s[start:pos].isdigit():
            return self._redirect(start, pos, tokens, keep, folder)  # `2>log`: the digits are the fd
        tokens.append(Token(WORD, s[start:pos], start, pos, plain))
        return pos

    def _quoted(self, pattern: re.Pattern[str], pos: int) -> int:
        m = pattern.match(self.s, pos)
        if m is None:
            raise Unparsable("an open quote")
        return m.end()

    def _dollar(self, pos: int, folder: str | None, keep: bool) -> int:
        s = self.s
        if s.startswith("$((", pos):
            return self._arith(pos + 3)
        if s.startswith("$(", pos):
            return self._command(pos + 2, folder, nested=True, keep=keep)
        if s.startswith("${", pos):
            return self._braces(pos + 2, folder)
        if s.startswith("$'", pos):
            return self._quoted(_ANSI_C, pos)
        if s.startswith('$"', pos):
            return self._double(pos + 2, folder)
        return _DOLLARS.match(s, pos).end()  # type: ignore[union-attr]

    def _double(self, pos: int, folder: str | None) -> int:
        """Past the closing quote of a double-quoted string starting at ``pos`` (after the quote)."""
        self._enter()
        s, n = self.s, self.n
        while pos < n:
            self._tick()
            m = _DOUBLE_PLAIN.match(s, pos)
            if m is not None:
                pos = m.end()
                continue
            c = s[pos]
            if c == '"':
                self.depth -= 1
                return pos + 1
            if c == "\\":
                raise Unparsable("a backslash at the very end")
            if c == "`":
                pos = self._quoted(_BACKTICK, pos)
            else:  # "$": a command substitution in quotes runs, but is never matched (keep=False)
                pos = self._dollar(pos, folder, keep=False)
        raise Unparsable("an open double quote")

    def _braces(self, pos: int, folder: str | None) -> int:
        self._enter()
        s, n = self.s, self.n
        depth = 1
        while pos < n:
            self._tick()
            m = _BRACE_PLAIN.match(s, pos)
            if m is not None:
                pos = m.end()
                continue
            c = s[pos]
            if c == "}" or c == "{":
                depth += 1 if c == "{" else -1
                pos += 1
                if depth == 0:
                    self.depth -= 1
                    return pos
            elif c == "'":
                pos = self._quoted(_SINGLE, pos)
            elif c == '"':
                pos = self._double(pos + 1, folder)
            elif c == "`":
                pos = self._quoted(_BACKTICK, pos)
            elif c == "$":
                pos = self._dollar(pos, folder, keep=False)
            else:
                raise Unparsable("a backslash at the very end")
        raise Unparsable("an open ${")

    def _arith(self, pos: int) -> int:
        """Past the `))` closing an arithmetic expression whose `((` ends just before ``pos``."""
        s, n = self.s, self.n
        depth = 2
        while pos < n:
            self._tick()
            m = _ARITH_PLAIN.match(s, pos)
            if m is not None:
                pos = m.end()
                continue
            depth += 1 if s[pos] == "(" else -1
            pos += 1
            if depth == 0:
                return pos
        raise Unparsable("an open $((")

    # -- redirections and here-documents ---------------------------------------------------------------
    def _redirect(self, start: int, pos: int, tokens: list[Token], keep: bool, folder: str | None) -> int:
        s, n = self.s, self.n
        m = _REDIRECT_OP.match(s, pos)
        if m is None:  # cannot happen: the caller saw < > or &>
            raise Unparsable("a redirection")
        op, pos = m.group(), m.end()
        if pos < n and s[pos] in " \t":
            pos = _BLANKS.match(s, pos).end()  # type: ignore[union-attr]
        target: list[Token] = []
        if pos < n and s[pos] not in "\n;&|()<>":
            pos = self._word(pos, target, folder, keep)
        if op in ("<<", "<<-") and target:
            self.heredocs.append((_unquote(target[0].text), op == "<<-"))
        tokens.append(Token(REDIRECT, s[start:pos], start, pos, False))
        return pos

    def _heredoc_bodies(self, pos: int) -> int:
        """Skip the bodies of the here-documents opened on the line that just ended: each one ends at the
        first line that is its delimiter (found by one literal search, not line by line)."""
        for delimiter, strip_tabs in self.heredocs:
            self._tick()
            tabs = "\t*" if strip_tabs else ""
            end = re.compile(f"^{tabs}{re.escape(delimiter)}$", re.MULTILINE).search(self.s, pos)
            pos = self.n if end is None else end.end() + 1
        self.heredocs = []
        return min(pos, self.n)


def _unquote(word: str) -> str:
    return word.replace("'", "").replace('"', "").replace("\\", "")


def _after_cd(segment: Segment, pushed: list[str | None]) -> str | None:
    """The folder after this segment: changed by `cd DIR`, `pushd DIR` and `popd`; unknown after one that
    cannot be followed."""
    folder, opener, closer = segment.folder, segment.opener, segment.closer
    words = [t for t in segment.tokens(8) if t.kind == WORD]
    index = 0
    while index < len(words) and words[index].text in RESERVED:
        index += 1
    if index >= len(words) or words[index].text not in ("cd", "pushd", "popd"):
        return folder
    program, args = words[index].text, words[index + 1 :]
    if opener in ("|", "|&") or closer in ("|", "|&", "&"):
        return None  # in a pipeline or in the background: a subshell, or not; do not guess
    if program == "popd":
        return pushed.pop() if pushed and not args else None
    if folder is None or len(args) != 1 or not args[0].plain or args[0].text.startswith(("-", "+", "~")):
        return None  # `cd`, `cd -`, `cd $X`, `cd "a b"`, `cd ~`: not followed
    if program == "pushd":
        pushed.append(folder)
    return os.path.normpath(os.path.join(folder, args[0].text))


# -- the command inside a segment ---------------------------------------------------------------------
class Parts:
    """Where a segment's command starts, after what may precede it: reserved words (``if``, ``!``),
    ``VAR=value`` assignments, and the wrappers ``env`` (with its assignments), ``timeout [opts] N``,
    ``command`` and ``time``. Indices are into the segment's tokens."""

    __slots__ = ("assignments", "command", "head", "leading")

    def __init__(self, head: int, leading: int, assignments: list[int], command: int) -> None:
        self.head, self.leading, self.assignments, self.command = head, leading, assignments, command


def command_parts(tokens: list[Token]) -> Parts | None:
    """None when a prefix is one this reader does not follow (``env -i``, ``command -v``, a redirection
    before the command)."""
    i, n = 0, len(tokens)

    def word(k: int) -> str | None:
        return tokens[k].text if k < n and tokens[k].kind == WORD else None

    while word(i) in RESERVED:
        i += 1
    head = i
    assignments: list[int] = []
    while (w := word(i)) is not None and _ASSIGNMENT.match(w):
        assignments.append(i)
        i += 1
    leading = len(assignments)
    while True:
        w = word(i)
        if w == "env":
            i += 1
            while (w := word(i)) is not None and _ASSIGNMENT.match(w):
                assignments.append(i)
                i += 1
            if (word(i) or "").startswith("-"):
                return None
        elif w == "command":
            i += 1
            if word(i) == "-p":
                i += 1
            elif (word(i) or "").startswith("-"):
                return None  # command -v / -V only looks the program up
        elif w == "time":
            i += 1
            if word(i) == "-p":
                i += 1
        elif w == "timeout":
            i += 1
            while (w := word(i)) is not None and w.startswith("-"):
                if w in _TIMEOUT_VALUED:
                    i += 2
                elif w in _TIMEOUT_FLAGS or w.startswith(("--kill-after=", "--signal=")) or w[:2] in ("-k", "-s"):
                    i += 1
                else:
                    return None
            if (w := word(i)) is None or not _DURATION.fullmatch(w):
                return None
            i += 1
        else:
            break
    if i < n and tokens[i].kind != WORD:
        return None
    return Parts(head, leading, assignments, i)


def assignment_name(word: str) -> str:
    return word.split("=", 1)[0]


# -- matching and rewriting ----------------------------------------------------------------------------
PREFIX_LIMIT = 64  # tokens looked at before a command's first word


class Hit:
    """A segment whose command is a guard's words: the tokens read, the prefix, and where the words end."""

    __slots__ = ("end", "parts", "segment", "tokens")

    def __init__(self, segment: Segment, tokens: list[Token], parts: Parts, end: int) -> None:
        self.segment, self.tokens, self.parts, self.end = segment, tokens, parts, end


def command_word(segment: Segment) -> str | None:
    """The program the segment runs (its first word after any prefix), or None."""
    tokens = segment.tokens(PREFIX_LIMIT + 1)
    parts = command_parts(tokens)
    return tokens[parts.command].text if parts is not None and parts.command < len(tokens) else None


def match(segment: Segment, words: list[str], env: list[str]) -> Hit | None:
    """The segment runs exactly ``words`` (whole words, compared as written), after any prefix, with
    nothing after them but redirections, and carries every assignment in ``env``."""
    limit = PREFIX_LIMIT + len(words)
    tokens = segment.tokens(limit + 1)
    parts = command_parts(tokens)
    if parts is None or parts.command + len(words) > len(tokens):
        return None
    for offset, word in enumerate(words):
        token = tokens[parts.command + offset]
        if token.kind != WORD or token.text != word:
            return None
    end = parts.command + len(words)
    if any(t.kind == WORD for t in tokens[end:]):
        return None  # `npm run build --watch`: another command
    if len(tokens) > limit:
        rest = segment.iter_tokens()
        for _ in range(len(tokens)):
            next(rest)
        if any(t.kind == WORD for t in rest):
            return None
    present = {tokens[k].text for k in parts.assignments}
    if any(assignment not in present for assignment in env):
        return None
    return Hit(segment, tokens, parts, end)


def rewrite(hit: Hit, fix_env: list[str], fix_command: str) -> tuple[int, int, str]:
    """``(start, end, text)``: the segment's prefix and command replaced by the fix, keeping reserved words,
    wrappers and the assignments the fix does not set itself (``A=1 cmd`` with the fix ``A=2 cmd`` gives
    ``A=2 cmd``, never ``A=1 A=2 cmd``). Redirections after the command stay where they are."""
    tokens, parts = hit.tokens, hit.parts
    names = {assignment_name(a) for a in fix_env}
    assigned = set(parts.assignments)
    leading_end = parts.head + parts.leading
    pieces = [tokens[k].text for k in range(parts.head)]
    pieces += [tokens[k].text for k in range(parts.head, leading_end) if assignment_name(tokens[k].text) not in names]
    pieces += fix_env
    pieces += [
        tokens[k].text
        for k in range(leading_end, parts.command)
        if k not in assigned or assignment_name(tokens[k].text) not in names
    ]
    pieces.append(fix_command)
    return tokens[0].start, tokens[hit.end - 1].end, " ".join(pieces)
