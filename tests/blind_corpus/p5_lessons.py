"""Phase 5, lessons (a third blind set: written and labelled before reading nevo's judgment, with programs and
errors phases 1 and 3 used little or not at all; measured once, its HOLD5 part only at the very end)."""

from __future__ import annotations

# ruff: noqa: E501 (scenario data: shell commands and file contents read best unbroken)
from tests.blind_corpus.dsl import GR, B, G, R, S, X, lesson
from tests.blind_corpus.projects import CARGO_TOML, GIT_INIT, VENV, package_json

PY312_ONLY = "from itertools import batched\n\nfor chunk in batched(range(7), 3):\n    print(list(chunk))\n"
NODE_ENV_APP = (
    "const url = process.env.DATABASE_URL;\n"
    "if (!url) { console.error('config: DATABASE_URL is not set'); process.exit(2); }\n"
    "console.log(`connected to ${url.split('@').pop()}`);\n"
)
WORKSPACES = {
    "package.json": package_json("shop", {"test": "echo 'root: no tests'"}, workspaces=["packages/*"]),
    "packages/api/package.json": package_json(
        "@shop/api",
        {"test": "node -e \"console.log('api: 14 passing')\"", "typecheck": "node -e \"console.log('api: types ok')\""},
    ),
    "packages/web/package.json": package_json("@shop/web", {"build": "node -e \"console.log('web: bundle 41 kB')\""}),
}
TF_MODULE = {
    "main.tf": 'module "net" {\n  source = "./modules/net"\n  cidr   = "10.0.0.0/16"\n}\noutput "cidr" {\n  value = module.net.cidr\n}\n',
    "modules/net/main.tf": 'variable "cidr" {\n  type = string\n}\noutput "cidr" {\n  value = var.cidr\n}\n',
}
PG_SALES = "psql -q -c 'create database sales_p5' && psql -q -d sales_p5 -c 'create schema sales; create table sales.orders(id int, total numeric); insert into sales.orders values (1, 9.5)'"

INTERPRETERS = [
    S(
        "pyenv-shim-absolute-interpreter",
        "lesson/run",
        "pyenv python",
        [
            B("python3.12 tools/chunk.py"),
            B("ls /root/.pyenv/versions"),
            B("/root/.pyenv/versions/3.12.1/bin/python3.12 tools/chunk.py"),
        ],
        lesson(2, "replace", "either"),
        files={"tools/chunk.py": PY312_ONLY},
    ),
    S(
        "python312-stdlib-interpreter",
        "lesson/run",
        "pyenv python",
        [B("python3 tools/chunk.py"), B("/root/.pyenv/versions/3.12.1/bin/python3 tools/chunk.py")],
        lesson(1, "replace", "either"),
        files={"tools/chunk.py": PY312_ONLY},
    ),
    S(
        "python2-print-statement",
        "lesson/run",
        "pyenv python",
        [
            B("python3 legacy/report.py"),
            B("head -3 legacy/report.py"),
            B("/root/.pyenv/versions/2.7.18/bin/python legacy/report.py"),
        ],
        lesson(2, "replace", "either"),
        files={
            "legacy/report.py": "# runs on the old reporting box (python 2)\nimport sys\nprint 'report: %d rows' % 12\n"
        },
    ),
    S(
        "python312-fstring-quotes",
        "lesson/run",
        "pyenv python",
        [
            B("python3 render.py"),
            B("ls /root/.pyenv/versions"),
            B("/root/.pyenv/versions/3.12.1/bin/python3 render.py"),
        ],
        lesson(2, "replace", "either"),
        files={"render.py": 'row = {"name": "widget", "qty": 3}\nprint(f"{row["name"]}: {row["qty"]}")\n'},
    ),
    S(
        "shebang-less-script-run-by-shell",
        "lesson/run",
        "python bash",
        [B("./manage.py check"), B("python3 manage.py check")],
        lesson(1, "replace", "either"),
        files={
            "manage.py": X(
                "import sys\n\nif sys.argv[1:] == ['check']:\n    print('System check identified no issues (0 silenced).')\n"
            )
        },
    ),
    S(
        "node-typescript-source-dist",
        "lesson/run",
        "node",
        [B("node src/app.ts"), B("ls dist"), B("node dist/app.js")],
        lesson(2, "replace", "either"),
        files={
            "package.json": package_json("tsapp", {"build": "tsc"}),
            "src/app.ts": "const port: number = 8080;\nconsole.log(`listening on ${port}`);\n",
            "dist/app.js": "const port = 8080;\nconsole.log(`listening on ${port}`);\n",
        },
    ),
    S(
        "rustc-edition-flag",
        "lesson/run",
        "rustc",
        [B("rustc -o fetch fetch.rs"), B("rustc --edition 2021 -o fetch fetch.rs")],
        lesson(1, "replace", "either"),
        files={"fetch.rs": 'async fn ping() -> u8 { 1 }\nfn main() { let _ = ping(); println!("ok"); }\n'},
    ),
    S(
        "javac-release-records",
        "lesson/run",
        "javac",
        [B("javac --release 8 -d out Point.java"), B("javac --release 17 -d out Point.java")],
        lesson(1, "replace", "either"),
        files={
            "Point.java": "public record Point(int x, int y) {\n  public static void main(String[] a) { System.out.println(new Point(1, 2)); }\n}\n"
        },
    ),
    S(
        "java-package-main-class",
        "lesson/word",
        "java javac",
        [B("javac -d out src/app/Main.java && java -cp out Main"), B("java -cp out app.Main")],
        lesson(1, "replace", "either"),
        files={
            "src/app/Main.java": 'package app;\npublic class Main { public static void main(String[] a) { System.out.println("app 2.1 ready"); } }\n'
        },
    ),
]

