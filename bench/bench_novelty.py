"""Novelty on rule pairs written from public rule sets: precision and recall of "duplicate", per part.

tests/data/paraphrases_public.json holds 165 labelled pairs (duplicate / related / distinct) written from the
rules of public projects: the tuning part from PatrickJS/awesome-cursorrules, the held-out part from
lirantal/agent-rules (split by source repository; the thresholds were tuned on the tuning part only). Also
printed: nevo's own 76 pairs (tests/data/paraphrases.json), where "related" pairs may be called duplicates
by neither, and how often a related or distinct pair is called a duplicate.

tests/data/paraphrases_public2.json holds 106 more pairs written for issue 12's second round, before its changes:
the tuning part ("tune2") from sx4im/awesome-claude-md (the "NEVER DO THIS" rules of its 502 CLAUDE.md
templates), the held-out part ("holdout2") from ivangrynenko/cursorrules (.cursor/rules). Side "a" is always a
rule as the source wrote it; side "b" is another rule of the same source ("b_is": "rule") or a paraphrase written
for the pair ("paraphrase"). Both parts were measured blind first; then only "tune2" (and the first file's
parts) was looked at while tuning, and "holdout2" was measured again at the end.

tests/data/paraphrases_public3.json holds 211 pairs written for the third round, before its changes: "tune3" from
github/awesome-copilot (instructions/), "holdout3" from continuedev/awesome-rules and sanjeed5/awesome-cursor-rules-mdc
(rules-mdc/). Each side records the file it was taken from ("a_from", "b_from"), or "written for the pair".

Run: python bench/bench_novelty.py. Prints JSON. Offline (the model path, novelty.judge_with_model, needs a
provider and is not measured here).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nevo.novelty import DUPLICATE_AT, RELATED_AT, features, similarity

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def figures(pairs: list[dict[str, str]]) -> dict[str, object]:
    tp = fp = fn = 0
    called: dict[str, dict[str, int]] = {}
    for pair in pairs:
        score = similarity(features(pair["a"]), features(pair["b"]))
        verdict = "duplicate" if score >= DUPLICATE_AT else "related" if score >= RELATED_AT else "novel"
        actual = pair["label"]
        called.setdefault(actual, {}).setdefault(verdict, 0)
        called[actual][verdict] += 1
        tp += verdict == "duplicate" and actual == "duplicate"
        fp += verdict == "duplicate" and actual != "duplicate"
        fn += verdict != "duplicate" and actual == "duplicate"
    return {
        "pairs": len(pairs),
        "precision": round(tp / max(1, tp + fp), 3),
        "recall": round(tp / max(1, tp + fn), 3),
        "true_duplicates": tp,
        "false_duplicates": fp,
        "missed_duplicates": fn,
        "called": called,
    }


def main() -> None:
    public = json.loads((DATA / "paraphrases_public.json").read_text(encoding="utf-8"))
    own = json.loads((DATA / "paraphrases.json").read_text(encoding="utf-8"))
    report = {
        part: {
            "source": sorted({p["source"] for p in public if p["part"] == part}),
            **figures([p for p in public if p["part"] == part]),
        }
        for part in ("tune", "holdout")
    }
    second = json.loads((DATA / "paraphrases_public2.json").read_text(encoding="utf-8"))
    for part in ("tune2", "holdout2"):
        chosen = [p for p in second if p["part"] == part]
        report[part] = {"source": sorted({p["source"] for p in chosen}), **figures(chosen)}
    third = json.loads((DATA / "paraphrases_public3.json").read_text(encoding="utf-8"))
    for part in ("tune3", "holdout3"):
        chosen = [p for p in third if p["part"] == part]
        report[part] = {"source": sorted({p["source"] for p in chosen}), **figures(chosen)}
    report["nevo-own-76"] = figures(own)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
