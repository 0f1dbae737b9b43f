"""What every command shares: the --workspace option, JSON output, tables."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from nevo.workspace import Workspace, find_workspace

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="The project folder (default: the workspace containing the current directory).",
        file_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console()
err_console = Console(stderr=True)


def workspace_of(option: Path | None) -> Workspace:
    return Workspace(option.resolve()) if option is not None else find_workspace()


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


# Cells copied into other commands or read as one token: rule and incident ids, timestamps. Never folded.
_TOKEN = re.compile(r"^(?:[A-Z]+-[\w-]+|\d{4}-\d\d-\d\d(?:[T ][\d:.]+Z?)?)$")


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """A table that stays usable in 80 columns: ids and timestamps keep one line (they are copied into
    other commands), every other column folds."""
    out = Table(title=title, show_lines=False, header_style="bold")
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    for index, column in enumerate(columns):
        values = [row[index] for row in cells if index < len(row) and row[index] not in ("", "-")]
        if values and all(_TOKEN.match(v) for v in values):
            out.add_column(column, no_wrap=True, min_width=max(len(v) for v in values))
        else:
            out.add_column(column, overflow="fold")
    for row in cells:
        # Text, not markup: cells hold user data (`[ -f x ]`, `test[param]`, search hits in brackets).
        out.add_row(*(Text(cell) for cell in row))
    console.print(out)


def plain(value: Any) -> str:
    """User data inside a marked-up line: shown as written, never read as rich markup."""
    return escape(str(value))
