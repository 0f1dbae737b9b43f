"""The TaskCompleted quality gate: the fast stages (TYPECHECK, TEST on the tests that cover the change, LINT,
CRITIQUE offline) on the files the task changed, in the project itself, with the project's own interpreter and
configuration. What was already wrong before the change (the same checks on HEAD find it) never blocks.

Installed by ``nevo init --quality-gate`` as ``.nevo/hooks/quality-gate``, which calls ``nevo quality gate``
(or ``python3 -m nevo.quality.gate``). Exit 2 with the findings on stderr blocks the completion and Claude
sees why; the first stderr line is ``BANNER`` so the hook can tell a real verdict from a usage error. nevo's
own failure (no git, a tool missing, a crash) never blocks: it is logged and the gate exits 0.

Only the task's own work is judged. The same hook on TaskCreated (``hook_event_name`` in the payload, or
``--baseline``) records a baseline: the code files already changed in the working tree and a hash of each,
in ``.nevo/locks/quality-gate-baselines/`` keyed by session and task. At TaskCompleted a file that is still
exactly as it was in the baseline is not the task's and is not judged. Without a baseline (TaskCreated not
registered, or a task created before the gate was installed) every changed file is judged.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo.fsutil import atomic_write_text
from nevo.quality import checks
from nevo.quality.checks import ToolOptions
from nevo.quality.model import Finding, StageResult, status_from
from nevo.quality.project import Project, covering_tests, head_copy, load_project
from nevo.quality.review import review_file
from nevo.workspace import Workspace

BANNER = "nevo quality gate:"
MAX_REPORTED = 40
MAX_FILES = 200
GATE_TIMEOUT_SECONDS = 240
MAX_BLOCKS = 3  # blocks in a row for one task before the gate lets it complete
BASELINE_MAX_AGE_SECONDS = 7 * 24 * 3600  # a baseline whose task never completed is dropped after this
TASK_CREATED = "TaskCreated"


@dataclass
class GateResult:
    files: list[str]
    stages: list[StageResult] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        # A stage that could not run ("error") is nevo's problem, not the task's: it never blocks.
        return [f for s in self.stages if s.status == "failed" for f in s.errors]

    def report(self) -> str:
        blocking = self.blocking
        lines = [f"{BANNER} {len(blocking)} problem(s) in the files this task changed:"]
        lines += [f"  {finding}" for finding in blocking[:MAX_REPORTED]]
        if len(blocking) > MAX_REPORTED:
            lines.append(f"  ... and {len(blocking) - MAX_REPORTED} more")
        lines.append("Fix them, then complete the task again.")
        return "\n".join(lines)


def changed_files(root: Path) -> list[str] | None:
    """Files changed since HEAD plus untracked ones (relative, existing, not nevo's own); None: not git."""

    def git(*args: str) -> list[str] | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.splitlines() if done.returncode == 0 else None

    if git("rev-parse", "--is-inside-work-tree") is None:
        return None
    tracked = git("diff", "--name-only", "--relative", "HEAD")
    if tracked is None:  # no commit yet: everything in the index is new
        tracked = git("diff", "--name-only", "--relative", "--cached") or []
    untracked = git("ls-files", "--others", "--exclude-standard") or []
    names = []
    for name in dict.fromkeys([*tracked, *untracked]):
        if name.startswith((".nevo/", ".git/")) or not (root / name).is_file():
            continue
        names.append(name)
    return names


def code_files(root: Path, names: Sequence[str]) -> list[str]:
    """The Python and shell files among ``names``: what the gate judges."""
    return [f for f in names if f.endswith(".py") or f in checks.shell_files([f], root)]


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def snapshot(root: Path) -> dict[str, str] | None:
    """The baseline: every changed code file now, with a hash of its content; None when not git."""
    names = changed_files(root)
    if names is None:
        return None
    return {name: file_digest(root / name) for name in code_files(root, names)}


def changed_since(root: Path, baseline: dict[str, str]) -> list[str] | None:
    """Changed files that are not exactly as they were in ``baseline`` (new, or edited since)."""
    names = changed_files(root)
    if names is None:
        return None
    return [name for name in names if baseline.get(name) != file_digest(root / name)]


def run_gate(
    root: Path,
    files: Sequence[str] | None = None,
    options: ToolOptions | None = None,
    baseline: dict[str, str] | None = None,
) -> GateResult:
    """The fast stages on ``files`` (default: what changed in the git working tree, less what is still as it
    was in ``baseline``), in their project the way the person runs its checks: TYPECHECK and LINT with the
    project's settings, TEST with the tests that cover the files (the project's interpreter), CRITIQUE offline.
    A finding that was already there before the change (the same check on HEAD finds it too) is not the
    task's and does not block."""
    if files is not None:
        chosen: list[str] | None = list(files)
    else:
        chosen = changed_files(root) if baseline is None else changed_since(root, baseline)
    code = sorted(code_files(root, chosen or []))[:MAX_FILES]  # thousands of files are not judged one by one
    result = GateResult(code)
    if not code:
        return result
    project = load_project([root / code[0]])
    names = [str((root / n).resolve().relative_to(project.root)) for n in code if _inside(root / n, project.root)]
    if options is None:
        tests, why = covering_tests(project, [project.root / n for n in names])
        options = ToolOptions(
            isolated=False,
            mypy_cache_dir=Workspace(root).nevo_dir / "cache" / "mypy",
            timeout=GATE_TIMEOUT_SECONDS,
            python_path=project.import_roots,
            python=project.python if project.has_pytest else sys.executable,
            site_python=project.python,
            tests=[str(t.relative_to(project.root)) for t in tests],
            tests_note=why,
        )
    result.stages = _stages(project.root, names, options)
    if result.blocking and project.in_git:
        result.stages = _without_what_was_there(project, names, options, result.stages)
    return result


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder)


