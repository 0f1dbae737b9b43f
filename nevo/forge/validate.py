"""VALIDATE: is a skill folder fit to be deployed? Every problem is named, none is fatal to the check itself.

Problems are errors or warnings. Errors refuse the skill: what Claude Code itself would refuse or misread
(no frontmatter, no ``name`` or ``description``, a ``name`` with characters a skill's name cannot have,
frontmatter that is not YAML, scripts that do not compile, links out of the skill) and what is unsafe (the
shared safety scan in its ``skill`` context: download-and-execute, credential reads, disabling hooks or
rules, exfiltration, instructions to disregard the person; a real secret written into a file). Warnings are
what Claude Code loads anyway and style guidance a person may choose to ignore: a file the body refers to
that does not exist (Claude Code reads SKILL.md alone when it loads a skill; the agent finds the gap when
it opens the file), a listing entry longer than Claude Code shows (it shortens it), a name whose hyphens
are misplaced (``-21risk-automation``), no ``when_to_use``, a body over 500 lines, a large skill, a
description over the Agent Skills limit of 1,024 characters, a name that differs from its folder.

``strict`` (the forge's own skills) turns every warning into an error and keeps nevo's house form: a
``when_to_use``, the name of the folder, and no edits to nevo's or Claude Code's own files.

Why 1,536 and not 1,024 for the description: Claude Code 2.1.197 lists a skill by ``description`` plus
``when_to_use`` and shortens an entry past 1,536 characters (it refuses neither); 1,024 is the Agent Skills
(API) limit, which Anthropic's own ``claude-api`` skill exceeds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo import frontmatter
from nevo.errors import NevoError

MAX_NAME = 64
MAX_DESCRIPTION = 1024  # the Agent Skills limit: a warning (an error when strict)
MAX_LISTING_ENTRY = 1536  # Claude Code shortens description + when_to_use past this: a warning
MAX_WHEN_TO_USE = 1024
MAX_BODY_LINES = 500
MAX_SKILL_BYTES = 1024 * 1024
NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The characters of a skill's name, hyphens anywhere (`-21risk-automation`): one token Claude Code can invoke.
NAME_CHARACTERS = re.compile(r"^[a-z0-9-]+$")
RESERVED_WORDS = ("anthropic", "claude")
REQUIRED_SECTIONS = ("When to use", "Steps", "Gotchas learned the hard way", "How to verify")
_XML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][\w-]*(?:\s[^<>]*)?>")
# Relative references to the skill's own supporting files: folders Claude Code skills use, and markdown links.
_FOLDER_REF = re.compile(
    r"(?<![\w./-])((?:(?:\$\{?CLAUDE_SKILL_DIR\}?|\{baseDir\}|\$\{?baseDir\}?)/)?"
    r"(?:scripts|references?|templates|assets|examples|resources)/[\w.\-/]*[\w-])"
)
_LINK_REF = re.compile(r"\]\(([^)\s#]+)\)")
# Claude Code and skill authors name the skill's own folder: ${CLAUDE_SKILL_DIR}/x, {baseDir}/x
_SKILL_DIR_PREFIX = re.compile(r"^(?:\$\{?CLAUDE_SKILL_DIR\}?|\{baseDir\}|\$\{?baseDir\}?|\{skill_dir\})/")
# A command in backticks (`uv run scripts/x.py --all`): its paths may be the project's, not the skill's.
_COMMAND_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^\s*(?:```|~~~)\s*([\w+-]*)")
_EXAMPLE_FENCES = frozenset({"markdown", "md", "text", "txt", "plain", "tree"})
_TREE = re.compile(r"[├└│]")
# The body tells the agent to open or run the file: a missing one is a broken skill, not a mention.
_INSTRUCTED = re.compile(
    r"\b(?:see|read|load|consult|run|execute|open|use|using|refer\s+to|check|source|invoke|call|follow)\b"
    r"[^.\n]{0,40}$",
    re.IGNORECASE,
)
_EXAMPLE_LINE = re.compile(
    r"\b(?:e\.g\.|examples?\b|for\s+instance|such\s+as|would\s+be|might\s+(?:be|have|include)|could\s+be"
    r"|hypothetical)",
    re.IGNORECASE,
)
# nevo's house form (strict): a generated skill never edits the machinery that keeps the agent honest.
_TAMPERING = re.compile(
    r"(?:>\s*|\b(?:tee|sed\s+-i|rm|mv|cp|edit|modify|overwrite|write\s+to)\b)[^\n]{0,60}?"
    r"(?:\.claude/settings(?:\.local)?\.json|\.nevo/|\.claude/rules/|\.claude/skills/(?!<)|\.git/hooks)",
    re.IGNORECASE,
)
# Unsafe kinds that refuse a skill; skip-tests is a warning (a skill may run a test it expects to fail).
_CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".rs", ".rb", ".java", ".yar", ".yara"})
UNSAFE_ERRORS = frozenset(
    {"download-and-execute", "credential-read", "disable-hooks", "exfiltration", "prompt-injection"}
)


@dataclass
class ValidationResult:
    """``problems`` are the errors (any one refuses the skill); ``warnings`` never do."""

    valid: bool
    problems: list[str] = field(default_factory=list)
    name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "problems": self.problems, "warnings": self.warnings, "name": self.name}


class _Report:
    """Collects errors and warnings; ``strict`` makes every warning an error."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)

    def warn(self, message: str) -> None:
        (self.errors if self.strict else self.warnings).append(message)


