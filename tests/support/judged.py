"""A failure and the call that followed it, stored as the monitor stores them: the occurrence, the verdict
that :func:`nevo.lesson.judge` gives (one judgment, as in production), and the recovery row for a lesson."""

from __future__ import annotations

from nevo import incidents
from nevo.db import Database, open_database
from nevo.fingerprint import fingerprint
from nevo.lesson import Call, judge
from nevo.verdict import Verdict
from nevo.workspace import Workspace


def record_judged(
    ws: Workspace,
    command: str,
    error: str,
    recovery: str | None,
    *,
    session: str = "s1",
    at: str = "2026-11-21T04:00:00Z",
    n: int = 0,
) -> tuple[str, Verdict | None]:
    """One failed Bash ``command`` in ``session`` and, when given, the ``recovery`` that ran right after it;
    returns the incident id and the stored verdict."""
    fp = fingerprint("Bash", {"command": command}, error, str(ws.root))
    key = f"call:{session}:t{n}"
    with open_database(ws) as db, db.transaction():
        incident_id = incidents.record_failure(
            db,
            fp,
            key=key,
            session_id=session,
            tool_use_id=f"t{n}",
            at=at,
            source="hook",
            sample={"tool_input": {"command": command}, "error": error},
            failed_input={"command": command},
            loop_threshold=99,
        ).incident_id
        if recovery is None:
            return incident_id, None
        verdict = store_judgment(
            db,
            ws,
            key=key,
            incident_id=incident_id,
            session=session,
            at=at,
            command=command,
            error=error,
            recovery=recovery,
            n=n,
        )
    return incident_id, verdict


def store_judgment(
    db: Database,
    ws: Workspace,
    *,
    key: str,
    incident_id: str,
    session: str,
    at: str,
    command: str,
    error: str,
    recovery: str,
    agent: str = "",
    n: int = 0,
) -> Verdict:
    """Inside the caller's transaction: judge the failed ``command`` against the ``recovery`` that followed it
    and store the verdict (and, for a lesson or work, the recovery row) as the monitor does."""
    verdict = judge(
        Call("Bash", {"command": command}, False, error, cwd=str(ws.root)),
        [Call("Bash", {"command": recovery}, True, "", cwd=str(ws.root))],
        root=str(ws.root),
        agent=agent,
    )
    incidents.record_verdict(db, key, incident_id, session, at, verdict)
    if verdict.kind in ("lesson", "work"):
        incidents.record_recovery(
            db,
            incident_id,
            incidents.Recovery(
                tool="Bash",
                input={"command": recovery},
                command=recovery,
                session_id=session,
                tool_use_id=f"t{n}-ok",
                at=at,
                failed_input={"command": command},
            ),
        )
    return verdict
