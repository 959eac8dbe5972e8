"""An LRS that fails on cue (pytest plugin: `fault_lrs`), for delivery tests.

A small real HTTP server on 127.0.0.1 (a thread of the test process) that behaves like
a correct LRS (all-or-nothing batches, one copy per id, 409 for an id reused with other
content, Basic auth, the version header) unless a test scripts a fault:

    fault_lrs.script(500, (503, {"Retry-After": "1"}), "reset", "hang")
    fault_lrs.max_batch = 10          # 413 for a batch of more than 10 statements
    fault_lrs.reject_ids[bad_id] = 400
    fault_lrs.conflict_ids.add(other_id)

Scripted answers are consumed in order, one per `POST|PUT <base>/statements` request,
before any other check (a scripted status below 300 means "answer normally"). "hang"
holds the request for `hang_seconds`, then closes the connection without an answer;
"reset" aborts it with a TCP RST.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest

from videoxapi.store.base import Destination, LrsAuth, Store

Answer = int | tuple[int, dict[str, str]] | Literal["hang", "reset"]
BASE = "/xAPI"


@dataclass(frozen=True)
class Received:
    """One request as the fault server saw it, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]
    statements: list[dict[str, Any]]
    status: int | str  # an HTTP status, or "hang" / "reset"

    @property
    def ids(self) -> list[str | None]:
        """The statement ids of the request's batch, in order."""
        return [s.get("id") for s in self.statements]


@dataclass
class FaultLrs:
    """State and script of the fault server; the handler below reads and updates it."""

    key: str = "fault-key"
    secret: str = "fault-secret"
    hang_seconds: float = 3.0
    max_batch: int | None = None
    reject_ids: dict[str, int] = field(default_factory=dict)
    conflict_ids: set[str] = field(default_factory=set)
    answers: deque[Answer] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def script(self, *answers: Answer) -> None:
        """Queue the next answers, in order (see the module docstring)."""
        with self.lock:
            self.answers.extend(answers)

    def add_to(self, store: Store, site: str, name: str = "fault") -> Destination:
        """Make this server a destination of `site` in `store`, with its credentials."""
        auth = LrsAuth("basic", self.key, self.secret)
        return store.add_destination(site, name, self.endpoint, auth, "1.0.3")

    @property
    def authorization(self) -> str:
        """The `Authorization` value it accepts (HTTP Basic key:secret)."""
        return "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()

    @property
    def statuses(self) -> list[int | str]:
        """What it answered to each statements request, in order."""
        return [r.status for r in self.received if r.path.startswith(BASE + "/statements")]

    def decide(self, statements: list[dict[str, Any]]) -> tuple[int, dict[str, Any] | list[str]]:
        """A real LRS's answer to a well-formed, authorised batch; stores it on success."""
        if self.max_batch is not None and len(statements) > self.max_batch:
            return 413, {"message": f"batch of {len(statements)} > {self.max_batch}"}
        ids = [s.get("id") for s in statements]
        for statement_id in ids:
            if statement_id in self.reject_ids:
                status = self.reject_ids[statement_id]
                return status, {
                    "message": f"Statement {statement_id} is invalid",
                    "id": statement_id,
                }
        for statement_id in ids:
            if statement_id in self.conflict_ids:
                return 409, {
                    "message": f"Conflict for statement {statement_id}",
                    "id": statement_id,
                }
        for statement in statements:
            known = self.stored.get(statement.get("id", ""))
            if known is not None and known != statement:
                return 409, {"message": f"Differing statement {statement['id']} exists"}
        if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
            return 400, {"message": "every statement needs its own id here"}
        for statement in statements:
            self.stored.setdefault(statement["id"], statement)
        return 200, [str(i) for i in ids]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as pooled clients expect
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the `received` list is the log."""

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _reset(self) -> None:
        """Abort the connection with a RST: linger 0, then close the socket for real."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()  # makefile() holds a reference; the fd closes with the last one
        self.connection.close()

    def do_GET(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        status = 200 if path == BASE + "/about" else 404
        with state.lock:
            state.received.append(Received("GET", path, dict(self.headers), [], status))
        if status == 200:
            self._reply(200, {"version": ["1.0.3"]})
        else:
            self._reply(404, {"message": f"no route {path}"})

    def do_POST(self) -> None:
        self._statements()

    def do_PUT(self) -> None:
        self._statements()

    def _statements(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            parsed = None
        statements = parsed if isinstance(parsed, list) else [parsed]
        statements = [s if isinstance(s, dict) else {} for s in statements]
        if self.command == "PUT" and statements:
            statement_id = parse_qs(url.query).get("statementId", [""])[0]
            statements[0] = {"id": statement_id, **statements[0]}
        with state.lock:
            answer: Answer | None = state.answers.popleft() if state.answers else None
            status, reply, headers = self._decide(state, url.path, parsed, statements, answer)
            state.received.append(
                Received(self.command, url.path, dict(self.headers), statements, status)
            )
        if status == "hang":
            state.closing.wait(state.hang_seconds)
            self.close_connection = True
        elif status == "reset":
            self._reset()
        else:
            assert isinstance(status, int)
            if self.command == "PUT" and status == 200:
                status, reply = 204, None
            if status == 204:
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._reply(status, reply, headers)

    def _decide(
        self,
        state: FaultLrs,
        path: str,
        parsed: Any,
        statements: list[dict[str, Any]],
        answer: Answer | None,
    ) -> tuple[int | str, Any, dict[str, str]]:
        if answer in ("hang", "reset"):
            return str(answer), None, {}
        if isinstance(answer, tuple):
            return answer[0], {"message": f"scripted {answer[0]}"}, answer[1]
        if isinstance(answer, int) and answer >= 300:
            return answer, {"message": f"scripted {answer}"}, {}
        if path != BASE + "/statements":
            return 404, {"message": f"no route {path}"}, {}
        if self.headers.get("Authorization") != state.authorization:
            return 401, {"message": "bad or missing credentials"}, {}
        version = self.headers.get("X-Experience-API-Version", "")
        if not version.startswith("1.0."):
            return 400, {"message": f"X-Experience-API-Version {version!r} not supported"}, {}
        if parsed is None or not statements:
            return 400, {"message": "the body is not a statement or an array of them"}, {}
        status, reply = state.decide(statements)
        return status, reply, {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: FaultLrs


def start_fault_lrs() -> tuple[FaultLrs, _Server, threading.Thread]:
    """Serve a new FaultLrs on a free 127.0.0.1 port, in a thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = FaultLrs()
    server.state.endpoint = f"http://127.0.0.1:{server.server_address[1]}{BASE}/"
    thread = threading.Thread(target=server.serve_forever, name="fault-lrs", daemon=True)
    thread.start()
    return server.state, server, thread


@pytest.fixture
def fault_lrs() -> Iterator[FaultLrs]:
    """A fresh fault-injecting LRS per test; a hanging request is released at teardown."""
    state, server, thread = start_fault_lrs()
    yield state
    state.closing.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