def validate_skill(folder: Path, *, strict: bool = False, require_sections: bool = False) -> ValidationResult:
    """Check the skill in ``folder`` (the folder holding SKILL.md). ``strict``: the forge's own form (every
    warning is an error). ``require_sections``: the body must have the sections nevo's skill-writer writes."""
    report = _Report(strict)
    skill_md = folder / "SKILL.md"
    if not folder.is_dir():
        return ValidationResult(False, [f"{folder} is not a folder"])
    if not skill_md.is_file():
        return ValidationResult(False, [f"{folder}: SKILL.md is missing"])
    text = skill_md.read_text(encoding="utf-8", errors="replace")
    try:
        meta, body = frontmatter.parse(text, source="SKILL.md")
    except NevoError as exc:
        meta, body = {}, text
        report.error(str(exc.message))
    else:
        if not text.startswith("---"):
            report.error("SKILL.md: no YAML frontmatter (it must start with a '---' block)")
    _frontmatter_problems(meta, folder.name, report)
    _body_problems(body, require_sections, report)
    files = _skill_files(folder, report)
    _reference_problems(body, folder, report)
    _script_problems(folder, files, report)
    _content_problems(folder, files, report)
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    return ValidationResult(not report.errors, report.errors, name, meta, report.warnings)


def _frontmatter_problems(meta: dict[str, Any], folder_name: str, report: _Report) -> None:
    name = meta.get("name")
    if name is None or name == "":
        report.error("frontmatter: `name` is missing")
    elif not isinstance(name, str):
        report.error("frontmatter: `name` must be a string")
    else:
        if len(name) > MAX_NAME:
            report.error(f"frontmatter: `name` is {len(name)} characters (at most {MAX_NAME})")
        if not NAME_PATTERN.match(name):
            message = f"frontmatter: `name` {name!r} must be lowercase letters, digits and single hyphens"
            if NAME_PATTERN.match(folder_name) and "\n" not in name:
                # Claude Code shows the name and invokes the skill by its folder: nothing is misread.
                report.warn(f"{message} (Claude Code invokes this skill as {folder_name!r})")
            elif NAME_CHARACTERS.match(name) and NAME_CHARACTERS.match(folder_name):
                report.warn(f"{message} (a hyphen at an end or doubled: the Agent Skills form)")
            else:
                report.error(message)
        for word in RESERVED_WORDS:
            if word in name:
                report.warn(f"frontmatter: `name` contains the reserved word {word!r} (the Skills API refuses it)")
        if name != folder_name:
            report.warn(f"frontmatter: `name` {name!r} differs from the folder name {folder_name!r}")
    description, when = meta.get("description"), meta.get("when_to_use")
    if description is None or (isinstance(description, str) and not description.strip()):
        report.error("frontmatter: `description` is missing")
    elif not isinstance(description, str):
        report.error("frontmatter: `description` must be a string")
    else:
        if len(description) > MAX_DESCRIPTION:
            report.warn(f"frontmatter: `description` is {len(description)} characters (at most {MAX_DESCRIPTION})")
        if _XML_TAG.search(description):
            report.warn("frontmatter: `description` must not contain XML tags")
    if when is None or (isinstance(when, str) and not when.strip()):
        report.warn("frontmatter: `when_to_use` is missing (Claude Code lists the skill by its description alone)")
    elif not isinstance(when, str):
        report.error("frontmatter: `when_to_use` must be a string")
    else:
        if len(when) > MAX_WHEN_TO_USE:
            report.warn(f"frontmatter: `when_to_use` is {len(when)} characters (at most {MAX_WHEN_TO_USE})")
        if _XML_TAG.search(when):
            report.warn("frontmatter: `when_to_use` must not contain XML tags")
    entry = sum(len(v) for v in (description, when) if isinstance(v, str))
    if entry > MAX_LISTING_ENTRY:
        report.warn(
            f"frontmatter: `description` and `when_to_use` are {entry} characters together; Claude Code "
            f"shortens a skill's entry past {MAX_LISTING_ENTRY}, so the end would never be read"
        )
    tools = meta.get("allowed-tools")
    if tools is not None and not isinstance(tools, (str, list)):
        report.error("frontmatter: `allowed-tools` must be a string or a list")


