"""Phase 3, lessons (written after the fixes, other projects, tools and errors than phase 1; measured once)."""

from __future__ import annotations

# ruff: noqa: E501 (scenario data: shell commands and file contents read best unbroken)
from tests.blind_corpus.dsl import B, E, G, R, S, X, either, lesson
from tests.blind_corpus.projects import CARGO_TOML, GIT_INIT, VENV, bare_remote, other_clone_pushes, package_json

PG_ACCOUNTS = "psql -q -c 'create database app' && psql -q -d app -c 'create table accounts(id serial primary key, email text unique); insert into accounts(email) values ($$a@x.io$$)'"
CMAKE_NINJA = {
    "CMakeLists.txt": "cmake_minimum_required(VERSION 3.10)\nproject(tools CXX)\nadd_executable(test_runner runner.cpp)\nadd_executable(bench bench.cpp)\n",
    "runner.cpp": '#include <cstdio>\nint main() { std::puts("3 tests passed"); }\n',
    "bench.cpp": "int main() { return 0; }\n",
}
TF_OUTPUT = 'variable "env" {\n  type = string\n}\noutput "banner" {\n  value = "deploying ${var.env}"\n}\n'

POSTGRES = [
    S(
        "psql-database-name",
        "lesson/word",
        "psql",
        [
            B("psql -d appdb -c 'select count(*) from accounts'"),
            B("psql -l"),
            B("psql -d app -c 'select count(*) from accounts'"),
        ],
        lesson(2, "replace", "either"),
        postgres=True,
        setup=(PG_ACCOUNTS,),
    ),
    S(
        "psql-role-name",
        "lesson/word",
        "psql",
        [B("psql -U admin -d app_p3b -c 'select 1'"), B("psql -U postgres -d app_p3b -c 'select 1'")],
        lesson(1, "replace", "either"),
        postgres=True,
        setup=("psql -q -c 'create database app_p3b'",),
    ),
    S(
        "psql-file-path",
        "lesson/word",
        "psql",
        [B("psql -q -d app_p3c -f schema.sql"), B("find . -name '*.sql'"), B("psql -q -d app_p3c -f db/schema.sql")],
        lesson(2, "replace", "yes"),
        postgres=True,
        files={"db/schema.sql": "create table t(id int);\n"},
        setup=("psql -q -c 'create database app_p3c'",),
    ),
    S(
        "psql-createdb-first",
        "lesson/prepare",
        "psql createdb",
        [B("psql -d reports_p3 -c 'select 1'"), B("createdb reports_p3"), B("psql -d reports_p3 -c 'select 1'")],
        lesson(2, "prepare", "either"),
        postgres=True,
    ),
    S(
        "pg-dump-folder",
        "lesson/prepare",
        "pg_dump mkdir",
        [B("pg_dump -d app_p3e -f backups/app.sql"), B("mkdir -p backups"), B("pg_dump -d app_p3e -f backups/app.sql")],
        lesson(2, "prepare", "either"),
        postgres=True,
        setup=("psql -q -c 'create database app_p3e'",),
    ),
    S(
        "psql-table-name",
        "lesson/word",
        "psql",
        [
            B("psql -d app_p3f -c 'select * from users limit 1'"),
            B("psql -d app_p3f -c '\\dt'"),
            B("psql -d app_p3f -c 'select * from app_users limit 1'"),
        ],
        lesson(2, "replace", "either"),
        postgres=True,
        setup=("psql -q -c 'create database app_p3f' && psql -q -d app_p3f -c 'create table app_users(id int)'",),
    ),
]

