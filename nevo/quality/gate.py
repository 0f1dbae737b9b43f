"""The TaskCompleted quality gate: the fast stages (TYPECHECK, LINT, CRITIQUE offline) on the files the task
changed, in the project itself and with the project's own mypy/ruff configuration.

Installed by ``nevo init --quality-gate`` as ``.nevo/hooks/quality-gate``, which calls ``nevo quality gate``
(or ``python3 -m nevo.quality.gate``). Exit 2 with the findings on stderr blocks the completion and Claude
sees why; the first stderr line is ``BANNER`` so the hook can tell a real verdict from a usage error. nevo's
own failure (no git, a tool missing, a crash) never blocks: it is logged and the gate exits 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo.fsutil import atomic_write_text
from nevo.quality import checks
from nevo.quality.checks import ToolOptions
from nevo.quality.model import Finding, StageResult, status_from
from nevo.quality.review import review_file
from nevo.workspace import Workspace

BANNER = "nevo quality gate:"
MAX_REPORTED = 40
MAX_FILES = 200
GATE_TIMEOUT_SECONDS = 240
MAX_BLOCKS = (
    3  # blocks in a row for one task before the gate lets it complete  # the hook's own timeout is 300 s
)


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
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
            )
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


def run_gate(
    root: Path, files: Sequence[str] | None = None, options: ToolOptions | None = None
) -> GateResult:
    """The fast stages on ``files`` (default: what changed in the git working tree)."""
    chosen = changed_files(root) if files is None else list(files)
    code = [f for f in chosen or [] if f.endswith(".py") or f in checks.shell_files([f], root)]
    code = sorted(code)[:MAX_FILES]  # a task that touched thousands of files is not judged file by file
    result = GateResult(code)
    if not code:
        return result
    options = options or ToolOptions(
        isolated=False,
        mypy_cache_dir=Workspace(root).nevo_dir / "cache" / "mypy",
        timeout=GATE_TIMEOUT_SECONDS,
    )
    result.stages.append(checks.typecheck(root, code, options))
    result.stages.append(checks.lint(root, code, options))
    findings: list[Finding] = []
    for name in code:
        try:
            findings.extend(review_file(name, (root / name).read_text(encoding="utf-8", errors="replace")))
        except OSError as exc:
            findings.append(Finding(f"could not be read: {exc}", name, severity="warning"))
    result.stages.append(StageResult("critique", status_from(findings), 0, findings, note="offline checks"))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Hook entry point: 2 with the findings on stderr when the changed files fail, else 0."""
    parser = argparse.ArgumentParser(prog="nevo-quality-gate")
    parser.add_argument("--workspace", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    return gate_exit_code(args.workspace.resolve())


def gate_exit_code(root: Path) -> int:
    """Run the gate for the hook: 2 (block) with the report on stderr, else 0. The same task blocked
    ``MAX_BLOCKS`` times in a row is let through with a message for the person: an agent that cannot fix
    the findings must not be stuck forever."""
    try:
        payload = _payload(sys.stdin.read() if not sys.stdin.isatty() else "")
        result = run_gate(root)
    except Exception as exc:  # never block a task on nevo's own failure; the hook logs what we print
        sys.stderr.write(f"nevo quality gate failed (not blocking): {exc!r}\n")
        return 0
    task = f"{payload.get('session_id', '')}:{payload.get('task_id', '')}"
    blocks = _count_block(Workspace(root), task, bool(result.blocking))
    if not result.blocking:
        return 0
    if blocks > MAX_BLOCKS:
        message = (
            f"nevo quality gate: task {payload.get('task_subject') or task} completed after {MAX_BLOCKS} "
            f"blocks with {len(result.blocking)} problem(s) left; run `nevo quality run` on the files"
        )
        sys.stdout.write(json.dumps({"systemMessage": message}) + "\n")
        return 0
    sys.stderr.write(result.report() + "\n")
    return 2


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


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
