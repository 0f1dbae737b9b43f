"""Regenerate the labelled recovery corpus: real tools in real temporary projects, no network.

    python tests/corpus/gen_recoveries.py dev        -> tests/corpus/recoveries_dev.json
    python tests/corpus/gen_recoveries.py heldout    -> tests/corpus/recoveries_heldout.json
    python tests/corpus/gen_recoveries.py dev --only npm-prefix   (one scenario, printed)

The two sets are separate configurations: different projects, names, commands and tools. Tune the
judgment (nevo.lesson) on ``dev`` only; ``heldout`` is for the final measurement.

Needs git, node and npm, make, gcc, sqlite3, lsof, fuser, curl, and a python3 with pytest (the one running
this); the held-out set also cargo. Each sequence is stored the way the monitor sees a session: the failed
call (tool, input, "Exit code N" and the output, as Claude Code reports it) and the calls after it with
their results.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.corpus.harness import run_scenario  # noqa: E402

OUT = Path(__file__).resolve().parent
NEEDED = {"dev": ("git", "node", "npm", "make", "gcc", "sqlite3", "lsof", "fuser", "curl"), "heldout": ("cargo",)}


def load(which: str):  # type: ignore[no-untyped-def]
    if which == "dev":
        from tests.corpus import projects, scenarios_dev

        return scenarios_dev.SCENARIOS, projects.BUILDERS
    from tests.corpus import scenarios_heldout

    return scenarios_heldout.SCENARIOS, scenarios_heldout.BUILDERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("dev", "heldout"))
    parser.add_argument("--only", help="run one scenario and print it (nothing is written)")
    args = parser.parse_args(argv)
    missing = [
        t for t in (*NEEDED["dev"], *(NEEDED["heldout"] if args.which == "heldout" else ())) if not shutil.which(t)
    ]
    if missing:
        print(f"missing tools: {', '.join(missing)}; install them and run again", file=sys.stderr)
        return 1
    scenarios, builders = load(args.which)
    ids = [s.id for s in scenarios]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"duplicate scenario ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    if args.only:
        [scenario] = [s for s in scenarios if s.id == args.only]
        print(json.dumps(run_scenario(scenario, builders), indent=1, ensure_ascii=False))
        return 0
    records = []
    for scenario in scenarios:
        print(f"  {scenario.id}", file=sys.stderr)
        records.append(run_scenario(scenario, builders))
    path = OUT / f"recoveries_{args.which}.json"
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} sequences to {path.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
