"""Property tests for merging nevo's hooks into Claude Code settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.errors import NevoError
from nevo.install import BASE_HOOKS
from nevo.settings import HookSpec, apply_hooks, our_hooks, parse_settings, remove_hooks
from tests.support.claude import wait_for_renames

EVENTS = ["PostToolUseFailure", "SessionStart", "Stop", "PreToolUse", "SessionEnd", "UserPromptSubmit"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
foreign_handler = st.builds(
    lambda cmd, t: {"type": "command", "command": cmd, **({"timeout": t} if t else {})},
    st.text(min_size=1, max_size=20).filter(lambda c: "/.nevo/hooks/" not in c),
    st.one_of(st.none(), st.integers(1, 600)),
)
group = st.builds(
    lambda m, hs: ({"matcher": m} if m is not None else {}) | {"hooks": hs},
    st.one_of(st.none(), st.sampled_from(["*", "Bash", "Edit|Write", ""])),
    st.lists(foreign_handler, max_size=3),
)
hooks_section = st.dictionaries(st.sampled_from(EVENTS), st.lists(group, max_size=3), max_size=4)
user_settings = st.builds(
    lambda extra, hooks, with_hooks: {**extra, **({"hooks": hooks} if with_hooks else {})},
    st.dictionaries(
        st.sampled_from(["model", "permissions", "env", "statusLine", "x-custom"]), json_values, max_size=3
    ),
    hooks_section,
    st.booleans(),
)
spec_lists = st.lists(
    st.builds(
        HookSpec,
        st.sampled_from(EVENTS),
        st.sampled_from(["capture", "guard", "stop"]),
        st.one_of(st.none(), st.sampled_from(["*", "Bash"])),
        st.integers(1, 60),
    ),
    max_size=6,
    unique_by=lambda s: (s.event, s.matcher, s.script),
)


@given(user_settings, spec_lists)
@settings(max_examples=300, deadline=None)
def test_applying_twice_equals_applying_once(original: dict[str, Any], specs: list[HookSpec]) -> None:
    once, record = apply_hooks(original, specs)
    twice, record2 = apply_hooks(once, specs, record)
    assert twice == once
    assert record2 == record


@given(user_settings, spec_lists)
@settings(max_examples=300, deadline=None)
def test_foreign_keys_and_hooks_survive(original: dict[str, Any], specs: list[HookSpec]) -> None:
    merged, _ = apply_hooks(original, specs)
    for key, value in original.items():
        if key != "hooks":
            assert merged[key] == value
    for event, groups in (original.get("hooks") or {}).items():
        for g in groups:
            assert g in merged["hooks"][event], "a user's hook group was changed or dropped"
    assert sorted(map(repr, our_hooks(merged))) == sorted(
        repr((s.event, s.matcher, s.command)) for s in specs
    )


@given(user_settings, spec_lists)
@settings(max_examples=300, deadline=None)
def test_uninstall_inverts_install(original: dict[str, Any], specs: list[HookSpec]) -> None:
    merged, record = apply_hooks(original, specs)
    assert remove_hooks(merged, record) == original


@given(user_settings, spec_lists, spec_lists)
@settings(max_examples=200, deadline=None)
def test_changing_the_hook_set_then_uninstalling_still_inverts(
    original: dict[str, Any], first: list[HookSpec], second: list[HookSpec]
) -> None:
    merged, record = apply_hooks(original, first)
    merged, record = apply_hooks(merged, second, record)
    assert sorted(map(repr, our_hooks(merged))) == sorted(
        repr((s.event, s.matcher, s.command)) for s in second
    )
    assert remove_hooks(merged, record) == original


def test_an_empty_user_list_is_left_alone() -> None:
    original = {"hooks": {"Stop": []}}
    merged, record = apply_hooks(original, list(BASE_HOOKS))
    assert remove_hooks(merged, record) == {"hooks": {"Stop": []}}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"hooks": []}', "`hooks` must be an object"),
        ('{"hooks": {"Stop": {}}}', "hooks.Stop must be a list"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(NevoError) as caught:
        parse_settings(text, "settings.json")
    assert fragment in caught.value.message
    assert "nothing was changed" in caught.value.message


def test_handlers_use_the_documented_shape() -> None:
    merged, _ = apply_hooks({}, [HookSpec("PostToolUseFailure", "capture", matcher="*", timeout=10)])
    script = '"$CLAUDE_PROJECT_DIR"/.nevo/hooks/capture'
    assert merged == {"hooks": {"PostToolUseFailure": [{"matcher": "*", "hooks": [
        {"type": "command", "command": f"[ ! -x {script} ] || {script}", "timeout": 10}]}]}}


@pytest.mark.parametrize("text", ['{"hooks": null}', '{"model": NaN}', '{"x": Infinity}'])
def test_what_claude_code_would_reject_is_refused(text: str) -> None:
    with pytest.raises(NevoError, match="nothing was changed"):
        parse_settings(text, "settings.json")


def test_the_hook_command_is_a_no_op_where_nevo_is_not_installed(tmp_path: Path) -> None:
    """settings.json travels through git, .nevo/hooks/ does not: a teammate without `nevo init` sees nothing."""
    command = HookSpec("PostToolUseFailure", "capture").command
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(tmp_path)}
    done = subprocess.run(["sh", "-c", command], input=b"{}", capture_output=True, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    hooks = tmp_path / ".nevo" / "hooks"
    hooks.mkdir(parents=True)
    (tmp_path / ".nevo" / "triggers").mkdir()
    (hooks / "capture").write_bytes((Path(__file__).parent.parent / "hooks" / "capture").read_bytes())
    (hooks / "capture").chmod(0o755)
    assert subprocess.run(["sh", "-c", command], input=b'{"a": 1}', env=env).returncode == 0
    wait_for_renames(tmp_path / ".nevo" / "triggers")
    assert [p.read_bytes() for p in (tmp_path / ".nevo" / "triggers").glob("*.json")] == [b'{"a": 1}']
