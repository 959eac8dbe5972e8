"""The outbox contract, on SQLite and PostgreSQL alike: enqueue, claim, settle, stats,
pruning, dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from storecase import NOW, SITE, StatementFactory

from videoxapi.errors import StoreError
from videoxapi.store import SqlStore
from videoxapi.store.base import Destination, LrsAuth, Rejected, Retry, Settlement, TrackingWrite

pytestmark = pytest.mark.integration

LEASE = 30.0


def test_enqueue_skips_ids_already_stored(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    first = make_statements(3)
    assert store.enqueue(SITE, first, NOW) == 3
    again = [*first[:2], *make_statements(1)]
    assert store.enqueue(SITE, again, NOW) == 1
    twice_in_one_batch = make_statements(1) * 2
    assert store.enqueue(SITE, twice_in_one_batch, NOW) == 1

    items = store.claim(primary.id, 100, NOW, LEASE)
    assert len(items) == 5
    assert len({item.statement_id for item in items}) == 5


def test_same_statement_id_on_two_sites_is_two_statements(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.add_destination("site-b", "other", "https://b.example/xapi", LrsAuth("basic"), "1.0.3")
    batch = make_statements(2)
    assert store.enqueue(SITE, batch, NOW) == 2
    assert store.enqueue("site-b", batch, NOW) == 2


def test_a_site_without_destinations_stores_nothing(
    store: SqlStore, make_statements: StatementFactory
) -> None:
    assert store.enqueue("nowhere", make_statements(2), NOW) == 0
    assert store.stats() == []


def test_claim_returns_exact_bytes_oldest_first_and_leases_them(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    older, newer = make_statements(2), make_statements(2)
    store.enqueue(SITE, older, NOW)
    store.enqueue(SITE, newer, NOW + timedelta(seconds=1))

    later = NOW + timedelta(seconds=2)
    first = store.claim(primary.id, 3, later, LEASE)
    assert [(i.statement_id, i.body) for i in first] == [
        (s.statement_id, s.body) for s in [*older, newer[0]]
    ]
    assert all(item.attempts == 1 for item in first)
    rest = store.claim(primary.id, 10, later, LEASE)
    assert [i.statement_id for i in rest] == [newer[1].statement_id]
    assert store.claim(primary.id, 10, later, LEASE) == []


def test_an_expired_lease_is_claimable_again(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(2), NOW)
    claimed = store.claim(primary.id, 10, NOW, LEASE)

    assert store.claim(primary.id, 10, NOW + timedelta(seconds=LEASE - 1), LEASE) == []
    reclaimed = store.claim(primary.id, 10, NOW + timedelta(seconds=LEASE), LEASE)
    assert [i.delivery_id for i in reclaimed] == [i.delivery_id for i in claimed]
    assert [i.attempts for i in reclaimed] == [2, 2]


def test_statements_not_yet_enqueued_are_not_due(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(1), NOW)
    assert store.claim(primary.id, 10, NOW - timedelta(seconds=1), LEASE) == []
    assert store.due_destinations(NOW - timedelta(seconds=1)) == []
    assert [d.id for d in store.due_destinations(NOW)] == [primary.id]


def test_tracking_is_written_with_the_statements(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    write = TrackingWrite("sess-1", b"session-state", True, NOW, "reg-1", b"registration")
    store.enqueue(SITE, make_statements(1), NOW, [write])
    assert store.load_tracking(SITE, "sess-1") == (b"session-state", b"registration")


def test_a_failure_mid_transaction_writes_nothing(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    good = TrackingWrite("sess-1", b"state", True, NOW, "reg-1", b"registration")
    bad = TrackingWrite("sess-2", None, True, NOW, "reg-2", b"x")  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.enqueue(SITE, make_statements(3), NOW, [good, bad])

    assert store.claim(primary.id, 10, NOW, LEASE) == []
    assert store.load_tracking(SITE, "sess-1") == (None, None)
    assert store.load_tracking(SITE, "sess-1", "reg-1") == (None, None)
    assert store.stats()[0].pending == 0


def test_settle_delivered_counts_and_prunes(
    store: SqlStore, primary: Destination, make_statements: StatementFactory, database
) -> None:
    store.enqueue(SITE, make_statements(3), NOW)
    items = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(delivered=[i.delivery_id for i in items[:2]]), NOW)

    (stats,) = store.stats()
    assert (stats.delivered, stats.pending) == (2, 1)
    assert database.count("statements") == 1
    assert database.count("deliveries") == 1


def test_settle_twice_counts_once(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(1), NOW)
    items = store.claim(primary.id, 10, NOW, LEASE)
    for _ in range(2):
        store.settle(Settlement(delivered=[items[0].delivery_id]), NOW)
    assert store.stats()[0].delivered == 1


def test_settle_retry_makes_it_due_later_and_counts_a_failure(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    # Real time: stats() reads the clock to tell running leases from failed deliveries.
    now = datetime.now(UTC)
    store.enqueue(SITE, make_statements(2), now)
    items = store.claim(primary.id, 10, now, LEASE)
    due = now + timedelta(seconds=5)
    store.settle(Settlement(retry=[Retry([items[0].delivery_id], due, "503 from LRS")]), now)

    (stats,) = store.stats()
    assert (stats.pending, stats.in_flight, stats.failed) == (2, 1, 1)
    assert store.claim(primary.id, 10, due - timedelta(seconds=1), LEASE) == []
    again = store.claim(primary.id, 10, due, LEASE)
    assert [(i.delivery_id, i.attempts) for i in again] == [(items[0].delivery_id, 2)]


def test_settle_dead_keeps_the_body_in_a_dead_letter(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    batch = make_statements(2)
    store.enqueue(SITE, batch, NOW)
    items = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(dead=[Rejected(items[0].delivery_id, "invalid verb", 400)]), NOW)

    (letter,) = store.dead_letters()
    assert (letter.destination_id, letter.statement_id, letter.body) == (
        primary.id,
        batch[0].statement_id,
        batch[0].body,
    )
    assert (letter.reason, letter.status, letter.created_at) == ("invalid verb", 400, NOW)
    assert store.dead_letters(primary.id + 1000) == []
    (stats,) = store.stats()
    assert (stats.dead, stats.pending) == (1, 1)
    assert store.claim(primary.id, 10, NOW + timedelta(hours=1), LEASE)[0].delivery_id == (
        items[1].delivery_id
    )


def test_settle_conflict_is_counted_not_retried(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(1), NOW)
    (item,) = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(conflict=[Rejected(item.delivery_id, "already stored", 409)]), NOW)

    (stats,) = store.stats()
    assert (stats.conflicts, stats.pending, stats.dead) == (1, 0, 0)
    assert store.claim(primary.id, 10, NOW + timedelta(hours=1), LEASE) == []


def test_stats_tell_pending_in_flight_failed_and_oldest(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(2), NOW)
    store.enqueue(SITE, make_statements(2), NOW + timedelta(seconds=1))
    (fresh,) = store.stats()
    assert (fresh.pending, fresh.in_flight, fresh.failed) == (4, 0, 0)
    assert fresh.oldest_pending_at == NOW

    # The claims happen "now" in real time so that stats() (which reads the clock)
    # sees the lease as running.
    real_now = datetime.now(UTC)
    items = store.claim(primary.id, 3, real_now, 3600)
    store.settle(Settlement(retry=[Retry([items[0].delivery_id], real_now, "timeout")]), NOW)
    (stats,) = store.stats()
    assert (stats.pending, stats.in_flight, stats.failed) == (4, 2, 1)
    assert (stats.site_id, stats.name, stats.destination_id) == (SITE, "primary", primary.id)


def test_prune_keeps_a_body_another_destination_still_needs(
    store: SqlStore, primary: Destination, make_statements: StatementFactory, database
) -> None:
    other = store.add_destination(
        SITE, "backup", "https://b.example/xapi", LrsAuth("basic"), "2.0.0"
    )
    batch = make_statements(1)
    store.enqueue(SITE, batch, NOW)
    (first,) = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(delivered=[first.delivery_id]), NOW)

    (second,) = store.claim(other.id, 10, NOW, LEASE)
    assert second.body == batch[0].body
    assert database.count("statements") == 1
    store.settle(Settlement(delivered=[second.delivery_id]), NOW)
    assert database.count("statements") == 0
    assert {s.name: s.delivered for s in store.stats()} == {"primary": 1, "backup": 1}


def test_replay_makes_a_dead_letter_pending_with_attempts_reset(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(2), NOW)
    items = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(dead=[Rejected(i.delivery_id, "bad", 400) for i in items]), NOW)
    first, second = store.dead_letters()

    later = NOW + timedelta(minutes=5)
    assert store.replay([first.id], later) == 1
    assert [d.id for d in store.dead_letters()] == [second.id]
    (replayed,) = store.claim(primary.id, 10, later, LEASE)
    assert (replayed.statement_id, replayed.attempts) == (first.statement_id, 1)
    assert store.replay(None, later) == 1
    assert store.dead_letters() == []
    assert store.stats()[0].dead == 0


def test_discard_drops_the_dead_letter_and_its_statement(
    store: SqlStore, primary: Destination, make_statements: StatementFactory, database
) -> None:
    store.enqueue(SITE, make_statements(1), NOW)
    (item,) = store.claim(primary.id, 10, NOW, LEASE)
    store.settle(Settlement(dead=[Rejected(item.delivery_id, "bad", None)]), NOW)
    (letter,) = store.dead_letters()
    assert letter.status is None

    assert store.discard([letter.id]) == 1
    assert store.discard([letter.id]) == 0
    assert store.dead_letters() == []
    assert database.count("statements") == 0
    assert store.stats()[0].dead == 0


def test_a_paused_destination_is_not_due_until_resumed(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(1), NOW)
    store.pause_destination(primary.id, NOW + timedelta(minutes=1), "401 from LRS")
    assert store.due_destinations(NOW) == []
    (stats,) = store.stats()
    assert (stats.paused_until, stats.pause_reason) == (NOW + timedelta(minutes=1), "401 from LRS")
    assert [d.id for d in store.due_destinations(NOW + timedelta(minutes=1))] == [primary.id]

    store.resume_destination(primary.id)
    (due,) = store.due_destinations(NOW)
    assert (due.paused_until, due.pause_reason) == (None, None)


def test_failures_in_a_row_are_counted_until_a_success_or_resume(
    store: SqlStore, primary: Destination
) -> None:
    assert [store.record_failure(primary.id) for _ in range(3)] == [1, 2, 3]
    store.record_success(primary.id)
    assert store.record_failure(primary.id) == 1
    store.resume_destination(primary.id)
    assert store.record_failure(primary.id) == 1


def test_removing_a_destination_drops_what_only_it_needed(
    store: SqlStore, primary: Destination, make_statements: StatementFactory, database
) -> None:
    store.enqueue(SITE, make_statements(2), NOW)
    store.remove_destination(primary.id)
    assert store.list_destinations() == []
    assert database.count("statements") == 0
