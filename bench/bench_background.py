"""The run at session end: what the SessionEnd hook costs the agent, and what the background run costs.

1. Wall time of ``hooks/session-end`` (what Claude Code waits for at the end of a session; all SessionEnd
   hooks share a 1.5 s budget; target: well under 50 ms) against a bare ``sh -c 'cat > file'`` on the same
   payload, interleaved. The hook's detached part (the rename, then ``python -m nevo.background``) runs
   after it returned: for this series the recorded interpreter is ``/bin/true``, so hundreds of runs do
   not start hundreds of Pythons; a second series with the real interpreter (one run at a time, each
   waited for) shows the hook's own time does not depend on what it starts.
2. The background run itself (``python -m nevo.background WORKSPACE``, started directly and timed until
   it exits): wall and CPU time and peak memory for a session that taught a rule (a failure, its recovery
   in the transcript, the Stop and SessionEnd triggers: monitor pass, analysis, commit, publish), and for a
   session with nothing to learn (only SessionEnd).

Run: python bench/bench_background.py [--runs 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nevo import background
from nevo.install import init, interpreter_path
from nevo.workspace import Workspace

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def session_end(session: str, transcript: str, cwd: str) -> bytes:
    payload = {
        "session_id": session,
        "transcript_path": transcript,
        "cwd": cwd,
        "hook_event_name": "SessionEnd",
        "reason": "prompt_input_exit",
        "permission_mode": "default",
    }
    return json.dumps(payload).encode()


def timed(command: list[str], data: bytes) -> float:
    started = time.perf_counter()
    subprocess.run(command, input=data, check=True, capture_output=True)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def hook_latency(root: Path, runs: int) -> None:
    ws = Workspace(root / "latency")
    ws.root.mkdir()
    init(ws)
    real_python = interpreter_path(ws).read_text()
    hook = str(ws.hooks_dir / "session-end")
    bare_target = root / "bare.json"
    data = session_end("s" * 36, "/tmp/x.jsonl", str(ws.root))
    interpreter_path(ws).write_text("/bin/true\n")
    hook_times, bare_times = [], []
    for _ in range(runs):
        hook_times.append(timed([hook], data))
        bare_times.append(timed(["sh", "-c", f"cat > {bare_target}"], data))
    print(f"SessionEnd hook vs bare `sh -c 'cat > file'` ({runs} interleaved runs each; detached part: /bin/true)")
    print("             median ms   p95 ms   max ms")
    for name, values in (("bare", bare_times), ("hook", hook_times)):
        ms = [v * 1000 for v in values]
        print(f"  {name:8s}  {statistics.median(ms):9.2f}  {percentile(ms, 0.95):7.2f}  {max(ms):7.2f}")
    print(f"  ratio      {statistics.median(hook_times) / statistics.median(bare_times):8.2f}x")

    # The real interpreter: each run waited for, so they never pile up.
    interpreter_path(ws).write_text(real_python)
    for trigger in ws.triggers_dir.glob("*.json"):
        trigger.unlink()
    real = []
    for number in range(20):
        real.append(timed([hook], data))
        deadline = time.monotonic() + 60
        while len(background.read_state(ws)["runs"]) < number + 1 or background.is_running(ws):
            if time.monotonic() > deadline:
                raise SystemExit("a background run did not finish within 60 s")
            time.sleep(0.01)
    ms = [v * 1000 for v in real]
    print(
        f"  hook with the real interpreter (20 runs, each run waited for): median {statistics.median(ms):.2f} ms,"
        f" max {max(ms):.2f} ms"
    )


def learning_workspace(root: Path, name: str, teach: bool) -> Workspace:
    """An installed git project whose pending triggers are one session's: with ``teach``, a failed
    `npm run build` and its recovery; without, only the session's end."""
    ws = Workspace(root / name)
    (ws.root / "web").mkdir(parents=True)
    (ws.root / "web" / "package.json").write_text('{"name": "web", "scripts": {"build": "true"}}')
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=ws.root, check=True, env=env)
    init(ws)
    config = ws.config_path.read_text().replace("name: auto", "name: offline", 1)
    ws.config_path.write_text(config)
    subprocess.run(["git", "add", "."], cwd=ws.root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "base"], cwd=ws.root, check=True, env=env)
    transcript = root / f"{name}.jsonl"
    lines = []
    stamp = iter(range(1, 100))

    def line(kind: str, content: list[dict[str, object]]) -> None:
        second = next(stamp)
        lines.append(
            {
                "type": kind,
                "sessionId": "s1",
                "cwd": str(ws.root),
                "version": "2.1.197",
                "uuid": f"u{second}",
                "timestamp": f"2026-11-21T03:00:{second:02d}Z",
                "message": {"role": kind, "content": content},
            }
        )

    error = 'Exit code 1\nnpm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:'
    if teach:
        line("user", [{"type": "text", "text": "build the web app"}])
        line("assistant", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "npm run build"}}])
        line("user", [{"type": "tool_result", "tool_use_id": "t1", "content": error, "is_error": True}])
        fixed = {"command": "npm --prefix web run build"}
        line("assistant", [{"type": "tool_use", "id": "t2", "name": "Bash", "input": fixed}])
        line("user", [{"type": "tool_result", "tool_use_id": "t2", "content": "built"}])
    transcript.write_text("".join(json.dumps(entry) + "\n" for entry in lines))
    triggers: list[dict[str, object]] = []
    if teach:
        triggers.append(
            {
                "session_id": "s1",
                "transcript_path": str(transcript),
                "cwd": str(ws.root),
                "hook_event_name": "PostToolUseFailure",
                "tool_name": "Bash",
                "tool_input": {"command": "npm run build"},
                "tool_use_id": "t1",
                "error": error,
                "is_interrupt": False,
                "duration_ms": 300,
            }
        )
        stop = {"session_id": "s1", "transcript_path": str(transcript), "cwd": str(ws.root)}
        triggers.append({**stop, "hook_event_name": "Stop", "stop_hook_active": False})
    triggers.append(json.loads(session_end("s1", str(transcript), str(ws.root))))
    for number, payload in enumerate(triggers):
        (ws.triggers_dir / f"{number:012d}-1.json").write_text(json.dumps(payload))
    return ws


def run_cost(root: Path, name: str, teach: bool, repeat: int) -> None:
    walls, cpus, rss = [], [], 0
    rules: list[str] = []
    for number in range(repeat):
        ws = learning_workspace(root, f"{name}-{number}", teach)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nevo.background", str(ws.root)], check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        rss = max(rss, after.ru_maxrss)
        last = background.summary(ws)["last"]
        if last is None or last["error"]:
            raise SystemExit(f"the run failed: {last}")
        rules = last["rules"]
    print(
        f"  {name:28s} wall median {statistics.median(walls):.2f} s (max {max(walls):.2f}),"
        f" CPU median {statistics.median(cpus):.2f} s, peak RSS {rss / 1024:.0f} MiB, rules: {', '.join(rules) or '-'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hook_latency(root, args.runs)
        print(f"\nbackground run, `python -m nevo.background WORKSPACE` ({args.repeat} fresh workspaces each)")
        run_cost(root, "session with a lesson", True, args.repeat)
        run_cost(root, "session with nothing to learn", False, args.repeat)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import nevo.background"], check=True)
        print(f"  (python startup + `import nevo.background` alone: {time.perf_counter() - start:.2f} s wall)")


if __name__ == "__main__":
    main()
