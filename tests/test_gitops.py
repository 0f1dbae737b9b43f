"""nevo's commits, against real git repositories: only nevo's files, the user's staged work untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nevo import commit_queue, gitops
from nevo.rules import Rule, RuleBook
from nevo.workspace import Workspace
from tests.conftest import git


def _staged(root: Path) -> list[str]:
    return git(root, "diff", "--cached", "--name-only").split()


def test_commit_contains_only_the_given_files_and_staged_work_stays_staged(git_workspace: Workspace) -> None:
    root = git_workspace.root
    (root / "user.txt").write_text("user work\n")
    git(root, "add", "user.txt")
    (root / "README.md").write_text("# project, edited but not staged\n")
    rule = root / ".claude" / "rules" / "PROJ-001-x.md"
    rule.parent.mkdir(parents=True)
    rule.write_text("rule\n")

    sha = gitops.commit_files(root, [rule], "nevo: PROJ-001 x")

    assert git(root, "rev-parse", "HEAD").strip() == sha
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [".claude/rules/PROJ-001-x.md"]
    assert _staged(root) == ["user.txt"]  # still staged, not committed
    assert git(root, "diff", "--name-only").split() == ["README.md"]  # still modified, not staged
    assert git(root, "show", ":user.txt") == "user work\n"
    status = git(root, "status", "--porcelain")
    assert ".claude" not in status  # the rule is clean: index and HEAD agree
    # No identity configured anywhere: nevo's own.
    assert git(root, "log", "-1", "--format=%an <%ae>").strip() == "nevo <nevo@localhost>"


def test_an_ignored_rules_folder_is_still_committed(git_workspace: Workspace) -> None:
    root = git_workspace.root
    (root / ".gitignore").write_text(".claude/\n")
    rule = root / ".claude" / "rules" / "PROJ-001-x.md"
    rule.parent.mkdir(parents=True)
    rule.write_text("rule\n")
    gitops.commit_files(root, [rule], "nevo: PROJ-001")
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [".claude/rules/PROJ-001-x.md"]


def test_a_configured_identity_is_used(git_workspace: Workspace) -> None:
    root = git_workspace.root
    git(root, "config", "user.name", "Ada")
    git(root, "config", "user.email", "ada@example.com")
    (root / "a.md").write_text("a\n")
    gitops.commit_files(root, [root / "a.md"], "m")
    assert git(root, "log", "-1", "--format=%an <%ae>").strip() == "Ada <ada@example.com>"


def test_a_move_commits_the_deletion_and_the_new_file(git_workspace: Workspace) -> None:
    root = git_workspace.root
    old = root / "old.md"
    old.write_text("x\n")
    gitops.commit_files(root, [old], "add")
    new = root / "moved" / "old.md"
    new.parent.mkdir()
    old.rename(new)
    gitops.commit_files(root, [old, new], "move")
    assert git(root, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        "old.md",
        "A",
        "moved/old.md",
    ] or "R100" in git(root, "show", "--name-status", "--format=", "HEAD")
    assert git(root, "status", "--porcelain") == ""


def test_unborn_branch_gets_its_first_commit(workspace: Workspace) -> None:
    root = workspace.root
    git(root, "init", "-q", "-b", "main")
    (root / "r.md").write_text("r\n")
    sha = gitops.commit_files(root, [root / "r.md"], "first")
    assert git(root, "rev-parse", "main").strip() == sha


def test_mid_merge_nothing_is_committed(git_workspace: Workspace) -> None:
    root = git_workspace.root
    git(root, "checkout", "-q", "-b", "other")
    (root / "README.md").write_text("other\n")
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("main\n")
    git(root, "commit", "-qam", "main")
    with pytest.raises(AssertionError):
        git(root, "merge", "other")  # conflicts: the repository is now mid-merge
    assert gitops.repo_busy(root) == "a merge"
    (root / "r.md").write_text("r\n")
    before = git(root, "rev-parse", "HEAD")
    with pytest.raises(gitops.GitBusy):
        gitops.commit_files(root, [root / "r.md"], "nope")
    assert git(root, "rev-parse", "HEAD") == before


def test_not_a_repo(workspace: Workspace) -> None:
    with pytest.raises(gitops.NotAGitRepo):
        gitops.commit_files(workspace.root, [workspace.root / "x"], "m")


def _add_rule(workspace: Workspace, title: str) -> str:
    book = RuleBook(workspace)
    rule = Rule(
        id=book.next_id(),
        title=title,
        body=f"{title}.",
        trigger="t",
        enforcement="e",
        verification="v",
        created="2026-11-21T05:00:00Z",
    )
    path = book.write(rule)
    gitops.commit_files(workspace.root, [path], f"nevo: {rule.id}")
    return rule.id


def test_numbers_taken_on_another_branch_are_not_reused(git_workspace: Workspace) -> None:
    root = git_workspace.root
    assert _add_rule(git_workspace, "base rule") == "PROJ-001"
    git(root, "branch", "feature")
    assert _add_rule(git_workspace, "rule on main") == "PROJ-002"
    git(root, "checkout", "-q", "feature")
    # PROJ-002 is not in this branch's tree, but main holds it: the next number skips it.
    assert _add_rule(git_workspace, "rule on feature") == "PROJ-003"
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-edit", "feature")
    book = RuleBook(git_workspace)
    assert [r.id for r in book.rules()] == ["PROJ-001", "PROJ-002", "PROJ-003"]
    assert not [f for f in book.lint() if f.kind == "duplicate-number"]


def test_a_collision_from_another_clone_is_flagged_and_renumbered(git_workspace: Workspace, tmp_path: Path) -> None:
    root = git_workspace.root
    _add_rule(git_workspace, "base rule")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    # Two machines, neither sees the other's branch: both pick PROJ-002.
    assert _add_rule(Workspace(clone), "rule from the clone") == "PROJ-002"
    assert _add_rule(git_workspace, "rule from here") == "PROJ-002"
    git(root, "pull", "-q", "--no-rebase", "--no-edit", str(clone), "main")
    book = RuleBook(git_workspace)
    dupes = [f for f in book.lint() if f.kind == "duplicate-number"]
    assert len(dupes) == 1 and dupes[0].rule_id == "PROJ-002"
    changes = book.renumber_duplicates()
    assert [(old.id, new) for old, new in changes] == [("PROJ-002", "PROJ-003")]
    assert sorted(r.id for r in book.rules()) == ["PROJ-001", "PROJ-002", "PROJ-003"]
    assert not [f for f in book.lint() if f.kind == "duplicate-number"]


def test_a_held_index_lock_is_waited_for(git_workspace: Workspace) -> None:
    import threading

    root = git_workspace.root
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    threading.Timer(0.5, lock.unlink).start()  # another git command finishes a moment later
    (root / "r.md").write_text("r\n")
    gitops.commit_files(root, [root / "r.md"], "nevo: r")
    assert git(root, "status", "--porcelain") == ""


def test_a_reverted_number_is_never_reused(git_workspace: Workspace) -> None:
    root = git_workspace.root
    _add_rule(git_workspace, "first")
    assert _add_rule(git_workspace, "second") == "PROJ-002"
    git(root, "revert", "--no-edit", "HEAD")  # PROJ-002 is in no tree any more, only in the history
    assert [r.id for r in RuleBook(git_workspace).rules()] == ["PROJ-001"]
    assert _add_rule(git_workspace, "third") == "PROJ-003"


def test_numbers_from_every_ref_take_one_git_process(git_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import git as gitpython

    root = git_workspace.root
    _add_rule(git_workspace, "base")
    for n in range(12):
        git(root, "branch", f"b{n}")
    git(root, "checkout", "-q", "b7")
    _add_rule(git_workspace, "on b7")
    git(root, "checkout", "-q", "main")
    calls: list[Any] = []
    real: Any = gitpython.cmd.Git.execute

    def counting(self: gitpython.cmd.Git, command: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(command)  # a spy: every git process GitPython starts goes through execute
        return real(self, command, *args, **kwargs)

    monkeypatch.setattr(gitpython.cmd.Git, "execute", counting)
    assert RuleBook(git_workspace).next_id() == "PROJ-003"
    assert len(calls) == 1, calls


# -- crash safety: kill -9 at every step, then the next run finishes the job ---------------------------

COMMIT_A_RULE = """
import sys
from pathlib import Path
from nevo import commit_queue, gitops
from nevo.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
rule = ws.rules_dir / "PROJ-001-x.md"
def write():
    rule.parent.mkdir(parents=True, exist_ok=True)
    rule.write_text("---\\nid: PROJ-001\\n---\\nA rule.\\n")
