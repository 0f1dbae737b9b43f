"""Git, through GitPython, in one module: nevo's commits of rules and skills.

A rule is one commit containing only its own files, whatever else the user has staged or modified.
The commit is built in a temporary index (``GIT_INDEX_FILE``) seeded from HEAD, written with
``commit-tree`` and moved onto the branch with a compare-and-swap ``update-ref``; the user's real
index is only touched for nevo's own paths (reset to the new HEAD), so their staged work stays staged
and out of the commit. ``commit-tree`` does not run the user's commit hooks: nevo's commits are
mechanical and already gated. Mid-merge, rebase, cherry-pick or revert, nothing is committed
(:class:`GitBusy`): the caller keeps the rule waiting.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import git

from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text

NEVO_IDENTITY = ("nevo", "nevo@localhost")
_BUSY_MARKERS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)


class GitBusy(NevoError):
    """The repository is mid-merge/rebase/cherry-pick/revert: nevo does not commit now."""


class NotAGitRepo(NevoError):
    """The workspace is not inside a git repository."""


def _repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise NotAGitRepo(
            f"{root} is not in a git repository", "run `git init` so rules can be committed"
        ) from exc


def is_git_repo(root: Path) -> bool:
    try:
        _repo(root)
    except NotAGitRepo:
        return False
    return True


def repo_busy(root: Path) -> str | None:
    """What the repository is in the middle of ("a merge", "a rebase", ...), or None."""
    repo = _repo(root)
    git_dir = Path(repo.git_dir)
    for marker, what in _BUSY_MARKERS:
        if (git_dir / marker).exists():
            return what
    return None


def _identity_env(repo: git.Repo) -> dict[str, str]:
    """A nevo identity for whichever of author/committer the user has not configured."""
    env: dict[str, str] = {}
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default="") or os.environ.get("GIT_AUTHOR_NAME", "")
    email = reader.get_value("user", "email", default="") or os.environ.get("GIT_AUTHOR_EMAIL", "")
    if not name:
        env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = NEVO_IDENTITY[0]
    if not email:
        env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = NEVO_IDENTITY[1]
    return env


def commit_files(root: Path, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (added, changed or deleted in the working tree) with ``message``; returns
    the new commit's sha. Everything else (staged or not) is left as it was."""
    repo = _repo(root)
    busy = repo_busy(root)
    if busy:
        raise GitBusy(
            f"the repository is in the middle of {busy}; nevo will commit the rule afterwards",
            "finish it (or abort it); the next `nevo analyze` commits what is waiting",
        )
    top = Path(repo.working_tree_dir or root).resolve()
    rels = sorted(
        {str(Path(p).resolve().relative_to(top)) if Path(p).is_absolute() else str(p) for p in paths}
    )
    if not rels:
        raise NevoError("nothing to commit: no paths given")
    head = _head_sha(repo)
    fd, index_path = tempfile.mkstemp(prefix="nevo-index-", dir=repo.git_dir)
    os.close(fd)
    os.unlink(index_path)  # git wants to create the index itself
    env = {"GIT_INDEX_FILE": index_path, **_identity_env(repo)}
    try:
        if head:
            repo.git.read_tree(head, env=env)
        else:
            repo.git.read_tree("--empty", env=env)
        # -f: nevo names these paths on purpose (a user's ignore pattern must not drop a rule).
        repo.git.add("-A", "-f", "--", *rels, env=env)
        tree = repo.git.write_tree(env=env)
        if head and tree == repo.git.rev_parse(f"{head}^{{tree}}"):
            raise NevoError(f"nothing to commit: {', '.join(rels)} already match HEAD")
        parents = ["-p", head] if head else []
        sha = repo.git.commit_tree(tree, *parents, "-m", message, env=env)
        branch_ref = _branch_ref(repo)
        if head:
            repo.git.update_ref("-m", "nevo: commit", branch_ref, sha, head)
        else:
            repo.git.update_ref("-m", "nevo: commit", branch_ref, sha, "0" * 40)
    except git.GitCommandError as exc:
        raise NevoError(
            f"git failed while committing {', '.join(rels)}: {exc.stderr.strip() or exc}",
            "check `git status`; the files are written and the next `nevo analyze` can commit them",
        ) from exc
    finally:
        Path(index_path).unlink(missing_ok=True)
        Path(index_path + ".lock").unlink(missing_ok=True)
    _sync_user_index(repo, str(sha), rels)
    return str(sha)


