"""Scale-out on PostgreSQL: two API processes and two delivery workers share one store;
one viewing session's batches alternate between the API processes; a real LRS (Ralph)
ends up with each statement exactly once."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from support import databases
from support.databases import TEST_KEY, TestDatabase
from support.peers import LrsPeer, free_port
from support.viewing import Viewer, run, settings

from videoxapi.service.sites import ensure_site, token_secret
from videoxapi.tokens import mint_viewer_token

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]
VIDEOXAPI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "videoxapi"


@pytest.fixture
def pg_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """A fresh PostgreSQL database, made as the `database` fixture makes it."""
    yield from databases._postgres_database(request, tmp_path)


class Processes:
    """Child processes, each stopped by its own pid."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(VIDEOXAPI), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API process exited"
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become healthy")


def test_two_api_nodes_and_two_workers_deliver_each_statement_once(
    pg_database: TestDatabase, ralph_lrs: LrsPeer, tmp_path: Path
) -> None:
    store = pg_database.open(env={"VIDEOXAPI_SECRET_KEY": TEST_KEY})
    store.migrate()
    ensure_site(store, "default")
    site_settings = {
        "enabled": True,
        "endpoint": ralph_lrs.endpoint,
        "siteUrl": "https://video.example.com",
        "key": ralph_lrs.key,
        "secret": ralph_lrs.secret,
    }
    store.save_settings("default", orjson.dumps(site_settings))
    secret = token_secret(store, "default")
    assert secret
    before = {s["id"] for s in ralph_lrs.statements()}

    env = {
        **os.environ,
        "VIDEOXAPI_SECRET_KEY": TEST_KEY,
        "VIDEOXAPI_DATABASE_URL": pg_database.url,
    }
    children = Processes(env, tmp_path)
    try:
        ports = [free_port(), free_port()]
        nodes = [children.start(f"api{i}", "serve", "--no-worker", "--port", str(port))
                 for i, port in enumerate(ports)]  # fmt: skip
        for i in range(2):
            children.start(f"worker{i}", "worker", "--poll-interval", "0.1", "--max-wait", "0.1")
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, node in zip(urls, nodes, strict=True):
            wait_healthy(url, node)

        viewer = Viewer("scale-1", duration=20.0, at=datetime.now(UTC).replace(microsecond=0))
        start = viewer.start()
        events = (
            viewer.play() + viewer.watch(8) + viewer.pause() + viewer.seek(4.0) + viewer.play()
            + viewer.watch(16) + viewer.ended() + viewer.end()
        )  # fmt: skip
        token = mint_viewer_token(secret, site="default", user_id="u1", email="ann@example.com")
        headers = {"Authorization": f"Bearer {token}"}
        body = {k: v for k, v in start[0].items() if k != "user"}
        assert httpx.post(urls[0] + "/api/v1/sessions", json=body, headers=headers).is_success
        for n, first in enumerate(range(0, len(events), 10)):
            answer = httpx.post(
                f"{urls[n % 2]}/api/v1/sessions/scale-1/events",
                json={"events": events[first : first + 10]},
                headers=headers,
            )
            assert answer.status_code == 200, answer.text
        # the same events through the in-memory tracker: what the LRS must hold
        expected = run(start + events, settings(**site_settings))
        expected_ids = {s["id"] for s in expected}

        deadline = time.monotonic() + 60
        stored: list[dict] = []
        while time.monotonic() < deadline:
            stored = [s for s in ralph_lrs.statements() if s["id"] not in before]
            if len(stored) >= len(expected_ids):
                break
            time.sleep(0.2)
        # let any duplicate that was still in flight land before judging
        stats = store.stats()
        assert sum(s.pending + s.in_flight for s in stats) == 0
        stored = [s for s in ralph_lrs.statements() if s["id"] not in before]
    finally:
        children.stop()
        store.close()

    ids = [s["id"] for s in stored]
    assert len(ids) == len(set(ids)), "a statement was stored twice"
    assert set(ids) == expected_ids
    by_time = sorted(stored, key=lambda s: s["timestamp"])
    assert by_time[0]["verb"]["id"].endswith("/initialized")
    assert by_time[-1]["verb"]["id"].endswith("/terminated")