def _body_problems(body: str, require_sections: bool, report: _Report) -> None:
    lines = body.splitlines()
    if not body.strip():
        report.error("SKILL.md: the body is empty")
    if len(lines) >= MAX_BODY_LINES:
        report.warn(
            f"SKILL.md: the body is {len(lines)} lines (under {MAX_BODY_LINES}: move detail into referenced files)"
        )
    if require_sections:
        headings = {m.group(1).strip().lower() for m in re.finditer(r"^#{1,3}\s+(.+)$", body, re.MULTILINE)}
        for section in REQUIRED_SECTIONS:
            if section.lower() not in headings:
                report.error(f"SKILL.md: the section '## {section}' is missing")


def _skill_files(folder: Path, report: _Report) -> list[Path]:
    files, total = [], 0
    root = folder.resolve()
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                report.error(f"{path.relative_to(folder)}: a link that points outside the skill ({target})")
                continue
        if path.is_file():
            files.append(path)
            total += path.stat().st_size
    if total > MAX_SKILL_BYTES:
        report.warn(f"the skill's files total {total // 1024} KiB (at most {MAX_SKILL_BYTES // 1024} KiB)")
    return files


def referenced_files(body: str) -> dict[str, bool]:
    """The skill's own files its body refers to, each with whether the body tells the agent to use it:
    markdown links and paths after "see", "read", "run", ... (True), and other paths under scripts/,
    references/, templates/, assets/, examples/ in backticks or with a file extension (False: a mention).
    A path shown as an example is not a reference: on a line that says so ("Example: `scripts/x.py`"),
    or inside a fenced block of markdown or a folder tree (a skill about skills shows another's layout)."""
    referenced: dict[str, bool] = {}
    fence: str | None = None
    for line in body.splitlines():
        opening = _FENCE.match(line)
        if opening:
            fence = None if fence is not None else opening.group(1).lower()
            continue
        if fence in _EXAMPLE_FENCES or _TREE.search(line) or _EXAMPLE_LINE.search(line):
            continue
        commands = [span for span in _COMMAND_SPAN.finditer(line) if len(span.group(1).split()) > 1]
        for match in _FOLDER_REF.finditer(line):
            path = _SKILL_DIR_PREFIX.sub("", match.group(1))
            quoted = line[max(0, match.start() - 1) : match.start()] in ("`", "'", '"', "/", "}")
            if quoted or re.search(r"\.\w{1,5}$", path):
                in_command = any(span.start() < match.start() < span.end() for span in commands)
                told = bool(_INSTRUCTED.search(line[: match.start()])) and not in_command
                referenced[path] = referenced.get(path, False) or told
        for target in _LINK_REF.findall(line):
            target = _SKILL_DIR_PREFIX.sub("", target)
            # a path, not a template's placeholder: [ISSUE-123](url)
            if not re.match(r"^(?:[a-z]+:|/|~|\$|#|\{)", target) and re.search(r"[./]", target):
                referenced[target] = True
    return referenced


