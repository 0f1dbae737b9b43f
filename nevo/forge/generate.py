"""GENERATE: the ``skill-writer`` agent writes a Claude Code skill for a gap.

The offline skill-writer builds the skill from the journal's own evidence: the commands that worked, in
the order they were run, the failures met on the way with what fixed them, and a check that shows the
work succeeded. Without evidence it declines (``refusal``) rather than invent steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo import frontmatter
from nevo.forge.detect import Gap, search_words
from nevo.fsutil import atomic_write_text
from nevo.providers import Request, offline_handler
from nevo.redact import MARKER_PREFIX, redact

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 64, "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "description": {"type": "string", "maxLength": 1024},
        "when_to_use": {"type": "string"},
        "body": {
            "type": "string",
            "description": "Markdown: When to use, Steps, Gotchas learned the hard way, How to verify",
        },
        "scripts": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "optional: file name under scripts/ -> its text",
        },
        "refusal": {
            "type": "string",
            "description": "set instead of a skill when the evidence is not enough",
        },
    },
}
TASK = (
    "Write a Claude Code skill that closes this gap, from the evidence of this project's own sessions. Use "
    "the commands that worked, in order; turn each failure met into a gotcha with what fixed it. If the "
    "evidence is not enough to write steps that would work, set `refusal` with the reason instead."
)
VERIFY_WORDS = (
    "test",
    "e2e",
    "spec",
    "smoke",
    "check",
    "verify",
    "status",
    "health",
    "current",
    "lint",
    "build",
)
_RESERVED = re.compile(r"\b(claude|anthropic)\b")


@dataclass
class SkillDraft:
    name: str
    description: str
    when_to_use: str
    body: str
    scripts: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """Write SKILL.md and scripts/ into ``folder`` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": self.name, "description": self.description, "when_to_use": self.when_to_use}
        atomic_write_text(folder / "SKILL.md", frontmatter.render(meta, self.body))
        for relative, text in self.scripts.items():
            atomic_write_text(folder / "scripts" / relative, text, mode=0o755)
        return folder


class GenerationRefused(Exception):
    """The skill-writer declined: the evidence is not enough. The message says why."""


def draft_from_output(output: dict[str, Any]) -> SkillDraft:
    if output.get("refusal"):
        raise GenerationRefused(str(output["refusal"]))
    scripts = {}
    for name, text in dict(output.get("scripts") or {}).items():
        clean = Path(str(name)).name  # a script name is a file name under scripts/, nothing else
        if clean and isinstance(text, str):
            scripts[clean] = text
    return SkillDraft(
        name=str(output.get("name") or "").strip(),
        description=str(output.get("description") or "").strip(),
        when_to_use=str(output.get("when_to_use") or "").strip(),
        body=str(output.get("body") or ""),
        scripts=scripts,
    )


def slug(words: list[str], limit: int = 64) -> str:
    text = "-".join(words).lower()
    text = _RESERVED.sub("", re.sub(r"[^a-z0-9]+", "-", text))
    text = re.sub(r"-+", "-", text).strip("-")
    while len(text) > limit and "-" in text:
        text = text.rsplit("-", 1)[0]
    return text[:limit].strip("-") or "project-workflow"


def skill_name(gap: dict[str, Any]) -> str:
    evidence = gap.get("evidence") or {}
    if gap.get("source") == "journal":
        words: list[str] = []
        for token in evidence.get("sequence") or []:
            words.extend(w for w in str(token).split()[:2] if w not in words)
        return slug([*words[:5], "workflow"])
    if gap.get("source") == "analysis":
        program = (str(evidence.get("command") or evidence.get("tool") or "").split() or ["tool"])[0]
        return slug([Path(program).name, *str(evidence.get("error_class") or "failure").split()[:3]])
    return slug(search_words(str(gap.get("title") or ""))[:5])


def _local(command: str, cwd: str) -> str:
    """Commands as run, with the workspace's absolute path taken out (the skill works in any checkout)."""
    if cwd and cwd != "/":
        command = command.replace(cwd.rstrip("/") + "/", "").replace(cwd.rstrip("/"), ".")
    return redact(command.strip())


# Commands that are one-offs (a commit message, a push, a reset) or destroy things are never replayed by a
# script: the skill lists the steps and a person or the agent decides each time.
_ONE_OFF = re.compile(
    r"\bgit\s+(?:commit|push|tag|merge|rebase|reset|checkout|stash|clean)\b|\brm\s+-\w*[rf]"
    r"|\b(?:npm|yarn|pnpm)\s+publish\b|\bdocker\s+push\b|\bkubectl\s+delete\b"
)


def _scriptable(command: str) -> bool:
    return (
        "\n" not in command
        and MARKER_PREFIX not in command
        and "<<" not in command
        and not _ONE_OFF.search(command)
    )


def _fence(text: str, language: str = "") -> str:
    safe = text.replace("```", "'''")  # the evidence cannot close its own fence
    return f"```{language}\n{safe}\n```"