MONOREPO = [
    S(
        "npm-root-missing-script-workspace",
        "lesson/folder",
        "npm",
        [B("npm run typecheck"), B("npm run typecheck --workspace=packages/api")],
        lesson(1, "replace", "either"),
        files=WORKSPACES,
    ),
    S(
        "pnpm-absent-npm-workspace",
        "lesson/other-tool",
        "pnpm npm",
        [B("pnpm --filter @shop/web build"), B("npm run build -w @shop/web")],
        lesson(1, "other-tool", "either"),
        files=WORKSPACES,
    ),
    S(
        "yarn-absent-npm",
        "lesson/other-tool",
        "yarn npm",
        [B("yarn test"), B("ls"), B("npm test")],
        lesson(2, "other-tool", "either"),
        files={
            "package.json": package_json("ui", {"test": "node -e \"console.log('ui: 9 passing')\""}),
            "package-lock.json": '{"lockfileVersion": 3, "requires": true, "packages": {}}\n',
        },
    ),
    S(
        "cargo-virtual-workspace-run",
        "lesson/folder",
        "cargo",
        [B("cargo run -q"), B("cargo run -q -p ledger-cli")],
        lesson(1, "replace", "either"),
        files={
            "Cargo.toml": '[workspace]\nmembers = ["cli", "server"]\nresolver = "2"\n',
            "cli/Cargo.toml": CARGO_TOML.replace("{name}", "ledger-cli"),
            "cli/src/main.rs": 'fn main() { println!("ledger 0.1: 3 accounts"); }\n',
            "server/Cargo.toml": CARGO_TOML.replace("{name}", "ledger-server"),
            "server/src/main.rs": 'fn main() { println!("serving"); }\n',
        },
    ),
    S(
        "cargo-required-features",
        "lesson/run",
        "cargo",
        [B("cargo run -q --bin export"), B("cargo run -q --bin export --features csv")],
        lesson(1, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.replace("{name}", "books")
            + '\n[features]\ncsv = []\n\n[[bin]]\nname = "export"\npath = "src/bin/export.rs"\nrequired-features = ["csv"]\n',
            "src/main.rs": "fn main() {}\n",
            "src/bin/export.rs": 'fn main() { println!("exported 4 rows"); }\n',
        },
    ),
    S(
        "make-dash-C-dir-name",
        "lesson/folder",
        "make",
        [B("make -C back lint"), B("ls"), B("make -C backend lint")],
        lesson(2, "replace", "yes"),
        files={
            "backend/Makefile": "lint:\n\t@echo 'lint: 0 problems'\n",
            "frontend/Makefile": "lint:\n\t@echo 'lint ok'\n",
        },
    ),
    S(
        "make-root-no-makefile-subdir",
        "lesson/folder",
        "make",
        [B("make test"), B("make -C services/billing test")],
        lesson(1, "replace", "either"),
        files={
            "services/billing/Makefile": "test:\n\t@echo 'billing: 22 passed'\n",
            "README.md": "# Billing monorepo\n",
        },
    ),
    S(
        "mvn-no-pom-file-flag",
        "lesson/folder",
        "mvn",
        [B("mvn -o -q validate"), B("mvn -o -q -f services/orders/pom.xml validate")],
        lesson(1, "replace", "either"),
        files={
            "services/orders/pom.xml": "<project><modelVersion>4.0.0</modelVersion><groupId>shop</groupId><artifactId>orders</artifactId><version>1.0</version></project>\n"
        },
    ),
    S(
        "pip-editable-subpackage",
        "lesson/folder",
        "pip venv",
        [B(".venv/bin/pip install -q -e ."), B("ls packages"), B(".venv/bin/pip install -q -e packages/core")],
        lesson(2, "replace", "either"),
        files={
            "README.md": "# monorepo: packages/core, packages/cli\n",
            "packages/core/pyproject.toml": "[project]\nname='acme-core'\nversion='0.1'\n[build-system]\nrequires=['setuptools']\nbuild-backend='setuptools.build_meta'\n",
            "packages/core/acme_core/__init__.py": "",
        },
        setup=(VENV.format(flags=""),),
    ),
    S(
        "ruff-config-path",
        "lesson/word",
        "ruff",
        [B("ruff check --config ruff.toml src"), B("ls tools"), B("ruff check --config tools/ruff.toml src")],
        lesson(2, "replace", "yes"),
        files={"tools/ruff.toml": "line-length = 100\n", "src/app.py": "print('hi')\n"},
    ),
]

