"""`videoxapi serve --workers N`: several processes answer, and none makes a keep-alive
client wait for a delayed ACK (uvicorn's own shared socket left Nagle's algorithm on,
about 40 ms per response)."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.peers import free_port

pytestmark = pytest.mark.integration

VIDEOXAPI = Path(sys.executable).parent / "videoxapi"


def test_worker_processes_answer_keep_alive_requests_without_delay(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOXAPI_")}
    server = subprocess.Popen(
        [str(VIDEOXAPI), "serve", "--workers", "2", "--no-worker", "--port", str(port),
         "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve --workers 2 did not answer"
            time.sleep(0.1)
        connection = socket.create_connection(("127.0.0.1", port))
        request = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
        timings = []
        for _ in range(12):
            began = time.perf_counter()
            connection.sendall(request)
            answer = b""
            while not answer.endswith(b"}"):
                answer += connection.recv(65536)
            timings.append(time.perf_counter() - began)
            assert answer.startswith(b"HTTP/1.1 200")
        connection.close()
        assert statistics.median(timings[2:]) < 0.02, timings
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
