"""Numbered schema migrations, applied in order by ``nevo.db``. Each file starts with a comment saying why."""