BUILD = [
    S(
        "make-include-copy-example",
        "lesson/prepare",
        "make cp",
        [B("make build"), B("cp config.mk.example config.mk"), B("make build")],
        lesson(2, "prepare", "either"),
        files={
            "Makefile": 'include config.mk\nbuild:\n\t@echo "building for $(TARGET)"\n',
            "config.mk.example": "TARGET ?= linux-x64\n",
        },
    ),
    S(
        "make-include-dir-flag",
        "lesson/run",
        "make",
        [B("make dist"), B("make -I mk dist")],
        lesson(1, "replace", "either"),
        files={"Makefile": 'include common.mk\ndist:\n\t@echo "dist $(NAME)"\n', "mk/common.mk": "NAME = shipit\n"},
    ),
    S(
        "make-required-variable",
        "lesson/run",
        "make",
        [B("make release"), B("make release VERSION=1.4.0")],
        lesson(1, "replace", "either"),
        files={
            "Makefile": 'release:\nifndef VERSION\n\t$(error VERSION is required, e.g. make release VERSION=1.2.3)\nendif\n\t@echo "tagging v$(VERSION)"\n'
        },
    ),
    S(
        "cmake-preset-name",
        "lesson/word",
        "cmake",
        [B("cmake --preset release"), B("cmake --list-presets"), B("cmake --preset rel")],
        lesson(2, "replace", "either"),
        files={
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.21)\nproject(p5 C)\nadd_executable(app app.c)\n",
            "app.c": "int main(void) { return 0; }\n",
            "CMakePresets.json": '{"version": 3, "configurePresets": [{"name": "rel", "binaryDir": "build-rel", "cacheVariables": {"CMAKE_BUILD_TYPE": "Release"}}]}\n',
        },
    ),
    S(
        "terraform-init-local-module",
        "lesson/prepare",
        "terraform",
        [
            B("terraform validate -no-color"),
            B("terraform init -backend=false -no-color"),
            B("terraform validate -no-color"),
        ],
        lesson(2, "prepare", "either"),
        files=TF_MODULE,
    ),
    S(
        "terraform-required-var-env",
        "lesson/run",
        "terraform",
        [
            B("terraform plan -input=false -no-color"),
            B("TF_VAR_region=eu-west-1 terraform plan -input=false -no-color"),
        ],
        lesson(1, "replace", "either"),
        files={
            "main.tf": 'variable "region" {\n  type = string\n}\noutput "where" {\n  value = "deploying to ${var.region}"\n}\n'
        },
        setup=("terraform init -no-color > /dev/null",),
    ),
    S(
        "node-build-first-dist",
        "lesson/prepare",
        "node npm",
        [B("node scripts/seed.js"), B("npm run build"), B("node scripts/seed.js")],
        lesson(2, "prepare", "either"),
        files={
            "package.json": package_json("seeder", {"build": "mkdir -p dist && cp src/data.js dist/data.js"}),
            "src/data.js": "module.exports = { rows: 5 };\n",
            "scripts/seed.js": "const { rows } = require('../dist/data.js');\nconsole.log(`seeded ${rows} rows`);\n",
        },
    ),
    S(
        "tar-xz-flag",
        "lesson/run",
        "tar",
        [B("tar xzf vendor.tar.xz"), B("tar xJf vendor.tar.xz")],
        lesson(1, "replace", "either"),
        files={"src/lib.txt": "lib\n"},
        setup=("tar cJf vendor.tar.xz src && rm -r src",),
    ),
    S(
        "bzip2-other-tool",
        "lesson/other-tool",
        "gunzip bunzip2",
        [B("gunzip -k dump.sql.bz2"), B("bunzip2 -k dump.sql.bz2")],
        lesson(1, "other-tool", "either"),
        files={"dump.sql": "create table t(id int);\n"},
        setup=("bzip2 dump.sql",),
    ),
    S(
        "mkdir-parents",
        "lesson/run",
        "mkdir",
        [B("mkdir build/reports/coverage"), B("mkdir -p build/reports/coverage")],
        lesson(1, "replace", "either"),
    ),
    S(
        "cp-directory-recursive",
        "lesson/run",
        "cp",
        [B("cp assets dist/"), B("cp -r assets dist/")],
        lesson(1, "replace", "either"),
        files={"assets/logo.svg": "<svg/>\n", "dist/index.html": "<html></html>\n"},
    ),
    S(
        "xargs-spaces-in-names",
        "lesson/run",
        "find wc xargs",
        [B("wc -l $(find notes -name '*.md')"), B("find notes -name '*.md' -print0 | xargs -0 wc -l")],
        lesson(1, "replace", "either"),
        files={"notes/meeting one.md": "a\nb\n", "notes/plan.md": "c\n"},
    ),
    S(
        "git-apply-strip-level",
        "lesson/run",
        "git",
        [B("git apply fix.patch"), B("git apply -p2 fix.patch")],
        lesson(1, "replace", "either"),
        files={
            "lib/calc.py": "def add(a, b):\n    return a - b\n",
            "fix.patch": "--- a/upstream/lib/calc.py\n+++ b/upstream/lib/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n",
        },
        setup=(GIT_INIT,),
    ),
    S(
        "jq-array-index",
        "lesson/word",
        "jq",
        [B("jq -r .name services.json"), B("jq -r '.[].name' services.json")],
        lesson(1, "replace", "either"),
        files={"services.json": '[{"name": "api"}, {"name": "worker"}]\n'},
    ),
]

