"""Ordinary material for the redaction benchmark: source code and tool output that no one here wrote.

Source code is read at run time from public repositories fetched into /work/.mirror (a bare git
directory each, no work tree: files come from `git ls-tree` and `git cat-file --batch`). Nothing
fetched is committed. Tool output comes from bench/tool_output.py (real tools run on temporary
projects), cached under the folder given by NEVO_BENCH_CACHE (default /tmp/nevo-bench).

One whole repository (HELDOUT_REPOS) is kept aside: it is measured only once tuning is over.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MIRROR = Path(os.environ.get("NEVO_MIRROR", "/work/.mirror"))
CACHE = Path(os.environ.get("NEVO_BENCH_CACHE", "/tmp/nevo-bench"))
# owner+name as the mirror names them; languages: Python, C, Go, JavaScript/TypeScript, Rust
TUNE_REPOS = (
    "sqlalchemy+sqlalchemy",
    "curl+curl",
    "prometheus+prometheus",
    "vuejs+core",
    "expressjs+express",
    "tokio-rs+tokio",
    "BurntSushi+ripgrep",
    "pallets+flask",
    "psf+requests",
    "encode+httpx",
)
HELDOUT_REPOS = ("docker+cli",)  # Go, with its vendored dependencies: login, auth and credential code
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Document:
    source: str  # repository, or "tool-output"
    path: str
    text: str


def _git_dir(repo: str) -> Path:
    return MIRROR / repo / "repo"


def available(repo: str) -> bool:
    return (_git_dir(repo) / "HEAD").exists()


def repo_documents(repo: str) -> Iterator[Document]:
    """Every text file (valid UTF-8, no NUL byte) of the repository's newest commit."""
    git_dir = _git_dir(repo)
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-l", "-z", "HEAD"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8", "replace")
    wanted: list[tuple[str, str]] = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        _mode, kind, sha, size = meta.split()
        if kind == "blob" and size.isdigit() and 0 < int(size) <= MAX_FILE_BYTES:
            wanted.append((sha, path))
    with subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for sha, path in wanted:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
            if b"\0" in data[:8192]:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            yield Document(repo.split("+", 1)[1], path, text)
        proc.stdin.close()


def tool_output_documents() -> Iterator[Document]:
    folder = CACHE / "tool-output"
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.txt")):
        yield Document("tool-output", path.name, path.read_text("utf-8", "replace"))
