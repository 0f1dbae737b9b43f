"""``nevo report``: one self-contained HTML page of what the agent learned (or its numbers as JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, workspace_of
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    workspace: WorkspaceOption = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option("--out", "-o", help="Write the page here (e.g. report.html).", dir_okay=False),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="How many days the plots cover, up to today.")] = 30,
    json_out: JsonOption = False,
) -> None:
    """Write one HTML page with plots: failures per day (new, repeated, prevented by a guard), the top
    incidents, each rule's timeline, memory, LLM calls and cost against the cap, the nightly runs.

    The page is self-contained (no script, no network): open it in any browser, or send it around.
    --json prints the same numbers instead.

    Example: nevo report --out report.html && xdg-open report.html
    """
    from nevo import report_html, report_page

    if out is None and not json_out:
        raise NevoError("say where to write the page", "nevo report --out report.html (or --json for the numbers)")
    data = report_page.gather(workspace_of(workspace), days=days)
    if out is not None:
        atomic_write_text(out, report_html.render(data))
        console.print(f"wrote {out} ({out.stat().st_size // 1024 + 1} KB): open {out.resolve().as_uri()}", markup=False)
    if json_out:
        emit_json(data)