DATA = [
    S(
        "psql-tcp-vs-socket",
        "lesson/run",
        "psql",
        [B("psql -h localhost -d inv_p5 -c 'select 1'"), B("psql -d inv_p5 -c 'select 1'")],
        lesson(1, "replace", "either"),
        postgres=True,
        setup=("psql -q -c 'create database inv_p5'",),
    ),
    S(
        "psql-schema-qualified",
        "lesson/word",
        "psql",
        [
            B("psql -d sales_p5 -c 'select count(*) from orders'"),
            B("psql -d sales_p5 -c '\\dt sales.*'"),
            B("psql -d sales_p5 -c 'select count(*) from sales.orders'"),
        ],
        lesson(2, "replace", "either"),
        postgres=True,
        setup=(PG_SALES,),
    ),
    S(
        "psql-script-variable",
        "lesson/run",
        "psql",
        [
            B("psql -v ON_ERROR_STOP=1 -d mig_p5 -f migrate.sql"),
            B("psql -v ON_ERROR_STOP=1 -v schema=billing -d mig_p5 -f migrate.sql"),
        ],
        lesson(1, "replace", "either"),
        files={"migrate.sql": "create schema if not exists :schema;\ncreate table :schema.invoices(id int);\n"},
        postgres=True,
        setup=("psql -q -c 'create database mig_p5'",),
    ),
    S(
        "pg-restore-custom-dump",
        "lesson/other-tool",
        "psql pg_restore",
        [B("psql -q -d copy_p5 -f backup.dump"), B("pg_restore -d copy_p5 backup.dump")],
        lesson(1, "other-tool", "either"),
        postgres=True,
        setup=(
            "psql -q -c 'create database src_p5' && psql -q -c 'create database copy_p5' && psql -q -d src_p5 -c 'create table kv(k text)' && pg_dump -Fc -d src_p5 -f backup.dump",
        ),
    ),
    S(
        "python-latin1-encoding-flag",
        "lesson/run",
        "python",
        [B("python3 count.py data/names.csv"), B("python3 count.py --encoding latin-1 data/names.csv")],
        lesson(1, "replace", "either"),
        files={
            "count.py": "import argparse\np = argparse.ArgumentParser()\np.add_argument('path')\np.add_argument('--encoding', default='utf-8')\na = p.parse_args()\nwith open(a.path, encoding=a.encoding) as f:\n    print(f'{sum(1 for _ in f)} names')\n"
        },
        setup=("mkdir -p data && printf 'Jos\\xe9\\nM\\xfcller\\n' > data/names.csv",),
    ),
    S(
        "iconv-then-jq",
        "lesson/prepare",
        "jq iconv",
        [
            B("python3 -c \"import json; print(len(json.load(open('export.json'))))\""),
            B("iconv -f latin1 -t utf-8 export.json > export.utf8.json"),
            B("python3 -c \"import json; print(len(json.load(open('export.utf8.json'))))\""),
        ],
        lesson(2, "prepare", "either"),
        setup=('printf \'["Fran\\xe7ois", "Ana"]\\n\' > export.json',),
    ),
    S(
        "node-env-file-flag",
        "lesson/run",
        "node",
        [B("node app.js"), B("node --env-file=.env app.js")],
        lesson(1, "replace", "either"),
        files={"app.js": NODE_ENV_APP, ".env": "DATABASE_URL=postgres://app@db.local/app\n"},
    ),
    S(
        "python-env-example-vars",
        "lesson/prepare",
        "python cp",
        [B("python3 settings_check.py"), B("cp .env.example .env"), B("python3 settings_check.py")],
        lesson(2, "prepare", "either"),
        files={
            "settings_check.py": "import pathlib, sys\nenv = dict(l.split('=', 1) for l in pathlib.Path('.env').read_text().split() if '=' in l) if pathlib.Path('.env').exists() else {}\nif 'SECRET_KEY' not in env:\n    sys.exit('settings: SECRET_KEY missing (no .env file; see .env.example)')\nprint('settings ok')\n",
            ".env.example": "SECRET_KEY=dev-only-change-me\nDEBUG=1\n",
        },
    ),
    S(
        "port-held-choose-other",
        "lesson/run",
        "python",
        [B("python3 serve.py --port @PORT@"), B("ss -ltnp | grep :@PORT@"), B("python3 serve.py --port @FREE_PORT@")],
        lesson(2, "replace", "no"),
        files={
            "serve.py": "import argparse, socket\np = argparse.ArgumentParser()\np.add_argument('--port', type=int)\na = p.parse_args()\ns = socket.socket()\ns.bind(('127.0.0.1', a.port))\nprint(f'dev server bound to {a.port} (check mode)')\n"
        },
        hold_port=True,
    ),
    S(
        "curl-api-version-path",
        "lesson/word",
        "curl",
        [B("curl -fsS @HTTP@/api/items"), B("curl -fsS @HTTP@/api/v1/items")],
        lesson(1, "replace", "either"),
    ),
    S(
        "python-module-case",
        "lesson/word",
        "python",
        [B("python3 -m Inventory.report"), B("python3 -m inventory.report")],
        lesson(1, "replace", "yes"),
        files={"inventory/__init__.py": "", "inventory/report.py": "print('inventory: 12 items')\n"},
    ),
]

