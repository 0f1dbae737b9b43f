"""Fingerprints on real failures from real tools (tests/data/failures, made by tests/gen_failures.py)."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.fingerprint import Fingerprint, fingerprint, normalize_command, normalize_text

CORPUS_DIR = Path(__file__).parent / "data" / "failures"


def load_corpus() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(CORPUS_DIR.glob("*.json"))]


CORPUS = load_corpus()


def fp_of(item: dict[str, Any], error: str | None = None, cwd: str | None = None) -> Fingerprint:
    return fingerprint(
        item["tool_name"], item["tool_input"], item["error"] if error is None else error, cwd or item["cwd"]
    )


# The class each captured incident must get: a regression here means a whole family of failures moved.
EXPECTED_CLASSES = {
    "bash-command-not-found": "command not found: frobnicate",
    "bash-other-command-not-found": "command not found: kubectl-nope",
    "cat-missing-file": "cat: no such file: config/settings.yaml",
    "cat-other-missing-file": "cat: no such file: config/secrets.yaml",
    "edit-many-matches-calc": "Edit: string to replace found several times",
    "edit-not-read-calc": "Edit: file has not been read yet",
    "edit-string-not-found-build": "Edit: string to replace not found",
    "edit-string-not-found-calc": "Edit: string to replace not found",
    "false-exit": "exit 1",
    "git-checkout-missing-branch": "git: pathspec 'feature/login' did not match any file(s) known to git",
    "git-checkout-other-branch": "git: pathspec 'release-2' did not match any file(s) known to git",
    "git-commit-nothing": "git: nothing to commit",
    "git-not-a-repo": "git: not a git repository (or any of the parent directories): .git",
    "git-pull-no-remote": "git: There is no tracking information for the current branch.",
    "git-push-no-remote": "git: No configured push destination.",
    "grep-no-match": "exit 1",
    "ls-missing-dir": "ls: no such file: build/output",
    "make-build-fails": "make: build failed",
    "make-no-rule": "make: no rule to make target deploy",
    "make-test-fails": "make: test failed: ModuleNotFoundError: nosuchmod_maketest",
    "node-missing-module-chalk": "node: Cannot find module chalk-nope",
    "node-missing-module-leftpad": "node: Cannot find module left-pad-nope",
    "node-type-error": "node: TypeError",
    "npm-missing-script-build": "npm: missing script build",
    "npm-missing-script-test": "npm: missing script test",
    "npm-script-throws": "node: TypeError",
    "py-key-error": "KeyError",
    "py-missing-module-nosuchmod": "ModuleNotFoundError: nosuchmod",
    "py-missing-module-otherdep": "ModuleNotFoundError: otherdep",
    "py-missing-script": "python3: no such file: <ws>/nosuch_script.py",
    "py-noisy-runtime-error": "RuntimeError",
    "py-value-error-repr": "ValueError",
    "py-zero-division": "ZeroDivisionError",
    "pytest-missing-file": "pytest: not found: tests/test_nosuch.py",
    "pytest-one-test": "pytest: tests/test_calc.py::test_compute_total failed",
    "pytest-other-test": "pytest: tests/test_calc.py::test_parse_fraction failed",
    "pytest-suite": "pytest: tests/test_calc.py::test_compute_total failed (+2 more)",
    "pytest-tmp-path": "pytest: tests/test_calc.py::test_uses_tmp failed",
    "read-missing-other": "Read: file does not exist",
    "read-missing-settings": "Read: file does not exist",
    "sh-command-not-found": "command not found: frobnicate",
    "write-not-read-calc": "Write: file has not been read yet",
    "cd-missing-dir": "cd: no such file: frontend",
    "git-merge-conflict": "git: merge conflict",
    "git-push-rejected": "git: ! [rejected] main -> main (fetch first)",
    "node-esm-missing-package": "node: Cannot find package nope-pkg",
    "permission-denied": "permission denied: ./scripts/release.sh",
    "py-syntax-error": "SyntaxError",
    "pytest-collection-error": (
        "pytest: checks/test_broken.py (collection: ModuleNotFoundError: missing_dep_x) errored"
    ),
    "unittest-failure": "unittest: test_prices.PriceTest.test_rounding failed",
}


# ---------------------------------------------------------------- the corpus


def test_corpus_holds_two_checkouts_of_every_incident() -> None:
    by_incident: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in CORPUS:
        by_incident[item["incident"]].append(item)
    assert set(by_incident) == set(EXPECTED_CLASSES)
    for incident, items in by_incident.items():
        assert len(items) == 2, incident
        assert items[0]["cwd"] != items[1]["cwd"], incident
        assert os.path.basename(items[0]["cwd"]) == os.path.basename(items[1]["cwd"]) == "shopapp"


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: f"{item['incident']}-{item['variant']}")
def test_corpus_error_class_and_masking(item: dict[str, Any]) -> None:
    fp = fp_of(item)
    assert fp.error_class == EXPECTED_CLASSES[item["incident"]]
    assert re.fullmatch(r"[0-9a-f]{16}", fp.digest)
    assert fp.tool == item["tool_name"]
    for text in (fp.command, fp.error_class, fp.normalized_error):
        assert item["cwd"] not in text
        assert "/tmp/" not in text
        assert "alice" not in text and "7731" not in text  # the checkout parents
    assert len(fp.normalized_error) <= 2048


def test_corpus_same_incident_same_fingerprint_and_different_incidents_differ() -> None:
    same_pairs = different_pairs = 0
    mismatches: list[str] = []
    collisions: list[str] = []
    prints = [(item["incident"], fp_of(item)) for item in CORPUS]
    for (inc_a, fp_a), (inc_b, fp_b) in itertools.combinations(prints, 2):
        if inc_a == inc_b:
            same_pairs += 1
            if fp_a != fp_b:
                mismatches.append(f"{inc_a}: {fp_a} != {fp_b}")
        else:
            different_pairs += 1
            if fp_a.digest == fp_b.digest:
                collisions.append(f"{inc_a} == {inc_b}: {fp_a}")
    assert not mismatches, "\n".join(mismatches)
    assert not collisions, "\n".join(collisions)
    assert same_pairs == len(EXPECTED_CLASSES)
    assert different_pairs == len(CORPUS) * (len(CORPUS) - 1) // 2 - same_pairs


def corpus_item(incident: str, variant: str = "a") -> dict[str, Any]:
    return next(i for i in CORPUS if i["incident"] == incident and i["variant"] == variant)


def test_corpus_variants_really_differ_in_noise() -> None:
    """Guards the corpus itself: the pairs must differ in paths, line numbers, timings, addresses."""
    assert corpus_item("py-zero-division", "a")["error"] != corpus_item("py-zero-division", "b")["error"]
    lines_a = re.findall(r"line (\d+)", corpus_item("py-zero-division", "a")["error"])
    lines_b = re.findall(r"line (\d+)", corpus_item("py-zero-division", "b")["error"])
    assert lines_a != lines_b
    hex_a = re.findall(r"0x[0-9a-f]+", corpus_item("py-value-error-repr", "a")["error"])
    hex_b = re.findall(r"0x[0-9a-f]+", corpus_item("py-value-error-repr", "b")["error"])
    assert hex_a and hex_b and hex_a != hex_b
    timing = re.compile(r"in (\d+\.\d+)s")
    assert timing.search(corpus_item("pytest-suite", "a")["error"])


def test_pytest_suite_lists_every_failing_test_without_counts_or_timings() -> None:
    fp = fp_of(corpus_item("pytest-suite"))
    assert fp.normalized_error.splitlines() == [
        "FAILED tests/test_calc.py::test_compute_total",
        "FAILED tests/test_calc.py::test_parse_fraction",
        "FAILED tests/test_calc.py::test_uses_tmp",
    ]


def test_python_traceback_keeps_exception_and_own_frame_without_line_numbers() -> None:
    fp = fp_of(corpus_item("py-zero-division", "b"))
    assert fp.normalized_error == (
        'ZeroDivisionError: integer division or modulo by zero\nFile "<ws>/calc.py", in compute'
    )
    value_error = fp_of(corpus_item("py-value-error-repr"))
    assert "0x<hex>" in value_error.normalized_error


# ---------------------------------------------------------------- masking


def test_workspace_realpath_and_other_checkouts_are_masked(tmp_path: Path) -> None:
    real = tmp_path / "real" / "shopapp"
    real.mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    cwd = str(tmp_path / "link" / "shopapp")
    text = f"{cwd}/a.py {real}/b.py /home/bob/src/shopapp/c.py /srv/ci/builds/42/shopapp/d.py"
    assert normalize_text(text, cwd) == "<ws>/a.py <ws>/b.py <ws>/c.py <ws>/d.py"


def test_container_workspace_at_the_root() -> None:
    assert (
        normalize_text("File /app/main.py and /application/x and /", "/app")
        == "File <ws>/main.py and /application/x and /"
    )
    assert normalize_text("/usr/bin/env", "/") == "/usr/bin/env"


def test_sibling_projects_are_not_the_workspace() -> None:
    text = "/w/shopapp-old/f.py /opt/shopapp2/e.py /w/shopapp.bak"
    assert normalize_text(text, "/w/shopapp") == text


def test_generic_checkout_names_are_not_taken_for_the_workspace() -> None:
    assert (
        normalize_text("see /other/src/a.py and /x/y/src/b.py", "/x/y/src")
        == "see /other/src/a.py and <ws>/b.py"
    )


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("/home/alice/.npm/_logs/x.log", "~/.npm/_logs/x.log"),
        ("/Users/bob/Library/x", "~/Library/x"),
        ("/root/.cache/pip", "~/.cache/pip"),
        ("/tmp/tmpab3x9_qz/data.csv", "<tmp>/*/data.csv"),
        ("/tmp/pytest-of-root/pytest-12/test_x0/report.txt", "<tmp>/*/*/*/report.txt"),
        ("/var/folders/xy/abc123/T/tmpk2/x", "<tmp>/*/x"),
        ("/tmp/build.log", "<tmp>/build.log"),
        (
            'File "/usr/lib/python3.11/json/decoder.py", line 355',
            'File "<pystdlib>/json/decoder.py", line <n>',
        ),
        (
            "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/requests/api.py",
            "<pylib>/requests/api.py",
        ),
        ("/usr/lib/node_modules/npm/lib/cli.js:12:5", "<node_modules>/npm/lib/cli.js:<n>:<n>"),
        ("at loadConfig (src/build.js:3:24)", "at loadConfig (src/build.js:<n>:<n>)"),
        ("Makefile:5: recipe", "Makefile:<n>: recipe"),
        ("src/x.ts(3,5): error TS2304", "src/x.ts(<n>,<n>): error TS2304"),
        ("1 failed, 10 passed, 2 warnings in 2.13s", "<n> failed, <n> passed, <n> warnings in <dur>"),
        ("took 530ms, then 12.5 seconds", "took <dur>, then <dur>"),
        ("Command timed out after 2m 0s", "Command timed out after <dur> <dur>"),
        ("at 2026-11-21T05:03:42.559Z and 2026-11-21 05:03:42,12", "at <time> and <time>"),
        ("log 2026-11-21T05_03_42_559Z-debug-0.log", "log <time>-debug-0.log"),
        ("[05:03:36] step", "[<time>] step"),
        ("<Basket object at 0x7fba719ca090>", "<Basket object at 0x<hex>>"),
        ("session 0f8fad5b-d9cb-469f-a165-70867728950e", "session <uuid>"),
        ("tool_use_id toolu_01AbCdEf23456789", "tool_use_id <id>"),
        ("commit 3f2a9c1d7e and abc1234", "commit <hex> and <hex>"),
        ("connect ECONNREFUSED 127.0.0.1:54321", "connect ECONNREFUSED <ip>:<n>"),
        ("ssh: connect to host 10.0.0.5 port 22: refused", "ssh: connect to host <ip> port <n>: refused"),
        ("inet 192.168.1.20/24 brd 192.168.1.255", "inet <ip>/24 brd <ip>"),
        ("dial tcp [::1]:5432: connect: connection refused", "dial tcp [<ip>]:<n>: connect: connection refused"),
        ("from fe80::1ff:fe23:4567:890a port 22", "from <ip> port <n>"),
        ("host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 down", "host <ip> down"),
        ("Killed process 12345 (python) pid=4242", "Killed process <n> (python) pid=<n>"),
        ("sh: 12: foo: not found", "sh: <n>: foo: not found"),
        ("make[2]: *** [all] Error 1", "make[<n>]: *** [all] Error 1"),
        ("\x1b[31mError\x1b[0m: boom", "Error: boom"),
        ("progress 10%\rprogress 50%\rprogress 100%\ndone", "progress 100%\ndone"),
        (
            "token=abc123secret and Authorization: Bearer abcdef123456",
            "token=<secret> and Authorization: <secret>",
        ),
        ("https://user:hunter2@example.com/x", "https://user:<secret>@example.com/x"),
    ],
)
def test_normalize_text_masks(raw: str, masked: str) -> None:
    assert normalize_text(raw, "/work/shopapp") == masked


@pytest.mark.parametrize(
    "keep",
    [
        "ModuleNotFoundError: No module named 'requests'",
        "Exit code 2",
        "HTTP 404 Not Found",
        "[Errno 2] No such file or directory: 'config/settings.yaml'",
        'npm error Missing script: "build"',
        "error: pathspec 'release-2' did not match any file(s) known to git",
        "Python 3.11.7",
        "deadbeef cafe",
        "npm ERR! node v20.1.2.3",
        "version 1.2.3.4.5",
        "not an address 999.1.1.1",
        "std::vector and abc::def",
        "mac 00:1a:2b:3c:4d:5e",
    ],
)
def test_normalize_text_keeps_what_tells_incidents_apart(keep: str) -> None:
    assert normalize_text(keep, "/work/shopapp") == keep


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("cd /work/shopapp && npm run build", "npm run build"),
        ('cd "/work/shopapp"; pytest -q', "pytest -q"),
        ("cd /work/shopapp/web && npm test", "cd <ws>/web && npm test"),
        ("FOO=1 API_KEY=sk-abcdefabcdefabcdefabcd npm run build 2>&1 | tail -20", "npm run build"),
        ("python -m pytest tests/ -x  2>&1 | head -n 50", "python -m pytest tests/ -x"),
        ("env DEBUG=1 node app.js", "env node app.js"),
        ("curl -H 'Authorization: Bearer abcdef123456' http://127.0.0.1:8080/api", None),
        ("python3 - <<'EOF'\nimport os\nprint(os.getcwd())\nEOF", "python3 - <<EOF <heredoc>"),
        ("pytest \\\n   tests/test_x.py   -q", "pytest tests/test_x.py -q"),
        ("cat /tmp/tmpab3x9_qz/out.json", "cat <tmp>/*/out.json"),
        ("kill 48213 && sleep 5", "kill <n> && sleep 5"),
    ],
)
def test_normalize_command(command: str, key: str | None) -> None:
    normalized = normalize_command(command, "/work/shopapp")
    if key is None:
        assert "abcdef123456" not in normalized and "8080" not in normalized
    else:
        assert normalized == key


def test_commands_that_differ_keep_differing() -> None:
    pairs = [
        ("npm run build", "npm run test"),
        ("git push", "git pull"),
        ("python3 -c 'import requests'", "python3 -c 'import yaml'"),
        ("pytest tests/test_a.py", "pytest tests/test_b.py"),
    ]
    for first, second in pairs:
        assert normalize_command(first, "/w/shopapp") != normalize_command(second, "/w/shopapp")


# ---------------------------------------------------------------- tools and shapes


def test_missing_module_names_split_incidents() -> None:
    def missing(module: str) -> Fingerprint:
        error = (
            "Exit code 1\nTraceback (most recent call last):\n"
            '  File "/w/shopapp/app.py", line 3, in <module>\n'
            f"    import {module}\nModuleNotFoundError: No module named '{module}'"
        )
        return fingerprint("Bash", {"command": "python app.py"}, error, "/w/shopapp")

    assert missing("requests").error_class == "ModuleNotFoundError: requests"
    assert missing("requests").digest != missing("yaml").digest


def test_file_tools_use_workspace_relative_paths() -> None:
    first = fingerprint("Read", {"file_path": "/a/shopapp/src/x.py"}, "File does not exist.", "/a/shopapp")
    second = fingerprint(
        "Read", {"file_path": "/b/c/shopapp/src/x.py"}, "File does not exist.", "/b/c/shopapp"
    )
    other = fingerprint("Read", {"file_path": "/a/shopapp/src/y.py"}, "File does not exist.", "/a/shopapp")
    assert first.command == "Read src/x.py"
    assert first.digest == second.digest != other.digest
    outside = fingerprint("Read", {"file_path": "/home/ann/notes.txt"}, "File does not exist.", "/a/shopapp")
    assert outside.command == "Read ~/notes.txt"


def test_mcp_and_unknown_tools_are_fingerprinted_generically() -> None:
    error = "Error: rate limited (request req_011CXk2abcdEFGH, retry in 30s)"
    first = fingerprint("mcp__github__create_issue", {"title": "x", "body": "y"}, error, "/w/shopapp")
    again = fingerprint(
        "mcp__github__create_issue", {"title": "z"}, error.replace("30s", "12s"), "/w/shopapp"
    )
    other = fingerprint("mcp__github__create_issue", {}, "Error: not found", "/w/shopapp")
    assert first.digest == again.digest != other.digest
    assert first.error_class.startswith("mcp__github__create_issue: Error: rate limited")
    assert first.command == ""


@pytest.mark.parametrize("tool_input", [None, {}, {"command": 12}, {"file_path": None}])
def test_odd_inputs_do_not_crash(tool_input: dict[str, object] | None) -> None:
    fp = fingerprint("Bash", tool_input, "", None)
    assert fp.command == "" and re.fullmatch(r"[0-9a-f]{16}", fp.digest)
    assert fingerprint("", None, "Exit code 1\n", "").tool == "unknown"


def test_multi_megabyte_errors_are_bounded_and_still_classified() -> None:
    noise = "".join(
        f"Downloading part {i}/90000 {i % 100}% 1.{i % 9}MB/s error-free\n" for i in range(90_000)
    )
    tail = 'Traceback (most recent call last):\n  File "/w/shopapp/x.py", line 9, in run\nOSError: disk full'
    error = "Exit code 1\n" + noise + tail
    assert len(error) > 4_000_000
    started = time.perf_counter()
    fp = fingerprint("Bash", {"command": "python x.py"}, error, "/w/shopapp")
    elapsed = time.perf_counter() - started
    assert fp.error_class == "OSError"
    assert elapsed < 0.05, elapsed


def test_noise_before_the_error_does_not_split_an_incident() -> None:
    item = corpus_item("py-missing-module-nosuchmod")
    exit_line, output = item["error"].split("\n", 1)
    noisy = f"{exit_line}\nCollecting stuff\n  Downloading x-1.2.tar.gz (52 kB) 45% eta 0:00:03\n{output}"
    assert fp_of(item, noisy) == fp_of(item)


def test_digest_is_pinned_and_independent_of_hash_seed() -> None:
    """A changed digest silently splits every known incident: change DIGEST_VERSION on purpose instead."""
    item = corpus_item("npm-missing-script-build")
    assert fp_of(item).digest == PINNED_NPM_DIGEST
    script = (
        "import json,sys; from nevo.fingerprint import fingerprint; d=json.load(open(sys.argv[1]));"
        "print(fingerprint(d['tool_name'], d['tool_input'], d['error'], d['cwd']).digest)"
    )
    path = CORPUS_DIR / "npm-missing-script-build__a.json"
    root = Path(__file__).resolve().parent.parent
    for seed in ("1", "987"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True
        )
        assert done.stdout.strip() == PINNED_NPM_DIGEST, done.stderr


PINNED_NPM_DIGEST = "084587f6b2f76c61"


def test_fingerprint_is_fast_on_the_corpus() -> None:
    timings = []
    for item in CORPUS:
        normalize_command.cache_clear()  # measure the uncached path
        started = time.perf_counter()
        fp_of(item)
        timings.append(time.perf_counter() - started)
    # The design budget is 0.2 ms typical; the bound leaves room for a loaded CI machine.
    assert statistics.median(timings) < 0.001, statistics.median(timings)


# ---------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.text(max_size=80), st.sampled_from(["Bash", "Read", "Edit", "mcp__x__y"]))
def test_digest_is_deterministic(error: str, command: str, tool: str) -> None:
    first = fingerprint(tool, {"command": command}, error, "/w/shopapp")
    second = fingerprint(tool, {"command": command}, error, "/w/shopapp")
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{16}", first.digest)


def perturb(error: str, rnd: random.Random) -> str:
    """Change only what the masks are meant to hide: line numbers, positions, timings, addresses."""
    error = re.sub(r"line \d+", lambda m: f"line {rnd.randint(1, 99999)}", error)
    error = re.sub(
        r"(\.py|\.js|Makefile|loader|execution|helpers|vm|run_main|run_main_module)((?::\d+)+)",
        lambda m: m.group(1) + "".join(f":{rnd.randint(1, 9999)}" for _ in m.group(2).split(":")[1:]),
        error,
    )
    error = re.sub(r"0x[0-9a-f]+", lambda m: hex(rnd.getrandbits(48)), error)
    error = re.sub(r"\b\d+\.\d+s\b", lambda m: f"{rnd.random() * 100:.2f}s", error)
    return error


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CORPUS), st.randoms(use_true_random=False))
def test_digest_is_invariant_under_masking_only_changes(item: dict[str, Any], rnd: random.Random) -> None:
    assert fp_of(item, perturb(item["error"], rnd)).digest == fp_of(item).digest


NOISE_LINES = st.lists(
    st.sampled_from(
        [
            "Downloading shards: ######## 45% 3.2MB/s eta 0:00:03",
            "step 17/120 took 0.0123s mem=48213KB",
            "  Using cached package-1.2.3-py3-none-any.whl (52 kB)",
            "[05:03:36] compiling module 12 of 40",
            "warning: deprecated option --foo",
        ]
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([i for i in CORPUS if i["error"].startswith("Exit code")]), NOISE_LINES)
def test_noisy_output_before_a_known_error_keeps_the_incident(item: dict[str, Any], noise: list[str]) -> None:
    original = fp_of(item)
    if original.error_class.startswith("exit "):  # unknown output: its last line is all we have
        return
    exit_line, _, output = item["error"].partition("\n")
    assert fp_of(item, "\n".join([exit_line, *noise, output])).digest == original.digest


def test_the_same_failure_against_another_address_is_the_same_incident() -> None:
    def ssh(host: str) -> Fingerprint:
        error = f"Exit code 255\nssh: connect to host {host} port 22: Connection refused"
        return fingerprint("Bash", {"command": f"ssh deploy@{host} uptime"}, error, "/work/shopapp")

    assert ssh("10.0.0.5").digest == ssh("10.0.0.9").digest == ssh("fd00::5").digest
    assert ssh("10.0.0.5").digest != fingerprint(
        "Bash", {"command": "ssh deploy@10.0.0.5 uptime"}, "Exit code 255\nPermission denied (publickey).", None
    ).digest


@pytest.mark.parametrize(
    "message",
    [
        "make: *** No rule to make target 'deploy'.  Stop.",  # GNU make 4
        "make: *** No rule to make target `deploy'.  Stop.",  # GNU make 3.81 (macOS)
        "make: *** No rule to make target deploy.  Stop.",
        "make: *** No rule to make target `deploy', needed by `all'.  Stop.",
        "make: *** No rule to make target 'deploy', needed by 'all'.  Stop.",
    ],
)
def test_make_no_rule_names_the_target_in_every_quote_style(message: str) -> None:
    found = fingerprint("Bash", {"command": "make all"}, f"Exit code 2\n{message}", None)
    assert found.error_class == "make: no rule to make target deploy"
