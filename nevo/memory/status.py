"""What memory holds: counts for `nevo memory status` (and `nevo status`)."""

from __future__ import annotations

from typing import Any

from nevo.db import Database
from nevo.workspace import Workspace


def memory_status(db: Database, workspace: Workspace) -> dict[str, Any]:
    def count(sql: str) -> int:
        return int(db.scalar(sql) or 0)

    narrated = db.one(
        "SELECT COALESCE(SUM(narrative_chars), 0) AS n, COALESCE(SUM(journal_chars), 0) AS j FROM narratives"
    )
    assert narrated is not None
    inbox = workspace.memory_dir / "inbox.md"
    from nevo.memory.inbox import entries

    return {
        "sessions": count("SELECT COUNT(*) FROM sessions"),
        "journal": count("SELECT COUNT(*) FROM journal"),
        "narratives": count("SELECT COUNT(*) FROM narratives"),
        "facts": count("SELECT COUNT(*) FROM facts"),
        "weekly": count("SELECT COUNT(*) FROM digests WHERE kind = 'weekly'"),
        "monthly": count("SELECT COUNT(*) FROM digests WHERE kind = 'monthly'"),
        "pending": count("SELECT COUNT(*) FROM sessions WHERE narrated_seq < next_seq - 1"),
        "undigested": count("SELECT COUNT(*) FROM sessions WHERE weekly_id IS NULL"),
        "compression": round(narrated["n"] / narrated["j"], 4) if narrated["j"] else None,
        "inbox": len(entries(inbox.read_text(encoding="utf-8"))) if inbox.is_file() else 0,
        "memory_chars": _size(workspace, "MEMORY.md"),
        "user_chars": _size(workspace, "USER.md"),
        "last_nightly": db.scalar("SELECT value FROM meta WHERE key = 'nightly.last_run'"),
    }


def _size(workspace: Workspace, name: str) -> int:
    path = workspace.memory_dir / name
    return len(path.read_text(encoding="utf-8")) if path.is_file() else 0
