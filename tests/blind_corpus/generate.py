"""Generate a blind corpus: real projects, real tools, the real Claude Code CLI, labelled by hand.

    python -m tests.blind_corpus.generate phase1            # every scenario of tests/blind_corpus/phase1.py
    python -m tests.blind_corpus.generate phase1 --only ID  # regenerate some, keep the others

Each scenario (see :mod:`tests.blind_corpus.dsl`) gets a fresh project under ``/tmp/nevo-blind/<set>/<id>``
and one headless Claude Code session against the scripted loopback fake of the Messages API
(``tests/support``): Claude Code itself runs every call (Bash, Read, Edit, Write, Glob, Grep, a project
sub-agent), so each output, exit code and error text is what Claude Code reports. The calls are read
back from the session's transcript with nevo's own transcript reader, as the monitor reads them, and
written to ``tests/blind_corpus/<set>.json`` with the hand-written label. A scenario whose labelled
failure did not fail, or whose labelled fix did not succeed, is reported and not written: the label
would be wrong.

Nothing here touches the network: the session's HTTP(S) proxy is the fake itself, the loopback server
below answers the scenarios' curl calls, and ssh/scp/git remotes name hosts that do not resolve or local
bare repositories.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nevo.transcript import ToolCall, read_transcript
from tests.blind_corpus.dsl import Scenario, X
from tests.blind_corpus.services import Services, background, free_port, held_port
from tests.support.claude import claude_version, run_claude
from tests.support.fake_api import FakeMessagesAPI, count_assistant_tool_uses, text, tool

HERE = Path(__file__).resolve().parent
BASE = Path("/tmp/nevo-blind")
WORKTREE_VENV_BIN = Path(sys.executable).parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dana Dev",
    "GIT_AUTHOR_EMAIL": "dana@example.com",
    "GIT_COMMITTER_NAME": "Dana Dev",
    "GIT_COMMITTER_EMAIL": "dana@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
JOB = "DELEGATED-JOB"
TREE_SKIP = {
    ".git",
    "node_modules",
    ".venv",
    "target",
    "__pycache__",
    ".claude",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}
MAX_SNAPSHOT_TEXT = 4096


# --- one scenario -----------------------------------------------------------------------------------


def _substitute(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, values) for k, v in value.items()}
    return value


def _shim_bin(base: Path) -> Path:
    """Programs the sessions find on PATH besides the machine's: sudo as root has it (runs the command),
    and the linters of the worktree's virtualenv."""
    shims = base / "bin"
    shims.mkdir(parents=True, exist_ok=True)
    sudo = shims / "sudo"
    sudo.write_text(
        '#!/bin/sh\nwhile [ "$1" = "-n" ] || [ "$1" = "-E" ]; do shift; done\n'
        'SUDO_USER=${USER:-root} SUDO_UID=0 SUDO_COMMAND="$*" exec "$@"\n'
    )
    sudo.chmod(0o755)
    for name in ("ruff", "mypy"):
        link = shims / name
        if not link.exists() and (WORKTREE_VENV_BIN / name).exists():
            link.symlink_to(WORKTREE_VENV_BIN / name)
    return shims


