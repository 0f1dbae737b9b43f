"""Phase 1, lessons: a failed call and, later in the session, the call that did what it meant to do."""

# ruff: noqa: E501 (scenario data: shell commands and file contents read best unbroken)

from __future__ import annotations

from tests.blind_corpus.dsl import GR, B, E, G, R, S, W, X, either, lesson
from tests.blind_corpus.projects import (
    CARGO_TOML,
    GIT_INIT,
    MAKEFILE,
    SERVE_PY,
    VENV,
    bare_remote,
    other_clone_pushes,
    package_json,
)

NODE_OK = "console.log('build ok: 14 modules')\n"

WORD = [
    S(
        "make-target-typo",
        "lesson/word",
        "make",
        [B("make biuld"), B("make build"), B("ls out")],
        lesson(1, "replace", "yes"),
        files={"Makefile": MAKEFILE},
    ),
    S(
        "make-target-other-name",
        "lesson/word",
        "make",
        [B("make test"), B("cat Makefile"), B("make check")],
        lesson(2, "replace", "yes"),
        files={"Makefile": MAKEFILE},
    ),
    S(
        "make-two-wrong-then-right",
        "lesson/word",
        "make",
        [B("make tests"), B("make test-all"), B("make unit")],
        lesson(2, "replace", "yes"),
        files={"Makefile": MAKEFILE},
    ),
    S(
        "make-variable-name",
        "lesson/word",
        "make",
        [B("make deploy-local MODE=staging"), B("make deploy-local ENV=staging")],
        lesson(1, "replace", "either"),
        files={
            "Makefile": "deploy-local:\n\t@test -n \"$(ENV)\" || (echo 'ENV must be set (dev, staging)'; exit 1)\n"
            '\t@echo "deployed to local $(ENV) stack"\n'
        },
    ),
    S(
        "git-checkout-master",
        "lesson/word",
        "git",
        [B("git checkout master"), B("git branch -a"), B("git checkout main"), B("git log --oneline -1")],
        lesson(2, "replace", "yes"),
        files={"README.md": "# api\n"},
        setup=(GIT_INIT, "git checkout -q -b feature/x"),
    ),
    S(
        "git-switch-develop",
        "lesson/word",
        "git",
        [B("git switch develop"), B("git switch dev")],
        lesson(1, "replace", "yes"),
        files={"README.md": "# svc\n"},
        setup=(GIT_INIT, "git branch dev"),
    ),
    S(
        "git-subcommand-typo",
        "lesson/word",
        "git",
        [B("git stauts"), B("git status --short")],
        lesson(1, "replace", "either"),
        files={"a.txt": "a\n"},
        setup=(GIT_INIT,),
    ),
    S(
        "git-remote-name",
        "lesson/word",
        "git",
        [B("git fetch upstream"), B("git remote -v"), B("git fetch origin")],
        lesson(2, "replace", "either"),
        files={"a.txt": "a\n"},
        setup=(GIT_INIT, bare_remote()),
    ),
    S(
        "git-tag-name",
        "lesson/word",
        "git",
        [B("git checkout v1.2"), B("git tag"), B("git checkout v1.2.0")],
        lesson(2, "replace", "either"),
        files={"a.txt": "a\n"},
        setup=(GIT_INIT, "git tag v1.2.0"),
    ),
    S(
        "npm-script-build",
        "lesson/word",
        "npm node",
        [B("npm run build"), B("cat package.json"), B("npm run compile")],
        lesson(2, "replace", "yes"),
        files={
            "package.json": package_json("web", {"compile": "node build.js", "start": "node build.js"}),
            "build.js": NODE_OK,
        },
    ),
    S(
        "npm-script-colon",
        "lesson/word",
        "npm node",
        [B("npm run test:unit"), B("npm run test-unit")],
        lesson(1, "replace", "yes"),
        files={"package.json": package_json("lib", {"test-unit": "node -e \"console.log('ok 9 tests')\""})},
    ),
    S(
        "npm-script-after-listing",
        "lesson/word",
        "npm",
        [B("npm run lint:fix"), B("npm run"), B("npm run lint-fix")],
        lesson(2, "replace", "yes"),
        files={
            "package.json": package_json(
                "ui",
                {"lint-fix": "node -e \"console.log('fixed 0 files')\"", "lint": "node -e \"console.log('clean')\""},
            )
        },
    ),
    S(
        "npm-local-package-name",
        "lesson/word",
        "npm node",
        [
            B("npm install --no-audit --no-fund ./libs/formater"),
            B("ls libs"),
            B("npm install --no-audit --no-fund ./libs/formatter"),
        ],
        lesson(2, "replace", "yes"),
        files={
            "package.json": package_json("app", {}),
            "libs/formatter/package.json": package_json("formatter", {}),
            "libs/formatter/index.js": "module.exports = (s) => s.trim();\n",
        },
    ),
    S(
        "python-script-name",
        "lesson/word",
        "python",
        [B("python3 scripts/migrate.py"), B("ls scripts"), B("python3 scripts/migrate_db.py")],
        lesson(2, "replace", "yes"),
        files={"scripts/migrate_db.py": "print('applied 3 migrations')\n", "scripts/seed.py": "print('seeded')\n"},
    ),
    S(
        "python-module-name",
        "lesson/word",
        "python",
        [B("python3 -m app.server"), B("ls app"), B("python3 -m app.main")],
        lesson(2, "replace", "yes"),
        files={
            "app/__init__.py": "",
            "app/main.py": "print('app started in check mode')\n",
            "app/routes.py": "ROUTES = []\n",
        },
    ),
    S(
        "argparse-flag",
        "lesson/word",
        "python",
        [B("python3 tool.py --verbose sync"), B("python3 tool.py --help"), B("python3 tool.py --debug sync")],
        lesson(2, "replace", "either"),
        files={
            "tool.py": "import argparse\np = argparse.ArgumentParser(prog='tool.py')\n"
            "p.add_argument('--debug', action='store_true')\np.add_argument('command')\n"
            "a = p.parse_args()\nprint(f'{a.command}: done (debug={a.debug})')\n"
        },
    ),
    S(
        "env-var-name",
        "lesson/word",
        "python",
        [B("MODE=dev python3 serve.py"), B("grep -n environ serve.py"), B("APP_MODE=dev python3 serve.py")],
        lesson(2, "replace", "either"),
        files={"serve.py": "import os\nmode = os.environ['APP_MODE']\nprint(f'configured for {mode}')\n"},
    ),
    S(
        "curl-port",
        "lesson/word",
        "curl",
        [B("curl -sS http://127.0.0.1:@FREE_PORT@/health"), B("curl -sS http://127.0.0.1:@HTTP_PORT@/health")],
        lesson(1, "replace", "either", note="the service listens on another port"),
    ),
    S(
        "file-case-cat",
        "lesson/word",
        "cat",
        [B("cat readme.md"), B("ls"), B("cat README.md")],
        lesson(2, "replace", "yes"),
        files={"README.md": "# Tools\nRun make.\n", "Makefile": MAKEFILE},
    ),
    S(
        "cargo-bin-name",
        "lesson/word",
        "cargo",
        [B("cargo run -q --bin srever"), B("cargo run -q --bin server")],
        lesson(1, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.format(name="svc"),
            "src/main.rs": 'fn main() { println!("svc"); }\n',
            "src/bin/server.rs": 'fn main() { println!("server: listening (dry)"); }\n',
        },
    ),
    S(
        "cargo-test-name",
        "lesson/word",
        "cargo",
        [B("cargo test -q --test integraton"), B("cargo test -q --test integration")],
        lesson(1, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.format(name="calc"),
            "src/lib.rs": "pub fn add(a: i32, b: i32) -> i32 { a + b }\n",
            "tests/integration.rs": "#[test]\nfn adds() { assert_eq!(calc::add(2, 2), 4); }\n",
        },
    ),
    S(
        "cargo-feature-name",
        "lesson/word",
        "cargo",
        [
            B("cargo build -q --features fastmath"),
            B("grep -A3 features Cargo.toml"),
            B("cargo build -q --features fast-math"),
        ],
        lesson(2, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.format(name="num") + "\n[features]\nfast-math = []\n",
            "src/lib.rs": "pub fn half(x: f64) -> f64 { x / 2.0 }\n",
        },
    ),
    S(
        "perl-script-path",
        "lesson/word",
        "perl",
        [B("perl scripts/report.pl"), B("perl tools/report.pl")],
        lesson(1, "replace", "yes"),
        files={"tools/report.pl": 'print "report: 4 rows\\n";\n'},
    ),
    S(
        "sqlite-table-name",
        "lesson/word",
        "sqlite3",
        [
            B("sqlite3 app.db 'select count(*) from user;'"),
            B("sqlite3 app.db '.tables'"),
            B("sqlite3 app.db 'select count(*) from users;'"),
        ],
        lesson(2, "replace", "either"),
        setup=(
            "sqlite3 app.db 'create table users(id integer primary key, name text); "
            'create table sessions(id integer); insert into users(name) values ("a"), ("b");\'',
        ),
    ),
    S(
        "jq-file-typo",
        "lesson/word",
        "jq",
        [B("jq -r .version package.jsn"), B("jq -r .version package.json")],
        lesson(1, "replace", "yes"),
        files={"package.json": package_json("x", {})},
    ),
    S(
        "tar-archive-name",
        "lesson/word",
        "tar gzip",
        [B("tar tzf dist/app.tar.gz"), B("ls dist"), B("tar tzf dist/app-1.2.0.tar.gz")],
        lesson(2, "replace", "yes"),
        files={"src/app.txt": "app\n"},
        setup=("mkdir -p dist && tar czf dist/app-1.2.0.tar.gz src",),
    ),
    S(
        "sed-file-path",
        "lesson/word",
        "sed",
        [B("sed -n '/^port/p' app.ini"), B("sed -n '/^port/p' config/app.ini")],
        lesson(1, "replace", "yes"),
        files={"config/app.ini": "[server]\nport = 8080\nhost = 0.0.0.0\n"},
    ),
    S(
        "awk-data-path",
        "lesson/word",
        "awk",
        [
            B("awk -F, '{s+=$2} END {print s}' sales.csv"),
            B("ls data"),
            B("awk -F, '{s+=$2} END {print s}' data/sales.csv"),
        ],
        lesson(2, "replace", "yes"),
        files={"data/sales.csv": "jan,10\nfeb,32\n"},
    ),
    S(
        "gcc-missing-source",
        "lesson/word",
        "gcc",
        [B("gcc -o app main.c"), B("ls"), B("gcc -o app main.c util.c"), B("./app")],
        lesson(2, "replace", "either"),
        files={
            "main.c": "int helper(int);\nint main(void) { return helper(0); }\n",
            "util.c": "int helper(int x) { return x; }\n",
        },
    ),
    S(
        "gcc-include-flag",
        "lesson/word",
        "gcc",
        [B("gcc -c src/main.c -o main.o"), B("ls include"), B("gcc -Iinclude -c src/main.c -o main.o")],
        lesson(2, "replace", "either"),
        files={
            "src/main.c": '#include "util.h"\nint main(void) { return UTIL_OK; }\n',
            "include/util.h": "#define UTIL_OK 0\n",
        },
    ),
    S(
        "node-entry-path",
        "lesson/word",
        "node",
        [B("node index.js"), B("node src/index.js")],
        lesson(1, "replace", "yes"),
        files={"src/index.js": "console.log('started (one-shot)')\n"},
    ),
    S(
        "node-require-case",
        "lesson/word",
        "node",
        [
            B("node -e \"require('./lib/Parser'); console.log('loaded')\""),
            B("ls lib"),
            B("node -e \"require('./lib/parser'); console.log('loaded')\""),
        ],
        lesson(2, "replace", "either"),
        files={"lib/parser.js": "module.exports = {};\n"},
    ),
    S(
        "python2-interpreter",
        "lesson/run",
        "python",
        [B("python2 check.py"), B("python3 check.py")],
        lesson(1, "replace", "either"),
        files={"check.py": "print('config ok')\n"},
    ),
]

