"""Real tool output for the redaction benchmark: real tools run on temporary copies of public
projects (from the fetched mirrors in /work/.mirror), their output kept under
$NEVO_BENCH_CACHE/tool-output (default /tmp/nevo-bench). Nothing here is committed but this script.

Run: python bench/tool_output.py        (skips an output already there; --force redoes all)

Tools: git (log with stats and patches, blame, status), pytest (-v on requests' and flask's own
test suites where their dependencies are importable, --collect-only otherwise), pip (download
-v, install --dry-run -v, list), npm (install with http logging, ls, audit), ruff and mypy on real
code, python -m compileall. A tool that is missing or fails still leaves what it printed: failures
are tool output too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ordinary_corpus import CACHE, MIRROR, available

OUT = CACHE / "tool-output"
MAX_BYTES = 4_000_000  # per output: a few long logs must not drown the rest


def _run(cmd: list[str], cwd: Path, timeout: int = 600, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"$ {' '.join(cmd)}\n[{type(exc).__name__}: {exc}]\n"
    return f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}[exit {proc.returncode}]\n"


def _checkout(repo: str, into: Path) -> Path:
    """A work tree of the mirror's newest commit (git archive | tar), for tools that need files."""
    target = into / repo.split("+", 1)[1]
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "--git-dir", str(MIRROR / repo / "repo"), "archive", "HEAD"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _venv(work: Path, *packages: str) -> tuple[str, str]:
    """A fresh virtualenv with `packages` installed (registry or local wheels): (python, pip's output)."""
    folder = work / "venv"
    if not folder.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    return python, _run([python, "-m", "pip", "install", "-v", *packages], work, timeout=900)


def _save(name: str, text: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.txt").write_text(text[:MAX_BYTES], encoding="utf-8")
    print(f"{name}: {min(len(text), MAX_BYTES) / 1e6:.2f} MB")


def produce(force: bool = False) -> None:
    def want(name: str) -> bool:
        return force or not (OUT / f"{name}.txt").exists()

    with tempfile.TemporaryDirectory(prefix="nevo-bench-") as tmp:
        work = Path(tmp)
        git_dir = lambda repo: ["git", "--git-dir", str(MIRROR / repo / "repo")]  # noqa: E731
        if available("curl+curl") and want("git-log-stat-curl"):
            _save("git-log-stat-curl", _run([*git_dir("curl+curl"), "log", "--stat", "-n", "3000"], work))
        if available("prometheus+prometheus") and want("git-log-patch-prometheus"):
            cmd = [*git_dir("prometheus+prometheus"), "log", "-p", "-n", "400", "--", "cmd", "config"]
            _save("git-log-patch-prometheus", _run(cmd, work))
        if available("sqlalchemy+sqlalchemy") and want("git-log-oneline-sqlalchemy"):
            cmd = [*git_dir("sqlalchemy+sqlalchemy"), "log", "--format=%h %an %ad %s", "-n", "20000"]
            _save("git-log-oneline-sqlalchemy", _run(cmd, work))
        if available("psf+requests") and want("pytest-requests"):
            src = _checkout("psf+requests", work)
            python, out = _venv(work, str(src), "pytest", "pytest-httpbin", "trustme", "pytest-mock")
            out += _run([python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests"], src, timeout=900)
            out += _run(["git", "init", "-q"], src) + _run(["git", "status"], src)
            _save("pytest-requests", out)
        if available("pallets+flask") and want("pytest-flask"):
            src = _checkout("pallets+flask", work)
            python, out = _venv(work, str(src), "pytest", "mypy")
            out += _run([python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests"], src, timeout=900)
            out += _run([python, "-m", "mypy", "src"], src, timeout=900)
            _save("pytest-flask", out)
        if available("sqlalchemy+sqlalchemy") and want("ruff-sqlalchemy"):
            src = _checkout("sqlalchemy+sqlalchemy", work)
            out = _run(["ruff", "check", "--no-cache", "--select", "E,W,F,B,UP,SIM", "lib", "test"], src, timeout=900)
            out += _run([sys.executable, "-m", "compileall", "-f", "lib"], src, timeout=900)
            _save("ruff-sqlalchemy", out)
        if want("pip-verbose"):
            out = _run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-v",
                    "--no-deps",
                    "-d",
                    str(work / "dl"),
                    "requests==2.31.0",
                ],
                work,
            )
            out += _run(
                [sys.executable, "-m", "pip", "install", "--dry-run", "-v", "--ignore-installed", "flask", "httpx"],
                work,
            )
            out += _run([sys.executable, "-m", "pip", "list", "-v"], work)
            _save("pip-verbose", out)
        if available("expressjs+express") and shutil.which("npm") and want("npm-express"):
            src = _checkout("expressjs+express", work)
            env = {"npm_config_cache": str(work / "npm-cache"), "npm_config_update_notifier": "false"}
            out = _run(["npm", "install", "--loglevel=http", "--no-fund"], src, timeout=900, env=env)
            out += _run(["npm", "ls", "--all"], src, env=env)
            out += _run(["npm", "audit"], src, env=env)
            out += _run(["npm", "test"], src, timeout=900, env=env)
            _save("npm-express", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="produce every output again")
    produce(parser.parse_args().force)


if __name__ == "__main__":
    main()
