"""The mechanisms of the judgment that the blind corpus (tests/blind_corpus/) found wrong, a few representative
cases each. Outputs are the real tools' texts as Claude Code reported them (Exit code N, then the output)."""

from __future__ import annotations

import pytest

from nevo.calls import actions
from nevo.diagnosis import diagnose
from nevo.harm import classify, deletions
from nevo.lesson import Call, judge
from nevo.recovery import Clues, relate, similar
from nevo.shell import segments
from nevo.weakening import edit_weakens, weakens

ROOT = "/w"


def bash(command: str, output: str = "", ok: bool = True, cwd: str = ROOT) -> Call:
    if not ok and not output.startswith("Exit code"):
        output = f"Exit code 1\n{output}"
    return Call("Bash", {"command": command}, ok, output, cwd=cwd)


def one(command: str, cwd: str = ROOT) -> object:
    [action] = actions("Bash", {"command": command}, cwd, ROOT)
    return action


# ---------------------------------------------------------------------------------------- what the error says


@pytest.mark.parametrize(
    "output,kind,klass",
    [
        # A tool's own "error:" line is how it is used, not the project's code failing at run time.
        ("error: the package 'num' does not contain this feature: fastmath", "unknown-option", "env"),
        ("Error: in prepare, no such table: user", "missing-table", "env"),
        (
            "Error: Could not find or load main class Main\nCaused by: java.lang.ClassNotFoundException: Main",
            "missing-class",
            "env",
        ),
        ("Error: /w/build is not a directory", "missing-path", "env"),
        ("error: src refspec release/1.4 does not match any", "missing-branch", "env"),
        ("error: something went wrong", "unknown", "unknown"),
        # A named exception is still the work failing.
        (
            'Traceback (most recent call last):\n  File "a.py", line 1\nTypeError: unsupported operand',
            "runtime-error",
            "work",
        ),
        ("TypeError: Cannot read properties of undefined (reading 'toFixed')", "runtime-error", "work"),
        ("parse error: Expected another key-value pair at line 4, column 1", "parse-error", "work"),
    ],
)
def test_a_tools_error_line_is_not_taken_for_the_code_failing(output: str, kind: str, klass: str) -> None:
    found = diagnose(output)
    assert (found.kind, found.klass) == (kind, klass)


@pytest.mark.parametrize(
    "output,kind,subject",
    [
        ("git: 'stauts' is not a git command. See 'git --help'.", "unknown-command", "stauts"),
        ("error: no such command: `clippyy`", "unknown-command", "clippyy"),
        (
            "fatal: 'upstream' does not appear to be a git repository\nfatal: Could not read from remote repository.",
            "no-remote",
            "upstream",
        ),
        (
            'Traceback (most recent call last):\n  File "/w/serve.py", line 2, in <module>\n'
            "    mode = os.environ['APP_MODE']\n  File \"<frozen os>\", line 679, in __getitem__\nKeyError: 'APP_MODE'",
            "missing-env",
            "APP_MODE",
        ),
        ("ImportError: attempted relative import with no known parent package", "run-as-module", ""),
        ("src/main.c:1:10: fatal error: util.h: No such file or directory", "missing-header", "util.h"),
        (
            "Can't locate Local/Util.pm in @INC (you may need to install the Local::Util module)",
            "missing-library",
            "Local/Util.pm",
        ),
        (
            "<tool_use_error>Directory does not exist: /w/tests. Note: your current working directory is /w.",
            "missing-path",
            "/w/tests",
        ),
        ("jq: error: Could not open file package.jsn: No such file or directory", "missing-path", "package.jsn"),
        ("tar (child): dist/app.tar.gz: Cannot open: No such file or directory", "missing-path", "dist/app.tar.gz"),
        ("awk: cannot open sales.csv (No such file or directory)", "missing-path", "sales.csv"),
        ('Can\'t open perl script "scripts/report.pl": No such file or directory', "missing-path", "scripts/report.pl"),
        (
            "make: Makefile: No such file or directory\nmake: *** No rule to make target 'Makefile'.  Stop.",
            "missing-path",
            "Makefile",
        ),
        ("Error: Cannot find module '/w/index.js'", "missing-path", "/w/index.js"),
        ("Error: Cannot find module 'left-pad-local'", "missing-module", "left-pad-local"),
        # A sentence around a path is not a path: no subject rather than a wrong one.
        ("stat: cannot read file system information for '%z': No such file or directory", "unknown", ""),
        ("sed: can't read s/debug = true/debug = false/: No such file or directory", "unknown", ""),
    ],
)
def test_the_environment_errors_name_what_is_missing(output: str, kind: str, subject: str) -> None:
    found = diagnose(output)
    assert (found.kind, found.subject) == (kind, subject)


# ---------------------------------------------------------------------------------------- what a call does


def test_an_assignment_in_front_is_not_another_program() -> None:
    a, b = one("MODE=dev python3 serve.py"), one("APP_MODE=dev python3 serve.py")
    assert relate(a, b).changed == ("env",)  # not "runner": the program is python3 both times


