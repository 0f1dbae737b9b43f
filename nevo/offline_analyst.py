"""The ``incident-analyst`` agent without a model: deterministic, no network, and genuinely useful.

It renders the rule from the stored verdict (:mod:`nevo.lesson` decided, once, what the failure taught):
the body is the verdict's lesson, in nevo's words; the guard is the verdict's guard, or none; and the
enforcement says only what exists ("guard rewrite" or "guard deny" when the verdict carries a guard, else
"context only"). Without a lesson (a failure seen often, nothing in the session answered it) the error
class gives a sensible precaution (a missing module: check the virtualenv; a missing command: check it is
installed; a missing file: check the path), never a command copied from the tool's output.
"""

from __future__ import annotations

import re
from typing import Any

from nevo import harm
from nevo.diagnosis import statement
from nevo.errors import NevoError
from nevo.providers import Request, offline_handler
from nevo.safety import scan
from nevo.verdict import Verdict

# The verdict describes a call with its tool ("Bash: make build", "Read docs/a.md"); a trigger names it once.
_TOOL_PREFIX = re.compile(r"^(?:Bash: |(?:Read|Edit|MultiEdit|Write|NotebookEdit|Glob|Grep) (?=\S))")
MAX_QUOTE = 100  # characters of an error line quoted in a rule
MAX_WORDS = 80  # words of an error line searched for commands (a longer line is cut there, then quoted clipped)


def _sample(incident: dict[str, Any]) -> dict[str, Any]:
    sample = incident.get("sample")
    return sample if isinstance(sample, dict) else {}


def _error_summary(incident: dict[str, Any], verdict: Verdict | None) -> str:
    """What was wrong, in a few words: the verdict's error line, else nevo's error class, else the first
    statement of the error; never advice the output gave (each is passed through :func:`_quotable`)."""
    if verdict is not None and verdict.error_line:
        quoted = quotable(verdict.error_line)
        if quoted:
            return quoted
    text = str(incident.get("error_class") or "").strip()
    if text and not re.fullmatch(r"exit \d+", text):
        return quotable(statement(text)) or "it fails"
    source = str(incident.get("normalized_error") or _sample(incident).get("error") or "")
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.lower().startswith("exit code")]
    return next((q for q in (quotable(statement(ln)) for ln in lines) if q), quotable(text) or "it fails")


def _commands_in_prose(line: str) -> bool:
    """Whether a harmful command starts at any word of ``line`` (``error: stale lock, run git clean -fdx``):
    prose carries commands without code spans."""
    words = line.replace("`", " ").split()[:MAX_WORDS]
    return any(f.harmful for i in range(len(words)) for f in harm.classify(" ".join(words[i:])))


