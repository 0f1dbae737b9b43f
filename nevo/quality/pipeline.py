"""The eight-stage quality pipeline:
WRITE -> TYPECHECK -> TEST -> LINT -> CRITIQUE -> REFINE -> ESCALATE -> ARBITER.

WRITE materialises the artifact (relative path -> text) into a scratch folder, so checks and refinements never
touch the user's files. The checks run each in their own process (mypy, bash -n, pytest, ruff) or their own
provider call (the critic). While checks fail, REFINE applies the feedback (ruff's fixes and formatter, then a
revision by the critic through the provider) and the failing stages run again. After ``max_refinements``
refinements that still fail, or as soon as a refinement changes nothing (running the same checks on the same
code again cannot help: offline, a type error ruff cannot fix), ESCALATE records an escalation and the
verdict is ``escalated``: what is left is a person's call. ARBITER makes the final call with reasons; it can
deny a clean run but never approve a failing one. Every stage result is recorded in the database when one is
given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nevo.clock import Clock, iso, system_clock
from nevo.providers import ProviderError, Request, Response, load_agent
from nevo.quality import checks
from nevo.quality.checks import ToolOptions
from nevo.quality.model import CHECK_STAGES, Finding, PipelineResult, StageResult, status_from
from nevo.quality.project import Project, throwaway_copy
from nevo.quality.review import ARBITER_SCHEMA, CRITIC_SCHEMA, PRINCIPLES, offline_arbiter, offline_critic
from nevo.workspace import Workspace


class Provider(Protocol):
    """What the pipeline needs of a provider (a MeteredProvider in practice)."""

    def complete(self, request: Request) -> Response: ...


@dataclass
class PipelineOptions:
    max_refinements: int = 3
    tools: ToolOptions | None = None
    scratch_parent: Path | None = None  # where the scratch folder goes (default: the system temp folder)
    keep_scratch: bool = False
    # In the person's project (``nevo quality run``): the files are the project's, relative to its root;
    # the checks run there and REFINE in a throwaway copy. None: an artifact written to a scratch folder.
    project: Project | None = None
    apply: bool = False  # write REFINE's changes into the project's files (only when the person asks)


class Recorder:
    """Writes the run and each stage result to the database (or nowhere when there is none)."""

    def __init__(self, db: Any | None, subject: str, clock: Clock) -> None:
        self.db, self.clock, self.seq = db, clock, 0
        self.run_id: int | None = None
        if db is not None:
            cursor = db.execute(
                "INSERT INTO pipeline_runs (subject, started_at) VALUES (?, ?)", (subject, iso(clock()))
            )
            self.run_id = int(cursor.lastrowid)

    def stage(self, result: StageResult) -> None:
        self.seq += 1
        if self.db is not None:
            self.db.execute(
                "INSERT INTO stage_results (run_id, seq, name, attempt, status, duration_ms, findings, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.run_id,
                    self.seq,
                    result.name,
                    result.attempt,
                    result.status,
                    result.duration_ms,
                    json.dumps([f.__dict__ for f in result.findings]),
                    result.note,
                ),
            )

    def escalate(self, subject: str, reason: str, findings: list[Finding]) -> int | None:
        if self.db is None:
            return None
        cursor = self.db.execute(
            "INSERT INTO escalations (run_id, at, subject, reason, findings) VALUES (?, ?, ?, ?, ?)",
            (self.run_id, iso(self.clock()), subject, reason, json.dumps([f.__dict__ for f in findings])),
        )
        return int(cursor.lastrowid)

    def finish(self, result: PipelineResult, duration_ms: int) -> None:
        if self.db is not None:
            self.db.execute(
                "UPDATE pipeline_runs SET finished_at = ?, verdict = ?, reasons = ?, refinements = ?,"
                " duration_ms = ? WHERE id = ?",
                (
                    iso(self.clock()),
                    result.verdict,
                    json.dumps(result.reasons),
                    result.refinements,
                    duration_ms,
                    self.run_id,
                ),
            )


class Pipeline:
    """One run over one artifact. Use :func:`run_pipeline`."""

    def __init__(
        self,
        files: dict[str, str],
        subject: str,
        provider: Provider | None,
        db: Any | None,
        options: PipelineOptions,
        clock: Clock,
        workspace: Workspace | None,
        validation_problems: list[str],
    ) -> None:
        self.files = dict(files)
        self.subject = subject
        self.provider = provider
        self.options = options
        self.tools = options.tools or ToolOptions()
        self.workspace = workspace
        self.validation_problems = validation_problems
        self.recorder = Recorder(db, subject, clock)
        self.stages: list[StageResult] = []
        self.project = options.project
        self.originals = dict(files)
        self.copy: contextlib.ExitStack | None = None
        if self.project is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="nevo-quality-", dir=options.scratch_parent))
        else:
            self.scratch = self.project.root  # read-only stages run in place; REFINE moves to a copy

    def record(self, result: StageResult) -> StageResult:
        self.stages.append(result)
        self.recorder.stage(result)
        return result

    # -- stages -------------------------------------------------------------------------------------
    def write(self) -> StageResult:
        if self.project is not None:
            return StageResult(
                "write",
                "skipped",
                note=f"{len(self.files)} file(s) checked where they are in {self.project.root}: nothing to write",
            )
        started = time.monotonic()
        findings = []
        for relative, text in self.files.items():
            target = (self.scratch / relative).resolve()
            if not target.is_relative_to(self.scratch.resolve()):
                findings.append(Finding("the path leaves the artifact's folder", relative, code="path"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            if text.startswith("#!"):
                target.chmod(0o755)
        return StageResult(
            "write",
            status_from(findings),
            _ms(started),
            findings,
            note=f"{len(self.files)} file(s) in a scratch folder",
        )

    def check(self, name: str, attempt: int) -> StageResult:
        names = list(self.files)
        runners: dict[str, Callable[[Path, list[str], ToolOptions], StageResult]] = {
            "typecheck": checks.typecheck,
            "test": checks.run_tests,
            "lint": checks.lint,
        }
        result = self.critique() if name == "critique" else runners[name](self.scratch, names, self.tools)
        result.attempt = attempt
        return self.record(result)

    def critique(self) -> StageResult:
        started = time.monotonic()
        data = {"mode": "review", "principles": list(PRINCIPLES), "files": self.files}
        note = ""
        try:
            output = self._ask(
                "critic",
                "Review these files against the principles. Report each problem with "
                "file, line, a short code, a message and severity (error blocks, warning does not).",
                data,
                CRITIC_SCHEMA,
            )
        except ProviderError as exc:
            # The deterministic checks are always available: an outage must not let code through unreviewed.
            output, note = (
                offline_critic(_offline_request("critic", data)),
                f"critic unavailable ({exc}); offline checks",
            )
        raw = output.get("findings") or []
        findings = [Finding.from_dict(item) for item in raw if isinstance(item, dict)]
        return StageResult(
            "critique",
            status_from(findings),
            _ms(started),
            findings,
            note=note or str(output.get("summary") or ""),
        )

    def refine(self, failing: list[StageResult], attempt: int) -> tuple[StageResult, bool, bool]:
        """Apply the feedback. Returns (result, anything changed, the provider rewrote files)."""
        started = time.monotonic()
        if self.project is not None and self.copy is None:
            # What writes works in a throwaway copy of the project: the person's files are never touched.
            self.copy = contextlib.ExitStack()
            self.scratch = self.copy.enter_context(throwaway_copy(self.project, self.options.scratch_parent))
            self.tools = dataclasses.replace(self.tools, python_path=self._copy_roots())
        changed, problem = checks.ruff_fix(self.scratch, list(self.files), self.tools)
        findings: list[Finding] = []
        if problem:
            findings.append(Finding(f"ruff could not run: {problem}", code="ruff", severity="warning"))
        self._reload(changed)
        revised: list[str] = []
        feedback = [str(f) for stage in failing for f in stage.errors][:100]
        try:
            output = self._ask(
                "critic",
                "Revise the files so that these findings are fixed, changing nothing "
                "else. Return the complete new text of each file you change under `files`.",
                {"mode": "revise", "principles": list(PRINCIPLES), "files": self.files, "findings": feedback},
                CRITIC_SCHEMA,
            )
            for relative, text in dict(output.get("files") or {}).items():
                if relative in self.files and isinstance(text, str) and text != self.files[relative]:
                    self.files[relative] = text
                    (self.scratch / relative).write_text(text, encoding="utf-8")
                    revised.append(relative)
        except ProviderError as exc:
            findings.append(Finding(f"no revision from the provider: {exc}", code="provider", severity="warning"))
        touched = sorted(set(changed) | set(revised))
        note = (f"changed {', '.join(touched)}" if touched else "nothing could be changed") + (
            f" (ruff: {len(changed)}, revision: {len(revised)})"
        )
        result = StageResult("refine", "passed" if touched else "failed", _ms(started), findings, attempt, note)
        return self.record(result), bool(touched), bool(revised)

    def escalate(self, failing: list[StageResult], reason: str, refinements: int) -> int | None:
        """ESCALATE: the escalation record (when there is a database) and the stage result."""
        findings = [f for s in failing for f in s.errors]
        escalation_id = self.recorder.escalate(self.subject, reason, findings)
        self.record(StageResult("escalate", "failed", 0, findings, refinements, reason))
        return escalation_id

    def arbiter(self, escalation_reason: str, refinements: int) -> tuple[str, list[str]]:
        started = time.monotonic()
        latest = {stage.name: stage for stage in self.stages if stage.name in CHECK_STAGES}
        summary = [
            {
                "name": s.name,
                "status": s.status,
                "note": s.note,
                "errors": [str(f) for f in s.errors][:20],
                "warnings": [str(f) for f in s.findings if f.severity == "warning"][:20],
            }
            for s in latest.values()
        ]
        data = {
            "subject": self.subject,
            "stages": summary,
            "escalated": bool(escalation_reason),
            "escalation_reason": escalation_reason,
            "refinements": refinements,
            "validation_problems": self.validation_problems,
        }
        try:
            output = self._ask(
                "arbiter",
                "Decide: approve or deny this artifact, with your reasons. Deny when any "
                "check failed or could not run, or when the code does something it should not.",
                data,
                ARBITER_SCHEMA,
            )
        except ProviderError as exc:
            output = offline_arbiter(_offline_request("arbiter", data))
            output["reasons"] = [*output.get("reasons", []), f"arbiter unavailable ({exc}): decided offline"]
        decision = "approve" if output.get("decision") == "approve" else "deny"
        reasons = [str(r) for r in output.get("reasons") or []] or ["no reasons given"]
        mechanical = offline_arbiter(_offline_request("arbiter", data))
        if decision == "approve" and mechanical["decision"] == "deny":
            decision, reasons = (
                "deny",
                [*mechanical["reasons"], "the arbiter's approval was overruled by failing checks"],
            )
        self.record(
            StageResult(
                "arbiter",
                "passed" if decision == "approve" else "failed",
                _ms(started),
                [] if decision == "approve" else [Finding(r) for r in reasons],
                note=f"{decision}: {'; '.join(reasons)}"[:500],
            )
        )
        return decision, reasons

    # -- the run ------------------------------------------------------------------------------------
    def run(self) -> PipelineResult:
        started = time.monotonic()
        try:
            return self._run(started)
        finally:
            if self.copy is not None:
                self.copy.close()
            elif self.project is None and not self.options.keep_scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def _run(self, started: float) -> PipelineResult:
        if self.record(self.write()).status == "failed":
            for name in (*CHECK_STAGES, "refine", "escalate", "arbiter"):
                self.record(StageResult(name, "skipped", note="the artifact could not be written"))
            return self._finish("denied", ["the artifact could not be written"], 0, None, started)
        latest = {name: self.check(name, 0) for name in CHECK_STAGES}
        if not any(s.status == "failed" for s in latest.values()):
            self.record(StageResult("refine", "skipped", note="no check failed: nothing to refine"))
        refinements, escalation_id, escalation_reason = 0, None, ""
        while failing := [s for s in latest.values() if s.status == "failed"]:
            names = ", ".join(s.name for s in failing)
            if refinements >= self.options.max_refinements:
                escalation_reason = f"{names} still failing after {refinements} refinement(s)"
                escalation_id = self.escalate(failing, escalation_reason, refinements)
                break
            refinements += 1
            _, changed, rewritten = self.refine(failing, refinements)
            if not changed:
                # Running the same checks on the same code cannot help: the budget is spent as far as this
                # artifact goes, and what is left is a person's call.
                escalation_reason = f"refinement made no progress on: {names}"
                escalation_id = self.escalate(failing, escalation_reason, refinements)
                break
            # ruff's fixes cannot break types or tests: re-run what failed (lint always: cheap). A rewrite
            # by the provider can break anything: re-run every check.
            again = (
                CHECK_STAGES if rewritten else [n for n in CHECK_STAGES if latest[n].status == "failed" or n == "lint"]
            )
            for name in again:
                latest[name] = self.check(name, refinements)
        if not escalation_reason:
            note = "refinement fixed what failed" if refinements else "no check failed"
            self.record(StageResult("escalate", "skipped", note=f"{note}: nothing for a person to decide"))
        decision, reasons = self.arbiter(escalation_reason, refinements)
        verdict = "escalated" if escalation_reason else ("approved" if decision == "approve" else "denied")
        return self._finish(verdict, reasons, refinements, escalation_id, started)

    def _finish(
        self, verdict: str, reasons: list[str], refinements: int, escalation_id: int | None, started: float
    ) -> PipelineResult:
        result = PipelineResult(
            verdict,
            self.stages,
            reasons,
            refinements,
            dict(self.files),
            self.recorder.run_id,
            escalation_id,
            self.subject,
            diff=self._diff(),
        )
        if self.project is not None and self.options.apply:
            result.applied = self._apply()
        self.recorder.finish(result, _ms(started))
        return result

    def _diff(self) -> str:
        """What REFINE changed, as a unified diff against the files as they were (the project's own)."""
        parts: list[str] = []
        for relative, text in sorted(self.files.items()):
            before = self.originals.get(relative, "")
            if text != before:
                parts.extend(
                    difflib.unified_diff(
                        before.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        f"a/{relative}",
                        f"b/{relative}",
                    )
                )
        return "".join(parts)

    def _apply(self) -> list[str]:
        """Write REFINE's changes into the project, file by file, only where the file is still as it was when
        the run started (an edit made meanwhile is never overwritten)."""
        assert self.project is not None
        applied = []
        for relative, text in sorted(self.files.items()):
            target = self.project.root / relative
            if text == self.originals.get(relative):
                continue
            try:
                if target.read_text(encoding="utf-8") != self.originals[relative]:
                    continue
                target.write_text(text, encoding="utf-8")
            except (OSError, KeyError):
                continue
            applied.append(relative)
        return applied

    def _copy_roots(self) -> tuple[Path, ...]:
        """The copy's import roots first: its code, not the project's (an editable install points there)."""
        assert self.project is not None
        moved = [self.scratch / p.relative_to(self.project.root) for p in self.project.import_roots]
        return (*moved, *self.tools.python_path)

    def _ask(self, agent: str, task: str, data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        if self.provider is None:
            return (offline_critic if agent == "critic" else offline_arbiter)(_offline_request(agent, data))
        response = self.provider.complete(Request(load_agent(agent, self.workspace), task, data, schema, 8192))
        return response.output

    def _reload(self, changed: list[str]) -> None:
        for relative in changed:
            self.files[relative] = (self.scratch / relative).read_text(encoding="utf-8")


def _offline_request(agent: str, data: dict[str, Any]) -> Request:
    from nevo.providers import AgentSpec

    return Request(AgentSpec(agent, agent, "haiku", ""), "", data, {})


def run_pipeline(
    files: dict[str, str],
    *,
    subject: str,
    provider: Provider | None = None,
    db: Any | None = None,
    options: PipelineOptions | None = None,
    clock: Clock = system_clock,
    workspace: Workspace | None = None,
    validation_problems: Iterable[str] = (),
) -> PipelineResult:
    """Run the eight stages over ``files`` (relative path -> text). ``provider`` None runs the critic and the
    arbiter offline without metering; ``db`` None records nothing."""
    pipeline = Pipeline(
        files,
        subject,
        provider,
        db,
        options or PipelineOptions(),
        clock,
        workspace,
        list(validation_problems),
    )
    return pipeline.run()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
