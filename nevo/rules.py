"""Rules: short numbered files in ``.claude/rules/`` that Claude Code loads at every session start.

``PROJ-NNN-<slug>.md`` = YAML frontmatter (id, title, trigger, enforcement, verification, incidents,
created, status, optional paths, guard and revised) + 1 to 3 sentences. ``AGENT-NNN`` rules answer a
failure inside one sub-agent: they carry ``agent: <name>``, live in ``.claude/agents/rules/<name>/`` (Claude
Code skips files there that are not agent definitions) and reach that agent through a block nevo renders
into its definition (:mod:`nevo.agent_rules`), because a sub-agent's system prompt is its definition's body.
A rule without trigger, enforcement or verification is decorative and ``lint`` says so. Deprecated rules
move to ``.claude/rules-deprecated/`` (still in git, no longer loaded, so the always-loaded set stays small).
Numbers come from the highest number in the working tree and in the history of every branch (local,
remote-tracking, tags), so a number taken on another branch, or taken and then reverted, is never reused;
two machines can still pick the same number before they see each other, so ``lint`` flags duplicate numbers
after a merge, ``renumber`` fixes them, and the analyst renumbers its own rules before it writes new ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nevo import frontmatter, safepath
from nevo.clock import Clock, iso, parse_instant, system_clock
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text
from nevo.workspace import Workspace

RULE_ID = re.compile(r"^(PROJ|AGENT)-(\d{3,})$")
RULE_FILE = re.compile(r"^(PROJ|AGENT)-(\d{3,})(?:-[a-z0-9-]*)?\.md$")
STATUSES = ("active", "deprecated")
MAX_SENTENCES = 3
INDEX_LIMIT = 10


@dataclass
class Rule:
    id: str
    title: str
    body: str
    trigger: str = ""
    enforcement: str = ""
    verification: str = ""
    incidents: list[str] = field(default_factory=list)
    created: str = ""  # ISO 8601 instant (older files may hold a date)
    status: str = "active"
    paths: list[str] = field(default_factory=list)
    guard: dict[str, Any] | None = None  # {"tool", "pattern", "action": rewrite|deny, "fix"}
    deprecated_reason: str = ""
    agent: str = ""  # the sub-agent an AGENT-NNN rule is for ('' for a project rule)
    revised: str = ""  # ISO 8601 instant of the last revision ('' when never revised)
    path: Path | None = None

    @property
    def number(self) -> int:
        match = RULE_ID.match(self.id)
        return int(match.group(2)) if match else 0

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def since(self) -> str:
        """When the rule's current text took effect (its last revision, else its creation) as an ISO 8601
        UTC instant; a date (older files) counts from the end of that day. '' when unknown."""
        stamp = self.revised or self.created
        if not stamp:
            return ""
        return stamp + "T23:59:59Z" if len(stamp) == 10 else iso(parse_instant(stamp))

    @property
    def decorative(self) -> list[str]:
        """The missing parts that make this rule decorative (empty: it has teeth)."""
        return [name for name in ("trigger", "enforcement", "verification") if not str(getattr(self, name)).strip()]

    def text(self) -> str:
        """What novelty compares: the title, the rule itself and what triggers it."""
        return f"{self.title}. {self.body} {self.trigger}"

    def scanned_text(self) -> str:
        """Everything the safety scan reads: every field goes into the file (and the commit message),
        so a command hidden in the trigger or the paths is as unsafe as one in the body."""
        fields = [self.title, self.body, self.trigger, self.enforcement, self.verification, *self.paths]
        if self.guard:
            fields.extend(str(value) for value in self.guard.values())
        return "\n".join(fields)

    def to_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "trigger": self.trigger,
            "enforcement": self.enforcement,
            "verification": self.verification,
            "incidents": list(self.incidents),
            "created": self.created,
            "status": self.status,
        }
        if self.deprecated_reason:
            meta["deprecated_reason"] = self.deprecated_reason
        if self.agent:
            meta["agent"] = self.agent
        if self.revised:
            meta["revised"] = self.revised
        if self.paths:
            meta["paths"] = list(self.paths)
        if self.guard:
            meta["guard"] = dict(self.guard)
        return meta

    def render(self) -> str:
        return frontmatter.render(self.to_meta(), self.body)


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    kind: str  # decorative | duplicate-number | too-long | bad-file | id-mismatch | unsafe
    message: str
    path: Path | None = None


def agent_folder(agent: str) -> str:
    """The folder name for an agent's rules: its name, with anything unsafe in a path replaced."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", agent).strip(".-") or "agent"


