"""A throwaway PostgreSQL server on loopback for the shared-store tests (real server, real protocol).

    with PostgresServer.start_new() as server:
        url = server.url            # postgresql://nevo@127.0.0.1:PORT/nevo
        server.stop(); server.start()  # the server going away in the middle of work

The cluster lives in a fresh folder under /tmp (initdb with trust auth on 127.0.0.1 only and a unix
socket in the same folder), so it never clashes with a package's own cluster. As root, initdb and
the server run as the `postgres` user the Debian package creates (initdb refuses root). Where no
server binaries are found, :func:`postgres_binaries` returns None and the tests skip with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_MISSING = "needs PostgreSQL server binaries (apt-get install postgresql; .ci/run installs it)"
REQUIRE_ENV = "NEVO_REQUIRE_POSTGRES"  # set (by .ci/run): missing binaries fail the tests instead of skipping them
_ROLE = "nevo"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway server for the whole run (it starts in a few seconds); tests take a database each."""
    if postgres_binaries() is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but the PostgreSQL tests cannot run: {PG_MISSING}")
        pytest.skip(PG_MISSING)
    server = PostgresServer.start_new()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a fresh database on the session's server: every test has its own (isolation)."""
    pg_server.ensure_running()  # a test that stopped the server and failed before starting it again
    return pg_server.create_database(f"t_{uuid.uuid4().hex[:16]}")


def postgres_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them off PATH), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for folder in candidates:
        if os.access(os.path.join(folder, "initdb"), os.X_OK) and os.access(os.path.join(folder, "pg_ctl"), os.X_OK):
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    folder: Path
    port: int
    run_as: str | None  # "postgres" when we are root

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{_ROLE}@127.0.0.1:{self.port}/{_ROLE}"

    def url_for(self, database: str) -> str:
        return f"postgresql://{_ROLE}@127.0.0.1:{self.port}/{database}"

    # -- life cycle -----------------------------------------------------------------------------
    @classmethod
    def start_new(cls) -> PostgresServer:
        bin_dir = postgres_binaries()
        if bin_dir is None:
            raise RuntimeError(PG_MISSING)
        folder = Path(tempfile.mkdtemp(prefix="nevo-pg-", dir="/tmp"))
        run_as = "postgres" if os.geteuid() == 0 else None
        os.chmod(folder, 0o755)
        if run_as:
            shutil.chown(folder, user=run_as, group=None)
        server = cls(bin_dir, folder, _free_port(), run_as)
        server._run(
            "initdb",
            "-D",
            str(server.data_dir),
            "-U",
            _ROLE,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        server.start()
        server._run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", _ROLE, _ROLE, optional=True)
        return server

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "120",
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-t", "120", "-m", "fast", "stop", optional=True)

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", optional=True).returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", _ROLE, name)
        return self.url_for(name)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    def _run(self, program: str, *args: str, optional: bool = False) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=self.folder)
        if done.returncode != 0 and not optional:
            log = (self.folder / "log").read_text(errors="replace")[-2000:] if (self.folder / "log").exists() else ""
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}\n{log}")
        return done