FOLDER = [
    S(
        "npm-prefix",
        "lesson/folder",
        "npm node",
        [B("npm run build"), B("ls"), B("npm --prefix web run build")],
        lesson(2, "replace", "yes"),
        files={
            "web/package.json": package_json("web", {"build": "node build.js"}),
            "web/build.js": NODE_OK,
            "README.md": "# monorepo\n",
        },
    ),
    S(
        "make-C",
        "lesson/folder",
        "make",
        [B("make"), B("make -C backend")],
        lesson(1, "replace", "yes"),
        files={"backend/Makefile": MAKEFILE},
    ),
    S(
        "cd-pytest",
        "lesson/folder",
        "pytest python",
        [B("python3 -m pytest -q tests"), B("ls"), B("cd service && python3 -m pytest -q tests")],
        lesson(2, "replace", "either"),
        files={"service/tests/test_ok.py": "def test_ok():\n    assert 1 + 1 == 2\n", "docs/index.md": "# docs\n"},
    ),
    S(
        "cargo-manifest-path",
        "lesson/folder",
        "cargo",
        [B("cargo build -q"), B("cargo build -q --manifest-path engine/Cargo.toml")],
        lesson(1, "replace", "yes"),
        files={"engine/Cargo.toml": CARGO_TOML.format(name="engine"), "engine/src/main.rs": "fn main() {}\n"},
    ),
    S(
        "make-f-path",
        "lesson/folder",
        "make",
        [B("make -f Makefile all"), B("ls build"), B("make -f build/Makefile all")],
        lesson(2, "replace", "yes"),
        files={"build/Makefile": "all:\n\t@echo 'all targets up to date'\n"},
    ),
    S(
        "git-C",
        "lesson/folder",
        "git",
        [B("git log --oneline -3"), B("ls"), B("git -C app log --oneline -3")],
        lesson(2, "replace", "either"),
        files={"app/main.py": "print(1)\n", "notes.txt": "n\n"},
        setup=("cd app && " + GIT_INIT,),
    ),
    S(
        "ls-path",
        "lesson/folder",
        "ls find",
        [B("ls src/components"), B("find . -type d -name components"), B("ls web/src/components")],
        lesson(2, "replace", "yes"),
        files={"web/src/components/Button.tsx": "export {}\n"},
    ),
    S(
        "env-chdir",
        "lesson/folder",
        "npm env",
        [B("npm test"), B("env --chdir=client npm test")],
        lesson(1, "replace", "either"),
        files={"client/package.json": package_json("client", {"test": "node -e \"console.log('4 passing')\""})},
    ),
    S(
        "cd-make-docs",
        "lesson/folder",
        "make",
        [B("make html"), B("cd docs && make html")],
        lesson(1, "replace", "yes"),
        files={"docs/Makefile": "html:\n\t@echo 'Build finished. The HTML pages are in _build/html.'\n"},
    ),
    S(
        "cmake-source-dir",
        "lesson/folder",
        "cmake",
        [B("cmake -B build"), B("ls cpp"), B("cmake -S cpp -B build")],
        lesson(2, "replace", "either"),
        files={
            "cpp/CMakeLists.txt": "cmake_minimum_required(VERSION 3.10)\nproject(demo C)\nadd_executable(demo main.c)\n",
            "cpp/main.c": "int main(void) { return 0; }\n",
        },
    ),
    S(
        "python-path-itself",
        "lesson/folder",
        "python",
        [B("python3 manage.py check"), B("ls"), B("python3 backend/manage.py check")],
        lesson(2, "replace", "yes"),
        files={"backend/manage.py": "import sys\nprint('System check identified no issues (0 silenced).')\n"},
    ),
    S(
        "cd-python-tool",
        "lesson/folder",
        "python",
        [B("python3 generate_report.py"), B("ls tools"), B("cd tools && python3 generate_report.py")],
        lesson(2, "replace", "either"),
        files={
            "tools/generate_report.py": "open('template.txt').read()\nprint('report written')\n",
            "tools/template.txt": "t\n",
        },
    ),
    S(
        "javac-source-path",
        "lesson/folder",
        "javac",
        [B("javac -d build Main.java"), B("find . -name '*.java'"), B("javac -d build src/Main.java")],
        lesson(2, "replace", "yes"),
        files={
            "src/Main.java": 'public class Main { public static void main(String[] a) { System.out.println("hi"); } }\n'
        },
    ),
    S(
        "java-classpath",
        "lesson/folder",
        "java",
        [B("java Main"), B("ls build"), B("java -cp build Main")],
        lesson(2, "replace", "either"),
        files={
            "src/Main.java": 'public class Main { public static void main(String[] a) { System.out.println("hi"); } }\n'
        },
        setup=("javac -d build src/Main.java",),
    ),
]

