"""The ``nevo`` command: a thin typer layer; each command calls one library function.

Errors: a known error (NevoError) prints its message and hint and exits 1, and so does a full disk; Ctrl-C
exits 130; anything unexpected exits 3 and writes a crash log with versions (the path is printed): created
new with mode 0600 in the workspace's ``.nevo/logs/`` (else a per-user state folder), secrets redacted and
the command's arguments left out.
"""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import secrets
import sqlite3
import stat
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from nevo import __version__
from nevo.cli import demo, forge, memory, monitor, plugin, report, rules, setup
from nevo.errors import NevoError
from nevo.redact import redact
from nevo.workspace import Workspace, find_workspace

app = typer.Typer(
    name="nevo",
    help="nevo makes a coding agent learn from its own work: failed tool calls become incidents, incidents "
    "become rules committed to git, sessions become memory, recurring gaps become skills.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nevo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """nevo: a learning loop around Claude Code."""


for module in (setup, monitor, rules, memory, forge):
    module.register(app)
plugin.register(app)
report.register(app)
demo.register(app)


def main(argv: list[str] | None = None) -> int:
    try:
        # standalone_mode=False: click returns an Exit's code instead of calling sys.exit, so it is ours to return.
        code = app(args=argv, standalone_mode=False)
    except NevoError as exc:
        typer.echo(f"nevo: {exc.message}", err=True)
        if exc.hint:
            typer.echo(f"  hint: {exc.hint}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("nevo: interrupted", err=True)
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return 130
    except Exception as exc:  # the one place an unexpected error is caught: logged with versions, exit 3
        # A usage error (bad option, missing argument): typer's click, vendored or not, shows it itself.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            return exit_code
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            where = f" {exc.filename}" if exc.filename else ""
            typer.echo(f"nevo: the disk is full:{where} could not be written ({exc.strerror})", err=True)
            typer.echo("  hint: free some space, then run the command again; nothing already stored was lost", err=True)
            return 1
        try:
            log = str(_crash_log(exc, sys.argv[1:] if argv is None else argv))
        except OSError as log_error:
            log = f"(no crash log: {log_error}); traceback:\n{redact(''.join(traceback.format_exception(exc)))}"
        typer.echo(
            f"nevo: unexpected error: {redact(repr(exc))}\n  details: {log}\n  please report it with that file",
            err=True,
        )
        return 3
    return code if isinstance(code, int) else 0


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _crash_log(exc: BaseException, argv: list[str]) -> Path:
    """Write the crash log: created new (never through a planted file or symlink), readable by the user only,
    in nevo's own folder; versions and the command's name, never its arguments; secrets redacted."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"crash-{stamp}-{os.getpid()}-{secrets.token_hex(3)}.log"
    text = (
        f"nevo {__version__}\npython {sys.version}\nplatform {platform.platform()}\n"
        f"sqlite {sqlite3.sqlite_version}\n{_library_versions()}\ncommand: nevo {_command_name(argv)}\n\n"
        + redact("".join(traceback.format_exception(exc)))
    )
    last: OSError | None = None
    for folder in _log_folders(argv):
        try:
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except OSError as error:
            last = error
    raise last or OSError("no folder for the crash log")


def _log_folders(argv: list[str]) -> list[Path]:
    """The workspace's ``.nevo/logs/`` when there is one, then a per-user folder (``$XDG_STATE_HOME/nevo`` or
    ``~/.local/state/nevo``): never a shared folder like /tmp, where anyone can plant a name first."""
    folders = []
    # No usable workspace folder: the per-user one; neither: _crash_log says so and prints the traceback.
    with contextlib.suppress(OSError, NevoError):
        workspace = _workspace_of(argv)
        if workspace.nevo_dir.is_dir() and not workspace.nevo_dir.is_symlink():
            folders.append(_private_folder(workspace.nevo_dir / "logs", ignore=True))
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    with contextlib.suppress(OSError):
        folders.append(_private_folder(Path(state) / "nevo"))
    return folders


def _private_folder(folder: Path, *, ignore: bool = False) -> Path:
    """``folder``, created 0700 if missing; refused when it is a symlink or someone else's."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{folder} is not a folder of this user's")
    if ignore and not (folder / ".gitignore").exists():
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")  # crash logs never reach git
    return folder


def _workspace_of(argv: list[str]) -> Workspace:
    for index, arg in enumerate(argv):
        if arg in ("--workspace", "-w") and index + 1 < len(argv):
            return Workspace(Path(argv[index + 1]).resolve())
        if arg.startswith("--workspace="):
            return Workspace(Path(arg.split("=", 1)[1]).resolve())
    return find_workspace()


def _command_name(argv: list[str]) -> str:
    """The command's name (``rules deprecate``) as registered: arguments and option values are left out."""
    names: list[str] = []
    try:
        node: Any = typer.main.get_command(app)
        for arg in argv:
            commands = getattr(node, "commands", None)
            if not commands or arg not in commands:
                break
            names.append(arg)
            node = commands[arg]
    except Exception:  # naming the command must never hide the crash being logged
        return "?"
    return " ".join(names) or "?"


def _library_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("GitPython", "typer", "PyYAML", "anthropic", "watchdog"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} (not installed)")
    return ", ".join(found)


def run() -> None:
    sys.exit(main())
