"""Real LRS peers for integration tests (pytest plugin: `learning_locker`, `ralph_lrs`).

Two independently written LRSs (see docs TEST-PEERS.md), each a real process on
127.0.0.1, on a free port, with a fresh store per test module; stopped by the process
group of their own pid, so nothing is left behind. Learning Locker is the strict one
(400 for invalid statements or a bad version header); Ralph is lax (422, no version
check) but independent. Also registers `fault_lrs` (tests/support/fault_lrs.py).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

pytest_plugins = ["support.fault_lrs"]

ROOT = Path(__file__).resolve().parents[2]
PEERS_DIR = ROOT / "tests" / "peers"
LEARNING_LOCKER = PEERS_DIR / "node_modules" / "xapi-statements" / "dist" / "index.js"
LOOPBACK_PRELOAD = PEERS_DIR / "loopback.js"
RALPH_BIN = ROOT / ".peers" / "ralph" / "bin"
RALPH_APP_DIR = Path(__file__).resolve().parent / "ralph_lrs"
READY_TIMEOUT = 30.0
VERSION_HEADER = {"X-Experience-API-Version": "1.0.3"}


def free_port() -> int:
    """A port nobody listens on right now (the peer binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except FileNotFoundError:
        return ""


class PeerProcess:
    """One server process in its own process group, with its output in files."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path, ready_url: str
    ) -> None:
        self.name, self.argv, self.env, self.cwd, self.ready_url = name, argv, env, cwd, ready_url
        self.stdout_path = cwd / f"{name}.stdout.log"
        self.stderr_path = cwd / f"{name}.stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it, then poll `ready_url` until it answers 200 (bounded)."""
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group, killed as one at stop()
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"exited with status {self.proc.returncode} before it was ready")
            try:
                if httpx.get(self.ready_url, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        self._fail(f"not ready at {self.ready_url} after {READY_TIMEOUT:.0f} s")

    def _fail(self, why: str) -> None:
        raise RuntimeError(f"{self.name} {why}; stderr tail:\n{_tail(self.stderr_path)}")

    def stop(self) -> None:
        """SIGTERM its process group, SIGKILL what is left after 5 s, reap the leader."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5.0)
        with contextlib.suppress(ProcessLookupError):  # a stuck leader, or a child left
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5.0)
        # Orphaned children are reaped by init a moment later; wait until none is left.
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


class LrsPeer:
    """A running LRS: where to send statements, with which credentials, and what it holds."""

    def __init__(self, name: str, process: PeerProcess, port: int, key: str, secret: str) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}/xAPI/"
        self.key = key
        self.secret = secret

    @property
    def auth(self) -> tuple[str, str]:
        """(key, secret) for httpx's `auth=`."""
        return (self.key, self.secret)

    @property
    def authorization(self) -> str:
        """The `Authorization` header value for HTTP Basic."""
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return f"Basic {token}"

    def statements(self) -> list[dict[str, Any]]:
        """Every statement it stores, following `more` links."""
        found: list[dict[str, Any]] = []
        url = urljoin(self.endpoint, "statements")
        with httpx.Client(auth=self.auth, headers=VERSION_HEADER, timeout=10.0) as client:
            while url:
                answer = client.get(url)
                answer.raise_for_status()
                page = answer.json()
                found.extend(page["statements"])
                more = page.get("more")
                url = urljoin(self.endpoint, more) if more and page["statements"] else ""
        return found

    def stop(self) -> None:
        """Stop the process (the port stays reserved for start())."""
        self.process.stop()

    def start(self) -> None:
        """Start it again on the same port. Learning Locker's store is in memory, so
        it comes back empty; Ralph's file store keeps its statements."""
        self.process.start()

    def __repr__(self) -> str:
        return f"<LrsPeer {self.name} {self.endpoint}>"


def _base_env(**extra: str) -> dict[str, str]:
    """A clean environment: the peers must not pick up the developer's settings."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update(extra)
    return env


class ClientInfoServer:
    """Learning Locker's AUTH_REPO=fetch endpoint: the client for our Basic key, else 404."""

    def __init__(self, authorization: str) -> None:
        client = {
            "_id": secrets.token_hex(12),
            "title": "videoxapi integration tests",
            "authority": {
                "objectType": "Agent",
                "name": "videoxapi tests",
                "mbox": "mailto:lrs-tests@example.org",
            },
            "isTrusted": True,
            "lrs_id": secrets.token_hex(12),
            "organisation": secrets.token_hex(12),
            "scopes": ["all"],
        }
        body = json.dumps(client).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                ok = self.headers.get("Authorization") == authorization
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                payload = body if ok else b"{}"
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: pytest shows the failures that matter."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/client"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def learning_locker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LrsPeer]:
    """Learning Locker's statements service: memory store, real Basic auth, strict."""
    node = shutil.which("node")
    if node is None or not LEARNING_LOCKER.exists():
        raise RuntimeError(
            "node or tests/peers/node_modules is missing: run scripts/install --test"
        )
    workdir = tmp_path_factory.mktemp("learning-locker")
    (workdir / "storage").mkdir()
    (workdir / "access-logs").mkdir()
    port = free_port()
    key, secret = f"vx-{secrets.token_hex(4)}", secrets.token_hex(12)
    peer_auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    client_info = ClientInfoServer(peer_auth)
    env = _base_env(
        EXPRESS_PORT=str(port),
        MODELS_REPO="memory",
        STORAGE_REPO="local",
        FS_LOCAL_STORAGE_DIR=str(workdir / "storage"),
        EVENTS_REPO="test",
        AUTH_REPO="fetch",
        LL_CLIENT_INFO_ENDPOINT=client_info.url,
        EXPRESS_MORGAN_DIRECTORY=str(workdir / "access-logs"),
        SERVICE_AWAIT_UPDATES="true",
        WINSTON_CONSOLE_LEVEL="warning",
        LANG="en",
    )
    process = PeerProcess(
        "learning-locker",
        [node, "-r", str(LOOPBACK_PRELOAD), str(LEARNING_LOCKER)],
        env,
        workdir,  # its cwd: dotenv reads ./.env, and there is none here
        f"http://127.0.0.1:{port}/xAPI/about",
    )
    try:
        process.start()
        yield LrsPeer("learning-locker", process, port, key, secret)
    finally:
        process.stop()
        client_info.close()


