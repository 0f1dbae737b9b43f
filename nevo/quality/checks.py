"""The mechanical stages, each in its own process: TYPECHECK (mypy, bash -n), TEST (pytest), LINT (ruff), and
the mechanical part of REFINE (ruff's fixes and formatter).

Every runner takes the folder to run in and the files (relative to it) and returns a StageResult. A tool that
cannot run (not installed, timed out) gives status ``error`` with the reason, never an exception: the caller
decides whether that blocks (the pipeline denies; the TaskCompleted gate never blocks on nevo's own failure).
mypy and ruff are invoked as ``python -m mypy`` / ``python -m ruff`` with this interpreter.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nevo.quality.model import Finding, StageResult, status_from

STAGE_TIMEOUT_SECONDS = 300
# What the pipeline holds code to when the code brings no lint config of its own: pyflakes, the
# pycodestyle errors that are bugs, bugbear, and whitespace (which REFINE fixes).
PIPELINE_RUFF_SELECT = "E4,E7,E9,F,B,W"
PIPELINE_LINE_LENGTH = "120"


@dataclass
class ToolOptions:
    """How the tools run. ``isolated``: ignore any project config (the pipeline's scratch copies); the
    TaskCompleted gate runs in the project with the project's own mypy/ruff config instead."""

    isolated: bool = True
    mypy_cache_dir: Path | None = None
    python_path: Sequence[Path] = ()  # extra import roots (the code's own project) for tests
    timeout: float = STAGE_TIMEOUT_SECONDS
    env: dict[str, str] = field(default_factory=dict)
    python: str | None = None  # the interpreter that runs the tests (the project's); None: nevo's own
    site_python: str | None = None  # the interpreter whose packages mypy sees (the project's)
    tests: Sequence[str] | None = None  # the test files to run (relative); None: the test files among the files
    whole_suite: bool = False  # run the project's whole suite (pytest's own configuration picks the files)
    tests_note: str = ""  # why these tests


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str
    error: str | None = None  # the process could not run at all


def run_tool(
    argv: Sequence[str], cwd: Path, options: ToolOptions, env_extra: dict[str, str] | None = None
) -> Completed:
    """One subprocess; a missing program or a timeout is a Completed with ``error``, never an exception."""
    env = {**os.environ, **options.env, **(env_extra or {})}
    env.pop("PYTEST_ADDOPTS", None)
    try:
        done = subprocess.run(
            list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=options.timeout, check=False
        )
    except FileNotFoundError as exc:
        return Completed(127, "", "", error=f"{argv[0]} is not installed ({exc.strerror})")
    except subprocess.TimeoutExpired:
        return Completed(124, "", "", error=f"`{' '.join(argv[:4])}` timed out after {options.timeout:.0f} s")
    return Completed(done.returncode, done.stdout, done.stderr)


def _missing_module(done: Completed, module: str) -> str | None:
    if done.error:
        return done.error
    if done.returncode != 0 and f"No module named {module}" in done.stderr:
        return f"{module} is not installed for the interpreter that ran it (pip install {module})"
    return None


def python_files(files: Sequence[str]) -> list[str]:
    return [f for f in files if f.endswith(".py")]


def shell_files(files: Sequence[str], root: Path) -> list[str]:
    found = []
    for name in files:
        if name.endswith((".sh", ".bash")):
            found.append(name)
            continue
        if "." in Path(name).name:
            continue
        try:
            with open(root / name, "rb") as handle:
                first = handle.readline(200)
        except OSError:
            continue
        if first.startswith(b"#!") and re.search(rb"\b(ba)?sh\b", first):
            found.append(name)
    return found


def tests_among(files: Sequence[str]) -> list[str]:
    return [f for f in python_files(files) if Path(f).name.startswith("test_") or Path(f).name.endswith("_test.py")]


# -- TYPECHECK --------------------------------------------------------------------------------------

_MYPY_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?P<sev>error|note|warning): (?P<msg>.*?)"
    r"(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_BASH_LINE = re.compile(r"^(?P<file>[^:\n]+): line (?P<line>\d+): (?P<msg>.*)$")


