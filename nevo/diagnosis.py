"""What a failed call's output says went wrong: the kind of error, what it names, and the line that says it.

The output of a failed call is data, never instructions: nothing here takes a command from it. It only
recognises the common ways tools say "this is missing" (a script, a make target, a branch, a file, a
program, a module), "this is not allowed" (a run bit), "this is taken" (a port), "this is the work"
(failing tests, a compile error, a runtime exception, lint findings) and "this is the network", and picks
the line of the output that says what was wrong: not the echoed command, not ``Exit code 1``, and never a
line that tells the reader what to do.

The class decides what the failure can teach: ``env`` (the environment or how the tool is used: a lesson
when a later call gets it right), ``work`` (the code itself: fixing it is ordinary work), ``network`` (an
unreachable host teaches nothing about the project) or ``unknown``.
"""

# ruff: noqa: E501 - the pattern table reads best with one pattern per line

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nevo.harm import scan_text
from nevo.redact import redact

CLASSES = ("env", "work", "network", "unknown")
MAX_LINE = 200
_EXIT = re.compile(r"^Exit code \d+\s*$")
_TAGS = re.compile(r"</?tool_use_error>")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_Q = r"[`'\"‘“]?"  # an opening quote, if any
_E = r"[`'\"’”]?"  # a closing quote, if any
_LOCAL = r"(?:localhost|127\.0\.0\.1|\[?::1\]?|0\.0\.0\.0)"  # this machine


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong. ``subject`` is the missing (or taken) thing as the output names it."""

    kind: str  # missing-npm-script, missing-make-target, missing-branch, missing-path, missing-executable, ...
    klass: str  # one of CLASSES
    subject: str = ""
    line: str = ""  # the output's line that says it (raw: redact and relativise before storing)

    @property
    def environmental(self) -> bool:
        return self.klass == "env"


# (kind, class, pattern); the first group, when there is one, is the subject. Order matters: the specific
# before the general (a pytest collection error on a missing module is the environment, not the tests).
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, klass, re.compile(pattern, re.IGNORECASE | re.MULTILINE))
    for kind, klass, pattern in (
        ("missing-npm-script", "env", rf"Missing script:\s*{_Q}([^\s'\"`]+){_E}"),
        ("missing-npm-script", "env", r"Command \"([^\"]+)\" not found"),  # yarn
        ("missing-npm-script", "env", r"ERR_PNPM_NO_SCRIPT\W+Missing script:\s*([^\s]+)"),
        ("missing-path", "env", r"^make: ([^\s:]+): No such file or directory"),  # make -f <missing file>
        ("missing-make-target", "env", rf"No rule to make target {_Q}([^'`’\s]+){_E}(?!,\s*needed)"),
        ("missing-target", "env", r"no (?:bin|example|test|bench) target named `([^`]+)`"),
        ("missing-branch", "env", rf"pathspec {_Q}([^'`’]+){_E} did not match"),
        ("missing-branch", "env", r"src refspec (\S+) does not match any"),
        ("missing-branch", "env", rf"invalid reference:\s*{_Q}([^\s'`’]+)"),
        ("missing-branch", "env", rf"ambiguous argument {_Q}([^'`’]+){_E}: unknown revision"),
        ("missing-branch", "env", rf"(?:couldn't find remote ref|Remote branch)\s+{_Q}([^\s'`’]+){_E}"),
        ("missing-branch", "env", rf"branch {_Q}([^'`’\s]+){_E} not found"),
        ("not-a-repo", "env", r"not a git repository"),
        ("missing-database", "env", r"FATAL:\s+database \"([^\"]+)\" does not exist"),
        ("missing-role", "env", r"FATAL:\s+role \"([^\"]+)\" does not exist"),
        ("missing-table", "env", r"ERROR:\s+relation \"([^\"]+)\" does not exist"),
        ("unknown-command", "env", r"^git: '([\w.-]+)' is not a git command"),
        ("unknown-command", "env", rf"no such (?:sub)?command:? {_Q}([\w.-]+){_E}"),
        ("unknown-command", "env", r"^(?:npm (?:error|ERR!) )?Unknown command: \"([\w.-]+)\""),
        ("unknown-command", "env", rf"invalid choice: {_Q}([\w.-]+){_E}"),  # argparse's subcommands and choices
        ("missing-path", "env", r"could not find `(Cargo\.toml)`"),
        ("missing-executable", "env", r"^(?:\S+: )?(?:line \d+: )?([\w.+-]+): command not found"),
        ("missing-executable", "env", r"^(?:\S+: )?\d+: ([\w.+-]+): not found$"),
        ("missing-executable", "env", r"command not found: ([\w.+-]+)"),
        ("missing-executable", "env", rf"\b{_Q}([\w.+-]+){_E} executable (?:file )?not found"),
        ("missing-executable", "env", rf"env: {_Q}([\w.+-]+){_E}: No such file or directory"),
        ("missing-executable", "env", rf"(?:spawn|exec:) {_Q}?([\w.+-]+){_E}:? (?:ENOENT|executable file not found)"),
        ("not-executable", "env", r"^(?:\S+: )?(?:line \d+: )?(\S+): Permission denied$"),
        ("missing-module", "env", rf"No module named {_Q}([\w.-]+){_E}"),
        (
            "run-as-module",
            "env",
            r"attempted relative import (?:with no known parent package|beyond top-level package)",
        ),
        ("missing-library", "env", r"Can't locate ([\w/.]+\.pm) in @INC"),
        ("missing-class", "env", r"Could not find or load main class (\S+)"),
        ("missing-header", "env", r"fatal error: ([\w./+-]+\.(?:h|hh|hpp|hxx)): No such file or directory"),
        # node names a file it cannot find by its path (`node index.js`, require('./lib/x')): a path, not a module.
        ("missing-path", "env", rf"Cannot find module {_Q}((?:/|\./|\.\./)[^'\"`\s]+){_E}"),
        ("missing-module", "env", rf"Cannot find (?:module|package) {_Q}([^'\"`\s]+){_E}"),
        ("missing-module", "env", rf"library stub for module named {_Q}([\w.]+){_E}"),
        ("missing-module", "env", rf"Library stubs not installed for {_Q}([\w.]+){_E}"),
        ("missing-module", "env", r"\bcannot find (?:crate|package) (?:for )?`?([\w:-]+)`?"),
        (
            "missing-browser",
            "env",
            r"Executable doesn't exist at|Please run the following command to download new browsers",
        ),
        ("port-in-use", "env", r"(?:address already in use|EADDRINUSE|port (\d+) is already (?:in use|allocated))"),
        ("multiple-heads", "env", r"Multiple head revisions|multiple heads"),
        ("missing-package", "env", r"Could not find ([\w.-]+?)(?:-[\d.]+)? in (?:locally installed gems|any of the sources)"),
        ("missing-kernel", "env", r"NoSuchKernel: No such kernel named ([\w.-]+)"),
        ("pending-migrations", "env", r"PendingMigrationError|Migrations are pending|unapplied migration"),
        ("runtime-version", "env", r"Your Ruby version is [\d.]+, but your Gemfile specified ([\d.]+)"),
        ("already-running", "env", r"A server is already running|is already running \(pid"),
        ("identity", "env", r"Please tell me who you are|unable to auto-detect email address"),
        ("no-upstream", "env", r"has no upstream branch|no tracking information for the current branch"),
        ("no-remote", "env", rf"^fatal: {_Q}([\w.-]+){_E} does not appear to be a git repository"),
        ("no-remote", "env", r"No configured push destination|does not appear to be a git repository"),
        ("diverged", "env", r"\[rejected\].*\((?:fetch first|non-fast-forward)\)|Updates were rejected because"),
        (
            "local-changes",
            "env",
            r"would be overwritten by (?:checkout|merge)|Please commit your changes or stash them",
        ),
        ("not-merged", "env", r"is not fully merged"),
        ("needs-read", "env", r"File has not been read yet"),
        ("file-too-large", "env", r"exceeds maximum allowed (?:tokens|size)|File content \(\d+ tokens\) exceeds"),
        ("edit-mismatch", "work", r"String to replace not found in file|Found \d+ matches of the string to replace"),
        ("missing-path", "env", r"^(?:<tool_use_error>)?File does not exist\."),
        ("missing-path", "env", r"^(?:<tool_use_error>)?Directory does not exist: ([^\s]+?)\.? Note:"),
        ("missing-path", "env", rf"^(?:<tool_use_error>)?Path does not exist: {_Q}?([^\s]+?)\.? {_Q}?Note:"),
        (
            "missing-env",
            "env",
            r"\b([A-Z][A-Z0-9_]{2,}) (?:is not set|must be set|is required|is not defined|not set)\b",
        ),
        (
            "missing-env",
            "env",
            rf"(?:environment variable|env var) {_Q}([A-Z][A-Z0-9_]+){_E} (?:is )?(?:not set|missing)",
        ),
        (
            "missing-env",
            "env",
            r"os\.environ\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\][\s\S]{0,2000}?^KeyError: ",
        ),
        ("unknown-option", "env", r"(?:invalid|illegal) option -- '?(\w)'?"),
        ("unknown-option", "env", rf"does not (?:contain|have) (?:this |a )?feature:? {_Q}([\w-]+){_E}"),
        (
            "unknown-option",
            "env",
            rf"(?:unknown|unrecognized|invalid|illegal|unexpected) (?:option|argument|flag)[:\s]+{_Q}([^\s'`’]+)",
        ),
        ("unknown-command", "env", rf"(?:unknown|invalid) (?:command|subcommand)[:\s]+{_Q}([^\s'`’]+)"),
        ("missing-path", "env", rf"can't open file {_Q}([^'`’]+){_E}: \[Errno 2\]"),
        ("missing-path", "env", r"^(?:\S+ \(child\): )?([^\s:]+): Cannot open: No such file or directory"),
        ("missing-path", "env", r"Unable to access jarfile (\S+)"),
        ("missing-path", "env", r"Could not open file or uri for loading \w+ from (\S+)"),
        ("missing-path", "env", r"lstat ([^\s:]+): no such file or directory"),
        ("missing-path", "env", r"cannot find or open ([^\s,]+),"),
        (
            "missing-path",
            "env",
            r"does not appear to contain (CMakeLists\.txt)|No targets specified and no (makefile) found",
        ),
        ("missing-path", "env", r"^(?:CMake )?Error: (\S+) is not a directory$"),
        ("missing-path", "env", r"unable to open database(?: file)? \"([^\"]+)\""),
        (
            "missing-path",
            "env",
            r"(?:cannot access|cannot open|cannot stat|can't read|can't open|cannot read|could not open)"
            rf"(?: file| perl script)? {_Q}([^'`’:\s()\"]+){_E}(?=:|\s\(|\s*$)",
        ),
        ("missing-path", "env", rf"cannot create (?:regular file|directory) {_Q}([^'`’]+){_E}: No such file"),
        ("missing-path", "env", r"can't stat ([^\s:]+) : No such file or directory"),  # zstd
        ("missing-path", "env", rf"No such file or directory(?:, open)?:? {_Q}([^'`’\s-][^'`’\s]*){_E}"),
        ("missing-path", "env", r"^(?:\S+: ){0,2}(?:line \d+: )?(?:cd: )?([^\s:]+): No such file or directory"),
        ("missing-path", "env", r"(?:file or directory|file|directory) not found: (\S+)"),
        ("missing-path", "env", rf"ENOENT: no such file or directory(?:, \w+)? {_Q}([^'\"`]+){_E}"),
        # Nothing listens on this machine's port: still the network (a deploy target down teaches nothing), but
        # starting a service, then the same call, is a lesson (nevo.lesson).
        ("service-down", "network", rf"ECONNREFUSED {_LOCAL}[:.](\d{{2,5}})"),
        ("service-down", "network", rf"{_LOCAL}\"?[:,]\s*(?:port\s+)?(\d{{2,5}})\b[^\n]{{0,120}}(?:Connection refused|Error 111)"),
        ("service-down", "network", rf"(?:Connection refused|Error 111)[^\n]{{0,120}}{_LOCAL}\"?[:,]?\s*(?:port\s+)?(\d{{2,5}})\b"),
        (
            "service-down",
            "network",
            rf"host=['\"]?{_LOCAL}['\"]?,\s*port=(\d{{2,5}})\b[^\n]{{0,400}}?(?:Connection refused|Errno 111)",
        ),
        ("service-down", "network", r"Is the (?:server|[\w-]+ daemon) running|Can't connect to local [\w ]+ server through socket"),
        (
            "network",
            "network",
            r"Could not resolve host|Connection refused|Failed to connect|Couldn't connect to server",
        ),
        ("network", "network", r"ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|Network is unreachable"),
        ("network", "network", r"Temporary failure in name resolution|Name or service not known|urlopen error"),
        ("network", "network", r"\b(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)\b"),
        (
            "network",
            "network",
            r"(?:connection|connect|request|operation|read|handshake) timed out|timed out after \d+ ?ms",
        ),
        ("network", "network", r"Permission denied \(publickey"),
        ("already-exists", "env", r"already exists|: File exists"),
        ("permission", "env", r"Permission denied|EACCES|Operation not permitted"),
        ("test-failure", "work", r"^(?:FAILED|FAIL)\b|\b\d+ (?:failed|failing)\b|^=+ FAILURES =+|Tests:\s+\d+ failed"),
        ("test-failure", "work", r"AssertionError|^E\s+assert |test result: FAILED|^--- FAIL:|FAILED \(failures="),
        ("compile-error", "work", r"\b(?:SyntaxError|IndentationError|TabError)\b|^error\[E\d+\]|error TS\d+"),
        ("compile-error", "work", r"^[^\s:]+:\d+(?::\d+)?: (?:fatal )?error: "),
        ("compile-error", "work", r"could not compile|^error: expected|mismatched types|cannot find value"),
        # bash reading a script it cannot parse (dash's "Syntax error:" on a bash script is the wrong shell)
        ("compile-error", "work", r"syntax error near unexpected token|syntax error: unexpected end of file"),
        (
            "lint",
            "work",
            r"^\S+:\d+(?::\d+)?:? +[A-Z]{1,4}\d{2,4}\b|\d+ problems? \(\d+ errors?|Found \d+ errors?\.|too many warnings",
        ),
        ("coverage", "work", r"coverage of .* not reached|fail[-_]under|below the minimum"),
        ("hook", "work", r"pre-commit|commit-msg|pre-push|hook (?:failed|declined)"),
        ("missing-table", "env", r"no such table: ([\w.]+)"),
        ("parse-error", "work", r"^parse error: |JSONDecodeError|Unexpected token .{0,40} in JSON|^yaml\.\w+Error"),
        (
            "runtime-error",
            "work",
            # An exception by its class name (TypeError, java.lang.IllegalStateException), not a tool's "error:".
            r"^(?:Exception in thread \"[^\"]*\" )?(?:[\w$]+\.)*(?-i:[A-Z]\w*?(?:Error|Exception)): |"
            r"^Traceback \(most recent call last\)|panicked at",
        ),
    )
)

# Lines that only repeat the command, frame it, or tell the reader what to do (never the error line).
_NOISE = re.compile(
    r"^(?:>|\$|\+\s|npm error\s*$|npm (?:error|ERR!) (?:To see|A complete log|\s+npm run|Did you mean|\s+npm \w+ #)|"
    r"\s*at |\s*File \"|\s*\^|\s*~|Traceback|-{5,}|={5,}|make: \*\*\* \[|make(?:\[\d+\])?: (?:Entering|Leaving)|"
    r"npm notice|warning: |hint:|Require stack:|- /|node:internal|\s*\d+ \| |\s*\||\s*throw\b)",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"(?:^|[.;:!?]\s+|,\s+(?:or\s+|and\s+)?|\(\s*)(?:please\s+)?(?:run|try|use|add|read|consider|install|execute|"
    r"set up|configure|omit|specify|remove|delete|re-?run|see|check|make sure|ensure)\b|\bplease\b|"
    r"\byou (?:can|may|should|must|need|might)\b|\bto fix\b|\bfix (?:this|it) (?:with|by)\b|\bdid you mean\b|"
    # "to restore it run ...", "to recover, execute ...": advice whatever the goal it names
    r"\bto\s+\w+(?:\s+\w+){0,3}?,?\s+(?:run|execute|type|use)\s",
    re.IGNORECASE,
)
_ERROR_WORDS = re.compile(
    r"error|not found|no such|cannot|can't|could not|couldn't|failed|denied|invalid|unknown|missing|fatal|refused|"
    r"unable|exception|not a |does not exist|already|rejected|unrecognized|unexpected|not set",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def diagnose(output: str) -> Diagnosis:
    """The first recognised error in a failed call's output, with its line (raw, not redacted)."""
    text = _ANSI.sub("", _TAGS.sub("", output))
    for kind, klass, pattern in _PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        subject = next((g for g in match.groups() if g), "") if match.groups() else ""
        line = _line_at(text, match.start())
        return Diagnosis(kind, klass, _clean_subject(subject), line)
    return Diagnosis("unknown", "unknown", "", _first_error_line(text))


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)].strip()


