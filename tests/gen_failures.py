"""Regenerate tests/data/failures/: real failures from real tools, captured like Claude Code does.

Every scenario runs twice (variants "a" and "b") in two different temporary checkouts of the same
project ("shopapp" under different parent folders), with source files shifted down by a few lines
in variant b, a different HOME, and at a different moment. The combined output is stored the way
Claude Code's Bash tool reports a failure: "Exit code N\\n<stdout+stderr, trailing space trimmed>".
The test suite then asserts that the two variants of one incident share a fingerprint and that
different incidents do not.

Read/Edit/Write errors are not produced by a subprocess: they are Claude Code's own messages,
written here with the templates found in the Claude Code 2.1.197 binary.

Run: python tests/gen_failures.py   (needs python3, pytest, git, node, npm, make, bash, sh)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OUT_DIR = Path(__file__).parent / "data" / "failures"
PROJECT = "shopapp"
# Two checkouts of one project, as two machines or two clones would have them.
CHECKOUT_PARENTS = {"a": "alice/code", "b": "ci/builds/7731"}
LINE_SHIFT = {"a": 0, "b": 7}
MAX_OUTPUT_CHARS = 12_000

CALC_PY = """\
def parse(text):
    return int(text)


def compute(values):
    total = 0
    for value in values:
        total += 100 // value
    return total


def lookup(table, key):
    return table[key]


class Basket:
    def __init__(self):
        self.items = []

if __name__ == "__main__":
    import sys
    what = sys.argv[1]
    if what == "zero":
        print(compute([1, 2, 0]))
    elif what == "key":
        print(lookup({"apple": 1}, "pear"))
    elif what == "obj":
        basket = Basket()
        raise ValueError(f"cannot price {basket!r}")
"""

NOISY_PY = """\
import sys
import time
import random

for step in range(1, 121):
    took, memory = random.random() / 50, random.randint(1000, 99999)
    print(f"[{time.strftime('%H:%M:%S')}] step {step}/120 took {took:.4f}s mem={memory}KB")
print("Downloading shards: " + "#" * random.randint(10, 60), flush=True)
raise RuntimeError("shard checksum mismatch")
"""

TEST_CALC_PY = """\
import time

from calc import compute, parse


def test_parse():
    assert parse("12") == 12


def test_compute_ok():
    time.sleep(0.01)
    assert compute([1, 2]) == 150


def test_compute_total():
    assert compute([1, 4]) == 126


def test_parse_fraction():
    assert parse("1.5") == 1


def test_uses_tmp(tmp_path):
    target = tmp_path / "report.txt"
    assert target.read_text() == "done"
"""

PACKAGE_JSON = """\
{
  "name": "shopapp",
  "version": "1.0.0",
  "scripts": {
    "bundle": "node build.js",
    "start": "node server.js"
  }
}
"""

BUILD_JS = """\
function loadConfig(name) {
  const configs = { prod: { minify: true } };
  return configs[name].minify;
}

console.log("bundling " + Date.now());
loadConfig("staging");
"""

MAKEFILE = """\
.PHONY: build test lint

build:
\t@echo "compiling at $$(date +%s%N)"
\t@python3 -c "import sys; sys.exit(3)"

test:
\t@echo "running tests"
\t@python3 -c "import nosuchmod_maketest"

lint:
\t@echo linting
"""


@dataclass(frozen=True)
class Scenario:
    incident: str  # scenarios with the same incident must share a fingerprint
    command: str
    files: dict[str, str] = field(default_factory=dict)
    setup: tuple[str, ...] = ()


BROKEN_TEST_PY = """\
import missing_dep_x


def test_never_runs():
    assert missing_dep_x
"""

UNIT_TEST_PY = """\
import unittest


class PriceTest(unittest.TestCase):
    def test_rounding(self):
        self.assertEqual(round(2.675, 2), 2.68)

    def test_ok(self):
        self.assertTrue(True)
