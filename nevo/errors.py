"""The one error type nevo raises on purpose: a message for the user and what to do next."""

from __future__ import annotations


class NevoError(Exception):
    """A known failure: the CLI prints ``message`` and ``hint`` and exits 1."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"
