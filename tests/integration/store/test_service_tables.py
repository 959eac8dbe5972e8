"""What the service keeps: site credentials, administrators, delivery history, and the
locked read-modify-write of tracker state."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from storecase import NOW, SITE, StatementFactory
from support.databases import TEST_KEY, TestDatabase

from videoxapi.errors import StoreError
from videoxapi.store import SqlStore
from videoxapi.store.base import (
    Destination,
    PreparedStatement,
    Rejected,
    Retry,
    Settlement,
    TrackingChange,
    TrackingWrite,
)

pytestmark = pytest.mark.integration

TOKEN_SECRET = "viewer-token-secret-0123456789"


def test_credentials_keep_each_part_and_seal_the_token_secret(
    store: SqlStore, database: TestDatabase
) -> None:
    assert store.load_credentials(SITE) is None
    store.save_credentials(SITE, token_secret=TOKEN_SECRET)
    store.save_credentials(SITE, api_key_hash="ab" * 32)
    credentials = store.load_credentials(SITE)
    assert credentials is not None
    assert (credentials.token_secret, credentials.api_key_hash) == (TOKEN_SECRET, "ab" * 32)
    assert TOKEN_SECRET not in repr(credentials)
    rows = database.query("SELECT token_secret FROM site_credentials")
    assert TOKEN_SECRET.encode() not in bytes(rows[0][0])


def test_an_api_key_hash_names_one_site(store: SqlStore) -> None:
    store.save_credentials("a", api_key_hash="aa" * 32)
    store.save_credentials("b", api_key_hash="bb" * 32)
    assert store.site_of_api_key("aa" * 32) == "a"
    assert store.site_of_api_key("cc" * 32) is None
    with pytest.raises(StoreError):
        store.save_credentials("c", api_key_hash="aa" * 32)  # unique: no two sites


def test_administrators(store: SqlStore) -> None:
    store.add_admin("ann", "hash-1")
    with pytest.raises(StoreError, match="exists already"):
        store.add_admin("ann", "hash-2")
    assert store.admin_password_hash("ann") == "hash-1"
    assert store.set_admin_password("ann", "hash-3") is True
    assert store.set_admin_password("bob", "x") is False
    assert store.admin_password_hash("ann") == "hash-3"
    assert store.admin_password_hash("bob") is None
    assert store.list_admins() == ["ann"]


def test_settlements_are_counted_per_minute(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(6), NOW)
    items = store.claim(primary.id, 6, NOW, 30)
    ids = [item.delivery_id for item in items]
    store.settle(Settlement(delivered=ids[:3]), NOW)
    store.settle(
        Settlement(
            retry=[Retry(ids[3:5], NOW + timedelta(seconds=5), "503")],
            dead=[Rejected(ids[5], "bad", 400)],
        ),
        NOW + timedelta(seconds=10),
    )
    store.settle(Settlement(delivered=ids[3:5]), NOW + timedelta(minutes=1))
    history = store.delivery_history(NOW - timedelta(hours=1))
    minute = NOW.replace(second=0, microsecond=0)
    assert [(h.destination_id, h.minute, h.delivered, h.failed) for h in history] == [
        (primary.id, minute, 3, 3),
        (primary.id, minute + timedelta(minutes=1), 2, 0),
    ]
    store.forget_history(minute + timedelta(minutes=1))
    assert len(store.delivery_history(NOW - timedelta(hours=1))) == 1


def _counting_change(make_statements: StatementFactory):
    def change(session: bytes | None, registration: bytes | None) -> TrackingChange:
        count = int(session or b"0") + 1
        write = TrackingWrite("s1", str(count).encode(), True, NOW, "reg", str(count).encode())
        return TrackingChange(make_statements(1), [write])

    return change


def test_update_tracking_writes_state_and_statements_together(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    change = _counting_change(make_statements)
    assert store.update_tracking(SITE, "s1", "reg", change, NOW) == 1
    assert store.update_tracking(SITE, "s1", None, change, NOW) == 1
    assert store.load_tracking(SITE, "s1") == (b"2", b"2")
    assert store.stats()[0].pending == 2

    def failing(session: bytes | None, registration: bytes | None) -> TrackingChange:
        raise ValueError("the tracker refused the event")

    with pytest.raises(ValueError):
        store.update_tracking(SITE, "s1", None, failing, NOW)
    assert store.update_tracking(SITE, "s1", None, lambda s, r: None, NOW) == 0
    assert store.load_tracking(SITE, "s1") == (b"2", b"2")


def test_concurrent_updates_of_one_session_lose_nothing(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    change = _counting_change(make_statements)
    store.update_tracking(SITE, "s1", "reg", change, NOW)
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(15):
                store.update_tracking(SITE, "s1", None, change, NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.load_tracking(SITE, "s1") == (b"61", b"61")


def test_derived_keys_are_shared_by_nodes_with_the_same_key(
    store: SqlStore, database: TestDatabase
) -> None:
    other_node = database.open(env={"VIDEOXAPI_SECRET_KEY": TEST_KEY})
    try:
        assert other_node.derive_key("admin") == store.derive_key("admin")
    finally:
        other_node.close()
    assert store.derive_key("admin") != store.derive_key("other purpose")
    assert TEST_KEY.encode() not in store.derive_key("admin")


def test_a_sessions_queued_and_dead_statements_are_found_by_its_id(
    store: SqlStore, primary: Destination
) -> None:
    session = uuid.uuid4()
    mine = [
        PreparedStatement(
            uuid.uuid4(),
            b'{"id": "%s", "session-id": "%s"}' % (str(u).encode(), str(session).encode()),
        )
        for u in (uuid.uuid4(), uuid.uuid4())
    ]
    other = PreparedStatement(uuid.uuid4(), b'{"session-id": "%s"}' % str(uuid.uuid4()).encode())
    store.enqueue(SITE, [*mine, other], NOW)
    (first, *_) = store.claim(primary.id, 1, NOW, 30)
    store.settle(Settlement(dead=[Rejected(first.delivery_id, "refused", 400)]), NOW)
    found = store.session_statements(SITE, session)
    assert [f.statement_id for f in found] == [m.statement_id for m in mine]
    assert [f.state for f in found] == ["dead", "pending"]
    assert found[0].body == mine[0].body
    assert store.session_statements("other-site", session) == []


def test_writes_together_commit_as_one_and_see_each_other(
    store: SqlStore, database: TestDatabase, primary: Destination, make_statements: StatementFactory
) -> None:
    change = _counting_change(make_statements)
    with store.writes_together():
        assert store.update_tracking(SITE, "s1", "reg", change, NOW) == 1
        assert store.update_tracking(SITE, "s1", None, change, NOW) == 1  # sees the first
        store.enqueue(SITE, make_statements(2), NOW)
        assert database.count("statements") == 0  # another connection: nothing yet
    assert database.count("statements") == 4
    assert store.load_tracking(SITE, "s1") == (b"2", b"2")


def test_writes_together_keep_nothing_when_the_block_fails(
    store: SqlStore, database: TestDatabase, primary: Destination, make_statements: StatementFactory
) -> None:
    change = _counting_change(make_statements)
    with pytest.raises(RuntimeError), store.writes_together():
        store.update_tracking(SITE, "s1", "reg", change, NOW)
        store.enqueue(SITE, make_statements(2), NOW)
        raise RuntimeError("the request's work failed after writing")
    assert database.count("statements") == 0
    assert store.load_tracking(SITE, "s1") == (None, None)
    assert store.update_tracking(SITE, "s1", "reg", change, NOW) == 1  # the store goes on
