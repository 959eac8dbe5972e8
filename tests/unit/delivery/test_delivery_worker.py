"""The worker against the real store (SQLite, and PostgreSQL when configured) and an LRS
simulated by `httpx.MockTransport`: splitting, dead letters, pauses, lanes, leases."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from statement_factory import prepared

from videoxapi.delivery import LrsClient, RetryPolicy, Worker, WorkerConfig
from videoxapi.store.base import LrsAuth

FAST = WorkerConfig(
    batch_size=50,
    max_wait=0,
    lease_seconds=30,
    poll_interval=0.01,
    policy=RetryPolicy(base=0.001, cap=0.01, pause_after=50),
)


class Lrs:
    """A correct LRS in a MockTransport handler, with per-id refusals and a status script."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.batches: list[list[str]] = []
        self.reject: dict[str, int] = {}
        self.script: list[int] = []
        self.gate: threading.Event | None = None
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.gate is not None:
            self.gate.wait(10)
        statements = orjson.loads(request.content)
        ids = [s["id"] for s in statements]
        with self.lock:
            self.batches.append(ids)
            if self.script:
                return httpx.Response(self.script.pop(0), json={"message": "scripted"})
            for statement_id in ids:
                if statement_id in self.reject:
                    return httpx.Response(
                        self.reject[statement_id], json={"message": f"bad statement {statement_id}"}
                    )
            for s in statements:
                self.stored.setdefault(s["id"], orjson.dumps(s))
        return httpx.Response(200, json=ids)


def add_destination(store, site="site", host="lrs.test"):
    return store.add_destination(
        site, f"to-{host}", f"https://{host}/xapi/", LrsAuth("basic", "k", "s"), "1.0.3"
    )


def make_worker(store, handler, config=FAST):
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Worker(store, LrsClient(http), config)


def enqueue(store, count, site="site", start=0):
    statements = prepared(count, start)
    store.enqueue(site, statements, datetime.now(UTC))
    return [str(s.statement_id) for s in statements]


def by_destination(store):
    return {s.destination_id: s for s in store.stats()}


def test_drains_the_outbox_in_batches(store):
    destination = add_destination(store)
    ids = enqueue(store, 120)
    lrs = Lrs()
    make_worker(store, lrs).run(until_idle=True)
    assert sorted(lrs.stored) == sorted(ids)
    assert [len(b) for b in lrs.batches] == [50, 50, 20]
    stats = by_destination(store)[destination.id]
    assert (stats.delivered, stats.pending, stats.dead) == (120, 0, 0)


def test_one_bad_statement_is_isolated_and_dead_lettered_with_the_reason(store):
    add_destination(store)
    ids = enqueue(store, 50)
    lrs = Lrs()
    lrs.reject[ids[17]] = 400
    make_worker(store, lrs).run(until_idle=True)
    assert sorted(lrs.stored) == sorted(set(ids) - {ids[17]})
    [letter] = store.dead_letters()
    assert str(letter.statement_id) == ids[17]
    assert letter.status == 400
    assert f"bad statement {ids[17]}" in letter.reason
    assert len(lrs.batches) <= 1 + 2 * 6  # a binary search, not one request per statement


def test_two_bad_statements_in_one_batch_are_both_isolated(store):
    add_destination(store)
    ids = enqueue(store, 40)
    lrs = Lrs()
    lrs.reject[ids[0]] = 422
    lrs.reject[ids[39]] = 400
    make_worker(store, lrs).run(until_idle=True)
    assert len(lrs.stored) == 38
    assert {str(d.statement_id) for d in store.dead_letters()} == {ids[0], ids[39]}


def test_a_conflict_is_recorded_for_that_statement_alone(store):
    destination = add_destination(store)
    ids = enqueue(store, 10)
    lrs = Lrs()
    lrs.reject[ids[3]] = 409
    make_worker(store, lrs).run(until_idle=True)
    stats = by_destination(store)[destination.id]
    assert (stats.delivered, stats.conflicts, stats.dead, stats.pending) == (9, 1, 0, 0)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_pause_the_destination_and_keep_every_statement(store, status):
    destination = add_destination(store)
    enqueue(store, 30)
    lrs = Lrs()
    lrs.script = [status]
    make_worker(store, lrs).run(until_idle=True)
    assert store.dead_letters() == []
    stats = by_destination(store)[destination.id]
    assert stats.pending == 30
    assert stats.paused_until is not None and stats.paused_until > datetime.now(UTC)
    assert str(status) in (stats.pause_reason or "")
    assert len(lrs.batches) == 1  # paused: not hammered


def test_server_errors_are_retried_until_delivered(store):
    add_destination(store)
    ids = enqueue(store, 20)
    lrs = Lrs()
    lrs.script = [500, 503, 502]
    make_worker(store, lrs).run(until_idle=True)
    assert sorted(lrs.stored) == sorted(ids)
    assert store.dead_letters() == []


def test_a_destination_that_keeps_failing_is_paused_not_hammered(store):
    destination = add_destination(store)
    enqueue(store, 5)
    lrs = Lrs()
    lrs.script = [500] * 100
    config = WorkerConfig(
        batch_size=50,
        max_wait=0,
        poll_interval=0.01,
        policy=RetryPolicy(base=0.001, cap=0.001, pause_after=4, probe_after=60),
    )
    make_worker(store, lrs, config).run(until_idle=True)
    assert len(lrs.batches) == 4
    stats = by_destination(store)[destination.id]
    assert stats.pending == 5 and stats.paused_until is not None
    assert "4 failures in a row" in (stats.pause_reason or "")


