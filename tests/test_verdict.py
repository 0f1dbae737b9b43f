"""The shared verdict record: parsed and validated in one place, stored and read back unchanged."""

from __future__ import annotations

import pytest

from nevo import incidents as store
from nevo.db import open_database
from nevo.fingerprint import fingerprint
from nevo.verdict import Cause, GuardError, GuardSpec, Verdict
from nevo.workspace import Workspace

GUARD = GuardSpec(
    "Bash", "npm run build", "rewrite", "npm --prefix web run build", Cause("missing-npm-script", "build")
)


def test_a_verdict_survives_a_round_trip_through_json() -> None:
    verdict = Verdict(
        kind="lesson",
        reason="the fix ran the same script in web/",
        failed="Bash: npm run build",
        fix="npm --prefix web run build",
        fix_tool="Bash",
        fix_kind="replace",
        error_line='npm error Missing script: "build"',
        lesson="The build script is in web/: run `npm --prefix web run build`.",
        cause=GUARD.cause,
        guard=GUARD,
        distance=1,
    )
    assert Verdict.from_json(verdict.to_json()) == verdict


@pytest.mark.parametrize(
    "meta",
    [
        None,
        {"tool": "Bash", "match": "make", "action": "rewrite", "fix": "make"},  # fix == match
        {"tool": "Python", "match": "x", "action": "deny", "check": {"kind": "missing-path", "subject": "x"}},
        {"tool": "Bash", "match": "x", "action": "explode", "check": {"kind": "missing-path", "subject": "x"}},
        {"tool": "Bash", "match": "npm run build", "action": "deny"},  # no check: could block after a fix
        {
            "tool": "Read",
            "match": "a.py",
            "action": "deny",
            "check": {"kind": "missing-path", "subject": "a", "where": "../x"},
        },
        {"tool": "Read", "match": "a.py", "action": "deny", "check": {"kind": "haunted", "subject": "a"}},
    ],
)
def test_an_invalid_guard_block_is_refused(meta: object) -> None:
    with pytest.raises(GuardError):
        GuardSpec.from_meta(meta)


def test_a_guard_block_from_before_match_was_named_reads_command() -> None:
    meta = {
        "tool": "Bash",
        "command": "npm  run build",
        "action": "rewrite",
        "fix": "npm --prefix web run build",
        "check": {"kind": "missing-npm-script", "subject": "build"},
    }
    assert GuardSpec.from_meta(meta) == GUARD


def test_a_damaged_stored_guard_is_dropped_not_trusted() -> None:
    data = Verdict(kind="lesson", reason="r", guard=GUARD).to_json()
    data["guard"]["check"] = {"kind": "missing-path", "subject": "/etc", "where": "/"}
    assert Verdict.from_json(data).guard is None


def test_verdicts_are_stored_per_failure_and_read_by_session_and_incident(workspace: Workspace) -> None:
    (workspace.root / ".nevo").mkdir()
    with open_database(workspace) as db, db.transaction():
        fp = fingerprint("Bash", {"command": "npm run build"}, "npm error Missing script: build", None)
        recorded = store.record_failure(
            db,
            fp,
            key="call:s1:t1",
            session_id="s1",
            tool_use_id="t1",
            at="2026-11-29T10:00:00Z",
            source="hook",
            sample={},
            failed_input={"command": "npm run build"},
            loop_threshold=3,
        )
        first = Verdict(kind="none", reason="no later call answers it")
        better = Verdict(kind="lesson", reason="fixed", fix="npm --prefix web run build", guard=GUARD)
        store.record_verdict(db, "call:s1:t1", recorded.incident_id, "s1", "2026-11-29T10:00:01Z", first)
        store.record_verdict(db, "call:s1:t1", recorded.incident_id, "s1", "2026-11-29T10:00:02Z", better)
    with open_database(workspace) as db:
        assert store.session_verdicts(db, "s1") == [(recorded.incident_id, better)]
        assert store.incident_verdicts(db, recorded.incident_id) == [better]