CLAUDE_TOOLS = [
    S(
        "glob-path-missing",
        "lesson/word",
        "Glob",
        [G("*.sql", "db/migration"), G("*.sql", "db/migrations")],
        lesson(1, "replace", "yes"),
        files={"db/migrations/001_init.sql": "create table t(id int);\n"},
    ),
    S(
        "read-component-case",
        "lesson/word",
        "Read",
        [R("src/Components/Button.tsx"), R("src/components/Button.tsx")],
        lesson(1, "replace", "yes"),
        files={"src/components/Button.tsx": "export const Button = () => null;\n"},
    ),
    S(
        "read-config-case",
        "lesson/word",
        "Read",
        [R("config/App.yaml"), G("config/*"), R("config/app.yaml")],
        lesson(2, "replace", "yes"),
        files={"config/app.yaml": "port: 8080\n"},
    ),
    S(
        "read-extension-guess",
        "lesson/word",
        "Read",
        [R("docs/DEPLOY.md"), R("docs/DEPLOY.rst")],
        lesson(1, "replace", "yes"),
        files={"docs/DEPLOY.rst": "Deploy\n======\n"},
    ),
    S(
        "grep-path-src-layout",
        "lesson/word",
        "Grep",
        [GR("class Invoice", "invoicing"), GR("class Invoice", "src/invoicing")],
        lesson(1, "replace", "yes"),
        files={"src/invoicing/models.py": "class Invoice:\n    pass\n"},
    ),
    S(
        "edit-path-nested",
        "lesson/word",
        "Read Edit",
        [R("app/settings.py"), G("**/settings.py"), R("web/app/settings.py")],
        lesson(2, "replace", "yes"),
        files={"web/app/settings.py": "DEBUG = False\n"},
    ),
]

