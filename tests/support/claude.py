"""Run the real Claude Code CLI headless against a `FakeMessagesAPI`, isolated from the machine.

    with FakeMessagesAPI([bash("false"), text("done")]) as api:
        run = run_claude(workspace, "go", api, tmp_path / "claude-config")
    assert run.returncode == 0, run.describe(api)
    entries = run.transcript_entries()

Isolation: the child gets a fresh environment (PATH and locale kept, nothing else inherited),
HOME and CLAUDE_CONFIG_DIR in temp folders, the flags that turn off nonessential traffic, and
HTTP(S)_PROXY pointed at the fake itself, so anything Claude Code (or a tool or hook it runs)
tries to send to another host lands in `api.stray_requests()` and is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .fake_api import FakeMessagesAPI

CLAUDE_EXECUTABLE = "claude"
DEFAULT_TIMEOUT_S = 120.0
# Variables worth passing through from the test process; everything else is dropped on purpose
# (ANTHROPIC_*, CLAUDE_*, ambient proxies, the real HOME).
INHERITED_ENV_VARS = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
LOOPBACK_HOSTS = "127.0.0.1,localhost,::1"


def claude_executable() -> str | None:
    """Absolute path of the `claude` CLI on PATH, or None."""
    return shutil.which(CLAUDE_EXECUTABLE)


def claude_available() -> bool:
    """Whether the e2e tests can run (the CLI is installed and answers `--version`)."""
    return claude_version() is not None


@lru_cache(maxsize=1)
def claude_version() -> str | None:
    """The CLI's version, e.g. "2.1.197", or None when it is missing or broken."""
    executable = claude_executable()
    if executable is None:
        return None
    try:
        completed = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": os.environ.get("PATH", ""), "IS_SANDBOX": "1", "DISABLE_AUTOUPDATER": "1"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0 or not completed.stdout.strip():
        return None
    return completed.stdout.split()[0]  # "2.1.197 (Claude Code)"


