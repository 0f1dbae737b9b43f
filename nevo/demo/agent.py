"""The demo's agent: two ways to play one scripted Claude Code session in a workspace.

- :class:`ClaudeAgent`: the real ``claude`` CLI, headless, against :mod:`nevo.demo.fake_model` on 127.0.0.1.
  Claude Code really runs the tools and fires the real hooks; nothing leaves the machine (the fake also
  stands in as the proxy, so a stray request is refused) and the user's own config, home and API key are
  never used.
- :class:`ReplayAgent`: for machines without the CLI. It does what Claude Code does around each call: fires
  the hooks the workspace's ``.claude/settings.json`` registers with the payloads Claude Code sends (a
  PreToolUse guard may rewrite or refuse the call), runs the command, and writes a transcript in Claude
  Code's format.

Both answer the same question: for each command the scripted model asked for, what ran and how it ended.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nevo.demo.fake_model import FakeMessagesAPI, RecordedRequest, bash, text

KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
LOOPBACK = "127.0.0.1,localhost,::1"
SESSION_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Call:
    """One Bash call the model asked for, and how it ended."""

    asked: str  # the command the model wrote
    ok: bool
    output: str  # the tool result the model saw (stdout, or the error, or the guard's reason)


@dataclass
class Session:
    calls: list[Call] = field(default_factory=list)
    context: str = ""  # what nevo's SessionStart hook put into the model's context
    transcript: Path | None = None


class Agent(Protocol):
    name: str

    def session(self, prompt: str, commands: list[str], answer: str) -> Session: ...


def isolated_env(config_dir: Path, home: Path, base_url: str) -> dict[str, str]:
    """Claude Code's environment for the demo: its own config and home, the local model, no traffic out."""
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    env.update(
        {
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(config_dir),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": "sk-nevo-demo-not-a-key",
            "IS_SANDBOX": "1",  # a scripted session in a temporary folder: let it run as root too
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "NO_PROXY": LOOPBACK,
            "no_proxy": LOOPBACK,
        }
    )
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[name] = base_url  # anything meant for another host reaches the fake, which refuses it
    return env


def transcript_dir(config_dir: Path, cwd: Path) -> Path:
    return config_dir / "projects" / re.sub(r"[^A-Za-z0-9]", "-", str(cwd))


def wait_for_captures(workspace: Path, timeout: float = 5.0) -> None:
    """The capture hook renames its trigger after it exited: wait (bounded) until none is in flight."""
    triggers = workspace / ".nevo" / "triggers"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not triggers.is_dir() or not any(p.name.startswith(".tmp-") for p in triggers.iterdir()):
            return
        time.sleep(0.02)


