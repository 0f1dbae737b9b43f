"""``python -m nevo``: the same as the ``nevo`` command."""

from __future__ import annotations

from nevo.cli import run

run()
