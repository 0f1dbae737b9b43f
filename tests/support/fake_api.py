"""The scripted fake of the Anthropic Messages API, for the end-to-end tests.

It lives in the package, :mod:`nevo.demo.fake_model` (``nevo demo`` plays a real Claude Code session on
it); the tests import it from here, as they always did.
"""

from __future__ import annotations

from nevo.demo.fake_model import (
    EXHAUSTED_REPLY_TEXT,
    FAKE_MODEL_FALLBACK,
    SIDE_REPLY_TEXT,
    ContentBlock,
    FakeMessagesAPI,
    RecordedRequest,
    Script,
    Step,
    StepFunction,
    bash,
    count_assistant_tool_uses,
    edit,
    looks_like_main_conversation,
    read,
    text,
    tool,
    write,
)

__all__ = [
    "EXHAUSTED_REPLY_TEXT",
    "FAKE_MODEL_FALLBACK",
    "SIDE_REPLY_TEXT",
    "ContentBlock",
    "FakeMessagesAPI",
    "RecordedRequest",
    "Script",
    "Step",
    "StepFunction",
    "bash",
    "count_assistant_tool_uses",
    "edit",
    "looks_like_main_conversation",
    "read",
    "text",
    "tool",
    "write",
]