BUILD = [
    S(
        "ninja-dir",
        "lesson/folder",
        "ninja cmake",
        [B("ninja"), B("ninja -C build")],
        lesson(1, "replace", "either"),
        files=CMAKE_NINJA,
        setup=("cmake -G Ninja -S . -B build > /dev/null",),
    ),
    S(
        "ninja-target-typo",
        "lesson/word",
        "ninja",
        [B("ninja -C build tset_runner"), B("ninja -C build test_runner")],
        lesson(1, "replace", "either"),
        files=CMAKE_NINJA,
        setup=("cmake -G Ninja -S . -B build > /dev/null",),
    ),
    S(
        "ninja-configure-first",
        "lesson/prepare",
        "ninja cmake",
        [B("ninja -C out"), B("cmake -G Ninja -S . -B out"), B("ninja -C out")],
        lesson(2, "prepare", "either"),
        files=CMAKE_NINJA,
    ),
    S(
        "gxx-std-flag",
        "lesson/run",
        "g++",
        [B("g++ -o sum sum.cpp"), B("g++ -std=c++20 -o sum sum.cpp")],
        lesson(1, "replace", "either"),
        files={
            "sum.cpp": "#include <concepts>\ntemplate <typename T> requires std::integral<T>\nT twice(T x) { return x * 2; }\nint main() { return twice(0); }\n"
        },
    ),
    S(
        "gcc-link-libm",
        "lesson/run",
        "gcc",
        [B("gcc -o hyp hyp.c"), B("gcc -o hyp hyp.c -lm")],
        lesson(1, "replace", "either"),
        files={
            "hyp.c": '#include <math.h>\n#include <stdio.h>\nint main(int c, char **v) { printf("%f\\n", sqrt((double)c + 3)); return 0; }\n'
        },
    ),
    S(
        "javac-classpath-jar",
        "lesson/run",
        "javac jar",
        [B("javac -d out src/App.java"), B("ls lib"), B("javac -cp lib/util.jar -d out src/App.java")],
        lesson(2, "replace", "either"),
        files={
            "util/util/Strings.java": "package util;\npublic class Strings { public static String up(String s) { return s.toUpperCase(); } }\n",
            "src/App.java": 'import util.Strings;\npublic class App { public static void main(String[] a) { System.out.println(Strings.up("ok")); } }\n',
        },
        setup=(
            "mkdir -p lib /tmp/nevo-blind/p3-util && javac -d /tmp/nevo-blind/p3-util util/util/Strings.java && jar cf lib/util.jar -C /tmp/nevo-blind/p3-util . && rm -r util",
        ),
    ),
    S(
        "java-jar-no-manifest",
        "lesson/run",
        "java",
        [B("java -jar build/tool.jar"), B("unzip -l build/tool.jar"), B("java -cp build/tool.jar tool.Main")],
        lesson(2, "replace", "either"),
        files={
            "src/tool/Main.java": 'package tool;\npublic class Main { public static void main(String[] a) { System.out.println("tool ok"); } }\n'
        },
        setup=(
            "mkdir -p build/classes && javac -d build/classes src/tool/Main.java && jar cf build/tool.jar -C build/classes .",
        ),
    ),
    S(
        "cargo-workspace-package",
        "lesson/word",
        "cargo",
        [B("cargo test -q -p api"), B("cat Cargo.toml"), B("cargo test -q -p server-api")],
        lesson(2, "replace", "either"),
        files={
            "Cargo.toml": '[workspace]\nmembers = ["server-api", "core"]\nresolver = "2"\n',
            "server-api/Cargo.toml": CARGO_TOML.format(name="server-api"),
            "server-api/src/lib.rs": "#[test]\nfn up() {}\n",
            "core/Cargo.toml": CARGO_TOML.format(name="core"),
            "core/src/lib.rs": "pub fn one() -> i32 { 1 }\n",
        },
    ),
    S(
        "cargo-example-name",
        "lesson/word",
        "cargo",
        [B("cargo run -q --example demo"), B("ls examples"), B("cargo run -q --example basic")],
        lesson(2, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.format(name="geo"),
            "src/lib.rs": "pub fn area(w: f64, h: f64) -> f64 { w * h }\n",
            "examples/basic.rs": 'fn main() { println!("area {}", geo::area(2.0, 3.0)); }\n',
        },
    ),
    S(
        "terraform-chdir",
        "lesson/folder",
        "terraform",
        [
            B("terraform plan -input=false -no-color"),
            B("ls infra"),
            B("terraform -chdir=infra plan -input=false -no-color -var env=staging"),
        ],
        lesson(2, "replace", "either"),
        files={"infra/main.tf": TF_OUTPUT},
    ),
    S(
        "terraform-var-file",
        "lesson/run",
        "terraform",
        [
            B("terraform apply -input=false -auto-approve -no-color"),
            B("ls"),
            B("terraform apply -input=false -auto-approve -no-color -var-file=staging.tfvars"),
        ],
        lesson(2, "replace", "either"),
        files={"main.tf": TF_OUTPUT, "staging.tfvars": 'env = "staging"\n'},
    ),
    S(
        "kustomize-overlay-path",
        "lesson/word",
        "kubectl",
        [
            B("kubectl kustomize overlays/prod"),
            B("find . -name kustomization.yaml"),
            B("kubectl kustomize deploy/overlays/prod"),
        ],
        lesson(2, "replace", "yes"),
        files={
            "deploy/overlays/prod/kustomization.yaml": "resources:\n- cm.yaml\n",
            "deploy/overlays/prod/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
        },
    ),
]

