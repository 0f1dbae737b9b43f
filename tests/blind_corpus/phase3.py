"""Phase 3 of the blind corpus: written and labelled after the phase 2 fixes, with other projects, tools and
errors than phase 1, and measured once (the figures before any fix they showed are in RESULTS.md)."""

from __future__ import annotations

from tests.blind_corpus.p3_lessons import SCENARIOS as LESSONS
from tests.blind_corpus.p3_traps import SCENARIOS as TRAPS

SCENARIOS = [*LESSONS, *TRAPS]
