"""AGENT-NNN rules: what a failure inside one sub-agent taught, kept with that agent's definition.

A sub-agent (``.claude/agents/<name>.md``) runs with its definition's body as its system prompt, plus
CLAUDE.md and ``.claude/rules/`` (tried with Claude Code 2.1.197: an ``@file`` import in an agent's body
is not expanded, and the main session's SessionStart context does not reach a sub-agent). So a rule
meant for one agent lives in ``.claude/agents/rules/<name>/AGENT-NNN-<slug>.md`` (not an agent definition:
it has no ``name``/``description``, and Claude Code skips it) and nevo renders the agent's active AGENT
rules into a marked block at the end of its definition. Only that agent reads them; the main session
and other agents are not charged for them. The block is nevo's: edits inside it are overwritten, the
rest of the file is the user's and is kept byte for byte.

A failure becomes an AGENT rule only when every failure of its incident happened inside the same
sub-agent and that agent is defined in the project (a built-in agent such as ``general-purpose`` has no
definition to keep it with; its lessons become project rules, which sub-agents read too).
"""

from __future__ import annotations

from pathlib import Path

from nevo import frontmatter
from nevo import incidents as store
from nevo.db import Database
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text
from nevo.rules import Rule, RuleBook, agent_folder
from nevo.workspace import Workspace

BEGIN = "<!-- nevo:agent-rules begin"
END = "<!-- nevo:agent-rules end -->"


def definitions(workspace: Workspace) -> dict[str, Path]:
    """The project's sub-agent definitions by name (frontmatter ``name`` and ``description``, as Claude
    Code requires); the AGENT rule folders are not definitions."""
    folder = workspace.agents_dir
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    rules_dir = folder / "rules"
    for path in sorted(folder.rglob("*.md")):
        if rules_dir in path.parents:
            continue
        try:
            meta, _ = frontmatter.parse(path.read_text(encoding="utf-8"), source=str(path))
        except (NevoError, OSError, UnicodeDecodeError):
            continue  # Claude Code skips it too
        name, description = meta.get("name"), meta.get("description")
        if isinstance(name, str) and name.strip() and isinstance(description, str) and description.strip():
            found.setdefault(name.strip(), path)
    return found


def definition_path(workspace: Workspace, agent: str) -> Path | None:
    return definitions(workspace).get(agent)


def agent_of(db: Database, workspace: Workspace, incident_id: str) -> str:
    """The project sub-agent whose work an incident belongs to, or '' (a project rule then): every failure
    of the incident happened inside that one agent (the hook's ``agent_type``; the stored verdicts' agent
    when the failures carry none), and the agent has a definition in ``.claude/agents/``."""
    rows = db.query("SELECT DISTINCT agent_type FROM occurrences WHERE incident_id = ?", (incident_id,))
    types = {str(r["agent_type"] or "") for r in rows}
    if types <= {""}:
        types = {v.agent for v in store.incident_verdicts(db, incident_id) if v.agent} or types
    if len(types) != 1:
        return ""
    [agent] = types
    return agent if agent and definition_path(workspace, agent) is not None else ""


def block(agent: str, rules: list[Rule]) -> str:
    """The block for ``agent``'s definition ('' when it has no active rule)."""
    if not rules:
        return ""
    lines = [
        f"{BEGIN}: rendered from .claude/agents/rules/{agent_folder(agent)}/; edit those files, not this block -->",
        f"## Rules this project taught the {agent} agent (nevo)",
    ]
    for rule in sorted(rules, key=lambda r: r.number):
        lines.append(f"- {rule.id} {rule.title}: {' '.join(rule.body.split())}")
    lines.append(END)
    return "\n".join(lines)


def with_block(text: str, new_block: str) -> str:
    """``text`` with nevo's block replaced by ``new_block``: appended after a blank line, and taken out
    with that blank line, so a definition whose last rule goes away is given back as it was."""
    start = text.find(BEGIN)
    end = text.find(END, start) if start >= 0 else -1
    if start >= 0 and end >= 0:
        before, after = text[:start], text[end + len(END) :]
        if before.endswith("\n\n"):
            before = before[:-1]
        text = before + (after[1:] if after.startswith("\n") else after)
    if not new_block:
        return text
    return text + ("\n" if text and not text.endswith("\n") else "") + "\n" + new_block + "\n"


def render_block(workspace: Workspace, agent: str, book: RuleBook | None = None) -> Path | None:
    """Bring ``agent``'s definition up to date with its active AGENT rules; the path when the file changed
    (a commit of an AGENT rule includes it), None when nothing changed or the agent has no definition."""
    path = definition_path(workspace, agent)
    if path is None:
        return None
    rules = [r for r in (book or RuleBook(workspace)).active() if r.agent == agent]
    current = path.read_text(encoding="utf-8")
    wanted = with_block(current, block(agent, rules))
    if wanted == current:
        return None
    atomic_write_text(path, wanted)
    return path


def render_blocks(workspace: Workspace) -> list[Path]:
    """Every agent definition brought up to date (rules changed by git, a hand edit, a deprecation); the
    files that changed. Publishing calls it."""
    book = RuleBook(workspace)
    agents = {r.agent for r in book.active() if r.agent}
    for name, path in definitions(workspace).items():
        try:
            if BEGIN in path.read_text(encoding="utf-8"):
                agents.add(name)  # a block whose last rule went away must be taken out
        except (OSError, UnicodeDecodeError):
            continue
    changed = [render_block(workspace, agent, book) for agent in sorted(agents)]
    return [p for p in changed if p is not None]
