"""The ``nevo`` command: a thin typer layer; each command calls one library function.

Errors: a known error (NevoError) prints its message and hint and exits 1; Ctrl-C exits 130; anything
unexpected exits 3 and writes a crash log with versions (the path is printed).
"""

from __future__ import annotations

import platform
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer

from nevo import __version__
from nevo.cli import demo, forge, memory, monitor, plugin, report, rules, setup
from nevo.errors import NevoError

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
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
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
        log = _crash_log(exc)
        typer.echo(
            f"nevo: unexpected error: {exc!r}\n  details: {log}\n  please report it with that file", err=True
        )
        return 3
    return code if isinstance(code, int) else 0


def _crash_log(exc: BaseException) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.gettempdir()) / f"nevo-crash-{stamp}.log"
    path.write_text(
        f"nevo {__version__}\npython {sys.version}\nplatform {platform.platform()}\nargv {sys.argv}\n\n"
        + "".join(traceback.format_exception(exc)),
        encoding="utf-8",
    )
    return path


def run() -> None:
    sys.exit(main())
