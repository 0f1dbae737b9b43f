"""Phase 5 of the blind corpus: a third set, written and labelled before reading nevo's judgment, with programs
and errors phases 1 and 3 used little or not at all.

Split up front, before any measurement: TUNE5 (about 60%) may be studied and fixed against; HOLD5 (about 40%) is
measured once blind and once at the very end, never studied. The split is fixed by each scenario's position in
its file (positions 1 and 3 of every five go to HOLD5), so it covers every group of both files alike.
"""

from __future__ import annotations

from tests.blind_corpus.p5_lessons import SCENARIOS as LESSONS
from tests.blind_corpus.p5_traps import SCENARIOS as TRAPS

SCENARIOS = [*LESSONS, *TRAPS]
HOLD5 = frozenset(s.id for part in (LESSONS, TRAPS) for n, s in enumerate(part) if n % 5 in (1, 3))
TUNE5 = frozenset(s.id for s in SCENARIOS) - HOLD5
PARTS = {"tune": TUNE5, "hold": HOLD5}
