"""File writes that a reader (or a crash) never sees half-done, and reads that are bounded: only regular
files, never more than a limit, never blocked by a FIFO or drowned by ``/dev/zero``."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write to a temp file in the same folder, fsync, then rename over ``path``. Keeps the old file's
    permissions unless ``mode`` is given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None and path.exists():
        mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- bounded reads --------------------------------------------------------------------------------------


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket, a folder or (with ``follow=False``) a symlink: reading
    it could block forever or never end (``/dev/zero``), so nevo does not."""


def open_regular(path: Path, *, follow: bool = True) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file. ``O_NONBLOCK``: opening a FIFO does not wait
    for a writer; ``O_NOFOLLOW`` (``follow=False``): a symlink is refused, not followed. The type is checked
    on the open file (``fstat``), so it cannot be swapped between the check and the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise NotRegularFile(errno.ELOOP, "a symlink, not a regular file", str(path)) from exc
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})", str(path))
        os.set_blocking(fd, True)  # a regular file never blocks; plain reads from here on
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (see :func:`open_regular`). A file that is
    longer raises :class:`FileTooLarge`: a caller that can use a part reads the part itself."""
    with open_regular(path, follow=follow) as handle:
        # The size as of now (+1 to notice growth): a huge limit must not mean a huge buffer for a small file.
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(min(size, limit) + 1)
        if size < len(data) <= limit:  # it grew while being read: read on, still within the bound
            data += handle.read(limit + 1 - len(data))
    if len(data) > limit:
        raise FileTooLarge(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data


class FileTooLarge(OSError):
    """A file longer than nevo reads whole."""


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symlink"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def pid_alive(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` runs (and, when ``started`` is given, is the same process that recorded it:
    a pid is reused after its process dies)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return started is None or process_start(pid) in (None, started)


def process_start(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux ``/proc``), or None elsewhere."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None
