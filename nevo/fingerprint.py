"""Fingerprints of failed tool calls: one incident per root cause, whatever the noise around it.

The same failure seen in another session, checkout, day, with other line numbers, timings, temp
names, ids or addresses gets the same fingerprint; a different command, error type, missing module,
failing test or missing file gets another. The digest covers a small stable essence (tool,
normalised command, error class, a few normalised signature lines), never the whole output, so
progress bars and warnings cannot split an incident. Only a bounded head and tail of the error is
read: multi-megabyte outputs cost the same as small ones.

This module holds the public API, the command keys and the signature extractors (pytest, unittest,
Python tracebacks, node, npm, make, git, shell); the masks that normalise text live in
nevo.fingerprint_masks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from nevo.fingerprint_masks import GENERIC_DIR_NAMES as GENERIC_DIR_NAMES  # re-exported
from nevo.fingerprint_masks import MAX_COMMAND_CHARS as MAX_COMMAND_CHARS  # re-exported
from nevo.fingerprint_masks import (
    MAX_LINE_CHARS,
    normalize_command,
    normalize_line,
    normalize_text,
    strip_terminal_noise,
)

DIGEST_VERSION = "nevo-fp-1"  # bump when the essence changes: old digests then stop matching on purpose
HEAD_CHARS = 8192
TAIL_CHARS = 8192
MAX_NORMALIZED_ERROR = 2048
FILE_PATH_KEYS = ("file_path", "notebook_path", "path")


@dataclass(frozen=True)
class Fingerprint:
    digest: str  # 16 lowercase hex chars (sha256 prefix), stable across runs, machines, Python versions
    tool: str
    command: str  # normalised command key ("" when the tool has none)
    error_class: str  # short class, e.g. "ModuleNotFoundError: requests", "exit 2"
    normalized_error: str  # the normalised signature lines the digest covers (<= 2 KB)


def fingerprint(
    tool_name: str, tool_input: Mapping[str, object] | None, error: str, cwd: str | None
) -> Fingerprint:
    """Fingerprint one failed tool call (the fields of a PostToolUseFailure payload)."""
    tool = (tool_name or "").strip() or "unknown"
    command = command_key(tool, tool_input, cwd)
    exit_code, body = split_exit_code(_bounded(error or ""))
    error_class, signature = _classify(tool, strip_terminal_noise(body), exit_code, cwd, command)
    normalized_error = "\n".join(signature)[:MAX_NORMALIZED_ERROR]
    essence = "\x1f".join((DIGEST_VERSION, tool, command, error_class, normalized_error))
    digest = hashlib.sha256(essence.encode("utf-8", "backslashreplace")).hexdigest()[:16]
    return Fingerprint(digest, tool, command, error_class, normalized_error)


def _bounded(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n[...]\n" + text[-TAIL_CHARS:]


# ---------------------------------------------------------------- command keys


def split_exit_code(error: str) -> tuple[int | None, str]:
    """Claude Code's Bash errors start with "Exit code N" on a line of their own."""
    if error.startswith("Exit code "):
        first, _, rest = error.partition("\n")
        number = first[len("Exit code ") :].strip()
        if number.lstrip("-").isdigit():
            return int(number), rest
    return None, error


def command_key(tool: str, tool_input: Mapping[str, object] | None, cwd: str | None) -> str:
    """What was attempted, without what varies between runs (file tools: "<Tool> <ws-relative path>")."""
    if not isinstance(tool_input, Mapping):
        return ""
    command = tool_input.get("command")
    path = next((v for k in FILE_PATH_KEYS if isinstance(v := tool_input.get(k), str) and v), "")
    pattern = tool_input.get("pattern")
    if isinstance(command, str) and (tool == "Bash" or not path):
        return normalize_command(command, cwd)
    if isinstance(pattern, str):
        where = f" in {workspace_relative(path, cwd)}" if path else ""
        return f"{tool} {normalize_line(pattern, cwd)}{where}"
    if path:
        return f"{tool} {workspace_relative(path, cwd)}"
    url = tool_input.get("url")
    if isinstance(url, str):
        return f"{tool} {normalize_line(url.split('?', 1)[0], cwd)}"
    agent = tool_input.get("subagent_type")
    return f"{tool} {agent}" if isinstance(agent, str) else ""


