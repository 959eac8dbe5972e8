"""Tracker state rows: upserted with the statements they produced, read per session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from videoxapi.store.base import TrackingWrite
from videoxapi.store.dialects import SqlDialect, placeholders
from videoxapi.store.driver import Cursor
from videoxapi.store.schema import tracking_sessions

_UPSERT_SESSION = (
    "INSERT INTO tracking_sessions"
    " (site_id, session_id, state, is_open, last_event_at, registration_key)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (site_id, session_id) DO UPDATE SET state = excluded.state,"
    " is_open = excluded.is_open, last_event_at = excluded.last_event_at,"
    " registration_key = excluded.registration_key"
)
_UPSERT_REGISTRATION = (
    "INSERT INTO tracking_registrations (site_id, key, state) VALUES (?, ?, ?)"
    " ON CONFLICT (site_id, key) DO UPDATE SET state = excluded.state"
)
_SELECT_SESSION = "SELECT state FROM tracking_sessions WHERE site_id = ? AND session_id = ?"
_SELECT_REGISTRATION = "SELECT state FROM tracking_registrations WHERE site_id = ? AND key = ?"
_SELECT_BOTH = (
    "SELECT s.state, r.state FROM tracking_sessions s JOIN tracking_registrations r"
    " ON r.site_id = s.site_id AND r.key = s.registration_key"
    " WHERE s.site_id = ? AND s.session_id = ?"
)


def write(
    cursor: Cursor, dialect: SqlDialect, site_id: str, writes: Sequence[TrackingWrite]
) -> None:
    """Upsert, in plain SQL on the driver's cursor (this runs for every event batch);
    when a batch names a session or registration twice, the last write wins."""
    if not writes:
        return
    sessions = {w.session_id: w for w in writes}
    registrations = {w.registration_key: w.registration_state for w in writes}
    cursor.executemany(
        placeholders(dialect, _UPSERT_SESSION),
        [
            (site_id, w.session_id, w.session_state, w.session_open,
             dialect.bind_time(w.last_event_at), w.registration_key)
            for w in sessions.values()
        ],
    )  # fmt: skip
    cursor.executemany(
        placeholders(dialect, _UPSERT_REGISTRATION),
        [(site_id, key, state) for key, state in registrations.items()],
    )


def load(
    cursor: Cursor,
    dialect: SqlDialect,
    site_id: str,
    session_id: str,
    registration_key: str | None,
    *,
    for_update: bool = False,
) -> tuple[bytes | None, bytes | None]:
    """The states; `for_update` locks both rows until the transaction ends (PostgreSQL;
    SQLite's writers are serialised by BEGIN IMMEDIATE already). Without a
    `registration_key`, the session's own; a session is always written with its
    registration, so one without it reads as no session at all."""
    lock = dialect.lock_rows if for_update else ""
    if registration_key is None:  # a running session: both rows in one query
        cursor.execute(placeholders(dialect, _SELECT_BOTH) + lock, (site_id, session_id))
        both = cursor.fetchone()
        return (bytes(both[0]), bytes(both[1])) if both else (None, None)
    cursor.execute(placeholders(dialect, _SELECT_SESSION) + lock, (site_id, session_id))
    row = cursor.fetchone()
    session_state = bytes(row[0]) if row else None
    cursor.execute(placeholders(dialect, _SELECT_REGISTRATION) + lock, (site_id, registration_key))
    found = cursor.fetchone()
    return session_state, bytes(found[0]) if found else None


def idle_sessions(conn: Connection, older_than: datetime, limit: int) -> list[tuple[str, str]]:
    ts = tracking_sessions
    rows = conn.execute(
        sa.select(ts.c.site_id, ts.c.session_id)
        .where(ts.c.is_open.is_(True), ts.c.last_event_at < older_than)
        .order_by(ts.c.last_event_at)
        .limit(limit)
    )
    return [(row.site_id, row.session_id) for row in rows]
