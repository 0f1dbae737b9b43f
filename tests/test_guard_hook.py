"""The guard hook run for real (sh prefilter, then python3 -S -E): it acts while the cause holds, stands
aside once the project changed, reads hostile files without hanging, and leaves evidence of both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nevo import guards
from nevo.workspace import Workspace
from tests.conftest import git
from tests.test_guards import FIX, add_guard, bash, run_hook


def guarded(ws: Workspace, *args: Any, **kwargs: Any) -> Workspace:
    add_guard(ws, *args, **kwargs)
    assert guards.compile_guards(ws), guards.compile_table(ws)[1]
    return ws


def events(ws: Workspace) -> list[dict[str, Any]]:
    found = [json.loads(p.read_text()) for p in sorted(ws.triggers_dir.glob("*.json"))]
    return [e for e in found if e.get("hook_event_name") == "NevoGuard"]


def rewritten(out: Any) -> str | None:
    return out["hookSpecificOutput"]["updatedInput"]["command"] if out else None


def denied(out: Any) -> str | None:
    specific = (out or {}).get("hookSpecificOutput", {})
    return specific.get("permissionDecisionReason") if specific.get("permissionDecision") == "deny" else None


# -- each cause: acts while it holds, stands aside once the project changed ------------------------------
def npm(root: Path) -> Callable[[], None]:
    (root / "package.json").write_text(json.dumps({"scripts": {"test": "true"}}))
    return lambda: (root / "package.json").write_text(json.dumps({"scripts": {"build": "vite build"}}))


def npm_in_web(root: Path) -> Callable[[], None]:
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text(json.dumps({"scripts": {"check": "true"}}))
    return lambda: (root / "web" / "package.json").write_text(json.dumps({"scripts": {"lint": "true"}}))


def make_in_docs(root: Path) -> Callable[[], None]:
    (root / "docs").mkdir()
    (root / "docs" / "Makefile").write_text("all:\n\techo all\n")
    return lambda: (root / "docs" / "Makefile").write_text("html:\n\techo html\n")


def make(root: Path) -> Callable[[], None]:
    (root / "Makefile").write_text("all:\n\techo all\n")
    return lambda: (root / "Makefile").write_text("all:\n\techo all\nbuild:\n\techo build\n")


def branch(root: Path) -> Callable[[], None]:
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "start")
    return lambda: git(root, "branch", "master")


def module(root: Path) -> Callable[[], None]:
    (root / ".venv" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (root / "src" / "app").mkdir(parents=True)
    (root / "src" / "app" / "main.py").write_text("")
    return lambda: (root / "app.py").write_text("")  # now `python3 -m app.main`... finds app (a module)


def script(root: Path) -> Callable[[], None]:
    (root / "deploy.sh").write_text("#!/bin/sh\necho deployed\n")
    (root / "deploy.sh").chmod(0o644)
    return lambda: (root / "deploy.sh").chmod(0o755)


def config(root: Path) -> Callable[[], None]:
    (root / "config").mkdir()
    (root / "config" / "app.yaml").write_text("a: 1\n")
    return lambda: (root / "config" / "app.yml").write_text("a: 1\n")


def cause(kind: str, subject: str, where: str = ".") -> dict[str, str]:
    return {"kind": kind, "subject": subject, "where": where}


CASES = [
    ("npm run build", FIX, cause("missing-npm-script", "build"), npm),
    ("make build", "make -C web build", cause("missing-make-target", "build"), make),
    # The script or target is missing where the call's own flag looks (the segment itself runs at the root).
    ("npm --prefix web run lint", "npm --prefix web run check", cause("missing-npm-script", "lint", "web"), npm_in_web),
    ("make -C docs html", "make -C docs all", cause("missing-make-target", "html", "docs"), make_in_docs),
    ("git checkout master", "git checkout main", cause("missing-branch", "master"), branch),
    ("python3 -m app", "PYTHONPATH=src python3 -m app", cause("missing-module", "app"), module),
    ("./deploy.sh", "bash deploy.sh", cause("not-executable", "deploy.sh"), script),
    ("cat config/app.yml", "cat config/app.yaml", cause("missing-path", "config/app.yml"), config),
]


@pytest.mark.parametrize("match,fix,check,world", CASES, ids=[f"{c[2]['kind']}-{c[2]['where']}" for c in CASES])
def test_a_guard_acts_while_its_cause_holds_and_stands_aside_once_fixed(
    installed: Workspace, match: str, fix: str, check: dict[str, str], world: Callable[[Path], Callable[[], None]]
) -> None:
    repair = world(installed.root)
    guarded(installed, match, fix, check=check)
    assert rewritten(bash(installed, f"{match} 2>&1 | tail -5")) == f"{fix} 2>&1 | tail -5"
    assert [(e["event"], e["rule"], e["action"]) for e in events(installed)] == [("hit", "PROJ-001", "rewrite")]
    repair()
    assert bash(installed, match) is None
    assert [e["event"] for e in events(installed)] == ["hit", "stood-aside"]


def test_a_missing_executable_is_looked_up_on_path(installed: Workspace, tmp_path: Path) -> None:
    check = cause("missing-executable", "frobnicate")
    guarded(installed, "frobnicate --all", "npx frobnicate --all", check=check)
    assert rewritten(bash(installed, "frobnicate --all")) == "npx frobnicate --all"
    assert rewritten(bash(installed, "cd /tmp && frobnicate --all")) == "cd /tmp && npx frobnicate --all"
    tool = tmp_path / "bin" / "frobnicate"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    payload = {"tool_name": "Bash", "tool_input": {"command": "frobnicate --all"}, "cwd": str(installed.root)}
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(installed.hooks_dir / "guard")],
        input=json.dumps(payload).encode(),
        env=env,
        capture_output=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (0, b"")


def test_a_deny_guard_gives_the_rule_as_the_reason(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed, action="deny", body="The root has no build script; build the web app from web/.")
    assert denied(bash(installed, "npm install && npm run build")) == (
        "nevo PROJ-001: The root has no build script; build the web app from web/."
    )


# -- the folder the call runs in ----------------------------------------------------------------------
def test_a_guard_acts_only_where_its_lesson_was_learned(installed: Workspace) -> None:
    root = installed.root
    npm(root)
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text(json.dumps({"scripts": {"test": "true"}}))
    guarded(installed)  # learned in the root
    assert bash(installed, "cd web && npm run build") is None
    assert bash(installed, "npm run build", cwd=root / "web") is None
    assert bash(installed, "cd $HOME && npm run build") is None  # cannot know where: stands aside
    assert rewritten(bash(installed, "cd web && cd .. && npm run build")) == f"cd web && cd .. && {FIX}"
    assert rewritten(bash(installed, "(cd web && make); npm run build")) == f"(cd web && make); {FIX}"
    check = cause("missing-npm-script", "build", "web")
    guarded(installed, fix="npm run build:web", check=check, rule_id="PROJ-002")  # learned in web/
    assert rewritten(bash(installed, "cd web && npm run build")) == "cd web && npm run build:web"
    assert rewritten(bash(installed, "npm run build", cwd=root / "web")) == "npm run build:web"
    assert events(installed) == [] or all(e["event"] == "hit" for e in events(installed))


def test_a_path_guard_acts_wherever_the_words_name_the_same_file(installed: Workspace) -> None:
    config(installed.root)
    check = cause("missing-path", "config/app.yml")
    guarded(installed, "cat app.yml", "cat app.yaml", check=check)
    assert rewritten(bash(installed, "cd config && cat app.yml")) == "cd config && cat app.yaml"
    assert bash(installed, "cat app.yml") is None  # another app.yml: the root's


# -- matching as the shell parses it -------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "npm run build:prod",
        "npm run build --watch",
        'echo "npm run build"',
        "git commit -m 'fix npm run build'",
        "cat > NOTES.md <<'EOF'\nnpm run build\nEOF",
        "echo `npm run build`",
        "# npm run build",
        "pnpm run build",
    ],
)
def test_look_alikes_and_quoted_text_are_left_alone(installed: Workspace, command: str) -> None:
    npm(installed.root)
    guarded(installed)
    assert bash(installed, command) is None
    assert events(installed) == []


@pytest.mark.parametrize(
    "match,fix,check,look_alike",
    [
        ("make build", "make all", cause("missing-make-target", "build"), "make build-all"),
        (
            "git checkout master",
            "git checkout main",
            cause("missing-branch", "master"),
            "git checkout mainline",
        ),
        (
            "git checkout master",
            "git checkout main",
            cause("missing-branch", "master"),
            "git checkout master-old",
        ),
    ],
)
def test_commands_that_only_look_alike_run_untouched(
    installed: Workspace, match: str, fix: str, check: dict[str, str], look_alike: str
) -> None:
    make(installed.root)
    branch(installed.root)
    guarded(installed, match, fix, check=check)
    assert bash(installed, look_alike) is None
    assert rewritten(bash(installed, match)) == fix


@pytest.mark.parametrize(
    "command,expected",
    [
        ("A=1 npm run build", "A=2 npm run build:web"),
        ("A=1 B=1 npm run build", "B=1 A=2 npm run build:web"),
        ("env A=1 npm run build", "A=2 env npm run build:web"),
    ],
)
def test_a_rewrite_never_produces_a_duplicate_assignment(installed: Workspace, command: str, expected: str) -> None:
    npm(installed.root)
    guarded(installed, fix="A=2 npm run build:web")
    out = rewritten(bash(installed, command))
    assert out is not None
    names = [w.split("=")[0] for w in out.split() if "=" in w]
    assert len(names) == len(set(names)), out
    assert out == expected


def test_every_matching_segment_is_rewritten_and_the_rest_kept_byte_for_byte(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed)
    command = 'printf "a\\\\nb\\"c $HOME `x`" PAYLOAD\nPAYLOAD\n && npm run build; CI=1 npm run build | tee l'
    expected = command.replace("&& npm run build", f"&& {FIX}").replace("CI=1 npm run build", f"CI=1 {FIX}")
    assert rewritten(bash(installed, command)) == expected
    assert len(events(installed)) == 1  # one hit per guard per call


def test_a_megabyte_command_is_still_rewritten(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed)
    body = "x = 'npm run build'\n" * 50_000
    command = f"cat > gen.py <<'EOF'\n{body}EOF\nnpm run build"
    assert len(command) > 1_000_000
    assert rewritten(bash(installed, command)) == command.replace("EOF\nnpm run build", f"EOF\n{FIX}")


def test_a_payload_over_the_cap_is_let_through(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed)
    assert bash(installed, "npm run build; echo '" + "x" * 2_200_000 + "'") is None


def test_a_deny_wins_over_a_rewrite(installed: Workspace) -> None:
    npm(installed.root)
    make(installed.root)
    guarded(installed)
    check = cause("missing-make-target", "build")
    guarded(installed, "make build", "make all", action="deny", check=check, rule_id="PROJ-002")
    assert denied(bash(installed, "npm run build && make build")) is not None
    assert [(e["rule"], e["event"]) for e in events(installed)] == [("PROJ-002", "hit")]


# -- file tools ------------------------------------------------------------------------------------------
PATH_CHECK = cause("missing-path", "config/app.yml")


@pytest.mark.parametrize(
    "tool,tool_input",
    [
        ("Read", {"file_path": "{root}/config/app.yml"}),
        ("Read", {"file_path": "config/app.yml"}),
        ("Edit", {"file_path": "{root}/config/app.yml", "old_string": "a", "new_string": "b"}),
        ("MultiEdit", {"file_path": "{root}/config/./app.yml", "edits": []}),
        ("NotebookEdit", {"notebook_path": "{root}/config/app.yml", "new_source": ""}),
        ("Glob", {"pattern": "*.yml", "path": "{root}/config/app.yml"}),
        ("Grep", {"pattern": "a", "path": "config/app.yml"}),
        ("Write", {"file_path": "{root}/config/app.yml", "content": "a: 2\n"}),
    ],
)
def test_file_tools_are_denied_naming_the_path_that_exists(
    installed: Workspace, tool: str, tool_input: dict[str, Any]
) -> None:
    repair = config(installed.root)
    guarded(installed, "config/app.yml", "config/app.yaml", tool=tool, action="deny", check=PATH_CHECK)
    call = {k: v.replace("{root}", str(installed.root)) if isinstance(v, str) else v for k, v in tool_input.items()}
    reason = denied(run_hook(installed, call, tool=tool))
    assert reason is not None and "`config/app.yaml`" in reason and "`config/app.yml` does not exist" in reason
    repair()
    assert run_hook(installed, call, tool=tool) is None
    assert [e["event"] for e in events(installed)] == ["hit", "stood-aside"]


def test_a_write_that_creates_a_file_is_never_denied_without_a_right_path(installed: Workspace) -> None:
    guarded(installed, "notes/todo.md", "", tool="Write", action="deny", check=cause("missing-path", "notes/todo.md"))
    assert run_hook(installed, {"file_path": "notes/todo.md", "content": "x"}, tool="Write") is None


def test_a_path_guard_stands_aside_when_the_right_path_is_gone_too(installed: Workspace) -> None:
    guarded(installed, "config/app.yml", "config/app.yaml", tool="Read", action="deny", check=PATH_CHECK)
    assert run_hook(installed, {"file_path": "config/app.yml"}, tool="Read") is None  # app.yaml is missing too


def test_other_paths_and_other_tools_are_left_alone(installed: Workspace) -> None:
    config(installed.root)
    guarded(installed, "config/app.yml", "config/app.yaml", tool="Read", action="deny", check=PATH_CHECK)
    assert run_hook(installed, {"file_path": "config/app.yml.bak"}, tool="Read") is None
    assert run_hook(installed, {"file_path": "/elsewhere/config/app.yml"}, tool="Read") is None
    assert run_hook(installed, {"file_path": "config/app.yml"}, tool="Edit") is None
    assert run_hook(installed, {"file_path": "config/app.yml"}, tool="Read", cwd=installed.root / "config") is None


# -- evidence --------------------------------------------------------------------------------------------
def test_events_are_written_like_triggers_and_nothing_else_outside_nevo(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed)
    before = {p for p in installed.root.rglob("*") if ".nevo" not in p.parts}
    bash(installed, "npm run build")
    (installed.root / "package.json").write_text(json.dumps({"scripts": {"build": "x"}}))
    bash(installed, "npm run build")
    after = {p for p in installed.root.rglob("*") if ".nevo" not in p.parts}
    assert after == before
    names = sorted(p.name for p in installed.triggers_dir.iterdir() if p.name != ".gitkeep")
    assert len(names) == 2 and all(n.endswith(".json") and not n.startswith(".") for n in names), names
    stamp, pid = names[0][: -len(".json")].split("-g")
    assert len(stamp) == 12 and stamp.isdigit() and pid.isdigit()
    assert events(installed) == [
        {
            "hook_event_name": "NevoGuard",
            "event": event,
            "rule": "PROJ-001",
            "action": "rewrite",
            "tool_name": "Bash",
            "tool_use_id": "toolu_1",
            "session_id": "s1",
            "cwd": str(installed.root),
        }
        for event in ("hit", "stood-aside")
    ]


def test_the_monitor_consumes_guard_events_without_rejecting_them(installed: Workspace) -> None:
    npm(installed.root)
    guarded(installed)
    bash(installed, "npm run build")
    done = subprocess.run(
        [sys.executable, "-m", "nevo", "monitor", "--once", "--workspace", str(installed.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert events(installed) == []
    rejected = installed.nevo_dir / "rejected"
    assert not rejected.exists() or not list(rejected.iterdir())


# -- hostile and broken files never hang or block --------------------------------------------------------
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "huge", "broken", "missing"])
def test_an_odd_guard_table_never_hangs_or_blocks(installed: Workspace, kind: str) -> None:
    npm(installed.root)
    guarded(installed)
    table = guards.table_path(installed)
    table.unlink()
    if kind == "fifo":
        os.mkfifo(table)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", table)
    elif kind == "folder":
        table.mkdir()
    elif kind == "huge":
        table.write_text('{"version": 3, "guards": [], "pad": "' + "x" * (5 << 20) + '"}')
    elif kind == "broken":
        table.write_text("{not json")
    assert bash(installed, "npm run build") is None  # run_hook's timeout: a hang fails the test


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_an_odd_rule_file_or_needles_file_never_hangs(installed: Workspace, kind: str) -> None:
    npm(installed.root)
    guarded(installed)
    [rule] = installed.rules_dir.glob("PROJ-001*")
    rule.unlink()
    needles = guards.needles_path(installed)
    if kind == "fifo":
        os.mkfifo(rule)
    else:
        os.symlink("/dev/zero", rule)
    assert bash(installed, "npm run build") is None
    saved = needles.read_text()
    needles.unlink()
    if kind == "fifo":
        os.mkfifo(needles)
    else:
        os.symlink("/dev/zero", needles)
    assert bash(installed, "npm run build") is None
    needles.unlink()
    needles.write_text(saved)


@pytest.mark.parametrize("damage", ["no-python", "garbage-needles", "not-json"])
def test_a_broken_setup_never_blocks(installed: Workspace, damage: str) -> None:
    npm(installed.root)
    guarded(installed)
    needles = guards.needles_path(installed)
    if damage == "no-python":
        lines = needles.read_text().splitlines()
        needles.write_text("\n".join(["/nonexistent/python3", *lines[1:]]) + "\n")
    elif damage == "garbage-needles":
        needles.write_bytes(b"\x00\xff\n\n")
    if damage == "not-json":
        done = subprocess.run(
            [str(installed.hooks_dir / "guard")], input="npm run build {", capture_output=True, text=True, timeout=30
        )
        assert (done.returncode, done.stdout) == (0, "")
    else:
        assert bash(installed, "npm run build") is None


def test_python_starts_only_when_a_needle_is_in_the_payload(installed: Workspace, tmp_path: Path) -> None:
    npm(installed.root)
    guarded(installed)
    marker = tmp_path / "started"
    spy = tmp_path / "python"
    spy.write_text(f'#!/bin/sh\necho started >> "{marker}"\nexec "{sys.executable}" "$@"\n')
    spy.chmod(0o755)
    needles = guards.needles_path(installed)
    needles.write_text("\n".join([str(spy), *needles.read_text().splitlines()[1:]]) + "\n")
    assert bash(installed, "ls -la src") is None
    assert not marker.exists()
    assert rewritten(bash(installed, "npm run build")) == FIX
    assert marker.read_text() == "started\n"


def test_the_hook_never_imports_from_the_project(installed: Workspace, tmp_path: Path) -> None:
    """The project is the hook's working folder: a guard.py, causes.py or json.py there must not run."""
    npm(installed.root)
    guarded(installed)
    marker = tmp_path / "imported"
    for name in ("guard.py", "causes.py", "shellwords.py", "json.py", "os.py"):
        (installed.root / name).write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    payload = {"tool_name": "Bash", "tool_input": {"command": "npm run build"}, "cwd": str(installed.root)}
    done = subprocess.run(
        [str(installed.hooks_dir / "guard")],
        input=json.dumps(payload),
        cwd=installed.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert rewritten(json.loads(done.stdout)) == FIX
    assert not marker.exists()
