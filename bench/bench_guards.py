"""Guard hook latency, end to end, and the time to match crafted commands.

Run: `python bench/bench_guards.py [RUNS]` (default 200 runs per case). It builds a temporary workspace
with `nevo init`, two rules with guards (a Bash rewrite for `npm run build`, whose cause holds, and a
Read deny for `config/app.yml`), then times the installed hook (`.nevo/hooks/guard`: the sh prefilter,
then `python3 -S -E guard.py` when a needle is in the payload) as Claude Code runs it, one process per
call, the cases interleaved so each sees the same machine load:

- miss: a call with no guard's needle (the shell answers; Python never starts);
- needle, no match: `npm run build:prod` (Python starts, parses, matches nothing);
- stood aside: `npm run build` after the cause is gone (a second workspace whose root has the script;
  the hook checks package.json and records a `stood-aside` event);
- rewrite: `CI=1 npm run build 2>&1 | tail -20` (rewritten; a `hit` event is recorded);
- file deny: a Read of `config/app.yml` (denied naming `config/app.yaml`);
- 1 MB: a here-document writing a megabyte that mentions `npm run build` on every line, then the real
  `npm run build` (rewritten).

Then, in process, the time to split and match crafted commands: the issue's repeated flags (which made
the regex guard of before take seconds) up to 10,000 of them, and a megabyte of each kind of
pathological input (beyond the step budget the reader gives up: the guard stands aside).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nevo import guards, shellwords
from nevo.install import init
from nevo.rules import Rule, RuleBook
from nevo.workspace import Workspace

FIX = "npm --prefix web run build"


def workspace(root: Path, *, cause_holds: bool) -> Workspace:
    root.mkdir()
    scripts = {"test": "true"} | ({} if cause_holds else {"build": "vite build"})
    (root / "package.json").write_text(json.dumps({"scripts": scripts}))
    (root / "config").mkdir()
    (root / "config" / "app.yaml").write_text("port: 1\n")
    ws = Workspace(root)
    init(ws)
    book = RuleBook(ws)
    book.write(
        Rule(
            id="PROJ-001",
            title="Web build",
            body=f"Build the web app with `{FIX}`.",
            trigger="PreToolUse Bash `npm run build`",
            enforcement="guard rewrite",
            verification="v",
            guard={
                "tool": "Bash",
                "match": "npm run build",
                "action": "rewrite",
                "fix": FIX,
                "check": {"kind": "missing-npm-script", "subject": "build", "where": "."},
            },
        )
    )
    book.write(
        Rule(
            id="PROJ-002",
            title="App config",
            body="The app's configuration is `config/app.yaml`.",
            trigger="PreToolUse Read `config/app.yml`",
            enforcement="guard deny",
            verification="v",
            guard={
                "tool": "Read",
                "match": "config/app.yml",
                "action": "deny",
                "fix": "config/app.yaml",
                "check": {"kind": "missing-path", "subject": "config/app.yml", "where": "."},
            },
        )
    )
    assert len(guards.compile_guards(ws)) == 2
    return ws


def payload(ws: Workspace, tool: str, tool_input: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "session_id": "s",
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": tool_input,
            "tool_use_id": "toolu_1",
            "cwd": str(ws.root),
        }
    ).encode()


def timed(ws: Workspace, data: bytes) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run([str(ws.hooks_dir / "guard")], input=data, capture_output=True, check=True)
    return (time.perf_counter() - started) * 1000, done.stdout


def bench_hook(runs: int) -> dict[str, dict[str, float]]:
    big = "cat > notes.txt <<'EOF'\n" + "run `npm run build` from the root\n" * 30_000 + "EOF\nnpm run build"
    with tempfile.TemporaryDirectory() as tmp:
        holds = workspace(Path(tmp) / "holds", cause_holds=True)
        gone = workspace(Path(tmp) / "gone", cause_holds=False)
        cases = {
            "miss (no needle)": (holds, payload(holds, "Bash", {"command": "ls -la src"}), False),
            "needle, no match": (holds, payload(holds, "Bash", {"command": "npm run build:prod"}), False),
            "stood aside (cause gone)": (gone, payload(gone, "Bash", {"command": "npm run build"}), False),
            "rewrite": (holds, payload(holds, "Bash", {"command": "CI=1 npm run build 2>&1 | tail -20"}), True),
            "file-tool deny (Read)": (
                holds,
                payload(holds, "Read", {"file_path": str(holds.root / "config" / "app.yml")}),
                True,
            ),
            "1 MB command (rewrite)": (holds, payload(holds, "Bash", {"command": big}), True),
        }
        # What no hook can go below on this machine now: a shell, and the interpreter with what it imports.
        floors = {
            "floor: sh -c :": ["/bin/sh", "-c", ":"],
            "floor: python3 -S -E, import json, re": [sys.executable, "-S", "-E", "-c", "import json, re"],
        }
        series: dict[str, list[float]] = {name: [] for name in [*cases, *floors]}
        for _ in range(runs):
            for name, (ws, data, acts) in cases.items():
                elapsed, out = timed(ws, data)
                assert bool(out.strip()) is acts, (name, out[:200])
                series[name].append(elapsed)
            for name, command in floors.items():
                started = time.perf_counter()
                subprocess.run(command, check=True)
                series[name].append((time.perf_counter() - started) * 1000)
        sizes = {name: len(data) for name, (_, data, _) in cases.items()} | dict.fromkeys(floors, 0)
    return {
        name: {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[18], 2),
            "payload_bytes": sizes[name],
        }
        for name, values in series.items()
    }


# -- matching, in process --------------------------------------------------------------------------
OLD_PREFIX = (  # the regex guard of before (table version 2), kept here to measure what it cost
    r"((?:^|[;&|(])\s*"
    r"""(?:[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s;&|()"'<>])*\s+)*"""
    r"(?:env\s+(?:[A-Za-z_][A-Za-z0-9_]*=[^\s;&|()<>]*\s+)*)?"
    r"(?:timeout\s+(?:-{1,2}[A-Za-z-]+(?:[=\s][^\s;&|()<>-][^\s;&|()<>]*)?\s+)*\d+(?:\.\d+)?[smhd]?\s+)?)"
    r"npm\s+run\s+build(?=\s*(?:$|[;&|)<>])|\s+\d+[<>])"
)


def match_ms(command: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        hits = [
            h for s in shellwords.segments(command, "/w") if (h := shellwords.match(s, ["npm", "run", "build"], []))
        ]
        outcome = f"{len(hits)} match(es)"
    except shellwords.Unparsable as exc:
        outcome = f"stands aside ({exc})"
    return (time.perf_counter() - started) * 1000, outcome


def bench_matching() -> dict[str, Any]:
    old = re.compile(OLD_PREFIX)
    before = {}
    for n in (10, 14, 16, 18):
        command = "timeout " + "--a b " * n + "npm run build"
        started = time.perf_counter()
        old.search(command)
        before[f"{n} repeated `--a b` flags"] = round((time.perf_counter() - started) * 1000, 1)
    crafted = {
        "25 repeated `--a b` flags": "timeout " + "--a b " * 25 + "npm run build",
        "10,000 repeated `--a b` flags": "timeout " + "--a b " * 10_000 + "npm run build",
        "10,000 repeated `-x` flags after the command": "npm run build " + "-x " * 10_000,
        "1 MB of plain words": "npm run build " + "--flag " * 150_000,
        "1 MB here-document, then the command": "cat > f <<'EOF'\n"
        + "npm run build; echo 'x' $(y)\n" * 36_000
        + "EOF\nnpm run build",
        "1 MB single-quoted string": "echo '" + "npm run build; " * 70_000 + "' && npm run build",
        "1 MB of `;` separators": "x; " * 350_000,
        "1 MB of `2>&1` redirections": "npm run build " + "2>&1 " * 200_000,
        "1 MB of escaped spaces": "a\\ " * 350_000,
        "1 MB of double quotes": '"' * 1_000_000,
        "1 MB of `$(`": "$(" * 500_000,
        "1 MB of `${`": "${" * 500_000,
    }
    after = {}
    for name, command in crafted.items():
        best, outcome = min(match_ms(command) for _ in range(3))
        after[name] = {"ms": round(best, 2), "chars": len(command), "outcome": outcome}
    return {"before (regex guard, table v2)": before, "after (shellwords)": after}


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(json.dumps({"runs": runs, "hook": bench_hook(runs), "matching": bench_matching()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
