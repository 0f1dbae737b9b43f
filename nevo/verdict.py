"""What a failure teaches: the record types shared along the chain (the judgment lives in ``nevo.lesson``).

Data flows one way. When the monitor finds the later call that answers a failure (or decides that
none does), it asks :mod:`nevo.lesson` once and stores the resulting :class:`Verdict`. The analyst
(every provider), the guards, memory and the skill forge read that stored verdict; none of them
decides again whether a call was a recovery, whether it teaches anything, or what the lesson is.

A :class:`GuardSpec` is what a rule's ``guard:`` block holds, parsed and validated in one place
(:meth:`GuardSpec.from_meta`). Every guard carries the :class:`Cause` it answers, so the guard hook
re-checks at call time that the cause still holds (the file is still missing, the script still lacks
its run bit) and stands aside once it no longer does: a guard never blocks work after the project
changed.

Everything in these records is already redacted, and paths are relative to the workspace root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nevo.errors import NevoError

# What a guard can re-check at call time with nothing but the file system (the hook imports only
# json, os and re). ``subject`` is what is missing; ``where`` is the folder it is looked up in,
# relative to the workspace root ("." for the root).
CAUSE_KINDS = (
    "missing-path",  # a file or folder the call names does not exist (subject: the path, relative to where)
    "missing-executable",  # the program is not on PATH (subject: the program name)
    "not-executable",  # the script exists but lacks its run bit (subject: the path)
    "missing-npm-script",  # package.json in ``where`` has no such script (subject: the script name)
    "missing-make-target",  # the Makefile in ``where`` has no such target (subject: the target)
    "missing-branch",  # no local or remote-tracking branch of that name (subject: the branch)
    "missing-module",  # no importable Python module of that name in the project (subject: module)
)
GUARD_TOOLS = ("Bash", "Read", "Edit", "MultiEdit", "Write", "NotebookEdit", "Glob", "Grep")
GUARD_ACTIONS = ("rewrite", "deny")

VERDICT_KINDS = (
    "lesson",  # the project or environment taught something worth a rule and a memory
    "work",  # ordinary work: a failing test or a compile error fixed by editing code
    "retry",  # the same call again (it passed on a retry, or something unrelated changed)
    "weakened",  # the success only weakened what was asked (dry run, --force, skipped tests, sudo, ...)
    "harmful",  # the success was destructive or exfiltrating (reset --hard, rm -rf, force-push, scp out)
    "none",  # no later call answers the failure
)
FIX_KINDS = (
    "replace",  # do the fix instead of the failed call (another target, folder, way of running it)
    "prepare",  # run something else first, then the same call works (install the module, free the port)
    "other-tool",  # use another tool on the same thing (Read after a failed `cat`, Glob then Read)
)
MAX_GUARD_TEXT = 300


class GuardError(NevoError):
    """A ``guard:`` block that is not a valid guard (the rule stays, without teeth)."""


@dataclass(frozen=True)
class Cause:
    """A machine-checkable reason the failed call failed."""

    kind: str
    subject: str
    where: str = "."

    def to_meta(self) -> dict[str, str]:
        return {"kind": self.kind, "subject": self.subject, "where": self.where}

    @classmethod
    def from_meta(cls, meta: Any) -> Cause:
        if not isinstance(meta, dict):
            raise GuardError("a guard's `check` must be a mapping with kind, subject and where")
        kind, subject = str(meta.get("kind") or ""), str(meta.get("subject") or "")
        where = str(meta.get("where") or ".")
        if kind not in CAUSE_KINDS:
            raise GuardError(f"unknown check kind {kind!r}; known: {', '.join(CAUSE_KINDS)}")
        if not subject or len(subject) > MAX_GUARD_TEXT or "\n" in subject or "\x00" in subject:
            raise GuardError("a guard's check needs a one-line subject")
        if where.startswith("/") or ".." in where.split("/"):
            raise GuardError(f"a guard's check folder must stay inside the workspace, not {where!r}")
        return cls(kind, subject, where)


@dataclass(frozen=True)
class GuardSpec:
    """Teeth for a rule: on a call that matches, rewrite it to the fix or deny it, while the cause holds.

    ``match`` is, for Bash, the failed command segment as written (matched as whole shell segments,
    never inside quotes); for the file tools, the path the failed call named (relative to the
    workspace). ``fix`` is the replacement (a command segment, or a path) for a rewrite, and for a deny
    what to use instead, named in the reason the agent reads.
    """

    tool: str
    match: str
    action: str
    fix: str
    cause: Cause

    def to_meta(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "match": self.match,
            "action": self.action,
            "fix": self.fix,
            "check": self.cause.to_meta(),
        }

    def to_rule_meta(self) -> dict[str, Any]:
        """The ``guard:`` block a rule is written with: :meth:`to_meta`, plus ``command`` (the match) for guard
        compilers from before ``match`` was named."""
        return {**self.to_meta(), "command": self.match}

    @classmethod
    def from_meta(cls, meta: Any) -> GuardSpec:
        """The one parser of a rule's ``guard:`` block; raises :class:`GuardError` on anything invalid.
        A block from before guards carried their cause (no ``check``) is invalid: such a guard could
        block work after the project changed."""
        if not isinstance(meta, dict):
            raise GuardError("`guard` must be a mapping")
        tool = str(meta.get("tool") or "")
        match = " ".join(str(meta.get("match") or meta.get("command") or "").split())
        action = str(meta.get("action") or "")
        fix = " ".join(str(meta.get("fix") or "").split())
        if tool not in GUARD_TOOLS:
            raise GuardError(f"unknown guard tool {tool!r}; known: {', '.join(GUARD_TOOLS)}")
        if action not in GUARD_ACTIONS:
            raise GuardError(f"a guard's action is rewrite or deny, not {action!r}")
        if not match or len(match) > MAX_GUARD_TEXT:
            raise GuardError("a guard needs a `match` of at most 300 characters")
        if len(fix) > MAX_GUARD_TEXT or (action == "rewrite" and (not fix or fix == match)):
            raise GuardError("a rewrite guard needs a `fix` that differs from its match")
        if "check" not in meta:
            raise GuardError("a guard needs a `check` (the cause it answers), so it can stand aside")
        return cls(tool, match, action, fix, Cause.from_meta(meta["check"]))


@dataclass(frozen=True)
class Verdict:
    """What one failure teaches, decided once by :mod:`nevo.lesson` and stored by the monitor."""

    kind: str  # one of VERDICT_KINDS
    reason: str  # why this verdict, for the audit trail (`nevo incidents show`, the commit message)
    failed: str = ""  # the failed call, described (``Bash: npm run build``, ``Read src/App.tsx``)
    fix: str = ""  # the call that did what the failed one meant to do (for Bash: its command)
    fix_tool: str = ""  # the tool of that call
    fix_kind: str = ""  # one of FIX_KINDS, for a lesson
    prepare: tuple[str, ...] = ()  # for "prepare": the calls that removed the cause before the re-run
    error_line: str = ""  # the line of the error that says what was wrong
    lesson: str = ""  # one or two sentences in nevo's own words, never copied from tool output ('' when the
    # calls hold a secret: a lesson never quotes one)
    cause: Cause | None = None
    guard: GuardSpec | None = None  # what a guard may do for it (None: no guard is safe)
    agent: str = ""  # the sub-agent's type when the failure happened inside one (an AGENT-NNN rule)
    distance: int = 0  # calls between the failure and the fix
    extra: dict[str, Any] = field(default_factory=dict)  # judgment details worth keeping (scores, flags)

    @property
    def teaches(self) -> bool:
        return self.kind == "lesson"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "failed": self.failed,
            "fix": self.fix,
            "fix_tool": self.fix_tool,
            "fix_kind": self.fix_kind,
            "prepare": list(self.prepare),
            "error_line": self.error_line,
            "lesson": self.lesson,
            "cause": self.cause.to_meta() if self.cause else None,
            "guard": self.guard.to_meta() if self.guard else None,
            "agent": self.agent,
            "distance": self.distance,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        """Read a stored verdict back; a damaged guard or cause is dropped, never trusted."""
        if not isinstance(data, dict) or data.get("kind") not in VERDICT_KINDS:
            raise NevoError(f"not a stored verdict: {str(data)[:200]}")
        try:
            cause = Cause.from_meta(data["cause"]) if data.get("cause") else None
        except GuardError:
            cause = None
        try:
            guard = GuardSpec.from_meta(data["guard"]) if data.get("guard") else None
        except GuardError:
            guard = None
        prepare = data.get("prepare") or []
        extra = data.get("extra") or {}
        return cls(
            kind=str(data["kind"]),
            reason=str(data.get("reason") or ""),
            failed=str(data.get("failed") or ""),
            fix=str(data.get("fix") or ""),
            fix_tool=str(data.get("fix_tool") or ""),
            fix_kind=str(data.get("fix_kind") or ""),
            prepare=tuple(str(p) for p in prepare) if isinstance(prepare, list) else (),
            error_line=str(data.get("error_line") or ""),
            lesson=str(data.get("lesson") or ""),
            cause=cause,
            guard=guard,
            agent=str(data.get("agent") or ""),
            distance=int(data.get("distance") or 0),
            extra=extra if isinstance(extra, dict) else {},
        )
