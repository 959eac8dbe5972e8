"""The worker against the fault-injecting LRS over real HTTP: whatever goes wrong, every
good statement ends up stored exactly once and only the bad one is dead-lettered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from statement_factory import prepared

from videoxapi.delivery import HttpConfig, LrsClient, RetryPolicy, Worker, WorkerConfig
from videoxapi.delivery.client import make_http_client
from videoxapi.store.base import LrsAuth

pytestmark = pytest.mark.integration

COUNT = 60
HTTP = HttpConfig(connect=1.0, read=0.5, write=1.0, pool=1.0)
CONFIG = WorkerConfig(
    batch_size=25,
    max_wait=0,
    lease_seconds=30,
    poll_interval=0.01,
    policy=RetryPolicy(base=0.01, cap=0.05, pause_after=20),
)


@pytest.fixture
def setup(store, fault_lrs):
    """A store with one destination on the fault LRS and COUNT statements enqueued."""
    destination = fault_lrs.add_to(store, "site", "primary")
    statements = prepared(COUNT)
    store.enqueue("site", statements, datetime.now(UTC))
    return destination, [str(s.statement_id) for s in statements]


def drain(store, config=CONFIG):
    with make_http_client(HTTP) as http:
        Worker(store, LrsClient(http, HTTP), config).run(until_idle=True)


def stats_of(store, destination):
    return next(s for s in store.stats() if s.destination_id == destination.id)


def assert_all_delivered_once(fault_lrs, ids, except_ids=()):
    expected = set(ids) - set(except_ids)
    assert set(fault_lrs.stored) == expected
    assert len(fault_lrs.stored) == len(expected)


@pytest.mark.parametrize(
    "fault",
    [
        500,
        (503, {"Retry-After": "1"}),
        (429, {"Retry-After": "0"}),
        429,
        "hang",
        "reset",
    ],
    ids=["500", "503-retry-after", "429-retry-after-0", "429", "hang", "reset"],
)
def test_transient_faults_are_retried_until_every_statement_is_stored_once(
    store, fault_lrs, setup, fault
):
    destination, ids = setup
    fault_lrs.hang_seconds = 2.0
    fault_lrs.script(fault, fault)
    drain(store)
    assert_all_delivered_once(fault_lrs, ids)
    assert fault_lrs.statuses[:2] == [fault if isinstance(fault, int | str) else fault[0]] * 2
    stats = stats_of(store, destination)
    assert (stats.delivered, stats.pending, stats.dead) == (COUNT, 0, 0)


def test_retry_after_is_waited_for(store, fault_lrs, setup):
    _, ids = setup
    fault_lrs.script((503, {"Retry-After": "1"}))
    started = datetime.now(UTC)
    drain(store)
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0
    assert_all_delivered_once(fault_lrs, ids)


@pytest.mark.parametrize("status", [400, 422])
def test_one_invalid_statement_in_a_batch_is_the_only_dead_letter(store, fault_lrs, setup, status):
    destination, ids = setup
    bad = ids[30]
    fault_lrs.reject_ids[bad] = status
    drain(store)
    assert_all_delivered_once(fault_lrs, ids, except_ids=[bad])
    [letter] = store.dead_letters()
    assert str(letter.statement_id) == bad and letter.status == status
    assert f"Statement {bad} is invalid" in letter.reason
    assert stats_of(store, destination).delivered == COUNT - 1


def test_too_large_batches_are_split_until_they_fit(store, fault_lrs, setup):
    _, ids = setup
    fault_lrs.max_batch = 7
    drain(store)
    assert_all_delivered_once(fault_lrs, ids)
    assert 413 in fault_lrs.statuses
    assert store.dead_letters() == []


def test_a_conflict_is_recorded_for_that_statement_alone(store, fault_lrs, setup):
    destination, ids = setup
    fault_lrs.conflict_ids.add(ids[5])
    drain(store)
    assert_all_delivered_once(fault_lrs, ids, except_ids=[ids[5]])
    stats = stats_of(store, destination)
    assert (stats.delivered, stats.conflicts, stats.dead, stats.pending) == (COUNT - 1, 1, 0, 0)


def test_a_reused_id_with_other_content_is_a_conflict(store, fault_lrs, setup):
    _, ids = setup
    drain(store)
    clash = prepared(1, start=999)[0]
    clash = type(clash)(
        uuid.UUID(ids[0]), clash.body.replace(str(clash.statement_id).encode(), ids[0].encode())
    )
    store.enqueue("other", [clash], datetime.now(UTC))  # no destination: nothing
    fault_lrs.add_to(store, "other", "p")
    store.enqueue("other", [clash], datetime.now(UTC))
    drain(store)
    other = next(s for s in store.stats() if s.site_id == "other")
    assert (other.conflicts, other.delivered) == (1, 0)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_pause_without_dead_letters_then_resume(
    store, fault_lrs, setup, status
):
    destination, ids = setup
    fault_lrs.script(status)
    drain(store)
    stats = stats_of(store, destination)
    assert stats.pending == COUNT and stats.paused_until is not None
    assert store.dead_letters() == [] and fault_lrs.stored == {}
    store.resume_destination(destination.id)  # the administrator fixed it
    drain(store)
    assert_all_delivered_once(fault_lrs, ids)


def test_wrong_credentials_pause_the_destination(store, fault_lrs):
    destination = store.add_destination(
        "site", "primary", fault_lrs.endpoint, LrsAuth("basic", fault_lrs.key, "wrong"), "1.0.3"
    )
    store.enqueue("site", prepared(10), datetime.now(UTC))
    drain(store)
    stats = stats_of(store, destination)
    assert stats.pending == 10 and "401" in (stats.pause_reason or "")
    assert len(fault_lrs.statuses) == 1
    assert "wrong" not in (stats.pause_reason or "")