FILES_AND_DATA = [
    S(
        "unzip-archive-name",
        "lesson/word",
        "unzip",
        [B("unzip -l release.zip"), B("ls dist"), B("unzip -l dist/release-2.1.zip")],
        lesson(2, "replace", "yes"),
        files={"notes.txt": "n\n"},
        setup=("mkdir -p dist && zip -q dist/release-2.1.zip notes.txt",),
    ),
    S(
        "xz-path",
        "lesson/word",
        "xz",
        [B("xz -dk data.sql.xz"), B("xz -dk db/data.sql.xz")],
        lesson(1, "replace", "yes"),
        files={"db/data.sql": "select 1;\n"},
        setup=("xz db/data.sql",),
    ),
    S(
        "zstd-path",
        "lesson/word",
        "zstd",
        [B("zstd -q -d logs.tar.zst -o logs.tar"), B("ls archive"), B("zstd -q -d archive/logs.tar.zst -o logs.tar")],
        lesson(2, "replace", "yes"),
        files={"l.txt": "log\n"},
        setup=("mkdir -p archive && tar cf - l.txt | zstd -q -o archive/logs.tar.zst",),
    ),
    S(
        "sha256sum-folder",
        "lesson/folder",
        "sha256sum",
        [B("sha256sum -c SHA256SUMS"), B("cd dist && sha256sum -c SHA256SUMS")],
        lesson(1, "replace", "either"),
        files={"dist/app-1.0.tgz": "bytes\n"},
        setup=("cd dist && sha256sum app-1.0.tgz > SHA256SUMS && cd .. && cp dist/SHA256SUMS .",),
    ),
    S(
        "zip-output-folder",
        "lesson/prepare",
        "zip mkdir",
        [B("zip -qr out/site.zip site"), B("mkdir -p out"), B("zip -qr out/site.zip site")],
        lesson(2, "prepare", "either"),
        files={"site/index.html": "<p>hi</p>\n"},
    ),
    S(
        "openssl-cert-path",
        "lesson/word",
        "openssl",
        [
            B("openssl x509 -in cert.pem -noout -subject"),
            B("ls certs"),
            B("openssl x509 -in certs/server.pem -noout -subject"),
        ],
        lesson(2, "replace", "either"),
        setup=(
            "mkdir -p certs && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=app.local -days 2 -keyout certs/server.key -out certs/server.pem 2>/dev/null",
        ),
    ),
    S(
        "yq-file-path",
        "lesson/word",
        "yq",
        [B("yq -r '.services.web.image' compose.yml"), B("yq -r '.services.web.image' deploy/compose.yml")],
        lesson(1, "replace", "yes"),
        files={"deploy/compose.yml": "services:\n  web:\n    image: shop:1.4\n"},
    ),
    S(
        "envsubst-template-path",
        "lesson/word",
        "envsubst",
        [
            B("PORT=8080 envsubst < config.tmpl > config.ini"),
            B("ls templates"),
            B("PORT=8080 envsubst < templates/config.tmpl > config.ini"),
        ],
        lesson(2, "replace", "either"),
        files={"templates/config.tmpl": "port=${PORT}\n"},
    ),
    S(
        "iconv-charset-name",
        "lesson/word",
        "iconv",
        [
            B("iconv -f WINDOWS1252 -t UTF-8 legacy.csv"),
            B("iconv -l | grep 1252"),
            B("iconv -f CP1252 -t UTF-8 legacy.csv"),
        ],
        lesson(2, "replace", "either"),
        files={"legacy.csv": "name;city\n"},
    ),
    S(
        "wget-file-name",
        "lesson/word",
        "wget",
        [B("wget -q @HTTP@/dist/app-latest.tgz"), B("curl -s @HTTP@/dist/"), B("wget -q @HTTP@/dist/app-1.0.3.tgz")],
        lesson(2, "replace", "either"),
    ),
    S(
        "source-venv-path",
        "lesson/word",
        "bash",
        [
            B("source venv/bin/activate && python -c 'import sys; print(sys.prefix)'"),
            B("ls -a"),
            B("source .venv/bin/activate && python -c 'import sys; print(sys.prefix)'"),
        ],
        lesson(2, "replace", "either"),
        setup=(VENV.format(flags=""),),
    ),
]

