"""Benchmark nevo.redact both ways: recall on leaks, false findings on ordinary material, speed.

Run: python bench/bench_redact.py [--quick] [--dump]
     (first: python bench/tool_output.py, and fetch the repositories named in
     bench/ordinary_corpus.py into /work/.mirror; missing ones are skipped and said so)

1. Recall on the generated leak corpus (tests/leak_corpus.py): the "tune" set (every leak there
   must be caught; tests/test_redact.py holds that) and the "heldout" set, generated with another
   seed from context templates the detectors were not tuned on. Per family, per context, and the
   formats with a miss.
2. Findings on ordinary material no one here wrote: public repositories of several languages read
   from the mirrors (one repository held out), and real tool output (bench/tool_output.py). Each
   finding is looked up in bench/redact_review.json, where a person classified it: "false" (no
   one would call the value a secret), "test-credential" (a literal in a credential slot of a test,
   a doc example, a fixture key: a secret in form, not in use) or "secret". The review stores a
   hash of source, path and value, never the value. Unreviewed findings are counted and, with
   --dump, written to $NEVO_BENCH_CACHE/findings.jsonl for review.
3. Throughput: MB/s over the ordinary material and over trigger-sized JSON payloads, and 5 MB
   hostile inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ordinary_corpus import (
    CACHE,
    HELDOUT_REPOS,
    TUNE_REPOS,
    Document,
    available,
    repo_documents,
    tool_output_documents,
)
from nevo.redact import find_secrets, redact, redact_obj
from tests import leak_blind as blind
from tests.leak_corpus import Leak, generate

REVIEW = Path(__file__).resolve().parent / "redact_review.json"


# --- 1. recall -----------------------------------------------------------------------------------
def _strings(obj: object) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _strings(item)


def caught(leak: Leak) -> bool:
    out = "\n".join(_strings(redact_obj(json.loads(leak.text)))) if leak.as_obj else redact(leak.text)
    for secret in leak.secrets:
        pieces = [secret[i : i + 10] for i in range(len(secret) - 9)] if len(secret) >= 12 else [secret]
        if any(piece in out for piece in pieces):
            return False
    return True


def recall(which: str) -> None:
    leaks = generate(which)
    results = [(leak, caught(leak)) for leak in leaks]
    total = sum(ok for _, ok in results)
    print(f"\n{which}: {total}/{len(leaks)} leaks caught ({100 * total / len(leaks):.1f}%)")
    for label, key in (("family", lambda leak: leak.family), ("context", lambda leak: leak.context)):
        groups: dict[str, list[bool]] = defaultdict(list)
        for leak, ok in results:
            groups[key(leak)].append(ok)
        cells = [f"{name} {sum(oks)}/{len(oks)}" for name, oks in sorted(groups.items())]
        print(f"  by {label}: " + ", ".join(cells))
    formats: dict[str, list[bool]] = defaultdict(list)
    for leak, ok in results:
        formats[leak.format].append(ok)
    missed = {name: oks for name, oks in formats.items() if not all(oks)}
    print(f"  formats: {len(formats) - len(missed)}/{len(formats)} fully caught")
    for name, oks in sorted(missed.items()):
        contexts = [leak.context for leak, ok in results if leak.format == name and not ok]
        print(f"    missed {name}: {len(oks) - sum(oks)}/{len(oks)} ({', '.join(contexts)})")


def blind_recall(part: str) -> None:
    """The blind set by a second author (tests/leak_blind.py): leaks caught, near misses kept."""
    leaks = blind.generate(part)
    hits = sum(blind.caught(leak) for leak in leaks)
    cases = {leak.case for leak in leaks}
    missed = sorted({leak.case for leak in leaks if not blind.caught(leak)})
    near = blind.negatives(part)
    kept = sum(blind.clean(leak) for leak in near)
    print(
        f"\nblind {part}: {hits}/{len(leaks)} leaks caught ({100 * hits / len(leaks):.1f}%),"
        f" {len(cases) - len(missed)}/{len(cases)} templates whole, near misses kept {kept}/{len(near)}"
    )
    if missed:
        print(f"  templates with a miss: {', '.join(missed)}")


# --- 2. ordinary material --------------------------------------------------------------------------
def _review() -> dict[str, str]:
    if not REVIEW.exists():
        return {}
    return dict(json.loads(REVIEW.read_text())["labels"])


def finding_key(source: str, path: str, value: str) -> str:
    return hashlib.sha256(f"{source}\0{path}\0{value}".encode()).hexdigest()[:20]


def ordinary(sets: dict[str, Callable[[], Iterable[Document]]], dump: bool) -> tuple[float, float]:
    labels = _review()
    dumped: list[dict[str, str]] = []
    total_mb = total_cpu = 0.0
    header = ("source", "MB", "MB/s", "found", "false", "false/MB", "test", "unreviewed")
    print("\n{:22s} {:>7s} {:>6s} {:>6s} {:>6s} {:>8s} {:>5s} {:>10s}".format(*header))
    for name, documents in sets.items():
        size = cpu = 0.0
        counts: Counter[str] = Counter()
        for doc in documents():
            size += len(doc.text.encode()) / 1e6
            started = time.process_time()
            findings = find_secrets(doc.text)
            cpu += time.process_time() - started
            for finding in findings:
                value = doc.text[finding.start : finding.end]
                key = finding_key(doc.source, doc.path, value)
                label = labels.get(key, "unreviewed")
                counts[label] += 1
                if label == "unreviewed" and dump:
                    line_start = doc.text.rfind("\n", 0, finding.start) + 1
                    line_end = doc.text.find("\n", finding.end)
                    line = doc.text[line_start : line_end if line_end != -1 else len(doc.text)]
                    dumped.append(
                        {"key": key, "set": name, "source": doc.source, "path": doc.path, "kind": finding.kind,
                         "value": value[:200], "line": line[:400]}
                    )  # fmt: skip
        if not size:
            print(f"{name:22s} (not available: fetch it, or run bench/tool_output.py)")
            continue
        total_mb, total_cpu = total_mb + size, total_cpu + cpu
        found = sum(counts.values())
        print(
            f"{name:22s} {size:7.2f} {size / cpu:6.1f} {found:6d} {counts['false']:6d} {counts['false'] / size:8.2f}"
            f" {counts['test-credential']:5d} {counts['unreviewed']:10d}"
            + (f"  secret: {counts['secret']}" if counts["secret"] else "")
        )
    if dump:
        path = CACHE / "findings.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(row) + "\n" for row in dumped))
        print(f"{len(dumped)} unreviewed findings written to {path}")
    return total_mb, total_cpu


# --- 3. speed ----------------------------------------------------------------------------------------
OUTPUTS = [
    "============================= test session starts ==============================\n"
    "platform linux -- Python 3.11.7, pytest-8.1.1, pluggy-1.4.0\nrootdir: /tmp/ws\n"
    "collected 42 items\n\ntests/test_api.py ....F.....                                     [ 23%]\n"
    "=================================== FAILURES ===================================\n"
    "______________________________ test_token_refresh ______________________________\n"
    "    def test_token_refresh(client):\n        resp = client.post('/auth/refresh')\n"
    ">       assert resp.status_code == 200\nE       assert 401 == 200\n"
    "tests/test_auth.py:88: AssertionError\nFAILED tests/test_auth.py::test_token_refresh\n",
    "On branch feature/login\nChanges not staged for commit:\n  modified:   src/auth/session.py\n"
    "  modified:   src/auth/token_store.py\n\nUntracked files:\n  notes.md\n",
    "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nnpm ERR!\n"
    "npm ERR! While resolving: app@1.0.0\nnpm ERR! Found: react@18.2.0\nnpm ERR! node_modules/react\n",
    'Traceback (most recent call last):\n  File "/app/main.py", line 12, in <module>\n    main()\n'
    "  File \"/app/config.py\", line 30, in load_config\n    raise KeyError(key)\nKeyError: 'database_url'\n",
    'src/auth.py:42:5: error: Incompatible types in assignment (expression has type "int", '
    'variable has type "str")  [assignment]\nFound 1 error in 1 file (checked 12 source files)\n',
]


def typical_payloads(count: int, seed: int = 7) -> list[str]:
    """Trigger-sized JSON payloads shaped like Claude Code's PostToolUseFailure, one in ten holding a
    secret from the leak corpus."""
    rng = random.Random(seed)
    secrets = [leak.text for leak in generate("tune") if not leak.as_obj and len(leak.text) < 400]
    payloads = []
    for index in range(count):
        output = "".join(rng.choice(OUTPUTS) for _ in range(3))[:1500]
        if index % 10 == 0:
            output += "\n" + rng.choice(secrets) + "\n"
        payload = {
            "session_id": f"5f0c{index:08x}-2b1e-4c55-9a0e-1d2c3b4a5f60",
            "transcript_path": "/root/.claude/projects/-tmp-ws/5f0c.jsonl",
            "cwd": "/tmp/ws",
            "hook_event_name": "PostToolUseFailure",
            "tool_name": "Bash",
            "tool_input": {"command": "python -m pytest -q", "description": "run tests"},
            "tool_use_id": f"toolu_01{index:022d}",
            "error": "Exit code 1\n" + output,
            "is_interrupt": False,
            "duration_ms": rng.randint(10, 5000),
        }
        payloads.append(json.dumps(payload))
    return payloads


FIVE_MB = 5 * 1024 * 1024
# Each hostile text starts with "X1 ": plain lowercase text is decided at once by one match, and
# several units below are plain; the prefix makes the detectors read them.
HOSTILE = {
    "one letter": "a",
    "long key run x_api_key_token_": "x_api_key_token_secret_",
    'unterminated quotes password="': 'password="',
    "PEM BEGIN without END": "-----BEGIN " + "PRIVATE KEY-----\n",
    "eyJeyJeyJ": "eyJ",
    "scheme runs a://": "a://",
    "backslashes": "\\",
    "dense token: token:": "token: ",
    "dense mysql -p": "mysql -p",
    "dense password=": "password=",
    "sk-sk-sk-": "sk-",
    "dense pw pw": "pw ",
    "dense as the password": " as the password ",
    "dense identified by": "IDENTIFIED BY x ",
    "dense http-basic": "config http-basic.x u ",
    "dense a/b@ on a sqlplus line": "a/b@sqlplus ",
    "dense Cyrillic пароль:": "пароль: ",
}


def _mixed_fragments(size: int) -> str:
    """Random key/value fragments: dense like the units above, but no window recurs, so the
    keyed detector's verdict memo does not help (its worst case)."""
    rng = random.Random(3)
    pieces = ["token: ", "password=", "pw ", "key=", "auth: ", "--token ", "secret_key = ", '"password": "', "x",
              "ab12", "Q9!", " ", "\n", "-p ", "mysql ", "=", ":", "'"]  # fmt: skip
    return "".join(rng.choice(pieces) for _ in range(size // 4))[:size]


def speed(quick: bool) -> None:
    count = 1_000 if quick else 10_000
    payloads = typical_payloads(count)
    redact(payloads[0])
    runs = []
    for _ in range(3):
        started = time.process_time()
        changed = sum(1 for p in payloads if redact(p) is not p)
        runs.append(time.process_time() - started)
    size = sum(len(p) for p in payloads) / 1e6
    best = min(runs)
    print(
        f"\ntypical payloads: {count}, {size:.1f} MB: cpu {best:.2f} s, {size / best:.1f} MB/s,"
        f" {best / count * 1e6:.0f} us each, {changed} changed"
    )
    # What the monitor redacts per trigger: the tool_input object, the error text, the cwd.
    parsed = [json.loads(p) for p in payloads]
    runs = []
    for _ in range(3):
        started = time.process_time()
        for payload in parsed:
            redact_obj(payload["tool_input"])
            redact(payload["error"])
            redact(payload["cwd"])
        runs.append(time.process_time() - started)
    size = sum(len(json.dumps(p["tool_input"])) + len(p["error"]) + len(p["cwd"]) for p in parsed) / 1e6
    best = min(runs)
    print(
        f"as the monitor calls it (tool_input, error, cwd): {size:.1f} MB, {size / best:.1f} MB/s,"
        f" {best / count * 1e6:.0f} us per trigger"
    )
    for name, unit in list(HOSTILE.items())[: 4 if quick else None]:
        text = "X1 " + (unit * (FIVE_MB // len(unit) + 1))[:FIVE_MB]
        started = time.process_time()
        redact(text)
        print(f"hostile 5 MB: {name:34s} cpu {time.process_time() - started:.2f} s")
    if not quick:
        text = _mixed_fragments(FIVE_MB)
        started = time.process_time()
        redact(text)
        print(f"hostile 5 MB: {'random key/value fragments':34s} cpu {time.process_time() - started:.2f} s")
    print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="recall and speed only, fewer payloads")
    parser.add_argument("--dump", action="store_true", help="write unreviewed findings for review")
    parser.add_argument("--only", choices=["recall", "ordinary", "speed"], help="one part only")
    args = parser.parse_args()
    if args.only in (None, "recall"):
        recall("tune")
        recall("heldout")
        blind_recall("tune")
        blind_recall("holdout")
    if args.only in (None, "ordinary") and not args.quick:
        sets: dict[str, Callable[[], Iterable[Document]]] = {}
        for repo in (*TUNE_REPOS, *HELDOUT_REPOS):
            label = repo.split("+", 1)[1] + (" (held out)" if repo in HELDOUT_REPOS else "")
            sets[label] = (lambda r=repo: repo_documents(r)) if available(repo) else (lambda: iter(()))
        sets["tool output"] = tool_output_documents
        mb, cpu = ordinary(sets, args.dump)
        if mb:
            print(f"ordinary material: {mb:.1f} MB, {mb / cpu:.1f} MB/s (cpu time)")
    if args.only in (None, "speed"):
        speed(args.quick)


if __name__ == "__main__":
    main()