TOOLING = [
    S(
        "tox-absent-pytest",
        "lesson/other-tool",
        "tox pytest",
        [B("tox -e py311"), B("python3 -m pytest -q tests")],
        lesson(1, "other-tool", "either"),
        files={
            "tox.ini": "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest -q tests\n",
            "tests/test_ok.py": "def test_ok():\n    assert 1 + 1 == 2\n",
        },
    ),
    S(
        "uv-absent-pytest",
        "lesson/other-tool",
        "uv pytest",
        [B("uv run pytest -q"), B("python3 -m pytest -q")],
        lesson(1, "other-tool", "either"),
        files={
            "pyproject.toml": "[project]\nname='stats'\nversion='0.1'\n",
            "tests/test_mean.py": "def test_mean():\n    assert sum([2, 4]) / 2 == 3\n",
        },
    ),
    S(
        "pre-commit-absent-ruff",
        "lesson/other-tool",
        "pre-commit ruff",
        [B("pre-commit run --all-files"), B("cat .pre-commit-config.yaml"), B("ruff check .")],
        lesson(2, "other-tool", "either"),
        files={
            ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9\n    hooks:\n      - id: ruff\n",
            "app.py": "print('ok')\n",
        },
    ),
    S(
        "poetry-absent-venv-python",
        "lesson/other-tool",
        "poetry python",
        [B("poetry run python -m report"), B("python3 -m report")],
        lesson(1, "other-tool", "either"),
        files={
            "pyproject.toml": "[tool.poetry]\nname='report'\nversion='0.1.0'\n",
            "report/__init__.py": "",
            "report/__main__.py": "print('report: 3 sections')\n",
        },
    ),
    S(
        "nox-absent-make",
        "lesson/other-tool",
        "nox make",
        [B("nox -s lint"), B("make lint")],
        lesson(1, "other-tool", "either"),
        files={
            "noxfile.py": "import nox\n\n@nox.session\ndef lint(session):\n    session.run('make', 'lint')\n",
            "Makefile": "lint:\n\t@echo 'lint: clean'\n",
        },
    ),
]

