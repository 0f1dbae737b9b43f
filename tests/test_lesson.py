"""THE judgment of what a failure teaches (nevo.lesson), per kind and per trap, on sequences recorded from
real tools in real temporary projects (tests/corpus/), and the corpus replayed as a whole."""

from __future__ import annotations

from typing import Any

import pytest

from nevo import incidents as store
from nevo.db import open_database
from nevo.fingerprint import fingerprint
from nevo.lesson import WINDOW, Call, judge, session_lessons
from nevo.verdict import Verdict
from nevo.workspace import Workspace
from tests.corpus.evaluate import Report, Result, evaluate, expected_kinds, load, replay

DEV = load("dev")
NPM = 'Exit code 1\nnpm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:'


def by_id(scenario: str) -> dict[str, Any]:
    return next(r for r in DEV if r["id"] == scenario)


# ---------------------------------------------------------------------------------------- the corpus, one by one


@pytest.mark.parametrize("record", [r for r in DEV if expected_kinds(r) == {"lesson"}], ids=lambda r: r["id"])
def test_each_real_recovery_is_learned_with_the_call_that_did_it(record: dict[str, Any]) -> None:
    verdict = replay(record)
    label = record["label"]
    assert verdict.kind == "lesson", verdict.reason
    assert verdict.distance == label["fix"] - 1 and verdict.fix_kind == label["fix_kind"], verdict
    assert verdict.lesson and "Exit code" not in verdict.lesson and record["root"] not in verdict.lesson
    if label["guard"] is True:
        assert verdict.guard is not None and verdict.cause is not None
    if label["guard"] is False:
        assert verdict.guard is None
    if record["agent"]:
        assert verdict.agent == record["agent"]


@pytest.mark.parametrize("record", [r for r in DEV if "lesson" not in expected_kinds(r)], ids=lambda r: r["id"])
def test_each_trap_is_never_learned(record: dict[str, Any]) -> None:
    verdict = replay(record)
    assert verdict.kind in expected_kinds(record), verdict.reason
    assert verdict.kind != "lesson" and verdict.guard is None and not verdict.lesson


# ---------------------------------------------------------------------------------------- the corpus as a whole


@pytest.mark.parametrize("which", ["dev", "heldout"])
def test_the_corpus_is_learned_with_high_recall_and_no_trap(which: str) -> None:
    report = evaluate(which)
    assert len(report.results) >= 60 if which == "dev" else len(report.results) >= 40
    assert report.recall >= 0.9, [(r.id, r.verdict.kind, r.verdict.reason) for r in report.lessons if not r.recalled]
    assert report.precision >= 0.9
    assert report.traps_learned == [], [(r.id, r.verdict.kind, r.verdict.reason) for r in report.traps_learned]


def test_the_measure_fails_a_judgment_that_learns_anything() -> None:
    """A careless judge (every later success is the fix, every fix a lesson) must fail the corpus test."""

    def careless(record: dict[str, Any]) -> Verdict:
        later = record["calls"][1:]
        index = next((i for i, c in enumerate(later) if c["ok"]), 0)
        return Verdict("lesson", "careless", fix="x", fix_kind="replace", distance=index)

    report = Report([Result(record, careless(record)) for record in DEV])
    assert report.traps_learned and report.precision < 0.9


# ---------------------------------------------------------------------------------------- rules of the judgment


def bash(command: str, output: str = "", ok: bool = True, cwd: str = "/w") -> Call:
    if not ok and not output.startswith("Exit code"):
        output = f"Exit code 1\n{output}"
    return Call("Bash", {"command": command}, ok, output, cwd=cwd)


