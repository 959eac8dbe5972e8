"""Delivery into the two real LRSs (Learning Locker's statements service, Ralph):
thousands of statements, each stored exactly once; `check_lrs` in plain words."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from statement_factory import prepared

from videoxapi.delivery import HttpConfig, LrsClient, Worker, WorkerConfig, check_lrs
from videoxapi.delivery.client import make_http_client
from videoxapi.store.base import Destination, LrsAuth

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PEERS = ["learning_locker", "ralph_lrs"]


@pytest.fixture(params=PEERS)
def peer(request):
    return request.getfixturevalue(request.param)


def test_thousands_of_statements_are_each_stored_once(peer, store):
    before = {s["id"] for s in peer.statements()}
    destination = store.add_destination(
        "site", peer.name, peer.endpoint, LrsAuth("basic", peer.key, peer.secret), "1.0.3"
    )
    statements = prepared(3000, start=len(before) * 7 + 10_000)
    store.enqueue("site", statements, datetime.now(UTC))
    config = WorkerConfig(batch_size=100, max_wait=0, poll_interval=0.05)
    started = time.monotonic()
    with make_http_client() as http:
        Worker(store, LrsClient(http), config).run(until_idle=True)
    elapsed = time.monotonic() - started
    stats = next(s for s in store.stats() if s.destination_id == destination.id)
    assert (stats.delivered, stats.pending, stats.dead) == (3000, 0, 0)
    held = [s["id"] for s in peer.statements() if s["id"] not in before]
    counts = Counter(held)
    assert set(counts) == {str(s.statement_id) for s in statements}
    assert len(held) == 3000, [i for i, n in counts.items() if n > 1][:5]
    print(f"{peer.name}: 3000 statements in {elapsed:.2f}s ({3000 / elapsed:.0f}/s)")


def destination_for(peer, secret=None, version="1.0.3", endpoint=None):
    return Destination(
        1,
        "site",
        "primary",
        endpoint or peer.endpoint,
        LrsAuth("basic", peer.key, secret or peer.secret),
        version,
    )


def check(destination):
    with make_http_client() as http:
        return check_lrs(LrsClient(http, HttpConfig(read=5)), destination)


def test_check_lrs_accepts_a_working_destination(peer):
    report = check(destination_for(peer))
    assert report.ok, report.problems
    assert "credentials accepted" in report.notes


def test_check_lrs_says_credentials_refused(peer):
    report = check(destination_for(peer, secret="not-the-secret"))
    assert not report.ok
    assert any("credentials refused" in p for p in report.problems)
    assert all("not-the-secret" not in p for p in report.problems + report.notes)


def test_check_lrs_says_unreachable(peer):
    report = check(destination_for(peer, endpoint="http://127.0.0.1:9/xAPI/"))
    assert not report.ok
    assert report.problems[0].startswith("cannot reach http://127.0.0.1:9/xAPI/")


def test_check_lrs_says_not_an_xapi_endpoint(peer):
    report = check(destination_for(peer, endpoint=peer.endpoint.replace("/xAPI/", "/nope/")))
    assert not report.ok
    assert any("not an xAPI endpoint" in p for p in report.problems), report.problems


def test_check_lrs_on_learning_locker_says_version_unsupported(learning_locker):
    report = check(destination_for(learning_locker, version="2.0.0"))
    assert not report.ok
    assert any("not 2.0.0" in p for p in report.problems), report.problems
