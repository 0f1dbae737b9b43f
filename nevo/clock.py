"""Time is passed in: every function that needs "now" takes a Clock, so tests and ``--now`` control it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock frozen at ``moment`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return lambda: moment


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant (``2026-11-21``, ``2026-11-21T03:00``, ``...Z``); naive means UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        from nevo.errors import NevoError

        raise NevoError(f"not an ISO 8601 date or time: {text!r}", "for example 2026-11-21T03:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """The canonical stored form: UTC, seconds precision, ``Z`` suffix (sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