def _write_files(root: Path, files: dict[str, str | X], values: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        body = content.text if isinstance(content, X) else content
        path.write_text(_substitute(body, values))
        if isinstance(content, X):
            path.chmod(0o755)


def _setup(root: Path, commands: tuple[str, ...], env: dict[str, str], values: dict[str, str]) -> None:
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", _substitute(command, values)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"setup {command!r} failed ({done.returncode}): {done.stdout}{done.stderr}")


def _delegating(calls: list[list[dict[str, Any]]]) -> Any:
    """The main session hands the job to the `builder` sub-agent, which plays ``calls``."""

    def step(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        done = count_assistant_tool_uses(messages)
        if messages and JOB in json.dumps(messages[0].get("content")):
            return calls[done] if done < len(calls) else text("finished")
        if done:
            return text("done")
        return tool("Agent", {"description": "do the job", "prompt": f"{JOB}: do the job", "subagent_type": "builder"})

    return step


BUILDER = """---
name: builder
description: Builds, tests and runs this project. Use it for any build or test job.
tools: Bash, Read, Edit, Write, Glob, Grep
---
You build and test this project and say what you did.
"""


def _calls_from(path: Path, sidechain: bool) -> list[ToolCall]:
    transcript = read_transcript(path)
    return [c for c in transcript.calls if c.sidechain == sidechain and c.result is not None]


def _snapshot(root: Path) -> dict[str, Any]:
    """The project as it was when the session ended: paths, modes, small text files (a replay may rebuild it)."""
    tree: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in TREE_SKIP)
        rel_dir = os.path.relpath(dirpath, root)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            try:
                info = path.lstat()
                body = path.read_text() if info.st_size <= MAX_SNAPSHOT_TEXT and stat.S_ISREG(info.st_mode) else None
            except (OSError, UnicodeDecodeError):
                body = None
            tree[rel] = {"mode": oct(info.st_mode & 0o777), "text": body}
        if rel_dir != "." and not filenames and not dirnames:
            tree[rel_dir + "/"] = {"mode": "dir", "text": None}
    return tree


def run_scenario(scenario: Scenario, set_name: str, services: Services) -> tuple[dict[str, Any] | None, str]:
    """(the sequence, '') or (None, why the scenario is broken)."""
    missing = [p for p in scenario.needs if shutil.which(p) is None]
    if missing:
        return None, f"skipped: {', '.join(missing)} not installed"
    base = BASE / set_name / scenario.id
    shutil.rmtree(base, ignore_errors=True)
    root, home, config = base / "ws", base / "home", base / "cfg"
    for folder in (root, home, config):
        folder.mkdir(parents=True)
    shims = _shim_bin(BASE)
    if scenario.home_git_identity:
        (home / ".gitconfig").write_text("[user]\n\tname = Dana Dev\n\temail = dana@example.com\n")
    path_env = f"{home}/.local/bin:{shims}:{os.environ.get('PATH', '')}"
    # rustup's toolchains stay where the machine keeps them (read only); cargo's own home is a temp folder.
    tool_env = {
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup"),
        "CARGO_HOME": str(BASE / "cargo-home"),
        **(services.postgres() if scenario.postgres else {}),
    }
    uses_https = "@HTTPS_PORT@" in json.dumps([scenario.steps, scenario.setup, str(scenario.files)])
    with held_port(scenario.hold_port) as port:
        values = {
            "@WS@": str(root),
            "@HOME@": str(home),
            "@HTTP_PORT@": str(services.http_port),
            "@HTTP@": f"http://127.0.0.1:{services.http_port}",
            "@HTTPS_PORT@": str(services.https() if uses_https else 0),
            "@PORT@": str(port),
            "@FREE_PORT@": str(free_port()),
            "@BASE@": str(base),
            "@WHEELS@": str(BASE / "wheels"),
        }
        env = {**os.environ, **GIT_ENV, **tool_env, "HOME": str(home), "PATH": path_env}
        for name in [n for n in env if n.startswith("PIP_")] + ["VIRTUAL_ENV"]:
            env.pop(name, None)  # the machine's pip settings are not the sessions' (they get a clean env)
        _write_files(root, scenario.files, values)
        _setup(root, scenario.setup, env, values)
        steps = _substitute(scenario.steps, values)
        if scenario.agent:
            (root / ".claude" / "agents").mkdir(parents=True, exist_ok=True)
            (root / ".claude" / "agents" / f"{scenario.agent}.md").write_text(BUILDER)
            script: list[Any] = [_delegating(steps)] * (len(steps) + 4)
        else:
            script = [*steps, text("done")]
        with background(_substitute(scenario.background, values), root, env), FakeMessagesAPI(script) as api:
            run = run_claude(
                root,
                "Work on this project.",
                api,
                config,
                timeout=600,
                home=home,
                extra_env={"PATH": path_env, **tool_env},
                extra_args=["--allowedTools", "Glob,Grep"],
            )
        if run.returncode != 0 or run.transcript_path is None:
            return None, f"the session failed: {run.describe(api)[-1500:]}"
        transcript = run.transcript_path
        if scenario.agent:
            found = sorted(transcript.with_suffix("").glob("subagents/agent-*.jsonl"))
            if not found:
                return None, "no sub-agent transcript"
            calls = _calls_from(found[0], sidechain=True)
        else:
            calls = _calls_from(transcript, sidechain=False)
    problem = _check(scenario, calls)
    if problem:
        return None, problem + "\n" + "\n".join(
            f"  [{i}] {'ok ' if c.succeeded else 'ERR'} {json.dumps(c.input)[:110]} -> "
            f"{(c.result.text if c.result else '')[:160]!r}"
            for i, c in enumerate(calls)
        )
    expect = scenario.expect
    return {
        "id": scenario.id,
        "category": scenario.category,
        "tools": list(scenario.tools),
        "root": str(root),
        "agent": scenario.agent,
        "failed": scenario.failed,
        "calls": [
            {
                "tool": c.name,
                "input": c.input,
                "ok": c.succeeded,
                "output": c.result.text if c.result else "",
                "cwd": c.cwd or "",
                "sidechain": c.sidechain,
            }
            for c in calls
        ],
        "expect": {
            "kind": expect.kind,
            "fix": expect.fix,
            "fix_kind": expect.fix_kind,
            "guard": expect.guard,
            "also": list(expect.also),
            "note": expect.note,
            "either": expect.either,
        },
        "tree": _snapshot(root),
    }, ""


def _check(scenario: Scenario, calls: list[ToolCall]) -> str:
    if len(calls) != len(scenario.steps):
        return f"{len(calls)} calls answered, {len(scenario.steps)} scripted"
    if calls[scenario.failed].succeeded:
        return f"the labelled failure (call {scenario.failed}) succeeded"
    fix = scenario.expect.fix
    if fix is not None and not calls[fix].succeeded:
        return f"the labelled fix (call {fix}) failed"
    return ""


def _write(out: Path, set_name: str, scenarios: list[Scenario], kept: dict[str, Any]) -> int:
    """Write what is done so far (a crash or a kill loses nothing generated)."""
    order = {s.id: n for n, s in enumerate(scenarios)}
    sequences = sorted((s for s in kept.values() if s["id"] in order), key=lambda s: order[s["id"]])
    data = {"set": set_name, "claude_code": claude_version(), "sequences": sequences}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(out)
    return len(sequences)


def _local_wheels() -> None:
    """The build backend a local package needs, once, in a folder the scenarios' virtualenvs install from
    (their pip.conf says no-index): the sessions themselves never reach a package index."""
    wheels = BASE / "wheels"
    if any(wheels.glob("setuptools-*.whl")):
        return
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), "setuptools"],
        check=True,
        timeout=600,
    )


