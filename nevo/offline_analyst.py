"""The ``incident-analyst`` agent without a model: deterministic, no network, and genuinely useful.

With a recovery (the call that worked after the failure, in the same session) the rule is the
difference between the two: "When running the web build, use `npm --prefix web run build`, not
`npm run build` (fails: npm: missing script build)", with a guard that rewrites the failing command
to the one that worked. Without one, the error class gives a sensible precaution (a missing module:
check the virtualenv; a missing command: check it is installed; a missing file: check the path).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from nevo.providers import Request, offline_handler
from nevo.recovery import recovery_is_lesson
from nevo.redact import redact

_FLAG = re.compile(r"^-")


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _purpose(failed: str, recovery: str, cwd: str | None) -> str:
    """What the agent was trying to do, in a few words. When the fix points the same command at a folder
    of the project (`npm run build` -> `npm --prefix web run build`, `make build` -> `make -C src build`)
    it is "the web build"; otherwise the failed command itself."""
    failed_words = _words(failed)
    subject = next((w for w in reversed(failed_words) if not _FLAG.match(w) and "/" not in w), "")
    extra = [w.strip("/") for w in _words(recovery) if w not in failed_words and not _FLAG.match(w)]
    folder = next((w for w in extra if w and cwd and "/" not in w and (Path(cwd) / w).is_dir()), "")
    if subject and folder and folder != subject:
        return f"the {folder} {subject}"
    shown = " ".join(failed_words[:4]) or failed
    return f"`{shown}`" if shown else "this command"


def _sample(incident: dict[str, Any]) -> dict[str, Any]:
    sample = incident.get("sample")
    return sample if isinstance(sample, dict) else {}


def _error_summary(incident: dict[str, Any]) -> str:
    text = str(incident.get("error_class") or "").strip()
    if not text or re.fullmatch(r"exit \d+", text):
        source = str(incident.get("normalized_error") or _sample(incident).get("error") or "")
        lines = [ln.strip() for ln in source.splitlines()]
        text = next((ln for ln in lines if ln and not ln.lower().startswith("exit code")), text)
    return text[:100]


def _category(error_class: str, has_recovery: bool) -> str:
    lowered = error_class.lower()
    if "modulenotfound" in lowered or "importerror" in lowered or "command not found" in lowered:
        return "environment"
    if lowered.startswith(("edit:", "write:", "read:")):
        return "tool-misuse"
    return "missing-knowledge" if has_recovery else "process-gap"


def _from_recovery(incident: dict[str, Any], recovery: dict[str, Any]) -> dict[str, Any]:
    failed = str(incident.get("command") or "").strip()
    fixed = str(recovery.get("command") or "").strip()
    tool = str(incident.get("tool") or "Bash")
    error = _error_summary(incident)
    purpose = _purpose(failed, fixed, str(_sample(incident).get("cwd") or "") or None)
    fingerprint = str(incident.get("fingerprint", ""))[:12]
    if purpose.startswith("the "):
        body = f"When running {purpose}, use `{fixed}`, not `{failed}` (fails here: {error})."
        title = f"Use `{fixed}` for {purpose}"
    else:
        body = f"Use `{fixed}` instead of `{failed}` in this project (`{failed}` fails here: {error})."
        title = f"Use `{fixed}`, not `{failed}`"
    guard = None
    if tool == "Bash" and recovery.get("tool", "Bash") == "Bash" and failed and fixed and failed != fixed:
        # recovery_is_lesson held (analyse_offline checked): an environment or usage error with a real fix
        guard = {"tool": "Bash", "command": failed, "action": "rewrite", "fix": fixed}
    return {
        "root_cause": f"`{failed}` does not work in this project ({error}); `{fixed}` does the same job and "
        "succeeded right after it in the same session.",
        "category": _category(error, True),
        "rule": {
            "title": title[:80],
            "body": body,
            "trigger": f"PreToolUse {tool} `{failed}`",
            "enforcement": "guard rewrite" if guard else "context only",
            "verification": f"incident fingerprint {fingerprint} does not recur",
        },
        "guard": guard,
    }


# (pattern on the error class, title, body template, category); {0} is the first capture group.
_BY_ERROR_CLASS: tuple[tuple[str, str, str, str], ...] = (
    (
        r"file modified since read",
        "Re-read a file that changed",
        "When a file changed since you read it (a formatter, a build, another tool), Read it again before "
        "editing it.",
        "tool-misuse",
    ),
    (
        r"file too large to read",
        "Read large files in parts",
        "Read large files in parts (offset and limit), or search them with Grep instead of reading them "
        "whole.",
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


def _from_error_class(incident: dict[str, Any]) -> dict[str, Any]:
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
    error = _error_summary(incident)
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
    recovery = data.get("recovery")
    # A command that worked instead of one that failed is a rule by itself; for file tools (Edit, Read)
    # the recovery is the same call done right, and the error class says what "right" was.
    if (
        isinstance(recovery, dict)
        and incident.get("tool") == "Bash"
        and recovery.get("tool", "Bash") == "Bash"
        and _teaches(incident, str(recovery.get("command") or "").strip())
    ):
        return _from_recovery(incident, recovery)
    return _from_error_class(incident)


def _teaches(incident: dict[str, Any], fixed: str) -> bool:
    """A command-for-command rule needs a real fix (not a retry, a narrower re-run or a fixed test) and
    two commands free of secrets (a redaction placeholder in a rule or a guard would break the call)."""
    failed = str(incident.get("command") or "").strip()
    if any("[REDACTED" in text or redact(text) != text for text in (failed, fixed)):
        return False
    error_text = str(incident.get("normalized_error") or _sample(incident).get("error") or "")
    return recovery_is_lesson(failed, fixed, str(incident.get("error_class") or ""), error_text)