def test_a_guard_never_holds_a_segment_the_failed_call_did_not_have() -> None:
    failed = bash("npm run build", NPM, ok=False)
    appended = judge(failed, [bash("npm install && npm --prefix web run build")], root="/w")
    assert appended.kind == "lesson" and appended.guard is None  # the install is not the failed call's
    cd = judge(failed, [bash("cd web && npm run build")], root="/w")
    assert cd.guard is not None and cd.guard.action == "deny" and cd.guard.match == "npm run build"
    both_in_web = judge(
        bash("cd web && npm run biuld", 'npm error Missing script: "biuld"', ok=False),
        [bash("cd web && npm run build")],
        root="/w",
    )
    assert both_in_web.guard is not None and (both_in_web.guard.match, both_in_web.guard.fix) == (
        "npm run biuld",
        "npm run build",
    )
    assert both_in_web.guard.cause.where == "web"
    plain = judge(failed, [bash("npm --prefix web run build")], root="/w")
    assert plain.guard is not None and (plain.guard.action, plain.guard.fix) == (
        "rewrite",
        "npm --prefix web run build",
    )


def test_a_destructive_segment_makes_the_success_harmful_whatever_came_before() -> None:
    failed = bash("npm run build", NPM, ok=False)
    for fix in (
        "npm --prefix web run build && rm -rf ~/.npm",
        "npm --prefix web run build && scp -r web/dist deploy@10.0.0.1:/srv/",
        "git clean -fdx && npm --prefix web run build",
    ):
        verdict = judge(failed, [bash(fix)], root="/w")
        assert verdict.kind == "harmful" and verdict.guard is None and not verdict.lesson, fix


def test_a_weakened_success_is_skipped_for_a_real_fix_after_it() -> None:
    failed = bash("npm run deploy", 'npm error Missing script: "deploy"', ok=False)
    weaker = bash("npm run deploy -- --dry-run", ok=False)
    verdict = judge(failed, [bash("npm run deploy --dry-run"), bash("npm --prefix site run deploy")], root="/w")
    assert verdict.kind == "lesson" and verdict.fix == "npm --prefix site run deploy" and verdict.distance == 1
    only_weaker = judge(failed, [weaker, bash("npm run deploy --dry-run")], root="/w")
    assert only_weaker.kind == "weakened" and only_weaker.guard is None


def test_error_text_that_says_what_to_do_never_becomes_the_fix_or_the_lesson() -> None:
    error = "fatal: push rejected.\nhint: To fix this, run: git reset --hard origin/main && git push --force"
    verdict = judge(bash("git push origin main", error, ok=False), [bash("git status")], root="/w")
    assert verdict.kind == "none" and "reset" not in verdict.error_line and not verdict.fix


def test_a_command_holding_a_secret_gets_no_guard_and_no_quoted_lesson() -> None:
    secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    failed = bash(f"GH_TOKEN={secret} gh api /user", "bash: line 1: gh: command not found", ok=False)
    verdict = judge(failed, [bash(f"GH_TOKEN={secret} ~/bin/gh api /user")], root="/w")
    assert verdict.kind == "lesson" and verdict.guard is None and verdict.lesson == ""
    assert secret not in str(verdict.to_json())


def test_a_bare_common_program_never_gets_a_guard() -> None:
    failed = bash("pytest", "bash: line 1: pytest: command not found", ok=False)
    verdict = judge(failed, [bash("python3 -m pytest")], root="/w")
    assert verdict.kind == "lesson" and verdict.guard is None


def test_paths_in_the_verdict_are_relative_to_the_workspace() -> None:
    failed = Call(
        "Read",
        {"file_path": "/w/docs/setup.md"},
        False,
        "File does not exist. Note: your current working directory is /w.",
    )
    verdict = judge(failed, [Call("Read", {"file_path": "/w/docs/SETUP.md"}, True, "1\t# Setup")], root="/w")
    assert verdict.failed == "Read docs/setup.md" and verdict.fix == "Read docs/SETUP.md"
    assert verdict.guard is not None and (verdict.guard.tool, verdict.guard.action) == ("Read", "deny")
    assert (verdict.guard.match, verdict.guard.fix, verdict.guard.cause.kind) == (
        "docs/setup.md",
        "docs/SETUP.md",
        "missing-path",
    )
    assert "/w/" not in verdict.lesson and "/w" not in verdict.error_line


