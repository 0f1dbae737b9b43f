"""Phase 1 of the blind corpus (written and labelled before reading nevo's judgment): lessons and traps."""

from __future__ import annotations

from tests.blind_corpus.p1_lessons import SCENARIOS as LESSONS
from tests.blind_corpus.p1_traps import SCENARIOS as TRAPS

SCENARIOS = [*LESSONS, *TRAPS]
