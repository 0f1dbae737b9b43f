"""Markdown files with YAML frontmatter: rules, skills and agent definitions all use this shape."""

from __future__ import annotations

from typing import Any

import yaml

from nevo.errors import NevoError


def parse(text: str, *, source: str = "<text>") -> tuple[dict[str, Any], str]:
    """(frontmatter, body). Text without a frontmatter block gives ({}, text)."""
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            header = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            try:
                meta = yaml.safe_load(header) or {}
            except yaml.YAMLError as exc:
                raise NevoError(f"{source}: the frontmatter is not valid YAML: {exc}") from exc
            if not isinstance(meta, dict):
                raise NevoError(f"{source}: the frontmatter must be a mapping")
            return meta, body.lstrip("\n")
    raise NevoError(f"{source}: the frontmatter block is not closed with '---'")


def render(meta: dict[str, Any], body: str) -> str:
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{header}\n---\n{body.strip()}\n"
