"""The command line: help everywhere, exit codes, errors with hints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer.main

from nevo.cli import app, main
from nevo.cli.common import console


def all_commands() -> list[tuple[str, Any]]:
    """Every command of the app (typer's click objects; typer may vendor click, so duck typing)."""
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        found.append((prefix, command))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(f"{prefix} {name}".strip(), sub)

    walk("", root)
    return found


def test_every_command_has_help_text() -> None:
    missing = [name for name, command in all_commands() if name and not (command.help or "").strip()]
    assert missing == []


def test_every_command_takes_workspace() -> None:
    lacking = [
        name
        for name, command in all_commands()
        if name and not getattr(command, "commands", None) and not any("--workspace" in p.opts for p in command.params)
    ]
    assert lacking == []


def test_a_known_error_exits_1_with_a_hint(tmp_path: Path, capsys: object) -> None:
    assert main(["uninstall", "--workspace", str(tmp_path)]) == 1


def test_status_json_on_a_fresh_folder(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nevo", "status", "--json", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["installed"] is False


def test_doctor_reports_problems_with_fixes(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text("{oops")
    out = subprocess.run(
        [sys.executable, "-m", "nevo", "doctor", "--json", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    report = json.loads(out.stdout)
    failed = {c["name"]: c for c in report["checks"] if not c["ok"]}
    assert "settings" in failed and failed["settings"]["fix"]
    assert failed["installed"]["fix"] == "run `nevo init`"


def test_status_shows_rejected_triggers_and_rules_waiting_for_git(tmp_path: Path) -> None:
    from nevo.install import init
    from nevo.workspace import Workspace

    ws = Workspace(tmp_path)
    init(ws)
    ws.rejected_dir.mkdir()
    (ws.rejected_dir / "000000000001-1.json").write_text("not json")
    (ws.rejected_dir / "000000000001-1.json.reason").write_text("not JSON: Expecting value at line 1\n")
    (ws.nevo_dir / "pending-rules.json").write_text(
        json.dumps(
            [
                {
                    "id": "PROJ-004",
                    "paths": [".claude/rules/PROJ-004-x.md"],
                    "message": "m",
                    "reason": "mid-rebase",
                }
            ]
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "nevo", "status", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "rejected triggers: 1" in out.stdout and "Expecting value" in out.stdout
    assert "rule waiting for git: PROJ-004 (mid-rebase)" in out.stdout

    trigger = ws.triggers_dir / "000000000002-2.json"
    trigger.write_text("{}")
    os.utime(trigger, (time.time() - 3600, time.time() - 3600))
    out = subprocess.run(
        [sys.executable, "-m", "nevo", "status", "-w", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert "pending triggers: 1 (oldest 60 min old)" in out.stdout and "triggers are waiting" in out.stdout


def test_user_text_with_brackets_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """rich reads `[build]` as markup and drops it; tables and messages must show user data verbatim."""
    from nevo.cli.common import plain, table

    table(None, ["text"], [["npm --prefix web run [build]"], ["[ -f x ] && pytest tests/t.py::test[a-1]"]])
    console.print(f"error: {plain('[red]not a style[/red]')}")
    out = capsys.readouterr().out
    assert "run [build]" in out and "[ -f x ]" in out and "test[a-1]" in out
    assert "[red]not a style[/red]" in out


def test_a_usage_error_exits_2_with_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["incidents", "show"]) == 2
    assert "Missing argument" in capsys.readouterr().err


def test_doctor_fails_on_a_missing_folder_and_on_lost_captures(tmp_path: Path) -> None:
    from nevo.doctor import run_checks
    from nevo.install import init
    from nevo.workspace import Workspace

    ws = Workspace(tmp_path)
    init(ws)
    ws.triggers_dir.rmdir()
    ws.capture_log.write_text("000000001234 pid 7: capture failed: cannot write .nevo/triggers\n")
    failed = {c.name: c for c in run_checks(ws) if not c.ok and c.name != "claude"}
    assert set(failed) == {"folders", "capture"}
    assert "triggers" in failed["folders"].detail and failed["folders"].fix
    assert "1 failed capture" in failed["capture"].detail
