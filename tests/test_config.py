from __future__ import annotations

import pytest
import yaml

from nevo.config import DEFAULTS, TEMPLATE, load_config
from nevo.errors import NevoError
from nevo.workspace import Workspace


def test_the_template_documents_exactly_the_defaults() -> None:
    assert yaml.safe_load(TEMPLATE) == DEFAULTS


def test_a_partial_file_is_merged_over_the_defaults(workspace: Workspace) -> None:
    workspace.nevo_dir.mkdir()
    workspace.config_path.write_text("monitor:\n  loop_threshold: 5\n")
    config = load_config(workspace)
    assert config.get("monitor.loop_threshold") == 5
    assert config.get("monitor.max_payload_bytes") == DEFAULTS["monitor"]["max_payload_bytes"]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("monitor: [\n", "not valid YAML"),
        ("- a\n- b\n", "mapping"),
        ("memory:\n  ttl_days: 7\n", "`memory.ttl_days` must be a mapping"),
        (
            "memory:\n  ttl_days:\n    event: soon\n",
            "`memory.ttl_days.event` must be a number of days or null",
        ),
        ("monitor:\n  loop_threshold: three\n", "`monitor.loop_threshold` must be int"),
        ("analyst:\n  guards: 1\n", "`analyst.guards` must be bool"),
    ],
)
def test_a_malformed_file_is_a_clear_error(workspace: Workspace, text: str, fragment: str) -> None:
    workspace.nevo_dir.mkdir()
    workspace.config_path.write_text(text)
    with pytest.raises(NevoError, match=fragment):
        load_config(workspace)


def test_numbers_may_stand_for_floats_and_unknown_keys_are_kept(workspace: Workspace) -> None:
    workspace.nevo_dir.mkdir()
    workspace.config_path.write_text("provider:\n  daily_cost_cap_usd: 10\nfuture_section:\n  x: 1\n")
    assert load_config(workspace).get("provider.daily_cost_cap_usd") == 10
