"""nevo: make a coding agent learn from its own work."""

from __future__ import annotations

__version__ = "0.1.0"