def workspace_relative(path: str, cwd: str | None) -> str:
    normalized = normalize_line(path, cwd)
    return normalized[len("<ws>/") :] if normalized.startswith("<ws>/") else normalized


# ---------------------------------------------------------------- signatures
# Each extractor looks at raw (ANSI-free) lines and returns (error class, signature lines) or None.
# Only the returned lines are normalised, which keeps a fingerprint well under a millisecond.

Extracted = tuple[str, list[str]]
_CLAUDE_MESSAGES = (  # Claude Code 2.1's own tool errors, matched on their opening words
    ("File does not exist", "file does not exist"),
    ("String to replace not found", "string to replace not found"),
    ("File has not been read yet", "file has not been read yet"),
    ("File has been modified since read", "file modified since read"),
    ("File has been unexpectedly modified", "file modified since read"),
    ("Cannot create new file - file already exists", "file already exists"),
    ("File content (", "file too large to read"),
    ("No changes to make: old_string and new_string are exactly the same", "old and new string are the same"),
    ("<tool_use_error>Sibling tool call errored", "sibling tool call errored"),
)
_MANY_MATCHES = re.compile(r"Found \d+ matches of the string to replace")
_TOOL_USE_ERROR_TAG = re.compile(r"</?tool_use_error>")
_PYTEST_RESULT = re.compile(
    r"^(FAILED|ERROR) ([^\s(].*?)(?: - (.*))?$"
)  # not unittest's "FAILED (failures=1)"
_PYTEST_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$")
_PYTEST_E_LINE = re.compile(r"^E\s+([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b(?::\s*(.*))?")
_PYTEST_VERBOSE = re.compile(r"^(\S+::\S+) (FAILED|ERROR)\b")
_UNITTEST_RESULT = re.compile(r"^(FAIL|ERROR): (\S+) \((.+?)\)")
_PY_FRAME = re.compile(r'^\s*File "(.+?)", line \d+(?:, in (.+))?$')
_PY_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_NO_MODULE = re.compile(r"No module named '([^']+)'")
_NODE_ERROR = re.compile(r"^(?:Uncaught )?([A-Z]\w*(?:Error|Exception)|Error)(?: \[(\w+)\])?: (.*)$")
_NODE_MISSING = re.compile(r"^Cannot find (module|package) '([^']+)'")
_NPM_ERROR = re.compile(r"^npm (?:ERR!|error) ?(.*)$")
_MAKE_FAILURE = re.compile(r"^(?:g?make(?:\[\d+\])?|\S*/make): \*\*\* (.*)$")
# GNU make 4 quotes 'x', GNU make 3.81 (macOS) `x', and some messages name the target unquoted.
_MAKE_NO_RULE = re.compile(
    r"No rule to make target [`'\u2018\"]?(.*?)['\u2019\"]?(?:, needed by .*?)?\.?(?:\s+Stop\.)?\s*$"
)
_MAKE_TARGET = re.compile(r"\[(?:\S+?:\d+: )?(.+?)\] (Error \d+|Segmentation fault.*|Killed)")
_SHELL_PREFIX = re.compile(r"^(?:\S*/)?(?:ba|da|z|k|fi)?sh:(?: line \d+:| \d+:)? ")
_NOT_FOUND = re.compile(r"^(?:command not found: (\S+)|(\S+): (?:command )?not found)$")
_NO_SUCH_FILE = re.compile(
    r"^(?:([\w.+-]+): )?(?:line \d+: )?(?:([\w.+-]+): )?(?:cannot access |can't open file |cannot open |"
    r"cannot stat |can't cd to )?'?\"?(.+?)'?\"?:? (?:\[Errno 2\] )?No such file or directory\b"
)
_PERMISSION_DENIED = re.compile(r"^(?:([\w.+-]+): )?(.+?): Permission denied$")
_ERROR_WORDS = re.compile(
    r"(?i)\b(error|fatal|failed|failure|exception|traceback|denied|not found|cannot|can't|unable|no such|"
    r"invalid|missing|refused|timed? ?out|abort(?:ed)?|panic|segmentation fault|killed|undefined)\b"
)