def _stages(where: Path, names: list[str], options: ToolOptions) -> list[StageResult]:
    stages = [checks.typecheck(where, names, options)]
    if options.tests or options.whole_suite:
        stages.append(checks.run_tests(where, names, options))
    stages.append(checks.lint(where, names, options))
    findings: list[Finding] = []
    for name in names:
        try:
            findings.extend(review_file(name, (where / name).read_text(encoding="utf-8", errors="replace")))
        except OSError as exc:
            findings.append(Finding(f"could not be read: {exc}", name, severity="warning"))
    stages.append(StageResult("critique", status_from(findings), 0, findings, note="offline checks"))
    return stages


def _key(finding: Finding) -> tuple[str, str, str]:
    """A finding without its line (the change moves lines): file, code, message with numbers blanked."""
    return finding.file, finding.code, re.sub(r"\d+", "#", finding.message)


def _without_what_was_there(
    project: Project, names: list[str], options: ToolOptions, stages: list[StageResult]
) -> list[StageResult]:
    """The same checks on HEAD (in a throwaway worktree): findings already there are kept as warnings."""
    with head_copy(project) as head:
        if head is None:
            return stages
        present = [n for n in names if (head / n).is_file()]
        tests = [t for t in options.tests or () if (head / t).is_file()]
        moved = [head / p.relative_to(project.root) for p in project.import_roots]
        before_options = dataclasses.replace(options, tests=tests, python_path=(*moved, *options.python_path))
        before = {key for stage in _stages(head, present, before_options) for f in stage.errors for key in [_key(f)]}
    kept = []
    for stage in stages:
        if stage.status != "failed":
            kept.append(stage)
            continue
        old = [f for f in stage.errors if _key(f) in before]
        if not old:
            kept.append(stage)
            continue
        findings = [f if f not in old else dataclasses.replace(f, severity="warning") for f in stage.findings]
        note = f"{stage.note}; {len(old)} finding(s) were there before the change: not blocking".strip("; ")
        kept.append(StageResult(stage.name, status_from(findings), stage.duration_ms, findings, stage.attempt, note))
    return kept


def main(argv: Sequence[str] | None = None) -> int:
    """Hook entry point: 2 with the findings on stderr when the changed files fail, else 0. ``--baseline``
    (or a TaskCreated payload) records the task's baseline instead and always exits 0."""
    parser = argparse.ArgumentParser(prog="nevo-quality-gate")
    parser.add_argument("--workspace", type=Path, default=Path.cwd())
    parser.add_argument("--baseline", action="store_true", help="record the baseline (TaskCreated)")
    args = parser.parse_args(argv)
    return gate_exit_code(args.workspace.resolve(), baseline=args.baseline)