RUN = [
    S(
        "bash-no-exec-bit",
        "lesson/run",
        "bash",
        [B("./deploy.sh"), B("bash deploy.sh")],
        lesson(1, "replace", "yes"),
        files={"deploy.sh": "#!/bin/bash\necho 'deploy plan: 3 services (local)'\n"},
    ),
    S(
        "chmod-then-run-one-call",
        "lesson/run",
        "bash chmod",
        [B("./scripts/release.sh"), B("chmod +x scripts/release.sh && ./scripts/release.sh")],
        lesson(1, "prepare", "either"),
        files={"scripts/release.sh": "#!/bin/sh\necho 'release notes generated'\n"},
    ),
    S(
        "chmod-then-run-two-calls",
        "lesson/run",
        "bash chmod",
        [B("./run.sh"), B("ls -l run.sh"), B("chmod +x run.sh"), B("./run.sh")],
        lesson(3, "prepare", "either"),
        files={"run.sh": "#!/bin/sh\necho 'job finished'\n"},
    ),
    S(
        "python-m-relative-import",
        "lesson/run",
        "python",
        [B("python3 pkg/cli.py"), B("python3 -m pkg.cli")],
        lesson(1, "replace", "yes"),
        files={
            "pkg/__init__.py": "",
            "pkg/core.py": "NAME = 'pkg'\n",
            "pkg/cli.py": "from .core import NAME\nprint(f'{NAME} cli ok')\n",
        },
    ),
    S(
        "npx-local-bin",
        "lesson/run",
        "npx npm",
        [B("hello-lint src"), B("npx hello-lint src")],
        lesson(1, "replace", "either"),
        files={
            "package.json": package_json("site", {}),
            "tools/hello-lint/package.json": package_json("hello-lint", {}, bin={"hello-lint": "cli.js"}),
            "tools/hello-lint/cli.js": X("#!/usr/bin/env node\nconsole.log('hello-lint: 0 problems')\n"),
            "src/a.js": "x\n",
        },
        setup=("npm install --no-audit --no-fund -q ./tools/hello-lint",),
    ),
    S(
        "pythonpath-env",
        "lesson/run",
        "python",
        [B("python3 src/app/main.py"), B("PYTHONPATH=src python3 src/app/main.py")],
        lesson(1, "replace", "either"),
        files={
            "src/app/__init__.py": "",
            "src/app/util.py": "def hi():\n    return 'hi'\n",
            "src/app/main.py": "from app.util import hi\nprint(hi())\n",
        },
    ),
    S(
        "node-env-in-front",
        "lesson/run",
        "node",
        [B("node build.js"), B("NODE_ENV=production node build.js")],
        lesson(1, "replace", "either"),
        files={
            "build.js": "if (!process.env.NODE_ENV) { console.error('build.js: NODE_ENV must be set'); process.exit(1) }\n"
            "console.log('bundle written for ' + process.env.NODE_ENV)\n"
        },
    ),
    S(
        "venv-wrapper",
        "lesson/run",
        "python pip venv",
        [
            B("python3 -c 'import textkit; print(textkit.VERSION)'"),
            B("ls -a"),
            B(".venv/bin/python -c 'import textkit; print(textkit.VERSION)'"),
        ],
        lesson(2, "replace", "either"),
        files={
            "vendor/textkit/pyproject.toml": "[project]\nname='textkit'\nversion='0.3'\n[build-system]\n"
            "requires=['setuptools']\nbuild-backend='setuptools.build_meta'\n",
            "vendor/textkit/textkit/__init__.py": "VERSION = '0.3'\n",
        },
        setup=(VENV.format(flags=""), ".venv/bin/pip install -q ./vendor/textkit"),
    ),
    S(
        "perl-include-lib",
        "lesson/run",
        "perl",
        [B("perl bin/report.pl"), B("perl -Ilib bin/report.pl")],
        lesson(1, "replace", "either"),
        files={
            "lib/Local/Util.pm": "package Local::Util;\nsub n { 3 }\n1;\n",
            "bin/report.pl": "use Local::Util;\nprint 'rows: ', Local::Util::n(), \"\\n\";\n",
        },
    ),
    S(
        "sed-bsd-inplace",
        "lesson/run",
        "sed",
        [
            B("sed -i '' 's/debug = true/debug = false/' settings.ini"),
            B("sed -i 's/debug = true/debug = false/' settings.ini"),
        ],
        lesson(1, "replace", "either"),
        files={"settings.ini": "debug = true\n"},
    ),
    S(
        "date-bsd-flag",
        "lesson/run",
        "date",
        [B("date -v+1d +%Y-%m-%d"), B("date -d '+1 day' +%Y-%m-%d")],
        lesson(1, "replace", "either"),
    ),
    S(
        "stat-bsd-format",
        "lesson/run",
        "stat",
        [B("stat -f %z data.bin"), B("stat -c %s data.bin")],
        lesson(1, "replace", "either"),
        files={"data.bin": "0123456789"},
    ),
    S(
        "base64-bsd-decode",
        "lesson/run",
        "base64",
        [B("base64 -D token.b64"), B("base64 -d token.b64")],
        lesson(1, "replace", "either"),
        files={"token.b64": "aGVsbG8K\n"},
    ),
    S(
        "sh-bashism",
        "lesson/run",
        "sh bash",
        [B("sh build.sh"), B("bash build.sh")],
        lesson(1, "replace", "either"),
        files={"build.sh": '#!/bin/bash\nparts=(core api web)\nfor p in "${parts[@]}"; do echo "built $p"; done\n'},
    ),
]

