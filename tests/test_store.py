"""Choosing the store, without a server: the URL (config or environment, validated, never shown with its
password), SQL translated for PostgreSQL, and a store that cannot be reached: the monitor and the run at
session end exit cleanly, keep every trigger and say so; status and doctor say what waits and how to fix it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nevo import store
from nevo.background import read_state, run_once
from nevo.config import load_config
from nevo.db import Database
from nevo.errors import NevoError
from nevo.install import init
from nevo.pgstore import Row, translate
from nevo.workspace import Workspace
from tests.support.postgres import _free_port

SECRET = "hunter2-not-for-logs"


def _set_url(workspace: Workspace, url: str) -> None:
    config = workspace.config_path
    text = config.read_text(encoding="utf-8")
    assert 'url: ""' in text, "nevo init documents store.url"
    config.write_text(text.replace('url: ""', f'url: "{url}"', 1), encoding="utf-8")


def _trigger(workspace: Workspace, name: str, tool_use_id: str) -> Path:
    payload = {
        "session_id": "11111111-2222-3333-4444-555555555555",
        "transcript_path": "/nowhere/11111111-2222-3333-4444-555555555555.jsonl",
        "cwd": str(workspace.root),
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": "npm run build"},
        "tool_use_id": tool_use_id,
        "error": 'Exit code 1\nnpm ERR! Missing script: "build"',
        "is_interrupt": False,
    }
    path = workspace.triggers_dir / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _nevo(workspace: Workspace, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nevo", *args, "-w", str(workspace.root)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


# -- the URL --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://nevo@db:5432/team", "postgresql://nevo@db:5432/team"),
        (f"postgresql://nevo:{SECRET}@db:5432/team", "postgresql://nevo:***@db:5432/team"),
        (f"postgres://nevo:{SECRET}%40x@db/team?sslmode=require", "postgres://nevo:***@db/team?sslmode=require"),
        (
            f"postgresql://db/team?password={SECRET}&sslmode=require",
            "postgresql://db/team?password=***&sslmode=require",
        ),
        (f"postgresql://:{SECRET}@db/team", "postgresql://:***@db/team"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert store.redact_url(url) == shown
    assert SECRET not in store.redact_url(url)


def test_the_config_takes_a_postgresql_url_and_refuses_anything_else(installed: Workspace) -> None:
    assert load_config(installed).get("store.url") == ""
    assert store.describe(installed)["kind"] == "sqlite"
    _set_url(installed, f"mysql://nevo:{SECRET}@db/team")
    with pytest.raises(NevoError) as refused:
        load_config(installed)
    assert "`store.url`" in refused.value.message and "PostgreSQL" in refused.value.message
    assert SECRET not in str(refused.value)
    text = installed.config_path.read_text(encoding="utf-8")
    installed.config_path.write_text(text.replace(f"mysql://nevo:{SECRET}@db/team", "postgresql://nevo@db/team"))
    assert store.store_url(installed, env={}) == "postgresql://nevo@db/team"


def test_the_environment_wins_over_the_config_and_is_checked_too(installed: Workspace) -> None:
    _set_url(installed, "postgresql://nevo@config-host/team")
    assert store.store_url(installed, env={store.ENV_URL: "postgresql://nevo@env-host/team"}).endswith("env-host/team")
    assert store.store_url(installed, env={store.ENV_URL: "  "}).endswith("config-host/team")  # blank: unset
    with pytest.raises(NevoError, match=store.ENV_URL) as refused:
        store.store_url(installed, env={store.ENV_URL: f"sqlite://nevo:{SECRET}@x/y"})
    assert SECRET not in str(refused.value)


def test_without_a_store_the_shared_tables_are_the_local_database(installed: Workspace) -> None:
    with store.open_store(installed) as db:
        assert isinstance(db, Database) and not store.is_shared(db)
    with Database(installed.db_path) as local, store.shared(installed, local) as db:
        assert db is local and store.local_of(db) is local
        assert store.claim(db, "INC-x", "m") and store.reserve_number(db, "PROJ", 7, "m") == 7


# -- SQL for PostgreSQL -----------------------------------------------------------------------------------


def test_placeholders_become_psycopg_s_outside_quotes_and_comments() -> None:
    assert translate("SELECT * FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT * FROM t WHERE a = %s AND b IN (%s, %s)"
    )
    assert translate("SELECT '?', 'it''s ?', \"we?ird\" FROM t WHERE x = ?") == (
        "SELECT '?', 'it''s ?', \"we?ird\" FROM t WHERE x = %s"
    )
    assert translate("SELECT 1 -- why? 100%\nWHERE a LIKE '5%' AND b = ?") == (
        "SELECT 1 -- why? 100%%\nWHERE a LIKE '5%%' AND b = %s"
    )


def test_rows_read_like_sqlite_rows() -> None:
    row = Row({"id": 0, "count": 1}, ("INC-1", 3))
    assert (row["id"], row[1], row.keys(), dict(row), tuple(row), len(row)) == (
        "INC-1",
        3,
        ["id", "count"],
        {"id": "INC-1", "count": 3},
        ("INC-1", 3),
        2,
    )


# -- a store that cannot be reached ---------------------------------------------------------------------


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    """A store where nothing listens, with a password, in the environment (where a password belongs)."""
    url = f"postgresql://nevo:{SECRET}@127.0.0.1:{_free_port()}/team"
    monkeypatch.setenv(store.ENV_URL, url)
    return url


def test_an_unreachable_store_keeps_every_trigger_and_the_monitor_exits_0(
    installed: Workspace, unreachable: str
) -> None:
    kept = [_trigger(installed, f"00000000010{i}-1.json", f"toolu_{i}") for i in range(3)]
    done = _nevo(installed, "monitor", "--once")
    assert done.returncode == 0, done.stderr
    warning = " ".join(done.stdout.split())
    assert "cannot be reached" in warning and "3 trigger(s) wait in .nevo/triggers" in warning
    assert SECRET not in done.stdout + done.stderr
    assert all(path.exists() for path in kept)

    status = _nevo(installed, "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert info["store"]["kind"] == "postgresql" and info["pending_triggers"] == 3
    assert info["store"]["url"].startswith("postgresql://nevo:***@127.0.0.1:")
    assert info["store"]["unreachable"]["since"] and "cannot be reached" in info["store"]["unreachable"]["error"]
    text = " ".join(_nevo(installed, "status").stdout.split())
    assert "the shared store is unreachable since" in text and "3 trigger(s) wait for it" in text

    doctor = _nevo(installed, "doctor", "--json")
    [check] = [c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "store"]
    assert not check["ok"] and "does not answer" in check["fix"]
    for output in (status.stdout, text, doctor.stdout, doctor.stderr):
        assert SECRET not in output


def test_the_run_at_session_end_records_a_warning_not_an_error(installed: Workspace, unreachable: str) -> None:
    trigger = _trigger(installed, "000000000200-1.json", "toolu_bg")
    record = run_once(installed)
    assert record.error is None and record.triggers == 0
    assert any("cannot be reached" in w and "1 trigger(s) wait" in w for w in record.warnings), record.warnings
    assert trigger.exists()
    logs = installed.nevo_dir / "logs"
    assert store.unreachable(installed) is not None
    assert all(SECRET not in p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
    assert read_state(installed)["runs"] == []  # run_once alone records nothing; background() does


def test_a_bad_url_in_the_environment_is_a_clear_error(installed: Workspace) -> None:
    done = _nevo(installed, "monitor", "--once", env={store.ENV_URL: f"http://nevo:{SECRET}@x/y"})
    assert done.returncode == 1 and "NEVO_STORE_URL" in done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_init_says_when_the_store_cannot_be_reached(workspace: Workspace, unreachable: str) -> None:
    init(workspace)
    done = _nevo(workspace, "init")
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())  # rich folds long lines
    assert "warning: the shared store postgresql://nevo:***@127.0.0.1:" in said and "cannot be reached" in said
    assert SECRET not in done.stdout


@pytest.mark.parametrize("runner", ["nevo monitor --once", "the run at session end"])
def test_while_the_store_is_out_of_reach_an_ended_session_waits_for_it(
    installed: Workspace, runner: str, unreachable: str
) -> None:
    """Memory reads what the session's failures taught, judged and stored in the shared store when the
    SessionEnd trigger is processed there: it waits with the trigger (the session is not lost)."""
    from tests.test_monitor import TranscriptWriter

    transcript = TranscriptWriter(installed.root / "5e55-10n.jsonl", session="5e55-10n")
    transcript.bash("t1", "make dist", "make: *** No rule to make target 'dist'.  Stop.", code=2)
    end = installed.triggers_dir / "000000000300-1.json"
    end.write_text(json.dumps(transcript.stop_payload("SessionEnd")), encoding="utf-8")
    if runner == "nevo monitor --once":
        assert _nevo(installed, "monitor", "--once").returncode == 0
    else:
        assert run_once(installed).error is None
    assert end.exists()
    with Database(installed.db_path) as local:
        assert local.scalar("SELECT COUNT(*) FROM journal") == 0


def test_doctor_flags_a_password_in_the_committed_config(installed: Workspace) -> None:
    from nevo.doctor import store_check

    _set_url(installed, f"postgresql://nevo:{SECRET}@127.0.0.1:1/team")
    check = store_check(installed).as_dict()
    assert not check["ok"] and "holds a password" in check["detail"] and "~/.pgpass" in check["fix"]
    assert SECRET not in json.dumps(check)