def _reference_problems(body: str, folder: Path, report: _Report) -> None:
    for relative, told in sorted(referenced_files(body).items()):
        path = (folder / relative).resolve()
        inside = path.is_relative_to(folder.resolve())
        if not path.exists():
            where = "" if inside else ", outside the skill's folder,"
            message = f"SKILL.md refers to {relative}{where} which does not exist"
            # Claude Code 2.1.197 loads the skill all the same (it reads SKILL.md alone, and its own
            # `claude plugin validate` checks no reference): the agent meets the gap when it opens the file.
            report.warn(message if told else f"{message} (mentioned, never opened or run)")
        elif not inside:
            report.warn(
                f"SKILL.md refers to {relative}, outside the skill's folder (found only when installed alongside)"
            )


def _is_shell(path: Path) -> bool:
    if path.suffix in (".sh", ".bash"):
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and re.search(rb"\b(ba)?sh\b", first) is not None


def _script_problems(folder: Path, files: list[Path], report: _Report) -> None:
    with tempfile.TemporaryDirectory(prefix="nevo-pycache-") as cache:
        # PYTHONPYCACHEPREFIX: compiling must not leave __pycache__ folders inside the skill.
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        for path in files:
            relative = path.relative_to(folder)
            if path.suffix == ".py":
                argv = [sys.executable, "-m", "py_compile", str(path)]
            elif _is_shell(path):
                argv = ["bash", "-n", str(path)]
            else:
                continue
            try:
                done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                report.error(f"{relative}: could not be compiled: {exc}")
                continue
            if done.returncode != 0:
                detail = (done.stderr or done.stdout).strip().replace(str(path), str(relative))
                report.error(
                    f"{relative} does not compile ({'bash -n' if argv[0] == 'bash' else 'py_compile'}): "
                    f"{detail.splitlines()[-1] if detail else 'exit ' + str(done.returncode)}"
                )


_DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".rst"})
_CONTAINER_FILE = re.compile(r"^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:dockerfile|containerfile)$", re.I)
_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)


def _about_attacks(path: Path, folder: Path, text: str) -> bool:
    """Is ``path`` a supporting document whose subject is attacks (a security skill's catalogue of what to
    find)? Its file name or its title says so. SKILL.md and scripts never are: the agent follows the one
    and runs the others."""
    from nevo.safety_skill import SECURITY_SUBJECT

    if path.suffix.lower() not in _DOCUMENT_SUFFIXES or path == folder / "SKILL.md":
        return False
    title = _TITLE.search(text[:2000])
    named = re.sub(r"[-_.]", " ", path.stem)
    return bool(SECURITY_SUBJECT.search(named) or (title and SECURITY_SUBJECT.search(title.group(1))))


def _content_problems(folder: Path, files: list[Path], report: _Report) -> None:
    from nevo.forge.skill_secrets import written_secrets
    from nevo.safety import SKILL, scan

    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary assets: nothing the agent reads as instructions
        relative = path.relative_to(folder)
        about_attacks = _about_attacks(path, folder, text)
        for finding in scan(text, context=SKILL):
            if finding.kind == "prompt-injection" and path.suffix in _CODE_SUFFIXES:
                continue  # a program's strings are its data (a scanner's patterns), not words to the agent
            message = f"{relative}: unsafe ({finding.kind}): {finding.excerpt!r}"
            if finding.kind == "vendor-installer":
                report.warn(f"{relative}: runs a tool's official installer from the network: {finding.excerpt!r}")
            elif finding.kind == "container-download" or (
                finding.kind == "download-and-execute" and _CONTAINER_FILE.match(path.name)
            ):
                report.warn(f"{relative}: a container build runs code from the network: {finding.excerpt!r}")
            elif finding.kind in UNSAFE_ERRORS and about_attacks:
                report.warn(f"{message} (in a document about attacks: shown as an example)")
            elif finding.kind in UNSAFE_ERRORS:
                report.error(message)
            else:
                report.warn(message)
        for line, kind in written_secrets(text, strict=report.strict):
            report.error(f"{relative}:{line}: a secret ({kind}) is written into the skill")
        match = _TAMPERING.search(text)
        if match:
            report.warn(
                f"{relative}: changes nevo's or Claude Code's own files (settings, rules, skills, "
                f"hooks): {match.group(0).strip()[:120]!r}"
            )