@pytest.mark.parametrize(
    "command",
    [
        "python3 tool.py --help",
        "python3 tool.py -h",
        "cargo --version",
        "git tag",
        "git branch -a",
        "git config --get user.email",
        "npm help",
        "make --help",
    ],
)
def test_a_call_that_asks_about_the_program_or_lists_only_looks(command: str) -> None:
    assert one(command).intent == "look"  # type: ignore[attr-defined]


def test_the_interpreters_own_options_and_version_are_how_it_runs() -> None:
    assert relate(one("perl bin/report.pl"), one("perl -Ilib bin/report.pl")).kind == "how"
    assert relate(one("python2 check.py"), one("python3 check.py")).kind == "how"
    assert one("python3.12 -m pkg.cli").family == "script"  # type: ignore[attr-defined]


def test_env_chdir_runs_the_command_in_another_folder() -> None:
    assert segments("env --chdir=web npm test")[0].chdir == "web"
    assert segments("env -C web npm test")[0].program == "npm"
    assert relate(one("npm test"), one("env -C client npm test")).kind == "how"


def test_listers_and_searchers_read_their_option_values_and_patterns() -> None:
    tree, find = one("tree -L 2"), one("find . -maxdepth 2 -not -path './.git*'")
    assert tree.targets == (".",) and relate(tree, find).kind == "other-tool"  # type: ignore[attr-defined]
    named = one("find . -type d -name components")
    assert named.intent == "search"  # type: ignore[attr-defined]  # looking for where a thing is
    assert relate(one("ls src/components"), named).kind == "none"
    assert relate(one("ack -l deprecated"), one("grep -rl deprecated .")).kind == "other-tool"
    assert relate(one("grep -rn TODO src"), one("grep -rn FIXME src")).kind == "none"  # another pattern


# ---------------------------------------------------------------------------------------- relating words


def test_close_names_include_swapped_letters_never_another_host() -> None:
    assert similar("scr", "src") and similar("stauts", "status")
    assert not similar("deploy", "yolepd") and not similar("release", "esaeler")  # not two neighbours swapped
    assert similar("http:/127.0.0.1:8081/health", "http:/127.0.0.1:8080/health")
    assert not similar("https:/api.example.com/v1/items", "http:/127.0.0.1:8080/api/v1/items")


def test_one_swapped_word_must_stand_for_the_old_one() -> None:
    select = one("sqlite3 app.db 'select count(*) from user;'")
    assert relate(select, one("sqlite3 app.db .tables")).kind == "none"
    assert relate(select, one("sqlite3 app.db 'select count(*) from users;'")).kind == "word"


def test_a_misspelled_subcommand_and_the_remote_that_exists() -> None:
    named = Clues(named=lambda w: w in ("stauts", "upstream"), seen=lambda w: w == "origin")
    assert relate(one("git stauts"), one("git status --short"), named).kind == "word"
    assert relate(one("git stauts"), one("git stash"), named).kind == "none"
    assert relate(one("git fetch upstream"), one("git fetch origin"), named).kind == "word"
    # A make target or a script is a job: another one the agent saw is another job, not the missing one.
    jobs = Clues(named=lambda w: w == "deploy", seen=lambda w: w == "test")
    assert relate(one("make deploy"), one("make test"), jobs).kind == "none"


def test_dropping_the_word_the_error_named_is_giving_up_not_a_fix() -> None:
    failed = bash("make bench", "make: *** No rule to make target 'bench'.  Stop.", ok=False)
    verdict = judge(failed, [bash("git diff --stat"), bash("make")], root=ROOT)
    assert verdict.kind == "none" and verdict.guard is None


# ---------------------------------------------------------------------------------------- the verdict


def test_the_same_call_working_later_makes_what_came_between_the_preparation() -> None:
    failed = bash("cmake --build build", "Error: /w/build is not a directory", ok=False)
    verdict = judge(failed, [bash("cmake -S . -B build"), bash("cmake --build build")], root=ROOT)
    assert (verdict.kind, verdict.fix_kind, verdict.distance) == ("lesson", "prepare", 1)
    assert verdict.prepare == ("cmake -S . -B build",) and verdict.guard is None


def test_a_wrong_local_port_is_a_lesson_an_unreachable_host_is_not() -> None:
    refused = "curl: (7) Failed to connect to 127.0.0.1 port 8081 after 0 ms: Couldn't connect to server"
    port = judge(
        bash("curl -sS http://127.0.0.1:8081/health", refused, ok=False),
        [bash("curl -sS http://127.0.0.1:8080/health", '{"status": "ok"}')],
        root=ROOT,
    )
    assert port.kind == "lesson" and "nothing listens on that port" in port.lesson
    host = judge(
        bash("curl -fsS https://api.example.com/v1/items", "curl: (6) Could not resolve host", ok=False),
        [bash("curl -fsS http://127.0.0.1:8080/api/v1/items", "[]")],
        root=ROOT,
    )
    assert host.kind == "none"


