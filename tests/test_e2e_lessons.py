"""What a session teaches, end to end: real Claude Code sessions with everyday mistakes, then later sessions.

One small monorepo (make, npm with a web/ package, git branches, Python tools, shell scripts, docs) and
three real Claude Code sessions against the scripted loopback fake, with NO nevo command in between: only
the background run that each session's end starts.

1. Mistakes, each followed by its recovery: the very word fixed (a make target, an npm script in a
   sub-folder, a git branch, a config file whose .example exists, a file name's case via Read), the folder
   (cd, -C, --prefix), the way of running (python3 -m for a file path, bash for a script without its run
   bit, an env var in front), another tool on the same thing (Read after a failed cat; Glob then Read),
   and a fix by another program before the same call again (copy the .example; create the folder).
2. The same mistakes again: each one a guard can catch is rewritten (the transcript shows the rewrite) or
   denied with the rule's reason, then the right call; look-alike correct commands run untouched.
3. The project changed (the target, script, branch, file exists now; the script has its run bit): the old
   commands run as written, and each guard's stood-aside is counted in its rule's evidence.
"""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import CLAUDE_MISSING, FakeMessagesAPI, bash, claude_available, read, run_claude, text
from tests.support.fake_api import ContentBlock
from tests.support.loop import (
    Played,
    git,
    guard_table,
    install_offline,
    isolated_env,
    nevo_json,
    played,
    wait_for_background_runs,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING),
    pytest.mark.skipif(shutil.which("npm") is None or shutil.which("make") is None, reason="needs npm and make"),
]

NODE_WRITE = "node -e \"require('fs').writeFileSync('{0}', '{1}')\""
FILES: dict[str, str] = {
    "Makefile": ".PHONY: build-all test\nbuild-all:\n\t@echo all > build-all.txt\ntest:\n\t@true\n",
    "docs/Makefile": ".PHONY: html\nhtml:\n\t@echo html > html.txt\n",
    "docs/README.md": "# Docs\n\nStart here.\n",
    "docs/guide.md": "# Guide\n\nRun make build-all.\n",
    "package.json": json.dumps(
        {"name": "shop", "private": True, "scripts": {"build:prod": NODE_WRITE.format("prod.txt", "prod")}}
    ),
    "web/package.json": json.dumps(
        {
            "name": "web",
            "private": True,
            "scripts": {"build": NODE_WRITE.format("dist.txt", "built"), "check": NODE_WRITE.format("ok.txt", "ok")},
        }
    ),
    "backend/manage.py": "import sys\nif sys.argv[1:] == ['check']:\n    print('System check identified no issues.')\n",
    "tools/__init__.py": "",
    "tools/common.py": "NAME = 'quarterly report'\n",
    "tools/report.py": "from tools.common import NAME\n\nprint(NAME)\n",
    "tools/seed.py": (
        "import os\nimport sys\n\nif 'APP_ENV' not in os.environ:\n"
        "    sys.exit('error: APP_ENV is not set (dev or prod)')\nprint('seeded', os.environ['APP_ENV'])\n"
    ),
    "tools/export.py": "with open('out/report.txt', 'w') as f:\n    f.write('report')\nprint('exported')\n",
    "scripts/gen.sh": "#!/bin/sh\necho generated > generated.txt\n",
    "config/db.yml.example": "host: localhost\n",
    "config/app.yml.example": "name: shop\n",
    "app.py": "with open('config/app.yml') as f:\n    print('config:', f.read().strip())\n",
    "src/app/__init__.py": "",
    "src/app/config.py": "DEBUG = False\n",
    ".gitignore": "*.txt\nout/\nconfig/app.yml\nconfig/db.yml\nnode_modules/\n",
}


def make_project(root: Path) -> None:
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (root / "scripts" / "gen.sh").chmod(0o644)  # committed without its run bit
    git(root, "init", "-q", "-b", "trunk")
    git(root, "add", ".")
    git(root, "commit", "-qm", "project")


