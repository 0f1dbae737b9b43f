"""Git, through GitPython, in one module: nevo's commits of rules and skills.

A rule is one commit containing only its own files, whatever else the user has staged or modified.
The commit is built in a temporary index (``GIT_INDEX_FILE``) seeded from HEAD and written with
``commit-tree``; ``commit-tree`` does not run the user's commit hooks (nevo's commits are mechanical and
already gated). Mid-merge, rebase, cherry-pick or revert, nothing is committed (:class:`GitBusy`).

Publishing it is the delicate part: the branch must move and the user's index must learn nevo's paths
(else ``git status`` shows the rule as a staged deletion, which the user's next commit would apply). The
two cannot change at once, so nevo does what git does: it takes the user's ``index.lock`` (waiting while
another git command holds it), writes the user's next index beside it (their index with nevo's paths
reset to the new commit), moves the branch with a compare-and-swap ``update-ref``, then renames the new
index into place and drops the lock. A kill at any point leaves the user's index file untouched or
fully updated; between the branch moving and the rename the lock stays held (no git command can commit
the half state) and says, in JSON, what it was doing, so the next nevo run finishes or undoes it
(:func:`recover`). A user commit between nevo reading HEAD and moving the branch fails the
compare-and-swap: nevo builds the commit again on the new HEAD.

The commit queue (:func:`commit_or_queue`, :func:`finish_pending`) makes the whole "write the files,
commit them" idempotent: an intent is recorded before the files are written, so a run killed at any
step is finished by the next one, and a commit git could not take now (a merge in progress) waits there.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from nevo import commit_queue, safepath
from nevo.errors import NevoError
from nevo.fsutil import pid_alive, process_start
from nevo.workspace import Workspace

NEVO_IDENTITY = ("nevo", "nevo@localhost")
_BUSY_MARKERS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)
TEMP_INDEX_PREFIX = "nevo-index-"
LOCK_WAIT_SECONDS = 10.0  # how long nevo waits for another git command to release the index
RACE_ATTEMPTS = 8  # a user commit landing while nevo commits: build again on the new HEAD this often
_TEMP_INDEX = re.compile(rf"^{TEMP_INDEX_PREFIX}(\d+)-[0-9a-f]+(?:\.lock)?$")


class GitBusy(NevoError):
    """The repository is mid-merge/rebase/cherry-pick/revert, or its index stays locked: not now."""


class NotAGitRepo(NevoError):
    """The workspace is not inside a git repository (or only in a bare one, which has no working tree)."""


class _Raced(Exception):
    """HEAD or the user's index changed while nevo was committing: build the commit again."""


def _repo(root: Path) -> git.Repo:
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise NotAGitRepo(f"{root} is not in a git repository", "run `git init` so rules can be committed") from exc
    if repo.bare or repo.working_tree_dir is None:
        raise NotAGitRepo(
            f"{root} is a bare git repository: it has no working tree for rules to live in",
            "run nevo in a clone with a working tree (`git clone` it)",
        )
    return repo


def is_git_repo(root: Path) -> bool:
    try:
        _repo(root)
    except NotAGitRepo:
        return False
    return True


def is_bare_repo(root: Path) -> bool:
    """Whether ``root`` is (inside) a bare repository."""
    try:
        return bool(git.Repo(root, search_parent_directories=True).bare)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return False


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


