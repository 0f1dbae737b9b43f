"""nevo report: the numbers (--json) and the self-contained page, from a workspace filled by nevo itself.

Failures go through the real monitor (trigger files whose times spread over a week), the rule is a rule
file, LLM calls go through the metering wrapper, memory through the fact store and warm rendering, the
nightly run is a real one. Guard events are read from the ``rule_events`` table when a database has it.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nevo.cli import main
from nevo.clock import fixed_clock, iso
from nevo.config import load_config
from nevo.db import open_database
from nevo.install import init
from nevo.memory.facts import FactCandidate, record_fact
from nevo.memory.warm import render_warm
from nevo.monitor import process_pending
from nevo.nightly import run_nightly
from nevo.providers import AgentSpec, MeteredProvider, OfflineProvider, Request, Response
from nevo.report_html import render
from nevo.report_page import gather
from nevo.rules import Rule, RuleBook
from nevo.workspace import Workspace

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HOSTILE = "echo '<script>alert(1)</script>' && ./build </nope>"


# rule_events as the loop's migration creates it (the report reads it only when it is there)
def at(days_ago: int, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0)


def fail(workspace: Workspace, n: int, command: str, when: datetime, error: str = "") -> None:
    """One failed Bash call, captured as the hook captures it (the trigger's time is when it happened)."""
    payload = {
        "session_id": f"session-{when:%m%d}",
        "transcript_path": "",
        "cwd": str(workspace.root),
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": f"toolu_{n:04d}",
        "error": error or f"Exit code 127\nsh: {command.split()[0]}: command not found",
    }
    path = workspace.triggers_dir / f"{int(when.timestamp() * 100):012d}-{n}.json"
    path.write_text(json.dumps(payload))
    os.utime(path, (when.timestamp(), when.timestamp()))


class PricedProvider:
    name = "anthropic"

    def complete(self, request: Request) -> Response:
        return Response({"ok": True}, self.name, "claude-opus-4-5", 12_000, 800, 0.24)


def seeded(workspace: Workspace, *, guard_events: bool = True) -> Workspace:
    """A week of a project's life: failures, one rule that came back once and whose guard acted, LLM calls,
    facts in warm memory and a nightly run."""
    init(workspace)
    config_path = workspace.nevo_dir / "config.yaml"  # the page's rule is written below, not by the analyst
    config_path.write_text(config_path.read_text().replace("analyze_on_new: true", "analyze_on_new: false"))
    fail(workspace, 1, "npm run build", at(6))  # new
    fail(workspace, 2, "npm run build", at(6, 11))  # repeated, same day
    fail(workspace, 3, "pytest -q", at(5), "Exit code 127\nsh: pytest: command not found")  # new
    fail(workspace, 4, "npm run build", at(4))  # repeated
    fail(workspace, 5, HOSTILE, at(2))  # new, and hostile to a careless page
    fail(workspace, 6, "npm run build", at(1))  # repeated: after the rule, a recurrence
    result = process_pending(workspace, fixed_clock(NOW))
    assert result.counted == 6 and len(result.new_incidents) == 3, result.to_json()
    with open_database(workspace) as db:
        build = db.scalar("SELECT id FROM incidents WHERE command LIKE 'npm run build%'")
        config = load_config(workspace)
        for days_ago in (3, 3, 1):
            metered = MeteredProvider(PricedProvider(), db, 2_000_000, 5.0, fixed_clock(at(days_ago)))
            metered.complete(Request(AgentSpec("incident-analyst", "d", "opus", "p"), "t", {}, {}))
        record_fact(
            db,
            FactCandidate("Build the web app with npm --prefix web run build", "lesson", "journal"),
            "s",
            at(3),
            config,
        )
        record_fact(db, FactCandidate("The user prefers small commits", "preference", "user"), "s", at(3), config)
        render_warm(db, workspace, config, fixed_clock(at(3)))
        if guard_events:
            for key, event, when in (("g1", "hit", at(2)), ("g2", "hit", at(0)), ("g3", "stood-aside", at(1))):
                db.execute(
                    "INSERT INTO rule_events (key, rule_id, event, action, tool, at)"
                    " VALUES (?, 'PROJ-001', ?, 'rewrite', 'Bash', ?)",
                    (key, event, iso(when)),
                )
    RuleBook(workspace).write(
        Rule(
            id="PROJ-001",
            title="Build the web app from web/",
            body="Use `npm --prefix web run build`, not `npm run build`.",
            trigger="PreToolUse Bash",
            enforcement="guard rewrite",
            verification=f"incident {build} does not recur",
            incidents=[str(build)],
            created=iso(at(3)),
        )
    )
    with open_database(workspace) as db:
        run_nightly(workspace, at(0, 3), db=db, provider=MeteredProvider(OfflineProvider(), db))
    return workspace


def test_the_numbers(workspace: Workspace) -> None:
    data = gather(seeded(workspace), days=7, clock=fixed_clock(NOW))
    days = {d["day"]: d for d in data["failures_per_day"]}
    assert len(days) == 7 and data["period"] == {"from": "2026-11-14", "to": "2026-11-20"}
    assert (days["2026-11-14"]["new"], days["2026-11-14"]["repeated"]) == (1, 1)
    assert (days["2026-11-15"]["new"], days["2026-11-16"]["repeated"], days["2026-11-18"]["new"]) == (1, 1, 1)
    assert (days["2026-11-19"]["repeated"], days["2026-11-18"]["prevented"], days["2026-11-20"]["prevented"]) == (
        1,
        1,
        1,
    )
    totals = data["totals"]
    assert (totals["failures"], totals["new"], totals["repeated"], totals["prevented"]) == (6, 3, 3, 2)
    [rule] = data["rules"]
    assert (
        rule["id"] == "PROJ-001" and len(rule["recurrences"]) == 1 and rule["recurrences"][0].startswith("2026-11-19")
    )
    assert (len(rule["guard_hits"]), len(rule["stood_aside"])) == (2, 1)
    top = data["top_incidents"][0]
    assert (top["count"], top["rule"], top["command"].startswith("npm run build")) == (4, "PROJ-001", True)
    llm = {d["day"]: d for d in data["llm"]["per_day"]}
    assert (llm["2026-11-17"]["calls"], llm["2026-11-17"]["tokens"], llm["2026-11-17"]["cost_usd"]) == (2, 25_600, 0.48)
    assert data["llm"]["cost_cap_usd"] == 5.0 and data["llm"]["token_cap"] == 2_000_000
    assert data["llm"]["by_agent"]["incident-analyst"]["calls"] == 3
    memory = data["memory"]
    assert memory["facts"] == 2 and memory["facts_by_category"] == {"lesson": 1, "preference": 1}
    assert any("npm --prefix web run build" in line for line in memory["warm"]["MEMORY.md"]["lines"])
    assert memory["warm"]["MEMORY.md"]["budget"] == 2200
    nightly = data["nightly"]
    assert nightly["last"]["ok"] is True and nightly["last"]["steps"] and len(nightly["runs"]) == 1


def test_without_guard_events_nothing_shows_as_prevented(workspace: Workspace) -> None:
    data = gather(seeded(workspace, guard_events=False), days=7, clock=fixed_clock(NOW))
    assert data["totals"]["prevented"] == 0 and data["rules"][0]["guard_hits"] == []


def test_the_page_is_self_contained_and_escapes_what_sessions_wrote(workspace: Workspace) -> None:
    page = render(gather(seeded(workspace), days=7, clock=fixed_clock(NOW)))
    assert "<script" not in page.lower() and "<link" not in page.lower() and "url(" not in page
    assert re.findall(r"\b(?:src|href)=", page) == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}  # a namespace, not a fetch
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    for title in ("Failures per day", "Top incidents", "Rules over time", "Memory", "LLM calls", "Nightly runs"):
        assert title in page
    assert page.count("<svg") == 4  # failures, the rule timeline, cost and tokens


def test_an_empty_workspace_gives_a_page_too(workspace: Workspace) -> None:
    init(workspace)
    data = gather(workspace, days=3, clock=fixed_clock(NOW))
    assert data["totals"]["failures"] == 0 and data["rules"] == [] and data["nightly"]["last"] is None
    page = render(data)
    assert "No incidents yet" in page and "No rules yet" in page and "No nightly run yet" in page


def test_the_command_writes_the_page_and_json_gives_the_same_numbers(
    workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(workspace)
    out = tmp_path / "report.html"
    assert main(["report", "--workspace", str(workspace.root), "--out", str(out), "--days", "10"]) == 0
    assert out.read_text().startswith("<!doctype html>")
    capsys.readouterr()
    assert main(["report", "--workspace", str(workspace.root), "--json", "--days", "10"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = gather(workspace, days=10)
    for key in ("totals", "failures_per_day", "rules", "top_incidents", "llm", "memory", "nightly"):
        assert printed[key] == expected[key], key


def test_a_missing_workspace_or_destination_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--workspace", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 1
    assert "nevo is not installed" in capsys.readouterr().err
    init(Workspace(tmp_path))
    assert main(["report", "--workspace", str(tmp_path)]) == 1
    assert "--out" in capsys.readouterr().err
