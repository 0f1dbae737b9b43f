"""The Anthropic API through the official SDK (the one module that imports ``anthropic``).

Structured output: the request's JSON schema is offered as the input schema of a single tool that the
model is forced to call (``tool_choice``), so the answer is that tool call's input, already shaped.
Retries: 429, 5xx (529 overloaded included), timeouts and connection errors are retried with
exponential backoff (honouring ``retry-after``), ``provider.max_retries`` times; other 4xx fail at once.
The SDK's own retries are off so the backoff is ours (and testable). Tokens and cost go into the
:class:`Response` (or, for an unusable answer, into the ProviderError's ``usage``); :class:`MeteredProvider`
records them and enforces the daily cap.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

import anthropic
from anthropic.types.model_param import ModelParam

from nevo.config import Config
from nevo.providers import MODEL_TIERS, AgentSpec, ProviderError, Request, Response, Usage, cost_usd, render_prompt

ANSWER_TOOL = "answer"
MAX_BACKOFF_SECONDS = 30.0
# An alias (no date): claude-opus-5-5, claude-sonnet-5, claude-haiku-4-5.
_ALIAS = re.compile(r"^claude-(?P<family>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d))?$")


def sdk_models() -> tuple[str, ...]:
    """The model ids the installed SDK knows (its ``ModelParam`` literal), newest first as it lists them."""
    return tuple(value for arg in get_args(ModelParam) for value in get_args(arg) if isinstance(value, str))


def sdk_deprecated() -> frozenset[str]:
    """The ids the installed SDK warns about at every call. Read from the SDK's own table (a private
    module: an SDK without it simply has none to tell us)."""
    try:
        from anthropic._data import DEPRECATED_MODELS
    except ImportError:
        return frozenset()
    return frozenset(DEPRECATED_MODELS)


def current_alias(family: str, known: Iterable[str], deprecated: frozenset[str]) -> str | None:
    """The newest alias of ``family`` (haiku, sonnet, opus) among ``known`` that is not ``deprecated``."""
    best: tuple[int, int] | None = None
    chosen = None
    for model in known:
        match = _ALIAS.match(model)
        if not match or match["family"] != family or model in deprecated:
            continue
        version = (int(match["major"]), int(match["minor"] or 0))
        if best is None or version > best:
            best, chosen = version, model
    return chosen


@functools.cache
def tier_models() -> dict[str, str]:
    """Tier -> model id for this SDK: the newest current alias of the family, else nevo's default."""
    known, deprecated = sdk_models(), sdk_deprecated()
    return {tier: current_alias(tier, known, deprecated) or default for tier, default in MODEL_TIERS.items()}


def model_for(agent: AgentSpec) -> str:
    """The id to call for ``agent``: a tier (or ``inherit``: sonnet) is the SDK's current alias of that
    family, so a tier never names a deprecated model; a full id is the person's choice and is kept."""
    tiers = tier_models()
    if agent.model == "inherit":
        return tiers["sonnet"]
    return tiers.get(agent.model, agent.model)


@dataclass
class AnthropicProvider:
    client: anthropic.Anthropic
    max_retries: int = 3
    backoff_seconds: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    name: str = "anthropic"

    @classmethod
    def from_config(cls, config: Config, env: Mapping[str, str] | None = None) -> AnthropicProvider:
        env = os.environ if env is None else env
        key = env.get("ANTHROPIC_API_KEY")
        if not key:
            raise ProviderError(
                "the anthropic provider needs ANTHROPIC_API_KEY",
                "export ANTHROPIC_API_KEY, or set provider.name: offline in .nevo/config.yaml",
            )
        client = anthropic.Anthropic(
            api_key=key,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
            timeout=float(config.get("provider.timeout_seconds")),
            max_retries=0,
        )
        return cls(client=client, max_retries=int(config.get("provider.max_retries")))

    def complete(self, request: Request) -> Response:
        model = model_for(request.agent)
        last_error = ""
        for attempt in range(self.max_retries + 1):
            try:
                message = self.client.messages.create(
                    model=model,
                    max_tokens=request.max_tokens,
                    system=request.agent.system_prompt,
                    messages=[{"role": "user", "content": render_prompt(request)}],
                    tools=[
                        {
                            "name": ANSWER_TOOL,
                            "description": "Give the answer in the required shape.",
                            "input_schema": dict(request.schema),
                        }
                    ],
                    tool_choice={"type": "tool", "name": ANSWER_TOOL},
                )
            except (anthropic.APITimeoutError, anthropic.APIConnectionError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                delay = self._delay(attempt, None)
            except anthropic.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise ProviderError(
                        f"the Anthropic API refused the request ({exc.status_code}): {exc.message}",
                        "check the API key and the model name",
                    ) from exc
                last_error = f"HTTP {exc.status_code}: {exc.message}"
                delay = self._delay(attempt, exc.response.headers.get("retry-after"))
            else:
                return self._response(message, model)
            if attempt < self.max_retries:
                self.sleep(delay)
        raise ProviderError(
            f"the Anthropic API failed {self.max_retries + 1} times; last: {last_error}",
            "the incident stays ready and the next `nevo analyze` tries again",
        )

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), MAX_BACKOFF_SECONDS)
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return float(min(self.backoff_seconds * (2**attempt), MAX_BACKOFF_SECONDS))

    def _response(self, message: Any, model: str) -> Response:
        answer = next(
            (
                block
                for block in message.content
                if getattr(block, "type", "") == "tool_use" and block.name == ANSWER_TOOL
            ),
            None,
        )
        used_model = str(message.model or model)
        tokens_in, tokens_out = int(message.usage.input_tokens), int(message.usage.output_tokens)
        spent = Usage(tokens_in, tokens_out, cost_usd(used_model, tokens_in, tokens_out), used_model)
        if answer is None or not isinstance(answer.input, dict):
            raise ProviderError(
                f"the model did not call the `{ANSWER_TOOL}` tool (stop_reason {message.stop_reason})",
                usage=spent,
            )
        if message.stop_reason == "max_tokens":  # the tool's input was cut off: an incomplete answer
            raise ProviderError(
                f"the answer was cut off at max_tokens ({tokens_out} output tokens)",
                "the request asks for too long an answer",
                usage=spent,
            )
        return Response(
            output=dict(answer.input),
            provider=self.name,
            model=used_model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=spent.cost_usd,
        )
