"""Shell commands split the way the shell splits them: segments, wrappers seen through, never inside quotes.

One parser for every judgment that reads a Bash command (:mod:`nevo.harm`, :mod:`nevo.calls`): a command is
split on ``&&``, ``||``, ``;``, ``|``, ``&`` and newlines outside quotes; each simple command keeps its leading
``VAR=value`` assignments apart, loses its wrappers (``sudo``, ``env``, ``timeout 5``, ``xargs``, ``nohup``)
and its redirections; a command substitution stands as one word while :func:`substitutions` reads inside.
Parsing is cached: the monitor reads the same commands all session long.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

OPERATORS = frozenset({"&&", "||", ";", "|", "&", "|&", ";;", "\n"})
WRAPPERS = frozenset(
    {"sudo", "doas", "env", "time", "nohup", "command", "exec", "nice", "ionice", "stdbuf", "xargs", "timeout"}
)
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)|`([^`]*)`|<\(([^()]*)\)")


@dataclass(frozen=True)
class Segment:
    """One simple command: its text, leading assignments, the wrappers around it, the program and arguments."""

    text: str
    env: tuple[str, ...]
    wrappers: tuple[str, ...]
    program: str  # the program as written (``./run.sh``, ``.venv/bin/python``)
    args: tuple[str, ...]
    operator: str  # the operator that ended the segment ("" for the last one)
    redirects: tuple[str, ...] = ()  # ``<`` and ``>`` targets

    @property
    def name(self) -> str:
        """The program's base name, versions folded (``python3.11`` -> ``python3``, ``pip3`` -> ``pip``)."""
        return program_name(self.program)


def program_name(token: str) -> str:
    base = posixpath.basename(token)
    if re.fullmatch(r"python\d+\.\d+", base):
        return "python3"
    if re.fullmatch(r"pip\d*(?:\.\d+)?", base):
        return "pip"
    return base


@lru_cache(maxsize=8192)
def segments(command: str) -> tuple[Segment, ...]:
    """The simple commands of ``command`` in order, as the shell would split them (never inside quotes).
    A command substitution (``$(...)``, backticks) stands as one word, ``__SUBST__``; :func:`classify` reads
    inside it."""
    out: list[Segment] = []
    for words, operator, text in _split(_SUBSTITUTION.sub(" __SUBST__ ", command)):
        env: list[str] = []
        wrappers: list[str] = []
        redirects: list[str] = []
        tokens: list[str] = []
        skip = 0
        for index, word in enumerate(words):
            if skip:
                skip = 0
                continue
            if word and set(word) <= set("<>&|") and word not in ("&", "|"):
                target = words[index + 1] if index + 1 < len(words) else ""
                redirects.append(("<" if word == "<" else "") + target)
                skip = 1
                continue
            tokens.append(word)
        while tokens:
            head = tokens[0]
            if _ASSIGNMENT.match(head):
                env.append(tokens.pop(0))
                continue
            name = program_name(head)
            if name in WRAPPERS or name == "timeout":
                wrappers.append(name)
                tokens.pop(0)
                while tokens and (tokens[0].startswith("-") or _ASSIGNMENT.match(tokens[0])):
                    flag = tokens.pop(0)
                    if _ASSIGNMENT.match(flag):
                        env.append(flag)
                    elif flag in ("-n", "-u", "-I", "-P", "-L", "-d", "-s", "-k") and tokens:
                        tokens.pop(0)  # the flag's value (nice -n 5, env -u NAME, xargs -I {})
                if name == "timeout" and tokens:
                    tokens.pop(0)  # the duration
                continue
            break
        if not tokens:
            if env:
                out.append(Segment(text, tuple(env), tuple(wrappers), "", (), operator, tuple(redirects)))
            continue
        out.append(Segment(text, tuple(env), tuple(wrappers), tokens[0], tuple(tokens[1:]), operator, tuple(redirects)))
    return tuple(out)


def _split(command: str) -> list[tuple[list[str], str, str]]:
    """(words, operator after, text) per simple command. Unbalanced quotes: a plain split on operators."""
    try:
        lexer = shlex.shlex(command.replace("\\\n", " "), posix=True, punctuation_chars=";&|<>()\n")
        lexer.whitespace = " \t\r"
        lexer.whitespace_split = True
        lexer.commenters = ""
        tokens = list(lexer)
    except ValueError:
        parts = re.split(r"(&&|\|\||[;|\n])", command)
        rough = []
        for index in range(0, len(parts), 2):
            operator = parts[index + 1] if index + 1 < len(parts) else ""
            if parts[index].strip():
                rough.append((parts[index].split(), operator, parts[index].strip()))
        return rough
    found: list[tuple[list[str], str, str]] = []
    words: list[str] = []
    for index, token in enumerate(tokens):
        if token and set(token) <= set(";&|\n"):
            if words:
                found.append((words, token.strip() or "\n", _join(words)))
            words = []
        elif token in ("(", ")"):
            continue
        elif token in ("1", "2") and index + 1 < len(tokens) and tokens[index + 1] in (">", ">>", ">&"):
            continue  # the file descriptor of a redirection (2>&1)
        else:
            words.append(token)
    if words:
        found.append((words, "", _join(words)))
    return found


def _join(words: list[str]) -> str:
    return " ".join(shlex.quote(w) if (not w or re.search(r"[\s'\"$`\\]", w)) else w for w in words)


def inner_commands(segment: Segment) -> list[str]:
    """Commands a segment runs as text: ``bash -c '...'``, ``eval '...'``."""
    found: list[str] = []
    if segment.name in SHELLS and "-c" in segment.args:
        index = segment.args.index("-c")
        if index + 1 < len(segment.args):
            found.append(segment.args[index + 1])
    if segment.name == "eval":
        found.append(" ".join(segment.args))
    return found


def substitutions(command: str) -> list[str]:
    """The commands inside ``$(...)``, backticks and ``<(...)`` (one level)."""
    return [next(g for g in m.groups() if g is not None) for m in _SUBSTITUTION.finditer(command)]