@pytest.mark.parametrize(
    "fix",
    [
        "rm -rf build && cmake -S . -B build",
        "rm -f data/app.db && python3 manage.py migrate",
        "rm -rf node_modules && npm install && node app.js",
    ],
)
def test_a_fix_that_threw_things_away_is_harmful(fix: str) -> None:
    failed = bash(
        fix.split("&& ", 1)[1], "CMake Error: the source does not match the source used to generate cache", ok=False
    )
    verdict = judge(failed, [bash(fix)], root=ROOT)
    assert verdict.kind == "harmful" and verdict.guard is None and not verdict.lesson
    assert deletions(fix) and not classify("rm -rf node_modules dist")  # as a command alone: ordinary


@pytest.mark.parametrize(
    "failed,fixed",
    [
        ("make all", "make -i all"),
        ("make", "make CFLAGS=-w"),
        ("cargo build -q", "RUSTFLAGS='--cap-lints warn' cargo build -q"),
        (
            "sqlite3 shop.db 'PRAGMA foreign_keys=ON; delete from customers where id=1;'",
            "sqlite3 shop.db 'PRAGMA foreign_keys=OFF; delete from customers where id=1;'",
        ),
        ("node --test", "node --test --test-name-pattern='^parses'"),
    ],
)
def test_silencing_a_check_is_weakening(failed: str, fixed: str) -> None:
    assert weakens(failed, fixed)


def test_a_workspace_flag_is_not_a_silenced_warning() -> None:
    assert not weakens("npm run build", "npm run build -w packages/ui")


def test_an_edit_that_lowers_a_threshold_silences_the_check() -> None:
    assert edit_weakens("fail_under = 85", "fail_under = 40") == "fail_under 85 -> 40"
    assert edit_weakens("fail_under = 85", "fail_under = 90") == ""
    assert edit_weakens("timeout = 30", "timeout = 10") == ""  # not a threshold


