"""What the quality pipeline produces: findings, stage results, the verdict. Plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STAGES = ("write", "typecheck", "test", "lint", "critique", "refine", "escalate", "arbiter")
CHECK_STAGES = ("typecheck", "test", "lint", "critique")


@dataclass(frozen=True)
class Finding:
    """One problem a stage found. ``severity`` error fails the stage; warning is shown, never blocks."""

    message: str
    file: str = ""
    line: int = 0
    code: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        code = f" [{self.code}]" if self.code else ""
        return f"{where}{self.severity}: {self.message}{code}"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Finding:
        try:
            line = int(raw.get("line") or 0)
        except (TypeError, ValueError):
            line = 0
        severity = str(raw.get("severity") or "error")
        return cls(
            message=str(raw.get("message") or "").strip() or "(no message)",
            file=str(raw.get("file") or ""),
            line=line,
            code=str(raw.get("code") or ""),
            severity=severity if severity in ("error", "warning") else "error",
        )


@dataclass
class StageResult:
    """One run of one stage. status: passed | failed | skipped | error (the tool itself could not run)."""

    name: str
    status: str
    duration_ms: int = 0
    findings: list[Finding] = field(default_factory=list)
    attempt: int = 0
    note: str = ""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "attempt": self.attempt,
            "duration_ms": self.duration_ms,
            "note": self.note,
            "findings": [asdict(f) for f in self.findings],
        }


def status_from(findings: list[Finding]) -> str:
    return "failed" if any(f.severity == "error" for f in findings) else "passed"


@dataclass
class PipelineResult:
    verdict: str  # approved | denied | escalated
    stages: list[StageResult]
    reasons: list[str]
    refinements: int
    files: dict[str, str]  # the artifact as it stands after refinement
    run_id: int | None = None
    escalation_id: int | None = None
    subject: str = ""
    diff: str = ""  # what REFINE would change in the project's files (unified diff)
    applied: list[str] = field(default_factory=list)  # files REFINE's changes were written to (when asked)

    @property
    def approved(self) -> bool:
        return self.verdict == "approved"

    def latest(self, name: str) -> StageResult | None:
        for stage in reversed(self.stages):
            if stage.name == name:
                return stage
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "subject": self.subject,
            "run_id": self.run_id,
            "refinements": self.refinements,
            "reasons": self.reasons,
            "escalation_id": self.escalation_id,
            "diff": self.diff,
            "applied": self.applied,
            "stages": [stage.to_json() for stage in self.stages],
        }