print(gitops.commit_or_queue(ws, "PROJ-001", [rule], "nevo: PROJ-001 x", write=write, meta={"rule": "PROJ-001"}))
"""
# Every point where a kill leaves something different behind, in the order a commit passes them.
STEPS = ["intent", "written", "build", "commit-tree", "stage", "locked", "update-ref", "publish", "unlock", "committed"]


def _user_work(root: Path) -> None:
    """What a user has going on: a staged file, a staged edit, an unstaged edit, an untracked file."""
    (root / "staged.txt").write_text("staged\n")
    (root / "README.md").write_text("# project, staged edit\n")
    git(root, "add", "staged.txt", "README.md")
    (root / "README.md").write_text("# project, staged edit, then more unstaged\n")
    (root / "notes.txt").write_text("untracked\n")
    _ignore_nevo(root)


def _ignore_nevo(root: Path) -> None:
    # nevo's runtime files (.nevo/locks, the queue) are ignored in an installed workspace by .nevo/.gitignore.
    (root / ".git" / "info" / "exclude").write_text(".nevo/\n")


def _paused(root: Path, step: str, pause: Path, script: str = COMMIT_A_RULE) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEVO_TEST_GIT_PAUSE": f"{step}:{pause}"}
    process = subprocess.Popen([sys.executable, "-c", script, str(root)], env=env)
    deadline = time.monotonic() + 60
    while not (pause / f"reached-{step}").exists():
        assert process.poll() is None, f"the commit ended before reaching {step}"
        assert time.monotonic() < deadline, f"the commit never reached {step}"
        time.sleep(0.01)
    return process


@pytest.mark.parametrize("step", STEPS)
def test_a_commit_killed_at_any_step_is_finished_by_the_next_run(
    git_workspace: Workspace, tmp_path: Path, step: str
) -> None:
    root = git_workspace.root
    _user_work(root)
    staged_before = git(root, "diff", "--cached")
    index_before = (root / ".git" / "index").read_bytes()
    head_before = git(root, "rev-parse", "HEAD").strip()
    pause = tmp_path / "pause"
    pause.mkdir()

    process = _paused(root, step, pause)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    # At the kill point: the user's index is the file it was, or (once nevo put the new one in place) it
    # agrees with the new HEAD for nevo's path only: their staged work is exactly as it was.
    index_now = (root / ".git" / "index").read_bytes()
    if index_now != index_before:
        assert step == "unlock" or step == "committed"
        assert git(root, "diff", "--cached") == staged_before
    if step in ("publish", "unlock"):
        # The branch moved before the kill: the lock nevo held stops any git command from committing the
        # half state (the rule as a staged deletion) until the next nevo run finishes it.
        assert (root / ".git" / "index.lock").exists()

    finished = gitops.finish_pending(git_workspace)  # the next run

    rule = ".claude/rules/PROJ-001-x.md"
    commits = git(root, "log", "--format=%H", "--", rule).split()
    if step == "intent":  # killed before the file was written: nothing to commit, the intent is dropped
        assert commits == [] and [f.state for f in finished] == ["abandoned"]
        assert git(root, "rev-parse", "HEAD").strip() == head_before
    else:
        assert len(commits) == 1, f"the rule must be committed exactly once, got {commits}"
        assert git(root, "show", "--name-only", "--format=", commits[0]).split() == [rule]
        assert git(root, "rev-parse", f"{commits[0]}^").strip() == head_before
    assert git(root, "diff", "--cached") == staged_before
    status = git(root, "status", "--porcelain")
    assert status.splitlines() == ["MM README.md", "A  staged.txt", "?? notes.txt"], status
    assert not list((root / ".git").glob("nevo-index-*")) and not (root / ".git" / "index.lock").exists()
    assert commit_queue.read(commit_queue.queue_path(git_workspace)) == []
    assert gitops.finish_pending(git_workspace) == []  # idempotent: nothing left


@pytest.mark.parametrize("step", ["build", "stage"])
def test_a_user_commit_racing_nevo_is_kept_and_the_rule_is_committed_on_top(
    git_workspace: Workspace, tmp_path: Path, step: str
) -> None:
    root = git_workspace.root
    _ignore_nevo(root)
    pause = tmp_path / "pause"
    pause.mkdir()
    process = _paused(root, step, pause)
    # nevo has read HEAD (and, at "stage", built its commit on it): the user commits now.
    (root / "mine.txt").write_text("mine\n")
    git(root, "add", "mine.txt")
    git(root, "commit", "-qm", "the user's commit")
    users = git(root, "rev-parse", "HEAD").strip()
    (pause / f"go-{step}").touch()
    process.wait(timeout=60)
    assert process.returncode == 0
    assert git(root, "rev-parse", "HEAD^").strip() == users  # the rule is on top: the user's commit stays
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [".claude/rules/PROJ-001-x.md"]
    assert git(root, "status", "--porcelain") == ""
    assert commit_queue.read(commit_queue.queue_path(git_workspace)) == []


def test_a_stale_temporary_index_of_a_dead_process_is_removed(git_workspace: Workspace) -> None:
    root = git_workspace.root
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = root / ".git" / f"nevo-index-{dead.pid}-abcdef"
    stale.write_bytes(b"junk")
    live = root / ".git" / f"nevo-index-{os.getpid()}-abcdef"
    live.write_bytes(b"junk")  # this process is alive: its file may be in use
    assert any("nevo-index" in line for line in gitops.interrupted(root))
    gitops.recover(root)
    assert not stale.exists() and live.exists()


def test_a_lock_held_by_git_itself_is_never_taken_for_nevo_s(git_workspace: Workspace) -> None:
    root = git_workspace.root
    lock = root / ".git" / "index.lock"
    lock.write_bytes(b"DIRC")  # what git writes there: an index in the making, no marker
    assert gitops.recover(root) == [] and lock.exists()
    assert gitops.interrupted(root) == []


def test_a_commit_that_waits_for_a_merge_is_in_the_queue_and_done_afterwards(git_workspace: Workspace) -> None:
    root = git_workspace.root
    _ignore_nevo(root)
    (root / ".git" / "MERGE_HEAD").write_text(git(root, "rev-parse", "HEAD"))
    rule = git_workspace.rules_dir / "PROJ-001-x.md"
    done = gitops.commit_or_queue(
        git_workspace, "PROJ-001", [rule], "nevo: PROJ-001", write=lambda: _write(rule, "A rule.\n")
    )
    assert done.state == "pending" and "merge" in done.reason
    [entry] = commit_queue.read(commit_queue.queue_path(git_workspace))
    assert entry["state"] == "waiting" and entry["paths"] == [".claude/rules/PROJ-001-x.md"]
    assert gitops.finish_pending(git_workspace)[0].state == "pending"  # still mid-merge
    (root / ".git" / "MERGE_HEAD").unlink()
    [finished] = gitops.finish_pending(git_workspace)
    assert finished.state == "committed" and not finished.interrupted
    assert git(root, "status", "--porcelain") == ""


def test_a_planted_queue_entry_cannot_make_nevo_commit_or_remove_outside_the_workspace(
    git_workspace: Workspace, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    queue = git_workspace.nevo_dir / "pending-rules.json"
    queue.parent.mkdir(parents=True, exist_ok=True)
    entries = [
        {"id": "a", "paths": ["../outside.txt"], "message": "m", "state": "intent", "recover": "remove"},
        {"id": "b", "paths": [str(outside)], "message": "m", "state": "intent", "recover": "remove"},
        {"id": "c", "paths": ["--exec=x"], "message": "m"},
    ]
    queue.write_text(json.dumps(entries))
    assert gitops.finish_pending(git_workspace) == []
    assert outside.read_text() == "keep me\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_an_analysis_killed_after_writing_its_rule_is_committed_next_run_never_called_a_duplicate(
    installed: Workspace, tmp_path: Path
) -> None:
    from nevo import analyst
    from nevo.db import open_database
    from tests.test_analyst import NPM_ERROR, record

    root = installed.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    incident = record(installed, "npm run build", NPM_ERROR, recovery="npm --prefix web run build")
    pause = tmp_path / "pause"
    pause.mkdir()
    script = "import sys; from nevo.cli import main; sys.exit(main(['analyze', '--workspace', sys.argv[1]]))"
    process = _paused(root, "written", pause, script)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    [written] = installed.rules_dir.glob("PROJ-001-*.md")  # on disk, not committed
    assert git(root, "log", "--format=%H", "--", str(written)) == ""

    report = analyst.analyze_ready(installed)  # the next run

    assert report.pending_committed == ["PROJ-001"]
    assert report.outcomes == []  # the incident is not analysed again (it would match its own rule)
    assert len(git(root, "log", "--format=%H", "--", str(written)).split()) == 1
    assert [p.name for p in installed.rules_dir.glob("PROJ-*.md")] == [written.name]
    with open_database(installed) as db:
        rows = db.query("SELECT verdict FROM analyses WHERE incident_id = ?", (incident,))
        verdicts = [row["verdict"] for row in rows]
        status = db.scalar("SELECT status FROM incidents WHERE id = ?", (incident,))
    assert verdicts == ["committed"] and status == "analysed"
    assert git(root, "status", "--porcelain", "--", ".claude/rules") == ""


@pytest.mark.parametrize("step", ["written", "publish"])
def test_status_and_doctor_show_what_a_killed_commit_left(git_workspace: Workspace, tmp_path: Path, step: str) -> None:
    from nevo.doctor import run_checks
    from nevo.status import gather

    root = git_workspace.root
    pause = tmp_path / "pause"
    pause.mkdir()
    process = _paused(root, step, pause)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    waiting = gather(git_workspace)["rules_waiting"]
    reasons = " ".join(w["reason"] for w in waiting)
    assert "PROJ-001" in [w["id"] for w in waiting] and "interrupted" in reasons
    if step == "publish":
        assert "index.lock is held by a nevo process that died" in reasons
    [check] = [c for c in run_checks(git_workspace, claude_binary="true") if c.name == "commits"]
    assert not check.ok and "nevo analyze" in (check.fix or "")

    gitops.finish_pending(git_workspace)
    assert "rules_waiting" not in gather(git_workspace)
    assert next(c for c in run_checks(git_workspace, claude_binary="true") if c.name == "commits").ok
