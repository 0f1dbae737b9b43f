"""CLI commands for the monitor stage (owned by the monitor work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
