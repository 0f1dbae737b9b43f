"""The shared store against a real PostgreSQL server: the schema, a team's clones counting one failure
together and analysing it once, rule numbers across machines, the server going away in the middle of
shipping, concurrent monitors, status and doctor.

Clones of one git repository stand for the machines: each has its own workspace, its own local SQLite and
its own sessions; they share one database (``store.url`` committed in ``.nevo/config.yaml``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nevo import store
from nevo.analyst import analyze_ready
from nevo.config import load_config
from nevo.db import open_database
from nevo.install import init
from nevo.monitor import Monitor, process_pending
from nevo.pgstore import PgDatabase, latest_version
from nevo.rules import RuleBook
from nevo.workspace import Workspace
from tests.conftest import GIT_IDENTITY, git
from tests.support.postgres import PostgresServer

FAILURES = {
    "build": ("npm run build", 'Exit code 1\nnpm ERR! Missing script: "build"'),
    "pytest": ("pytest -q", "Exit code 127\nsh: 1: pytest: not found"),
    "make": ("make dist", "Exit code 2\nmake: *** No rule to make target 'dist'.  Stop."),
    "node": ("node scripts/gen.js", "Exit code 1\nError: Cannot find module '/repo/scripts/gen.js'"),
}


# -- machines ---------------------------------------------------------------------------------------------


def team(tmp_path: Path, url: str, machines: int, *, analyze: bool = True) -> list[Workspace]:
    """An origin repository with nevo installed and ``store.url`` committed, and ``machines`` clones of it,
    each installed as a teammate would (`git clone`, `nevo init`)."""
    origin = Workspace(tmp_path / "origin")
    origin.root.mkdir()
    git(origin.root, "init", "-q", "-b", "main")
    init(origin)
    text = origin.config_path.read_text(encoding="utf-8").replace('url: ""', f'url: "{url}"', 1)
    if not analyze:
        text = text.replace("analyze_on_new: true", "analyze_on_new: false", 1)
    origin.config_path.write_text(text.replace("run_at_session_end: true", "run_at_session_end: false", 1))
    git(origin.root, "add", "-A")
    git(origin.root, "commit", "-q", "-m", "nevo with the team's store")
    shared_repo = tmp_path / "origin.git"  # what the team pushes to and pulls from
    git(tmp_path, "clone", "-q", "--bare", str(origin.root), str(shared_repo))
    clones = []
    for number in range(machines):
        root = tmp_path / f"machine-{number}"
        git(tmp_path, "clone", "-q", str(shared_repo), str(root))
        clone = Workspace(root)
        init(clone)
        clones.append(clone)
    return clones


def session_of(machine: int, session: int = 0) -> str:
    """A Claude Code session id: a uuid, different on every machine."""
    return f"{machine:08x}-0000-4000-8000-{session:012x}"


def fail(workspace: Workspace, machine: int, serial: int, kind: str = "build", session: int = 0) -> Path:
    """A PostToolUseFailure trigger as the capture hook writes it."""
    command, error = FAILURES[kind]
    sid = session_of(machine, session)
    payload = {
        "session_id": sid,
        "transcript_path": f"/home/dev{machine}/.claude/projects/-repo/{sid}.jsonl",
        "cwd": str(workspace.root),
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": f"toolu_{machine:02d}{session:03d}{serial:06d}",
        "error": error,
        "is_interrupt": False,
    }
    workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
    path = workspace.triggers_dir / f"{serial:012d}-{machine}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def nevo(workspace: Workspace, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nevo", *args, "-w", str(workspace.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **GIT_IDENTITY},
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, f"exit {process.returncode}\n{out}\n{err}"
    return out


def totals(url: str) -> dict[str, Any]:
    with PgDatabase(url) as db:
        per_incident = {
            r["id"]: (int(r["count"]), int(r["session_count"]), r["status"])
            for r in db.query("SELECT id, count, session_count, status FROM incidents")
        }
        occurrences = {
            r["incident_id"]: (int(r["n"]), int(r["sessions"]))
            for r in db.query(
                "SELECT incident_id, COUNT(*) AS n, COUNT(DISTINCT session_id) AS sessions FROM occurrences"
                " GROUP BY incident_id"
            )
        }
        committed = db.query("SELECT incident_id, rule_id FROM analyses WHERE verdict = 'committed'")
        analyses = [(r["incident_id"], r["verdict"], r["reason"]) for r in db.query("SELECT * FROM analyses")]
        claims = int(db.scalar("SELECT COUNT(*) FROM claims"))
    return {
        "incidents": per_incident,
        "occurrences": occurrences,
        "committed": committed,
        "analyses": analyses,
        "claims": claims,
    }


def rules_committed(clones: list[Workspace]) -> list[str]:
    found = []
    for clone in clones:
        log = git(clone.root, "log", "--format=%s")
        subjects = [line for line in log.splitlines() if line.startswith("nevo: PROJ-")]
        found += [line.split()[1] for line in subjects if " also covers " not in line]  # not a duplicate's note
    return found


# -- the schema -------------------------------------------------------------------------------------------


def test_machines_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    code = "import sys; from nevo.pgstore import PgDatabase; PgDatabase(sys.argv[1]).close()"
    openers = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE, text=True) for _ in range(6)
    ]
    for opener in openers:
        _, err = opener.communicate(timeout=120)
        assert opener.returncode == 0, err
    with PgDatabase(pg_url) as db:
        assert db.version == latest_version()
        assert [r["version"] for r in db.query("SELECT version FROM schema_version ORDER BY version")] == list(
            range(1, latest_version() + 1)
        )
        assert db.migrate() == []


# -- a team counts together and learns once ---------------------------------------------------------------


def test_three_machines_failing_once_each_make_one_incident_seen_three_times_analysed_once(
    tmp_path: Path, pg_url: str
) -> None:
    clones = team(tmp_path, pg_url, 3)
    for number, clone in enumerate(clones):
        fail(clone, number, 1)
        result = process_pending(clone)
        assert result.counted == 1 and result.processed == 1 and not result.warnings, result.to_json()
        [(count, sessions, status)] = totals(pg_url)["incidents"].values()
        assert (count, sessions) == (number + 1, number + 1)
        assert status == ("analysed" if number == 2 else "new")  # the threshold (3) is reached team-wide
    assert rules_committed(clones) == ["PROJ-001"]  # committed on the machine that reached the threshold
    assert [o.rule_id for o in analyze_ready(clones[0]).outcomes] == []  # a second analysis adds nothing
    after = totals(pg_url)
    assert [(r["rule_id"]) for r in after["committed"]] == ["PROJ-001"] and after["claims"] == 0
    git(clones[2].root, "push", "-q", "origin", "HEAD:main")  # the rule reaches the others with git
    git(clones[0].root, "pull", "-q", "--no-rebase", "origin", "main")
    assert [r.id for r in RuleBook(clones[0]).active()] == ["PROJ-001"]


def test_the_forge_finds_the_team_s_gaps_in_the_store(tmp_path: Path, pg_url: str) -> None:
    """The skill forge's gaps come from analyses: when shared, those are in the store, not in the SQLite of the
    machine whose nightly run looks for gaps."""
    from nevo.forge.detect import from_analyses

    clones = team(tmp_path, pg_url, 3)
    for number, clone in enumerate(clones):
        fail(clone, number, 1)
        process_pending(clone)
    with PgDatabase(pg_url) as db:
        assert db.scalar("SELECT category FROM analyses") in ("process-gap", "missing-knowledge")
    with open_database(clones[0]) as local, store.shared(clones[0], local):
        gaps = from_analyses(local)
    assert [g.evidence["count"] for g in gaps] == [3], gaps


def test_analyses_racing_on_several_machines_commit_one_rule(tmp_path: Path, pg_url: str) -> None:
    clones = team(tmp_path, pg_url, 3, analyze=False)
    for number, clone in enumerate(clones):
        fail(clone, number, 1, "pytest")
        assert process_pending(clone).counted == 1
    racers = [nevo(clone, "analyze", "--json") for clone in (*clones, clones[0])]  # two on machine 0
    reports = [json.loads(finish(racer)) for racer in racers]
    outcomes = [o for report in reports for o in report["outcomes"]]
    assert [o["verdict"] for o in outcomes] == ["committed"], outcomes
    after = totals(pg_url)
    assert len(after["committed"]) == 1 and after["claims"] == 0
    assert [status for _, _, status in after["incidents"].values()] == ["analysed"]
    assert rules_committed(clones) == ["PROJ-001"]


def test_rule_numbers_are_reserved_across_machines_that_have_not_pulled(tmp_path: Path, pg_url: str) -> None:
    first, second = team(tmp_path, pg_url, 2, analyze=False)
    for serial in range(3):
        fail(first, 0, serial, "make")
        fail(second, 1, serial, "node")
    assert process_pending(first).counted == 3 and process_pending(second).counted == 3
    assert [o.rule_id for o in analyze_ready(first, limit=1).outcomes] == ["PROJ-001"]
    assert [o.rule_id for o in analyze_ready(second, limit=1).outcomes] == ["PROJ-002"]  # git alone: 001
    git(first.root, "push", "-q", "origin", "HEAD:main")
    git(second.root, "pull", "-q", "--no-rebase", "origin", "main")
    book = RuleBook(second)
    assert sorted(r.id for r in book.active()) == ["PROJ-001", "PROJ-002"]
    assert [f for f in book.lint() if f.kind == "duplicate-number"] == []


def test_renumbering_after_a_merge_skips_the_numbers_other_machines_reserved(tmp_path: Path, pg_url: str) -> None:
    from nevo.rule_ops import renumber_rules
    from tests.test_rules import rule

    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    with PgDatabase(pg_url) as db:  # another machine reserved 001 and 002 for rules it has not pushed yet
        assert [store.reserve_number(db, "PROJ", 1, "elsewhere") for _ in range(2)] == [1, 2]
    book = RuleBook(clone)
    book.write(rule(1, "Use the web build"))
    merged = rule(1, "Run the API tests from api/", created="2026-11-05T05:00:00Z")
    merged.path = clone.rules_dir / "PROJ-001-run-the-api-tests-from-api.md"
    book.write(merged)
    assert renumber_rules(clone) == [("PROJ-001", "PROJ-003")]  # not 002: reserved elsewhere
    assert sorted(r.id for r in RuleBook(clone).active()) == ["PROJ-001", "PROJ-003"]


# -- shipping: the server goes away, monitors run at once ---------------------------------------------------


def test_the_server_stopped_in_the_middle_of_shipping_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path, pg_url: str, pg_server: PostgresServer
) -> None:
    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    triggers = [fail(clone, 0, serial, kind, session=serial % 4) for serial, kind in enumerate(list(FAILURES) * 15)]
    copies = {path.name: path.read_text() for path in triggers[:10]}
    asked = 0

    def stop_midway() -> bool:  # asked before each trigger: the server goes away inside the third batch
        nonlocal asked
        asked += 1
        if asked == 25:
            pg_server.stop()
        return False

    config = load_config(clone)
    try:
        with open_database(clone) as local, store.shared(clone, local, config) as db:
            monitor = Monitor(clone, db, config, local=local)
            monitor.batch_size = 10
            cut = monitor.process_pending(should_stop=stop_midway)
    finally:
        pg_server.ensure_running()
    assert cut.processed == 20 and cut.counted == 20, cut.to_json()  # two batches committed, the third rolled back
    assert any("trigger(s) wait" in warning for warning in cut.warnings), cut.warnings
    assert len(list(clone.triggers_dir.glob("*.json"))) == 40
    assert store.unreachable(clone) is not None

    rest = process_pending(clone)  # a later run ships the rest
    assert (rest.processed, rest.counted, rest.warnings) == (40, 40, [])
    assert store.unreachable(clone) is None
    for name, text in copies.items():  # shipped, then replayed (a crash between the commit and the delete)
        (clone.triggers_dir / name).write_text(text)
    replay = process_pending(clone)
    assert (replay.processed, replay.counted, replay.duplicates) == (10, 0, 10)
    after = totals(pg_url)
    assert sum(count for count, _, _ in after["incidents"].values()) == 60
    for incident_id, (count, sessions, _) in after["incidents"].items():
        assert (count, sessions) == after["occurrences"][incident_id]


def test_concurrent_monitors_on_one_machine_and_on_several_count_every_failure_once(
    tmp_path: Path, pg_url: str
) -> None:
    clones = team(tmp_path, pg_url, 3)
    expected = 0
    for number, clone in enumerate(clones):
        for serial in range(120):
            fail(clone, number, serial, list(FAILURES)[serial % 4], session=serial % 5)
            expected += 1
    monitors = [nevo(clone, "monitor", "--once", "--json") for clone in (clones[0], clones[0], *clones[1:])]
    results = [json.loads(finish(monitor)) for monitor in monitors]
    assert sum(r["counted"] for r in results) == expected
    assert all(not r["warnings"] for r in results), [r["warnings"] for r in results]
    assert all(not list(clone.triggers_dir.glob("*.json")) for clone in clones)
    after = totals(pg_url)
    assert len(after["incidents"]) == 4
    for incident_id, (count, sessions, status) in after["incidents"].items():
        assert (count, sessions) == after["occurrences"][incident_id] == (90, 15)
        assert status == "analysed"
    assert sorted(r[0] for r in after["analyses"]) == sorted(after["incidents"]), after["analyses"]  # once each
    committed = rules_committed(clones)  # on whichever machine analysed each; numbers never collide
    assert len(committed) == len(set(committed)) == len(after["committed"]) and after["claims"] == 0


# -- what people see ------------------------------------------------------------------------------------------


def _stdout(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=120)
    return out


def test_status_and_doctor_show_the_store_without_its_password(
    workspace: Workspace, pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "trust-ignores-this-password"
    name = "status_doctor"
    url = pg_server.create_database(name).replace("nevo@", f"nevo:{secret}@", 1)
    init(workspace)
    monkeypatch.setenv(store.ENV_URL, url)  # a password belongs in the environment (doctor flags one in config)
    fail(workspace, 0, 1)
    assert process_pending(workspace).counted == 1
    info = json.loads(_stdout(nevo(workspace, "status", "--json")))
    assert info["store"] == {
        "kind": "postgresql",
        "url": f"postgresql://nevo:***@127.0.0.1:{pg_server.port}/{name}",
        "unreachable": None,
        "llm_calls_waiting": 0,
    }
    assert info["incidents"] == {"new": 1}
    doctor = json.loads(_stdout(nevo(workspace, "doctor", "--json")))
    [check] = [c for c in doctor["checks"] if c["name"] == "store"]
    assert check["ok"] and f"schema version {latest_version()}" in check["detail"]
    assert secret not in json.dumps(info) + json.dumps(doctor)


def test_doctor_says_how_to_fix_an_old_schema_and_a_wrong_database(
    workspace: Workspace, pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nevo.doctor import store_check

    init(workspace)
    empty = pg_server.create_database("never_migrated")

    def check(url: str) -> dict[str, Any]:
        monkeypatch.setenv(store.ENV_URL, url)
        return store_check(workspace).as_dict()

    old = check(empty)
    assert not old["ok"] and "schema version 0" in old["detail"] and "run any nevo command" in old["fix"]
    wrong = check(pg_server.url_for("no_such_database"))
    assert not wrong["ok"] and "URL is wrong" in wrong["fix"]
    with PgDatabase(empty):  # any nevo command migrates
        pass
    assert check(empty)["ok"]


def test_llm_calls_are_metered_for_the_team(tmp_path: Path, pg_url: str) -> None:
    from nevo.providers import AgentSpec, ProviderCapReached, Request, Response, make_provider

    class Priced:
        name = "priced"

        def complete(self, request: Request) -> Response:
            return Response({}, "priced", "m", 600, 400, 0.5)

    first, second = team(tmp_path, pg_url, 2)
    request = Request(AgentSpec("incident-analyst", "d", "opus", "p"), "t", {}, {})
    metered: list[Callable[[], Any]] = []
    for clone in (first, second):
        with open_database(clone) as local:
            provider = make_provider(clone, load_config(clone), local, name="offline")
            provider.inner, provider.token_cap = Priced(), 3_000
            provider.complete(request)
            metered.append(provider.spent_today)
    assert metered[0]() == metered[1]() == (2_000, 1.0)
    with open_database(first) as local:
        provider = make_provider(first, load_config(first), local, name="offline")
        provider.inner, provider.token_cap = Priced(), 3_000
        provider.complete(request)
        with pytest.raises(ProviderCapReached):  # the cap is the team's: 3,000 tokens across both machines
            provider.complete(request)


def test_llm_calls_counted_while_the_store_was_away_are_shipped_once(
    tmp_path: Path, pg_url: str, pg_server: PostgresServer
) -> None:
    from datetime import datetime

    from nevo.providers import AgentSpec, Request, Response, make_provider

    class Priced:
        name = "priced"

        def complete(self, request: Request) -> Response:
            return Response({}, "priced", "m", 600, 400, 0.5)

    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    request = Request(AgentSpec("incident-analyst", "d", "opus", "p"), "t", {}, {})
    pg_server.stop()
    try:
        with open_database(clone) as local:
            provider = make_provider(clone, load_config(clone), local, name="offline")
            provider.inner = Priced()
            provider.complete(request)  # the store is away: this machine counts it
            provider.complete(request)
            assert local.scalar("SELECT COUNT(*) FROM llm_calls") == 2
        assert "2 LLM call(s) counted here" in finish(nevo(clone, "status"))
    finally:
        pg_server.ensure_running()
    with open_database(clone) as local, PgDatabase(pg_url) as db:
        kept = [dict(r) for r in local.query("SELECT * FROM llm_calls ORDER BY id")]
        assert store.ship_llm_calls(clone, local, db) == 2
        assert local.scalar("SELECT COUNT(*) FROM llm_calls") == 0
        for row in kept:  # a run killed after the store's commit, before the local delete: shipped again
            local.execute(
                "INSERT INTO llm_calls (id, at, day, provider, agent, model, input_tokens, output_tokens, cost_usd,"
                " ok, error, origin) VALUES (:id, :at, :day, :provider, :agent, :model, :input_tokens,"
                " :output_tokens, :cost_usd, :ok, :error, :origin)",
                row,
            )
        assert store.ship_llm_calls(clone, local, db) == 2
        assert db.scalar("SELECT COUNT(*) FROM llm_calls") == 2  # counted once
    with open_database(clone) as local:  # the team's count, read through the provider, holds both calls
        provider = make_provider(clone, load_config(clone), local, name="offline")
        assert provider.spent_today() == (2_000, 1.0)
    # Away again: the next call counted here gets the local row id 1 again (the table was emptied), in the
    # same second as the first; its origin is its own, so it is shipped too.
    first_at = kept[0]["at"]
    pg_server.stop()
    try:
        with open_database(clone) as local:
            provider = make_provider(clone, load_config(clone), local, name="offline")
            provider.inner, provider.clock = Priced(), (lambda: datetime.fromisoformat(first_at.replace("Z", "+00:00")))
            provider.complete(request)
            assert [r["id"] for r in local.query("SELECT id FROM llm_calls")] == [kept[0]["id"]]
    finally:
        pg_server.ensure_running()
    with open_database(clone) as local, PgDatabase(pg_url) as db:
        assert store.ship_llm_calls(clone, local, db) == 1
        assert db.scalar("SELECT COUNT(*) FROM llm_calls") == 3


def test_text_with_a_nul_ships_to_postgresql(tmp_path: Path, pg_url: str) -> None:
    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    trigger = fail(clone, 0, 1)
    payload = json.loads(trigger.read_text())
    payload["tool_input"]["command"] = "cat build.log\x00"
    payload["error"] = "Exit code 1\nbinary output: \x00\x01 end"
    trigger.write_text(json.dumps(payload))
    result = process_pending(clone)
    assert (result.counted, result.rejected) == (1, [])
    with PgDatabase(pg_url) as db:
        row = db.one("SELECT command, normalized_error, sample FROM incidents")
    assert row is not None
    text = row["command"] + row["normalized_error"]
    assert "\x00" not in text and "\ufffd" in text  # PostgreSQL text holds no NUL: the replacement character
    assert json.loads(row["sample"])["error"].endswith("\x00\x01 end")  # inside JSON it is escaped, and kept


def test_a_watcher_started_while_the_server_is_down_ships_once_it_is_back(
    tmp_path: Path, pg_url: str, pg_server: PostgresServer
) -> None:
    import threading
    import time

    from nevo.watch import watch

    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    passes: list[Any] = []
    stop, ready = threading.Event(), threading.Event()
    pg_server.stop()
    try:
        fail(clone, 0, 1)
        thread = threading.Thread(
            target=watch, args=(clone, stop), kwargs={"rescan_seconds": 0.2, "ready": ready, "on_pass": passes.append}
        )
        thread.start()
        assert ready.wait(60), "the watcher did not start"
        deadline = time.monotonic() + 60
        while not any("cannot be reached" in w for p in passes for w in p.warnings) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("cannot be reached" in w for p in passes for w in p.warnings), "no pass said the store is down"
        assert thread.is_alive() and len(list(clone.triggers_dir.glob("*.json"))) == 1
    finally:
        pg_server.ensure_running()
    try:
        fail(clone, 0, 2)
        deadline = time.monotonic() + 60
        while sum(p.counted for p in passes) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(p.counted for p in passes) == 2
    finally:
        stop.set()
        thread.join(60)
    assert [count for count, _, _ in totals(pg_url)["incidents"].values()] == [2]
    assert store.unreachable(clone) is None


def test_memory_reads_what_a_session_taught_from_the_store_once_it_answers(
    tmp_path: Path, pg_url: str, pg_server: PostgresServer
) -> None:
    from tests.test_monitor import TranscriptWriter

    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    session = session_of(0, 7)
    transcript = TranscriptWriter(tmp_path / f"{session}.jsonl", session=session, cwd=str(clone.root))
    transcript.bash("m1", "make biuld", "make: *** No rule to make target 'biuld'.  Stop.", code=2)
    transcript.bash("m2", "cat Makefile", "build:\n\techo ok")
    transcript.bash("m3", "make build", "ok")
    end = clone.triggers_dir / "000000000001-0.json"
    end.write_text(json.dumps(transcript.stop_payload("SessionEnd")))
    pg_server.stop()
    try:
        waiting = process_pending(clone)
        assert waiting.processed == 0 and any("trigger(s) wait" in w for w in waiting.warnings)
    finally:
        pg_server.ensure_running()
    assert end.exists()
    shipped = process_pending(clone)
    assert (shipped.processed, shipped.counted, shipped.sessions_ended) == (1, 1, 1), shipped.to_json()
    with PgDatabase(pg_url) as db:
        assert db.scalar("SELECT kind FROM verdicts") == "lesson"
    with open_database(clone) as local:  # the verdict's lesson reached this person's memory
        facts = [str(r["text"]) for r in local.query("SELECT text FROM facts WHERE source = 'verdict'")]
    assert len(facts) == 1 and "make build" in facts[0], facts


def test_the_nightly_run_reads_a_session_s_lessons_from_the_store(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consolidation summarises sessions the monitor never summarised: their lessons are in the shared store,
    not in this person's SQLite, and the nightly run must read them there."""
    from datetime import UTC, datetime

    from nevo import nightly
    from nevo.memory.ingest import lessons_of
    from tests.test_monitor import TranscriptWriter

    [clone] = team(tmp_path, pg_url, 1, analyze=False)
    session = session_of(0, 8)
    transcript = TranscriptWriter(tmp_path / f"{session}.jsonl", session=session, cwd=str(clone.root))
    transcript.bash("m1", "make biuld", "make: *** No rule to make target 'biuld'.  Stop.", code=2)
    transcript.bash("m3", "make build", "ok")
    (clone.triggers_dir / "000000000001-0.json").write_text(json.dumps(transcript.stop_payload("SessionEnd")))
    assert process_pending(clone).sessions_ended == 1
    read: list[list[str]] = []

    def steps(workspace: Workspace, db: Any, *_: Any) -> list[tuple[str, Callable[[], Any]]]:
        return [("lessons", lambda: read.append([v.fix for v in lessons_of(db, session)]))]

    monkeypatch.setattr(nightly, "_steps", steps)
    report = nightly.run_nightly(clone, datetime(2026, 11, 29, 3, tzinfo=UTC))
    assert report.steps[0].ok and read == [["make build"]], (report, read)


def test_the_report_reads_the_team_s_failures_and_llm_calls(tmp_path: Path, pg_url: str) -> None:
    from nevo.providers import AgentSpec, Request, Response, make_provider
    from nevo.report_page import gather

    class Priced:
        name = "priced"

        def complete(self, request: Request) -> Response:
            return Response({}, "priced", "m", 600, 400, 0.5)

    first, second = team(tmp_path, pg_url, 2, analyze=False)
    fail(first, 0, 1)
    fail(second, 1, 1)
    assert process_pending(first).counted == 1 and process_pending(second).counted == 1
    with open_database(second) as local:
        provider = make_provider(second, load_config(second), local, name="offline")
        provider.inner = Priced()
        provider.complete(Request(AgentSpec("incident-analyst", "d", "opus", "p"), "t", {}, {}))
    totals = gather(first)["totals"]  # machine 0 sees machine 1's failure and LLM call
    assert (totals["failures"], totals["new"], totals["repeated"], totals["incidents"]) == (2, 1, 1, 1)
    assert (totals["llm_calls"], totals["tokens"]) == (1, 1_000)