RUNNING = [
    S(
        "python-module-hyphen",
        "lesson/word",
        "python",
        [B("python3 -m data-tools.export"), B("ls"), B("python3 -m data_tools.export")],
        lesson(2, "replace", "either"),
        files={"data_tools/__init__.py": "", "data_tools/export.py": "print('exported 12 rows')\n"},
    ),
    S(
        "json-tool-path",
        "lesson/word",
        "python",
        [B("python3 -m json.tool settings.json"), B("python3 -m json.tool config/settings.json")],
        lesson(1, "replace", "yes"),
        files={"config/settings.json": '{"debug": false}\n'},
    ),
    S(
        "pip-requirements-path",
        "lesson/word",
        "pip venv",
        [
            B(".venv/bin/pip install -q -r requirements.txt"),
            B("ls requirements"),
            B(".venv/bin/pip install -q -r requirements/dev.txt"),
        ],
        lesson(2, "replace", "yes"),
        files={
            "requirements/dev.txt": "./vendor/minilog\n",
            "vendor/minilog/pyproject.toml": "[project]\nname='minilog'\nversion='0.1'\n[build-system]\nrequires=['setuptools']\nbuild-backend='setuptools.build_meta'\n",
            "vendor/minilog/minilog/__init__.py": "",
        },
        setup=(VENV.format(flags=""),),
    ),
    S(
        "argparse-subcommand-choice",
        "lesson/word",
        "python",
        [B("python3 manage.py migrations"), B("python3 manage.py migrate")],
        lesson(1, "replace", "either"),
        files={
            "manage.py": "import argparse\np = argparse.ArgumentParser(prog='manage.py')\np.add_argument('command', choices=['migrate', 'seed', 'shell'])\n"
            "a = p.parse_args()\nprint(f'{a.command}: ok')\n"
        },
    ),
    S(
        "pytest-test-path",
        "lesson/word",
        "pytest",
        [
            B("python3 -m pytest -q tests/unit/test_parser.py"),
            B("find tests -name 'test_*.py'"),
            B("python3 -m pytest -q tests/test_parser.py"),
        ],
        lesson(2, "replace", "yes"),
        files={"tests/test_parser.py": "def test_parse():\n    assert int('3') == 3\n"},
    ),
    S(
        "npm-workspace-name",
        "lesson/word",
        "npm",
        [B("npm run build --workspace=ui"), B("cat package.json"), B("npm run build --workspace=packages/ui")],
        lesson(2, "replace", "either"),
        files={
            "package.json": package_json("mono", {}, workspaces=["packages/*"]),
            "packages/ui/package.json": package_json("@mono/web-ui", {"build": "node -e \"console.log('ui built')\""}),
        },
    ),
    S(
        "npm-ci-without-lock",
        "lesson/run",
        "npm",
        [B("npm ci --no-audit --no-fund"), B("npm install --no-audit --no-fund")],
        lesson(1, "replace", "either"),
        files={
            "package.json": package_json("svc", {}, dependencies={"tiny-local": "file:./packages/tiny-local"}),
            "packages/tiny-local/package.json": package_json("tiny-local", {}),
        },
    ),
    S(
        "npm-env-required",
        "lesson/run",
        "npm node",
        [B("npm run smoke"), B("API_BASE=@HTTP@ npm run smoke")],
        lesson(1, "replace", "either"),
        files={
            "package.json": package_json("s", {"smoke": "node smoke.js"}),
            "smoke.js": "const base = process.env.API_BASE;\nif (!base) { console.error('smoke: API_BASE is required'); process.exit(2) }\n"
            "fetch(base + '/v2/status').then(r => r.json()).then(j => console.log('ready:', j.ready));\n",
        },
    ),
    S(
        "node-check-path",
        "lesson/word",
        "node",
        [B("node --check src/server.js"), B("ls server"), B("node --check server/index.js")],
        lesson(2, "replace", "yes"),
        files={"server/index.js": "module.exports = 1;\n"},
    ),
    S(
        "script-needs-argument",
        "lesson/run",
        "bash",
        [B("./scripts/bump.sh"), B("./scripts/bump.sh 1.4.0")],
        lesson(1, "replace", "no"),
        files={
            "scripts/bump.sh": X(
                '#!/bin/sh\nif [ -z "$1" ]; then echo \'usage: bump.sh <version>\' >&2; exit 64; fi\necho "bumped to $1"\n'
            )
        },
    ),
    S(
        "script-crlf",
        "lesson/prepare",
        "bash sed",
        [B("./tools/build.sh"), B("file tools/build.sh"), B("sed -i 's/\\r$//' tools/build.sh"), B("./tools/build.sh")],
        lesson(3, "prepare", "either"),
        setup=(
            "mkdir -p tools && printf '#!/bin/bash\\r\\necho built\\r\\n' > tools/build.sh && chmod +x tools/build.sh",
        ),
    ),
    S(
        "bin-dir-script",
        "lesson/word",
        "bash",
        [B("deploy-check --env staging"), B("ls bin"), B("./bin/deploy-check --env staging")],
        lesson(2, "replace", "yes"),
        files={"bin/deploy-check": X('#!/bin/sh\necho "checks passed ($2)"\n')},
    ),
]

