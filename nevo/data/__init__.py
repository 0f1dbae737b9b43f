"""Files nevo ships and installs: hook scripts, agent definitions, skills (links to the top-level folders)."""
