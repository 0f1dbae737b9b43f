"""A forged skill in front of the real Claude Code: listed in the model's context, loadable with the Skill
tool, and the use tracked from the real transcript through the journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nevo.clock import fixed_clock
from nevo.db import open_database
from nevo.forge import list_skills, request_skill, run_forge
from nevo.install import init
from nevo.workspace import Workspace
from tests.conftest import process_by_hand
from tests.support import FakeMessagesAPI, run_claude, text, tool
from tests.test_forge import MIGRATION_SESSION, add_session

# Deployed "in the past": the real session's timestamps (the machine's clock) come after it.
DEPLOYED = fixed_clock(datetime(2020, 1, 1, tzinfo=UTC))


@pytest.mark.e2e
def test_a_forged_skill_is_offered_to_claude_code_and_its_use_is_tracked(
    git_workspace: Workspace, tmp_path: Path
) -> None:
    init(git_workspace)
    process_by_hand(git_workspace.root)
    with open_database(git_workspace) as db:
        add_session(db, "s1", str(git_workspace.root), MIGRATION_SESSION)
    request_skill(git_workspace, "run the database migrations with alembic", clock=DEPLOYED)
    [outcome] = run_forge(git_workspace, clock=DEPLOYED).outcomes
    assert outcome.status == "deployed"
    name = str(outcome.skill_name)

    script = [tool("Skill", {"skill": name}), text("done")]
    with FakeMessagesAPI(script) as api:
        run = run_claude(git_workspace.root, "migrate the database", api, tmp_path / "claude-config")
    assert run.returncode == 0, run.describe(api)
    first, second = api.main_requests()[0], api.main_requests()[1]
    assert name in first.all_text()  # the skill's name and description are in the context
    assert "Can't locate revision" not in first.all_text()  # ... its body only once it is used
    assert "Can't locate revision" in second.all_text(), second.all_text()[-3000:]

    from nevo.journal import ingest_journal

    with open_database(git_workspace) as db:
        ingest_journal(db, run.transcript_path, DEPLOYED)
    [report] = [s for s in list_skills(git_workspace, clock=DEPLOYED) if s.name == name]
    assert report.uses == 1
