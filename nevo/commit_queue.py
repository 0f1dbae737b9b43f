"""The file of commits nevo owes the repository: ``.nevo/pending-rules.json``.

Each entry is one commit (rule or skill) with its paths and message. An entry is written *before* the
files it commits (state ``intent``, with the writing process's id), so a run killed after writing them
leaves a record that the next run finishes; an entry git could not take yet (a merge in progress, the
index held too long) waits in state ``waiting``. Reads and writes go through one lock, so two nevo
processes (the analyst, the skill forge) never lose each other's entries. :mod:`nevo.gitops` does the
committing; this module only keeps the list.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nevo import safepath
from nevo.errors import NevoError
from nevo.fsutil import FileTooLarge, NotRegularFile, atomic_write_text, pid_alive, process_start, read_bounded
from nevo.workspace import Workspace

MAX_QUEUE_BYTES = 4 * 1024 * 1024
RECOVER_MODES = ("commit", "remove")  # a dead writer's files: commit them, or remove them (the caller redoes)


def queue_path(workspace: Workspace) -> Path:
    """Commits waiting for the repository (`nevo status` and `nevo doctor` show them)."""
    return workspace.nevo_dir / "pending-rules.json"


def me() -> dict[str, Any]:
    """This process, as recorded in an intent (a pid alone is reused once its process is gone)."""
    return {"pid": os.getpid(), "start": process_start(os.getpid())}


def owner_alive(entry: dict[str, Any]) -> bool:
    owner = entry.get("owner")
    if not isinstance(owner, dict):
        return False
    pid = owner.get("pid")
    return isinstance(pid, int) and pid_alive(pid, owner.get("start"))


@contextmanager
def locked(workspace: Workspace) -> Iterator[None]:
    """The queue's lock (``.nevo/locks/commits.lock``), held only while the list is read and rewritten."""
    path = workspace.nevo_dir / "locks" / "commits.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read(queue: Path) -> list[dict[str, Any]]:
    """The entries in ``queue``, each checked: its paths relative and inside the workspace (a hand-edited
    or planted file must not make nevo commit or delete anything else). Bad entries are dropped."""
    try:
        data = json.loads(read_bounded(queue, MAX_QUEUE_BYTES, follow=False))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        kind = "not a regular file" if isinstance(exc, (NotRegularFile, FileTooLarge)) else "unreadable"
        raise NevoError(
            f"{queue} is {kind}: {exc}", "move it aside; the files it listed are in place (`git status` shows them)"
        ) from exc
    if not isinstance(data, list):
        return []
    return [entry for entry in (_checked(e) for e in data) if entry is not None]


def _checked(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("paths"), list):
        return None
    try:
        paths = [safepath.relative_path(p, "a queued path") for p in entry["paths"]]
    except safepath.UnsafePath:
        return None
    key = entry.get("id") or entry.get("rule_id")
    if not isinstance(key, str) or not key:
        return None
    recover = entry.get("recover", "commit")
    return {
        **entry,
        "id": key,
        "paths": paths,
        "message": str(entry.get("message") or key),
        "state": entry.get("state") if entry.get("state") in ("intent", "waiting") else "waiting",
        "recover": recover if recover in RECOVER_MODES else "commit",
        "meta": entry.get("meta") if isinstance(entry.get("meta"), dict) else {},
    }


def write(queue: Path, entries: list[dict[str, Any]]) -> None:
    if entries:
        atomic_write_text(queue, json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    else:
        queue.unlink(missing_ok=True)


def put(workspace: Workspace, entry: dict[str, Any]) -> None:
    """Add ``entry`` (replacing one with the same id)."""
    queue = queue_path(workspace)
    with locked(workspace):
        entries = [e for e in read(queue) if e["id"] != entry["id"]]
        write(queue, [*entries, entry])


def update(workspace: Workspace, key: str, **values: Any) -> None:
    queue = queue_path(workspace)
    with locked(workspace):
        write(queue, [({**e, **values} if e["id"] == key else e) for e in read(queue)])


def drop(workspace: Workspace, key: str) -> None:
    queue = queue_path(workspace)
    with locked(workspace):
        write(queue, [e for e in read(queue) if e["id"] != key])
