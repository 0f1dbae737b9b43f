"""``nevo demo``: the whole loop on a tiny project in a temporary folder, step by step, in under a minute.

A scripted agent builds a shop with the wrong command (``sh build.sh``: the script is in ``scripts/``)
and recovers with the right one. nevo captures the failure, opens an incident, commits a rule with a
guard; in the next session the same mistake is rewritten (or refused) by the guard before it fails, and
memory search finds the lesson. With the Claude Code CLI installed the sessions are real Claude Code
sessions against a local stand-in for the model (:mod:`nevo.demo.fake_model`); without it, Claude Code's
side is replayed (:class:`nevo.demo.agent.ReplayAgent`). Nothing touches the network, the user's
projects or their Claude Code config.

The demo drives the loop with the library calls a user's background run makes (process the triggers,
analyse, which publishes) and then reads what they left, so it shows the outcome whichever part of nevo
produced it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nevo import gitops
from nevo.config import TEMPLATE
from nevo.demo.agent import Agent, Call, ClaudeAgent, ReplayAgent
from nevo.errors import NevoError
from nevo.workspace import Workspace

FIRST_TRY, FIX = "sh build.sh", "sh scripts/build.sh"
BUILD_SCRIPT = """#!/bin/sh
# Builds the shop into dist/.
mkdir -p dist
printf '<h1>shop</h1>\\n' > dist/index.html
echo "build ok: dist/index.html"
"""
RULE_WAIT_S = 60.0  # a background run may be analysing the same incident: wait for its rule this long
Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    workspace: Path
    agent: str
    incident: str | None
    rule_id: str | None
    commit: str | None
    second_call: Call | None
    guard: str  # rewrote | refused | did not act
    context_named_rule: bool
    memory_hit: str | None
    failures_in_second_session: int
    stray_requests: int  # requests Claude Code meant for another host (refused by the stand-in): always 0
    seconds: float


@contextmanager
def _claude_config(folder: Path) -> Iterator[None]:
    """nevo's own calls look at the demo's Claude Code config (a plugin the user installed is not in it)."""
    before = os.environ.get("CLAUDE_CONFIG_DIR")
    os.environ["CLAUDE_CONFIG_DIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CLAUDE_CONFIG_DIR", None)
        else:
            os.environ["CLAUDE_CONFIG_DIR"] = before


def make_project(root: Path) -> Workspace:
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "build.sh").write_text(BUILD_SCRIPT, encoding="utf-8")
    (root / "README.md").write_text("# shop\n\nA tiny web shop.\n", encoding="utf-8")
    (root / ".gitignore").write_text("dist/\n", encoding="utf-8")
    gitops.init_repository(root)
    gitops.commit_files(root, [root / "scripts" / "build.sh", root / "README.md", root / ".gitignore"], "shop")
    ws = Workspace(root)
    # Offline whatever the environment holds (an API key, say): the demo never calls a model service.
    offline = TEMPLATE.replace("\n  name: auto\n", "\n  name: offline\n")
    if offline == TEMPLATE:
        raise NevoError("the config template no longer has `provider: name: auto`", "update nevo.demo.loop")
    ws.config_path.parent.mkdir(parents=True)
    ws.config_path.write_text(offline, encoding="utf-8")
    return ws


def run_demo(say: Say, base: Path, *, replay: bool = False) -> DemoResult:
    """Play the loop in ``base`` (an empty folder), telling each step to ``say`` as it happens."""
    from nevo.install import init

    started = time.monotonic()
    config, home = base / "claude-config", base / "home"
    with _claude_config(config):
        ws = make_project(base / "shop")
        report = init(ws)
        setup = [ws.root / rel for rel in report.created if (ws.root / rel).is_file() and "/hooks/" not in f"/{rel}"]
        gitops.commit_files(ws.root, [ws.config_path, *(p for p in setup if not _ignored(ws, p))], "nevo init")
        executable = None if replay else ClaudeAgent.find()
        agent: Agent = ClaudeAgent(ws.root, config, home, executable) if executable else ReplayAgent(ws.root, config)
        say(f"A tiny project in {ws.root}: its build script is scripts/build.sh.")
        say("1. nevo init: hooks in .claude/settings.json, state in .nevo/, rules go to .claude/rules/.")
        say(f"   The sessions: {agent.name}.")

        say(f"2. Session 1: the agent builds the shop (`{FIRST_TRY}`, then `{FIX}`).")
        first = agent.session("Build the shop.", [FIRST_TRY, FIX], "Built: dist/index.html is ready.")
        for done in first.calls:
            say(f"   $ {done.asked}  ->  {'ok' if done.ok else 'FAILED'}: {_first_line(done.output)}")
        for name in _failure_triggers(ws):
            say(f"   captured: .nevo/triggers/{name} (the capture hook wrote it; no Python ran)")

        incident, recovered = _incident(ws)
        say(f"3. Incident opened: {incident or '(none)'}" + (f", recovered by `{recovered}`" if recovered else ""))

        rule_id, commit = _rule(ws, incident)
        if rule_id and commit:
            say(f"4. Rule committed: {rule_id}, one commit (`git show {commit[:10]}`):")
            for line in gitops.show(ws.root, commit).splitlines()[:40]:
                say(f"   | {line}")
        else:
            say("4. No rule was committed (see `nevo analyze` in the workspace).")

        counted = _failures_counted(ws)
        say(f"5. Session 2: the agent makes the same attempt (`{FIRST_TRY}`).")
        second = agent.session("Build the shop again.", [FIRST_TRY], "Built again.")
        call = second.calls[0] if second.calls else None
        named = bool(rule_id) and str(rule_id) in second.context
        if named:
            say(f"   the session started with {rule_id} in its context (SessionStart hook)")
        guard = _guard_outcome(call, rule_id)
        if call is not None:
            say(
                f"   $ {call.asked}  ->  "
                + {
                    "rewrote": f"the guard rewrote it to the known fix and it worked: {_first_line(call.output)}",
                    "refused": f"the guard refused it: {_first_line(call.output)}",
                }.get(guard, f"the guard did not act: {_first_line(call.output)}")
            )
        repeated = _failures_counted(ws) - counted
        say(f"   failures in session 2: {repeated}")

        hit = _memory_hit(ws)
        say(f'6. nevo memory search "build": {hit or "(nothing)"}')
        say("")
        say("In your own project:")
        say("   nevo init                  (or, with the plugin: /nevo:init)")
        say("   git log -- .claude/rules   what it learned, one commit per rule; git revert undoes one")
        say("   nevo status                what waits;  nevo report --out report.html  for the plots")
        say(f"This demo's workspace: {ws.root}")
    return DemoResult(
        workspace=ws.root,
        agent=agent.name,
        incident=incident,
        rule_id=rule_id,
        commit=commit,
        second_call=call,
        guard=guard,
        context_named_rule=named,
        memory_hit=hit,
        failures_in_second_session=repeated,
        stray_requests=sum(1 for r in getattr(agent, "requests", []) if r.is_stray),
        seconds=round(time.monotonic() - started, 1),
    )


def _ignored(ws: Workspace, path: Path) -> bool:
    return path.parent == ws.nevo_dir and path.name not in ("config.yaml", ".gitignore")


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    # "Exit code 2" alone says little: show the line after it too.
    shown = " / ".join(lines[:2]) if lines and lines[0].startswith("Exit code") else (lines[0] if lines else "")
    return shown[:160]


def _failure_triggers(ws: Workspace) -> list[str]:
    import json

    names = []
    for path in sorted(ws.triggers_dir.glob("*.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("hook_event_name") == "PostToolUseFailure":
                names.append(path.name)
        except (OSError, ValueError):
            continue  # taken by a background run meanwhile, or being written
    return names


def _incident(ws: Workspace) -> tuple[str | None, str | None]:
    """Process what the hooks captured (as nevo's background run does), then read the incident."""
    from nevo.incidents import load_incidents
    from nevo.monitor import process_pending

    process_pending(ws)
    for incident in load_incidents(ws):
        if FIRST_TRY in incident.command:
            recovery = incident.recovery
            return incident.id, (recovery.command or None) if recovery else None
    return None, None


def _failures_counted(ws: Workspace) -> int:
    """Every failure nevo has counted, after processing what waits."""
    from nevo.incidents import load_incidents
    from nevo.monitor import process_pending

    process_pending(ws)
    return sum(incident.count for incident in load_incidents(ws))


def _rule(ws: Workspace, incident: str | None) -> tuple[str | None, str | None]:
    """Analyse what is ready (which commits and publishes a rule), then find the rule citing ``incident``."""
    from nevo.analyst import analyze_ready
    from nevo.rules import RuleBook

    if incident is None:
        return None, None
    deadline = time.monotonic() + RULE_WAIT_S
    while True:
        analyze_ready(ws)
        for rule in RuleBook(ws).active():
            if incident in rule.incidents and rule.path is not None:
                return rule.id, gitops.last_commit_touching(ws.root, rule.path)
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.5)


def _guard_outcome(call: Call | None, rule_id: str | None) -> str:
    if call is None:
        return "did not act"
    if call.ok and call.asked == FIRST_TRY:
        return "rewrote"  # `sh build.sh` cannot succeed here: what ran was the rule's fix
    if not call.ok and rule_id and rule_id in call.output:
        return "refused"
    return "did not act"


def _memory_hit(ws: Workspace) -> str | None:
    from nevo.db import open_database
    from nevo.memory.search import search

    with open_database(ws) as db:
        hits = search(db, "build", limit=5)
    return f"{hits[0].source}: {hits[0].snippet}" if hits else None
