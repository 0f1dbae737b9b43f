"""VALIDATE: is a skill folder fit to be deployed? Every problem is named, none is fatal to the check itself.

Claude Code's limits (``name`` at most 64 lowercase-hyphen characters, ``description`` at most 1,024, body
under 500 lines), nevo's own requirement that a skill says when to use it, referenced files present,
scripts that compile (``python -m py_compile``, ``bash -n``), the shared safety scan (download-and-execute,
credential reads, disabling hooks or rules, ignoring prior instructions, exfiltration) over every file, and
checks that only matter for skills (secrets written into them, edits to nevo's or Claude Code's settings,
files that point outside the skill).
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
MAX_DESCRIPTION = 1024
MAX_WHEN_TO_USE = 1024
MAX_BODY_LINES = 500
MAX_SKILL_BYTES = 1024 * 1024
NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_WORDS = ("anthropic", "claude")
REQUIRED_SECTIONS = ("When to use", "Steps", "Gotchas learned the hard way", "How to verify")
_XML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][\w-]*(?:\s[^<>]*)?>")
# Relative references to the skill's own supporting files: folders Claude Code skills use, and markdown links.
_FOLDER_REF = re.compile(r"(?<![\w./-])((?:scripts|references?|templates|assets|examples)/[\w.\-/]*[\w-])")
_LINK_REF = re.compile(r"\]\(([^)\s#]+)\)")
# Skill-specific: a skill must not rewrite the machinery that keeps the agent honest.
_TAMPERING = re.compile(
    r"(?:>\s*|\b(?:tee|sed\s+-i|rm|mv|cp|edit|modify|overwrite|write\s+to)\b)[^\n]{0,60}?"
    r"(?:\.claude/settings(?:\.local)?\.json|\.nevo/|\.claude/rules/|\.claude/skills/(?!<)|\.git/hooks)",
    re.IGNORECASE,
)


@dataclass
class ValidationResult:
    valid: bool
    problems: list[str] = field(default_factory=list)
    name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "problems": self.problems, "name": self.name}


def validate_skill(folder: Path, *, require_sections: bool = False) -> ValidationResult:
    """Check the skill in ``folder`` (the folder holding SKILL.md). ``require_sections``: the body must have
    the sections nevo's skill-writer writes (the forge sets it for generated skills)."""
    problems: list[str] = []
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
        problems.append(str(exc.message))
    else:
        if not text.startswith("---"):
            problems.append("SKILL.md: no YAML frontmatter (it must start with a '---' block)")
    problems += _frontmatter_problems(meta, folder.name)
    problems += _body_problems(body, require_sections)
    files = _skill_files(folder, problems)
    problems += _reference_problems(body, folder)
    problems += _script_problems(folder, files)
    problems += _content_problems(folder, files)
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    return ValidationResult(not problems, problems, name, meta)


def _frontmatter_problems(meta: dict[str, Any], folder_name: str) -> list[str]:
    problems = []
    name = meta.get("name")
    if name is None or name == "":
        problems.append("frontmatter: `name` is missing")
    elif not isinstance(name, str):
        problems.append("frontmatter: `name` must be a string")
    else:
        if len(name) > MAX_NAME:
            problems.append(f"frontmatter: `name` is {len(name)} characters (at most {MAX_NAME})")
        if not NAME_PATTERN.match(name):
            problems.append(
                f"frontmatter: `name` {name!r} must be lowercase letters, digits and single hyphens"
            )
        for word in RESERVED_WORDS:
            if word in name:
                problems.append(f"frontmatter: `name` must not contain the reserved word {word!r}")
        if name != folder_name:
            problems.append(f"frontmatter: `name` {name!r} differs from the folder name {folder_name!r}")
    for key, limit in (("description", MAX_DESCRIPTION), ("when_to_use", MAX_WHEN_TO_USE)):
        value = meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"frontmatter: `{key}` is missing")
        elif not isinstance(value, str):
            problems.append(f"frontmatter: `{key}` must be a string")
        else:
            if len(value) > limit:
                problems.append(f"frontmatter: `{key}` is {len(value)} characters (at most {limit})")
            if _XML_TAG.search(value):
                problems.append(f"frontmatter: `{key}` must not contain XML tags")
    tools = meta.get("allowed-tools")
    if tools is not None and not isinstance(tools, (str, list)):
        problems.append("frontmatter: `allowed-tools` must be a string or a list")
    return problems


def _body_problems(body: str, require_sections: bool) -> list[str]:
    problems = []
    lines = body.splitlines()
    if not body.strip():
        problems.append("SKILL.md: the body is empty")
    if len(lines) >= MAX_BODY_LINES:
        problems.append(
            f"SKILL.md: the body is {len(lines)} lines (under {MAX_BODY_LINES}: move detail into "
            "referenced files)"
        )
    if require_sections:
        headings = {m.group(1).strip().lower() for m in re.finditer(r"^#{1,3}\s+(.+)$", body, re.MULTILINE)}
        for section in REQUIRED_SECTIONS:
            if section.lower() not in headings:
                problems.append(f"SKILL.md: the section '## {section}' is missing")
    return problems


def _skill_files(folder: Path, problems: list[str]) -> list[Path]:
    files, total = [], 0
    root = folder.resolve()
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                problems.append(
                    f"{path.relative_to(folder)}: a link that points outside the skill ({target})"
                )
                continue
        if path.is_file():
            files.append(path)
            total += path.stat().st_size
    if total > MAX_SKILL_BYTES:
        problems.append(
            f"the skill's files total {total // 1024} KiB (at most {MAX_SKILL_BYTES // 1024} KiB)"
        )
    return files


def _reference_problems(body: str, folder: Path) -> list[str]:
    referenced = set(_FOLDER_REF.findall(body))
    for target in _LINK_REF.findall(body):
        if not re.match(r"^(?:[a-z]+:|/|~|\$|#)", target):
            referenced.add(target)
    problems = []
    for relative in sorted(referenced):
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve()):
            problems.append(f"SKILL.md refers to {relative}, outside the skill's folder")
        elif not path.exists():
            problems.append(f"SKILL.md refers to {relative}, which does not exist")
    return problems


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


def _script_problems(folder: Path, files: list[Path]) -> list[str]:
    problems = []
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
                problems.append(f"{relative}: could not be compiled: {exc}")
                continue
            if done.returncode != 0:
                detail = (done.stderr or done.stdout).strip().replace(str(path), str(relative))
                problems.append(
                    f"{relative} does not compile ({'bash -n' if argv[0] == 'bash' else 'py_compile'}): "
                    f"{detail.splitlines()[-1] if detail else 'exit ' + str(done.returncode)}"
                )
    return problems


def _content_problems(folder: Path, files: list[Path]) -> list[str]:
    from nevo.redact import find_secrets
    from nevo.safety import scan

    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary assets: nothing the agent reads as instructions
        relative = path.relative_to(folder)
        for finding in scan(text):
            problems.append(f"{relative}: unsafe ({finding.kind}): {finding.excerpt!r}")
        for secret in find_secrets(text):
            line = text.count("\n", 0, secret.start) + 1
            problems.append(f"{relative}:{line}: a secret ({secret.kind}) is written into the skill")
        for match in _TAMPERING.finditer(text):
            problems.append(
                f"{relative}: changes nevo's or Claude Code's own files (settings, rules, skills, "
                f"hooks): {match.group(0).strip()[:120]!r}"
            )
            break
    return problems
