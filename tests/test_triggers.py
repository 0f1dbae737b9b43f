"""Reading triggers, temp files and transcripts: bounded, regular files only, every JSON shape clipped to fit,
and a full disk that loses no trigger. Real files, real FIFOs and devices, a real monitor in a subprocess
(a read that never ends must fail the test, not hang it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nevo.config import Config
from nevo.db import DiskFull, open_database
from nevo.monitor import Monitor
from nevo.transcript import read_transcript
from nevo.triggers import fit, read_payload
from nevo.workspace import Workspace
from tests.test_monitor import failure_payload, write_trigger

MONITOR_ONCE = """
import sys
from pathlib import Path
from nevo.monitor import process_pending
from nevo.workspace import Workspace
result = process_pending(Workspace(Path(sys.argv[1])))
print(result.processed, len(result.rejected), result.counted)
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "project")
    workspace.triggers_dir.mkdir(parents=True)
    return workspace


def monitor_once(ws: Workspace, timeout: float = 120) -> tuple[int, int, int]:
    """One monitor pass in its own process: a read that never ends fails here instead of hanging the suite."""
    done = subprocess.run(
        [sys.executable, "-c", MONITOR_ONCE, str(ws.root)], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    processed, rejected, counted = (int(n) for n in done.stdout.split())
    return processed, rejected, counted


def reasons(ws: Workspace) -> dict[str, str]:
    return {p.name[: -len(".reason")]: p.read_text() for p in ws.rejected_dir.glob("*.reason")}


# -- only regular files, never more than a bound ----------------------------------------------------------


def test_a_stop_trigger_whose_transcript_is_dev_zero_does_not_hold_back_its_batch(ws: Workspace) -> None:
    stop = {"session_id": "s1", "transcript_path": "/dev/zero", "cwd": "/w", "hook_event_name": "Stop"}
    write_trigger(ws, stop)
    write_trigger(ws, failure_payload("npm run build"))
    assert monitor_once(ws) == (2, 0, 1)  # both consumed, the failure counted: nothing waits for next time
    assert list(ws.triggers_dir.glob("*.json")) == []


def test_a_transcript_that_is_a_fifo_or_a_device_is_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "t.jsonl"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        transcript = read_transcript(path)  # returns at once: O_NONBLOCK open, then fstat
        assert transcript.calls == [] and "not a regular file" in transcript.error


def test_a_transcript_read_stops_at_its_bound_and_the_next_read_goes_on(tmp_path: Path) -> None:
    from nevo.transcript import iter_entries

    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"type": "user", "n": n}) + "\n" for n in range(100)))
    first = list(iter_entries(path, 0, max_bytes=500))
    assert 0 < len(first) < 100
    rest = list(iter_entries(path, first[-1][0]))
    assert [e["n"] for _, e in first + rest if e] == list(range(100))


def test_a_trigger_that_is_a_fifo_or_a_symlink_to_a_device_is_moved_aside_with_the_reason(ws: Workspace) -> None:
    os.mkfifo(ws.triggers_dir / "000000000001-1.json")
    (ws.triggers_dir / "000000000002-1.json").symlink_to("/dev/zero")
    write_trigger(ws, failure_payload("make"))
    assert monitor_once(ws) == (1, 2, 1)
    found = reasons(ws)
    assert "a FIFO" in found["000000000001-1.json"]
    assert "symlink" in found["000000000002-1.json"]
    assert monitor_once(ws) == (0, 0, 0)  # moved aside: never retried


def test_a_stale_temp_file_symlinked_to_dev_zero_is_moved_aside_unread(ws: Workspace) -> None:
    temp = ws.triggers_dir / ".tmp-000000000001-1"
    temp.symlink_to("/dev/zero")
    os.utime(temp, (0, 0), follow_symlinks=False)
    write_trigger(ws, failure_payload("make"))
    assert monitor_once(ws) == (1, 1, 1)
    assert "symlink" in next(iter(reasons(ws).values()))
    assert not os.path.lexists(temp)