OTHER_TOOL = [
    S(
        "read-after-cat",
        "lesson/other-tool",
        "cat Read",
        [B("cat src/Config.py"), R("src/config.py")],
        lesson(1, "other-tool", "either"),
        files={"src/config.py": "DEBUG = False\n"},
    ),
    S(
        "glob-then-read",
        "lesson/other-tool",
        "Read Glob",
        [R("settings.py"), G("**/settings.py"), R("app/conf/settings.py")],
        lesson(2, "replace", "yes"),
        files={"app/conf/settings.py": "DEBUG = True\n"},
    ),
    S(
        "grep-tool-after-ag",
        "lesson/other-tool",
        "ag Grep",
        [B("ag TODO src"), GR("TODO", "src", output_mode="content")],
        lesson(1, "other-tool", "either"),
        files={"src/a.py": "# TODO: retry\n"},
    ),
    S(
        "grep-after-ack",
        "lesson/other-tool",
        "ack grep",
        [B("ack -l deprecated"), B("grep -rl deprecated .")],
        lesson(1, "other-tool", "either"),
        files={"lib/old.py": "# deprecated\n"},
    ),
    S(
        "find-after-tree",
        "lesson/other-tool",
        "tree find",
        [B("tree -L 2"), B("find . -maxdepth 2 -not -path './.git*'")],
        lesson(1, "other-tool", "either"),
        files={"a/b.txt": "b\n"},
    ),
    S(
        "read-case",
        "lesson/word",
        "Read",
        [R("docs/readme.md"), R("docs/README.md")],
        lesson(1, "replace", "yes"),
        files={"docs/README.md": "# Docs\n"},
    ),
    S(
        "grep-path-typo",
        "lesson/word",
        "Grep",
        [GR("def main", "scr"), GR("def main", "src")],
        lesson(1, "replace", "yes"),
        files={"src/cli.py": "def main():\n    pass\n"},
    ),
    S(
        "glob-dir-name",
        "lesson/word",
        "Glob",
        [G("*.test.js", "tests"), B("ls"), G("*.test.js", "test")],
        lesson(2, "replace", "yes"),
        files={"test/a.test.js": "x\n", "src/a.js": "x\n"},
    ),
    S(
        "read-after-head",
        "lesson/other-tool",
        "head Read",
        [B("head -20 config.yml"), B("ls"), R("config.yaml")],
        lesson(2, "other-tool", "either"),
        files={"config.yaml": "port: 80\n"},
    ),
]