class ClaudeAgent:
    name = "real Claude Code sessions (the claude CLI), the model a scripted local stand-in"

    def __init__(self, workspace: Path, config_dir: Path, home: Path, executable: str) -> None:
        self.workspace, self.config_dir, self.home, self.executable = workspace, config_dir, home, executable
        self.requests: list[RecordedRequest] = []  # every request the model stand-in received, all sessions

    @staticmethod
    def find() -> str | None:
        return shutil.which("claude")

    def session(self, prompt: str, commands: list[str], answer: str) -> Session:
        steps = [bash(command, f"Run {command}") for command in commands] + [text(answer)]
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        with FakeMessagesAPI(steps) as model:
            done = subprocess.run(
                [self.executable, "-p", prompt, "--permission-mode", "bypassPermissions", "--output-format", "json"],
                cwd=self.workspace,
                env=isolated_env(self.config_dir, self.home, model.base_url),
                capture_output=True,
                text=True,
                timeout=SESSION_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
            requests = model.main_requests()
            context = requests[0].all_text() if requests else ""
            self.requests.extend(model.requests)
        wait_for_captures(self.workspace)
        if done.returncode != 0:
            raise RuntimeError(f"claude exited {done.returncode}: {(done.stderr or done.stdout)[-800:]}")
        session_id = _result_session(done.stdout)
        transcript = next(iter(sorted((self.config_dir / "projects").glob(f"*/{session_id}.jsonl"))), None)
        return Session(_calls_in(transcript), context, transcript)


def _result_session(stdout: str) -> str:
    for line in reversed(stdout.strip().splitlines()):
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(result, dict) and result.get("session_id"):
            return str(result["session_id"])
    raise RuntimeError(f"claude printed no session id: {stdout[-400:]}")


def _calls_in(transcript: Path | None) -> list[Call]:
    """Each Bash call in a transcript with its result (Claude Code's format; unknown lines are skipped)."""
    if transcript is None:
        return []
    asked: dict[str, str] = {}
    calls = []
    for line in transcript.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        content = (entry.get("message") or {}).get("content") if isinstance(entry, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use" and block.get("name") == "Bash":
                asked[str(block.get("id"))] = str((block.get("input") or {}).get("command", ""))
            elif block.get("type") == "tool_result" and str(block.get("tool_use_id")) in asked:
                output = block.get("content")
                if isinstance(output, list):
                    output = "\n".join(str(part.get("text", "")) for part in output if isinstance(part, dict))
                calls.append(Call(asked[str(block["tool_use_id"])], block.get("is_error") is not True, str(output)))
    return calls


class ReplayAgent:
    """Claude Code's side of a session, replayed: hooks from settings.json, real commands, a transcript."""

    name = "Claude Code's side replayed: its hook payloads, as it sends them, and the commands run for real"

    def __init__(self, workspace: Path, config_dir: Path) -> None:
        self.workspace, self.config_dir = workspace, config_dir

    def session(self, prompt: str, commands: list[str], answer: str) -> Session:
        session_id = str(uuid.uuid4())
        folder = transcript_dir(self.config_dir, self.workspace)
        folder.mkdir(parents=True, exist_ok=True)
        transcript = folder / f"{session_id}.jsonl"
        base = {"session_id": session_id, "transcript_path": str(transcript), "cwd": str(self.workspace)}
        writer = _Transcript(transcript, session_id, self.workspace)
        writer.add("user", prompt)
        context = "\n".join(
            str((out.get("hookSpecificOutput") or {}).get("additionalContext", ""))
            for out in self._fire("SessionStart", {**base, "source": "startup"})
        )
        calls = []
        for command in commands:
            tool_use_id = "toolu_replay_" + uuid.uuid4().hex[:20]
            tool_input = {"command": command, "description": f"Run {command}"}
            writer.add("assistant", [{"type": "tool_use", "id": tool_use_id, "name": "Bash", "input": tool_input}])
            call = {**base, "tool_name": "Bash", "tool_input": tool_input, "tool_use_id": tool_use_id}
            run, refused = command, None
            for out in self._fire("PreToolUse", call, tool="Bash"):
                decision = out.get("hookSpecificOutput") or {}
                if decision.get("permissionDecision") == "deny":
                    refused = str(decision.get("permissionDecisionReason", "refused by a hook"))
                elif isinstance(decision.get("updatedInput"), dict):
                    run = str(decision["updatedInput"].get("command", run))
            if refused is not None:
                ok, output = False, refused
            else:
                started = time.monotonic()
                done = subprocess.run(["sh", "-c", run], cwd=self.workspace, capture_output=True, text=True, timeout=60)
                ok = done.returncode == 0
                output = done.stdout.strip() if ok else f"Exit code {done.returncode}\n{done.stderr.strip()}".strip()
                if not ok:
                    failure = {
                        "error": output,
                        "is_interrupt": False,
                        "duration_ms": int(1000 * (time.monotonic() - started)),
                    }
                    self._fire("PostToolUseFailure", {**call, **failure}, tool="Bash")
            writer.add(
                "user", [{"type": "tool_result", "tool_use_id": tool_use_id, "content": output, "is_error": not ok}]
            )
            calls.append(Call(command, ok, output))
        writer.add("assistant", [{"type": "text", "text": answer}])
        stop = {**base, "stop_hook_active": False, "last_assistant_message": answer}
        if any(out.get("decision") == "block" for out in self._fire("Stop", stop)):
            self._fire("Stop", {**stop, "stop_hook_active": True})  # the agent answered the hook and stopped
        self._fire("SessionEnd", {**base, "reason": "other"})
        wait_for_captures(self.workspace)
        return Session(calls, context, transcript)

    def _fire(self, event: str, payload: dict[str, Any], tool: str | None = None) -> list[dict[str, Any]]:
        """Run every handler settings.json registers for ``event`` (and ``tool``), as Claude Code does."""
        settings_path = self.workspace / ".claude" / "settings.json"
        settings = json.loads(settings_path.read_text(encoding="utf-8")) if settings_path.is_file() else {}
        outputs = []
        for group in (settings.get("hooks") or {}).get(event) or []:
            matcher = group.get("matcher")
            if tool is not None and matcher not in (None, "", "*") and not re.fullmatch(str(matcher), tool):
                continue
            for handler in group.get("hooks") or []:
                if handler.get("type") != "command":
                    continue
                done = subprocess.run(
                    ["sh", "-c", str(handler["command"])],
                    input=json.dumps({**payload, "hook_event_name": event, "permission_mode": "bypassPermissions"}),
                    cwd=self.workspace,
                    env={**os.environ, "CLAUDE_PROJECT_DIR": str(self.workspace)},
                    capture_output=True,
                    text=True,
                    timeout=float(handler.get("timeout", 60)),
                )
                if done.returncode == 0 and done.stdout.lstrip().startswith("{"):
                    try:
                        outputs.append(json.loads(done.stdout))
                    except json.JSONDecodeError:
                        continue  # Claude Code ignores output that is not JSON; so does the replay
        return outputs


class _Transcript:
    """Lines in Claude Code's transcript format (what nevo's monitor and memory read)."""

    def __init__(self, path: Path, session_id: str, cwd: Path) -> None:
        self.path, self.session_id, self.cwd = path, session_id, cwd
        self.parent: str | None = None

    def add(self, role: str, content: Any) -> None:
        line = {
            "parentUuid": self.parent,
            "isSidechain": False,
            "type": role,
            "message": {"role": role, "content": content},
            "uuid": str(uuid.uuid4()),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "cwd": str(self.cwd),
            "sessionId": self.session_id,
            "version": "nevo-demo-replay",
        }
        self.parent = str(line["uuid"])
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