def generate(set_name: str, only: list[str]) -> int:
    module = importlib.import_module(f"tests.blind_corpus.{set_name}")
    scenarios: list[Scenario] = list(module.SCENARIOS)
    ids = [s.id for s in scenarios]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SystemExit(f"duplicate scenario ids: {sorted(duplicates)}")
    out = HERE / f"{set_name}.json"
    kept: dict[str, Any] = {}
    if only and out.exists():
        kept = {s["id"]: s for s in json.loads(out.read_text())["sequences"]}
    chosen = [s for s in scenarios if not only or s.id in only]
    broken: list[str] = []
    _local_wheels()
    started = time.monotonic()
    with Services(BASE) as services:
        for number, scenario in enumerate(chosen, 1):
            try:
                sequence, problem = run_scenario(scenario, set_name, services)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                sequence, problem = None, f"{type(exc).__name__}: {exc}"
            status = "ok" if sequence else problem.splitlines()[0]
            print(f"[{number}/{len(chosen)}] {scenario.id}: {status}", flush=True)
            if sequence is None:
                kept.pop(scenario.id, None)
                if not problem.startswith("skipped"):
                    broken.append(f"{scenario.id}: {problem}")
                continue
            kept[scenario.id] = sequence
            count = _write(out, set_name, scenarios, kept)
    count = _write(out, set_name, scenarios, kept)
    print(f"{count} sequences in {out} ({time.monotonic() - started:.0f} s)")
    for problem in broken:
        print("BROKEN", problem)
    return 1 if broken else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", help="the scenario module under tests/blind_corpus (phase1, phase3)")
    parser.add_argument("--only", nargs="*", default=[], help="scenario ids to (re)generate")
    args = parser.parse_args()
    return generate(args.set, args.only)


if __name__ == "__main__":
    raise SystemExit(main())
