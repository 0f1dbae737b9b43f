"""Secrets never persist: plant secrets of several formats where a session meets them (a failing
command, its error, its recovery, a prompt, a prose inbox line), run the real pipeline on them
(monitor on trigger files and a Claude Code transcript, analyze with the offline provider, which
commits and publishes a rule, memory ingest, nightly) in a temporary git workspace, then read every
byte nevo wrote: the database (sqlite's iterdump), every file under .nevo and .claude, the whole git
history (`git log -p --all`), and every prompt the pipeline rendered for a model. No planted secret
may appear anywhere, whole or as a 10-character piece.

Secrets are assembled at run time (no literal token in this file) and are fake.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import string
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nevo.clock import fixed_clock
from nevo.db import open_database
from nevo.providers import OfflineProvider, Request, Response, render_prompt
from nevo.transcript import project_slug
from nevo.workspace import Workspace
from tests.conftest import git

RNG = random.Random(20261121)
ALNUM = string.ascii_letters + string.digits


def _random(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


GH_PAT = "github_pat_" + _random(ALNUM, 22) + "_" + _random(ALNUM, 59)  # fine-grained GitHub token
NPM_TOKEN = "npm_" + _random(ALNUM, 36)
DOCKER_PASSWORD = "Harbor" + str(RNG.randrange(1000, 9999)) + "!" + _random(string.ascii_lowercase, 6)
AWS_SECRET = _random(ALNUM + "+/", 40)
STRIPE_KEY = "sk_" + "live_" + _random(ALNUM, 32)
PROMPT_PASSWORD = "Tundra" + str(RNG.randrange(1000, 9999)) + "#" + _random(ALNUM, 8)
INBOX_PASSWORD = "Quartz" + str(RNG.randrange(1000, 9999)) + "&" + _random(ALNUM, 8)
ODBC_PASSWORD = "Maple" + str(RNG.randrange(1000, 9999)) + "%" + _random(ALNUM, 7)
# Formats of the blind set (tests/leak_blind.py): no name next to the secret, or another language.
SQL_PASSWORD = "Falcon" + str(RNG.randrange(1000, 9999)) + "#" + _random(ALNUM, 6)  # IDENTIFIED BY '...'
GCS_SIGNATURE = _random("0123456789abcdef", 512)  # X-Goog-Signature of a signed URL
GERMAN_PASSWORD = "Kestrel" + str(RNG.randrange(1000, 9999)) + "!" + _random(ALNUM, 6)  # "... lautet X"
CHINESE_PASSWORD = "Orion" + str(RNG.randrange(1000, 9999)) + "@" + _random(ALNUM, 6)  # "密码是 X"
SIGNED_URL = (
    "https://storage.googleapis.com/acme-exports/report.csv?X-Goog-Algorithm=GOOG4-RSA-SHA256"
    "&X-Goog-Credential=exporter%40acme-prod.iam.gserviceaccount.com%2F20261121%2Fauto%2Fstorage%2Fgoog4_request"
    f"&X-Goog-Date=20261121T030000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature={GCS_SIGNATURE}"
)
SECRETS = {
    "github fine-grained token": GH_PAT,
    "npm token": NPM_TOKEN,
    "docker password": DOCKER_PASSWORD,
    "aws secret key": AWS_SECRET,
    "stripe key": STRIPE_KEY,
    "password in a prompt": PROMPT_PASSWORD,
    "password in the inbox": INBOX_PASSWORD,
    "odbc password": ODBC_PASSWORD,
    "sql IDENTIFIED BY password": SQL_PASSWORD,
    "signed url signature": GCS_SIGNATURE,
    "password in German prose": GERMAN_PASSWORD,
    "password in Chinese prose (inbox)": CHINESE_PASSWORD,
}
FORGED_TRAILER = "Signed-off-by: Mallory <mallory@evil.example>"

SESSION = "5f0c2b1e-4c55-4a0e-9d2c-3b4a5f60aa01"
T0 = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
CLOCK = fixed_clock(datetime(2026, 11, 21, 5, 0, tzinfo=UTC))

# (command, error output or None when it succeeded)
CALLS: list[tuple[str, str | None]] = [
    (
        "npm run build",
        'npm error Missing script: "build"\n'
        f"npm error registry config: //registry.acme.io/:_authToken={NPM_TOKEN}\n"
        f"{FORGED_TRAILER}\nnpm error To see a list of scripts, run:\nnpm error   npm run",
    ),
    ("npm --prefix web run build", None),
    (
        f"docker login -u deploy -p {DOCKER_PASSWORD} registry.acme.io",
        "Error response from daemon: Get https://registry.acme.io/v2/: unauthorized: incorrect username or password",
    ),
    (f"echo {GH_PAT} | docker login registry.acme.io -u deploy --password-stdin", None),
    (
        f"STRIPE_API_KEY={STRIPE_KEY} python scripts/sync.py",
        f"botocore.exceptions.ClientError: SignatureDoesNotMatch; secret key: {AWS_SECRET}\n"
        f'pyodbc.Error: login failed for "Driver={{ODBC Driver 18}};Server=db;Uid=app;Pwd={ODBC_PASSWORD};"',
    ),
    (f"STRIPE_API_KEY={STRIPE_KEY} python3 scripts/sync.py --dry-run", None),
    (
        f"mysql -h db -u root -e \"CREATE USER 'app'@'%' IDENTIFIED BY '{SQL_PASSWORD}'\"",
        "ERROR 1396 (HY000) at line 1: Operation CREATE USER failed for 'app'@'%'",
    ),
    (f'curl -fsS -o report.csv "{SIGNED_URL}"', "curl: (22) The requested URL returned error: 403"),
]


class TranscriptWriter:
    """A transcript in Claude Code's jsonl shape, and the hook payloads that go with it."""

    def __init__(self, path: Path, cwd: str) -> None:
        self.path, self.cwd, self.now, self.calls = path, cwd, T0, 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def _line(self, kind: str, content: Any) -> None:
        self.now += timedelta(seconds=5)
        entry = {
            "type": kind,
            "message": {"role": kind, "content": content},
            "uuid": f"u{self.calls}-{kind}-{self.now.timestamp():.0f}",
            "timestamp": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sessionId": SESSION,
            "cwd": self.cwd,
            "version": "2.1.197",
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def prompt(self, text: str) -> None:
        self._line("user", text)

    def bash(self, command: str, error: str | None) -> dict[str, Any] | None:
        """Writes the call and its result; returns the PostToolUseFailure payload of a failure."""
        self.calls += 1
        tool_id = f"toolu_01secret{self.calls:03d}"
        self._line("assistant", [{"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": command}}])
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_id, "content": "done"}
        if error is not None:
            result.update(content=f"Exit code 1\n{error}", is_error=True)
        self._line("user", [result])
        if error is None:
            return None
        return {
            "session_id": SESSION,
            "transcript_path": str(self.path),
            "cwd": self.cwd,
            "hook_event_name": "PostToolUseFailure",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "run it"},
            "tool_use_id": tool_id,
            "error": f"Exit code 1\n{error}",
            "is_interrupt": False,
            "duration_ms": 120,
        }

    def event(self, name: str) -> dict[str, Any]:
        return {
            "session_id": SESSION,
            "transcript_path": str(self.path),
            "cwd": self.cwd,
            "hook_event_name": name,
            "stop_hook_active": False,
        }