EITHER = [  # Claude Code's own rules for its file tools: a reader may call these a lesson or ordinary use
    S(
        "edit-unread",
        "either/file-tool",
        "Edit Read",
        [E("app.py", "DEBUG = True", "DEBUG = False"), R("app.py"), E("app.py", "DEBUG = True", "DEBUG = False")],
        either("lesson", 2, "prepare", ("retry", "none", "work")),
        files={"app.py": "DEBUG = True\n"},
    ),
    S(
        "edit-not-unique",
        "either/file-tool",
        "Read Edit",
        [
            R("conf.py"),
            E("conf.py", "retries = 3", "retries = 5"),
            E("conf.py", "[db]\nretries = 3", "[db]\nretries = 5"),
        ],
        either("work", 2, "", ("retry", "none", "lesson")),
        failed=1,
        files={"conf.py": "[http]\nretries = 3\n[db]\nretries = 3\n"},
    ),
    S(
        "edit-string-not-found",
        "either/file-tool",
        "Read Edit",
        [R("main.py"), E("main.py", "TIMEOUT=30", "TIMEOUT=60"), E("main.py", "TIMEOUT = 30", "TIMEOUT = 60")],
        either("work", 2, "", ("retry", "none", "lesson")),
        failed=1,
        files={"main.py": "TIMEOUT = 30\n"},
    ),
    S(
        "write-unread",
        "either/file-tool",
        "Write Read",
        [W("notes.md", "# Notes\nnew\n"), R("notes.md"), W("notes.md", "# Notes\nnew\n")],
        either("lesson", 2, "prepare", ("retry", "none", "work")),
        files={"notes.md": "# Notes\nold\n"},
    ),
]

