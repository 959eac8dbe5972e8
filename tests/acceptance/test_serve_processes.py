"""`videoxapi serve --workers N`: several processes answer, and none makes a keep-alive
client wait for a delayed ACK (uvicorn's own shared socket left Nagle's algorithm on,
about 40 ms per response)."""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path

import pytest
from support.service import new_service, running_service

pytestmark = pytest.mark.integration


def test_worker_processes_answer_keep_alive_requests_without_delay(tmp_path: Path) -> None:
    with running_service(new_service(tmp_path), "--workers", "2", "--no-worker") as service:
        host, port = service.base_url.removeprefix("http://").split(":")
        connection = socket.create_connection((host, int(port)))
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
