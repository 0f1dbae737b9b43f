"""What the scenarios' calls talk to, all on this machine: a loopback HTTP server, an HTTPS one with a
self-signed certificate, a PostgreSQL server on a Unix socket, a process that holds a port, a process a
scenario runs in the background. Nothing reaches the network."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

INSTALL_SH = b"""#!/bin/sh
# installs the `protogen` helper for this project
mkdir -p "$HOME/.local/bin"
printf '#!/bin/sh\\necho "protogen 2.3: generated $# files"\\n' > "$HOME/.local/bin/protogen"
chmod +x "$HOME/.local/bin/protogen"
echo "protogen installed to $HOME/.local/bin"
"""
FILES = {
    "/health": b'{"status": "ok"}\n',
    "/install.sh": INSTALL_SH,
    "/fix.sh": b"#!/bin/sh\ntouch .repaired\necho 'cache repaired'\n",
    "/api/v1/items": b'[{"id": 1}]\n',
    "/dist/": b"app-1.0.3.tgz\napp-1.0.2.tgz\n",
    "/dist/app-1.0.3.tgz": b"(archive bytes)\n",
    "/v2/status": b'{"ready": true}\n',
}
PG_PORT = 5499


class _Handler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = FILES

    def do_GET(self) -> None:
        body = self.files.get(self.path.split("?")[0])
        data = body if body is not None else b"not found\n"
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", "17")
        self.end_headers()
        self.wfile.write(b'{"stored": true}\n')

    do_PUT = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        return


class _TLSServer(ThreadingHTTPServer):
    """TLS per connection, in the connection's own thread: a client that gives up during the handshake (it
    does not trust the certificate) never holds up the next one."""

    def __init__(self, address: tuple[str, int], handler: Any, context: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(10)
        try:
            secured = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused the certificate: that is the scenario
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()  # (the plain socket was handed over to it: closing it ends the connection)


@contextmanager
def _serve(server: ThreadingHTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Services:
    """The servers of one generation run, started when first needed and stopped at the end."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._stack: list[Any] = []
        self.http_port = 0
        self.https_port = 0
        self.pg_env: dict[str, str] = {}

    def __enter__(self) -> Services:
        self.http_port = self._enter(_serve(ThreadingHTTPServer(("127.0.0.1", 0), _Handler)))
        return self

    def __exit__(self, *exc: object) -> None:
        while self._stack:
            self._stack.pop().__exit__(None, None, None)
        if self.pg_env:
            self._pg_ctl("stop", "-m", "fast")

    def _enter(self, context: Any) -> Any:
        value = context.__enter__()
        self._stack.append(context)
        return value

    def https(self) -> int:
        """An HTTPS server for `localhost` whose certificate nobody trusts (it signed itself)."""
        if not self.https_port:
            tls = self.base / "tls"
            tls.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                 "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
            self.https_port = self._enter(_serve(_TLSServer(("127.0.0.1", 0), _Handler, context)))
        return self.https_port

    def postgres(self) -> dict[str, str]:
        """A PostgreSQL server on a Unix socket (run as the postgres user); the environment that reaches it."""
        if not self.pg_env:
            folder = self.base / "pg"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            shutil.chown(folder, "postgres")
            bin_dir = self._pg_bin()
            subprocess.run(
                ["runuser", "-u", "postgres", "--", f"{bin_dir}/initdb", "-D", str(folder / "data"), "-A", "trust",
                 "-U", "postgres"],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            self.pg_env = {"PGHOST": str(folder), "PGPORT": str(PG_PORT), "PGUSER": "postgres"}
            self._pg_ctl(
                "start", "-w", "-l", str(folder / "log"), "-o", f"-k {folder} -p {PG_PORT} -c listen_addresses=''"
            )
        return self.pg_env

    def _pg_bin(self) -> str:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not versions:
            raise RuntimeError("PostgreSQL's server programs are not installed (/usr/lib/postgresql/*/bin)")
        return str(versions[-1].parent)

    def _pg_ctl(self, *args: str) -> None:
        data = str(self.base / "pg" / "data")
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{self._pg_bin()}/pg_ctl", "-D", data, *args],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


@contextmanager
def held_port(enabled: bool) -> Iterator[int]:
    """A port another process listens on (the scenario's agent may free it: fuser -k, kill)."""
    port = free_port()
    if not enabled:
        yield port
        return
    code = (
        "import socket,time,sys\n"
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True); time.sleep(300)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        yield port
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=10)


@contextmanager
def background(command: str, cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """A scenario's own background process (it prints ``ready`` once it holds what it holds), ended after."""
    if not command:
        yield
        return
    process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError(f"background {command!r} did not say ready")
    try:
        yield
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