def slugify(title: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "rule"


def sentences(text: str) -> list[str]:
    """Sentences of a rule body; dots inside backticks (``npm --prefix web``, ``a.py``) do not split."""
    masked = re.sub(r"`[^`]*`", lambda m: "x" * len(m.group(0)), text)
    parts, start = [], 0
    for match in re.finditer(r"[.!?](?=\s+[A-Z(`\"]|\s*$)", masked):
        piece = text[start : match.end()].strip()
        if piece:
            parts.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _as_instant(value: Any) -> str:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


def parse_rule(text: str, path: Path | None = None) -> Rule:
    meta, body = frontmatter.parse(text, source=str(path or "<rule>"))
    rule_id = str(meta.get("id") or "")
    if not rule_id and path is not None:
        match = RULE_FILE.match(path.name)
        rule_id = f"{match.group(1)}-{match.group(2)}" if match else ""
    if rule_id and not RULE_ID.fullmatch(rule_id):
        # The id becomes part of a file name when the rule is rewritten: `../x` or `/tmp/x` must never get there.
        raise NevoError(f"{path or '<rule>'}: {rule_id[:80]!r} is not a rule id", "a rule id is PROJ-NNN or AGENT-NNN")
    guard = meta.get("guard")
    return Rule(
        id=rule_id,
        title=str(meta.get("title") or ""),
        body=body.strip(),
        trigger=str(meta.get("trigger") or ""),
        enforcement=str(meta.get("enforcement") or ""),
        verification=str(meta.get("verification") or ""),
        incidents=_as_list(meta.get("incidents")),
        created=_as_instant(meta.get("created")),
        status=str(meta.get("status") or "active"),
        paths=_as_list(meta.get("paths")),
        guard=guard if isinstance(guard, dict) else None,
        deprecated_reason=str(meta.get("deprecated_reason") or ""),
        agent=str(meta.get("agent") or ""),
        revised=_as_instant(meta.get("revised")),
        path=path,
    )


class RuleBook:
    """The workspace's rules, as files; git is their history."""

    def __init__(self, workspace: Workspace, reserve: Callable[[str, int], int] | None = None) -> None:
        """``reserve(prefix, next free number)``: the number to use instead, reserved in a shared store so no
        other machine takes it (:func:`nevo.store.reserve_number`)."""
        self.workspace = workspace
        self.reserve = reserve
        self.active_dir = workspace.rules_dir
        self.deprecated_dir = workspace.claude_dir / "rules-deprecated"
        self.agent_rules_dir = workspace.agents_dir / "rules"  # AGENT-NNN rules, one folder per agent

    # -- reading ----------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        found: list[Path] = []
        for folder in (self.active_dir, self.deprecated_dir):
            if folder.is_dir():
                found.extend(p for p in sorted(folder.glob("*.md")) if RULE_FILE.match(p.name))
        if self.agent_rules_dir.is_dir():
            found.extend(p for p in sorted(self.agent_rules_dir.glob("*/*.md")) if RULE_FILE.match(p.name))
        return found

    def folder_for(self, rule: Rule, status: str | None = None) -> Path:
        """Where ``rule`` lives (with ``status``, default its own): .claude/rules/, its agent's folder, or
        .claude/rules-deprecated/."""
        if (status or rule.status) != "active":
            return self.deprecated_dir
        if rule.agent:
            return self.agent_rules_dir / agent_folder(rule.agent)
        return self.active_dir

    def is_loaded(self, path: Path) -> bool:
        """Whether a rule file at ``path`` is in a folder that is read (the active or an agent's folder)."""
        return path.parent == self.active_dir or path.parent.parent == self.agent_rules_dir

    def rules(self, *, include_deprecated: bool = True) -> list[Rule]:
        """Every readable rule, by number. Unreadable files are skipped here and reported by :meth:`lint`."""
        out: list[Rule] = []
        for path in self.files():
            try:
                rule = parse_rule(path.read_text(encoding="utf-8"), path)
            except (NevoError, OSError, UnicodeDecodeError):
                continue
            if include_deprecated or rule.status == "active":
                out.append(rule)
        out.sort(key=lambda r: (r.id.split("-")[0], r.number, str(r.path)))
        return out

    def active(self) -> list[Rule]:
        return [r for r in self.rules(include_deprecated=False) if r.path is not None and self.is_loaded(r.path)]

    def get(self, rule_id: str) -> Rule:
        wanted = rule_id.strip().upper()
        if wanted.isdigit():
            wanted = f"PROJ-{int(wanted):03d}"
        for rule in self.rules():
            if rule.id.upper() == wanted:
                return rule
        raise NevoError(f"no rule {rule_id!r}", "`nevo rules list` shows the rules there are")

    # -- numbering --------------------------------------------------------------------------------
    def taken_numbers(self, prefix: str = "PROJ") -> set[int]:
        numbers = {r.number for r in self.rules() if r.id.startswith(prefix + "-")}
        pattern = re.compile(rf"^{prefix}-(\d{{3,}})")
        for path in self.files():
            match = pattern.match(path.name)
            if match:
                numbers.add(int(match.group(1)))
        from nevo import gitops

        folders = (self.active_dir, self.deprecated_dir, self.agent_rules_dir)
        rel_dirs = [str(d.relative_to(self.workspace.root)) for d in folders]
        for name in gitops.names_in_refs(self.workspace.root, rel_dirs, rf"^{prefix}-\d{{3,}}"):
            match = pattern.match(name)
            if match:
                numbers.add(int(match.group(1)))
        return numbers

    def next_id(self, prefix: str = "PROJ") -> str:
        number = max(self.taken_numbers(prefix), default=0) + 1
        if self.reserve is not None:
            number = self.reserve(prefix, number)
        return f"{prefix}-{number:03d}"

    # -- writing ----------------------------------------------------------------------------------
    def path_for(self, rule: Rule, status: str | None = None) -> Path:
        """Where :meth:`write` puts ``rule`` (with ``status``, default its own)."""
        safepath.rule_id(rule.id)
        folder = self.folder_for(rule, status)
        return safepath.confine(self.workspace.root, folder / f"{rule.id}-{rule.slug}.md", "a rule file")

    def write(self, rule: Rule) -> Path:
        """Write ``rule`` to its file (the active, its agent's or the deprecated folder); returns the path."""
        safepath.check_workspace(self.workspace)
        path = self.path_for(rule)
        atomic_write_text(path, rule.render())
        if rule.path is not None and rule.path != path and rule.path.exists():
            rule.path.unlink()
        rule.path = path
        return path

    def deprecate(self, rule_id: str, reason: str, *, clock: Clock = system_clock) -> tuple[Path, Path]:
        """Mark the rule deprecated and move it out of ``.claude/rules/``; returns (old path, new path)."""
        rule, old, _ = self.deprecation(rule_id, reason)
        rule.status = "deprecated"
        rule.deprecated_reason = f"{reason.strip()} ({iso(clock())[:10]})"
        new = self.write(rule)
        return old, new

    def deprecation(self, rule_id: str, reason: str) -> tuple[Rule, Path, Path]:
        """The rule :meth:`deprecate` would move, from where to where; raises when it cannot."""
        if not reason.strip():
            raise NevoError("a deprecation needs a reason", 'nevo rules deprecate PROJ-003 --reason "..."')
        rule = self.get(rule_id)
        if rule.status == "deprecated":
            raise NevoError(f"{rule.id} is already deprecated", f"its file is {rule.path}")
        assert rule.path is not None
        return rule, rule.path, self.path_for(rule, "deprecated")

    def renumber_duplicates(self, *, only_nevo_rules: bool = False) -> list[tuple[Rule, str]]:
        """Give every rule whose number is taken twice (two branches merged) a fresh number; the rule
        created first keeps its number. Returns (rule with its old id, new id); files are rewritten.
        ``only_nevo_rules``: renumber only active rules nevo wrote (they cite incidents), as the analyst
        does on its own; a user's or a deprecated rule waits for `nevo rules renumber`."""
        by_id: dict[str, list[Rule]] = {}
        for rule in self.rules():
            by_id.setdefault(rule.id, []).append(rule)
        moving: list[Rule] = []
        for _, group in sorted(by_id.items()):
            if len(group) < 2:
                continue
            group.sort(key=lambda r: (r.created or "~", str(r.path)))
            moving += [r for r in group[1:] if not only_nevo_rules or (r.status == "active" and r.incidents)]
        # Every new number first (reserved in a shared store, which may fail), then the files: a store lost
        # half-way leaves no rule renumbered on disk and not in the commit.
        fresh: dict[str, int] = {}
        new_ids: list[str] = []
        for rule in moving:
            prefix = rule.id.split("-")[0]
            least = max([*self.taken_numbers(prefix), fresh.get(prefix, 0)], default=0) + 1
            number = self.reserve(prefix, least) if self.reserve is not None else least
            fresh[prefix] = number
            new_ids.append(f"{prefix}-{number:03d}")
        changes: list[tuple[Rule, str]] = []
        for rule, new_id in zip(moving, new_ids, strict=True):
            old_id, old_path = rule.id, rule.path
            rule.id = new_id
            self.write(rule)
            changes.append((Rule(**{**rule.__dict__, "id": old_id, "path": old_path}), new_id))
        return changes

    # -- checks -----------------------------------------------------------------------------------
    def lint(self) -> list[LintFinding]:
        from nevo.safety import scan

        findings: list[LintFinding] = []
        seen: dict[str, Path] = {}
        for path in self.files():
            try:
                rule = parse_rule(path.read_text(encoding="utf-8"), path)
            except (NevoError, OSError, UnicodeDecodeError) as exc:
                findings.append(LintFinding(path.name, "bad-file", f"cannot be read: {exc}", path))
                continue
            if not RULE_ID.match(rule.id) or (not path.name.startswith(rule.id + "-") and path.name != f"{rule.id}.md"):
                findings.append(
                    LintFinding(
                        rule.id or path.name,
                        "id-mismatch",
                        f"id {rule.id!r} does not match the file name {path.name}",
                        path,
                    )
                )
            if rule.id in seen:
                findings.append(
                    LintFinding(
                        rule.id,
                        "duplicate-number",
                        f"{rule.id} is used by {seen[rule.id].name} and {path.name} "
                        "(two branches added rules); run `nevo rules renumber`",
                        path,
                    )
                )
            seen.setdefault(rule.id, path)
            missing = rule.decorative
            if missing:
                findings.append(
                    LintFinding(
                        rule.id,
                        "decorative",
                        f"decorative: no {', '.join(missing)} (a rule needs all three)",
                        path,
                    )
                )
            count = len(sentences(rule.body))
            if count == 0 or count > MAX_SENTENCES:
                findings.append(
                    LintFinding(rule.id, "too-long", f"{count} sentences; a rule is 1 to {MAX_SENTENCES}", path)
                )
            for finding in scan(rule.scanned_text()):
                findings.append(LintFinding(rule.id, "unsafe", f"{finding.kind}: {finding.excerpt}", path))
        return findings


def learned_index(workspace: Workspace, limit: int = INDEX_LIMIT) -> str:
    """A short "learned recently" list for the SessionStart context: active project rules, newest first
    (a sub-agent's AGENT rules reach it through its definition, not the main session's context)."""
    rules = [r for r in RuleBook(workspace).active() if not r.agent]
    rules.sort(key=lambda r: (r.created, r.number), reverse=True)
    lines = []
    for rule in rules[:limit]:
        body = " ".join(rule.body.split())
        if len(body) > 280:
            body = body[:277].rsplit(" ", 1)[0] + "..."
        scope = f" (for {', '.join(rule.paths)})" if rule.paths else ""
        lines.append(f"- {rule.id} {rule.title}{scope}: {body}")
    if len(rules) > limit:
        lines.append(f"- ... and {len(rules) - limit} older rules in .claude/rules/")
    return "\n".join(lines)


# -- effectiveness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleStats:
    rule: Rule
    recurrences: int  # occurrences of the rule's incidents after the rule was committed
    failing: bool


def rule_stats(workspace: Workspace, db: Any, threshold: int) -> list[RuleStats]:
    """For every rule: how often its incidents came back since it was created."""
    from nevo import incidents as incident_store

    out = []
    for rule in RuleBook(workspace).rules():
        since = rule.since or "0000"
        recurrences = sum(incident_store.count_since(db, incident, since) for incident in rule.incidents)
        out.append(RuleStats(rule, recurrences, rule.status == "active" and recurrences >= threshold > 0))
    return out


def effectiveness_step(workspace: Workspace, db: Any, clock: Clock = system_clock) -> dict[str, Any]:
    """Nightly: snapshot each rule's recurrences into ``rule_effectiveness``; returns a summary."""
    from nevo.config import load_config
    from nevo.store import shared

    config = load_config(workspace)
    threshold = int(config.get("analyst.failing_rule_recurrences"))
    with shared(workspace, db, config) as incidents_db:  # the recurrences are the team's when shared
        stats = rule_stats(workspace, incidents_db, threshold)
    now = iso(clock())
    with db.transaction():
        for item in stats:
            db.execute(
                "INSERT INTO rule_effectiveness (rule_id, checked_at, recurrences, failing)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT(rule_id) DO UPDATE SET checked_at = excluded.checked_at,"
                " recurrences = excluded.recurrences, failing = excluded.failing",
                (item.rule.id, now, item.recurrences, int(item.failing)),
            )
    return {
        "rules": len(stats),
        "failing": [s.rule.id for s in stats if s.failing],
        "recurrences": sum(s.recurrences for s in stats),
    }


def overview(workspace: Workspace) -> list[dict[str, Any]]:
    """Every rule with its incidents and its evidence since it was committed (or last revised): recurrences,
    guard hits, times its guard stood aside, and whether it keeps failing."""
    from nevo.config import load_config
    from nevo.evidence import rule_evidence
    from nevo.store import open_store

    config = load_config(workspace)
    threshold = int(config.get("analyst.failing_rule_recurrences"))
    rows = []
    with open_store(workspace, config) as db:
        for s in rule_stats(workspace, db, threshold):
            evidence = rule_evidence(db, s.rule.id, s.rule.incidents, s.rule.since)
            rows.append(
                {
                    "id": s.rule.id,
                    "title": s.rule.title,
                    "status": s.rule.status,
                    "agent": s.rule.agent or None,
                    "incidents": s.rule.incidents,
                    "recurrences": s.recurrences,
                    "failing": s.failing,
                    "enforcement": s.rule.enforcement,
                    "guard": bool(s.rule.guard),
                    "guard_hits": evidence.hits,
                    "stood_aside": evidence.stood_aside,
                    "cause_gone_since": evidence.cause_gone_since,
                    "last_review": evidence.last_review,
                    "decorative": s.rule.decorative,
                    "created": s.rule.created,
                    "revised": s.rule.revised or None,
                    "path": str(s.rule.path.relative_to(workspace.root)) if s.rule.path else None,
                }
            )
    return rows


def check_text(workspace: Workspace, text: str) -> Any:
    """`nevo rules check`: is this text a duplicate of, related to, or novel against the active rules?
    Returns a :class:`nevo.novelty.Verdict`."""
    from nevo.novelty import NoveltyIndex

    rules = RuleBook(workspace).active()
    return NoveltyIndex((r.id, r.text()) for r in rules).check(text)