@dataclass(frozen=True)
class Mistake:
    """One mistake of the first session, its recovery, and what the later session expects of it."""

    name: str
    first: list[list[ContentBlock]]  # session 1: the failed call, then the recovery (and what it took)
    trigger: str  # the failed call, as the rule's trigger names it
    enforcement: str  # "guard rewrite", "guard deny" or "context only"
    says: str  # the rule's body names the working call
    right: list[ContentBlock] | None = None  # after a deny: the right call the agent makes in session 2


def mistakes(root: Path) -> list[Mistake]:
    r = str(root)
    return [
        Mistake(
            "make target", [bash("make build"), bash("make build-all")], "make build", "guard rewrite", "make build-all"
        ),
        Mistake(
            "npm --prefix",
            [bash("npm run build"), bash("npm --prefix web run build")],
            "npm run build",
            "guard rewrite",
            "npm --prefix web run build",
        ),
        Mistake(
            "npm script in a sub-folder",
            [bash("npm --prefix web run lint"), bash("npm --prefix web run check")],
            "npm --prefix web run lint",
            "guard rewrite",
            "npm --prefix web run check",
        ),
        Mistake(
            "git branch",
            [bash("git checkout main"), bash("git checkout mainline")],
            "git checkout main",
            "guard rewrite",
            "git checkout mainline",
        ),
        Mistake(
            "config file whose .example exists",
            [bash("cat config/db.yml"), bash("cat config/db.yml.example")],
            "cat config/db.yml",
            "guard rewrite",
            "cat config/db.yml.example",
        ),
        Mistake(
            "file name case (Read)",
            [read(f"{r}/docs/readme.md"), read(f"{r}/docs/README.md")],
            "docs/readme.md",
            "guard deny",
            "docs/README.md",
            right=read(f"{r}/docs/README.md"),
        ),
        Mistake(
            "make -C", [bash("make html"), bash("make -C docs html")], "make html", "guard rewrite", "make -C docs html"
        ),
        Mistake(
            "python3 -m for a file path",
            [bash("python3 tools/report.py"), bash("python3 -m tools.report")],
            "python3 tools/report.py",
            "guard rewrite",
            "python3 -m tools.report",
        ),
        Mistake(
            "bash for a script without its run bit",
            [bash("./scripts/gen.sh"), bash("bash scripts/gen.sh")],
            "./scripts/gen.sh",
            "guard rewrite",
            "bash scripts/gen.sh",
        ),
        Mistake(
            "an env var in front",
            [bash("python3 tools/seed.py"), bash("APP_ENV=dev python3 tools/seed.py")],
            "python3 tools/seed.py",
            "context only",
            "APP_ENV=dev python3 tools/seed.py",
        ),
        Mistake(
            "Read after a failed cat",
            [bash("cat docs/Guide.md"), read(f"{r}/docs/guide.md")],
            "cat docs/Guide.md",
            "guard deny",
            "docs/guide.md",
            right=read(f"{r}/docs/guide.md"),
        ),
        # Claude Code 2.1.197 offers no Glob tool (it says to use `find` through Bash): find, then Read.
        Mistake(
            "find then Read",
            [read(f"{r}/src/config.py"), bash("find src -name config.py"), read(f"{r}/src/app/config.py")],
            "src/config.py",
            "guard deny",
            "src/app/config.py",
            right=read(f"{r}/src/app/config.py"),
        ),
        Mistake(
            "copy the .example, then the same call",
            [bash("python3 app.py"), bash("cp config/app.yml.example config/app.yml"), bash("python3 app.py")],
            "python3 app.py",
            "context only",
            "cp config/app.yml.example config/app.yml",
        ),
        Mistake(
            "create the folder, then the same call",
            [bash("python3 tools/export.py"), bash("mkdir out"), bash("python3 tools/export.py")],
            "python3 tools/export.py",
            "context only",
            "mkdir out",
        ),
        # Last in a session: Claude Code keeps a `cd` for the calls after it.
        Mistake(
            "cd",
            [bash("python3 manage.py check"), bash("cd backend && python3 manage.py check")],
            "python3 manage.py check",
            "guard deny",
            "cd backend && python3 manage.py check",
            right=bash("cd backend && python3 manage.py check"),
        ),
    ]