@dataclass
class ClaudeRun:
    """The outcome of one headless session."""

    returncode: int
    stdout: str
    stderr: str
    result_json: dict[str, Any] | None  # the `--output-format json` result, when stdout parsed
    session_id: str | None
    transcript_path: Path | None  # None when no transcript was found
    duration_s: float
    command: list[str] = field(default_factory=list)

    def transcript_entries(self) -> list[dict[str, Any]]:
        """The transcript's JSONL lines, parsed; [] when there is no transcript."""
        if self.transcript_path is None:
            return []
        return read_transcript(self.transcript_path)

    def describe(self, api: FakeMessagesAPI | None = None) -> str:
        """A debugging summary for assertion messages: exit code, output, requests seen."""
        lines = [
            f"command: {' '.join(self.command)}",
            f"returncode={self.returncode} duration={self.duration_s:.2f}s session={self.session_id}",
            f"transcript: {self.transcript_path}",
            f"stdout: {self.stdout[-2000:]}",
            f"stderr: {self.stderr[-2000:]}",
        ]
        if api is not None:
            lines.append("requests:\n" + api.request_log())
        return "\n".join(lines)


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """Parse a transcript JSONL file, skipping lines that are not JSON objects."""
    entries: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def tool_uses_in(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """tool_use blocks of assistant lines, by tool_use id."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.get("type") == "assistant":
            for block in _content_blocks(entry):
                if block.get("type") == "tool_use":
                    found[str(block.get("id"))] = block
    return found


def tool_results_in(entries: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], Any]]:
    """(tool_result block, the line's `toolUseResult`) of user lines, by tool_use id."""
    found: dict[str, tuple[dict[str, Any], Any]] = {}
    for entry in entries:
        if entry.get("type") == "user":
            for block in _content_blocks(entry):
                if block.get("type") == "tool_result":
                    found[str(block.get("tool_use_id"))] = (block, entry.get("toolUseResult"))
    return found


def _content_blocks(entry: dict[str, Any]) -> list[dict[str, Any]]:
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


def write_project_settings(workspace: Path, settings: Mapping[str, Any]) -> Path:
    """Write `<workspace>/.claude/settings.json` (what an installer would write)."""
    path = workspace / ".claude" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


HOOK_PAYLOAD_DIR = ".hook-payloads"


def payload_recorder_hook(kind: str, timeout_s: int = 10) -> dict[str, Any]:
    """A settings.json hook handler that saves its stdin payload to a new file
    `<project>/.hook-payloads/<kind>.XXXXXX` (one file per call, so parallel hooks never clash).

    Use it to assert what Claude Code sends a hook: `recorded_hook_payloads(workspace, kind)`.
    """
    directory = f"$CLAUDE_PROJECT_DIR/{HOOK_PAYLOAD_DIR}"
    command = f'mkdir -p "{directory}" && cat > "$(mktemp "{directory}/{kind}.XXXXXX")"'
    return {"type": "command", "command": command, "timeout": timeout_s}


def recorded_hook_payloads(workspace: Path, kind: str) -> list[dict[str, Any]]:
    """The payloads `payload_recorder_hook(kind)` saved, parsed (file order, not call order)."""
    files = sorted((workspace / HOOK_PAYLOAD_DIR).glob(f"{kind}.*"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def claude_env(
    api: FakeMessagesAPI,
    config_dir: Path,
    home: Path,
    extra_env: Mapping[str, str] | None = None,
    trap_stray_traffic: bool = True,
) -> dict[str, str]:
    """The environment `run_claude` gives the CLI (exposed so hooks' tests can reuse it)."""
    env = {name: os.environ[name] for name in INHERITED_ENV_VARS if name in os.environ}
    env.update(
        {
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(config_dir),
            "ANTHROPIC_BASE_URL": api.base_url,
            "ANTHROPIC_API_KEY": "sk-test",
            "IS_SANDBOX": "1",  # root refuses bypassPermissions without it
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
        }
    )
    if trap_stray_traffic:
        # Without the disable flags above, 2.1.197 tries api.anthropic.com:443 a few times per
        # session; with them it tries nothing. The trap makes any regression visible and harmless.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = api.base_url
        env["NO_PROXY"] = env["no_proxy"] = LOOPBACK_HOSTS
    env.update(extra_env or {})
    return env


def wait_for_renames(triggers_dir: Path, timeout: float = 5.0) -> None:
    """nevo's capture hook publishes each trigger with a rename that runs after the hook has exited; wait
    (bounded) until none is in flight, so a test counts what a moment later anyone would see."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not triggers_dir.is_dir() or not any(p.name.startswith(".tmp-") for p in triggers_dir.iterdir()):
            return
        time.sleep(0.01)


def run_claude(
    workspace: Path,
    prompt: str,
    api: FakeMessagesAPI,
    config_dir: Path,
    timeout: float = DEFAULT_TIMEOUT_S,
    extra_env: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    extra_args: list[str] | None = None,
    trap_stray_traffic: bool = True,
) -> ClaudeRun:
    """Run `claude -p PROMPT --permission-mode bypassPermissions --output-format json` in `workspace`.

    Each call is a new session (no --resume), so several runs may share a workspace, a config dir
    and a fake. `home` defaults to a sibling of `config_dir` named `<config_dir>-home`.
    Raises `subprocess.TimeoutExpired` if the CLI hangs past `timeout` seconds (the child is killed).
    """
    executable = claude_executable()
    if executable is None:
        raise FileNotFoundError("the `claude` CLI is not on PATH: npm install -g @anthropic-ai/claude-code")
    home = home if home is not None else config_dir.with_name(config_dir.name + "-home")
    config_dir.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    command = [
        executable,
        "-p",
        prompt,
        "--permission-mode",
        "bypassPermissions",
        "--output-format",
        "json",
        *(extra_args or []),
    ]
    env = claude_env(api, config_dir, home, extra_env, trap_stray_traffic)
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    duration_s = time.monotonic() - started
    wait_for_renames(workspace / ".nevo" / "triggers")
    result_json = _parse_result(completed.stdout)
    session_id = str(result_json["session_id"]) if result_json and result_json.get("session_id") else None
    return ClaudeRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        result_json=result_json,
        session_id=session_id,
        transcript_path=find_transcript(config_dir, session_id) if session_id else None,
        duration_s=duration_s,
        command=command,
    )


def _parse_result(stdout: str) -> dict[str, Any] | None:
    """The last JSON object line of stdout (the result line of --output-format json)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return None


def find_transcript(config_dir: Path, session_id: str) -> Path | None:
    """`<config_dir>/projects/<sanitized cwd>/<session_id>.jsonl`, wherever the cwd maps to."""
    matches = sorted((config_dir / "projects").glob(f"*/{session_id}.jsonl"))
    return matches[0] if matches else None
