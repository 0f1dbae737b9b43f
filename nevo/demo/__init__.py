"""``nevo demo``: the whole learning loop in under a minute, offline, in a temporary workspace."""