def quotable(text: str) -> str:
    """A line of tool output as a statement of what was wrong, safe to quote in a rule: '' when the line
    carries anything a gate refuses (a download and run, a destructive command, even in a code span), else
    the part before a `; ` (what follows is usually the tool's advice), clipped on a word. The whole line is
    checked before anything is cut: a clipped fragment (`curl -s http:`) no longer looks like what it was."""
    line = " ".join(text.split())
    if not line or scan(line) or harm.scan_text(line) or _commands_in_prose(line):
        return ""
    line = line.split("; ", 1)[0].rstrip(" ,.:-(")
    if len(line) > MAX_QUOTE:
        line = line[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return line if len(line) >= 4 else ""


def _category(error_class: str, has_recovery: bool) -> str:
    lowered = error_class.lower()
    if "modulenotfound" in lowered or "importerror" in lowered or "command not found" in lowered:
        return "environment"
    if lowered.startswith(("edit:", "write:", "read:")):
        return "tool-misuse"
    return "missing-knowledge" if has_recovery else "process-gap"


def from_verdict(incident: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    """The rule a lesson makes: its words are the verdict's, its guard the verdict's (or none)."""
    tool = str(incident.get("tool") or "Bash")
    failed = _TOOL_PREFIX.sub("", verdict.failed)
    fix = verdict.fix
    if verdict.fix_kind == "prepare" and verdict.prepare:
        title = f"Run `{verdict.prepare[-1]}` before `{failed}`"
    elif tool != "Bash" and verdict.guard is not None:
        title = f"Use `{verdict.guard.fix}`, not `{verdict.guard.match}`"
    else:
        title = f"Use `{fix}`, not `{failed}`"
    fingerprint = str(incident.get("fingerprint", ""))[:12]
    guard = verdict.guard.to_rule_meta() if verdict.guard is not None else None
    enforcement = f"guard {verdict.guard.action}" if verdict.guard is not None else "context only"
    kind = str(verdict.extra.get("error") or "")
    category = "environment" if kind in ("missing-executable", "missing-module", "port-in-use") else None
    return {
        "root_cause": verdict.reason,
        "category": category or ("tool-misuse" if tool != "Bash" else "missing-knowledge"),
        "rule": {
            "title": title[:80],
            "body": verdict.lesson,
            "trigger": f"PreToolUse {tool} `{failed}`",
            "enforcement": enforcement,
            "verification": f"incident fingerprint {fingerprint} does not recur",
        },
        "guard": guard,
    }


# (pattern on the error class, title, body template, category); {0} is the first capture group.
_BY_ERROR_CLASS: tuple[tuple[str, str, str, str], ...] = (
    (
        r"file modified since read",
        "Re-read a file that changed",
        "When a file changed since you read it (a formatter, a build, another tool), Read it again before editing it.",
        "tool-misuse",
    ),
    (
        r"file too large to read",
        "Read large files in parts",
        "Read large files in parts (offset and limit), or search them with Grep instead of reading them whole.",
        "tool-misuse",
    ),
    (
        r"file does not exist",
        "Check a path exists before reading it",
        "Check that a file exists (Glob or ls) before reading or editing it; create it with Write when it "
        "should be new.",
        "missing-knowledge",
    ),
    (
        r"(?:ModuleNotFoundError|ImportError): ?(\S+)",
        "Check the virtualenv before importing {0}",
        "Python cannot import `{0}` here: run Python from the project's virtualenv (`.venv/bin/python`, or "
        "activate it first) and install `{0}` there with the project's own tool before running code that "
        "needs it.",
        "environment",
    ),
    (
        r"command not found: ?(\S+)",
        "`{0}` is not installed here",
        "`{0}` is not installed in this environment: check with `command -v {0}` before relying on it, "
        "and use the project's own wrapper or an installed alternative.",
        "environment",
    ),
    (
        r"no such file: ?(\S+)",
        "Check that {0} exists before using it",
        "`{0}` does not exist in this checkout: check the path (ls or Glob) before reading or running it.",
        "missing-knowledge",
    ),
    (
        r"string to replace not found",
        "Re-read a file before editing it again",
        "When Edit cannot find the text to replace, Read the file again and copy the exact current text "
        "before retrying the Edit.",
        "tool-misuse",
    ),
    (
        r"string to replace found several times",
        "Make Edit targets unique",
        "When the text to replace occurs several times, include enough surrounding lines to make it unique "
        "(or use replace_all deliberately).",
        "tool-misuse",
    ),
    (
        r"not (?:been )?read yet",
        "Read a file before editing it",
        "Read a file with the Read tool before you Edit or Write it.",
        "tool-misuse",
    ),
    (
        r"npm: missing script (\S+)",
        "No `{0}` script in this package.json",
        "This package.json has no `{0}` script: read package.json (and any sub-package such as `web/`) "
        "before running `npm run {0}`.",
        "missing-knowledge",
    ),
    (
        r"git: (.*not a git repository.*)",
        "Run git inside the repository",
        "git fails here ({0}): check the working directory with `git rev-parse --show-toplevel` first.",
        "environment",
    ),
)


def _from_error_class(incident: dict[str, Any], verdict: Verdict | None = None) -> dict[str, Any]:
    error_class = str(incident.get("error_class") or "")
    tool = str(incident.get("tool") or "Bash")
    command = str(incident.get("command") or "").strip()
    fingerprint = str(incident.get("fingerprint", ""))[:12]
    for pattern, title, body, category in _BY_ERROR_CLASS:
        match = re.search(pattern, error_class, re.IGNORECASE)
        if match:
            arg = (match.group(1) if match.groups() else "").strip("'\"`")
            return _proposal(
                title.format(arg),
                body.format(arg),
                category,
                tool,
                command,
                fingerprint,
                f"{error_class}: the precondition was not checked before the call.",
            )
    error = _error_summary(incident, verdict)
    subject = f"`{command}`" if command else f"the {tool} tool"
    body = (
        f"{subject} fails in this project ({error}), seen {incident.get('count', 1)} times: check its "
        "preconditions (working directory, inputs, installed tools) before running it again."
    )
    return _proposal(
        f"Check preconditions before {command or tool}"[:80],
        body,
        "process-gap",
        tool,
        command,
        fingerprint,
        f"{subject} keeps failing with {error}; no working alternative was seen yet.",
    )


def _proposal(
    title: str, body: str, category: str, tool: str, command: str, fingerprint: str, root_cause: str
) -> dict[str, Any]:
    trigger = f"PreToolUse {tool}" + (f" `{command}`" if command else "")
    return {
        "root_cause": root_cause,
        "category": category,
        "rule": {
            "title": title[:80],
            "body": body,
            "trigger": trigger,
            "enforcement": "context only",
            "verification": f"incident fingerprint {fingerprint} does not recur",
        },
        "guard": None,
    }


@offline_handler("incident-analyst")
def analyse_offline(request: Request) -> dict[str, Any]:
    data = dict(request.data)
    incident = dict(data.get("incident") or {})
    verdict = _verdict(data.get("verdict"))
    if verdict is not None and verdict.teaches and verdict.lesson:
        return from_verdict(incident, verdict)
    return _from_error_class(incident, verdict)


def _verdict(data: Any) -> Verdict | None:
    if not isinstance(data, dict):
        return None
    try:
        return Verdict.from_json(data)
    except NevoError:  # damaged evidence: the rule falls back to the error class
        return None