"""

SYNTAX_ERROR_PY = """\
def total(items):
    return sum(item.price for item in items


print(total([]))
"""

DEPLOY_SH = "#!/bin/sh\necho deploying\n"

BASE_FILES = {
    "calc.py": CALC_PY,
    "noisy.py": NOISY_PY,
    "tests/test_calc.py": TEST_CALC_PY,
    "package.json": PACKAGE_JSON,
    "build.js": BUILD_JS,
    "Makefile": MAKEFILE,
    "README.md": "# shopapp\n",
    "checks/test_broken.py": BROKEN_TEST_PY,
    "utests/test_prices.py": UNIT_TEST_PY,
    "report.py": SYNTAX_ERROR_PY,
    "scripts/release.sh": DEPLOY_SH,
}
GIT_REPO = ("git init -q -b main", "git add -A", "git commit -q -m initial")
GIT_CONFLICT = (
    *GIT_REPO,
    "git checkout -q -b feature && echo feature > README.md && git commit -qam feature",
    "git checkout -q main && echo main > README.md && git commit -qam main",
)
GIT_DIVERGED_REMOTE = (  # a local bare "remote" that someone else pushed to first
    *GIT_REPO,
    "git init -q --bare -b main ../remote.git && git remote add origin ../remote.git",
    "git push -q origin main",
    "git clone -q ../remote.git ../other",
    "cd ../other && git commit -q --allow-empty -m theirs && git push -q",
    "git commit -q --allow-empty -m ours",
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("py-missing-module-nosuchmod", "python3 -c 'import nosuchmod'"),
    Scenario("py-missing-module-otherdep", "python3 -c 'import otherdep'"),
    Scenario("py-zero-division", "python3 calc.py zero"),
    Scenario("py-key-error", "python3 calc.py key"),
    Scenario("py-value-error-repr", "python3 calc.py obj"),
    Scenario("py-noisy-runtime-error", "python3 noisy.py"),
    Scenario("py-missing-script", "python3 nosuch_script.py"),
    Scenario("pytest-suite", "python3 -m pytest -q -p no:cacheprovider tests"),
    Scenario(
        "pytest-one-test", "python3 -m pytest -q -p no:cacheprovider tests/test_calc.py::test_compute_total"
    ),
    Scenario(
        "pytest-other-test",
        "python3 -m pytest -q -p no:cacheprovider tests/test_calc.py::test_parse_fraction",
    ),
    Scenario("pytest-tmp-path", "python3 -m pytest -q -p no:cacheprovider tests/test_calc.py::test_uses_tmp"),
    Scenario("pytest-missing-file", "python3 -m pytest -q -p no:cacheprovider tests/test_nosuch.py"),
    Scenario("pytest-collection-error", "python3 -m pytest -q -p no:cacheprovider checks/test_broken.py"),
    Scenario("unittest-failure", "python3 -m unittest discover -s utests"),
    Scenario("py-syntax-error", "python3 report.py"),
    Scenario("git-push-no-remote", "git push", setup=GIT_REPO),
    Scenario("git-push-rejected", "git push origin main", setup=GIT_DIVERGED_REMOTE),
    Scenario("git-merge-conflict", "git merge feature", setup=GIT_CONFLICT),
    Scenario("git-pull-no-remote", "git pull", setup=GIT_REPO),
    Scenario("git-checkout-missing-branch", "git checkout feature/login", setup=GIT_REPO),
    Scenario("git-checkout-other-branch", "git checkout release-2", setup=GIT_REPO),
    Scenario("git-commit-nothing", "git commit -m 'update docs'", setup=GIT_REPO),
    Scenario("git-not-a-repo", "git status"),
    Scenario("npm-missing-script-build", "npm run build"),
    Scenario("npm-missing-script-test", "npm run test"),
    Scenario("npm-script-throws", "npm run bundle"),
    Scenario("node-missing-module-leftpad", "node -e \"require('left-pad-nope')\""),
    Scenario("node-missing-module-chalk", "node -e \"require('chalk-nope')\""),
    Scenario("node-type-error", "node build.js"),
    Scenario("node-esm-missing-package", "node --input-type=module -e \"import x from 'nope-pkg'\""),
    Scenario("make-build-fails", "make build"),
    Scenario("make-test-fails", "make test"),
    Scenario("make-no-rule", "make deploy"),
    Scenario("bash-command-not-found", "bash -c 'frobnicate --all'"),
    Scenario("sh-command-not-found", "sh -c 'frobnicate --all'"),
    Scenario("bash-other-command-not-found", "bash -c 'kubectl-nope get pods'"),
    Scenario("cat-missing-file", "cat config/settings.yaml"),
    Scenario("cat-other-missing-file", "cat config/secrets.yaml"),
    Scenario("ls-missing-dir", "ls -la build/output"),
    Scenario("cd-missing-dir", "cd frontend && npm install"),
    Scenario("permission-denied", "./scripts/release.sh --prod"),
    Scenario("grep-no-match", "grep -rn 'TODO(remove)' --include=*.py ."),
    Scenario("false-exit", "test -f dist/bundle.js"),
)


def shifted(path: str, text: str, shift: int) -> str:
    """Push the code down by `shift` lines so line numbers in the output differ between variants."""
    if shift == 0 or path.endswith(".json") or path.endswith(".md"):
        return text
    comment = "//" if path.endswith(".js") else "#"
    return "".join(f"{comment} padding line {i}\n" for i in range(shift)) + text


def run_scenario(scenario: Scenario, variant: str, root: Path) -> dict[str, object]:
    workspace = root / CHECKOUT_PARENTS[variant] / PROJECT
    workspace.mkdir(parents=True)
    home = root / "home"
    home.mkdir()
    for rel, text in {**BASE_FILES, **scenario.files}.items():
        target = workspace / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shifted(rel, text, LINE_SHIFT[variant]))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "npm_config_update_notifier": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for step in scenario.setup:
        subprocess.run(step, shell=True, cwd=workspace, env=env, check=True, capture_output=True)
    # Claude Code's Bash tool runs the command in a shell with stdout and stderr merged.
    done = subprocess.run(
        ["bash", "-c", scenario.command],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    if done.returncode == 0:
        raise SystemExit(f"scenario {scenario.incident} did not fail: {done.stdout[-500:]}")
    output = done.stdout.rstrip()[-MAX_OUTPUT_CHARS:]
    return {
        "incident": scenario.incident,
        "variant": variant,
        "source": "real subprocess",
        "tool_name": "Bash",
        "tool_input": {"command": scenario.command, "description": f"run {scenario.incident}"},
        "cwd": str(workspace),
        "error": f"Exit code {done.returncode}\n{output}",
    }


# Claude Code 2.1.197's own messages (FileReadTool / FileEditTool / FileWriteTool).
NOT_FOUND_NOTE = "Note: your current working directory is"
EDIT_NOT_FOUND = "<tool_use_error>String to replace not found in file.\nString: {old}</tool_use_error>"
NOT_READ = "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>"
MANY_MATCHES = (
    "<tool_use_error>Found {n} matches of the string to replace, but replace_all is false. To replace all "
    "occurrences, set replace_all to true. To replace only one occurrence, please provide more context to "
    "uniquely identify the instance.\nString: {old}</tool_use_error>"
)


def file_tool_failures(variant: str, root: Path) -> list[dict[str, object]]:
    workspace = root / CHECKOUT_PARENTS[variant] / PROJECT
    ws = str(workspace)

    def record(incident: str, tool: str, tool_input: dict[str, object], error: str) -> dict[str, object]:
        return {
            "incident": incident,
            "variant": variant,
            "source": "Claude Code 2.1.197 message template",
            "tool_name": tool,
            "tool_input": tool_input,
            "cwd": ws,
            "error": error,
        }

    hint = f" Did you mean {ws}/src/setting.py?" if variant == "b" else ""
    old_a = "    total = 0\n" if variant == "a" else "    total = 0  \n    for v in values:\n"
    return [
        record(
            "read-missing-settings",
            "Read",
            {"file_path": f"{ws}/src/settings.py"},
            f"File does not exist. {NOT_FOUND_NOTE} {ws}.{hint}",
        ),
        record(
            "read-missing-other",
            "Read",
            {"file_path": f"{ws}/src/models.py", "offset": 10 if variant == "a" else 200, "limit": 50},
            f"File does not exist. {NOT_FOUND_NOTE} {ws}.",
        ),
        record(
            "edit-string-not-found-calc",
            "Edit",
            {"file_path": f"{ws}/calc.py", "old_string": old_a, "new_string": "    total = 1\n"},
            EDIT_NOT_FOUND.format(old=old_a),
        ),
        record(
            "edit-string-not-found-build",
            "Edit",
            {"file_path": f"{ws}/build.js", "old_string": old_a, "new_string": "x"},
            EDIT_NOT_FOUND.format(old=old_a),
        ),
        record(
            "edit-not-read-calc",
            "Edit",
            {"file_path": f"{ws}/calc.py", "old_string": "a", "new_string": "b"},
            NOT_READ,
        ),
        record(
            "write-not-read-calc",
            "Write",
            {"file_path": f"{ws}/calc.py", "content": f"print({variant!r})\n"},
            NOT_READ,
        ),
        record(
            "edit-many-matches-calc",
            "Edit",
            {"file_path": f"{ws}/calc.py", "old_string": "return", "new_string": "yield"},
            MANY_MATCHES.format(n=3 if variant == "a" else 4, old="return"),
        ),
    ]


def main() -> int:
    for tool in ("python3", "git", "node", "npm", "make", "bash", "sh"):
        if shutil.which(tool) is None:
            print(f"missing {tool}: install it and run again", file=sys.stderr)
            return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.json"):
        old.unlink()
    records: list[dict[str, object]] = []
    for variant in ("a", "b"):
        with tempfile.TemporaryDirectory(prefix="nevo-gen-") as tmp:
            for index, scenario in enumerate(SCENARIOS):
                records.append(run_scenario(scenario, variant, Path(tmp) / f"s{index}"))
            records.extend(file_tool_failures(variant, Path(tmp) / "files"))
    for item in records:
        name = f"{item['incident']}__{item['variant']}.json"
        (OUT_DIR / name).write_text(json.dumps(item, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} failures to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