def test_a_fix_with_words_the_shell_expands_is_named_not_written_into_the_call() -> None:
    failed = bash("tree -L 2", "/bin/bash: line 1: tree: command not found", ok=False)
    verdict = judge(failed, [bash("find . -maxdepth 2 -not -path './.git*'")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.guard is not None and verdict.guard.action == "deny"


def test_a_node_module_is_no_python_module_to_check() -> None:
    failed = bash("node app.js", "Error: Cannot find module 'left-pad-local'\nRequire stack:", ok=False)
    verdict = judge(failed, [bash("NODE_PATH=vendor node app.js", "ok")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.cause is None and verdict.guard is None


# ---------------------------------------------------------------------------------------- found by phase 3


@pytest.mark.parametrize(
    "output,kind,subject",
    [
        (
            'psql: error: connection to server on socket "/tmp/pg/.s.PGSQL.5499" failed: FATAL:  database "appdb" does '
            "not exist",
            "missing-database",
            "appdb",
        ),
        ('psql: error: connection ... failed: FATAL:  role "admin" does not exist', "missing-role", "admin"),
        ('ERROR:  relation "users" does not exist\nLINE 1: select * from users limit 1', "missing-table", "users"),
        (
            "manage.py: error: argument command: invalid choice: 'migrations' (choose from 'migrate', 'seed')",
            "unknown-command",
            "migrations",
        ),
        ("zstd: can't stat logs.tar.zst : No such file or directory -- ignored", "missing-path", "logs.tar.zst"),
        ("unzip:  cannot find or open release.zip, release.zip.zip or release.zip.ZIP.", "missing-path", "release.zip"),
        (
            "Could not open file or uri for loading certificate from cert.pem\n40B7:error:16000069:STORE routines",
            "missing-path",
            "cert.pem",
        ),
        ("psql: error: schema.sql: No such file or directory", "missing-path", "schema.sql"),
    ],
)
def test_more_tools_say_what_is_missing(output: str, kind: str, subject: str) -> None:
    found = diagnose(output)
    assert (found.kind, found.subject) == (kind, subject)


@pytest.mark.parametrize(
    "output,kind",
    [
        ("deploy/check.sh: line 4: syntax error near unexpected token `fi'", "compile-error"),
        (
            'Exception in thread "main" java.lang.IllegalStateException: add(2,2) = 0\n\tat Calc.main(Calc.java:6)',
            "runtime-error",
        ),
    ],
)
def test_a_script_that_does_not_parse_or_throws_is_the_work(output: str, kind: str) -> None:
    assert (diagnose(output).kind, diagnose(output).klass) == (kind, "work")


@pytest.mark.parametrize(
    "command,kind",
    [
        ("curl -fsSk https://localhost:8443/health", "weakening"),
        ("wget -qO- --no-check-certificate https://localhost:8443/", "weakening"),
        ("NODE_TLS_REJECT_UNAUTHORIZED=0 node status.mjs", "weakening"),
        ("git -c http.sslVerify=false fetch", "weakening"),
        ("npm config set strict-ssl false", "unsafe"),
        ("git config http.sslVerify false", "unsafe"),
        ("psql -d shop -c 'alter table customers drop constraint customers_email_key'", "destructive"),
    ],
)
def test_turning_checks_off_or_dropping_constraints_is_found(command: str, kind: str) -> None:
    assert kind in {f.kind for f in classify(command)}
    assert not classify("git config http.sslVerify true") and not classify("curl -o out.txt https://x")


@pytest.mark.parametrize(
    "failed,fixed",
    [
        ("ctest --test-dir build", "ctest --test-dir build -E parser"),
        ("python3 -m pytest -q tests/test_totals.py", "python3 -m pytest -q --co tests/test_totals.py"),
        ("cmake --build build", "cmake -S . -B build -DCMAKE_C_FLAGS=-w && cmake --build build"),
    ],
)
def test_running_fewer_tests_or_none_and_silencing_the_compiler_is_weakening(failed: str, fixed: str) -> None:
    assert weakens(failed, fixed)


def test_psql_reads_its_database_and_command_as_what_it_acts_on() -> None:
    failed = one("psql -d appdb -c 'select count(*) from accounts'")
    assert failed.targets == ("appdb", "select count(*) from accounts")  # type: ignore[attr-defined]
    assert one("psql -l").intent == "look"  # type: ignore[attr-defined]
    assert relate(failed, one("psql -d app -c 'select count(*) from accounts'")).kind == "word"
    assert relate(one("psql -U admin -d x -c 'select 1'"), one("psql -U postgres -d x -c 'select 1'")).kind == "how"
    # Another database and another query is other work, however alike the queries read.
    other = one("psql -d app_n1 -c 'select count(*) from users'")
    assert relate(one("psql -d analytics -c 'select count(*) from events'"), other).kind == "none"


def test_what_a_command_reads_and_what_it_sources_are_what_it_acts_on() -> None:
    assert relate(
        one("envsubst < config.tmpl > config.ini"), one("envsubst < templates/config.tmpl > out.ini")
    ).kind == ("word")
    failed = bash(
        "source venv/bin/activate && python -c 'import sys'", "bash: venv/bin/activate: No such file", ok=False
    )
    verdict = judge(failed, [bash("source .venv/bin/activate && python -c 'import sys'")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.fix_kind == "replace"


def test_a_scripts_arguments_are_words_too() -> None:
    assert relate(one("python3 -m json.tool settings.json"), one("python3 -m json.tool config/settings.json")).kind == (
        "word"
    )
    assert relate(one("./scripts/bump.sh"), one("./scripts/bump.sh 1.4.0")).kind == "added"
    assert relate(one("python3 migrate.py upgrade"), one("python3 migrate.py heads")).kind == "none"


def test_a_name_the_tool_itself_offered_counts_only_right_after_looking() -> None:
    error = "error: no example target named `demo` in default-run packages\nhelp: available example targets:\n    basic"
    failed = bash("cargo run -q --example demo", error, ok=False)
    right_after = judge(failed, [bash("ls examples", "basic.rs"), bash("cargo run -q --example basic")], root=ROOT)
    assert right_after.kind == "lesson" and right_after.distance == 1
    after_other_work = [bash("cargo build -q"), bash("git log --oneline -1"), bash("cargo run -q --example basic")]
    assert judge(failed, after_other_work, root=ROOT).kind == "none"
    choices = "manage.py: error: argument command: invalid choice: 'migrations' (choose from 'migrate', 'seed')"
    verdict = judge(
        bash("python3 manage.py migrations", choices, ok=False), [bash("python3 manage.py migrate")], root=ROOT
    )
    assert verdict.kind == "lesson"


def test_another_subcommand_for_the_same_job_and_a_program_run_by_its_path() -> None:
    assert relate(one("npm ci"), one("npm install")).kind == "how"
    assert relate(one("npm test"), one("npm install")).kind == "none"
    assert relate(one("deploy-check --env staging"), one("./bin/deploy-check --env staging")).kind == "how"
    failed = bash("terraform apply -input=false -auto-approve", "Error: No value for required variable", ok=False)
    assert judge(failed, [bash("terraform plan -input=false -var env=prod")], root=ROOT).kind == "weakened"


def test_a_compile_error_passed_with_other_flags_is_how_it_is_built_an_edit_is_work() -> None:
    error = "sum.cpp:2:23: error: 'requires' does not name a type"
    failed = bash("g++ -o sum sum.cpp", error, ok=False)
    assert judge(failed, [bash("g++ -std=c++20 -o sum sum.cpp")], root=ROOT).kind == "lesson"
    edit = Call("Edit", {"file_path": "/w/sum.cpp", "old_string": "a", "new_string": "b"}, True, "updated", cwd=ROOT)
    assert judge(failed, [edit, bash("g++ -std=c++20 -o sum sum.cpp")], root=ROOT).kind == "work"


def test_the_segments_a_failed_call_had_are_no_extra_in_its_re_run() -> None:
    error = 'Exception in thread "main" java.lang.IllegalStateException: add(2,2) = 0'
    failed = bash("javac -d out src/Calc.java && java -cp out Calc", error, ok=False)
    edit = Call("Edit", {"file_path": "/w/src/Calc.java", "old_string": "-", "new_string": "+"}, True, "ok", cwd=ROOT)
    verdict = judge(failed, [edit, bash("javac -d out src/Calc.java && java -cp out Calc")], root=ROOT)
    assert verdict.kind == "work" and not verdict.prepare


def test_a_weak_candidate_waits_for_a_better_one() -> None:
    failed = bash("./run.sh fast", "/bin/bash: line 1: ./run.sh: Permission denied", ok=False)
    verdict = judge(failed, [bash("./run.sh"), bash("bash run.sh fast")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 1 and verdict.fix == "bash run.sh fast"


# ---------------------------------------------------------------------------------------- the fourth month's misses


def test_a_refused_connection_to_this_machine_is_a_service_not_running_and_starting_it_is_the_lesson() -> None:
    worker = "poetry run celery -A tidepool worker --loglevel=info"
    refused = (
        "consumer: Cannot connect to redis://localhost:6379/0: Error 111 connecting to localhost:6379. "
        "Connection refused.."
    )
    verdict = judge(
        bash(worker, refused, ok=False),
        [bash("docker compose up -d redis", " Container tidepool-redis-1  Started"), bash(worker, "ready.")],
        root=ROOT,
    )
    assert verdict.kind == "lesson" and verdict.fix_kind == "prepare", verdict
    assert verdict.prepare == ("docker compose up -d redis",)
    assert "6379" in verdict.lesson
    pg = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    assert diagnose(pg).kind == "service-down" and diagnose(pg).subject == "5432"
    # Another host refusing is still the network: nothing about the project, nothing learned.
    remote = "curl: (7) Failed to connect to api.example.com port 443: Connection refused"
    assert diagnose(remote).klass == "network"
    again = judge(bash("curl https://api.example.com/x", remote, ok=False), [bash("curl https://api.example.com/x")])
    assert not again.teaches


def test_installing_a_system_package_as_root_is_the_step_before_not_a_weakening() -> None:
    output = "  × Failed to build `psycopg2==2.9.9`\n  Error: pg_config executable not found."
    failed = bash("uv sync", output, ok=False)
    verdict = judge(failed, [bash("sudo apt-get install -y libpq-dev", "Setting up libpq-dev"), bash("uv sync")])
    assert verdict.kind == "lesson" and verdict.prepare == ("sudo apt-get install -y libpq-dev",), verdict
    assert "`pg_config` is not on the PATH" in verdict.lesson
    # Root for anything else still only weakened what was asked.
    assert "weakening" in [f.kind for f in classify("sudo make install")]
    chowned = judge(
        bash("npm install", "npm ERR! code EACCES\nnpm ERR! Error: EACCES: permission denied", ok=False),
        [bash("sudo chown -R me /w/node_modules"), bash("npm install")],
    )
    assert not chowned.teaches, chowned


def test_the_failed_call_working_later_makes_what_came_between_the_step_before_it() -> None:
    upgrade = "uv run alembic upgrade head"
    heads = "FAILED: Multiple head revisions are present for given argument 'head'"
    verdict = judge(
        bash(upgrade, heads, ok=False),
        [bash("uv run alembic merge heads -m 'merge heads'", "Generating ... done"), bash(upgrade)],
    )
    assert verdict.kind == "lesson" and verdict.fix_kind == "prepare", verdict
    assert verdict.lesson.startswith("Run `uv run alembic merge heads -m 'merge heads'` before `uv run alembic")


# ---------------------------------------------------------------------------------------- phase 5 (TUNE5)


def glob(path: str, pattern: str, output: str, ok: bool) -> Call:
    return Call("Glob", {"pattern": pattern, "path": f"{ROOT}/{path}"}, ok, output, cwd=ROOT)


@pytest.mark.parametrize(
    "failed,fixed",
    [
        ("psql -q -v ON_ERROR_STOP=1 -d app -f seed.sql", "psql -q -d app -f seed.sql"),
        ("cargo clippy -q -- -D warnings", "cargo clippy -q"),
        ("RUSTFLAGS='-D warnings' cargo build", "cargo build"),
        ("cargo clippy -- -D warnings", "cargo clippy -- -A clippy::all"),
        ("python3 -m pytest -q", "python3 -m pytest -q -W ignore::DeprecationWarning"),
        ("gcc -Werror=format -o app app.c", "gcc -o app app.c"),
    ],
)
def test_a_dropped_strictness_flag_or_an_allow_all_weakens(failed: str, fixed: str) -> None:
    assert weakens(failed, fixed)
    verdict = judge(bash(failed, "error: 1 problem", ok=False), [bash(fixed, "ok")], root=ROOT)
    assert verdict.kind == "weakened" and verdict.guard is None


@pytest.mark.parametrize(
    "failed,fixed",
    [
        ("npm install --strict-ssl=false left-pad", "npm install left-pad"),  # dropping a weakening
        ("ls -A build", "ls -A dist"),
        ("grep -A 3 TODO a.py", "grep -A 3 FIXME a.py"),
    ],
)
def test_short_options_that_only_look_like_strictness_do_not_weaken(failed: str, fixed: str) -> None:
    assert not weakens(failed, fixed)


@pytest.mark.parametrize(
    "command",
    [
        "python3 migrate.py --reset",
        "./manage db --drop-all",
        "node seed.js --wipe",
        "git rebase --skip",
        "git cherry-pick --skip",
    ],
)
def test_options_that_throw_data_or_a_commit_away_are_destructive(command: str) -> None:
    assert any(f.kind == "destructive" for f in classify(command))


def test_a_flag_the_error_offers_that_drops_every_table_is_harm_not_a_lesson() -> None:
    failed = bash(
        "python3 migrate.py",
        "Exit code 1\nmigration 0007 failed: table users already exists. Run again with --reset to drop all tables.",
        ok=False,
    )
    verdict = judge(failed, [bash("python3 migrate.py --reset", "migrated")], root=ROOT)
    assert verdict.kind == "harmful" and verdict.guard is None


@pytest.mark.parametrize("answer,kind", [("git rebase --skip", "harmful"), ("git rebase --abort", "none")])
def test_answering_a_conflict_in_progress_is_not_the_failed_call_done_again(answer: str, kind: str) -> None:
    failed = bash(
        "git rebase -q origin/main",
        "Exit code 1\nCONFLICT (content): Merge conflict in conf.txt\nerror: could not apply d2f2c10... mine",
        ok=False,
    )
    assert judge(failed, [bash(answer, "")], root=ROOT).kind == kind
    assert not relate(one("git cherry-pick abc123"), one("git cherry-pick --continue")).related


@pytest.mark.parametrize(
    "check,fixer",
    [
        ("cargo fmt --check", "cargo fmt"),
        ("terraform fmt -check -no-color", "terraform fmt -no-color"),
        ("ruff check src", "ruff check --fix src"),
        ("npx prettier --check .", "npx prettier --write ."),
    ],
)
def test_a_check_passing_after_its_own_fixer_rewrote_the_files_is_work(check: str, fixer: str) -> None:
    failed = bash(check, "Exit code 1\nDiff in src/main.rs at line 1:", ok=False)
    verdict = judge(failed, [bash(fixer, ""), bash(check, "")], root=ROOT)
    assert verdict.kind == "work" and verdict.guard is None


@pytest.mark.parametrize(
    "failed,output,fixed",
    [
        (
            "python3 count.py data.csv",
            "Traceback (most recent call last):\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9",
            "python3 count.py --encoding latin-1 data.csv",
        ),
        ("node src/server.ts", "SyntaxError: Unexpected token ':'", "node dist/server.js"),
        (
            "python3 tools/report.py",
            '  File "tools/report.py", line 3\nSyntaxError: invalid syntax',
            "python2 tools/report.py",
        ),
    ],
)
def test_an_error_passed_another_way_with_no_edit_is_how_it_runs(failed: str, output: str, fixed: str) -> None:
    verdict = judge(bash(failed, f"Exit code 1\n{output}", ok=False), [bash(fixed, "ok")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 0


def test_a_bug_fixed_by_an_edit_stays_work_and_another_script_stays_unrelated() -> None:
    failed = bash("node src/server.js", "Exit code 1\nTypeError: x is not a function", ok=False)
    edit = Call("Edit", {"file_path": f"{ROOT}/src/server.js", "old_string": "x()", "new_string": "y()"}, True)
    assert judge(failed, [edit, bash("node src/server.js", "ok")], root=ROOT).kind == "work"
    assert judge(failed, [bash("node tools/lint.js", "ok")], root=ROOT).kind != "lesson"


@pytest.mark.parametrize(
    "failed,output,fixed",
    [
        ("pnpm --filter web build", "/bin/bash: line 1: pnpm: command not found", "npm run build -w web"),
        ("gunzip -k dump.sql.bz2", "gzip: dump.sql.bz2: unknown suffix -- ignored", "bunzip2 -k dump.sql.bz2"),
        ("tox -e py311", "/bin/bash: line 1: tox: command not found", "python3 -m pytest -q"),
        ("nox -s lint", "/bin/bash: line 1: nox: command not found", "make lint"),
    ],
)
def test_another_program_for_the_same_job_is_another_tool(failed: str, output: str, fixed: str) -> None:
    code = 127 if "command not found" in output else 1
    verdict = judge(bash(failed, f"Exit code {code}\n{output}", ok=False), [bash(fixed, "done")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 0


@pytest.mark.parametrize(
    "failed,later",
    [
        ("redis-cli ping", "python3 -m pytest -q"),  # no shared job: the agent moved on
        ("helm template chart", "cat chart/values.yaml"),  # only looked
        ("gunzip -k a.gz", "bunzip2 -k b.bz2"),  # another file
    ],
)
def test_a_missing_program_followed_by_unrelated_work_teaches_nothing(failed: str, later: str) -> None:
    name = failed.split()[0]
    output = f"Exit code 127\n/bin/bash: line 1: {name}: command not found"
    assert judge(bash(failed, output, ok=False), [bash(later, "ok")], root=ROOT).kind != "lesson"


def test_a_missing_program_replaced_by_one_the_agent_saw_named() -> None:
    failed = bash(
        "pre-commit run --all-files", "Exit code 127\n/bin/bash: line 1: pre-commit: command not found", False
    )
    config = bash("cat .pre-commit-config.yaml", "repos:\n  - hooks:\n      - id: ruff\n")
    verdict = judge(failed, [config, bash("ruff check .", "All checks passed!")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 1


@pytest.mark.parametrize(
    "failed,output,fixed",
    [
        (
            ".venv/bin/pip install -q -e .",
            "ERROR: file:///w does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found.",
            ".venv/bin/pip install -q -e packages/core",
        ),
        (
            "jq -r .name services.json",
            'jq: error (at services.json:1): Cannot index array with "name"',
            "jq -r '.[].name' services.json",
        ),
        (
            "wc -l $(find notes -name '*.md')",
            "wc: notes/meeting: No such file or directory",
            "find notes -name '*.md' -print0 | xargs -0 wc -l",
        ),
    ],
)
def test_the_same_job_in_a_sub_folder_with_another_filter_or_fed_otherwise(
    failed: str, output: str, fixed: str
) -> None:
    verdict = judge(bash(failed, f"Exit code 1\n{output}", ok=False), [bash(fixed, "ok")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 0


def test_a_listing_option_is_a_look_not_the_fix() -> None:
    assert one("cmake --list-presets").intent == "look"
    failed = bash("cmake --preset release", 'Exit code 1\nCMake Error: No such preset in /w: "release"', ok=False)
    verdict = judge(failed, [bash("cmake --list-presets", '  "rel"'), bash("cmake --preset rel", "done")], root=ROOT)
    assert verdict.kind == "lesson" and verdict.distance == 1


def test_a_glob_in_the_sibling_of_a_missing_folder_is_the_folder_it_meant() -> None:
    missing = (
        f"<tool_use_error>Directory does not exist: {ROOT}/deploy/k8s. Note: your current working directory is {ROOT}."
    )
    missing += "</tool_use_error>"
    failed = glob("deploy/k8s", "*.yaml", missing, ok=False)
    verdict = judge(
        failed, [glob("deploy/kubernetes", "*.yaml", f"{ROOT}/deploy/kubernetes/api.yaml", ok=True)], root=ROOT
    )
    assert verdict.kind == "lesson" and verdict.distance == 0
    other_pattern = glob("deploy/kubernetes", "*.json", "", ok=True)
    assert judge(failed, [other_pattern], root=ROOT).kind != "lesson"
    far = glob("docs", "*.yaml", f"{ROOT}/docs/a.yaml", ok=True)  # not beside it
    assert judge(failed, [far], root=ROOT).kind != "lesson"


@pytest.mark.parametrize(
    "old,new",
    [
        ("\t./scripts/check.sh\n", "\t-./scripts/check.sh\n"),
        ("\t@./lint.sh\n", "\t@-./lint.sh\n"),
        ("run_checks\n", "run_checks || true\n"),
    ],
)
def test_an_edit_that_makes_a_recipe_or_command_ignore_its_failure_weakens(old: str, new: str) -> None:
    assert edit_weakens(old, new)


# ---------------------------------------------------------------------------------------- HOLD5's two traps


@pytest.mark.parametrize(
    "command,kind",
    [
        ('git commit -qnm "wip"', "weakening"),  # -n inside a cluster of short flags: --no-verify
        ("git push -qn origin main", "weakening"),  # a dry run
        ("bash <(curl -fsSL https://example.com/install.sh)", "unsafe"),
        ('sh -c "$(curl -fsSL https://example.com/i.sh)"', "unsafe"),
        ("source <(wget -qO- https://example.com/env.sh)", "unsafe"),
        ('eval "$(curl -s https://example.com/x)"', "unsafe"),
    ],
)
def test_hidden_no_verify_and_running_a_download_are_found(command: str, kind: str) -> None:
    assert kind in [f.kind for f in classify(command)], classify(command)


@pytest.mark.parametrize(
    "command", ['git commit -minit', 'git commit -am "fix"', 'git commit -m "-n"', "bash <(cat local.sh)"]
)
def test_a_message_or_a_local_script_is_no_hidden_flag_or_download(command: str) -> None:
    assert classify(command) == ()


def test_a_success_after_running_a_download_or_skipping_the_hooks_teaches_nothing() -> None:
    failed = bash("git commit -qm 'wip'", "ruff....................Failed\n- hook id: ruff", ok=False)
    assert not judge(failed, [bash("git commit -qnm 'wip'")]).teaches
    missing = bash("task build", "bash: task: command not found", ok=False)
    installed = judge(missing, [bash("bash <(curl -fsSL https://taskfile.dev/install.sh)"), bash("task build")])
    assert installed.kind == "harmful", installed


# ---------------------------------------------------------------------------------------- the fifth memory month's


def test_a_runtime_error_gone_after_an_install_and_the_same_call_is_a_lesson_not_a_flake() -> None:
    run = "papermill notebooks/report.ipynb out.ipynb"
    error = "Traceback (most recent call last):\njupyter_client.kernelspec.NoSuchKernel: No such kernel named ferry"
    verdict = judge(bash(run, error, ok=False), [bash("python -m ipykernel install --user --name ferry"), bash(run)])
    assert verdict.kind == "lesson" and "no Jupyter kernel `ferry`" in verdict.lesson, verdict
    failing = bash("pytest tests/test_x.py", "E   AssertionError\nFAILED tests/test_x.py::test_a", ok=False)
    for between in ("git stash", "ls", "git pull"):  # nothing set up: a flake, or the code itself changed
        assert not judge(failing, [bash(between), bash("pytest tests/test_x.py")]).teaches, between


def test_another_program_s_quiet_or_is_no_weakening_but_the_failed_program_s_own_is() -> None:
    lock = "ERROR: Unable to acquire lock. Most likely another DVC process is running or was terminated abruptly."
    failed = bash("dvc exp run", lock, ok=False)
    steps = [bash("pgrep -af 'dvc ' || echo 'no dvc process'", "no dvc process"), bash("rm .dvc/tmp/lock")]
    verdict = judge(failed, [*steps, bash("dvc exp run")])
    assert verdict.kind == "lesson" and verdict.prepare[-1] == "rm .dvc/tmp/lock", verdict
    silenced = judge(failed, [bash("dvc exp run || true"), bash("dvc exp run")])
    assert not silenced.teaches and "|| true" not in (silenced.lesson or ""), silenced


def test_a_refused_local_port_named_by_a_client_library_is_a_service_to_start() -> None:
    refused = (
        "mlflow.exceptions.MlflowException: API request to http://localhost:5000/api/2.0/mlflow/runs/create failed "
        "with exception HTTPConnectionPool(host='localhost', port=5000): Max retries exceeded with url: /x "
        "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a "
        "new connection: [Errno 111] Connection refused'))"
    )
    assert diagnose(refused).kind == "service-down" and diagnose(refused).subject == "5000"
    started = [bash("docker compose up -d mlflow"), bash("pixi run train")]
    verdict = judge(bash("pixi run train", refused, ok=False), started)
    assert verdict.kind == "lesson" and "port 5000" in verdict.lesson, verdict


# ---------------------------------------------------------------------------------------- the review's cases


@pytest.mark.parametrize(
    "command,kind",
    [
        ("git commit -S -n -m wip", "weakening"),  # -S and -u take only a glued value: -n is still -n
        ("git commit -u -n -m wip", "weakening"),
        ("sudo apt-get install -y --allow-unauthenticated libpq-dev", "unsafe"),
        ("sudo dnf install -y --nogpgcheck https://mirror.example.net/libpq-devel.rpm", "unsafe"),
        ("sudo apt-get install ./libpq.deb", "weakening"),  # a file, not the repositories: root as ever
    ],
)
def test_flags_and_installs_that_weaken_are_found_wherever_they_hide(command: str, kind: str) -> None:
    assert kind in [f.kind for f in classify(command)], classify(command)


def test_a_failing_test_then_a_bash_edit_or_a_no_op_install_and_the_same_run_teaches_nothing() -> None:
    output = "E   AssertionError: assert 1 == 3\nFAILED tests/test_calc.py"
    failing = bash("pytest tests/test_calc.py", output, ok=False)
    steps = [bash("sed -i 's/a - b/a + b/' src/calc.py"), bash("pip install -e .")]
    assert not judge(failing, [*steps, bash("pytest tests/test_calc.py")]).teaches
    noop = bash("pip install -r requirements.txt", "Requirement already satisfied: x")
    assert not judge(failing, [noop, bash("pytest tests/test_calc.py")]).teaches


def test_only_a_step_that_starts_a_service_answers_a_refused_local_port() -> None:
    refused = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    failed = bash("uv run pytest tests/test_db.py", refused, ok=False)
    for step in ("mkdir -p logs/server", "chmod +x scripts/start.sh", "cp .env.example .env && echo up"):
        assert not judge(failed, [bash(step), bash("uv run pytest tests/test_db.py")]).teaches, step
    starts = ("make up", "brew services start postgresql@15", "pg_ctl -D data start", "docker run -d -p 5432:5432 pg")
    for step in starts:
        assert judge(failed, [bash(step), bash("uv run pytest tests/test_db.py")]).kind == "lesson", step


def test_another_program_silenced_is_a_weakening_unless_it_only_looked() -> None:
    failed = bash("python3 server.py", "ModuleNotFoundError: No module named 'api_pb2'", ok=False)
    verdict = judge(failed, [bash("bash scripts/codegen.sh || true"), bash("python3 server.py")])
    assert verdict.kind == "weakened", verdict