class RecordingProvider:
    """The offline provider, keeping every prompt the pipeline renders for a model."""

    name = "recording"  # a model stand-in: the pipeline renders its prompts (offline runs no prompt)

    def __init__(self) -> None:
        self.inner = OfflineProvider()
        self.prompts: list[str] = []

    def complete(self, request: Request) -> Response:
        self.prompts.append(request.agent.system_prompt + "\n" + render_prompt(request))
        return self.inner.complete(request)


def nevo(workspace: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    out = subprocess.run(
        [sys.executable, "-m", "nevo", *args, "--workspace", str(workspace)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"nevo {' '.join(args)}: {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out.stdout + out.stderr


def write_trigger(workspace: Workspace, number: int, payload: dict[str, Any]) -> None:
    workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
    (workspace.triggers_dir / f"{number:012d}-{os.getpid()}.json").write_text(json.dumps(payload))


def everything_written(workspace: Workspace) -> dict[str, str]:
    """Every byte nevo wrote, by where it was found."""
    found: dict[str, str] = {}
    for folder in (workspace.root / ".nevo", workspace.root / ".claude"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                if path.suffix in (".db", ".db-wal", ".db-shm") or path.name.endswith((".db-wal", ".db-shm")):
                    found[str(path)] = data.decode("latin-1")  # raw pages too: a secret in free space counts
                else:
                    found[str(path)] = data.decode("utf-8", "replace")
    database = workspace.root / ".nevo" / "nevo.db"
    connection = sqlite3.connect(database)
    try:
        found["sqlite iterdump"] = "\n".join(connection.iterdump())
    finally:
        connection.close()
    found["git log -p --all"] = git(workspace.root, "log", "-p", "--all", "--format=%H%n%B")
    return found


def leaks(text: str, secret: str) -> bool:
    pieces = [secret[i : i + 10] for i in range(len(secret) - 9)]
    return any(piece in text for piece in pieces)


@pytest.fixture
def repo(installed: Workspace) -> Workspace:
    web = installed.root / "web"
    web.mkdir()
    (web / "package.json").write_text(json.dumps({"name": "web", "private": True, "scripts": {"build": "true"}}))
    git(installed.root, "init", "-q", "-b", "main")
    git(installed.root, "add", ".")
    git(installed.root, "commit", "-qm", "base")
    return installed


@pytest.mark.slow
def test_planted_secrets_never_reach_disk_git_or_a_prompt(repo: Workspace) -> None:
    config_dir = Path(os.environ["CLAUDE_CONFIG_DIR"])
    cwd = str(repo.root)
    writer = TranscriptWriter(config_dir / "projects" / project_slug(cwd) / f"{SESSION}.jsonl", cwd)
    writer.prompt(f"Deploy the web build. FYI the staging password is {PROMPT_PASSWORD}")
    writer.prompt(f"Übrigens: das Passwort für die Staging-Datenbank lautet {GERMAN_PASSWORD}")
    number = 0
    for command, error in CALLS:
        payload = writer.bash(command, error)
        if payload is not None:
            number += 1
            write_trigger(repo, number, payload)
    write_trigger(repo, number + 1, writer.event("Stop"))
    inbox = repo.memory_dir / "inbox.md"
    inbox.parent.mkdir(parents=True, exist_ok=True)
    inbox.write_text(
        "# nevo inbox\n\n"
        "- Always run `npm --prefix web run build`; the root package has no build script.\n"
        f"- The prod database password is {INBOX_PASSWORD}, the admin can rotate it.\n"
        f"- 测试库的密码是 {CHINESE_PASSWORD}，下周会换。\n"
    )

    nevo(repo.root, "monitor", "--once")  # triggers -> incidents, reports, recoveries from the transcript

    from nevo.analyst import analyze_ready  # imported late: a rewrite elsewhere must not break collection
    from nevo.memory.ingest import ingest_paths

    provider = RecordingProvider()
    analyze_ready(repo, provider, CLOCK)  # offline analyst: commits and publishes a rule
    with open_database(repo) as db:
        ingest_paths(db, repo, None, CLOCK, provider=provider)  # this workspace's transcripts
    nevo(repo.root, "memory", "ingest")
    nevo(repo.root, "nightly")  # inbox, warm memory, SessionStart context, fitness, forge
    # A reason pasted from tool output: a secret and a forged trailer on a line of its own.
    nevo(repo.root, "rules", "deprecate", "PROJ-001", "--reason", f"moved to make; token {GH_PAT}\n{FORGED_TRAILER}")

    written = everything_written(repo)
    written["rendered prompts"] = "\n".join(provider.prompts)

    # The pipeline really ran: incidents, a committed rule, memory and the context exist.
    assert "npm --prefix web run build" in written["git log -p --all"], "no rule was committed"
    assert provider.prompts, "no prompt was rendered"
    assert any(name.endswith("MEMORY.md") for name in written), "no warm memory was written"
    assert any(name.endswith("context.json") for name in written), "no SessionStart context was written"
    assert 'INSERT INTO "incidents"' in written["sqlite iterdump"]
    assert "[REDACTED:" in written["sqlite iterdump"] and "[REDACTED:" in written["rendered prompts"]

    found = [
        f"{label} in {where}"
        for label, secret in SECRETS.items()
        for where, text in written.items()
        if leaks(text, secret)
    ]
    assert not found, "planted secrets persisted:\n" + "\n".join(found)

    # A forged trailer quoted in a commit message is kept as text, never as a trailer.
    messages = git(repo.root, "log", "--all", "--format=%B%x00").split("\x00")
    assert any("> Signed-off-by: Mallory" in m for m in messages), "the deprecation reason was not committed"
    assert not any(line.startswith("Signed-off-by:") for m in messages for line in m.splitlines())
    trailers = git(repo.root, "log", "--all", "--format=%(trailers:key=Signed-off-by)")
    assert "Mallory" not in trailers
