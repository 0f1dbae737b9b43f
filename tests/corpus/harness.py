"""Run recovery scenarios for real: real projects in temp folders, real tools, outputs as Claude Code shows them.

A :class:`Scenario` names a project builder and the calls an agent made: the first one fails, the rest are
what the agent did next. Bash calls run for real (``bash -c`` in the project, stdout and stderr together,
a failure reported as ``Exit code N`` then the output, the way Claude Code's Bash tool reports it). Read,
Edit, Write, Glob and Grep act on the real files with Claude Code 2.1.197's own messages (the templates
and the "Did you mean" rules read off its binary, as tests/gen_failures.py does).

No network: npm runs offline, Python packages install from the project itself (an in-tree build backend),
a loopback HTTP server stands in for any web host, and ``ssh``/``scp``/``rsync`` are shims that copy into
``~/remote`` (a real ``scp`` would dial the host). Paths are stored with the temporary home replaced by
``/home/dev``, so the data does not change with the machine.
"""

from __future__ import annotations

import fnmatch
import glob as globlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOME_AS = "/home/dev"
MAX_OUTPUT = 6_000
NOT_FOUND_NOTE = "Note: your current working directory is"
EDIT_NOT_FOUND = "<tool_use_error>String to replace not found in file.\nString: {old}</tool_use_error>"
NOT_READ = "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>"
MANY_MATCHES = (
    "<tool_use_error>Found {n} matches of the string to replace, but replace_all is false. To replace all "
    "occurrences, set replace_all to true. To replace only one occurrence, please provide more context to "
    "uniquely identify the instance.\nString: {old}</tool_use_error>"
)
PYTHON = Path(getattr(sys, "_base_executable", sys.executable)).resolve()


# ---------------------------------------------------------------------------------------- scenario types


@dataclass(frozen=True)
class Step:
    """One call of the agent. ``make`` computes the input when it depends on the run (a pid, a port)."""

    tool: str
    input: dict[str, Any] = field(default_factory=dict)
    make: Callable[[Context], dict[str, Any]] | None = None
    cwd: str = ""  # Bash: the folder under the project root the shell is in


@dataclass(frozen=True)
class Label:
    """What the failure teaches, labelled by hand. ``kind`` may list every acceptable kind (a trap that is
    weakened or harmful); ``fix`` is the index in the calls of the one that did what the failure meant to do;
    ``guard`` True: a guard is expected, False: there must be none, None: either is right."""

    kind: str | tuple[str, ...]
    fix_kind: str = ""
    fix: int | None = None
    guard: bool | None = False
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    id: str
    project: str  # a builder's name
    steps: tuple[Step, ...]
    label: Label
    tags: tuple[str, ...] = ()
    agent: str = ""  # the sub-agent's type when the calls ran inside one
    name: str = "shop"  # the project's folder name
    venv: bool = False  # a virtualenv in .venv, on PATH as if activated
    setup: tuple[str, ...] = ()  # shell set-up after the builder (not calls of the agent)
    prepare: Callable[[Context], None] | None = None  # set-up that is not a shell line (hold a port)


def bash(command: str | Callable[[Context], str], cwd: str = "") -> Step:
    if callable(command):
        maker = command
        return Step("Bash", make=lambda ctx: {"command": maker(ctx)}, cwd=cwd)
    return Step("Bash", {"command": command}, cwd=cwd)


def read(path: str, **extra: Any) -> Step:
    return Step("Read", {"file_path": path, **extra})


def edit(path: str, old: str, new: str) -> Step:
    return Step("Edit", {"file_path": path, "old_string": old, "new_string": new})


def write(path: str, content: str) -> Step:
    return Step("Write", {"file_path": path, "content": content})


def glob(pattern: str, path: str = "") -> Step:
    return Step("Glob", {"pattern": pattern, **({"path": path} if path else {})})


def grep(pattern: str, path: str = "", glob_: str = "") -> Step:
    extra = {**({"path": path} if path else {}), **({"glob": glob_} if glob_ else {})}
    return Step("Grep", {"pattern": pattern, **extra})


# ---------------------------------------------------------------------------------------- the run


