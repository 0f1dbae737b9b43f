"""A scripted fake of the Anthropic Messages API on 127.0.0.1, for driving the real Claude Code CLI.

Claude Code only needs `POST /v1/messages` (streamed as SSE, or plain JSON when `stream` is false).
The fake answers the *main conversation* from a `Script` of steps and every *side request*
(title generation, quota probes, haiku calls, `count_tokens`, stray GET/HEAD) with a short canned
reply that never advances the script.

Which step comes next is derived from the request itself: the number of assistant `tool_use` blocks
already in `messages` says how many tool steps were played. A retried request therefore gets the
same step again (idempotent), and several sessions against one fake each replay the script from the
start.

    script = Script([bash("ls /nope"), read("README.md"), edit("a.txt", "x", "y"), text("done")])
    with FakeMessagesAPI(script) as api:
        run_claude(workspace, "go", api, config_dir)   # see tests/support/claude.py
        assert api.main_requests()[0].system_text()    # what Claude Code sent to the model

Stdlib only, so it runs wherever nevo runs: `nevo demo` plays a session on it, and the end-to-end tests
import it through `tests.support.fake_api`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeAlias
from urllib.parse import parse_qs, urlsplit

ContentBlock = dict[str, Any]
# A dynamic step gets the request's `messages` and returns the content blocks to answer with.
StepFunction = Callable[[list[dict[str, Any]]], list[ContentBlock]]
Step: TypeAlias = "list[ContentBlock] | StepFunction"

SIDE_REPLY_TEXT = "ok"
EXHAUSTED_REPLY_TEXT = "(fake API: script exhausted)"
FAKE_MODEL_FALLBACK = "claude-fake-model"


# --- Step builders -------------------------------------------------------------------------------


def text(reply: str) -> list[ContentBlock]:
    """A final answer: one text block, `stop_reason` end_turn."""
    return [{"type": "text", "text": reply}]


def tool(name: str, tool_input: dict[str, Any], *, preamble: str | None = None) -> list[ContentBlock]:
    """One `tool_use` block for any tool Claude Code knows (Bash, Read, Edit, Write, Glob, ...).

    The `id` is filled in when the step is played, so each session gets unique tool_use ids.
    """
    blocks: list[ContentBlock] = []
    if preamble:
        blocks.append({"type": "text", "text": preamble})
    blocks.append({"type": "tool_use", "name": name, "input": dict(tool_input)})
    return blocks


def bash(command: str, description: str | None = None) -> list[ContentBlock]:
    """Run a shell command with the Bash tool."""
    return tool("Bash", {"command": command, "description": description or f"run {command[:40]}"})


def read(file_path: str) -> list[ContentBlock]:
    """Read a file (relative paths are kept as given; Claude Code resolves them against its cwd)."""
    return tool("Read", {"file_path": file_path})


def edit(file_path: str, old_string: str, new_string: str, replace_all: bool = False) -> list[ContentBlock]:
    """Replace `old_string` by `new_string` in a file (Claude Code requires a prior Read)."""
    tool_input: dict[str, Any] = {"file_path": file_path, "old_string": old_string, "new_string": new_string}
    if replace_all:
        tool_input["replace_all"] = True
    return tool("Edit", tool_input)


def write(file_path: str, content: str) -> list[ContentBlock]:
    """Create or overwrite a file with the Write tool."""
    return tool("Write", {"file_path": file_path, "content": content})


# --- The script ----------------------------------------------------------------------------------


def count_assistant_tool_uses(messages: Sequence[dict[str, Any]]) -> int:
    """How many tool_use blocks the assistant already produced in this conversation."""
    count = 0
    for message in messages:
        content = message.get("content")
        if message.get("role") != "assistant" or not isinstance(content, list):
            continue
        count += sum(1 for block in content if isinstance(block, dict) and block.get("type") == "tool_use")
    return count


class Script:
    """An ordered list of steps; each step is a list of content blocks or a `StepFunction`.

    A step may hold several tool_use blocks (parallel tool calls); the step index is found by
    accumulating the tool_use counts of the earlier steps. A dynamic step is counted as one
    tool call if it answers with a tool_use, so keep dynamic steps to at most one tool_use each.
    A step without a tool_use ends the turn (stop_reason end_turn).
    """

    def __init__(self, steps: Sequence[list[ContentBlock] | StepFunction]) -> None:
        self.steps: list[list[ContentBlock] | StepFunction] = list(steps)

    def step_index_for(self, messages: Sequence[dict[str, Any]]) -> int:
        """The index of the step that answers a request whose history is `messages`."""
        tool_uses_seen = count_assistant_tool_uses(messages)
        consumed = 0
        for index, step in enumerate(self.steps):
            if consumed >= tool_uses_seen:
                return index
            consumed += _static_tool_use_count(step)
        return len(self.steps)

    def blocks_for(self, messages: list[dict[str, Any]]) -> tuple[int, list[ContentBlock] | None]:
        """(step index, content blocks with fresh tool ids), or blocks None when exhausted."""
        index = self.step_index_for(messages)
        if index >= len(self.steps):
            return index, None
        step = self.steps[index]
        raw_blocks = step(messages) if callable(step) else step
        return index, [_with_tool_id(block) for block in raw_blocks]


def _static_tool_use_count(step: list[ContentBlock] | StepFunction) -> int:
    if callable(step):
        return 1
    return sum(1 for block in step if block.get("type") == "tool_use")


def _with_tool_id(block: ContentBlock) -> ContentBlock:
    copied = json.loads(json.dumps(block))
    if copied.get("type") == "tool_use" and not copied.get("id"):
        copied["id"] = "toolu_fake_" + uuid.uuid4().hex[:20]
    return copied


# --- What the fake saw ---------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One HTTP request the fake received, and what it answered."""

    method: str
    target: str  # the raw request target: "/v1/messages?beta=true", or "host:443" for CONNECT
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any] | None
    is_main: bool  # part of the scripted conversation (has tools), not a side call
    step_index: int | None = None  # which script step answered it (main requests only)
    response_blocks: list[ContentBlock] = field(default_factory=list)

    @property
    def is_stray(self) -> bool:
        """Addressed to another host through the proxy trap (`run_claude` sets HTTP(S)_PROXY)."""
        return self.method == "CONNECT" or self.target.startswith(("http://", "https://"))

    @property
    def session_id(self) -> str | None:
        """Claude Code names its session in a header: tells apart sessions sharing one fake."""
        return self.headers.get("x-claude-code-session-id")

    @property
    def model(self) -> str | None:
        return None if self.body is None else self.body.get("model")

    @property
    def stream(self) -> bool:
        return bool(self.body and self.body.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def tool_names(self) -> list[str]:
        return [str(t.get("name")) for t in (self.body or {}).get("tools") or [] if isinstance(t, dict)]

    def system_text(self) -> str:
        """The system prompt as one string (Claude Code sends a list of text blocks)."""
        return _flatten_text((self.body or {}).get("system"))

    def messages_text(self) -> str:
        """Every text the request carries in `messages` (prompts, reminders, tool results)."""
        return "\n".join(_flatten_text(message.get("content")) for message in self.messages)

    def all_text(self) -> str:
        """System prompt plus messages: where to look for injected context (rules, hook output)."""
        return self.system_text() + "\n" + self.messages_text()

    def summary(self) -> str:
        kind = "STRAY" if self.is_stray else "main" if self.is_main else "side"
        step = "" if self.step_index is None else f" step={self.step_index}"
        return f"{self.method} {self.target} model={self.model} stream={self.stream} {kind}{step}"


def _flatten_text(value: Any) -> str:
    """All strings under `text`/`content` keys of a Messages API value, in order."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_flatten_text(item) for item in value)
    if isinstance(value, dict):
        parts = [_flatten_text(value[key]) for key in ("text", "content") if key in value]
        if value.get("type") == "tool_use":
            parts.append(json.dumps(value.get("input")))
        return "\n".join(part for part in parts if part)
    return ""


def looks_like_main_conversation(body: dict[str, Any] | None) -> bool:
    """The main agent loop always offers tools; title generation, quota probes and other
    side calls send none. (Sub-agents also offer tools: script them as main steps.)"""
    return bool(body and body.get("tools"))


# --- The server ----------------------------------------------------------------------------------


class FakeMessagesAPI:
    """A threaded loopback HTTP server playing `script`. Use as a context manager.

    `base_url` goes into ANTHROPIC_BASE_URL. `requests` keeps every request in arrival order;
    `main_requests()` / `side_requests()` split them; `request_log()` is a one-line-per-request
    summary for assertion messages.
    """

    def __init__(self, script: Script | Sequence[list[ContentBlock] | StepFunction]) -> None:
        self.script = script if isinstance(script, Script) else Script(script)
        self.requests: list[RecordedRequest] = []
        self.exhausted_hits = 0  # main requests that arrived after the script's last step
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> FakeMessagesAPI:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() (which waits for the next poll) from costing 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-messages-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeMessagesAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeMessagesAPI is not running: use it as a context manager or call start()")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # inspection
    def main_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.is_main]

    def side_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if not r.is_main]

    def stray_requests(self) -> list[RecordedRequest]:
        """Requests meant for other hosts (caught by the proxy trap): should always be empty."""
        with self._lock:
            return [r for r in self.requests if r.is_stray]

    def main_requests_of(self, session_id: str) -> list[RecordedRequest]:
        """The scripted requests one Claude Code session made (see `RecordedRequest.session_id`)."""
        return [r for r in self.main_requests() if r.session_id == session_id]

    def request_log(self) -> str:
        with self._lock:
            return "\n".join(r.summary() for r in self.requests)

    def played_tool_uses(self) -> Iterator[ContentBlock]:
        """Every tool_use block the fake answered with (retries included), in order."""
        for request in self.main_requests():
            yield from (b for b in request.response_blocks if b.get("type") == "tool_use")

    # called by the handler
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _answer_main(self, request: RecordedRequest) -> list[ContentBlock]:
        index, blocks = self.script.blocks_for(request.messages)
        request.step_index = index
        if blocks is None:
            with self._lock:
                self.exhausted_hits += 1
            blocks = text(EXHAUSTED_REPLY_TEXT)
        request.response_blocks = blocks
        return blocks


def _make_handler(api: FakeMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(_MessagesHandler):
        fake = api

    return Handler


class _MessagesHandler(BaseHTTPRequestHandler):
    fake: FakeMessagesAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log: `api.request_log()` has it all."""

    def _read_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return {"_unparsed": raw.decode("utf-8", "replace")}
        return parsed if isinstance(parsed, dict) else {"_json": parsed}

    def _recorded(self, body: dict[str, Any] | None, is_main: bool) -> RecordedRequest:
        split = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            target=self.path,
            path=split.path,
            query=parse_qs(split.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            is_main=is_main,
        )
        self.fake._record(request)
        return request

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_fake_" + uuid.uuid4().hex[:12])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_CONNECT(self) -> None:
        """A proxy tunnel request: Claude Code tried to reach a host other than the fake.

        `run_claude` points HTTP(S)_PROXY at the fake, so stray traffic lands here, is recorded
        (see `FakeMessagesAPI.stray_requests`) and refused instead of reaching the internet.
        """
        self._recorded(None, is_main=False)
        self._send_json(403, _error_payload("permission_error", "fake API refuses to proxy " + self.path))
        self.close_connection = True

    def _refuse_if_stray(self, body: dict[str, Any] | None) -> bool:
        """Refuse a proxied request for another host (absolute URI): never answer it as the API."""
        if not self.path.startswith(("http://", "https://")):
            return False
        self._recorded(body, is_main=False)
        self._send_json(403, _error_payload("permission_error", "fake API refuses to proxy " + self.path))
        return True

    def do_HEAD(self) -> None:
        if self._refuse_if_stray(None):
            return
        self._recorded(None, is_main=False)
        self._send_json(200, {})

    def do_GET(self) -> None:
        if self._refuse_if_stray(None):
            return
        self._recorded(None, is_main=False)
        path = urlsplit(self.path).path
        if path.rstrip("/").endswith("/v1/models"):
            self._send_json(200, {"data": [], "has_more": False, "first_id": None, "last_id": None})
        else:
            self._send_json(200, {})

    def do_POST(self) -> None:
        body = self._read_body()
        if self._refuse_if_stray(body):
            return
        path = urlsplit(self.path).path.rstrip("/")
        if path.endswith("/v1/messages/count_tokens"):
            self._recorded(body, is_main=False)
            self._send_json(200, {"input_tokens": _estimate_tokens(body)})
            return
        if not path.endswith("/v1/messages"):
            self._recorded(body, is_main=False)
            self._send_json(404, _error_payload("not_found_error", f"fake API does not serve {path}"))
            return
        is_main = looks_like_main_conversation(body)
        request = self._recorded(body, is_main=is_main)
        if is_main:
            blocks = self.fake._answer_main(request)
        else:
            blocks = text(SIDE_REPLY_TEXT)
            request.response_blocks = blocks
        message = _message(body, blocks)
        if request.stream:
            self._send_sse(message)
        else:
            self._send_json(200, message)

    def _send_sse(self, message: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", "req_fake_" + uuid.uuid4().hex[:12])
        self.end_headers()
        for event_name, payload in _stream_events(message):
            chunk = f"event: {event_name}\ndata: {json.dumps(payload)}\n\n"
            self.wfile.write(chunk.encode())
        self.wfile.flush()
        self.close_connection = True


def _error_payload(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _estimate_tokens(body: dict[str, Any] | None) -> int:
    return max(1, len(json.dumps(body or {})) // 4)


def _message(body: dict[str, Any] | None, blocks: list[ContentBlock]) -> dict[str, Any]:
    has_tool_use = any(block.get("type") == "tool_use" for block in blocks)
    return {
        "id": "msg_fake_" + uuid.uuid4().hex[:20],
        "type": "message",
        "role": "assistant",
        "model": (body or {}).get("model") or FAKE_MODEL_FALLBACK,
        "content": blocks,
        "stop_reason": "tool_use" if has_tool_use else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": _estimate_tokens(body),
            "output_tokens": max(1, len(json.dumps(blocks)) // 4),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _stream_events(message: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The SSE event sequence of the Messages API for one complete message."""
    usage = message["usage"]
    start = dict(message, content=[], stop_reason=None, usage=dict(usage, output_tokens=1))
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        deltas: list[dict[str, Any]]
        if block["type"] == "tool_use":
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            # Split the JSON in two so the client really has to join input_json_delta pieces.
            payload = json.dumps(block["input"])
            pieces = (payload[: len(payload) // 2], payload[len(payload) // 2 :])
            deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in pieces]
        else:
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": block.get("text", "")}]
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": opening}
        for delta in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    final = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    final_usage = {"output_tokens": usage["output_tokens"]}
    yield "message_delta", {"type": "message_delta", "delta": final, "usage": final_usage}
    yield "message_stop", {"type": "message_stop"}