def test_a_planted_symlink_trigger_is_not_followed(ws: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text(json.dumps(failure_payload("cat /etc/shadow")))
    (ws.triggers_dir / "000000000001-1.json").symlink_to(secret)
    assert monitor_once(ws) == (0, 1, 0)
    assert secret.exists()  # the link was moved aside; what it pointed at is untouched


# -- every JSON shape is clipped to max_payload_bytes -------------------------------------------------------

SHAPES: dict[str, Any] = {
    "a million numbers": {"tool_input": {"ids": list(range(1_000_000))}},
    "a wide object": {"tool_input": {f"k{n}": n for n in range(200_000)}},
    "many medium strings": {"tool_input": {"files": ["x" * 5_000 for _ in range(2_000)]}},
    "deep and wide": {"tool_input": {"a": [{"b": [list(range(300)) for _ in range(50)]} for _ in range(50)]}},
    "one huge string": {"tool_input": {"content": "y" * 5_000_000}},
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_huge_payload_of_any_shape_is_stored_within_max_payload_bytes(ws: Workspace, shape: str) -> None:
    payload = failure_payload("process", tool="mcp__x__y") | SHAPES[shape]
    path = write_trigger(ws, payload)
    limit = 64 * 1024
    parsed = read_payload(path, limit)
    assert len(json.dumps(parsed, ensure_ascii=False).encode()) <= limit
    assert parsed["tool_name"] == "mcp__x__y" and parsed["error"] == payload["error"]
    assert "cut by nevo" in json.dumps(parsed)  # says what was cut
    config = Config()
    config.data["monitor"]["max_payload_bytes"] = limit
    with open_database(ws) as db:
        result = Monitor(ws, db, config).process_pending()
        assert result.counted == 1
        stored = db.scalar("SELECT sample FROM incidents")
    assert len(stored.encode()) <= limit


def test_fit_keeps_a_small_payload_as_it_is() -> None:
    payload = {"tool_input": {"command": "ls", "n": [1, 2.5, None, True]}, "error": "é"}
    assert fit(payload, 1024) == payload


def test_a_lone_surrogate_is_counted_not_rejected(ws: Workspace) -> None:
    text = json.dumps(failure_payload("make")).replace('"make"', '"make \\ud800 all"')
    write_trigger(ws, text)
    with open_database(ws) as db:
        result = Monitor(ws, db, Config()).process_pending()
        assert (result.counted, result.rejected) == (1, [])
        assert "make \ufffd all" in db.scalar("SELECT sample FROM incidents")


# -- a full disk --------------------------------------------------------------------------------------------


def test_a_full_database_keeps_every_trigger_and_says_so(ws: Workspace) -> None:
    for n in range(30):
        write_trigger(ws, failure_payload(f"make t{n}", "Exit code 2\n" + "make: *** No rule. " * 200))
    with open_database(ws) as db:
        db.execute(f"PRAGMA max_page_count = {db.scalar('PRAGMA page_count')}")  # SQLite's own SQLITE_FULL
        with pytest.raises(DiskFull, match="disk is full"):
            Monitor(ws, db, Config()).process_pending()
    assert len(list(ws.triggers_dir.glob("*.json"))) == 30  # nothing deleted: the batch rolled back
    assert monitor_once(ws) == (30, 0, 30)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A real 4 MB file system (tmpfs), where the kernel itself says ENOSPC. Needs root (CI runs as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    # Unbuffered: a buffered file whose last flush failed raises ENOSPC again when it is closed.
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass  # ENOSPC: the disk is full now, which is the point
    return filler


def test_a_real_full_disk_exits_1_with_a_message_and_keeps_every_trigger(small_disk: Path) -> None:
    from nevo.cli import main

    ws = Workspace(small_disk / "project")
    ws.triggers_dir.mkdir(parents=True)
    with open_database(ws):
        pass  # the database exists, empty
    for n in range(40):
        write_trigger(ws, failure_payload(f"make t{n}", "Exit code 2\n" + f"make: *** No rule {n}. " * 300))
    filler = _fill(small_disk)
    started = time.monotonic()
    code = main(["monitor", "--once", "-w", str(ws.root)])
    assert code == 1, "a full disk is a known condition (exit 1), not a crash (exit 3)"
    assert time.monotonic() - started < 120
    assert len(list(ws.triggers_dir.glob("*.json"))) == 40
    filler.unlink()
    assert main(["monitor", "--once", "-w", str(ws.root)]) == 0
    assert list(ws.triggers_dir.glob("*.json")) == []
    with open_database(ws) as db:
        assert db.scalar("SELECT SUM(count) FROM incidents") == 40


def test_doctor_repair_on_a_full_disk_keeps_a_healthy_database(small_disk: Path) -> None:
    from nevo.db import repair

    ws = Workspace(small_disk / "project")
    with open_database(ws) as db, db.transaction():
        db.execute("INSERT INTO meta (key, value) VALUES ('keep', 'me')")
    filler = _fill(small_disk)
    try:
        moved = repair(ws, "x")
    except Exception as exc:  # cannot check it now: a clear error, and the database stays
        assert "left as it is" in str(exc) or "disk is full" in str(exc)
        moved = None
    assert moved is None and ws.db_path.exists()
    filler.unlink()
    with open_database(ws) as db:
        assert db.scalar("SELECT value FROM meta WHERE key = 'keep'") == "me"


def test_read_bounded_reads_regular_files_only_and_never_past_its_limit(tmp_path: Path) -> None:
    from nevo.fsutil import FileTooLarge, NotRegularFile, read_bounded

    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100
    with pytest.raises(FileTooLarge):
        read_bounded(path, 99)
    link = tmp_path / "link"
    link.symlink_to(path)
    assert read_bounded(link, 100) == b"x" * 100  # followed by default (a transcript under a linked ~/.claude)
    with pytest.raises(NotRegularFile, match="symlink"):
        read_bounded(link, 100, follow=False)  # nevo's own files: never through a link
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for special in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(NotRegularFile):
            read_bounded(special, 100)
