"""Small project templates the scenarios share (each scenario still gets its own copy)."""

from __future__ import annotations

import json

from tests.blind_corpus.dsl import X

MAKEFILE = """.PHONY: build check clean dist unit lint
build:
\t@mkdir -p out && echo compiled > out/app.txt && echo "built out/app.txt"
check:
\t@echo "12 checks passed"
unit:
\t@echo "unit: 31 passed"
dist: build
\t@tar czf out/app.tgz out/app.txt && echo "packed out/app.tgz"
clean:
\t@rm -rf out
"""

GIT_INIT = "git init -q -b main && git add -A && git commit -qm 'initial import'"


def package_json(name: str, scripts: dict[str, str], **extra: object) -> str:
    return json.dumps({"name": name, "version": "1.0.0", "private": True, "scripts": scripts, **extra}, indent=2) + "\n"


def bare_remote(name: str = "origin") -> str:
    """Setup: a local bare repository as the remote, main pushed and tracked."""
    return (
        f"git init -q --bare -b main @BASE@/{name}.git && git remote add {name} @BASE@/{name}.git "
        f"&& git push -q -u {name} main"
    )


def other_clone_pushes(commands: str) -> str:
    """Setup: someone else clones origin, runs ``commands`` there (commits, branches) and pushes."""
    return f"git clone -q @BASE@/origin.git @BASE@/other && cd @BASE@/other && {commands}"


PY_CART = {
    "shop/__init__.py": "",
    "shop/cart.py": (
        "def total(prices, discount=0.0):\n"
        "    subtotal = sum(prices)\n"
        "    return round(subtotal - subtotal * discount, 2)\n"
        "\n"
        "def discounted(price, percent):\n"
        "    return price - percent\n"
    ),
    "tests/__init__.py": "",
    "tests/test_cart.py": (
        "from shop.cart import discounted, total\n\n"
        "def test_total():\n    assert total([1, 2, 3]) == 6\n\n"
        "def test_discount():\n    assert discounted(200, 10) == 180\n"
    ),
}

HOOK_FAILS = X(
    "#!/bin/sh\n"
    "if git diff --cached --name-only | grep -q '\\.py$'; then\n"
    "  echo 'pre-commit: flake-check found 2 problems in app.py (line too long)' >&2\n"
    "  exit 1\n"
    "fi\n"
)

SERVE_PY = (
    "import argparse, socket\n"
    "p = argparse.ArgumentParser()\n"
    "p.add_argument('--port', type=int, required=True)\n"
    "a = p.parse_args()\n"
    "s = socket.socket()\n"
    "s.bind(('127.0.0.1', a.port))\n"
    "s.listen()\n"
    "print(f'serving on 127.0.0.1:{a.port} (smoke mode: exiting)')\n"
    "s.close()\n"
)

CARGO_TOML = '[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'

FLAKY = (
    "#!/bin/sh\n"
    "# fails on its first run in this project, passes afterwards (a timing-dependent integration check)\n"
    "count_file=.flaky-count\n"
    "n=$(cat $count_file 2>/dev/null || echo 0)\n"
    "echo $((n + 1)) > $count_file\n"
    "if [ \"$n\" = 0 ]; then echo 'integration: timed out waiting for worker (5s)' >&2; exit 1; fi\n"
    "echo 'integration: 8 passed'\n"
)

# A project virtualenv that installs only from the local wheel folder (never a package index).
VENV = (
    "python3 -m venv {flags} .venv && printf '[global]\\nno-index = true\\nfind-links = @WHEELS@\\n' > .venv/pip.conf"
)