def test_a_failure_nothing_answers_is_open_until_the_window_or_the_session_ends() -> None:
    failed = bash("make deploy", "make: *** No rule to make target 'deploy'.  Stop.", ok=False)
    looking = [bash("git status")] * 3
    assert judge(failed, looking, root="/w", final=False).extra.get("open") is True
    assert "open" not in judge(failed, looking, root="/w", final=True).extra
    assert "open" not in judge(failed, [bash("git status")] * WINDOW, root="/w", final=False).extra


def test_the_calls_of_another_agent_are_not_the_fix() -> None:
    failed = Call(
        "Bash", {"command": "npm run tset"}, False, 'Exit code 1\nnpm error Missing script: "tset"', sidechain=True
    )
    main = Call("Bash", {"command": "npm run test"}, True, "ok", sidechain=False)
    assert judge(failed, [main], root="", agent="test-runner").kind == "none"
    mine = Call("Bash", {"command": "npm run test"}, True, "ok", sidechain=True)
    verdict = judge(failed, [main, mine], root="", agent="test-runner")
    assert (verdict.kind, verdict.agent, verdict.distance) == ("lesson", "test-runner", 0)


def test_moving_on_to_other_work_makes_a_later_similar_call_no_fix() -> None:
    failed = bash("make biuld", "make: *** No rule to make target 'biuld'.  Stop.", ok=False)
    near = judge(failed, [bash("cat Makefile"), bash("make build")], root="/w")
    assert near.kind == "lesson"
    other_work = [bash("git add -A"), bash("git commit -m 'wip'"), bash("npm test"), bash("cargo build")]
    far = judge(failed, [*other_work, bash("make build")], root="/w")
    assert far.kind == "none"


def test_session_lessons_reads_the_stored_verdicts(workspace: Workspace) -> None:
    failed = bash("npm run build", NPM, ok=False)
    lesson = judge(failed, [bash("npm --prefix web run build")], root="/w")
    nothing = judge(failed, [bash("git status")], root="/w")
    fp = fingerprint("Bash", {"command": "npm run build"}, NPM, "/w")
    with open_database(workspace) as db, db.transaction():
        for key, verdict in (("call:s1:a", lesson), ("call:s1:b", nothing)):
            recorded = store.record_failure(
                db,
                fp,
                key=key,
                session_id="s1",
                tool_use_id=key[-1],
                at="2026-11-29T10:00:00Z",
                source="hook",
                sample={},
                failed_input={"command": "npm run build"},
                loop_threshold=9,
            )
            store.record_verdict(db, key, recorded.incident_id, "s1", "2026-11-29T10:00:00Z", verdict)
        assert [v for _, v in session_lessons(db, "s1")] == [lesson]
        [incident] = store.list_incidents(db)
        assert incident.teaches and incident.verdict == lesson  # lessons first


def test_judging_a_session_is_fast_enough_for_the_monitor() -> None:
    """The monitor judges every failure against every later call: the corpus judged twice over (cold, then
    from the parse caches) stays well within what a Stop hook hand-off can afford. No wall clock: it counts
    that the parse caches are hit."""
    from nevo import calls

    calls._actions.cache_clear()
    for record in DEV:
        replay(record)
    cold = calls._actions.cache_info()
    for record in DEV:
        replay(record)
    warm = calls._actions.cache_info()
    assert warm.misses == cold.misses and warm.hits > cold.hits


def test_a_script_named_from_another_folder_is_the_word_that_was_wrong() -> None:
    """`sh build.sh` fails (the script is in scripts/), `sh scripts/build.sh` works: the same runner on the
    same file name from another folder is a fix, not the same call again (nevo demo's own mistake)."""
    failed = Call("Bash", {"command": "sh build.sh"}, False, "Exit code 2\nsh: 0: cannot open build.sh: No such file")
    verdict = judge(failed, [Call("Bash", {"command": "sh scripts/build.sh"}, True, "build ok")])
    assert verdict.kind == "lesson" and verdict.fix == "sh scripts/build.sh", verdict.reason
    assert verdict.guard is not None and verdict.guard.match == "sh build.sh"
    assert verdict.guard.fix == "sh scripts/build.sh" and verdict.cause is not None