# Correct commands that look like a guarded mistake: they must run exactly as written.
LOOK_ALIKES = ["make build-all", "npm run build:prod", "git checkout mainline"]


def fix_the_causes(root: Path) -> None:
    """What a developer does later: each missing thing now exists (or has its run bit)."""
    with (root / "Makefile").open("a") as makefile:
        makefile.write("build:\n\t@echo own > own-build.txt\n")
    package = json.loads((root / "package.json").read_text())
    package["scripts"]["build"] = NODE_WRITE.format("own-npm.txt", "own")
    (root / "package.json").write_text(json.dumps(package))
    git(root, "branch", "main")
    (root / "config" / "db.yml").write_text("host: db.internal\n")
    (root / "docs" / "readme.md").write_text("# lower-case readme\n")
    gen = root / "scripts" / "gen.sh"
    gen.chmod(gen.stat().st_mode | stat.S_IXUSR)


# The old calls once their cause is gone (the rule's trigger, the call).
STOOD_ASIDE = ["make build", "npm run build", "git checkout main", "cat config/db.yml", "./scripts/gen.sh"]


@dataclass
class Journey:
    """Everything the three sessions left behind, for the tests to read."""

    root: Path
    mistakes: list[Mistake]
    first: list[Played]
    first_run: dict[str, Any]
    rules: list[dict[str, Any]]  # `nevo rules list --json` after the first session's run
    guards: list[dict[str, Any]]  # .nevo/guards.json then
    commits: list[tuple[str, list[str]]]  # (message, files) of every commit the run made
    second: dict[str, list[Played]]  # session 2's calls, by mistake (and by look-alike command)
    second_run: dict[str, Any]
    third: dict[str, Played]  # session 3's calls, by the old command
    third_run: dict[str, Any]
    rules_at_end: list[dict[str, Any]]

    def rule(self, trigger: str) -> dict[str, Any]:
        found = [r for r in self.rules if r["path"] and f"{trigger}`" in self.text(r)]
        assert len(found) == 1, f"{len(found)} rules for `{trigger}`: {[r['title'] for r in self.rules]}"
        return found[0]

    def text(self, rule: dict[str, Any]) -> str:
        return (self.root / rule["path"]).read_text()

    def body(self, rule: dict[str, Any]) -> str:
        return self.text(rule).split("\n---\n", 1)[1]


def session(root: Path, config_dir: Path, steps: list[list[ContentBlock]], prompt: str) -> list[Played]:
    with FakeMessagesAPI([*steps, text("done")]) as api:
        run = run_claude(root, prompt, api, config_dir, timeout=240)
    assert run.returncode == 0, run.describe(api)
    calls = played(run.transcript_path)
    assert len(calls) == len(steps), run.describe(api)
    return calls


