"""The threats nevo defends against, one section each: what an adversarial user (or an unlucky machine) does,
what nevo does about it, and the test that holds it to that. Read top to bottom, this is nevo's threat list.

Covered elsewhere, in depth (not repeated here):
- Secrets never persist (every field of every record, rules, commits, guards, context, reports, memory):
  ``tests/test_secrets_never_persist.py`` and ``tests/test_redact.py`` (the redaction helper's corpus).
- The PreToolUse guard hook stays linear on crafted commands and never hangs on a FIFO as guards.json:
  ``tests/test_guard_hook.py`` (the guards helper's).
- kill -9 at every step of a commit, a user commit racing nevo's: ``tests/test_gitops.py``.
- Bounded reads of every kind and every JSON shape, a real full disk: ``tests/test_triggers.py``.
- Many processes opening the database at once, a full database, repair: ``tests/test_db.py``.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nevo import gitops, safepath
from nevo.cli import main
from nevo.config import load_config
from nevo.db import open_database
from nevo.errors import NevoError
from nevo.install import init, uninstall
from nevo.rules import Rule, RuleBook
from nevo.workspace import Workspace
from tests.conftest import git

# -- 1. Path escapes: ids, names and paths from files and payloads -------------------------------------------


@pytest.mark.parametrize("bad_id", ["../../../escaped/PROJ-001", "/tmp/nevo-escape", "--help", "PROJ-001/../../x"])
def test_a_rule_file_whose_id_leaves_the_folder_is_never_used_to_write(
    git_workspace: Workspace, tmp_path: Path, bad_id: str
) -> None:
    """Threat: a teammate's rule file (or a hand edit) says ``id: ../../x`` or an absolute path; nevo used
    to build file names from it, so `nevo analyze` and `nevo rules deprecate` wrote and moved files outside
    the workspace, then crashed. Defence: an id must be PROJ-NNN / AGENT-NNN (``nevo.safepath.rule_id``),
    checked when the file is read; such a file is reported by lint and never rewritten or moved."""
    ws = git_workspace
    ws.rules_dir.mkdir(parents=True)
    planted = ws.rules_dir / "PROJ-001-planted.md"
    planted.write_text(
        f"---\nid: {json.dumps(bad_id)}\ntitle: Planted\ntrigger: t\nenforcement: e\nverification: v\n---\nA rule.\n"
    )

    def everything() -> list[Path]:  # all but git's and nevo's own runtime folders (a lock file appears there)
        return sorted(p for p in tmp_path.rglob("*") if ".git" not in p.parts and ".nevo" not in p.parts)

    before = everything()
    book = RuleBook(ws)
    assert book.rules() == []
    assert [f.kind for f in book.lint()] == ["bad-file"]
    from nevo.rule_ops import deprecate_rule

    with pytest.raises(NevoError, match="no rule"):
        deprecate_rule(ws, bad_id, "obsolete")
    with pytest.raises(safepath.UnsafePath):
        book.write(Rule(id=bad_id, title="x", body="x."))
    assert everything() == before
    assert not Path("/tmp/nevo-escape").exists() and not (tmp_path / "escaped").exists()


@pytest.mark.parametrize(
    "check, value",
    [
        (safepath.skill_name, "../../etc"),
        (safepath.skill_name, "-rf"),
        (safepath.agent_name, "../../agents/evil"),
        (safepath.incident_id, "INC-2026-01-01-../x"),
        (safepath.rule_id, "PROJ-001\n"),
    ],
)
def test_names_from_files_and_payloads_are_checked_before_they_become_paths(check: object, value: str) -> None:
    """Threat: a skill, agent or incident name from a payload, an LLM answer or the command line holding
    ``..``, a slash, or a leading ``-``. Defence: one pattern per kind of name, in ``nevo.safepath``."""
    assert callable(check)
    with pytest.raises(safepath.UnsafePath):
        check(value)


def test_deactivating_a_skill_named_with_dots_moves_nothing(
    installed: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = installed.root / "src"
    victim.mkdir()
    (victim / "SKILL.md").write_text("not a skill: the user's source folder\n")
    code = main(["forge", "deactivate", "../../src", "-w", str(installed.root)])
    assert code == 1 and "not a valid skill name" in capsys.readouterr().err
    assert (victim / "SKILL.md").exists()


def test_an_incident_id_from_the_command_line_only_ever_reaches_sql_parameters(installed: Workspace) -> None:
    """`nevo incidents show ../../x` finds nothing and writes nothing: ids reach only SQL parameters, and a
    report path is built only from an id found in the database (which nevo made)."""
    with open_database(installed):
        pass  # the database exists: what the command adds below is nothing
    before = sorted(installed.root.parent.rglob("*"))
    assert main(["incidents", "show", "../../../etc/passwd", "-w", str(installed.root)]) == 1
    assert sorted(installed.root.parent.rglob("*")) == before


# -- 2. Symlinks that lead out of the workspace ------------------------------------------------------------


def test_a_nevo_folder_symlinked_elsewhere_is_refused_with_a_clear_error(workspace: Workspace, tmp_path: Path) -> None:
    """Threat: ``.nevo`` (or ``.claude/rules``) is a symlink to another folder: everything nevo writes (the
    database, triggers moved aside, rules) would land there. Defence: refused before the first write."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    workspace.nevo_dir.symlink_to(elsewhere)
    with pytest.raises(safepath.UnsafePath, match="symlink"):
        init(workspace)
    with pytest.raises(safepath.UnsafePath, match="outside the workspace"):
        open_database(workspace)
    assert list(elsewhere.iterdir()) == []


