"""Tracker state rows: upserted with the statements they produced, read per session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from videoxapi.store.base import TrackingWrite
from videoxapi.store.dialects import SqlDialect
from videoxapi.store.schema import tracking_registrations, tracking_sessions


def write(
    conn: Connection, dialect: SqlDialect, site_id: str, writes: Sequence[TrackingWrite]
) -> None:
    """Upsert; when a batch names a session or registration twice, the last write wins
    (one multi-row upsert may not touch a row twice on PostgreSQL)."""
    if not writes:
        return
    sessions = {w.session_id: w for w in writes}
    registrations = {w.registration_key: w.registration_state for w in writes}
    insert = dialect.insert(tracking_sessions)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["site_id", "session_id"],
            set_={
                "state": insert.excluded.state,
                "is_open": insert.excluded.is_open,
                "last_event_at": insert.excluded.last_event_at,
                "registration_key": insert.excluded.registration_key,
            },
        ),
        [
            {
                "site_id": site_id,
                "session_id": w.session_id,
                "state": w.session_state,
                "is_open": w.session_open,
                "last_event_at": w.last_event_at,
                "registration_key": w.registration_key,
            }
            for w in sessions.values()
        ],
    )
    insert = dialect.insert(tracking_registrations)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["site_id", "key"], set_={"state": insert.excluded.state}
        ),
        [{"site_id": site_id, "key": key, "state": state} for key, state in registrations.items()],
    )


def load(
    conn: Connection,
    site_id: str,
    session_id: str,
    registration_key: str | None,
    *,
    for_update: bool = False,
) -> tuple[bytes | None, bytes | None]:
    """The states; `for_update` locks both rows until the transaction ends (PostgreSQL;
    SQLite's writers are serialised by BEGIN IMMEDIATE already)."""
    ts, tr = tracking_sessions, tracking_registrations
    query = sa.select(ts.c.state, ts.c.registration_key).where(
        ts.c.site_id == site_id, ts.c.session_id == session_id
    )
    row = conn.execute(query.with_for_update() if for_update else query).first()
    session_state = row.state if row else None
    key = (
        registration_key
        if registration_key is not None
        else (row.registration_key if row else None)
    )
    if key is None:
        return session_state, None
    query = sa.select(tr.c.state).where(tr.c.site_id == site_id, tr.c.key == key)
    registration_state = conn.execute(
        query.with_for_update() if for_update else query
    ).scalar_one_or_none()
    return session_state, registration_state


def idle_sessions(conn: Connection, older_than: datetime, limit: int) -> list[tuple[str, str]]:
    ts = tracking_sessions
    rows = conn.execute(
        sa.select(ts.c.site_id, ts.c.session_id)
        .where(ts.c.is_open.is_(True), ts.c.last_event_at < older_than)
        .order_by(ts.c.last_event_at)
        .limit(limit)
    )
    return [(row.site_id, row.session_id) for row in rows]
