"""The blind leak set: secrets in places a coding agent meets them, written by a second author who
had not read the round-1 corpus (tests/leak_corpus.py, tests/leak_formats.py) or the detectors'
patterns: `git remote -v` output, docker/kubectl/terraform/helm flags, curl credentials, package
manager files, notebooks, stack traces printing environments and config objects, JSON logs, SQL,
credential files, cloud CLIs, webhooks, signed URLs, private keys in heredocs, prose in several
languages. Values are fake, of each provider's real shape (tests/leak_blind_values.py), and exist
only at run time.

Two parts written at the same time, before anything was measured:
- ``tune``: the templates in tests/leak_blind_cases.TUNE; misses here may be studied and fixed.
- ``holdout``: other templates of the same families (tests/leak_blind_cases.HOLDOUT); measured
  once before fixing and once after, never studied in between. Its misses then guided a second
  round of fixes, measured on
- ``holdout2`` (tests/leak_blind_cases2.py), written after that measurement and before the study.
- ``tune3`` and ``holdout3`` (tests/leak_blind_cases3.py): a third author's part, split up front.
Each part also has near misses with no secret (``negatives``): text that must come out unchanged.

A template holds fields ⟪gen⟫ (an ordinary value) and ⟪S:gen⟫ (a secret); ⟪S:gen#2⟫ is a second,
different value of the same generator, and a field named twice takes the same value twice.
Modes: "text" (the text is redacted with redact), "json" (JSON text redacted with redact, values
JSON-escaped), "obj" (JSON parsed and redacted with redact_obj, as the monitor does tool_input).

Run: python tests/leak_blind.py [--part tune|holdout|holdout2|tune3|holdout3] [--seed N] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nevo.redact import find_secrets, redact, redact_obj
from tests.leak_blind_cases import HOLDOUT, HOLDOUT_NEGATIVE, TUNE, TUNE_NEGATIVE, Case
from tests.leak_blind_cases2 import HOLDOUT2, HOLDOUT2_NEGATIVE
from tests.leak_blind_cases3 import HOLDOUT3, HOLDOUT3_NEGATIVE, TUNE3, TUNE3_NEGATIVE
from tests.leak_blind_values import GENERATORS, SECRET_CORE

__all__ = ["BlindLeak", "caught", "clean", "generate", "negatives"]

SEEDS = {"tune": 2101, "holdout": 7919, "holdout2": 4409, "tune3": 6133, "holdout3": 8831}
INSTANCES = 3
_FIELD = re.compile(r"⟪(S:)?([a-z0-9_]+)(?:#\d+)?⟫")


@dataclass(frozen=True)
class BlindLeak:
    """One case: after redaction no 10-character piece of any of `secrets` may remain."""

    case: str
    family: str
    mode: str
    text: str
    secrets: tuple[str, ...]


def _fill(case: Case, rng: random.Random) -> BlindLeak:
    values: dict[str, str] = {}
    secrets: list[str] = []

    def value(match: re.Match[str]) -> str:
        key = match.group(0)
        if key not in values:
            raw = GENERATORS[match.group(2)](rng)
            shown = json.dumps(raw)[1:-1] if case.mode in ("json", "obj") else raw
            values[key] = shown
            if match.group(1):
                core = SECRET_CORE.get(match.group(2), str)
                secrets.append(core(raw if case.mode == "obj" else shown))
        return values[key]

    text = _FIELD.sub(value, case.text)
    if case.mode == "obj":
        json.loads(text)  # a template error shows here, not as a miss
    return BlindLeak(case.name, case.family, case.mode, text, tuple(secrets))


def generate(part: str = "tune", seed: int | None = None, instances: int = INSTANCES) -> list[BlindLeak]:
    cases = {"tune": TUNE, "holdout": HOLDOUT, "holdout2": HOLDOUT2, "tune3": TUNE3, "holdout3": HOLDOUT3}[part]
    rng = random.Random(SEEDS[part] if seed is None else seed)
    return [_fill(case, rng) for case in cases for _ in range(instances)]


def negatives(part: str = "tune", seed: int | None = None) -> list[BlindLeak]:
    cases = {
        "tune": TUNE_NEGATIVE,
        "holdout": HOLDOUT_NEGATIVE,
        "holdout2": HOLDOUT2_NEGATIVE,
        "tune3": TUNE3_NEGATIVE,
        "holdout3": HOLDOUT3_NEGATIVE,
    }[part]
    rng = random.Random((SEEDS[part] if seed is None else seed) + 1)
    return [_fill(case, rng) for case in cases for _ in range(2)]


def _strings(obj: object) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _strings(item)


def redacted(leak: BlindLeak) -> str:
    if leak.mode == "obj":
        return "\n".join(_strings(redact_obj(json.loads(leak.text))))
    return redact(leak.text)


def caught(leak: BlindLeak) -> bool:
    out = redacted(leak)
    for secret in leak.secrets:
        pieces = [secret[i : i + 10] for i in range(len(secret) - 9)] if len(secret) >= 12 else [secret]
        if any(piece in out for piece in pieces):
            return False
    return True


def clean(leak: BlindLeak) -> bool:
    """A near miss comes out unchanged."""
    if leak.mode == "obj":
        obj = json.loads(leak.text)
        return redact_obj(obj) == obj
    return not find_secrets(leak.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["tune", "holdout", "holdout2", "tune3", "holdout3", "all"], default="all")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    for part in ("tune", "holdout", "holdout2") if args.part == "all" else (args.part,):
        leaks = generate(part, args.seed)
        results = [(leak, caught(leak)) for leak in leaks]
        hits = sum(ok for _, ok in results)
        cases: dict[str, list[bool]] = defaultdict(list)
        families: dict[str, list[bool]] = defaultdict(list)
        for leak, ok in results:
            cases[leak.case].append(ok)
            families[leak.family].append(ok)
        full = sum(all(v) for v in cases.values())
        rate = f"{hits}/{len(leaks)} leaks caught ({100 * hits / len(leaks):.1f}%)"
        print(f"{part}: {rate}, {full}/{len(cases)} templates whole")
        print("  by family: " + ", ".join(f"{f} {sum(v)}/{len(v)}" for f, v in sorted(families.items())))
        missed = sorted(name for name, v in cases.items() if not all(v))
        print(f"  templates with a miss ({len(missed)}): {', '.join(missed)}")
        near = negatives(part, args.seed)
        dirty = [leak for leak in near if not clean(leak)]
        print(f"  near misses kept clean: {len(near) - len(dirty)}/{len(near)}")
        if dirty:
            print(f"  changed: {', '.join(sorted({leak.case for leak in dirty}))}")
        if args.show_misses:
            for leak, ok in results:
                if not ok:
                    print(f"\n--- MISS {leak.case}\n{leak.text}\n=> {redacted(leak)}")
            for leak in dirty:
                print(f"\n--- CHANGED {leak.case}\n{leak.text}\n=> {redacted(leak)}")


if __name__ == "__main__":
    main()
