"""A rule's evidence: guard events counted exactly once (replays too), recurrences since the rule, and when
its cause started to look gone; `nevo rules list` shows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from nevo import evidence
from nevo.cli import main as cli_main
from nevo.config import Config
from nevo.db import Database
from nevo.monitor import Monitor
from nevo.rules import Rule, RuleBook
from nevo.store import open_store
from nevo.workspace import Workspace


def guard_trigger(
    ws: Workspace, name: str, event: str = "hit", rule: str = "PROJ-001", tool_use_id: str = "toolu_1"
) -> Path:
    """What the guard hook writes: `.nevo/triggers/<stamp>-g<pid>.json`."""
    payload: dict[str, Any] = {
        "hook_event_name": "NevoGuard",
        "event": event,
        "rule": rule,
        "tool_name": "Bash",
        "tool_use_id": tool_use_id,
        "session_id": "s1",
        "cwd": str(ws.root),
        "action": "rewrite",
    }
    ws.triggers_dir.mkdir(parents=True, exist_ok=True)
    path = ws.triggers_dir / f"{name}.json"
    path.write_text(json.dumps(payload))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db(installed: Workspace, request: pytest.FixtureRequest) -> Any:
    """The rule evidence in the local SQLite, or in a PostgreSQL shared store (the CLI reads it there too)."""
    if request.param == "postgresql":
        request.getfixturevalue("monkeypatch").setenv("NEVO_STORE_URL", request.getfixturevalue("pg_url"))
    with open_store(installed) as database:
        yield database


def process(ws: Workspace, db: Database) -> Any:
    return Monitor(ws, db, Config(), analyze=False).process_pending()


def events(db: Database) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.query("SELECT rule_id, event, tool_use_id FROM rule_events ORDER BY tool_use_id")]


def test_guard_events_count_once_even_when_a_trigger_is_replayed(installed: Workspace, db: Database) -> None:
    hit = guard_trigger(installed, "000000000101-g77", "hit", tool_use_id="toolu_1")
    guard_trigger(installed, "000000000102-g78", "stood-aside", tool_use_id="toolu_2")
    kept = installed.root / "replay.json"
    shutil.copy(hit, kept)

    result = process(installed, db)
    assert (result.processed, result.guard_events, result.counted) == (2, 2, 0)
    assert events(db) == [("PROJ-001", "hit", "toolu_1"), ("PROJ-001", "stood-aside", "toolu_2")]

    # A crash between the commit and the delete: the same file comes back. It counts nothing.
    shutil.copy(kept, hit)
    again = process(installed, db)
    assert (again.processed, again.guard_events, again.duplicates) == (1, 0, 1)
    assert len(events(db)) == 2 and list(installed.triggers_dir.glob("*.json")) == []

    # The same call guarded again later is a new event (a new trigger name).
    guard_trigger(installed, "000000000201-g90", "hit", tool_use_id="toolu_1")
    assert process(installed, db).guard_events == 1 and len(events(db)) == 3


@pytest.mark.parametrize(
    "change,reason",
    [({"event": "maybe"}, "NevoGuard event must be"), ({"rule": ""}, "without a rule id"), ({"rule": 7}, "rule id")],
)
def test_a_malformed_guard_event_is_moved_aside_with_the_reason(
    installed: Workspace, db: Database, change: dict[str, Any], reason: str
) -> None:
    path = guard_trigger(installed, "000000000301-g5")
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    guard_trigger(installed, "000000000302-g6", tool_use_id="toolu_ok")
    result = process(installed, db)
    assert result.rejected == ["000000000301-g5.json"] and result.guard_events == 1
    assert reason in (installed.rejected_dir / "000000000301-g5.json.reason").read_text()


def test_the_cause_looks_gone_from_the_first_stand_aside_after_the_last_hit(db: Database) -> None:
    def add(key: str, event: str, at: str) -> None:
        with db.transaction():
            parsed = evidence.GuardEvent("PROJ-001", event, "rewrite", "Bash", "s", key)
            assert evidence.record_guard_event(db, key, parsed, at)

    since = "2026-11-01T00:00:00Z"
    add("a", "hit", "2026-10-30T00:00:00Z")  # before the rule's current text: not its evidence
    add("b", "stood-aside", "2026-11-02T00:00:00Z")
    add("c", "hit", "2026-11-03T00:00:00Z")  # the cause was back
    add("d", "stood-aside", "2026-11-04T00:00:00Z")
    add("e", "stood-aside", "2026-11-09T00:00:00Z")
    record = evidence.rule_evidence(db, "PROJ-001", [], since)
    assert (record.hits, record.stood_aside) == (1, 3)
    assert (record.last_hit, record.last_stood_aside) == ("2026-11-03T00:00:00Z", "2026-11-09T00:00:00Z")
    assert record.cause_gone_since == "2026-11-04T00:00:00Z" and record.recurrences == ()


def test_rules_list_shows_the_evidence(
    installed: Workspace, db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nevo.cli import common

    monkeypatch.setattr(common.console, "width", 200)  # one line per row, whatever the terminal
    guard = {"tool": "Bash", "command": "npm run build", "action": "rewrite", "fix": "npm --prefix web run build"}
    RuleBook(installed).write(
        Rule(
            id="PROJ-001",
            title="Web build",
            body="Use `npm --prefix web run build`.",
            trigger="t",
            enforcement="guard rewrite",
            verification="v",
            created="2026-01-01T00:00:00Z",
            guard=guard,
        )
    )
    guard_trigger(installed, "000000000401-g1", "hit", tool_use_id="x1")
    guard_trigger(installed, "000000000402-g1", "hit", tool_use_id="x2")
    guard_trigger(installed, "000000000403-g1", "stood-aside", tool_use_id="x3")
    process(installed, db)
    assert cli_main(["rules", "list", "--json", "-w", str(installed.root)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["guard_hits"], row["stood_aside"], row["recurrences"]) == (2, 1, 0)
    assert row["cause_gone_since"] is not None and row["agent"] is None
    assert cli_main(["rules", "list", "-w", str(installed.root)]) == 0
    table = capsys.readouterr().out
    assert "guard" in table and "stood" in table and "aside" in table
    [row_line] = [line for line in table.splitlines() if "PROJ-001" in line]
    assert [cell.strip() for cell in row_line.split("│")[4:7]] == ["0", "2", "1"]  # recurrences, hits, aside