PREPARE = [
    S(
        "pip-install-local-then-import",
        "lesson/prepare",
        "pip python venv",
        [
            B(".venv/bin/python -c 'import slugkit'"),
            B("ls vendor"),
            B(".venv/bin/pip install -q ./vendor/slugkit"),
            B(".venv/bin/python -c 'import slugkit'"),
        ],
        lesson(3, "prepare", "either"),
        files={
            "vendor/slugkit/pyproject.toml": "[project]\nname='slugkit'\nversion='1.0'\n[build-system]\n"
            "requires=['setuptools']\nbuild-backend='setuptools.build_meta'\n",
            "vendor/slugkit/slugkit/__init__.py": "",
        },
        setup=(VENV.format(flags=""),),
    ),
    S(
        "npm-install-file-dep",
        "lesson/prepare",
        "npm node",
        [B("node app.js"), B("cat package.json"), B("npm install --no-audit --no-fund"), B("node app.js")],
        lesson(3, "prepare", "either"),
        files={
            "package.json": package_json("app", {}, dependencies={"left-pad-local": "file:./packages/left-pad-local"}),
            "packages/left-pad-local/package.json": package_json("left-pad-local", {}),
            "packages/left-pad-local/index.js": "module.exports = (s, n) => String(s).padStart(n);\n",
            "app.js": "const pad = require('left-pad-local');\nconsole.log(pad(7, 3));\n",
        },
    ),
    S(
        "mkdir-then-tar",
        "lesson/prepare",
        "tar mkdir",
        [B("tar czf out/release.tgz src"), B("mkdir -p out"), B("tar czf out/release.tgz src")],
        lesson(2, "prepare", "either"),
        files={"src/a.txt": "a\n"},
    ),
    S(
        "mkdir-then-sqlite",
        "lesson/prepare",
        "sqlite3 mkdir",
        [B("sqlite3 data/app.db < schema.sql"), B("mkdir -p data"), B("sqlite3 data/app.db < schema.sql")],
        lesson(2, "prepare", "either"),
        files={"schema.sql": "create table t(id integer);\n"},
    ),
    S(
        "git-fetch-then-checkout",
        "lesson/prepare",
        "git",
        [B("git checkout feature/login"), B("git fetch origin"), B("git checkout feature/login")],
        lesson(2, "prepare", "either"),
        files={"a.txt": "a\n"},
        setup=(
            GIT_INIT,
            bare_remote(),
            other_clone_pushes(
                "git checkout -q -b feature/login && echo l > login.txt && git add login.txt && "
                "git commit -qm login && git push -q origin feature/login"
            ),
        ),
    ),
    S(
        "git-create-branch-then-push",
        "lesson/prepare",
        "git",
        [B("git push -u origin release/1.4"), B("git checkout -b release/1.4"), B("git push -u origin release/1.4")],
        lesson(2, "prepare", "either"),
        files={"a.txt": "a\n"},
        setup=(GIT_INIT, bare_remote()),
    ),
    S(
        "git-set-upstream-then-pull",
        "lesson/prepare",
        "git",
        [B("git pull"), B("git branch --set-upstream-to=origin/main main"), B("git pull")],
        lesson(2, "prepare", "either"),
        files={"a.txt": "a\n"},
        setup=(
            GIT_INIT,
            "git init -q --bare -b main @BASE@/origin.git && git remote add origin @BASE@/origin.git "
            "&& git push -q origin main",
        ),
    ),
    S(
        "free-port-fuser",
        "lesson/prepare",
        "python fuser",
        [B("python3 serve.py --port @PORT@"), B("fuser -k @PORT@/tcp"), B("python3 serve.py --port @PORT@")],
        lesson(2, "prepare", "either"),
        files={"serve.py": SERVE_PY},
        hold_port=True,
    ),
    S(
        "free-port-lsof-kill",
        "lesson/prepare",
        "node lsof kill",
        [B("node server.js"), B("lsof -i :@PORT@"), B("kill $(lsof -t -i :@PORT@)"), B("sleep 1; node server.js")],
        lesson(3, "prepare", "either"),
        hold_port=True,
        files={
            "server.js": "const net = require('net');\nconst s = net.createServer();\n"
            "s.on('error', (e) => { console.error('Error: listen ' + e.code + ' 127.0.0.1:@PORT@'); process.exit(1) });\n"
            "s.listen(@PORT@, '127.0.0.1', () => { console.log('listening on @PORT@ (smoke)'); s.close() });\n"
        },
    ),
    S(
        "make-prerequisite",
        "lesson/prepare",
        "make gcc",
        [B("./bin/tool --version"), B("ls"), B("make"), B("./bin/tool --version")],
        lesson(3, "prepare", "either"),
        files={
            "Makefile": "bin/tool: tool.c\n\tmkdir -p bin && gcc -o bin/tool tool.c\n",
            "tool.c": '#include <stdio.h>\nint main(void) { puts("tool 1.0"); return 0; }\n',
        },
    ),
    S(
        "cp-env-example",
        "lesson/prepare",
        "node cp",
        [B("node server.js"), B("ls -a"), B("cp .env.example .env"), B("node server.js")],
        lesson(3, "prepare", "either"),
        files={
            ".env.example": "PORT=3000\n",
            "server.js": "const fs = require('fs');\nlet env;\ntry { env = fs.readFileSync('.env', 'utf8') } catch (e) {\n"
            "  console.error('Error: missing .env (' + e.code + ')'); process.exit(1) }\n"
            "console.log('config loaded: ' + env.trim())\n",
        },
    ),
    S(
        "git-config-local-identity",
        "lesson/prepare",
        "git",
        [
            B("git commit -qam 'fix typo in docs'"),
            B("git config user.email dana@example.com && git config user.name 'Dana Dev'"),
            B("git commit -qam 'fix typo in docs'"),
        ],
        lesson(2, "prepare", "either"),
        files={"docs.md": "teh\n"},
        setup=(GIT_INIT, "echo the > docs.md"),
        home_git_identity=False,
    ),
    S(
        "cmake-configure-first",
        "lesson/prepare",
        "cmake",
        [B("cmake --build build"), B("cmake -S . -B build"), B("cmake --build build")],
        lesson(2, "prepare", "either"),
        files={
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.10)\nproject(hello C)\nadd_executable(hello main.c)\n",
            "main.c": "int main(void) { return 0; }\n",
        },
    ),
    S(
        "pip-editable-then-pytest",
        "lesson/prepare",
        "pip pytest venv",
        [B(".venv/bin/python -m pytest -q"), B(".venv/bin/pip install -q -e ."), B(".venv/bin/python -m pytest -q")],
        lesson(2, "prepare", "either"),
        files={
            "pyproject.toml": "[project]\nname='invoicing'\nversion='0.1'\n[build-system]\n"
            "requires=['setuptools']\nbuild-backend='setuptools.build_meta'\n"
            "[tool.setuptools]\npackage-dir={''='src'}\n",
            "src/invoicing/__init__.py": "def vat(x):\n    return round(x * 0.2, 2)\n",
            "tests/test_vat.py": "from invoicing import vat\n\ndef test_vat():\n    assert vat(10) == 2\n",
        },
        setup=(VENV.format(flags="--system-site-packages"),),
    ),
    S(
        "sqlite-migrate-first",
        "lesson/prepare",
        "sqlite3",
        [
            B("sqlite3 app.db 'select count(*) from orders;'"),
            B("ls migrations"),
            B("sqlite3 app.db < migrations/001_init.sql"),
            B("sqlite3 app.db 'select count(*) from orders;'"),
        ],
        lesson(3, "prepare", "either"),
        files={"migrations/001_init.sql": "create table orders(id integer primary key, total real);\n"},
    ),
    S(
        "java-jar-build-first",
        "lesson/prepare",
        "java make",
        [B("java -jar build/app.jar"), B("make jar"), B("java -jar build/app.jar")],
        lesson(2, "prepare", "either"),
        files={
            "src/App.java": 'public class App { public static void main(String[] a) { System.out.println("app 1.0"); } }\n',
            "Makefile": "jar:\n\tmkdir -p build/classes && javac -d build/classes src/App.java && "
            "jar cfe build/app.jar App -C build/classes .\n",
        },
    ),
    S(
        "npm-install-devdep-bin",
        "lesson/prepare",
        "npm",
        [B("npm run build"), B("npm install --no-audit --no-fund"), B("npm run build")],
        lesson(2, "prepare", "either"),
        files={
            "package.json": package_json(
                "site",
                {"build": "minify-local src/a.js"},
                devDependencies={"minify-local": "file:./tools/minify-local"},
            ),
            "tools/minify-local/package.json": package_json("minify-local", {}, bin={"minify-local": "cli.js"}),
            "tools/minify-local/cli.js": X("#!/usr/bin/env node\nconsole.log('minified 1 file')\n"),
            "src/a.js": "let a = 1;\n",
        },
    ),
]

