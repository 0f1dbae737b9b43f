"""Numbered PostgreSQL migrations for the shared store (see nevo.pgstore)."""