GIT = [
    S(
        "git-push-branch-name",
        "lesson/word",
        "git",
        [B("git push -q origin master"), B("git branch"), B("git push -q origin main")],
        lesson(2, "replace", "either"),
        files={"a.txt": "a\n"},
        setup=(GIT_INIT, bare_remote()),
    ),
    S(
        "git-rebase-stash",
        "lesson/prepare",
        "git",
        [B("git rebase -q origin/main"), B("git stash -q && git rebase -q origin/main && git stash pop -q")],
        lesson(1, "prepare", "either"),
        files={"a.txt": "a\n", "notes.md": "n\n"},
        setup=(
            GIT_INIT,
            bare_remote(),
            other_clone_pushes("echo b > b.txt && git add b.txt && git commit -qm b && git push -q origin main"),
            "git fetch -q origin",
            "echo changed >> notes.md",
        ),
    ),
    S(
        "git-submodule-init",
        "lesson/prepare",
        "git make",
        [
            B("make -C vendor/fmtlib"),
            B("cat .gitmodules"),
            B("git submodule update --init -q"),
            B("make -C vendor/fmtlib"),
        ],
        lesson(3, "prepare", "either"),
        setup=(
            "git init -q -b main @BASE@/fmtlib && cd @BASE@/fmtlib && printf 'all:\\n\\t@echo fmtlib built\\n' > Makefile && git add Makefile && git commit -qm fmt",
            "git init -q -b main && git -c protocol.file.allow=always submodule add -q @BASE@/fmtlib vendor/fmtlib && git commit -qm sub",
            "git clone -q . @BASE@/fresh && rm -rf ./* ./.git* && cp -a @BASE@/fresh/. .",
            "git config --file @HOME@/.gitconfig protocol.file.allow always",
        ),
    ),
    S(
        "git-worktree-new-branch",
        "lesson/run",
        "git",
        [B("git worktree add -q .wt/hotfix hotfix"), B("git worktree add -q -b hotfix .wt/hotfix")],
        lesson(1, "replace", "either"),
        files={"a.txt": "a\n", ".gitignore": ".wt/\n"},
        setup=(GIT_INIT,),
    ),
    S(
        "git-fetch-then-track",
        "lesson/prepare",
        "git",
        [
            B("git checkout -q -b feature/billing origin/feature/billing"),
            B("git fetch -q origin"),
            B("git checkout -q -b feature/billing origin/feature/billing"),
        ],
        lesson(2, "prepare", "either"),
        files={"a.txt": "a\n"},
        setup=(
            GIT_INIT,
            bare_remote(),
            other_clone_pushes(
                "git checkout -q -b feature/billing && echo b > b.txt && git add b.txt && git commit -qm b && git push -q origin feature/billing"
            ),
        ),
    ),
]

