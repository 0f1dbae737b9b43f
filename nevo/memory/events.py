"""How long an event lasts, from its own words: "gpu2 is down today, back tomorrow morning" is over in two days,
whatever the events' time to live (:func:`nevo.memory.facts.expiry` takes the shorter)."""

from __future__ import annotations

import re

from nevo.memory.statements import MONTH, WEEKDAY

_TODAY = re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.IGNORECASE)
_TOMORROW = re.compile(r"\btomorrow\b", re.IGNORECASE)
_LATER = re.compile(
    rf"\b(?:{WEEKDAY}s?|week|weekend|sprint|month|(?:until|till|through)\s+(?:next|the\s+end|end|\d)|{MONTH}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|q[1-4]|days|weeks)\b",
    re.IGNORECASE,
)
_STATE = re.compile(r"\b(?:is|are|am|'s|'re|be|being|having)\b", re.IGNORECASE)
_DONE = re.compile(r"\b(?:was|were|has\s+been|have\s+been|happened|went|[a-z]{3,}ed\s+(?:today|tonight))\b", re.I)


def event_days(text: str) -> int | None:
    """How many days an event lasts when its own words say it is over within a day or two ("gpu2 is down today,
    back tomorrow morning": 2); None when they say nothing so short, or name a later time too."""
    body = re.sub(r"^\d{4}-\d{2}-\d{2}:\s*", "", text)  # the day it was said, which extraction put in front
    if _LATER.search(body) or not _STATE.search(body) or _DONE.search(body):
        return None  # "the release happened today" is news that matters for a while, not a state that ends
    if _TOMORROW.search(body):
        return 2
    return 1 if _TODAY.search(body) else None
