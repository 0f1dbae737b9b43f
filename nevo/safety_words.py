"""The regex words the safety scans share (rules: nevo.safety; skills: nevo.safety_skill): what a shell,
an interpreter, a fetch, a test runner and nevo's own files look like in a command."""

from __future__ import annotations

# Gaps within a line are bounded ({0,400}): an unbounded gap makes a long line of "curl curl ..."
# quadratic (seconds per 100 KB); no real command puts 400 characters between `curl` and `| sh`.
# A command may be run through sudo (with its flags: sudo -E, sudo -u root) or env (env VAR=x).
_PREFIX = r"(?:sudo\s+(?:-[A-Za-z-]+(?:[ =]\w+)?\s+)*|env\s+(?:\w+=\S*\s+)*)?"
_SHELL = r"(?:ba|z|da|k|fi)?sh\b"
_INTERPRETER = r"(?:python[\d.]*|perl|ruby|node|php|deno|bun)\b"
_FETCH = r"(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod)"
# Test, lint and type-check runners: `<runner> ... || true` hides their failure.
_CHECKER = (
    r"(?:py\.?test|tox|nox|unittest|jest|vitest|mocha|cargo\s+(?:test|clippy)|go\s+(?:test|vet)"
    r"|(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:test|lint|check|typecheck)|make\s+(?:test|check|lint)"
    r"|ruff|mypy|pyright|eslint|tsc|flake8|pylint|pre-commit)"
)
# What the agent must not touch: its hook settings, its rules, nevo's own folder (the inbox is
# written by the agent on purpose).
_OWN_FILES = r"(?:\.claude/(?:rules|hooks|settings[\w.-]*\.json)|\.nevo\b(?!/memory/inbox\.md))"
_GUIDANCE = r"(?:instructions?|rules?|prompts?|guidelines|guidance|directives?)"
_EARLIER = r"(?:previous|prior|above|earlier|all|your|system|existing|original|older?)"

DOWNLOAD_AND_EXECUTE_COMMANDS = (
    rf"\b{_FETCH}\b[^\n|;]{{0,400}}+\|\s*{_PREFIX}(?:{_SHELL}|{_INTERPRETER}|iex\b|invoke-expression\b)"
    rf"|\b(?:curl|wget)\b[^\n]{{0,400}}?&&\s*{_PREFIX}{_SHELL}\s"
    rf"|\b(?:{_SHELL}|source)\s+<\(\s*(?:curl|wget)|(?<![\w.])\.\s+<\(\s*(?:curl|wget)"
    # bash -c "$(curl -fsSL https://x/install.sh)" (the Homebrew form), sh -c "`wget -qO- ...`"
    rf"|\b(?:{_SHELL}|{_INTERPRETER})\s+(?:-\w+\s+)*[\"']?(?:\$\(|`)\s*(?:curl|wget)\b"
    r"|\beval\s+\"?(?:\$\(|`)\s*(?:curl|wget)"
    r"|\bpython3?\s+-c\s+[\"'][^\"']*(?:urlopen|requests\.get)[^\"']*exec"
)
