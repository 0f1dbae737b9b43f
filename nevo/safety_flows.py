"""What a skill does across lines (``nevo.safety.scan(text, context="skill")``, with nevo.safety_skill's
one-line patterns): a download then executed (piped, saved and run, unpacked and run, evaluated from a
variable, loaded as code), a secret read then sent, Claude Code's settings loaded and their hooks dropped, the
whole repository pushed to a remote the skill adds; and the one exception a line cannot see: a commit with
``--no-verify`` in a repository the same script has just made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nevo.safety_skill import _CODE_CRED, _CRED_PATH, _HOME, _I, _PRIVATE_KEY_FILE
from nevo.safety_words import _SHELL

_WINDOW_LINES = 12
_DOWNLOAD = re.compile(
    r"\burlopen\(|\brequests\.get\(|\bhttpx\.get\(|\burllib\.request\.urlretrieve\(|\bfetch\(|\baxios\.get\("
    r"|\bInvoke-WebRequest\b|\bhttps?\.get\(",
    _I,
)
_EXEC_SINK = re.compile(
    r"(?<![\w.])(?:exec|eval)\(|\bnew\s+Function\(|\bvm\.runIn\w*\(|\bos\.system\(|\bos\.popen\("
    # code loaded from bytes or a file: a native library, a pickle, marshalled code
    r"|\bctypes\.(?:CDLL|cdll\.LoadLibrary|WinDLL)\(|\bcdll\.LoadLibrary\(|\b(?:pickle|marshal|dill)\.loads?\("
    rf"|\[\s*[\"'](?:/bin/)?{_SHELL}[\"']\s*,\s*[\"']-c[\"']|\bshell\s*=\s*True\b",
)
# curl -o FILE / curl -sSLo FILE / wget -O FILE / wget -qO FILE / --output FILE
_SAVED_AS = re.compile(
    r"\b(?:curl|wget)\b[^\n]*?(?:\s-[a-zA-Z]*[oO]\s*|\s--output(?:-document)?[=\s]\s*)[\"']?([^\s\"';&|]+)"
)
_SECRET_READ = re.compile(
    rf"{_HOME}/{_CRED_PATH}|expanduser\(\s*[\"']~/{_CRED_PATH}|Path\.home\(\)\s*/\s*[\"']{_CRED_PATH}"
    r"|dict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|\{\s*\*\*os\.environ\s*\}|json\.dumps\(\s*os\.environ"
    r"|\bprocess\.env\s*[),}]"
    rf"|open\(\s*[\"'](?:\./)?\.env[\"']|{_PRIVATE_KEY_FILE}|{_CODE_CRED}"
    # shell histories hold the tokens typed at the prompt
    r"|\.(?:bash|zsh|python|psql|mysql|node_repl|sh)_history\b|\bfish_history\b",
    _I,
)
_SEND = re.compile(
    r"\brequests\.(?:post|put|patch)\(|\bhttpx\.(?:post|put)\(|\burlopen\([^\n)]*\bdata\s*=|\bRequest\([^\n)]*\bdata\s*="
    r"|\baxios\.(?:post|put)\(|\bmethod\s*:\s*[\"'](?:POST|PUT)[\"']|\bsocket\b[^\n]*\.send(?:all)?\(|\.sendall\("
    # a request body as a keyword on its own line: urllib's Request(url,\n    data=json.dumps(...).encode())
    r"|^\s+data=(?:json\.dumps\(|\w+\.encode\()",
    _I,
)
# A credential store named in a string of a program, then files opened or globbed: the path is read.
_CRED_STRING = re.compile(rf"[\"']~/{_CRED_PATH}")
_FILE_READ = re.compile(
    r"\b(?:open|glob|iglob|read_text|read_bytes|readFileSync|readFile|fopen|file_get_contents|File\.read)\s*\(", _I
)
# SCRIPT=$(curl -fsSL URL) ... eval "$SCRIPT" / bash -c "$SCRIPT"
_FETCHED_INTO = re.compile(r"\b(\w+)=[\"']?\$\(\s*(?:curl|wget)\b")


def _evaluated_download(text: str) -> tuple[int, int] | None:
    for fetched in _FETCHED_INTO.finditer(text):
        name = re.escape(fetched.group(1))
        ran = re.compile(rf"\beval\s+[\"']?\$\{{?{name}\b|\b{_SHELL}\s+-c\s+[\"']?\$\{{?{name}\b")
        found = ran.search(text, fetched.end())
        if found:
            return fetched.start(), found.end()
    return None


_SETTINGS_FILE = re.compile(r"\.claude/settings[\w.-]*\.json|[\"']\.claude[\"']\s*[,/]\s*[\"']settings", _I)
_HOOKS_DROPPED = re.compile(
    r"\.pop\(\s*[\"']hooks[\"']|\bdel\s+\w+\[\s*[\"']hooks[\"']\s*\]|[\"']hooks[\"']\s*[\]:]\s*=?\s*(?:\{\s*\}|\[\s*\]|None)"
    r"|delete\s+\w+(?:\.hooks|\[[\"']hooks[\"']\])",
    _I,
)


def flow_findings(text: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of what spans lines: a download then executed, a secret read then sent,
    Claude Code's settings loaded and their hooks dropped."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def near(first: re.Pattern[str], then: re.Pattern[str], either_order: bool) -> tuple[int, int] | None:
        for index, line in enumerate(lines):
            if not first.search(line):
                continue
            low = max(0, index - _WINDOW_LINES) if either_order else index
            for other in range(low, min(len(lines), index + _WINDOW_LINES + 1)):
                if then.search(lines[other]):
                    return offsets[min(index, other)], offsets[max(index, other) + 1]
        return None

    found = near(_DOWNLOAD, _EXEC_SINK, False) or _saved_then_run(lines, offsets) or _evaluated_download(text)
    if found:
        yield "download-and-execute", *found
    found = near(_SECRET_READ, _SEND, True)
    if found:
        yield "exfiltration", *found
    found = near(_CRED_STRING, _FILE_READ, True)
    if found:
        yield "credential-read", *found
    found = near(_SETTINGS_FILE, _HOOKS_DROPPED, True)
    if found:
        yield "disable-hooks", *found
    found = _pushed_whole_to_added_remote(text)
    if found:
        yield "exfiltration", *found


_REMOTE_ADDED = re.compile(r"\bgit\s+remote\s+add\s+(?:-\S+\s+)*([\w.-]+)\s+[\"']?(\S+?)[\"']?(?:\s|$)")
# A URL a reader fills in (`<your-repo>`, `$REPO_URL`, `github.com/USER/REPO`), not one the skill chose.
_URL_TO_FILL = re.compile(r"[<>{}$]|\byour|(?-i:\b[A-Z]{3,}\b)|\.\.\.", _I)


def _pushed_whole_to_added_remote(text: str) -> tuple[int, int] | None:
    """The whole repository (--mirror, --all) pushed to a remote the skill itself adds with an address of
    its choosing: a copy of the person's code sent elsewhere. (A remote added from the person's own
    address, a placeholder to fill, is how a skill sets up a new repository.)"""
    for added in _REMOTE_ADDED.finditer(text):
        name, url = added.groups()
        if _URL_TO_FILL.search(url):
            continue
        push = re.compile(
            rf"\bgit\s+push\b[^\n]*?(?:--mirror|--all)\b[^\n]*?\s{re.escape(name)}\b"
            rf"|\bgit\s+push\s+{re.escape(name)}\b[^\n]*?(?:--mirror|--all|\*:\*|refs/\*)"
        )
        found = push.search(text, added.end())
        if found:
            return added.start(), found.end()
    return None


_GIT_C = re.compile(r"\bgit\s+-C\s+(\"[^\"\n]+\"|'[^'\n]+'|\S+)")


def commits_in_a_repository_it_made(text: str, start: int) -> bool:
    """Is the git command on the line of ``start`` run (``git -C DIR``) in a repository the same text
    creates (``git -C DIR init``, ``git init DIR``)? A fixture or scratch repository has no hooks of the
    person's to skip."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    target = _GIT_C.search(text[line_start : len(text) if line_end == -1 else line_end])
    if not target:
        return False
    folder = re.escape(target.group(1))
    return re.search(rf"\bgit\s+-C\s+{folder}\s+init\b|\bgit\s+init\s+(?:-\S+\s+)*{folder}(?:\s|$)", text) is not None