def typecheck(root: Path, files: Sequence[str], options: ToolOptions) -> StageResult:
    started = time.monotonic()
    findings: list[Finding] = []
    py, sh = python_files(files), shell_files(files, root)
    if not py and not sh:
        return StageResult("typecheck", "skipped", note="no Python or shell files")
    notes = []
    if py:
        argv = [
            sys.executable,
            "-m",
            "mypy",
            "--no-error-summary",
            "--show-error-codes",
            "--no-pretty",
            "--follow-imports=silent",
            "--hide-error-context",
        ]
        # Missing third-party stubs are not the code's fault: never a finding.
        argv += ["--ignore-missing-imports"]
        env_extra: dict[str, str] = {}
        if options.isolated:
            # A scratch copy: module names come from the paths under its root (pkg/calc.py is pkg.calc,
            # with or without pkg/__init__.py), so a module named and also imported by a named test is one
            # module, not "found twice under different module names"; same-named files in two folders
            # are two modules, not a duplicate.
            argv += ["--config-file=", "--check-untyped-defs", "--explicit-package-bases"]
            env_extra["MYPYPATH"] = str(root)
        else:
            # The project's own settings (read from its root); its packages from its own environment.
            if options.site_python and options.site_python != sys.executable:
                argv += ["--python-executable", options.site_python]
            if options.python_path:
                env_extra["MYPYPATH"] = os.pathsep.join(str(p) for p in options.python_path)
        argv += ["--cache-dir", str(options.mypy_cache_dir) if options.mypy_cache_dir else os.devnull]
        done = run_tool([*argv, "--", *py], root, options, env_extra)  # "--": a file named -rf.py is a file
        problem = _missing_module(done, "mypy")
        if problem:
            return StageResult("typecheck", "error", _ms(started), note=problem)
        for line in done.stdout.splitlines():
            match = _MYPY_LINE.match(line.strip())
            if match and match["sev"] == "error":
                findings.append(Finding(match["msg"], match["file"], int(match["line"]), match["code"] or "mypy"))
        if done.returncode not in (0, 1) or (done.returncode == 1 and not findings):
            return StageResult(
                "typecheck",
                "error",
                _ms(started),
                note=f"mypy exited {done.returncode}: {(done.stderr or done.stdout)[-500:]}",
            )
        notes.append(f"mypy on {len(py)} file(s)")
    for name in sh:
        done = run_tool(["bash", "-n", "--", name], root, options)
        if done.error:
            return StageResult("typecheck", "error", _ms(started), findings, note=done.error)
        for line in done.stderr.splitlines():
            match = _BASH_LINE.match(line.strip())
            if match:
                findings.append(Finding(match["msg"], name, int(match["line"]), "bash-n"))
        if done.returncode != 0 and not any(f.file == name for f in findings):
            findings.append(Finding(done.stderr.strip()[-300:] or "bash -n failed", name, 0, "bash-n"))
    if sh:
        notes.append(f"bash -n on {len(sh)} file(s)")
    return StageResult("typecheck", status_from(findings), _ms(started), findings, note="; ".join(notes))


# -- TEST -------------------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PYTEST_FAILED = re.compile(r"^(?P<kind>FAILED|ERROR) (?P<where>\S+?)(?: - (?P<msg>.*))?$")


