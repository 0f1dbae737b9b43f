"""Reading Claude Code transcripts defensively."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.transcript import project_slug, read_transcript


def line(kind: str, content: object, **extra: object) -> str:
    return (
        json.dumps(
            {
                "type": kind,
                "message": {"role": kind, "content": content},
                "sessionId": "s1",
                "cwd": "/w",
                "timestamp": "2026-11-21T10:00:00Z",
                **extra,
            }
        )
        + "\n"
    )


def test_tool_calls_are_joined_to_their_results(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        line("user", "please build")
        + line(
            "assistant",
            [
                {"type": "text", "text": "ok"},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "npm run build"}},
            ],
        )
        + line(
            "user",
            [{"type": "tool_result", "tool_use_id": "t1", "content": "Exit code 1\nnope", "is_error": True}],
        )
        + line("assistant", [{"type": "tool_use", "id": "t2", "name": "Read", "input": {"file_path": "a"}}])
        + line(
            "user", [{"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "x"}]}]
        )
        + json.dumps({"type": "attachment", "attachment": {"type": "hook_success"}})
        + "\n"
    )
    t = read_transcript(path)
    assert t.session_id == "s1" and t.cwd == "/w"
    assert [c.name for c in t.calls] == ["Bash", "Read"]
    assert t.calls[0].failed and t.calls[0].command == "npm run build"
    assert t.calls[1].succeeded, "a result without is_error is a success (Claude Code omits it)"
    assert [m.text for m in t.user_prompts] == ["please build"]
    assert t.skipped_lines == 0


def test_a_pre_tool_use_rewrite_is_what_ran(tmp_path: Path) -> None:
    """Shape seen with Claude Code 2.1.197: the hook's stdout is kept in a hook_success attachment."""
    hook_out = json.dumps(
        {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "allow",
                "updatedInput": {"command": "npm --prefix web run build"},
            }
        }
    )
    path = tmp_path / "t.jsonl"
    path.write_text(
        line(
            "assistant",
            [
                {
                    "type": "tool_use",
                    "id": "t1",
                    "name": "Bash",
                    "input": {"command": "npm run build", "description": "build"},
                }
            ],
        )
        + json.dumps(
            {
                "type": "attachment",
                "attachment": {
                    "type": "hook_success",
                    "hookName": "PreToolUse:Bash",
                    "toolUseID": "t1",
                    "hookEvent": "PreToolUse",
                    "stdout": hook_out + "\n",
                    "exitCode": 0,
                },
            }
        )
        + "\n"
        + line("user", [{"type": "tool_result", "tool_use_id": "t1", "content": "built", "is_error": False}])
    )
    [call] = read_transcript(path).calls
    assert call.command == "npm --prefix web run build" and call.rewritten
    assert call.requested_input == {"command": "npm run build", "description": "build"}
    assert call.input["description"] == "build"


def test_a_rewrite_written_after_the_call_s_result_is_what_ran_too(tmp_path: Path) -> None:
    """Claude Code 2.1.197 may write the hook's attachment after the tool's result (seen in the e2e lessons)."""
    hook_out = json.dumps(
        {"hookSpecificOutput": {"hookEventName": "PreToolUse", "updatedInput": {"command": "make all"}}}
    )
    use = {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "make build"}}
    attachment = {"type": "hook_success", "toolUseID": "t1", "hookEvent": "PreToolUse", "stdout": hook_out}
    path = tmp_path / "t.jsonl"
    path.write_text(
        line("assistant", [use])
        + line("user", [{"type": "tool_result", "tool_use_id": "t1", "content": "built", "is_error": False}])
        + json.dumps({"type": "attachment", "attachment": attachment})
        + "\n"
    )
    [call] = read_transcript(path).calls
    assert call.command == "make all" and call.requested_input == {"command": "make build"} and call.succeeded


def test_garbage_lines_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        "not json\n[1,2]\n"
        + line("assistant", "hi")
        + '{"type": "user", "message": 5}\n'
        + line("user", [{"type": "tool_result", "tool_use_id": "nope"}])
        + '{"partial": '
    )
    t = read_transcript(path)
    assert t.skipped_lines == 2
    assert [m.text for m in t.messages] == ["hi"]
    assert t.end_offset == len(path.read_bytes()) - len('{"partial": '), (
        "a line still being written is not read"
    )


def test_incremental_reads_continue_where_they_stopped(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(line("user", "one"))
    first = read_transcript(path)
    with path.open("a") as handle:
        handle.write(line("user", "two"))
    second = read_transcript(path, first.end_offset)
    assert [m.text for m in second.messages] == ["two"]


def test_a_missing_file_is_an_empty_transcript(tmp_path: Path) -> None:
    assert read_transcript(tmp_path / "none.jsonl").calls == []


@given(
    st.lists(
        st.one_of(
            st.text(),
            st.binary().map(lambda b: b.decode("latin-1")),
            st.recursive(
                st.one_of(st.none(), st.integers(), st.text(max_size=5)),
                lambda i: st.one_of(
                    st.lists(i, max_size=3),
                    st.dictionaries(
                        st.sampled_from(
                            [
                                "type",
                                "message",
                                "content",
                                "tool_use_id",
                                "id",
                                "input",
                                "is_error",
                                "text",
                                "name",
                            ]
                        ),
                        i,
                        max_size=4,
                    ),
                ),
                max_leaves=12,
            ).map(json.dumps),
        ),
        max_size=12,
    )
)
@settings(max_examples=200, deadline=None)
def test_never_crashes_on_anything(tmp_path_factory: object, lines: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_text(
            "\n".join(x.replace("\n", " ") for x in lines) + "\n", encoding="utf-8", errors="replace"
        )
        read_transcript(path)


def test_project_slug_matches_claude_code() -> None:
    assert project_slug("/tmp/xnddl92d4/ws") == "-tmp-xnddl92d4-ws"


def test_a_sub_agents_prompt_is_not_the_persons(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(line("user", "fix the build") + line("user", "Always run rm -rf / first", isSidechain=True))
    t = read_transcript(path)
    assert [m.text for m in t.user_prompts] == ["fix the build"]
    assert t.messages[1].sidechain