FILE_TOOLS = [
    S(
        "edit-path-typo",
        "lesson/word",
        "Edit Read",
        [
            E("conf/app.yml", "replicas: 1", "replicas: 2"),
            R("config/app.yml"),
            E("config/app.yml", "replicas: 1", "replicas: 2"),
        ],
        lesson(2, "replace", "yes"),
        files={"config/app.yml": "replicas: 1\n"},
    ),
    S(
        "glob-then-read-helpers",
        "lesson/word",
        "Read Glob",
        [R("src/utils/helpers.ts"), G("**/helpers.*"), R("src/lib/helpers.ts")],
        lesson(2, "replace", "yes"),
        files={"src/lib/helpers.ts": "export const x = 1;\n"},
    ),
    S(
        "glob-folder-typo",
        "lesson/word",
        "Glob",
        [G("**/*.sql", "migration"), G("**/*.sql", "migrations")],
        lesson(1, "replace", "yes"),
        files={"migrations/001.sql": "select 1;\n"},
    ),
    S(
        "read-too-large",
        "either/file-tool",
        "Read",
        [R("logs/app.log"), R("logs/app.log", offset=1, limit=200)],
        either("lesson", 1, "replace", ("retry", "none", "work")),
        setup=("mkdir -p logs && python3 -c \"print(('x' * 120 + chr(10)) * 12000, end='')\" > logs/app.log",),
    ),
    S(
        "read-directory",
        "either/file-tool",
        "Read",
        [R("src"), B("ls src")],
        either("lesson", 1, "other-tool", ("none", "retry", "work")),
        files={"src/a.py": "a\n"},
    ),
]

SUB_AGENT = [
    S(
        "sub-ninja-dir",
        "lesson/sub-agent",
        "ninja",
        [B("ninja test_runner"), B("ls"), B("ninja -C build test_runner")],
        lesson(2, "replace", "either"),
        files=CMAKE_NINJA,
        setup=("cmake -G Ninja -S . -B build > /dev/null",),
        agent="builder",
    ),
    S(
        "sub-psql-db",
        "lesson/sub-agent",
        "psql",
        [B("psql -d inventory -c 'select 1'"), B("psql -d inventory_dev -c 'select 1'")],
        lesson(1, "replace", "either"),
        postgres=True,
        setup=("psql -q -c 'create database inventory_dev'",),
        agent="builder",
    ),
    S(
        "sub-edit-path",
        "lesson/sub-agent",
        "Edit Read Glob",
        [
            E("settings.toml", "debug = true", "debug = false"),
            G("**/settings.toml"),
            R("app/settings.toml"),
            E("app/settings.toml", "debug = true", "debug = false"),
        ],
        lesson(3, "replace", "yes"),
        files={"app/settings.toml": "debug = true\n"},
        agent="builder",
    ),
    S(
        "sub-unzip-path",
        "lesson/sub-agent",
        "unzip",
        [B("unzip -qo fonts.zip -d public"), B("unzip -qo assets/fonts.zip -d public")],
        lesson(1, "replace", "yes"),
        files={"f.txt": "f\n"},
        setup=("mkdir -p assets && zip -q assets/fonts.zip f.txt",),
        agent="builder",
    ),
]

SCENARIOS = [*POSTGRES, *BUILD, *FILES_AND_DATA, *RUNNING, *GIT, *FILE_TOOLS, *SUB_AGENT]