def _step(name: str) -> None:
    """A seam for the crash tests only: ``NEVO_TEST_GIT_PAUSE=<step>:<folder>`` makes a commit announce
    ``<folder>/reached-<step>`` and wait (at most two minutes) for ``<folder>/go-<step>``, so a test can
    kill -9 the process exactly there, or commit in between. Unset, it costs one dictionary lookup."""
    spec = os.environ.get("NEVO_TEST_GIT_PAUSE")
    if not spec or spec.partition(":")[0] != name:
        return
    folder = Path(spec.partition(":")[2])
    (folder / f"reached-{name}").touch()
    deadline = time.monotonic() + 120
    while not (folder / f"go-{name}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)


# -- one commit ---------------------------------------------------------------------------------------


def commit_files(root: Path, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (added, changed or deleted in the working tree) with ``message``; returns
    the new commit's sha. Everything else (staged or not) is left as it was. Raises NevoError "nothing to
    commit" when the paths already match HEAD."""
    sha = _commit(root, paths, message)
    if sha is None:
        rels = ", ".join(str(p) for p in paths)
        raise NevoError(f"nothing to commit: {rels} already match HEAD")
    return sha


def _commit(root: Path, paths: Iterable[Path | str], message: str) -> str | None:
    """The commit's sha, or None when there was nothing to commit (the paths already match HEAD)."""
    repo = _repo(root)
    busy = repo_busy(root)
    if busy:
        raise GitBusy(
            f"the repository is in the middle of {busy}; nevo will commit afterwards",
            "finish it (or abort it); the next `nevo analyze` commits what is waiting",
        )
    top = Path(repo.working_tree_dir or root).resolve()
    rels = sorted({_relative(top, root, p) for p in paths})
    if not rels:
        raise NevoError("nothing to commit: no paths given")
    recover(root)
    for _ in range(RACE_ATTEMPTS):
        try:
            return _commit_once(repo, top, rels, message)
        except _Raced:
            time.sleep(0.05)
    raise GitBusy(
        f"HEAD kept moving while nevo committed {', '.join(rels)}",
        "nevo commits it at its next run; `nevo status` shows it waiting",
    )


def _relative(top: Path, root: Path, path: Path | str) -> str:
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else root / candidate
    # The folder is resolved, not the file: a symlinked rule is committed as the link it is.
    resolved = absolute.parent.resolve() / absolute.name
    try:
        return resolved.relative_to(top).as_posix()
    except ValueError as exc:
        raise NevoError(f"{path} is outside the repository {top}; nevo commits only its own files") from exc


def _commit_once(repo: git.Repo, top: Path, rels: list[str], message: str) -> str | None:
    head = _head_sha(repo)
    ref = _branch_ref(repo)
    index = _index_path(repo, top)
    sha = _build_commit(repo, index.parent, head, rels, message)
    if sha is None:
        return None
    before = _read_or_none(index)
    staged = _temp_path(index.parent)
    try:
        _step("stage")
        if before is not None:
            staged.write_bytes(before)
        # The user's next index: theirs, with nevo's paths (only) as in the new commit.
        repo.git.reset("-q", sha, "--", *rels, env={"GIT_INDEX_FILE": str(staged)})
        marker: dict[str, Any] = {"nevo": 1, "pid": os.getpid(), "start": process_start(os.getpid())}
        marker |= {"ref": ref, "sha": sha, "head": head, "staged": staged.name, "paths": rels}
        with _index_lock(index, marker):
            if _read_or_none(index) != before:
                raise _Raced("the user's index changed")
            _step("update-ref")
            _update_ref(repo, ref, sha, head)
            _step("publish")
            if staged.exists():
                os.replace(staged, index)
            _step("unlock")
    finally:
        staged.unlink(missing_ok=True)
        Path(f"{staged}.lock").unlink(missing_ok=True)
    return sha


def _build_commit(repo: git.Repo, folder: Path, head: str | None, rels: list[str], message: str) -> str | None:
    """The commit of HEAD + ``rels`` as in the working tree, built in a temporary index (None: no change)."""
    temp = _temp_path(folder)
    env = {"GIT_INDEX_FILE": str(temp), **_identity_env(repo)}
    try:
        _step("build")
        repo.git.read_tree(*([head] if head else ["--empty"]), env=env)
        # Out of the temp index first (a deleted or moved file), then back in as the working tree has it;
        # -f: nevo names these paths on purpose (a user's ignore pattern must not drop a rule).
        repo.git.rm("--cached", "-r", "-q", "--ignore-unmatch", "--", *rels, env=env)
        present = [rel for rel in rels if os.path.lexists(Path(repo.working_tree_dir or ".") / rel)]
        if present:
            repo.git.add("-A", "-f", "--", *present, env=env)
        tree = repo.git.write_tree(env=env)
        if head and tree == repo.git.rev_parse(f"{head}^{{tree}}"):
            return None
        if not head and not present:
            return None
        _step("commit-tree")
        parents = ["-p", head] if head else []
        return str(repo.git.commit_tree(tree, *parents, "-m", message, env=env))
    except git.GitCommandError as exc:
        raise NevoError(
            f"git failed while committing {', '.join(rels)}: {_stderr(exc)}",
            "check `git status`; the files are written and the next `nevo analyze` commits them",
        ) from exc
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.lock").unlink(missing_ok=True)


def _update_ref(repo: git.Repo, ref: str, sha: str, head: str | None) -> None:
    try:
        repo.git.update_ref("-m", "nevo: commit", ref, sha, head or "0" * 40)
    except git.GitCommandError as exc:
        stderr = _stderr(exc)
        if "but expected" in stderr or "already exists" in stderr or ".lock" in stderr:
            raise _Raced(stderr) from exc  # a user commit won the race (or holds the ref for a moment)
        raise NevoError(f"git could not move {ref} to nevo's commit: {stderr}", "check `git status`") from exc


@contextmanager
def _index_lock(index: Path, marker: dict[str, Any]) -> Iterator[None]:
    """Hold the user's ``index.lock`` the way git does (created only if absent). It is born holding
    ``marker`` (a hard link of a file already written), so a nevo run killed while holding it is always
    recognised and finished by :func:`recover`, never taken for git's own lock."""
    lock, note = Path(f"{index}.lock"), _temp_path(index.parent)
    note.write_text(json.dumps(marker) + "\n", encoding="utf-8")
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    try:
        while True:
            try:
                _create_lock(note, lock)
                break
            except FileExistsError:
                if _recover_lock(index):
                    continue
                if time.monotonic() > deadline:
                    raise GitBusy(
                        f"another git command has held {lock} for {LOCK_WAIT_SECONDS:.0f} s",
                        "nevo commits at its next run; if no git command is running, delete that file",
                    ) from None
                time.sleep(0.05)
    finally:
        note.unlink(missing_ok=True)
    try:
        _step("locked")
        yield
    finally:
        lock.unlink(missing_ok=True)


def _create_lock(note: Path, lock: Path) -> None:
    try:
        os.link(note, lock)  # atomic: the lock never exists without its marker
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: create, then write (a kill between leaves it empty)
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(note.read_bytes())


# -- what a killed run left behind -----------------------------------------------------------------


def recover(root: Path, *, dry_run: bool = False) -> list[str]:
    """Finish or undo what a nevo process killed mid-commit left in the repository: its held index lock
    (the branch moved: put the prepared index in place; it did not: drop it) and its temporary index files.
    Returns what it found; ``dry_run`` (`nevo status`, `nevo doctor`) changes nothing. Anything a live
    process (or git itself) holds is left alone."""
    try:
        repo = _repo(root)
    except NotAGitRepo:
        return []
    index = _index_path(repo, Path(repo.working_tree_dir or root))
    found = []
    marker = _read_marker(Path(f"{index}.lock"))
    if marker is not None and not pid_alive(int(marker.get("pid") or 0), marker.get("start")):
        found.append(f"{index}.lock is held by a nevo process that died mid-commit")
        if not dry_run:
            _recover_lock(index)
    for path in index.parent.glob(f"{TEMP_INDEX_PREFIX}*"):
        match = _TEMP_INDEX.match(path.name)
        if match and not pid_alive(int(match.group(1))) and path.exists():
            found.append(f"{path.name} is a temporary index left by a killed nevo")
            if not dry_run:
                path.unlink(missing_ok=True)
    return found


def interrupted(root: Path) -> list[str]:
    """What a killed nevo left in the repository, without changing anything."""
    return recover(root, dry_run=True)


def _recover_lock(index: Path) -> bool:
    """True when ``index.lock`` was nevo's, its process is dead, and it has been finished or undone."""
    lock = Path(f"{index}.lock")
    marker = _read_marker(lock)
    if marker is None or pid_alive(int(marker.get("pid") or 0), marker.get("start")):
        return False
    staged_name = str(marker.get("staged") or "")
    staged = index.parent / staged_name if _TEMP_INDEX.match(staged_name) else None
    repo = git.Repo(index.parent, search_parent_directories=True)
    try:
        current = str(repo.git.rev_parse("--verify", "-q", str(marker.get("ref") or "HEAD")))
    except git.GitCommandError:
        current = ""
    if current and current == marker.get("sha") and staged is not None and staged.is_file():
        os.replace(staged, index)  # the branch moved: the user's index catches up, as it would have
    elif staged is not None:
        staged.unlink(missing_ok=True)  # the branch did not move: the user's index stays as it was
    lock.unlink(missing_ok=True)
    return True


def _read_marker(lock: Path) -> dict[str, Any] | None:
    try:
        with lock.open("rb") as handle:
            head = handle.read(64 * 1024)
        marker = json.loads(head)
    except (OSError, ValueError):
        return None  # absent, git's own lock (empty or an index being written), or unreadable: not ours
    return marker if isinstance(marker, dict) and marker.get("nevo") == 1 else None


def _index_path(repo: git.Repo, top: Path) -> Path:
    """The user's index (``.git/index``; a worktree's own under ``.git/worktrees/<name>/``)."""
    return (top / str(repo.git.rev_parse("--git-path", "index"))).resolve()


def _temp_path(folder: Path) -> Path:
    return folder / f"{TEMP_INDEX_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _stderr(exc: git.GitCommandError) -> str:
    return str(exc.stderr or exc).strip()


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


# -- history ------------------------------------------------------------------------------------------


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


# -- commit, or queue when git is busy ----------------------------------------------------------------


@dataclass(frozen=True)
class CommitResult:
    state: str  # committed | pending (waits in the queue) | written (not a repository: nothing to commit to)
    sha: str | None = None  # None with "committed": the paths already matched HEAD
    reason: str = ""


@dataclass(frozen=True)
class Finished:
    """What :func:`finish_pending` did with one queued commit."""

    key: str
    state: str  # committed | pending | written | removed (a dead writer's files undone) | abandoned (never written)
    sha: str | None
    reason: str
    meta: dict[str, Any]
    interrupted: bool  # its writer died mid-way (else it waited for a busy repository)


def commit_or_queue(
    workspace: Workspace,
    key: str,
    paths: list[Path],
    message: str,
    *,
    write: Callable[[], object] | None = None,
    undo: Callable[[], object] | None = None,
    recover: str = "commit",
    meta: dict[str, Any] | None = None,
) -> CommitResult:
    """Write nevo's files (``write``) and commit exactly ``paths``, so that a kill at any step is finished
    by the next run (:func:`finish_pending`): an intent naming ``paths`` is recorded first, then the files
    are written, then committed, then the intent is dropped. ``recover`` says what the next run does with
    the files of a writer that died: ``commit`` them, or ``remove`` them (the caller redoes everything).

    When git cannot take the commit now (a merge in progress, the index held, git failing) it waits in the
    queue (``pending``), or, with ``undo``, the write is undone and the error raised: the caller retries
    the whole thing later. Outside a repository the files stay written (``written``)."""
    safepath.check_workspace(workspace)
    root = workspace.root
    rels = [_relative(root.resolve(), root, p) for p in paths]
    entry = {"id": key, "paths": rels, "message": message, "state": "intent", "owner": commit_queue.me()}
    entry |= {"recover": recover, "meta": meta or {}, "reason": "being written by a running nevo"}
    commit_queue.put(workspace, entry)
    _step("intent")
    try:
        if write is not None:
            write()
    except BaseException:
        commit_queue.update(workspace, key, owner=None)  # the next run recovers what was half-written
        raise
    _step("written")
    try:
        sha = _commit(root, [root / rel for rel in rels], message)
    except NevoError as exc:
        if undo is not None:
            undo()
            commit_queue.drop(workspace, key)
            raise
        if isinstance(exc, NotAGitRepo):
            commit_queue.drop(workspace, key)
            return CommitResult("written", None, exc.message)
        commit_queue.update(workspace, key, state="waiting", owner=None, reason=exc.message)
        return CommitResult("pending", None, exc.message)
    _step("committed")
    commit_queue.drop(workspace, key)
    return CommitResult("committed", sha, "" if sha else "already committed")


def finish_pending(workspace: Workspace) -> list[Finished]:
    """Commit what waits in the queue and finish what killed runs left (their index lock, their temporary
    indexes, their written-but-uncommitted files). Entries whose writer still runs are left to it."""
    root = workspace.root
    entries = commit_queue.read(commit_queue.queue_path(workspace))
    if not entries:
        recover(root)
        return []
    done: list[Finished] = []
    for entry in entries:
        if entry["state"] == "intent" and commit_queue.owner_alive(entry):
            continue
        done.append(_finish_one(workspace, entry))
    return done


def _finish_one(workspace: Workspace, entry: dict[str, Any]) -> Finished:
    root, key = workspace.root, entry["id"]
    interrupted = entry["state"] == "intent"
    paths = [root / rel for rel in entry["paths"]]

    def finished(state: str, sha: str | None = None, reason: str = "") -> Finished:
        return Finished(key, state, sha, reason, dict(entry["meta"]), interrupted)

    if interrupted and entry["recover"] == "remove" and not _tracked_in_head(root, entry["paths"]):
        for path in paths:
            _remove_written(root, path)
        commit_queue.drop(workspace, key)
        return finished("removed", reason="its writer died before committing; removed for a clean retry")
    try:
        sha = _commit(root, paths, entry["message"])
    except NotAGitRepo as exc:
        commit_queue.drop(workspace, key)
        return finished("written", reason=exc.message)
    except NevoError as exc:
        commit_queue.update(workspace, key, state="waiting", owner=None, reason=exc.message)
        return finished("pending", reason=exc.message)
    commit_queue.drop(workspace, key)
    if sha is None and not any(os.path.lexists(p) for p in paths) and not _tracked_in_head(root, entry["paths"]):
        return finished("abandoned", reason="its writer died before writing anything")
    return finished("committed", sha)


def _tracked_in_head(root: Path, rels: list[str]) -> bool:
    try:
        repo = _repo(root)
        return bool(repo.git.ls_tree("-r", "--name-only", "HEAD", "--", *rels).strip())
    except (NotAGitRepo, git.GitCommandError):
        return False


def _remove_written(root: Path, path: Path) -> None:
    """Remove a file or folder a killed nevo wrote (never through a symlink out of the workspace)."""
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return
    safepath.confine(root, path, "a queued path")
    shutil.rmtree(path)


# -- for `nevo demo` ---------------------------------------------------------------------------------------


def init_repository(root: Path) -> None:
    """``git init`` in ``root`` (a new project, such as the demo's)."""
    git.Repo.init(root)


def show(root: Path, rev: str = "HEAD") -> str:
    """``git show --stat --patch <rev>``: what a person reviews before keeping (or reverting) a rule."""
    return str(_repo(root).git.show("--stat", "--patch", rev))