@dataclass(frozen=True)
class _Output:
    """A failure's output, as one string (for cheap "is this tool's output here at all" checks) and lines."""

    text: str
    lines: Sequence[str]

    def before(self, index: int) -> _Output:
        lines = self.lines[:index]
        return _Output("\n".join(lines), lines)


def _claude_message(out: _Output, tool: str) -> Extracted | None:
    first = _TOOL_USE_ERROR_TAG.sub("", next((line.strip() for line in out.lines if line.strip()), ""))
    label = next((label for opening, label in _CLAUDE_MESSAGES if first.startswith(opening)), None)
    if label is None and _MANY_MATCHES.match(first):
        label = "string to replace found several times"
    return (f"{tool}: {label}", [f"{tool}: {label}"]) if label else None


def _pytest(out: _Output) -> Extracted | None:
    if "FAILED" not in out.text and "ERROR" not in out.text and "no tests ran" not in out.text:
        return None
    results: set[str] = set()
    causes: dict[
        str, str
    ] = {}  # section ("ERROR collecting x.py" header) -> its first "E   SomeError: ..." line
    section = ""
    for line in out.lines:
        if line.startswith(("FAILED ", "ERROR ")) and (match := _PYTEST_RESULT.match(line)):
            kind, test, message = match.groups()
            if kind == "ERROR" and "::" not in test:  # a collection error: keep what broke it
                test = test.removeprefix("collecting ")
                cause = causes.get(test) or (message or "").split(":")[0]
                test = f"{test} (collection: {cause})" if cause else f"{test} (collection)"
            results.add(f"{kind} {test}")
        elif line.startswith("_") and (header := _PYTEST_SECTION.match(line)):
            section = header.group(1).removeprefix("ERROR collecting ")
        elif line.startswith("E ") and section not in causes and (error := _PYTEST_E_LINE.match(line)):
            kind, message = error.groups()
            module = _NO_MODULE.search(message or "")
            causes[section] = f"{kind}: {module.group(1)}" if module else kind
        elif "::" in line and (match := _PYTEST_VERBOSE.match(line)):
            results.add(f"{match.group(2)} {match.group(1)}")
        elif line.startswith(("ERROR: file or directory not found: ", "ERROR: not found: ")):
            return f"pytest: not found: {line.split(': ', 2)[2].strip()}", [line]
    if not results:
        if any("no tests ran" in line for line in out.lines[-3:]):
            return "pytest: no tests ran", ["no tests ran"]
        return None
    ordered = sorted(results)
    kind, first = ordered[0].split(" ", 1)
    more = f" (+{len(ordered) - 1} more)" if len(ordered) > 1 else ""
    return f"pytest: {first} {'failed' if kind == 'FAILED' else 'errored'}{more}", ordered[:20]


def _unittest(out: _Output) -> Extracted | None:
    if "FAILED (" not in out.text:
        return None
    found: set[str] = set()
    for line in out.lines:
        if line.startswith(("FAIL: ", "ERROR: ")) and (match := _UNITTEST_RESULT.match(line)):
            kind, method, where = match.groups()  # 3.11: "test_x (mod.Class.test_x)", before: "(mod.Class)"
            found.add(f"{kind} {where if where.endswith('.' + method) else where + '.' + method}")
    if not found:
        return None
    ordered = sorted(found)
    return (
        f"unittest: {ordered[0].split(' ', 1)[1]} {'failed' if ordered[0][0] == 'F' else 'errored'}",
        ordered[:20],
    )


