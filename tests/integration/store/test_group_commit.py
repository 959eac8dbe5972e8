"""SQLite's group commit: calls in a group are savepoints of one transaction, nothing
of it is visible (or durable) before `end_group`, and a call that fails is undone
alone."""

from __future__ import annotations

from dataclasses import replace

import pytest
from storecase import NOW, SITE, StatementFactory
from support.databases import TestDatabase

from videoxapi.errors import StoreError
from videoxapi.store import SqlStore
from videoxapi.store.base import Destination, TrackingChange, TrackingWrite

# SQLite's alone: the database fixture is generated for it only.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

WRITE = TrackingWrite("s1", b"state", True, NOW, "reg-1", b"reg-state")


def test_a_group_commits_once_and_a_failed_call_is_undone_alone(
    store: SqlStore,
    database: TestDatabase,
    primary: Destination,
    make_statements: StatementFactory,
) -> None:
    assert store.supports_group_commit
    kept, lost = make_statements(2), make_statements(3)

    def breaks(_session: bytes | None, _registration: bytes | None) -> TrackingChange:
        # Its statements are inserted, then its state write fails (NOT NULL).
        return TrackingChange(lost, [replace(WRITE, session_id="s2", session_state=None)])  # type: ignore[arg-type]

    store.start_group()
    try:
        assert store.enqueue(SITE, kept, NOW, [WRITE]) == 2
        with pytest.raises(StoreError):
            store.update_tracking(SITE, "s2", "reg-1", breaks, NOW)
        assert database.count("statements") == 0  # not committed yet: not visible
    finally:
        store.end_group()
    assert database.count("statements") == 2
    assert store.load_tracking(SITE, "s1") == (b"state", b"reg-state")
    assert store.load_tracking(SITE, "s2") == (None, None)


def test_outside_a_group_each_call_commits_by_itself(
    store: SqlStore, database: TestDatabase, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(2), NOW)
    assert database.count("statements") == 2
    store.start_group()
    store.end_group()  # an empty group commits nothing and holds no lock
    store.save_settings("other", b'{"enabled": false}')


def test_other_writes_refuse_to_run_inside_a_group(store: SqlStore) -> None:
    """They would open a second transaction and wait on the group's own lock."""
    store.start_group()
    try:
        with pytest.raises(StoreError, match="group commit"):
            store.save_settings("other", b'{"enabled": false}')
    finally:
        store.end_group()
