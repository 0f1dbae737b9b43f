"""The Stop hook's nudge: once per session, never in a loop, configurable, and the trigger still lands."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from nevo.config import load_config
from nevo.memory.nudge import render_stop_conf
from nevo.workspace import Workspace
from tests.support.claude import wait_for_renames
from tests.test_journal import TranscriptWriter


def run_stop(ws: Workspace, payload: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ws.hooks_dir / "stop")],
        input=json.dumps(payload, separators=(",", ":")),
        capture_output=True,
        text=True,
        timeout=10,
    )


def busy_transcript(path: Path, calls: int, recovered: bool = False) -> Path:
    w = TranscriptWriter(path)
    w.prompt("go")
    if recovered:
        w.bash("npm test", "npm: not found", exit_code=127)
        w.bash("pnpm test", "ok")
        calls -= 2
    for index in range(calls):
        w.bash(f"echo {index}")
    # Claude Code writes compact JSON; the hook's grep relies on it
    path.write_text(path.read_text().replace('": ', '":').replace('", "', '","').replace(', "', ',"'))
    return path


def payload(path: Path, session: str, active: bool = False) -> dict[str, object]:
    return {
        "session_id": session,
        "transcript_path": str(path),
        "cwd": "/tmp",
        "hook_event_name": "Stop",
        "stop_hook_active": active,
        "last_assistant_message": "done",
    }


def triggers(ws: Workspace) -> list[Path]:
    wait_for_renames(ws.triggers_dir)  # the capture hook renames after it has exited
    return sorted(ws.triggers_dir.glob("*.json"))


def test_many_tool_calls_nudge_once_per_session_and_the_trigger_still_lands(
    installed: Workspace, tmp_path: Path
) -> None:
    path = busy_transcript(tmp_path / "s-many.jsonl", 30)
    first = run_stop(installed, payload(path, "s-many"))
    assert first.returncode == 0
    answer = json.loads(first.stdout)
    assert answer["decision"] == "block" and ".nevo/memory/inbox.md" in answer["reason"]
    assert len(triggers(installed)) == 1
    sent = json.dumps(payload(path, "s-many"), separators=(",", ":"))
    assert triggers(installed)[0].read_text() == sent  # capture semantics kept: byte for byte

    again = run_stop(installed, payload(path, "s-many"))
    assert again.returncode == 0 and again.stdout == ""  # once per session
    assert len(triggers(installed)) == 2
    assert (installed.memory_dir / "nudged" / "s-many").exists()


def test_stop_hook_active_never_loops(installed: Workspace, tmp_path: Path) -> None:
    path = busy_transcript(tmp_path / "s-loop.jsonl", 30)
    done = run_stop(installed, payload(path, "s-loop", active=True))
    assert done.returncode == 0 and done.stdout == ""
    assert not (installed.memory_dir / "nudged" / "s-loop").exists()


def test_a_short_session_is_not_nudged_but_a_recovered_failure_is(installed: Workspace, tmp_path: Path) -> None:
    quiet = busy_transcript(tmp_path / "s-quiet.jsonl", 3)
    assert run_stop(installed, payload(quiet, "s-quiet")).stdout == ""
    recovered = busy_transcript(tmp_path / "s-fixed.jsonl", 4, recovered=True)
    assert json.loads(run_stop(installed, payload(recovered, "s-fixed")).stdout)["decision"] == "block"


def test_the_nudge_follows_the_config(installed: Workspace, tmp_path: Path) -> None:
    path = busy_transcript(tmp_path / "s-cfg.jsonl", 10)
    installed.config_path.write_text("memory:\n  nudge:\n    min_tool_calls: 8\n")
    assert render_stop_conf(installed, load_config(installed))
    assert "nudge_min_tool_calls=8" in (installed.hooks_dir / "stop.conf").read_text()
    assert json.loads(run_stop(installed, payload(path, "s-cfg")).stdout)["decision"] == "block"

    installed.config_path.write_text("memory:\n  nudge:\n    enabled: false\n    min_tool_calls: 1\n")
    render_stop_conf(installed, load_config(installed))
    assert run_stop(installed, payload(path, "s-cfg-2")).stdout == ""
    assert not render_stop_conf(installed, load_config(installed))  # unchanged config: file untouched


def test_bad_input_never_fails_the_agent(installed: Workspace) -> None:
    for raw in ("", "not json", '{"session_id":"../../etc","transcript_path":"/nope"}'):
        done = subprocess.run(
            [str(installed.hooks_dir / "stop")], input=raw, capture_output=True, text=True, timeout=10
        )
        assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


def test_the_hook_stays_fast(installed: Workspace, tmp_path: Path) -> None:
    path = busy_transcript(tmp_path / "s-fast.jsonl", 200)
    started = time.perf_counter()
    for index in range(10):
        run_stop(installed, payload(path, f"s-fast-{index}"))
    per_call = (time.perf_counter() - started) / 10
    assert per_call < 0.2, per_call


def test_recovery_is_seen_before_the_last_result_is_written_and_a_final_failure_is_none(
    installed: Workspace, tmp_path: Path
) -> None:
    # Claude Code may fire Stop before the last tool_result reaches the transcript.
    racing = TranscriptWriter(tmp_path / "s-race.jsonl")
    racing.prompt("go").bash("nosuchtool test", "nosuchtool: command not found", exit_code=127)
    racing.call("Bash", {"command": "pytest --version"})
    compact = racing.path.read_text().replace('": ', '":').replace(', "', ',"')
    racing.path.write_text(compact)
    assert json.loads(run_stop(installed, payload(racing.path, "s-race")).stdout)["decision"] == "block"

    failing = TranscriptWriter(tmp_path / "s-fail.jsonl")
    failing.prompt("go").bash("echo ok").bash("nosuchtool test", "nosuchtool: command not found", exit_code=127)
    failing.path.write_text(failing.path.read_text().replace('": ', '":').replace(', "', ',"'))
    assert run_stop(installed, payload(failing.path, "s-fail")).stdout == ""  # nothing recovered yet


def test_the_temp_file_is_unpredictable_and_never_follows_a_planted_link(installed: Workspace, tmp_path: Path) -> None:
    """Another user could plant /tmp/nevo-stop-<pid> -> a file of yours: the hook must not write through it."""
    import os

    planted = tmp_path / "tmp"
    planted.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    last_pid = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    for pid in range(last_pid + 1, last_pid + 400):
        (planted / f"nevo-stop-{pid}").symlink_to(victim)
    path = busy_transcript(tmp_path / "s-link.jsonl", 30)
    done = subprocess.run(
        [str(installed.hooks_dir / "stop")],
        input=json.dumps(payload(path, "s-link"), separators=(",", ":")),
        capture_output=True,
        text=True,
        timeout=10,
        env={**os.environ, "TMPDIR": str(planted)},
    )
    assert done.returncode == 0 and json.loads(done.stdout)["decision"] == "block"
    assert victim.read_text() == "precious\n"
    assert len(triggers(installed)) == 1  # the trigger still landed, byte for byte from stdin
    assert sorted(p.name for p in planted.iterdir() if not p.is_symlink()) == []  # nothing left behind


def test_without_a_writable_temp_folder_the_trigger_still_lands(installed: Workspace, tmp_path: Path) -> None:
    import os

    path = busy_transcript(tmp_path / "s-notmp.jsonl", 3)
    done = subprocess.run(
        [str(installed.hooks_dir / "stop")],
        input=json.dumps(payload(path, "s-notmp"), separators=(",", ":")),
        capture_output=True,
        text=True,
        timeout=10,
        env={**os.environ, "TMPDIR": str(tmp_path / "missing")},
    )
    assert done.returncode == 0 and done.stdout == ""
    assert len(triggers(installed)) == 1