def _python(out: _Output) -> Extracted | None:
    if 'File "' not in out.text:
        return None
    lines = out.lines
    start = next(
        (i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("Traceback (most recent")), -1
    )
    if start < 0:  # a SyntaxError has no "Traceback" header, only the frame
        start = next((i - 1 for i, line in enumerate(lines) if line.startswith('  File "')), -2)
    frames: list[tuple[str, str]] = []
    for line in lines[start + 1 :]:
        if match := _PY_FRAME.match(line):
            frames.append((match.group(1), match.group(2) or "<module>"))
        elif line and not line[0].isspace() and (exception := _PY_EXCEPTION.match(line)):
            kind, message = exception.group(1), exception.group(2) or ""
            if kind in ("During", "The"):  # the lines between chained tracebacks
                continue
            signature = [line.strip()]
            if frames:  # where it broke in the project's own code, without the line number
                own = [f for f in frames if "/lib/python" not in f[0] and "/node_modules/" not in f[0]]
                file, function = (own or frames)[-1]
                signature.append(f'File "{file}", in {function}')
            if kind.endswith("ModuleNotFoundError") and (module := _NO_MODULE.search(message)):
                return f"{kind}: {module.group(1)}", signature
            return kind, signature
    return None


def _node(out: _Output) -> Extracted | None:
    if "    at " not in out.text:
        return None
    for index, line in enumerate(out.lines):
        match = _NODE_ERROR.match(line)
        following = out.lines[index + 1 : index + 40]
        if not match or not any(later.startswith("    at ") for later in following):
            continue
        kind, code, message = match.groups()
        if missing := _NODE_MISSING.match(message):
            return f"node: Cannot find {missing.group(1)} {missing.group(2)}", [f"{kind}: {message}"]
        frame = next(
            (
                f.strip()
                for f in following
                if f.startswith("    at ") and "node:internal" not in f and "node_modules" not in f
            ),
            "",
        )
        return f"node: {kind}" + (f" [{code}]" if code else ""), [line.strip(), frame] if frame else [line]
    return None


def _npm(out: _Output) -> Extracted | None:
    if "npm " not in out.text:
        return None
    messages = [
        m.group(1).strip() for line in out.lines if line.startswith("npm ") and (m := _NPM_ERROR.match(line))
    ]
    messages = [m for m in messages if m and not m.startswith(("A complete log", "Log files were"))]
    if not messages:
        return None
    for message in messages:
        if message.startswith("Missing script:"):
            return f"npm: missing script {message.split(':', 1)[1].strip().strip(chr(34))}", [message]
    code = next((m.split(" ", 1)[1] for m in messages if m.startswith("code ")), "error")
    return f"npm: {code}", [m for m in messages if not m.startswith(("code ", "errno ", "syscall "))][:3]


def _make(out: _Output) -> Extracted | None:
    if "*** " not in out.text:
        return None
    failures = [
        (i, m.group(1))
        for i, line in enumerate(out.lines)
        if "*** " in line and (m := _MAKE_FAILURE.match(line))
    ]
    if not failures:
        return None
    first_index, message = failures[0]
    no_rule = _MAKE_NO_RULE.match(message)
    if no_rule:
        return f"make: no rule to make target {no_rule.group(1)}", [f"make: *** {message}"]
    targets = [(t.group(1), t.group(2)) for _, m in failures if (t := _MAKE_TARGET.search(m))]
    signature = [f"make: *** [{target}] {status}" for target, status in targets] or [f"make: *** {message}"]
    label = f"make: {targets[0][0] if targets else 'target'} failed"
    cause = _first_match(out.before(first_index), (*_CAUSES, *_LATE_CAUSES))  # what the recipe printed
    return (f"{label}: {cause[0]}", signature + cause[1]) if cause else (label, signature)