def test_a_hanging_lrs_does_not_delay_another_destination(store):
    slow = add_destination(store, host="slow.test")
    fast = add_destination(store, host="fast.test")
    enqueue(store, 30)
    gate = threading.Event()
    slow_lrs, fast_lrs = Lrs(), Lrs()
    slow_lrs.gate = gate

    def route(request):
        return (slow_lrs if request.url.host == "slow.test" else fast_lrs)(request)

    worker = make_worker(store, route)
    runner = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while by_destination(store)[fast.id].delivered < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert by_destination(store)[fast.id].delivered == 30
        assert by_destination(store)[slow.id].delivered == 0
    finally:
        gate.set()
        runner.join(10)
    assert by_destination(store)[slow.id].delivered == 30


def test_a_crashed_workers_lease_expires_and_its_batch_is_delivered(store):
    destination = add_destination(store)
    ids = enqueue(store, 10)
    # A worker that claimed and died: its lease runs out shortly.
    assert len(store.claim(destination.id, 10, datetime.now(UTC), 0.2)) == 10
    lrs = Lrs()
    make_worker(store, lrs).run(until_idle=True)
    assert sorted(lrs.stored) == sorted(ids)


def test_stop_returns_after_the_batch_in_flight(store):
    destination = add_destination(store)
    enqueue(store, 200)
    lrs = Lrs()
    config = WorkerConfig(batch_size=10, max_wait=0, poll_interval=0.01)
    worker = make_worker(store, lrs, config)
    calls = 0

    def stop_after_three(request):
        nonlocal calls
        calls += 1
        if calls == 3:
            worker.stop()
        return lrs(request)

    worker.client = LrsClient(httpx.Client(transport=httpx.MockTransport(stop_after_three)))
    worker.run()
    stats = by_destination(store)[destination.id]
    assert stats.delivered == 30 and stats.in_flight == 0


def test_a_short_batch_waits_up_to_max_wait_for_more(store):
    add_destination(store)
    enqueue(store, 3)
    lrs = Lrs()
    config = WorkerConfig(batch_size=10, max_wait=1.0, poll_interval=0.01)
    worker = make_worker(store, lrs, config)
    runner = threading.Thread(target=worker.run)
    runner.start()
    time.sleep(0.05)
    enqueue(store, 4, start=100)
    deadline = time.monotonic() + 5
    while sum(map(len, lrs.batches)) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    runner.join(5)
    assert [len(b) for b in lrs.batches] == [7]


def test_a_destination_paused_by_an_administrator_stops_its_lane(store):
    destination = add_destination(store)
    enqueue(store, 200)
    lrs = Lrs()
    config = WorkerConfig(batch_size=10, claim_size=10, max_wait=0, poll_interval=0.01)
    worker = make_worker(store, lrs, config)
    paused = False

    def pause_after_two(request):
        nonlocal paused
        if len(lrs.batches) == 2 and not paused:
            paused = True
            store.pause_destination(destination.id, datetime(2100, 1, 1, tzinfo=UTC), "admin")
            deadline = time.monotonic() + 5  # until the supervisor has seen the pause
            while destination.id in worker._due and time.monotonic() < deadline:
                time.sleep(0.005)
        return lrs(request)

    worker.client = LrsClient(httpx.Client(transport=httpx.MockTransport(pause_after_two)))
    worker.run(until_idle=True)
    stats = by_destination(store)[destination.id]
    assert stats.delivered == 30  # the batch in flight, then the lane stopped
    assert stats.pending == 200 - stats.delivered and stats.in_flight == 0


def test_metrics_count_delivered_failed_and_dead_per_destination(store):
    from prometheus_client import CollectorRegistry

    from videoxapi.delivery.metrics import DeliveryMetrics

    destination = add_destination(store)
    ids = enqueue(store, 20)
    lrs = Lrs()
    lrs.reject[ids[4]] = 400
    lrs.script = [503]
    registry = CollectorRegistry()
    http = httpx.Client(transport=httpx.MockTransport(lrs))
    Worker(store, LrsClient(http), FAST, metrics=DeliveryMetrics(registry)).run(until_idle=True)
    label = {"destination": f"site/{destination.name}"}
    value = registry.get_sample_value
    assert value("videoxapi_delivered_statements_total", label) == 19
    assert value("videoxapi_failed_statements_total", label) == 20
    assert value("videoxapi_dead_statements_total", label) == 1


def test_a_failing_lrs_gets_no_more_of_the_claim_until_the_retry(store):
    destination = add_destination(store)
    enqueue(store, 100)
    lrs = Lrs()
    lrs.script = [503]
    config = WorkerConfig(
        batch_size=10,
        claim_size=100,
        max_wait=0,
        poll_interval=0.01,
        policy=RetryPolicy(base=60, cap=60),
    )
    worker = make_worker(store, lrs, config)
    [item, *rest] = store.claim(destination.id, 100, datetime.now(UTC), 30)
    worker.deliver(destination, [item, *rest])
    assert len(lrs.batches) == 1  # not ten POSTs to an LRS that just failed
    stats = by_destination(store)[destination.id]
    assert (stats.pending, stats.in_flight, stats.failed) == (100, 0, 100)
    assert store.claim(destination.id, 100, datetime.now(UTC), 30) == []  # all backing off