def test_a_rules_folder_symlinked_elsewhere_gets_no_rule(workspace: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other-project-rules"
    elsewhere.mkdir()
    workspace.claude_dir.mkdir()
    workspace.rules_dir.symlink_to(elsewhere)
    with pytest.raises(safepath.UnsafePath):
        RuleBook(workspace).write(Rule(id="PROJ-001", title="x", body="x."))
    assert list(elsewhere.iterdir()) == []


def test_uninstall_purge_through_a_symlinked_nevo_removes_only_the_link(workspace: Workspace, tmp_path: Path) -> None:
    """Threat: `nevo uninstall --purge` with ``.nevo`` linked to a shared folder deleted that folder's
    content. Defence: the link is removed, never what it points at."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "precious.db").write_text("someone's data\n")
    workspace.nevo_dir.symlink_to(shared)
    report = uninstall(workspace, purge=True)
    assert not os.path.lexists(workspace.nevo_dir)
    assert (shared / "precious.db").read_text() == "someone's data\n"
    assert any(str(shared) in kept for kept in report.kept)


def test_a_symlinked_settings_file_stays_a_symlink(workspace: Workspace) -> None:
    """Threat: init replaced a symlinked settings.json with a regular file (the link to the project's shared
    settings silently broke). Defence: written through to its target when the target is in the workspace."""
    shared = workspace.root / "config" / "claude-settings.json"
    shared.parent.mkdir()
    shared.write_text('{"model": "opus"}\n')
    workspace.claude_dir.mkdir()
    workspace.settings_path.symlink_to(Path("..") / "config" / "claude-settings.json")
    init(workspace)
    assert workspace.settings_path.is_symlink()
    data = json.loads(shared.read_text())
    assert data["model"] == "opus" and "PostToolUseFailure" in data["hooks"]
    uninstall(workspace)
    assert workspace.settings_path.is_symlink() and json.loads(shared.read_text()) == {"model": "opus"}


def test_a_settings_file_symlinked_out_of_the_workspace_is_refused_untouched(
    workspace: Workspace, tmp_path: Path
) -> None:
    outside = tmp_path / "global-settings.json"
    outside.write_text('{"model": "opus"}\n')
    workspace.claude_dir.mkdir()
    workspace.settings_path.symlink_to(outside)
    with pytest.raises(safepath.UnsafePath, match="outside the workspace"):
        init(workspace)
    assert outside.read_text() == '{"model": "opus"}\n' and workspace.settings_path.is_symlink()
    assert not workspace.nevo_dir.exists()  # refused before the first write


# -- 3. Interrupted commits --------------------------------------------------------------------------------


def test_a_kill_between_moving_the_branch_and_the_index_loses_no_rule_and_stages_nothing(
    git_workspace: Workspace, tmp_path: Path
) -> None:
    """Threat: kill -9 of `nevo analyze` mid-commit left the rule uncommitted for good (the next run called
    it a duplicate of itself), a ``.git/nevo-index-*`` behind, or a staged deletion of the rule that the
    user's next commit applied. Defence: an intent recorded before the file, the user's index replaced under
    its own lock, and the next run finishing either. Every step: ``tests/test_gitops.py``; the worst one:"""
    from tests.test_gitops import _paused, _user_work

    root = git_workspace.root
    _user_work(root)
    staged = git(root, "diff", "--cached")
    pause = tmp_path / "pause"
    pause.mkdir()
    process = _paused(root, "publish", pause)  # the branch has moved, the index not yet
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Until the next run, git refuses to commit (the lock is held): the half state cannot be committed.
    with pytest.raises(AssertionError, match=r"index\.lock"):
        git(root, "commit", "-qm", "the user's next commit")
    gitops.finish_pending(git_workspace)
    assert git(root, "diff", "--cached") == staged
    assert git(root, "log", "--format=%s", "-1") == "nevo: PROJ-001 x\n"


# -- 4. Unbounded reads, huge payloads, a locked database, a full disk --------------------------------------


def test_a_fifo_trigger_does_not_hang_the_monitor(installed: Workspace) -> None:
    """Threat: a FIFO, ``/dev/zero`` or a symlink among the triggers (or as a transcript path) hung the
    monitor or exhausted its memory on every run. Defence: regular files only, opened without blocking,
    read within a bound, moved aside with the reason. All shapes: ``tests/test_triggers.py``."""
    os.mkfifo(installed.triggers_dir / "000000000001-1.json")
    done = subprocess.run(
        [sys.executable, "-m", "nevo", "monitor", "--once", "-w", str(installed.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "FIFO" in (installed.rejected_dir / "000000000001-1.json.reason").read_text()


# -- 5. The crash log --------------------------------------------------------------------------------------


def test_the_crash_log_is_private_new_and_holds_no_secret(
    installed: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Threat: the crash log went to a predictable name in /tmp (a planted symlink there was written
    through), world-readable, with the full argv. Defence: created new (O_EXCL|O_NOFOLLOW), mode 0600, in
    ``.nevo/logs/`` (else the user's state folder), the traceback redacted, the command named without its
    arguments, versions included."""
    import nevo.status

    def boom(workspace: Workspace) -> None:
        raise RuntimeError("unexpected: token ghp_0123456789abcdefghijABCDEFGHIJ012345 in a message")

    monkeypatch.setattr(nevo.status, "gather", boom)
    code = main(["status", "-w", str(installed.root), "--json"])
    err = capsys.readouterr().err
    assert code == 3
    [log] = (installed.nevo_dir / "logs").glob("crash-*.log")
    assert str(log) in err
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "ghp_0123456789abcdefghij" not in text and "ghp_0123456789abcdefghij" not in err
    assert "command: nevo status\n" in text and str(installed.root) not in text.split("\n\n")[0]
    assert f"nevo {__import__('nevo').__version__}" in text and "python " in text and "sqlite " in text
    assert (installed.nevo_dir / "logs" / ".gitignore").read_text() == "*\n"


def test_without_a_workspace_the_crash_log_goes_to_the_users_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nevo.status

    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(nevo.status, "gather", lambda ws: (_ for _ in ()).throw(RuntimeError("boom")))
    assert main(["status"]) == 3
    [log] = (state / "nevo").glob("crash-*.log")
    assert stat.S_IMODE((state / "nevo").stat().st_mode) == 0o700 and stat.S_IMODE(log.stat().st_mode) == 0o600
    assert not list(Path("/tmp").glob(f"nevo-crash-*{os.getpid()}*"))
    capsys.readouterr()


# -- 6. Bad input in small places --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("monitor:\n  max_payload_bytes: 0\n", "`monitor.max_payload_bytes` must be between 4_096 and"),
        ("monitor:\n  loop_threshold: -1\n", "`monitor.loop_threshold` must be between 2"),
        ("provider:\n  max_retries: 1000000\n", "`provider.max_retries` must be between 0 and 20"),
        ("provider:\n  name: gpt\n", "`provider.name` must be one of auto, offline, anthropic, claude-code"),
        ("memory:\n  ttl_days:\n    event: -5\n", "`memory.ttl_days.event` must be between 1"),
        ("memory:\n  weekly_after_days: 40\n  monthly_after_days: 30\n", "must not be less than"),
        ("schedule:\n  nightly: every night\n", "`schedule.nightly`: not a cron schedule"),
        ("provider:\n  daily_cost_cap_usd: -1.5\n", "`provider.daily_cost_cap_usd` must be between 0"),
    ],
)
def test_an_out_of_range_config_value_is_a_clear_error(workspace: Workspace, text: str, fragment: str) -> None:
    """Threat: `max_payload_bytes: 0` made every trigger "too large", silently. Defence: every number has
    a range and every choice its choices, checked in one place (``nevo.config.RANGES``) when read."""
    workspace.nevo_dir.mkdir()
    workspace.config_path.write_text(text)
    with pytest.raises(NevoError, match=fragment.replace("(", r"\(")):
        load_config(workspace)


