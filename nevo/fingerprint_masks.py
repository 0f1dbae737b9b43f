"""The masks behind nevo.fingerprint: what varies between two runs of one failure, made constant.

normalize_text() strips terminal noise (ANSI escapes, overwritten progress lines) and masks paths
(the workspace as <ws>, site-packages, node_modules, home, temp dirs), secrets, and values (uuids,
ids, times, addresses, hex, counts, durations, line numbers, large numbers); normalize_command()
and normalize_line() build on it. Each mask is guarded by a cheap literal check, since most lines
need none of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

MAX_COMMAND_CHARS = 300
MAX_LINE_CHARS = 300
# A checkout named like this says nothing about the project: "/x/src" elsewhere is not our workspace.
GENERIC_DIR_NAMES = frozenset(
    {"app", "bin", "build", "code", "data", "dev", "dist", "home", "lib", "main", "master", "opt", "project"}
    | {"repo", "root", "src", "test", "tests", "tmp", "trunk", "usr", "var", "work", "workspace", "ws"}
)


def _sub(
    pattern: str, replacement: str | Callable[[re.Match[str]], str], flags: int = 0
) -> Callable[[str], str]:
    compiled = re.compile(pattern, flags)
    return lambda text: compiled.sub(replacement, text)


_PATH_CHAR = r"[^/\s'\"`:;,()\[\]<>{}=|&]"  # one path component
_PATH_START = r"(?<![\w.~/*>-])"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_CARRIAGE_RETURN_LINE = re.compile(r"[^\n]*\r(?!\n)")
_PYLIB = _sub(
    rf"{_PATH_START}(?:/{_PATH_CHAR}+)*?/lib/python\d+(?:\.\d+)?/(?:site|dist)-packages/", "<pylib>/"
)
_PYSTDLIB = _sub(rf"{_PATH_START}(?:/{_PATH_CHAR}+)*?/lib/python\d+(?:\.\d+)?/", "<pystdlib>/")
_NODE_MODULES = _sub(rf"{_PATH_START}(?:/{_PATH_CHAR}+)*?/node_modules/", "<node_modules>/")
_HOME = _sub(rf"{_PATH_START}(?:/home/{_PATH_CHAR}+|/Users/{_PATH_CHAR}+|/root)(?=/|\b)", "~")
_TEMP_PATH = re.compile(
    rf"{_PATH_START}(?:/private)?(?:/tmp|/var/tmp|/var/folders/{_PATH_CHAR}+/{_PATH_CHAR}+/[A-Z])"
    rf"((?:/{_PATH_CHAR}+)*)"
)
_RANDOM_COMPONENT = re.compile(r"tmp.*|pytest-.*|.*\d.*|.*[-_.][a-z0-9_]{8}|[a-z0-9_]{8}")
_TEMP_NAME = _sub(r"\btmp[a-z0-9_]{8}\b", "tmp*")
_SECRETS = [
    _sub(
        r"(?i)\b(api[_-]?key|token|secret|password|passwd|auth(?:orization)?)(\s*[:=]\s*)(?:bearer\s+)?[^\s'\"]+",
        r"\1\2<secret>",
    ),
    _sub(r"(?i)\bbearer\s+[\w.~+/-]{8,}=*", "Bearer <secret>"),
    _sub(r"\b(?:sk-[\w-]{16,}|gh[pousr]_\w{20,}|xox[abpr]-[\w-]{10,}|AKIA[0-9A-Z]{16})\b", "<secret>"),
    _sub(r"(://[^\s:/@]+):[^\s@/]+@", r"\1:<secret>@"),
]
_SECRET_HINT = re.compile(r"(?i)key|token|secret|passw|auth|bearer|sk-|gh[pousr]_|xox|AKIA|://")
_DIGIT = re.compile(r"\d")
# (literals of which one must be in the lowercased text for the mask to matter, mask): the literal
# checks cost nanoseconds, a regex pass microseconds.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_VALUE_MASKS: list[tuple[tuple[str, ...], Callable[[str], str]]] = [
    (("-",), _sub(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>")),
    (("_",), _sub(r"\b(?:toolu|srvtoolu|msg|req|call|session)_[A-Za-z0-9]{8,}\b", "<id>")),
    (
        ("-",),
        _sub(
            r"\b\d{4}-\d{2}-\d{2}"  # a date, maybe with a time (npm writes 05_03_42_559Z in log names)
            r"(?:[T _]\d{2}[:_]\d{2}(?:[:_]\d{2}(?:[.,_]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}\b)?)?",
            "<time>",
        ),
    ),
    ((":",), _sub(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "<time>")),
    # Addresses vary between runs (DHCP, containers, cloud hosts): `connect to host 10.0.0.5 port 22` and
    # `... 10.0.0.9 ...` are one incident. IPv4 is four octets 0-255 standing alone, so a version such as
    # v20.1.2.3 or 1.2.3.4.5 is not an address.
    ((".",), _sub(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)", "<ip>")),
    # IPv6: the full eight groups, or a compressed form with "::"; it must hold a digit, so C++'s
    # `abc::def` stays; times were masked above, so `12:34:56` is not read as an address.
    (
        (":",),
        _sub(
            r"(?i)(?<![\w:.])(?=[\w:]*\d)(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
            r"|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)"
            r"(?![\w:])",
            "<ip>",
        ),
    ),
    (("0x",), _sub(r"\b0x[0-9a-fA-F]+\b", "0x<hex>")),
    ((), _sub(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}\b", "<hex>")),
    (
        (
            " passed",
            " failed",
            " error",
            " skipped",
            " warning",
            " deselected",
            " xfailed",
            " xpassed",
            " rerun",
            " test",
        ),
        _sub(
            r"\b\d+ (passed|failed|errors?|skipped|warnings?|deselected|xfailed|xpassed|rerun|tests?)\b",
            r"<n> \1",
        ),
    ),
    (
        (),
        _sub(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|secs?|seconds?|mins?|minutes?|m|h|hrs?|hours?)\b",
            "<dur>",
        ),
    ),
    (
        ("line", "col", "pid", "process", "port"),
        _sub(r"\b(line|lines|col|column|pid|process|port)([ =:#]*)\d+", r"\1\2<n>", re.IGNORECASE),
    ),
    ((":",), _sub(r"(?<=[\w)\]>])(?::\d+)+\b", lambda m: ":<n>" * m.group(0).count(":"))),
    (("(",), _sub(r"\((\d+),(\d+)\)", "(<n>,<n>)")),
    (("sh: ",), _sub(r"^(\S*sh): \d+: ", r"\1: <n>: ", re.MULTILINE)),
    (("make[",), _sub(r"\bmake\[\d+\]", "make[<n>]")),
    ((), _sub(r"(?<![\w.])(?:\d+\.\d{3,}(?![\w.])|\d{4,}(?!\d))", "<n>")),  # timings, sizes, ids, pids
]


def normalize_text(text: str, cwd: str | None) -> str:
    """Mask what varies between runs of one failure: paths, temp names, times, ids, numbers."""
    text = strip_terminal_noise(text)
    if "/" in text:
        if "/lib/python" in text:
            text = _PYSTDLIB(_PYLIB(text))
        if "/node_modules/" in text:
            text = _NODE_MODULES(text)
        workspace = _workspace_pattern(cwd) if cwd else None
        if workspace is not None:
            text = workspace.sub("<ws>", text)
        text = _TEMP_PATH.sub(_mask_temp_path, text)
        text = _HOME(text)
    if "tmp" in text:
        text = _TEMP_NAME(text)
    if _SECRET_HINT.search(text):
        for mask in _SECRETS:
            text = mask(text)
    if _DIGIT.search(text):  # every value mask needs a digit: most short lines skip them all
        lowered = text.lower()
        for needs, mask in _VALUE_MASKS:
            if not needs or any(literal in lowered for literal in needs):
                text = mask(text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


@lru_cache(maxsize=1024)  # agents retry the same command: its key is computed once
def normalize_command(command: str, cwd: str | None) -> str:
    """The command key: workspace paths as <ws>, no env assignments or secrets, no output trimming."""
    command = _HEREDOC.sub(r"<<\2 <heredoc>", command[:4096]).replace("\\\n", " ")
    command = _ENV_ASSIGNMENTS.sub(r"\1 ", command)
    command = " ".join(normalize_text(command, cwd).split())
    command = _CD_WORKSPACE.sub("", command)
    previous = None
    while previous != command:  # "cmd 2>&1 | tail -20" is the same attempt as "cmd"
        previous, command = command, _OUTPUT_TRIMMING.sub("", command)
    return command[:MAX_COMMAND_CHARS]


_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1[^\n]*\n.*?\n\s*\2(?=\n|$)", re.DOTALL)
_ENV_ASSIGNMENTS = re.compile(
    r"(^|&&|\|\||[;|\n(]|\benv|\bsudo)\s*(?:[A-Za-z_]\w*=(?:'[^']*'|\"[^\"]*\"|[^\s'\"]*)\s+)+"
)
_CD_WORKSPACE = re.compile(r"^cd \"?<ws>\"?/? ?(?:&&|;) ?")
_OUTPUT_TRIMMING = re.compile(r"\s*(?:2>&1|\|\s*(?:head|tail)(?:\s+-[nc]?\s*\+?(?:\d+|<n>))*)\s*$")


def normalize_line(text: str, cwd: str | None) -> str:
    return " ".join(normalize_text(text, cwd).split())[:MAX_LINE_CHARS]


@lru_cache(maxsize=256)
def _workspace_pattern(cwd: str) -> re.Pattern[str] | None:
    """The workspace as it appears in output: cwd, its realpath, and other checkouts of the project."""
    roots = {cwd.rstrip("/"), os.path.realpath(cwd).rstrip("/")}  # realpath: once per cwd (cached)
    alternatives = [re.escape(root) for root in sorted(roots, key=len, reverse=True) if len(root) > 1]
    name = os.path.basename(cwd.rstrip("/"))
    if len(name) >= 3 and name.lower() not in GENERIC_DIR_NAMES:
        # the same project checked out elsewhere (a CI runner, a colleague's machine, a worktree)
        alternatives.append(rf"(?:/{_PATH_CHAR}+)*?/{re.escape(name)}")
    if not alternatives:
        return None
    return re.compile(rf"{_PATH_START}(?:{'|'.join(alternatives)})(?![\w.-])")


def _mask_temp_path(match: re.Match[str]) -> str:
    components = match.group(1).split("/")[1:]
    return "<tmp>" + "".join("/*" if _RANDOM_COMPONENT.fullmatch(c) else f"/{c}" for c in components)


def strip_terminal_noise(text: str) -> str:
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = _CARRIAGE_RETURN_LINE.sub("", text.replace("\r\n", "\n"))  # keep a progress bar's last state
    return text