class Context:
    """One scenario's world: a temp home, the project in it, the environment its shell sees."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.tmp = tmp
        self.home = tmp / "home"
        self.root = self.home / "code" / name
        self.root.mkdir(parents=True)
        self.shims = self.home / ".local" / "bin"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.read_files: set[str] = set()
        self.outputs: list[str] = []
        self.server: LoopbackServer | None = None
        self.values: dict[str, str] = {}
        _write_shims(self.shims)
        path = [str(self.shims), "/usr/local/bin", "/usr/bin", "/bin"]
        cargo = shutil.which("cargo")
        if cargo:  # rustup installs into ~/.cargo/bin, which the temporary home does not have
            path.append(str(Path(cargo).parent))
        self.env = {
            "HOME": str(self.home),
            "PATH": os.pathsep.join(path),
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "npm_config_offline": "true",
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            "npm_config_color": "false",
            "npm_config_cache": str(self.home / ".npm"),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", "/root/.rustup"),
            "CARGO_HOME": os.environ.get("CARGO_HOME", "/root/.cargo"),
            "CARGO_NET_OFFLINE": "true",
            "CARGO_TERM_COLOR": "never",
        }

    def add_path(self, folder: Path) -> None:
        self.env["PATH"] = f"{folder}{os.pathsep}{self.env['PATH']}"

    def sh(self, command: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Set-up work of a builder (not a call of the agent): raises when it fails."""
        env = {**self.env, **GIT_IDENTITY}
        done = subprocess.run(
            ["bash", "-c", command], cwd=cwd or self.root, env=env, capture_output=True, text=True, timeout=300
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"set-up `{command}` failed ({done.returncode}): {done.stdout}\n{done.stderr}")
        return done

    def files(self, files: dict[str, str], executable: tuple[str, ...] = ()) -> None:
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o755 if rel in executable else 0o644)

    def hold_port(self, port: int) -> int:
        """A process that holds ``port`` (a dev server left running); returns its pid."""
        code = (
            "import socket, time\n"
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            f"s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True); time.sleep(600)\n"
        )
        proc = subprocess.Popen([str(PYTHON), "-c", code], stdout=subprocess.PIPE, cwd=self.root)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        self.processes.append(proc)
        return proc.pid

    def serve(self) -> int:
        """A loopback web server (the stand-in for every host): GET serves ``~/www``, POST is accepted."""
        if self.server is None:
            self.server = LoopbackServer(self.home / "www")
        return self.server.port

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        if self.server is not None:
            self.server.stop()


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


class LoopbackServer:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        handler = _handler(folder)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(folder: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            (folder / "received").write_bytes(self.rfile.read(length))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"status":"ok"}\n')

        def log_message(self, *args: Any) -> None:
            return

    return Handler


SHIMS = {
    # Copy into ~/remote/<path> instead of dialling the host (the command and its success are what matter).
    "scp": """#!/bin/sh
last=""; for a in "$@"; do last="$a"; done
dest="$HOME/remote/${last#*:}"; mkdir -p "$dest"
for a in "$@"; do case "$a" in -*|"$last") ;; *) cp -r "$a" "$dest"/ ;; esac; done
""",
    "rsync": """#!/bin/sh
last=""; for a in "$@"; do last="$a"; done
dest="$HOME/remote/${last#*:}"; mkdir -p "$dest"
for a in "$@"; do case "$a" in -*|"$last") ;; *) cp -r "$a" "$dest"/ ;; esac; done
""",
    "ssh": """#!/bin/sh
echo "ssh: connect to host ${1:-?} port 22: Network is unreachable" >&2; exit 255
""",
    # Passwordless sudo on a dev box: runs the command, telling it who asked (as the real one does).
    "sudo": """#!/bin/sh
SUDO_USER=dev exec env SUDO_USER=dev "$@"
""",
}