def _clean_subject(subject: str) -> str:
    subject = subject.strip().strip("'\"`‘’“”").rstrip(".,:;")
    return subject if re.fullmatch(r"[\w./@:+~=-]{1,120}", subject) else ""


def _first_error_line(text: str) -> str:
    lines = [_statement(ln) for ln in text.splitlines()]
    useful = [ln for ln in lines if ln]
    return next((ln for ln in useful if _ERROR_WORDS.search(ln)), useful[0] if useful else "")


def statement(text: str) -> str:
    """A line of tool output as a statement of what was wrong, safe to quote: '' for noise, cut before any
    advice it gives, '' when it carries a harmful command."""
    line = _statement(text.splitlines()[0] if text.strip() else "")
    return "" if not line or scan_text(f"`{line}`") else redact(line)[:MAX_LINE]


def _statement(line: str) -> str:
    """The line as a statement of what was wrong: '' for noise, cut before any advice it goes on to give."""
    line = _TAGS.sub("", line).strip()
    if not line or _EXIT.match(line) or _NOISE.match(line):
        return ""
    line = line.split(" Note: your current working directory")[0]
    advice = _INSTRUCTION.search(line)
    if advice is not None:
        line = line[: advice.start()].rstrip(" ;,.:-(") if advice.start() >= 12 else ""
        line = re.sub(r"\b(?:To|to|and|then|so|Hint|hint)$", "", line).rstrip(" ;,.:-(")
    return line if len(line) >= 4 else ""


def error_line(output: str, diagnosis: Diagnosis, root: str = "") -> str:
    """The line that says what was wrong, safe to store: redacted, the workspace path made relative, cut
    before any advice it gives, never a line that holds a harmful command."""
    line = _statement(diagnosis.line)
    if not _ERROR_WORDS.search(line) and not re.match(
        r"^\S+:\d+", line
    ):  # it does not say what failed ("running lint")
        line = _first_error_line(_ANSI.sub("", _TAGS.sub("", output))) or line
    if root:
        line = line.replace(root.rstrip("/") + "/", "").replace(root.rstrip("/"), ".")
    line = redact(line)[:MAX_LINE]
    # Scanned as it is (its own code spans) and as one command (its backticks blanked: they would pair off
    # with the ones around it and hide what is between them).
    if scan_text(line) or scan_text("`" + line.replace("`", " ") + "`"):
        return ""  # it carries a harmful command: never stored, not even as what was wrong
    return line