SUB_AGENT = [
    S(
        "sub-make-target",
        "lesson/sub-agent",
        "make",
        [B("make release"), B("grep -n '^[a-z-]*:' Makefile"), B("make dist")],
        lesson(2, "replace", "yes"),
        files={"Makefile": MAKEFILE},
        agent="builder",
    ),
    S(
        "sub-npm-prefix",
        "lesson/sub-agent",
        "npm",
        [B("npm test"), B("npm --prefix client test")],
        lesson(1, "replace", "yes"),
        agent="builder",
        files={"client/package.json": package_json("client", {"test": "node -e \"console.log('7 passing')\""})},
    ),
    S(
        "sub-bash-run",
        "lesson/sub-agent",
        "bash",
        [B("./tools/gen.sh"), B("bash tools/gen.sh")],
        lesson(1, "replace", "yes"),
        agent="builder",
        files={"tools/gen.sh": "echo 'generated 2 files'\n"},
    ),
    S(
        "sub-python-m",
        "lesson/sub-agent",
        "python",
        [B("python3 worker/run.py"), B("python3 -m worker.run")],
        lesson(1, "replace", "yes"),
        agent="builder",
        files={
            "worker/__init__.py": "",
            "worker/jobs.py": "JOBS = 2\n",
            "worker/run.py": "from .jobs import JOBS\nprint(f'ran {JOBS} jobs')\n",
        },
    ),
    S(
        "sub-read-case",
        "lesson/sub-agent",
        "Read Glob",
        [R("CHANGELOG.MD"), G("CHANGELOG*"), R("CHANGELOG.md")],
        lesson(2, "replace", "yes"),
        agent="builder",
        files={"CHANGELOG.md": "## 1.0\n"},
    ),
]

SCENARIOS = [*WORD, *FOLDER, *RUN, *OTHER_TOOL, *EITHER, *PREPARE, *SUB_AGENT]