def commits_since(root: Path, base: str) -> list[tuple[str, list[str]]]:
    shas = git(root, "rev-list", "--reverse", f"{base}..HEAD").split()
    return [
        (git(root, "log", "-1", "--format=%B", sha), git(root, "show", "--name-only", "--format=", sha).split())
        for sha in shas
    ]


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    base = tmp_path_factory.mktemp("lessons")
    with isolated_env(base / "home"):
        root = base / "shop"
        make_project(root)
        install_offline(root)
        git(root, "branch", "mainline")  # after nevo's own files are committed: both branches have them
        config_dir = base / "claude-config"
        found = mistakes(root)
        head = git(root, "rev-parse", "HEAD").strip()

        # Session 1: every mistake, each followed by its recovery. Then only the run at session end.
        first = session(root, config_dir, [step for m in found for step in m.first], "get the project going")
        [first_run] = wait_for_background_runs(root, 1)
        rules, guards = nevo_json(root, "rules", "list"), guard_table(root)
        commits = commits_since(root, head)

        # Session 2: the look-alikes, then the same mistakes (and after a deny, the right call).
        plan: list[tuple[str, list[ContentBlock]]] = [(c, bash(c)) for c in LOOK_ALIKES]
        plan.append(("README.md", read(f"{root}/docs/README.md")))
        for mistake in found:
            if mistake.enforcement.startswith("guard"):
                plan.append((mistake.name, mistake.first[0]))
                if mistake.right is not None:
                    plan.append((mistake.name, mistake.right))
        calls = session(root, config_dir, [step for _, step in plan], "get the project going again")
        second: dict[str, list[Played]] = {}
        for (name, _), call in zip(plan, calls, strict=True):
            second.setdefault(name, []).append(call)
        second_run = wait_for_background_runs(root, 2)[0]

        # Session 3: the project changed; the old calls run as written.
        fix_the_causes(root)
        steps = [read(f"{root}/docs/readme.md") if c == "docs/readme.md" else bash(c) for c in STOOD_ASIDE]
        steps.append(read(f"{root}/docs/readme.md"))
        third_calls = session(root, config_dir, steps, "build it the project's own way")
        third = dict(zip([*STOOD_ASIDE, "docs/readme.md"], third_calls, strict=True))
        third_run = wait_for_background_runs(root, 3)[0]
        yield Journey(
            root,
            found,
            first,
            first_run,
            rules,
            guards,
            commits,
            second,
            second_run,
            third,
            third_run,
            nevo_json(root, "rules", "list"),
        )


# -- session 1: each mistake is learned, with no nevo command -------------------------------------------


def test_the_first_session_runs_its_mistakes_and_recoveries_for_real(journey: Journey) -> None:
    index = 0
    for mistake in journey.mistakes:
        calls = journey.first[index : index + len(mistake.first)]
        index += len(mistake.first)
        assert not calls[0].ok and calls[-1].ok, (mistake.name, calls)


# Mistakes the first session's run does not learn: a known defect each (a strict xfail of its case; it leaves
# this list once fixed).
UNLEARNED: dict[str, str] = {}


def test_the_run_at_session_end_learns_every_mistake_with_no_command(journey: Journey) -> None:
    run = journey.first_run
    learned = len(journey.mistakes) - len(UNLEARNED)
    assert run["error"] is None and run["published"] is True, run
    assert run["failures"] == len(journey.mistakes) and len(run["rules"]) == learned, run
    # One rule, one commit, citing its incident and the recovery; nothing else committed.
    rules = [(m, f) for m, f in journey.commits if " also covers " not in m.splitlines()[0]]
    assert len(rules) == learned, [m.splitlines()[0] for m, _ in journey.commits]
    for message, files in rules:
        assert len(files) == 1 and files[0].startswith(".claude/rules/PROJ-"), (message, files)
        assert "Incident: INC-" in message and "Recovery: `" in message, message
    assert {r["learned_at_session_end"] for r in journey.rules} == {run["started_at"]}


def _mistake_params() -> list[Any]:
    return [
        pytest.param(
            m.name,
            id=m.name,
            marks=[pytest.mark.xfail(strict=True, reason=UNLEARNED[m.name])] if m.name in UNLEARNED else [],
        )
        for m in mistakes(Path("/root-of-the-project"))
    ]


@pytest.mark.parametrize("name", _mistake_params())
def test_each_mistake_makes_a_rule_that_names_the_fix_and_says_only_what_exists(journey: Journey, name: str) -> None:
    [mistake] = [m for m in journey.mistakes if m.name == name]
    rule = journey.rule(mistake.trigger)
    body = journey.body(rule)
    assert mistake.says in body, body
    [trigger] = [line for line in journey.text(rule).splitlines() if line.startswith("trigger:")]
    assert trigger.endswith(f" `{mistake.trigger}`"), trigger
    assert rule["enforcement"] == mistake.enforcement, rule
    compiled = [g for g in journey.guards if g["rule"] == rule["id"]]
    if mistake.enforcement == "context only":
        assert compiled == [] and rule["guard"] is False, compiled
    else:
        [entry] = compiled
        assert f"guard {entry['action']}" == mistake.enforcement, entry
    # In nevo's words: no line of any tool's output is copied into the rule.
    for call in journey.first:
        for line in call.output.splitlines():
            if len(line.strip()) > 30:
                assert line.strip() not in body, (line, body)