def gate_exit_code(root: Path, *, baseline: bool = False) -> int:
    """Run the gate for the hook: 2 (block) with the report on stderr, else 0. The same task blocked
    ``MAX_BLOCKS`` times in a row is let through with a message for the person: an agent that cannot fix
    the findings must not be stuck forever. On TaskCreated (``baseline``, or the payload's event) it only
    records the baseline and exits 0: creating a task is never blocked."""
    workspace = Workspace(root)
    try:
        payload = _payload(sys.stdin.read() if not sys.stdin.isatty() else "")
        task = f"{payload.get('session_id', '')}:{payload.get('task_id', '')}"
        if baseline or payload.get("hook_event_name") == TASK_CREATED:
            _save_baseline(workspace, task, snapshot(root))
            return 0
        result = run_gate(root, baseline=_load_baseline(workspace, task))
    except Exception as exc:  # never block a task on nevo's own failure; the hook logs what we print
        sys.stderr.write(f"nevo quality gate failed (not blocking): {exc!r}\n")
        return 0
    blocks = _count_block(workspace, task, bool(result.blocking))
    if not result.blocking:
        _drop_baseline(workspace, task)
        return 0
    if blocks > MAX_BLOCKS:
        message = (
            f"nevo quality gate: task {payload.get('task_subject') or task} completed after {MAX_BLOCKS} "
            f"blocks with {len(result.blocking)} problem(s) left; run `nevo quality run` on the files"
        )
        sys.stdout.write(json.dumps({"systemMessage": message}) + "\n")
        _drop_baseline(workspace, task)
        return 0
    sys.stderr.write(result.report() + "\n")
    return 2


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _baseline_path(workspace: Workspace, task: str) -> Path:
    # One file per task: TaskCreated hooks of several tasks never race on one shared file.
    name = hashlib.sha256(task.encode("utf-8")).hexdigest()[:32]
    return workspace.nevo_dir / "locks" / "quality-gate-baselines" / f"{name}.json"


def _save_baseline(workspace: Workspace, task: str, files: dict[str, str] | None) -> None:
    """Keep the baseline for ``task`` (runtime state, ignored by git); stale ones are pruned. Not a nevo
    workspace or not git: nothing to keep (the completion then judges every changed file)."""
    if files is None or not workspace.nevo_dir.is_dir():
        return
    path = _baseline_path(workspace, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - BASELINE_MAX_AGE_SECONDS
    for old in path.parent.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue  # another hook removed it first
    atomic_write_text(path, json.dumps({"task": task, "files": files}))


def _load_baseline(workspace: Workspace, task: str) -> dict[str, str] | None:
    """The baseline recorded when ``task`` was created, or None (unreadable counts as none: judge all)."""
    path = _baseline_path(workspace, task)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    files = stored.get("files") if isinstance(stored, dict) and stored.get("task") == task else None
    if not isinstance(files, dict):
        return None
    return {str(name): str(digest) for name, digest in files.items()}


def _drop_baseline(workspace: Workspace, task: str) -> None:
    try:
        _baseline_path(workspace, task).unlink(missing_ok=True)
    except OSError as exc:  # a stale baseline is pruned later; the completion must not fail on it
        sys.stderr.write(f"nevo quality gate: could not remove a baseline: {exc}\n")


def _count_block(workspace: Workspace, task: str, blocking: bool) -> int:
    """Blocks in a row for ``task`` including this one (0 when this run does not block); kept in
    ``.nevo/locks/quality-gate.json`` (runtime state, ignored by git). Unwritable state counts as none."""
    path = workspace.nevo_dir / "locks" / "quality-gate.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        state = {}
    if not isinstance(state, dict):
        state = {}
    count = int(state.get(task, 0)) + 1 if blocking else 0
    if count:
        state[task] = count
    else:
        state.pop(task, None)
    if not workspace.nevo_dir.is_dir():
        return count
    try:
        path.parent.mkdir(exist_ok=True)
        atomic_write_text(path, json.dumps(dict(list(state.items())[-100:])))
    except OSError:
        return count
    return count


if __name__ == "__main__":
    sys.exit(main())
