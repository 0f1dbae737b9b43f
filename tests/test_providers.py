"""The anthropic provider through the real SDK against a loopback fake; claude-code through the real CLI."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from nevo.config import Config
from nevo.db import Database
from nevo.providers import AgentSpec, MeteredProvider, ProviderCapReached, ProviderError, Request, cost_usd
from nevo.providers.anthropic import AnthropicProvider, model_for, sdk_deprecated
from nevo.providers.claude_code import ClaudeCodeProvider
from tests.support import CLAUDE_MISSING, FakeMessagesAPI, claude_available, claude_env, tool

AGENT = AgentSpec(
    name="incident-analyst", description="d", model="opus", system_prompt="You analyse incidents."
)
SCHEMA = {"type": "object", "required": ["root_cause"], "properties": {"root_cause": {"type": "string"}}}
REQUEST = Request(agent=AGENT, task="Find the root cause.", data={"error": "boom"}, schema=SCHEMA)


def _message(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-5",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "answer", "input": answer}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1200, "output_tokens": 300},
    }


class Fake:
    """Answers POST /v1/messages from a queue of (status, body, delay seconds); records the bodies."""

    def __init__(self, replies: list[tuple[int, dict[str, Any], float]]) -> None:
        self.replies = replies
        self.bodies: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.bodies.append(body)
                status, reply, delay = fake.replies.pop(0) if fake.replies else (500, {}, 0.0)
                time.sleep(delay)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("retry-after", "0")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up: that is the point of the test

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[list[Fake]]:
    made: list[Fake] = []
    yield made
    for server in made:
        server.close()


def provider_for(
    fake: list[Fake], replies: list[tuple[int, dict[str, Any], float]], **config: Any
) -> tuple[AnthropicProvider, Fake, list[float]]:
    server = Fake(replies)
    fake.append(server)
    cfg = Config()
    cfg.data["provider"].update(config)
    provider = AnthropicProvider.from_config(
        cfg, {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": server.base_url}
    )
    slept: list[float] = []
    provider.sleep = slept.append
    return provider, server, slept


def test_structured_output_through_a_forced_tool_with_tokens_and_cost(fake: list[Fake]) -> None:
    provider, server, _ = provider_for(fake, [(200, _message({"root_cause": "no build script"}), 0.0)])
    response = provider.complete(REQUEST)
    assert response.output == {"root_cause": "no build script"}
    assert (response.provider, response.model, response.input_tokens, response.output_tokens) == (
        "anthropic",
        "claude-opus-4-5",
        1200,
        300,
    )
    assert (
        response.cost_usd == pytest.approx(cost_usd("claude-opus-4-5", 1200, 300)) and response.cost_usd > 0
    )
    [body] = server.bodies
    # the opus tier is the SDK's current opus alias, never a model the SDK warns about
    assert body["model"] == model_for(REQUEST.agent) and body["model"] not in sdk_deprecated()
    assert body["system"] == "You analyse incidents."
    assert body["tools"][0]["input_schema"] == SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": "answer"}
    prompt = body["messages"][0]["content"]
    assert "Find the root cause." in prompt and "<data>" in prompt and '"boom"' in prompt


def test_429_and_5xx_are_retried_with_backoff(fake: list[Fake]) -> None:
    provider, server, slept = provider_for(
        fake,
        [
            (429, {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}, 0.0),
            (529, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}, 0.0),
            (500, {"type": "error", "error": {"type": "api_error", "message": "oops"}}, 0.0),
            (200, _message({"root_cause": "x"}), 0.0),
        ],
    )
    assert provider.complete(REQUEST).output == {"root_cause": "x"}
    assert len(server.bodies) == 4
    assert slept == [0.0, 2.0, 4.0]  # retry-after: 0 on the 429, then exponential backoff


def test_giving_up_after_max_retries_raises_provider_error(fake: list[Fake]) -> None:
    provider, server, slept = provider_for(fake, [(503, {}, 0.0)] * 5, max_retries=2)
    with pytest.raises(ProviderError, match="failed 3 times"):
        provider.complete(REQUEST)
    assert len(server.bodies) == 3 and len(slept) == 2


def test_a_client_error_is_not_retried(fake: list[Fake]) -> None:
    provider, server, slept = provider_for(
        fake,
        [(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad model"}}, 0.0)],
    )
    with pytest.raises(ProviderError, match="400"):
        provider.complete(REQUEST)
    assert len(server.bodies) == 1 and slept == []


def test_a_timeout_is_retried_then_succeeds(fake: list[Fake]) -> None:
    provider, server, slept = provider_for(
        fake,
        [(200, _message({"root_cause": "late"}), 1.5), (200, _message({"root_cause": "on time"}), 0.0)],
        timeout_seconds=0.5,
    )
    assert provider.complete(REQUEST).output == {"root_cause": "on time"}
    assert len(server.bodies) == 2 and slept == [1.0]


def test_metered_calls_are_recorded_with_tokens_and_cost(fake: list[Fake], tmp_path: Path) -> None:
    provider, _, _ = provider_for(fake, [(200, _message({"root_cause": "x"}), 0.0)])
    db = Database(tmp_path / "nevo.db")
    metered = MeteredProvider(provider, db, token_cap=1_000_000, cost_cap_usd=5.0)
    metered.complete(REQUEST)
    row = db.one("SELECT provider, agent, model, input_tokens, output_tokens, cost_usd, ok FROM llm_calls")
    assert row is not None
    assert (
        tuple(row)[:5] == ("anthropic", "incident-analyst", "claude-opus-4-5", 1200, 300) and row["ok"] == 1
    )
    assert row["cost_usd"] > 0


def test_no_key_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="ANTHROPIC_API_KEY"):
        AnthropicProvider.from_config(Config(), {})


@pytest.mark.e2e
@pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)
def test_claude_code_provider_through_the_real_cli(tmp_path: Path) -> None:
    with FakeMessagesAPI([tool("StructuredOutput", {"root_cause": "from claude"})]) as api:
        env = claude_env(api, tmp_path / "claude-config", tmp_path)
        provider = ClaudeCodeProvider.from_config(Config(), None, env)
        response = provider.complete(REQUEST)
        [main] = api.main_requests()
    assert response.output == {"root_cause": "from claude"}
    assert response.provider == "claude-code" and response.model == "claude-opus-4-5"
    assert response.input_tokens > 0 and response.cost_usd > 0
    assert main.model == "claude-opus-4-5" and main.tool_names == ["StructuredOutput"]  # no workspace tools
    assert "You analyse incidents." in main.system_text()
    assert "<data>" in main.messages_text() and '"boom"' in main.messages_text()


def test_claude_code_provider_reports_a_failing_cli(tmp_path: Path) -> None:
    script = tmp_path / "claude"
    script.write_text(
        '#!/bin/sh\necho \'{"type":"result","is_error":true,"result":"Invalid API key"}\'\nexit 1\n'
    )
    script.chmod(0o755)
    provider = ClaudeCodeProvider(str(script), 10, {"PATH": "/usr/bin:/bin"})
    with pytest.raises(ProviderError, match="Invalid API key"):
        provider.complete(REQUEST)
    with pytest.raises(ProviderError, match="needs the `claude` CLI"):
        ClaudeCodeProvider.from_config(Config(), None, {"PATH": str(tmp_path / "nowhere")})


def test_analyze_through_the_anthropic_provider_end_to_end(fake: list[Fake], git_workspace: Any) -> None:
    from nevo import analyst
    from nevo.config import load_config
    from nevo.db import open_database
    from nevo.providers import make_provider
    from nevo.rules import RuleBook
    from tests.test_analyst import NPM_ERROR, record

    record(git_workspace, "npm run build", NPM_ERROR, recovery="npm --prefix web run build")
    proposal = {
        "root_cause": "The build script lives in web/package.json; the root package.json has none.",
        "category": "missing-knowledge",
        "rule": {
            "title": "Build the web app from web/",
            "body": "Run `npm --prefix web run build` for the build.",
            "trigger": "PreToolUse Bash `npm run build`",
            "enforcement": "guard rewrite",
            "verification": "the incident does not recur",
            "paths": [],
        },
        "guard": {
            "tool": "Bash",
            "command": "npm run build",
            "action": "rewrite",
            "fix": "npm --prefix web run build",
        },
    }
    server = Fake([(200, _message(proposal), 0.0)])
    fake.append(server)
    env = {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": server.base_url}
    with open_database(git_workspace) as db:
        provider = make_provider(git_workspace, load_config(git_workspace), db, env=env)
        [outcome] = analyst.analyze_ready(git_workspace, provider, db=db).outcomes
        call = db.one("SELECT provider, agent, model, input_tokens, output_tokens, ok FROM llm_calls")
    assert outcome.verdict == "committed" and outcome.provider == "anthropic", outcome
    assert RuleBook(git_workspace).get("PROJ-001").body == "Run `npm --prefix web run build` for the build."
    assert call is not None and tuple(call) == (
        "anthropic",
        "incident-analyst",
        "claude-opus-4-5",
        1200,
        300,
        1,
    )
    [body] = server.bodies
    assert body["tools"][0]["input_schema"] == analyst.SCHEMA
    assert "npm run build" in body["messages"][0]["content"] and "<data>" in body["messages"][0]["content"]


def _unusable(stop_reason: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **_message({}),
        "content": content,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 900, "output_tokens": 2048},
    }


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (_unusable("end_turn", [{"type": "text", "text": "I think the root cause is..."}]), "did not call"),
        (
            _unusable(
                "max_tokens",
                [{"type": "tool_use", "id": "toolu_1", "name": "answer", "input": {"root_cause": "cut"}}],
            ),
            "max_tokens",
        ),
    ],
)
def test_an_unusable_answer_still_counts_its_tokens_against_the_cap(
    fake: list[Fake], tmp_path: Path, reply: dict[str, Any], why: str
) -> None:
    provider, server, _ = provider_for(fake, [(200, reply, 0.0), (200, _message({"root_cause": "x"}), 0.0)])
    db = Database(tmp_path / "nevo.db")
    metered = MeteredProvider(provider, db, token_cap=2500)
    with pytest.raises(ProviderError, match=why) as raised:
        metered.complete(REQUEST)
    usage = raised.value.usage
    assert usage is not None and (usage.input_tokens, usage.output_tokens, usage.model) == (
        900,
        2048,
        "claude-opus-4-5",
    )
    row = db.one("SELECT model, input_tokens, output_tokens, cost_usd, ok, error FROM llm_calls")
    assert row is not None and (row["input_tokens"], row["output_tokens"], row["ok"]) == (900, 2048, 0)
    assert row["cost_usd"] == pytest.approx(cost_usd("claude-opus-4-5", 900, 2048)) and why in row["error"]
    assert metered.spent_today()[0] == 2948
    with pytest.raises(ProviderCapReached):  # the spent tokens count: the cap refuses the next call
        metered.complete(REQUEST)
    assert len(server.bodies) == 1


def recording_claude(tmp_path: Path) -> Path:
    """A `claude` stand-in that keeps its argv and stdin and answers like `claude -p --output-format json`."""
    script = tmp_path / "claude"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" >"{tmp_path}/argv"\n'
        f'cat >"{tmp_path}/stdin"\n'
        'echo \'{"type":"result","is_error":false,"result":"","structured_output":{"root_cause":"ok"},'
        '"usage":{"input_tokens":5,"output_tokens":2},"total_cost_usd":0.001}\'\n'
    )
    script.chmod(0o755)
    return script


def test_claude_code_sends_a_prompt_larger_than_one_argument_may_be_on_stdin(tmp_path: Path) -> None:
    big = {"log": "a line of build output\n" * 10_000 + "THE-END"}  # ~230 KB: over Linux's 128 KiB per argument
    request = Request(agent=AGENT, task="Find the root cause.", data=big, schema=SCHEMA)
    provider = ClaudeCodeProvider(str(recording_claude(tmp_path)), 10, {"PATH": "/usr/bin:/bin"})
    assert provider.complete(request).output == {"root_cause": "ok"}
    argv = (tmp_path / "argv").read_text()
    stdin = (tmp_path / "stdin").read_text()
    assert len(stdin) > 200_000 and "THE-END" in stdin and stdin.startswith("Find the root cause.")
    assert "THE-END" not in argv and "Find the root cause." not in argv
    assert argv.splitlines()[0] == "-p"  # print mode with no prompt argument: claude reads it from stdin


@pytest.mark.e2e
@pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)
def test_the_real_claude_cli_reads_a_large_prompt_from_stdin(tmp_path: Path) -> None:
    big = {"log": "a line of build output\n" * 10_000 + "THE-END"}
    request = Request(agent=AGENT, task="Find the root cause.", data=big, schema=SCHEMA)
    with FakeMessagesAPI([tool("StructuredOutput", {"root_cause": "read it all"})]) as api:
        env = claude_env(api, tmp_path / "claude-config", tmp_path)
        response = ClaudeCodeProvider.from_config(Config(), None, env).complete(request)
        [main] = api.main_requests()
    assert response.output == {"root_cause": "read it all"}
    sent = main.messages_text()
    assert len(sent) > 200_000 and "THE-END" in sent and "Find the root cause." in sent


def test_claude_code_failure_carries_what_it_spent(tmp_path: Path) -> None:
    script = tmp_path / "claude"
    script.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        'echo \'{"type":"result","is_error":false,"result":"no json here","usage":{"input_tokens":800,'
        '"output_tokens":90},"modelUsage":{"claude-haiku-4-5":{}},"total_cost_usd":0.0012}\'\n'
    )
    script.chmod(0o755)
    db = Database(tmp_path / "nevo.db")
    metered = MeteredProvider(ClaudeCodeProvider(str(script), 10, {"PATH": "/usr/bin:/bin"}), db)
    with pytest.raises(ProviderError, match="without the structured output"):
        metered.complete(REQUEST)
    row = db.one("SELECT model, input_tokens, output_tokens, cost_usd, ok FROM llm_calls")
    assert row is not None and tuple(row) == ("claude-haiku-4-5", 800, 90, 0.0012, 0)