SUBAGENT = [
    S(
        "sub-cargo-features",
        "lesson/sub-agent",
        "cargo",
        [B("cargo run -q --bin export"), B("cargo run -q --bin export --features csv")],
        lesson(1, "replace", "either"),
        files={
            "Cargo.toml": CARGO_TOML.replace("{name}", "books2")
            + '\n[features]\ncsv = []\n\n[[bin]]\nname = "export"\npath = "src/bin/export.rs"\nrequired-features = ["csv"]\n',
            "src/main.rs": "fn main() {}\n",
            "src/bin/export.rs": 'fn main() { println!("exported 4 rows"); }\n',
        },
        agent="builder",
    ),
    S(
        "sub-npm-workspace-script",
        "lesson/sub-agent",
        "npm",
        [B("npm run build"), B("npm run build -w packages/web")],
        lesson(1, "replace", "either"),
        files=WORKSPACES,
        agent="builder",
    ),
    S(
        "sub-terraform-init",
        "lesson/sub-agent",
        "terraform",
        [
            B("terraform validate -no-color"),
            B("terraform init -backend=false -no-color"),
            B("terraform validate -no-color"),
        ],
        lesson(2, "prepare", "either"),
        files=TF_MODULE,
        agent="builder",
    ),
    S(
        "sub-psql-socket",
        "lesson/sub-agent",
        "psql",
        [B("psql -h 127.0.0.1 -d sub_p5 -c 'select 1'"), B("psql -d sub_p5 -c 'select 1'")],
        lesson(1, "replace", "either"),
        postgres=True,
        setup=("psql -q -c 'create database sub_p5'",),
        agent="builder",
    ),
    S(
        "sub-glob-path",
        "lesson/sub-agent",
        "Glob",
        [G("*.yaml", "deploy/k8s"), G("*.yaml", "deploy/kubernetes")],
        lesson(1, "replace", "yes"),
        files={"deploy/kubernetes/api.yaml": "kind: Deployment\n"},
        agent="builder",
    ),
    S(
        "sub-java-main-class",
        "lesson/sub-agent",
        "java",
        [B("javac -d out src/tools/Gen.java && java -cp out Gen"), B("java -cp out tools.Gen")],
        lesson(1, "replace", "either"),
        files={
            "src/tools/Gen.java": 'package tools;\npublic class Gen { public static void main(String[] a) { System.out.println("generated 3 stubs"); } }\n'
        },
        agent="builder",
    ),
]

MORE = [
    S(
        "make-target-listed-in-help",
        "lesson/word",
        "make",
        [B("make migrate"), B("make help"), B("make db-migrate")],
        lesson(2, "replace", "either"),
        files={
            "Makefile": ".PHONY: help db-migrate\nhelp:\n\t@echo 'targets: db-migrate db-seed serve'\ndb-migrate:\n\t@echo 'migrated 3 files'\n"
        },
    ),
    S(
        "cargo-manifest-path-tools",
        "lesson/folder",
        "cargo",
        [
            B("cargo build -q --manifest-path xtask/Cargo.toml"),
            B("ls tools"),
            B("cargo build -q --manifest-path tools/xtask/Cargo.toml"),
        ],
        lesson(2, "replace", "yes"),
        files={
            "tools/xtask/Cargo.toml": CARGO_TOML.replace("{name}", "xtask"),
            "tools/xtask/src/main.rs": "fn main() {}\n",
        },
    ),
    S(
        "perl-module-lib-env",
        "lesson/run",
        "perl prove",
        [B("prove t/"), B("prove -l t/")],
        lesson(1, "replace", "either"),
        files={
            "lib/Slug.pm": "package Slug;\nsub make { my $s = lc shift; $s =~ s/\\W+/-/g; return $s }\n1;\n",
            "t/slug.t": "use strict; use Test::More tests => 1;\nuse Slug;\nis(Slug::make('Hello World'), 'hello-world');\n",
        },
    ),
    S(
        "sqlite-csv-mode",
        "lesson/run",
        "sqlite3",
        [
            B('sqlite3 -bail app.db "select count(*) from items"'),
            B('sqlite3 app.db ".import --csv items.csv items"'),
            B('sqlite3 -bail app.db "select count(*) from items"'),
        ],
        lesson(2, "prepare", "either"),
        files={"items.csv": "id,name\n1,bolt\n2,nut\n"},
    ),
    S(
        "git-dash-C-nested-repo",
        "lesson/folder",
        "git",
        [B("git -C api log --oneline -1"), B("git -C services/api log --oneline -1")],
        lesson(1, "replace", "either"),
        files={"services/api/main.py": "print('api')\n"},
        setup=("cd services/api && git init -q -b main && git add -A && git commit -qm 'api: first'",),
    ),
]

SCENARIOS = [*INTERPRETERS, *MONOREPO, *BUILD, *DATA, *CLAUDE_TOOLS, *TOOLING, *SUBAGENT, *MORE]