def run_tests(root: Path, files: Sequence[str], options: ToolOptions) -> StageResult:
    started = time.monotonic()
    tests = list(options.tests) if options.tests is not None else tests_among(files)
    if not tests and not options.whole_suite:
        return StageResult(
            "test", "skipped", note=options.tests_note or "no tests came with the code (test_*.py or *_test.py)"
        )
    roots = [str(root)] if options.isolated else []
    python_path = os.pathsep.join([*roots, *(str(p) for p in options.python_path)])
    argv = [options.python or sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    argv += ["--no-header", "-rfE", "--tb=short", "--color=no"]  # (a project's --color=yes hides FAILED lines)
    if options.isolated:
        argv.append(f"--rootdir={root}")  # in the project, pytest finds its configuration as it always does
    tests = [f"./{t}" if t.startswith("-") else t for t in tests]  # pytest has no "--": -x_test.py is a file
    done = run_tool([*argv, *tests], root, options, {"PYTHONPATH": python_path, "PYTHONDONTWRITEBYTECODE": "1"})
    problem = _missing_module(done, "pytest")
    if problem:
        return StageResult("test", "error", _ms(started), note=problem)
    findings = []
    for line in _ANSI.sub("", done.stdout).splitlines():
        match = _PYTEST_FAILED.match(line.strip())
        if match:
            test_file, _, test_name = match["where"].partition("::")
            message = f"{match['kind'].lower()} {test_name or test_file}" + (
                f": {match['msg']}" if match["msg"] else ""
            )
            findings.append(Finding(message, test_file, 0, "pytest"))
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode == 5:
        return StageResult("test", "skipped", _ms(started), note="pytest collected no tests")
    if done.returncode != 0 and not findings:
        findings.append(
            Finding(
                f"pytest exited {done.returncode}: {(done.stdout + done.stderr).strip()[-500:]}",
                code="pytest",
            )
        )
    if options.tests_note:
        summary = f"{summary} ({options.tests_note})"
    return StageResult("test", "failed" if done.returncode != 0 else "passed", _ms(started), findings, note=summary)


# -- LINT -------------------------------------------------------------------------------------------


def _ruff_base(options: ToolOptions) -> list[str]:
    if options.isolated:
        return ["--isolated", "--select", PIPELINE_RUFF_SELECT, "--line-length", PIPELINE_LINE_LENGTH]
    return []


def lint(root: Path, files: Sequence[str], options: ToolOptions) -> StageResult:
    import json

    started = time.monotonic()
    py = python_files(files)
    if not py:
        return StageResult("lint", "skipped", note="no Python files")
    argv = [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--no-cache",
        "--output-format=json",
        "--force-exclude",
        "--no-fix",  # a project's `fix = true` must not make a check rewrite the person's files
        *_ruff_base(options),
        "--",
        *py,
    ]
    done = run_tool(argv, root, options)
    problem = _missing_module(done, "ruff")
    if problem:
        return StageResult("lint", "error", _ms(started), note=problem)
    try:
        reported = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return StageResult("lint", "error", _ms(started), note=f"ruff exited {done.returncode}: {done.stderr[-500:]}")
    findings = []
    for item in reported:
        location = item.get("location") or {}
        filename = str(item.get("filename") or "")
        with contextlib.suppress(ValueError):
            filename = str(Path(filename).resolve().relative_to(root.resolve()))
        findings.append(
            Finding(
                str(item.get("message") or ""),
                filename,
                int(location.get("row") or 0),
                str(item.get("code") or "ruff"),
            )
        )
    return StageResult("lint", status_from(findings), _ms(started), findings, note=f"ruff on {len(py)} file(s)")


# -- REFINE (mechanical) ----------------------------------------------------------------------------


def ruff_fix(root: Path, files: Sequence[str], options: ToolOptions) -> tuple[list[str], str | None]:
    """Apply ruff's safe fixes and its formatter. Returns (files changed, error)."""
    py = python_files(files)
    if not py:
        return [], None
    before = {name: _digest(root / name) for name in py}
    for argv in (
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--fix",
            "--exit-zero",
            *_ruff_base(options),
            "--",
            *py,
        ],
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--no-cache",
            *(["--isolated", "--line-length", PIPELINE_LINE_LENGTH] if options.isolated else []),
            "--",
            *py,
        ],
    ):
        done = run_tool(argv, root, options)
        problem = _missing_module(done, "ruff")
        if problem:
            return [], problem
    return [name for name in py if _digest(root / name) != before[name]], None


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