def _saved_then_run(lines: list[str], offsets: list[int]) -> tuple[int, int] | None:
    """A file saved by curl/wget and run within the next lines: `curl -o x.sh URL; bash x.sh`."""
    for index, line in enumerate(lines):
        for match in _SAVED_AS.finditer(line):
            saved = match.group(1)
            if saved in ("-", "/dev/null") or saved.startswith("-"):
                continue
            # the same file, with or without ./ (`-o ci-env.sh` ... `source ./ci-env.sh`)
            name = r"(?:\./)?" + re.escape(saved.removeprefix("./"))
            ran = re.compile(
                rf"(?:\b(?:{_SHELL}|python[\d.]*|node|perl|ruby|source|exec)\s+(?:-\w+\s+)*[\"']?{name}"
                rf"|(?:^|[;&|]\s*|&&\s*)[\"']?{name}[\"']?\s*(?:$|[;&|])|(?<!\S)\.\s+{name})",
            )
            rest = line[match.end() :]
            if ran.search(rest):
                return offsets[index], offsets[index + 1]
            for other in range(index + 1, min(len(lines), index + 4)):
                if ran.search(lines[other]):
                    return offsets[index], offsets[other + 1]
                unpacked = _unpacked_into(lines[other], saved)
                if unpacked:
                    for after in range(other + 1, min(len(lines), other + 4)):
                        if _runs_from(unpacked).search(lines[after]):
                            return offsets[index], offsets[after + 1]
    return None


def _unpacked_into(line: str, archive: str) -> str | None:
    """The folder ``archive`` is extracted into on ``line`` (`tar xzf a.tgz -C /tmp`, `unzip a.zip -d out`)."""
    name = re.escape(archive.removeprefix("./"))
    if not re.search(rf"\b(?:tar|unzip|bsdtar)\b[^\n]*?(?:\./)?{name}", line):
        return None
    into = re.search(r"(?:\s-C\s*|\s-d\s+|--directory[=\s])[\"']?([^\s\"';&|]+)", line)
    return into.group(1).rstrip("/") if into else "."


def _runs_from(folder: str) -> re.Pattern[str]:
    """A command that runs a file under ``folder``: at the start of a command, or given to a shell."""
    where = r"(?:\./)?" if folder == "." else re.escape(folder) + "/"
    return re.compile(
        rf"(?:^|[;&|]\s*|\b(?:sudo|{_SHELL}|python[\d.]*|node|exec)\s+)[\"']?{where}[\w.-]+(?:/[\w.-]+)*[\"']?(?:\s|$)"
    )