def _sync_user_index(repo: git.Repo, sha: str, rels: list[str], attempts: int = 10) -> None:
    """Make the user's index agree with the new commit for nevo's paths only (else `git status` would show
    the rule as a staged deletion). Another git command may hold the index lock for a moment: retry."""
    for attempt in range(attempts):
        try:
            repo.git.reset("-q", sha, "--", *rels)
            return
        except git.GitCommandError as exc:
            if "index.lock" not in str(exc.stderr) or attempt == attempts - 1:
                raise NevoError(
                    f"committed {sha[:10]}, but the index could not be updated: {exc.stderr.strip()}",
                    f"run `git reset -q -- {' '.join(rels)}` so the index matches the commit",
                ) from exc
            time.sleep(0.2)


def _head_sha(repo: git.Repo) -> str | None:
    try:
        return str(repo.git.rev_parse("--verify", "-q", "HEAD"))
    except git.GitCommandError:
        return None


def _branch_ref(repo: git.Repo) -> str:
    """The ref HEAD points at (``refs/heads/main``), or ``HEAD`` when detached."""
    try:
        return str(repo.git.symbolic_ref("-q", "HEAD"))
    except git.GitCommandError:
        return "HEAD"


def names_in_refs(root: Path, folders: Iterable[str], pattern: str) -> set[str]:
    """File names matching ``pattern`` that were ever under ``folders`` in the history of any ref (local
    and remote-tracking branches, tags): a number taken on another branch, or taken and then reverted,
    is never handed out again here. One ``git log --all`` whatever the number of refs."""
    try:
        repo = _repo(root)
    except NotAGitRepo:
        return set()
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top) if root.resolve() != top else Path()
    pathspecs = [(prefix / folder).as_posix() for folder in folders]
    try:
        listing = repo.git.log("--all", "--name-only", "--no-renames", "--format=", "--", *pathspecs)
    except git.GitCommandError:
        return set()  # no commit yet: no history to take numbers from
    regex = re.compile(pattern)
    return {name for line in listing.splitlines() if line and regex.search(name := line.rsplit("/", 1)[-1])}


def last_commit_touching(root: Path, path: Path) -> str | None:
    """The sha of the last commit that changed ``path`` (None when never committed)."""
    repo = _repo(root)
    try:
        out = repo.git.log("-1", "--format=%H", "--", str(path))
    except git.GitCommandError:
        return None
    return out.strip() or None


# -- commits that wait for the repository -----------------------------------------------------------


def read_queue(queue: Path) -> list[dict[str, Any]]:
    """The commits waiting in ``queue`` (a JSON list of {id, paths, message, reason})."""
    if not queue.is_file():
        return []
    try:
        data = json.loads(queue.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NevoError(
            f"{queue} is unreadable: {exc}", "delete it; the files themselves are in place"
        ) from exc
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def queue_commit(queue: Path, root: Path, key: str, paths: list[Path], message: str) -> None:
    """Remember to commit ``paths`` with ``message`` once the repository is no longer busy."""
    entries = [e for e in read_queue(queue) if e.get("id") != key]
    rels = [str(p.resolve().relative_to(root.resolve())) if p.is_absolute() else str(p) for p in paths]
    entries.append(
        {
            "id": key,
            "paths": rels,
            "message": message,
            "reason": "the repository was busy (merge, rebase, cherry-pick or revert)",
        }
    )
    atomic_write_text(queue, json.dumps(entries, indent=2) + "\n")


def commit_queued(root: Path, queue: Path) -> list[str]:
    """Commit what waited in ``queue`` (nothing while the repository is still busy); returns the keys done."""
    entries = read_queue(queue)
    if not entries or not is_git_repo(root) or repo_busy(root):
        return []
    done: list[str] = []
    left: list[dict[str, Any]] = []
    for entry in entries:
        key = str(entry.get("id") or entry.get("rule_id"))
        try:
            commit_files(root, [root / p for p in entry.get("paths", [])], str(entry.get("message") or key))
        except NevoError as exc:
            if not exc.message.startswith("nothing to commit"):  # else: committed by hand meanwhile
                left.append(entry)
                continue
        done.append(key)
    if left:
        atomic_write_text(queue, json.dumps(left, indent=2) + "\n")
    else:
        queue.unlink(missing_ok=True)
    return done


# -- for `nevo demo` ---------------------------------------------------------------------------------------


def init_repository(root: Path) -> None:
    """``git init`` in ``root`` (a new project, such as the demo's)."""
    git.Repo.init(root)


def show(root: Path, rev: str = "HEAD") -> str:
    """``git show --stat --patch <rev>``: what a person reviews before keeping (or reverting) a rule."""
    return str(_repo(root).git.show("--stat", "--patch", rev))