def _verification(commands: list[str]) -> str:
    for word in VERIFY_WORDS:  # the most telling check first: a test run beats a build
        for command in reversed(commands):
            if word in command.lower():
                return f"Run `{command}`: it exits 0 and reports no errors or failures."
    if commands:
        return f"The last step, `{commands[-1]}`, exits 0 and its output shows no errors."
    return "Re-run the command that failed before: it now succeeds."


def _gotchas(failures: list[dict[str, Any]], cwd: str) -> list[str]:
    lines = []
    seen = set()
    for failure in failures:
        command = _local(str(failure.get("command") or failure.get("tool") or ""), cwd)
        if command in seen:
            continue
        seen.add(command)
        error = _local(
            re.sub(r"^Exit code \d+\n?", "", str(failure.get("error") or "")) or "(no output)", cwd
        )
        fix = failure.get("fixed_by")
        item = f"- `{command}` failed with:\n\n{_indent(_fence(error), 2)}\n"
        item += (
            f"  What worked instead: `{_local(str(fix), cwd)}`."
            if fix
            else "  Read the whole output before retrying."
        )
        lines.append(item)
    if not lines:
        lines.append(
            "- No failure was recorded around these steps yet. If one fails, read its whole output and fix "
            "the cause before re-running it: the same command run again fails the same way."
        )
    return lines


def _indent(text: str, width: int = 3) -> str:
    # Three spaces continue a numbered list item in Markdown, two a bullet.
    return "\n".join(" " * width + line if line else line for line in text.splitlines())


@offline_handler("skill-writer")
def offline_skill_writer(request: Request) -> dict[str, Any]:
    gap = dict(request.data.get("gap") or {})
    evidence = gap.get("evidence") or {}
    cwd = str(evidence.get("cwd") or "")
    source = gap.get("source")
    failures = list(evidence.get("failures") or [])
    if source == "analysis":
        recovery = evidence.get("recovery") or {}
        if not recovery.get("command"):
            return {"refusal": "the incident has no recovery on record: no steps known to work"}
        commands = [_local(str(c), cwd) for c in [*recovery.get("between", []), recovery["command"]] if c]
        failures = [
            {
                "command": evidence.get("command"),
                "error": evidence.get("error"),
                "fixed_by": recovery.get("command"),
            }
        ]
    else:
        commands = [_local(str(c), cwd) for c in evidence.get("commands") or []]
    if not commands:
        return {
            "refusal": "the journal shows no commands for this yet: run the work once in a session, then ask "
            "again (or use an online provider to write it from scratch)"
        }
    title = str(gap.get("title") or "the workflow")
    name = skill_name(gap)
    what = title.removeprefix("Repeated workflow: ")
    sessions = len(evidence.get("sessions") or []) or int(gap.get("sessions") or 0)
    seen_in = f" in {sessions} session{'s' if sessions != 1 else ''} of this project" if sessions else ""
    what = what.rstrip(". ")
    if source == "request":
        when = f"You are asked to {what[0].lower() + what[1:]}." if what else "The task matches this skill."
        description = (
            f"{what[:1].upper() + what[1:]}: the steps that worked{seen_in}, and the failures to avoid."
        )
    elif source == "journal":
        when = f"The task needs {what} (the same steps, in order)."
        description = f"Runs {what} in order{seen_in}, with the gotchas met on the way."
    else:
        error_class = evidence.get("error_class") or "this error"
        when = f"A command fails with {error_class}: `{evidence.get('command')}`."
        description = (
            f"What to do when `{str(evidence.get('command'))[:80]}` fails with {evidence.get('error_class')}:"
            " the steps that fixed it in this project."
        )
    description = (description + f" Use when: {when}")[:1000]
    scripts: dict[str, str] = {}
    steps: list[str] = []
    if source == "journal" and len(commands) >= 3 and all(_scriptable(c) for c in commands):
        scripts["run.sh"] = (
            "#!/bin/sh\n# "
            + what[:100]
            + ": the steps that worked in this project's sessions (nevo skill forge).\n"
            'set -eu\ncd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"\n' + "\n".join(commands) + "\n"
        )
        steps.append(
            "1. Run `scripts/run.sh` from the project root. It runs these steps in order and stops at the "
            "first failure:"
        )
        steps.append(_indent(_fence("\n".join(commands), "bash")))
        steps.append(
            "2. If a step fails, fix the cause (see the gotchas) and run the remaining steps by hand."
        )
    else:
        for number, command in enumerate(commands, 1):
            steps.append(f"{number}. Run:\n\n{_indent(_fence(command, 'bash'))}\n")
    body = "\n".join(
        [
            f"# {what[:1].upper() + what[1:]}",
            "",
            "## When to use",
            when,
            "",
            "## Steps",
            *steps,
            "",
            "## Gotchas learned the hard way",
            *_gotchas(failures, cwd),
            "",
            "## How to verify",
            _verification(commands),
            "",
        ]
    )
    return {
        "name": name,
        "description": description,
        "when_to_use": when[:1000],
        "body": body,
        "scripts": scripts,
    }


def generation_data(gap: Gap) -> dict[str, Any]:
    return {"gap": gap.to_json()}