def _write_shims(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SHIMS.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    # python3 is the interpreter this generator runs under (it has pytest); `python` does not exist, as on
    # a stock Debian or Ubuntu; pip only in a project's virtualenv.
    (folder / "python3").symlink_to(PYTHON)


def make_venv(ctx: Context) -> None:
    subprocess.run([str(PYTHON), "-m", "venv", "--system-site-packages", str(ctx.root / ".venv")], check=True)
    ctx.add_path(ctx.root / ".venv" / "bin")
    ctx.env["VIRTUAL_ENV"] = str(ctx.root / ".venv")


# ---------------------------------------------------------------------------------------- the tools


def run_step(ctx: Context, step: Step) -> dict[str, Any]:
    tool_input = dict(step.make(ctx) if step.make else step.input)
    for key in ("file_path", "path"):  # the agent names files by absolute path, as Claude Code asks it to
        value = tool_input.get(key)
        if isinstance(value, str) and value and not value.startswith("/"):
            tool_input[key] = str(ctx.root / value)
    runner = TOOLS[step.tool]
    ok, output = runner(ctx, tool_input, step)
    output = _clip(output)
    ctx.outputs.append(output)
    call: dict[str, Any] = {"tool": step.tool, "input": tool_input, "ok": ok, "output": output}
    if step.cwd:
        call["cwd"] = str(ctx.root / step.cwd)
    return call


def _bash(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    cwd = ctx.root / step.cwd if step.cwd else ctx.root
    done = subprocess.run(
        ["bash", "-c", tool_input["command"]],
        cwd=cwd,
        env=ctx.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=180,
    )
    output = done.stdout.decode("utf-8", "replace").rstrip()
    if done.returncode != 0:
        return False, f"Exit code {done.returncode}\n{output}"
    return True, output


def _abs(ctx: Context, path: str) -> Path:
    return Path(path) if path.startswith("/") else ctx.root / path


def _missing(ctx: Context, path: Path) -> str:
    """Claude Code's message for a path that does not exist, with its two "Did you mean" rules: a file of the
    same name and another extension in the same folder; the same path under the working directory."""
    message = f"File does not exist. {NOT_FOUND_NOTE} {ctx.root}."
    parent = path.parent
    under_cwd = None
    try:
        relative = path.relative_to(ctx.root.parent)
        if not str(path).startswith(str(ctx.root) + os.sep) and (ctx.root / relative).exists():
            under_cwd = ctx.root / relative
    except ValueError:
        under_cwd = None
    similar = None
    if parent.is_dir():
        similar = next(
            (p.name for p in sorted(parent.iterdir()) if p.stem == path.stem and p != path),
            None,
        )
    if under_cwd is not None:
        message += f" Did you mean {under_cwd}?"
    elif similar is not None:
        message += f" Did you mean {similar}?"
    return message


def _read(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    path = _abs(ctx, tool_input["file_path"])
    if not path.is_file():
        return False, _missing(ctx, path)
    ctx.read_files.add(str(path))
    lines = path.read_text().splitlines()
    offset = int(tool_input.get("offset") or 1)
    limit = int(tool_input.get("limit") or 2000)
    shown = lines[offset - 1 : offset - 1 + limit]
    return True, "\n".join(f"{number:>6}\t{line}" for number, line in enumerate(shown, start=offset))


def _edit(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    path = _abs(ctx, tool_input["file_path"])
    if not path.is_file():
        return False, f"<tool_use_error>{_missing(ctx, path)}</tool_use_error>"
    if str(path) not in ctx.read_files:
        return False, NOT_READ
    text, old, new = path.read_text(), tool_input["old_string"], tool_input["new_string"]
    count = text.count(old)
    if count == 0:
        return False, EDIT_NOT_FOUND.format(old=old)
    if count > 1 and not tool_input.get("replace_all"):
        return False, MANY_MATCHES.format(n=count, old=old)
    updated = text.replace(old, new)
    path.write_text(updated)
    return True, f"The file {path} has been updated. Here's the result of running `cat -n` on a snippet of the " + (
        "edited file:\n" + "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(updated.splitlines()[:8], 1))
    )


def _write(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    path = _abs(ctx, tool_input["file_path"])
    existed = path.exists()
    if existed and str(path) not in ctx.read_files:
        return False, NOT_READ
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tool_input["content"])
    ctx.read_files.add(str(path))
    if existed:
        return True, f"The file {path} has been updated successfully."
    return True, f"File created successfully at: {path}"


def _search_root(ctx: Context, tool_input: dict[str, Any]) -> tuple[Path | None, str]:
    raw = str(tool_input.get("path") or "")
    folder = _abs(ctx, raw) if raw else ctx.root
    if not folder.exists():
        message = f"Path does not exist: {raw}. {NOT_FOUND_NOTE} {ctx.root}."
        return None, f"<tool_use_error>{message}</tool_use_error>"
    return folder, ""


def _glob(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    folder, error = _search_root(ctx, tool_input)
    if folder is None:
        return False, error
    found = sorted(
        p
        for p in globlib.glob(str(folder / tool_input["pattern"]), recursive=True)
        if Path(p).is_file() and "/node_modules/" not in p and "/.git/" not in p and "/.venv/" not in p
    )
    return True, "\n".join(found) if found else "No files found"


def _grep(ctx: Context, tool_input: dict[str, Any], step: Step) -> tuple[bool, str]:
    folder, error = _search_root(ctx, tool_input)
    if folder is None:
        return False, error
    pattern = re.compile(tool_input["pattern"])
    wanted = str(tool_input.get("glob") or "*")
    candidates = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    found = []
    for path in candidates:
        if any(part in (".git", "node_modules", ".venv") for part in path.parts):
            continue
        if not fnmatch.fnmatch(path.name, wanted):
            continue
        try:
            if pattern.search(path.read_text()):
                found.append(str(path))
        except UnicodeDecodeError:
            continue
    if not found:
        return True, "No files found"
    return True, f"Found {len(found)} file{'s' if len(found) != 1 else ''}\n" + "\n".join(found)


TOOLS: dict[str, Callable[[Context, dict[str, Any], Step], tuple[bool, str]]] = {
    "Bash": _bash,
    "Read": _read,
    "Edit": _edit,
    "Write": _write,
    "Glob": _glob,
    "Grep": _grep,
}


def _clip(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    half = MAX_OUTPUT // 2
    return f"{text[:half]}\n...\n{text[-half:]}"


# ---------------------------------------------------------------------------------------- one scenario


def run_scenario(scenario: Scenario, builders: dict[str, Callable[[Context], None]]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="nevo-corpus-"))
    ctx = Context(tmp, scenario.name)
    try:
        if scenario.venv:
            make_venv(ctx)
        builders[scenario.project](ctx)
        for command in scenario.setup:
            ctx.sh(command)
        if scenario.prepare is not None:
            scenario.prepare(ctx)
        calls = [run_step(ctx, step) for step in scenario.steps]
    finally:
        ctx.close()
        _unlock(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    if calls[0]["ok"]:
        raise SystemExit(f"{scenario.id}: the first call did not fail:\n{calls[0]['output'][-800:]}")
    fix = scenario.label.fix
    if fix is not None and not calls[fix]["ok"]:
        raise SystemExit(f"{scenario.id}: the labelled fix (call {fix}) failed:\n{calls[fix]['output'][-800:]}")
    record = {
        "id": scenario.id,
        "project": scenario.project,
        "tags": list(scenario.tags),
        "cwd": str(ctx.root),
        "root": str(ctx.root),
        "agent": scenario.agent,
        "calls": calls,
        "label": {
            "kind": list(scenario.label.kind) if isinstance(scenario.label.kind, tuple) else scenario.label.kind,
            "fix_kind": scenario.label.fix_kind,
            "fix": fix,
            "guard": scenario.label.guard,
            "note": scenario.label.note,
        },
    }
    return _stable(record, tmp)


def _unlock(tmp: Path) -> None:
    """Scenarios take permissions away (chmod 000, read-only trees): give them back so the folder can go."""
    for folder, dirs, _files in os.walk(tmp):
        for name in dirs:
            try:
                os.chmod(os.path.join(folder, name), 0o755)
            except OSError:
                continue


def _stable(value: Any, tmp: Path) -> Any:
    """The record with the temporary home shown as /home/dev (and anything else under the temp folder)."""
    if isinstance(value, str):
        return value.replace(str(tmp / "home"), HOME_AS).replace(str(tmp), "/tmp/corpus")
    if isinstance(value, list):
        return [_stable(v, tmp) for v in value]
    if isinstance(value, dict):
        return {k: _stable(v, tmp) for k, v in value.items()}
    return value
