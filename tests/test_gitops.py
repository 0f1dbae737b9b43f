"""nevo's commits, against real git repositories: only nevo's files, the user's staged work untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nevo import gitops
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


def test_a_collision_from_another_clone_is_flagged_and_renumbered(
    git_workspace: Workspace, tmp_path: Path
) -> None:
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
