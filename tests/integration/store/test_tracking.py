"""Tracker state: written with the statements, read per session, idle sessions found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storecase import NOW, SITE, StatementFactory

from videoxapi.store import SqlStore
from videoxapi.store.base import Destination, TrackingWrite

pytestmark = pytest.mark.integration


def _write(session: str, at_minutes: int, open_: bool = True, reg: str = "reg-1") -> TrackingWrite:
    return TrackingWrite(
        session,
        f"{session}@{at_minutes}".encode(),
        open_,
        NOW + timedelta(minutes=at_minutes),
        reg,
        f"{reg}@{at_minutes}".encode(),
    )


def test_the_last_write_of_a_session_wins(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(1), NOW, [_write("s1", 0), _write("s1", 1)])
    store.enqueue(SITE, make_statements(1), NOW, [_write("s1", 2)])
    assert store.load_tracking(SITE, "s1") == (b"s1@2", b"reg-1@2")
    assert store.load_tracking("other-site", "s1") == (None, None)


def test_a_registration_can_be_named_before_its_session_exists(
    store: SqlStore, primary: Destination
) -> None:
    store.enqueue(SITE, [], NOW, [_write("s1", 0, reg="reg-9")])
    assert store.load_tracking(SITE, "new-session", "reg-9") == (None, b"reg-9@0")
    assert store.load_tracking(SITE, "s1", "unknown") == (b"s1@0", None)


def test_idle_sessions_are_open_ones_past_the_cutoff_oldest_first(
    store: SqlStore, primary: Destination
) -> None:
    writes = [
        _write("old", 0),
        _write("older", -5),
        _write("fresh", 30),
        _write("ended", -9, False),
    ]
    store.enqueue(SITE, [], NOW, writes)
    cutoff = NOW + timedelta(minutes=10)
    assert store.idle_sessions(cutoff, 10) == [(SITE, "older"), (SITE, "old")]
    assert store.idle_sessions(cutoff, 1) == [(SITE, "older")]
