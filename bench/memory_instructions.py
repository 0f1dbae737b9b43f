"""Instructions as real people write them: which lines of public instruction files become facts when typed as a prompt.

    python bench/memory_instructions.py            # figures on both parts of the blind set
    python bench/memory_instructions.py --show A   # also list part A's misses and false instructions (tuning)

The labelled lines (tests/corpus/memory_instructions_blind.tsv) are lines of public CLAUDE.md / AGENTS.md /
.cursorrules files, read at run time from the repositories' snapshots under /work/.mirror (``NEVO_MIRROR``) at
the commits recorded there; only their labels and hashes are committed. A line whose hash no longer matches
is reported and skipped. Ordinary task prompts (tests/corpus/memory_instructions_tasks.tsv) are the other
negatives.

Each line is split into two parts by its hash: part A may be read while tuning, part B is only ever counted.

- recall: instruction lines (label I) from which :func:`nevo.memory.extract.facts_from_prompt` takes a fact of
  category preference or configuration (and, apart, as a preference: an instruction);
- false instructions: other lines (label N, and the task prompts) taken as a preference;
- D lines (descriptive facts of a project's layout or setup) are counted apart: neither error nor miss.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nevo.memory.extract import facts_from_prompt  # noqa: E402

BLIND = ROOT / "tests" / "corpus" / "memory_instructions_blind.tsv"
TASKS = ROOT / "tests" / "corpus" / "memory_instructions_tasks.tsv"


@dataclass(frozen=True)
class Line:
    text: str
    label: str  # I, N, D
    kind: str  # imp, pro, decl, set, cmd for I; the source for negatives
    source: str

    @property
    def part(self) -> str:
        return "A" if int(hashlib.sha1(self.text.encode()).hexdigest()[-1], 16) % 2 == 0 else "B"


def as_read(raw: str) -> str:
    """A line of an instruction file as a person would type it: no bullet, no bold markers."""
    line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", raw)
    return line.replace("**", "").replace("__", "").strip()


def _file_lines(mirror: Path, repo: str, commit: str, path: str) -> list[str] | None:
    git_dir = mirror / repo.replace("/", "+") / "repo"
    shown = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
    )
    return shown.stdout.splitlines() if shown.returncode == 0 else None


def load(mirror: Path) -> tuple[list[Line], list[str]]:
    commits: dict[str, str] = {}
    lines: list[Line] = []
    problems: list[str] = []
    cache: dict[tuple[str, str], list[str] | None] = {}
    for row in BLIND.read_text(encoding="utf-8").splitlines():
        if row.startswith("#commit"):
            _, repo, commit = row.split("\t")
            commits[repo] = commit
            continue
        if row.startswith("#") or not row.strip():
            continue
        repo, path, number, digest, label, kind = row.split("\t")
        key = (repo, path)
        if key not in cache:
            cache[key] = _file_lines(mirror, repo, commits[repo], path)
        raw = cache[key]
        if raw is None:
            problems.append(f"{repo}:{path} is not in {mirror} (fetch github:{repo})")
            continue
        text = as_read(raw[int(number) - 1]) if int(number) <= len(raw) else ""
        if hashlib.sha1(text.encode()).hexdigest()[:12] != digest:
            problems.append(f"{repo}:{path}:{number} no longer reads as labelled")
            continue
        lines.append(Line(text, label, kind, f"{repo}:{path}:{number}"))
    for row in TASKS.read_text(encoding="utf-8").splitlines():
        if row.startswith("#") or not row.strip():
            continue
        source, text = row.split("\t", 1)
        lines.append(Line(text, "N", f"task-{source}", "task prompt"))
    return lines, sorted(set(problems))


def measure(lines: list[Line], show: str = "") -> dict[str, object]:
    figures: dict[str, object] = {}
    for part in ("A", "B"):
        mine = [line for line in lines if line.part == part]
        found, as_instruction, false, any_fact = Counter(), Counter(), Counter(), Counter()
        total: Counter[str] = Counter()
        misses: list[str] = []
        wrong: list[str] = []
        for line in mine:
            categories = {c.category for c in facts_from_prompt(line.text, 1)}
            if line.label == "I":
                total["I"] += 1
                total[f"I:{line.kind}"] += 1
                if categories & {"preference", "configuration"}:
                    found["I"] += 1
                    found[f"I:{line.kind}"] += 1
                else:
                    misses.append(f"{line.kind:5} {categories or '-'} {line.text}")
                if "preference" in categories:
                    as_instruction["I"] += 1
            elif line.label == "N":
                group = "task" if line.kind.startswith("task") else "file"
                total[f"N:{group}"] += 1
                if "preference" in categories:
                    false[f"N:{group}"] += 1
                    wrong.append(f"{sorted(categories)} {line.text}")
                if categories:
                    any_fact[f"N:{group}"] += 1
            else:
                total["D"] += 1
                if categories:
                    any_fact["D"] += 1
        figures[part] = {
            "instructions_found": f"{found['I']}/{total['I']}",
            "instructions_found_as_preference": f"{as_instruction['I']}/{total['I']}",
            "by_kind": {
                kind: f"{found[f'I:{kind}']}/{total[f'I:{kind}']}" for kind in ("imp", "pro", "decl", "set", "cmd")
            },
            "false_instructions_file_lines": f"{false['N:file']}/{total['N:file']}",
            "false_instructions_task_prompts": f"{false['N:task']}/{total['N:task']}",
            "negatives_with_any_fact": f"{any_fact['N:file'] + any_fact['N:task']}/{total['N:file'] + total['N:task']}",
            "descriptive_lines_with_a_fact": f"{any_fact['D']}/{total['D']}",
        }
        if show == part:
            figures[part]["misses"] = misses  # type: ignore[index]
            figures[part]["false"] = wrong  # type: ignore[index]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", choices=("A",), default="", help="list part A's misses and false instructions")
    args = parser.parse_args()
    mirror = Path(os.environ.get("NEVO_MIRROR", "/work/.mirror"))
    lines, problems = load(mirror)
    figures = measure(lines, args.show)
    figures["lines"] = len(lines)
    figures["problems"] = problems
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