@pytest.fixture(scope="module")
def ralph_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LrsPeer]:
    """Ralph's LRS on its fs backend (with the 5.1.0 append fix), one Basic user."""
    if not (RALPH_BIN / "ralph").exists():
        raise RuntimeError(f"{RALPH_BIN} is missing: run scripts/install --test")
    workdir = tmp_path_factory.mktemp("ralph")
    (workdir / "store").mkdir()
    port = free_port()
    key, secret = f"vx-{secrets.token_hex(4)}", secrets.token_hex(12)
    env = _base_env(
        RALPH_APP_DIR=str(workdir / "app"),
        RALPH_AUTH_FILE=str(workdir / "auth.json"),
        RALPH_RUNSERVER_BACKEND="fs",
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(workdir / "store"),
    )
    subprocess.run(
        [str(RALPH_BIN / "ralph"), "auth", "-u", key, "-p", secret, "-s", "all",
         "-M", "mailto:lrs-tests@example.org", "-w"],
        env=env, cwd=workdir, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    process = PeerProcess(
        "ralph",
        [str(RALPH_BIN / "python"), "-m", "uvicorn", "ralph_app:app",
         "--app-dir", str(RALPH_APP_DIR), "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        env,
        workdir,
        f"http://127.0.0.1:{port}/__heartbeat__",
    )  # fmt: skip
    try:
        process.start()
        yield LrsPeer("ralph", process, port, key, secret)
    finally:
        process.stop()