def _git(out: _Output, command: str) -> Extracted | None:
    messages = [
        line.strip() for line in out.lines if line.startswith(("fatal: ", "error: ", "CONFLICT ", " ! ["))
    ]
    if not messages and _runs_git(command):  # git's complaints without a "fatal:" prefix
        messages = [line.strip() for line in out.lines if line.startswith(_GIT_PLAIN_COMPLAINTS)][:1]
        messages = messages or [line.strip() for line in out.lines if _ERROR_WORDS.search(line)][:1]
    if not messages:
        return None
    head = messages[0]
    if head.startswith(("nothing to commit", "nothing added to commit", "no changes added to commit")):
        return "git: nothing to commit", [head.split(",")[0].split(" (")[0]]
    if head.startswith("CONFLICT "):
        return "git: merge conflict", sorted(set(messages))[:10]
    return f"git: {head.split(': ', 1)[-1][:80]}", messages[:3]


_GIT_PLAIN_COMPLAINTS = (
    "nothing to commit",
    "nothing added to commit",
    "no changes added to commit",
    "There is no tracking information",
    "You are not currently on a branch",
    "Your branch and ",
    "Already up to date",
    "Everything up-to-date",
)


def _runs_git(command: str) -> bool:
    return any(part.strip().startswith("git ") for part in re.split(r"&&|\|\||;", command))


def _shell(out: _Output) -> Extracted | None:
    if "not found" not in out.text and "No such file" not in out.text and "Permission denied" not in out.text:
        return None
    for raw in out.lines:
        line = _SHELL_PREFIX.sub("", raw.strip())
        if line.endswith("not found") and (match := _NOT_FOUND.match(line)):
            name = match.group(1) or match.group(2)
            return f"command not found: {name}", [f"command not found: {name}"]
    for raw in out.lines:
        line = _SHELL_PREFIX.sub("", raw.strip())
        if "No such file or directory" in line and (match := _NO_SUCH_FILE.match(line)):
            program = match.group(2) or match.group(1) or "?"
            return f"{program}: no such file: {match.group(3)}", [line]
        if line.endswith(": Permission denied") and (match := _PERMISSION_DENIED.match(line)):
            return f"permission denied: {match.group(2)}", [line]
    return None


def _generic(out: _Output, exit_code: int | None, tool: str) -> Extracted:
    """Unknown output: the first two and the last error-looking lines, else the last line."""
    texts = [stripped for line in out.lines if (stripped := _TOOL_USE_ERROR_TAG.sub("", line).strip())]
    errors = [line for line in texts if _ERROR_WORDS.search(line)]
    picked = list(dict.fromkeys(errors[:2] + errors[-1:])) or texts[-1:]
    if exit_code is not None:
        return f"exit {exit_code}", picked
    first = texts[0].split(". ")[0][:80] if texts else "failed"
    return f"{tool}: {first}", texts[:2]


_CAUSES: tuple[Callable[[_Output], Extracted | None], ...] = (_pytest, _unittest, _python, _node)
_LATE_CAUSES: tuple[Callable[[_Output], Extracted | None], ...] = (_npm, _shell)


def _first_match(
    out: _Output, extractors: Sequence[Callable[[_Output], Extracted | None]]
) -> Extracted | None:
    return next((found for extract in extractors if (found := extract(out)) is not None), None)


def _classify(tool: str, body: str, exit_code: int | None, cwd: str | None, command: str) -> Extracted:
    """The error class and signature lines of a failure, both normalised."""
    out = _Output(body, body.splitlines())
    npm = _npm(out)
    found = (
        (_claude_message(out, tool) if exit_code is None else None)
        or (npm if npm and npm[0].startswith("npm: missing script") else None)
        or _make(out)
        or _first_match(out, _CAUSES)
        or _git(out, command)
        or _first_match(out, _LATE_CAUSES)
        or _generic(out, exit_code, tool)
    )
    error_class, signature = found
    masked = normalize_text("\n".join([error_class, *signature]), cwd).split("\n")
    collapsed = [" ".join(line.split())[:MAX_LINE_CHARS] for line in masked]
    return collapsed[0], [line for line in collapsed[1:] if line]