def test_a_binary_config_file_is_a_clear_error_not_a_crash(
    installed: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    installed.config_path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert main(["status", "-w", str(installed.root)]) in (0, 1)
    assert main(["analyze", "-w", str(installed.root)]) == 1
    assert "is not text" in capsys.readouterr().err


def test_a_file_named_like_an_option_reaches_the_tools_as_a_file(tmp_path: Path) -> None:
    """Threat: a file named ``-rf.py`` reached mypy, ruff and pytest as an option. Defence: ``--`` (and
    ``./`` for pytest, which has no ``--``)."""
    from nevo.quality.checks import ToolOptions, lint, run_tests, typecheck

    (tmp_path / "-rf.py").write_text('x: int = "a"\nimport os\n')
    (tmp_path / "-x_test.py").write_text("def test_a() -> None:\n    assert 1 == 2\n")
    options = ToolOptions(isolated=True, timeout=120)
    typed = typecheck(tmp_path, ["-rf.py"], options)
    assert typed.status == "failed" and [f.file for f in typed.findings] == ["-rf.py"]
    linted = lint(tmp_path, ["-rf.py"], options)
    assert linted.status == "failed" and any(f.file == "-rf.py" and f.code == "F401" for f in linted.findings)
    tested = run_tests(tmp_path, ["-x_test.py"], options)
    assert tested.status == "failed" and "test_a" in tested.findings[0].message


def test_init_outside_git_says_so_and_refuses_a_bare_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Threat: `nevo init` outside git (or in a bare repository) succeeded without a word, and every rule
    then stayed "written", never committed. Defence: a warning outside git, a refusal in a bare repository."""
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["init", "-w", str(plain)]) == 0
    assert "not in a git repository" in capsys.readouterr().out
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert main(["init", "-w", str(bare)]) == 1
    assert "bare git repository" in capsys.readouterr().err
    assert not (bare / ".nevo").exists()


@pytest.mark.parametrize("inside", [".nevo/hooks", ".nevo/rejected", ".nevo/nevo.db", ".claude/skills"])
def test_a_folder_or_file_nevo_writes_symlinked_out_of_the_workspace_is_refused(
    installed: Workspace, tmp_path: Path, inside: str
) -> None:
    """The same for what nevo writes inside its folders: hook scripts (executables!), triggers moved aside,
    the database, skills."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = installed.root / inside
    if link.is_dir():
        import shutil

        shutil.rmtree(link)
    link.unlink(missing_ok=True)
    link.symlink_to(elsewhere / "target")
    with pytest.raises(safepath.UnsafePath, match=inside.rsplit("/", 1)[-1]):
        init(installed)
    with pytest.raises(safepath.UnsafePath):
        open_database(installed)
    assert list(elsewhere.iterdir()) == []
