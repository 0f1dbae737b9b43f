"""The user's own Claude Code as the LLM: ``claude -p --output-format json --json-schema ...``.

The call runs in an empty temporary folder with no tools (``--tools ""``), the agent's system prompt,
its model tier, no session saved, and only the user's settings, so it neither touches the workspace nor
fires the workspace's own nevo hooks (which would record nevo's call as the agent's session). The prompt
goes on stdin (``claude -p`` with no prompt argument reads it from there): as one argument it would hit
Linux's 128 KiB limit on a single argument. The structured answer is ``structured_output`` in the result
JSON (the ``result`` text, parsed, as a fallback).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nevo.config import Config
from nevo.providers import ProviderError, Request, Response, Usage, render_prompt
from nevo.workspace import Workspace


@dataclass
class ClaudeCodeProvider:
    executable: str
    timeout_seconds: float = 120.0
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    name: str = "claude-code"

    @classmethod
    def from_config(
        cls, config: Config, workspace: Workspace | None = None, env: Mapping[str, str] | None = None
    ) -> ClaudeCodeProvider:
        env = dict(os.environ if env is None else env)
        executable = shutil.which("claude", path=env.get("PATH"))
        if executable is None:
            raise ProviderError(
                "the claude-code provider needs the `claude` CLI on PATH",
                "install Claude Code, or set provider.name: offline in .nevo/config.yaml",
            )
        return cls(executable, float(config.get("provider.timeout_seconds")), env)

    def command(self, request: Request) -> list[str]:
        return [
            self.executable,
            "-p",  # no prompt argument: the prompt is read from stdin (see complete)
            "--output-format",
            "json",
            "--json-schema",
            json.dumps(request.schema),
            "--tools",
            "",
            "--model",
            request.agent.model_id,
            "--system-prompt",
            request.agent.system_prompt,
            "--no-session-persistence",
            "--setting-sources",
            "user",
        ]

    def complete(self, request: Request) -> Response:
        with tempfile.TemporaryDirectory(prefix="nevo-claude-") as scratch:
            try:
                done = subprocess.run(
                    self.command(request),
                    cwd=scratch,
                    env=dict(self.env),
                    input=render_prompt(request),
                    capture_output=True,
                    text=True,
                    timeout=self.timeout_seconds,
                )
            except subprocess.TimeoutExpired as exc:
                raise ProviderError(
                    f"`claude -p` did not answer within {self.timeout_seconds:.0f} s"
                ) from exc
            except OSError as exc:
                raise ProviderError(f"`claude -p` could not be started: {exc}") from exc
        result = _parse_json(done.stdout)
        spent = _usage(result or {}, request.agent.model_id)
        if done.returncode != 0 or result is None or result.get("is_error"):
            detail = (result or {}).get("result") or done.stderr.strip()[-500:] or done.stdout.strip()[-500:]
            raise ProviderError(f"`claude -p` failed (exit {done.returncode}): {detail}", usage=spent)
        output = result.get("structured_output")
        if not isinstance(output, dict):
            output = _parse_json(str(result.get("result") or ""))
        if not isinstance(output, dict):
            raise ProviderError(
                "`claude -p` answered without the structured output nevo asked for", usage=spent
            )
        return Response(
            output=output,
            provider=self.name,
            model=spent.model,
            input_tokens=spent.input_tokens,
            output_tokens=spent.output_tokens,
            cost_usd=spent.cost_usd,
        )


def _usage(result: Mapping[str, Any], default_model: str) -> Usage:
    """What the call spent, from the result JSON (present on failures too, when the model was reached)."""
    usage = result.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    model_usage = result.get("modelUsage")
    model = next(iter(model_usage), default_model) if isinstance(model_usage, dict) else default_model
    try:
        return Usage(
            int(usage.get("input_tokens") or 0),
            int(usage.get("output_tokens") or 0),
            float(result.get("total_cost_usd") or 0.0),
            str(model),
        )
    except (TypeError, ValueError):
        return Usage(model=str(model))


def _parse_json(text: str) -> dict[str, Any] | None:
    """The JSON object in ``text`` (a fenced block or the outermost braces), or None."""
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    candidates = [text, fenced.group(1) if fenced else "", text[text.find("{") : text.rfind("}") + 1]]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None