def test_every_guard_a_rule_claims_is_compiled_and_every_compiled_guard_is_claimed(journey: Journey) -> None:
    claimed = {r["id"]: r["enforcement"] for r in journey.rules if r["enforcement"].startswith("guard")}
    compiled = {g["rule"]: f"guard {g['action']}" for g in journey.guards}
    assert claimed == compiled


# -- session 2: the mistakes a guard can catch are not repeated -------------------------------------------


# Mistakes a guard should catch that the later session repeats: a known defect each (the strict xfail of its
# case turns into a failure once it is fixed, and then it leaves this list).
REPEATED = {}


def _guarded_params() -> list[Any]:
    return [
        pytest.param(
            m.name,
            id=m.name,
            marks=[pytest.mark.xfail(strict=True, reason=REPEATED[m.name])] if m.name in REPEATED else [],
        )
        for m in mistakes(Path("/r"))
        if m.enforcement != "context only"
    ]


@pytest.mark.parametrize("name", _guarded_params())
def test_a_later_session_does_not_repeat_a_mistake_a_guard_can_catch(journey: Journey, name: str) -> None:
    [mistake] = [m for m in journey.mistakes if m.name == name]
    rule = journey.rule(mistake.trigger)
    calls = journey.second[name]
    if mistake.enforcement == "guard rewrite":
        [call] = calls
        assert call.rewritten and call.ok, call
        assert call.command == mistake.first[-1][0]["input"]["command"], call  # exactly the recovery
    else:
        denied, right = calls
        assert not denied.ok and f"nevo {rule['id']}:" in denied.output, denied
        assert mistake.says in denied.output, denied  # the reason names what to use
        assert right.ok and not right.rewritten, right


def test_look_alike_correct_commands_run_untouched(journey: Journey) -> None:
    for command in LOOK_ALIKES:
        [call] = journey.second[command]
        assert call.ok and not call.rewritten and call.command == command, call
    [readme] = journey.second["README.md"]
    assert readme.ok and "Start here." in readme.output, readme
    assert (journey.root / "prod.txt").read_text() == "prod"


def test_the_second_session_fails_nothing_and_each_guard_counts_its_hit(journey: Journey) -> None:
    repeated = {journey.rule(m.trigger)["id"] for m in journey.mistakes if m.name in REPEATED}
    run = journey.second_run
    # A denied call is no failure (the guard did its job); only the known repeats are.
    assert run["error"] is None and run["rules"] == [] and run["failures"] == len(repeated), run
    guarded = [r for r in journey.rules_at_end if r["guard"] and r["id"] not in repeated]
    assert guarded and all(r["guard_hits"] == 1 and r["recurrences"] == 0 for r in guarded), guarded


# -- session 3: a guard stands aside once its cause is fixed ----------------------------------------------


@pytest.mark.parametrize("trigger", [*STOOD_ASIDE, "docs/readme.md"])
def test_a_guard_stands_aside_once_its_cause_is_fixed(journey: Journey, trigger: str) -> None:
    call = journey.third[trigger]
    assert call.ok and not call.rewritten, call
    rule = journey.rule(trigger)
    [now] = [r for r in journey.rules_at_end if r["id"] == rule["id"]]
    assert now["stood_aside"] == 1 and now["guard_hits"] == 1, now


def test_the_project_s_own_versions_ran_once_they_existed(journey: Journey) -> None:
    assert journey.third_run["error"] is None and journey.third_run["failures"] == 0, journey.third_run
    assert (journey.root / "own-build.txt").read_text().strip() == "own"
    assert (journey.root / "own-npm.txt").read_text() == "own"
    assert "db.internal" in journey.third["cat config/db.yml"].output
    assert git(journey.root, "branch", "--show-current").strip() == "main"
