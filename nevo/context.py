"""The SessionStart context: what the agent is told at the start of every session.

Rules live in ``.claude/rules/`` (Claude Code loads them itself); this adds a short "learned recently"
index and the warm memory (MEMORY.md, USER.md), within a budget. It is rendered here, in Python, into
``.nevo/context.json`` (the hook's exact output) and ``.nevo/context.md`` (for people), so the
SessionStart hook only has to copy a file: no Python on the session's start path.

This module only reads what is already written (the rule files, the two warm memory files); it imports
neither the memory package nor anything that writes rules, so everything that changes them can call
:func:`refresh_context` without an import cycle (``nevo.memory.warm`` renders the files, then calls it).
"""

from __future__ import annotations

import json

from nevo.fsutil import atomic_write_text
from nevo.rules import learned_index
from nevo.workspace import Workspace

MAX_CONTEXT_CHARS = 6000  # well under Claude Code's 10,000-character spill limit for hook output


def sections(workspace: Workspace) -> list[tuple[str, str]]:
    """(title, text) for each part of the context, most important first; empty parts are left out."""
    parts: list[tuple[str, str]] = []

    index = learned_index(workspace)
    if index.strip():
        parts.append(("Rules nevo learned recently (full text in .claude/rules/)", index))
    memory = memory_context(workspace)  # MEMORY.md and USER.md
    if memory.strip():
        parts.append(("Memory", memory))
    return parts


EMPTY_MEMORY_LINE = "_Nothing learned yet._"  # what a warm memory file holds before it holds anything


def memory_context(workspace: Workspace) -> str:
    """The warm memory as context text (without the files' own headers); '' when there is none. The user's
    instructions come first: they matter most."""
    parts: list[str] = []
    for name, title in (("USER.md", "The user's instructions and preferences"), ("MEMORY.md", "Project")):
        path = workspace.memory_dir / name
        if not path.is_file():
            continue
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1].strip()
        if body and body != EMPTY_MEMORY_LINE:
            parts.append(f"### {title}\n{body.replace('## ', '#### ')}")
    return "\n\n".join(parts)


def render(parts: list[tuple[str, str]], budget: int = MAX_CONTEXT_CHARS) -> str:
    text = "# nevo: what this project has taught the agent\n"
    for title, body in parts:
        block = f"\n## {title}\n{body.strip()}\n"
        if len(text) + len(block) > budget:
            room = budget - len(text) - 40
            if room > 200:
                text += block[:room].rsplit("\n", 1)[0] + "\n[... cut to fit the context budget]\n"
            break
        text += block
    return text


def refresh_context(workspace: Workspace) -> str:
    """Re-render the context files; returns the text ('' and no files when there is nothing to say)."""
    parts = sections(workspace)
    md_path = workspace.nevo_dir / "context.md"
    json_path = workspace.context_path.with_suffix(".json")
    if not parts:
        md_path.unlink(missing_ok=True)
        json_path.unlink(missing_ok=True)
        return ""
    text = render(parts)
    payload = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}}
    atomic_write_text(md_path, text)
    atomic_write_text(json_path, json.dumps(payload, ensure_ascii=False) + "\n")
    return text
