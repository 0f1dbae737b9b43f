"""The TaskCompleted quality gate: blocks (exit 2, findings on stderr) on the files a task changed, never on
nevo's own failure. Runs the real hook script installed by `nevo init --quality-gate`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nevo.install import init
from nevo.quality.gate import BANNER, changed_files, run_gate
from nevo.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = json.dumps({"hook_event_name": "TaskCompleted", "task_id": "1", "task_subject": "add half()"})


def run_hook(
    workspace: Workspace, *, nevo_on_path: bool, payload: str = PAYLOAD
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if not nevo_on_path:  # the fallback: python3 -m nevo.quality.gate
        bin_dir = workspace.root.parent / "bin"
        bin_dir.mkdir(exist_ok=True)
        for tool in ("git", "bash", "sh", "mktemp", "grep", "cat", "rm", "date", "env"):
            target = subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip()
            if target and not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(target)
        if not (bin_dir / "python3").exists():
            # A wrapper, not a link: a link to a virtualenv's python outside the virtualenv starts the base
            # interpreter without the virtualenv's packages (mypy, ruff), and the test would then depend on
            # what the machine's own python3 has installed.
            (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
            (bin_dir / "python3").chmod(0o755)
        env["PATH"] = str(bin_dir)
    return subprocess.run(
        [str(workspace.hooks_dir / "quality-gate")],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        cwd=workspace.root,
        timeout=120,
    )


def test_changed_files_are_the_diff_plus_untracked_without_nevo_state(git_workspace: Workspace) -> None:
    root = git_workspace.root
    (root / "README.md").write_text("changed\n")
    (root / "new.py").write_text("x = 1\n")
    (root / ".nevo").mkdir()
    (root / ".nevo" / "state.py").write_text("x = 1\n")
    assert sorted(changed_files(root) or []) == ["README.md", "new.py"]
    plain = root.parent / "not-a-repo"
    plain.mkdir()
    assert changed_files(plain) is None


@pytest.mark.parametrize("nevo_on_path", [True, False], ids=["nevo-cli", "python3-fallback"])
def test_the_hook_blocks_a_task_that_left_a_type_error_and_a_bare_except(
    git_workspace: Workspace, nevo_on_path: bool
) -> None:
    if nevo_on_path and shutil.which("nevo") is None:
        pytest.skip("the nevo command is not installed on PATH")
    init(git_workspace, quality_gate=True)
    settings = json.loads(git_workspace.settings_path.read_text())
    assert "TaskCompleted" in settings["hooks"]
    (git_workspace.root / "half.py").write_text(
        '"""Half."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n    try:\n        return x / 2\n'
        "    except:\n        raise\n"
    )
    done = run_hook(git_workspace, nevo_on_path=nevo_on_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith(BANNER)
    assert "half.py:7: error: Incompatible return value type" in done.stderr
    assert "half.py:8: error: bare `except:`" in done.stderr


def test_the_hook_lets_clean_work_complete(git_workspace: Workspace) -> None:
    init(git_workspace, quality_gate=True)
    (git_workspace.root / "ok.py").write_text(
        '"""Ok."""\n\n\ndef double(x: int) -> int:\n    """Twice."""\n    return x * 2\n'
    )
    done = run_hook(git_workspace, nevo_on_path=False)
    assert (done.returncode, done.stderr) == (0, "")


def test_nevo_failing_never_blocks(workspace: Workspace) -> None:
    init(workspace, quality_gate=True)  # not a git repository: no changed files to judge
    (workspace.root / "bad.py").write_text("def f(:\n")
    assert run_hook(workspace, nevo_on_path=False).returncode == 0
    # nevo cannot be imported at all: logged, not blocking
    env = {**os.environ, "PATH": "/nonexistent", "PYTHONPATH": ""}
    done = subprocess.run(
        ["/bin/sh", str(workspace.hooks_dir / "quality-gate")],
        input=PAYLOAD,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0


def test_run_gate_ignores_warnings_and_tools_that_cannot_run(git_workspace: Workspace) -> None:
    root = git_workspace.root
    (root / "warn.py").write_text("def f() -> int:\n    return 1  # TODO tidy\n")
    result = run_gate(root)
    assert result.files == ["warn.py"]
    assert result.blocking == []
    assert any(f.code == "todo" for s in result.stages for f in s.findings)


def test_the_same_task_is_let_through_after_three_blocks_in_a_row(git_workspace: Workspace) -> None:
    init(git_workspace, quality_gate=True)
    (git_workspace.root / "bad.py").write_text("try:\n    x = 1\nexcept:\n    x = 2\n")
    results = [run_hook(git_workspace, nevo_on_path=False) for _ in range(4)]
    assert [r.returncode for r in results] == [2, 2, 2, 0]
    assert (
        "completed after 3 blocks with 2 problem(s) left"
    )  # ruff E722 and the critique in json.loads(results[3].stdout)["systemMessage"]
    (git_workspace.root / "bad.py").write_text("x = 1\n")  # fixed: the count starts again
    assert run_hook(git_workspace, nevo_on_path=False).returncode == 0
    (git_workspace.root / "bad.py").write_text("try:\n    x = 1\nexcept:\n    x = 2\n")
    assert run_hook(git_workspace, nevo_on_path=False).returncode == 2


def event(name: str, task: str, session: str = "s-1") -> str:
    return json.dumps({"session_id": session, "hook_event_name": name, "task_id": task, "task_subject": "t"})


BARE_EXCEPT = "try:\n    x = 1\nexcept:\n    x = 2\n"


def test_only_what_changed_since_the_task_was_created_is_judged(git_workspace: Workspace) -> None:
    init(git_workspace, quality_gate=True)
    root = git_workspace.root
    (root / "legacy.py").write_text(BARE_EXCEPT)  # the person's uncommitted work, not the task's
    created = run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCreated", "1"))
    assert (created.returncode, created.stdout, created.stderr) == (0, "", "")  # creating never blocks
    [baseline] = (git_workspace.nevo_dir / "locks" / "quality-gate-baselines").glob("*.json")
    assert json.loads(baseline.read_text())["files"].keys() == {"legacy.py"}

    (root / "new.py").write_text('"""New."""\n\n\ndef one() -> int:\n    """One."""\n    return 1\n')
    done = run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCompleted", "1"))
    assert (done.returncode, done.stderr) == (0, "")
    assert not baseline.exists()  # completed: the baseline is gone

    # A task with no baseline (created before the gate was installed) judges every changed file.
    assert run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCompleted", "2")).returncode == 2

    # The task edits the person's file: now it is the task's too, and judged.
    run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCreated", "3"))
    (root / "legacy.py").write_text(BARE_EXCEPT + "y = 3\n")
    blocked = run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCompleted", "3"))
    assert blocked.returncode == 2 and "legacy.py:3" in blocked.stderr, blocked.stderr
    # Baselines are per session and task: the same task id in another session has none.
    run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCreated", "4", session="s-2"))
    assert run_hook(git_workspace, nevo_on_path=False, payload=event("TaskCompleted", "4")).returncode == 2


def test_task_created_never_blocks_whatever_the_gate_answers(workspace: Workspace, tmp_path: Path) -> None:
    """Even a `nevo` that answers with a blocking verdict (an older nevo, a bug) cannot block creating a task:
    the hook itself reads the event. The same answer on TaskCompleted does block."""
    init(workspace, quality_gate=True)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    fake = bin_dir / "nevo"
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'nevo quality gate: 1 problem(s)' >&2\nexit 2\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def hook(payload: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(workspace.hooks_dir / "quality-gate")],
            input=payload,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert hook(event("TaskCreated", "1")).returncode == 0
    assert hook(json.dumps({"hook_event_name": "TaskCreated", "task_id": "1"}, indent=2)).returncode == 0
    assert hook(event("TaskCompleted", "1")).returncode == 2


def test_the_baseline_mode_of_the_module(git_workspace: Workspace) -> None:
    init(git_workspace, quality_gate=True)
    root = git_workspace.root
    (root / "legacy.py").write_text(BARE_EXCEPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    module = [sys.executable, "-m", "nevo.quality.gate", "--workspace", str(root)]
    payload = json.dumps({"session_id": "s-9", "task_id": "7"})  # no event name: the flag decides
    done = subprocess.run(
        [*module, "--baseline"], input=payload, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    done = subprocess.run(module, input=payload, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
