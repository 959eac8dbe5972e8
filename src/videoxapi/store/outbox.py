"""The outbox queries: enqueue, claim, settle, stats, dead letters.

Each function runs inside the caller's transaction and knows nothing of which database
it runs on beyond what `dialect` says. What every event batch and every delivered batch
runs (enqueue, claim, settle) is plain SQL on the driver's cursor: SQLAlchemy's layers
cost more than the database's own work there; the rest is SQLAlchemy Core.

Delivered and conflicted deliveries are counted on their destination and deleted at
once; a statement is deleted with its last pending or dead delivery, so the outbox only
ever holds work still to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from videoxapi.store.base import (
    DeadLetter,
    DestinationStats,
    MinuteCount,
    OutboxItem,
    PreparedStatement,
    QueuedStatement,
    Rejected,
    Settlement,
)
from videoxapi.store.dialects import SqlDialect, driver_cursor, placeholders
from videoxapi.store.driver import Cursor
from videoxapi.store.schema import (
    dead_letters,
    deliveries,
    delivery_minutes,
    destinations,
    statements,
)

# Literals, not bound parameters, so that both planners use the partial claim index.
PENDING = sa.literal_column("'pending'")
DEAD = sa.literal_column("'dead'")
_IS_PENDING = deliveries.c.state == PENDING

# Well under SQLite's and PostgreSQL's limits on bound parameters per statement.
CHUNK = 1000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_INSERT_DELIVERY = (
    "INSERT INTO deliveries (statement_pk, destination_id, state, attempts, due_at, created_at)"
    " VALUES (?, ?, 'pending', 0, ?, ?)"
)


# Names the partial unique index (its WHERE too) for both databases' upsert.
_SKIP_REPEATS = " ON CONFLICT (site_id, statement_id) WHERE may_repeat DO NOTHING"


def enqueue(
    cursor: Cursor,
    dialect: SqlDialect,
    site_id: str,
    batch: Sequence[PreparedStatement],
    now: datetime,
    *,
    may_repeat: bool = True,
) -> int:
    """Insert the new statements and one pending delivery per destination of the site.

    A site without destinations has nowhere to send to: nothing is stored. With
    `may_repeat`, an id already pending (or twice in `batch`) is stored once; without,
    the caller vouches that every id is new and no index is searched or kept for it.
    """
    cursor.execute(placeholders(dialect, "SELECT id FROM destinations WHERE site_id = ?"),
                   (site_id,))  # fmt: skip
    destination_ids = [row[0] for row in cursor.fetchall()]
    if not batch or not destination_ids:
        return 0
    at = dialect.bind_time(now)
    repeat = "TRUE" if may_repeat else "FALSE"
    on_conflict = _SKIP_REPEATS if may_repeat else ""
    new_pks: list[int] = []
    for part in chunks(batch):
        values = ", ".join([f"(?, ?, ?, ?, {repeat})"] * len(part))
        cursor.execute(
            placeholders(
                dialect,
                "INSERT INTO statements (site_id, statement_id, body, created_at, may_repeat)"
                f" VALUES {values}{on_conflict} RETURNING id",
            ),
            [v for s in part for v in (site_id, dialect.bind_uuid(s.statement_id), s.body, at)],
        )
        new_pks.extend(row[0] for row in cursor.fetchall())
    if new_pks:
        cursor.executemany(
            placeholders(dialect, _INSERT_DELIVERY),
            [(pk, destination, at, at) for pk in new_pks for destination in destination_ids],
        )
    return len(new_pks)


_DUE = (
    "SELECT d.id, d.attempts, s.statement_id, s.body FROM deliveries d"
    " JOIN statements s ON s.id = d.statement_pk"
    " WHERE d.destination_id = ? AND d.state = 'pending' AND d.due_at <= ?"
    " AND (d.lease_until IS NULL OR d.lease_until <= ?)"
    " ORDER BY d.due_at, d.id LIMIT ?"
)


def claim(
    cursor: Cursor,
    dialect: SqlDialect,
    destination_id: int,
    limit: int,
    now: datetime,
    lease_seconds: float,
) -> list[OutboxItem]:
    """Lease the oldest due deliveries, not leased already (or their lease expired: the
    worker died).

    One query finds them with their bodies (locking them, skipping rows other claimers
    hold, on PostgreSQL), one more leases them all. The lease is a column outside the
    claim index: moving `due_at` instead would rewrite two index entries per statement
    (a third of the claim's cost), for the price of stepping over the rows other lanes
    hold at the head of the index."""
    lease_until = dialect.bind_time(now + timedelta(seconds=lease_seconds))
    at = dialect.bind_time(now)
    cursor.execute(
        placeholders(dialect, _DUE + dialect.skip_locked), (destination_id, at, at, limit)
    )
    due = cursor.fetchall()
    if not due:
        return []
    cursor.execute(
        placeholders(
            dialect,
            "UPDATE deliveries SET attempts = attempts + 1, lease_until = ?"
            " WHERE id" + dialect.in_ids_sql,
        ),
        (lease_until, dialect.bind_ids([row[0] for row in due])),
    )
    return [
        OutboxItem(delivery_id, bytes(body), attempts + 1, statement_id)
        for delivery_id, attempts, statement_id, body in due
    ]


def settle(cursor: Cursor, dialect: SqlDialect, settlement: Settlement, now: datetime) -> None:
    """Apply what the worker learnt; deliveries no longer pending are left alone."""
    delivered = _finish(cursor, dialect, settlement.delivered, "delivered_count")
    conflicts = [r.delivery_id for r in settlement.conflict]
    _finish(cursor, dialect, conflicts, "conflict_count")
    failed: Counter[int] = Counter()
    retry_sql = placeholders(
        dialect,
        "UPDATE deliveries SET due_at = ?, last_error = ?, lease_until = NULL"
        f" WHERE id{dialect.in_ids_sql} AND state = 'pending' RETURNING destination_id",
    )
    for retry in settlement.retry:
        if retry.delivery_ids:
            due_at = dialect.bind_time(retry.due_at)
            cursor.execute(retry_sql, (due_at, retry.error, dialect.bind_ids(retry.delivery_ids)))
            failed.update(row[0] for row in cursor.fetchall())
    failed.update(_bury(cursor, dialect, settlement.dead, now))
    _count_minute(cursor, dialect, now, delivered, failed)


_COUNT_MINUTE = (
    "INSERT INTO delivery_minutes (destination_id, minute, delivered, failed) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (destination_id, minute) DO UPDATE SET"
    " delivered = delivery_minutes.delivered + excluded.delivered,"
    " failed = delivery_minutes.failed + excluded.failed"
)


def _count_minute(
    cursor: Cursor,
    dialect: SqlDialect,
    now: datetime,
    delivered: Counter[int],
    failed: Counter[int],
) -> None:
    """Add this settlement to the per-minute history the operations chart draws."""
    minute = dialect.bind_time(now.replace(second=0, microsecond=0))
    rows = [
        (key, minute, delivered[key], failed[key]) for key in sorted(set(delivered) | set(failed))
    ]
    if rows:
        cursor.executemany(placeholders(dialect, _COUNT_MINUTE), rows)


def delivery_history(conn: Connection, since: datetime) -> list[MinuteCount]:
    m = delivery_minutes
    rows = conn.execute(
        sa.select(m.c.destination_id, m.c.minute, m.c.delivered, m.c.failed)
        .where(m.c.minute >= since)
        .order_by(m.c.minute, m.c.destination_id)
    )
    return [MinuteCount(row.destination_id, row.minute, row.delivered, row.failed) for row in rows]


def forget_history(conn: Connection, before: datetime) -> None:
    conn.execute(sa.delete(delivery_minutes).where(delivery_minutes.c.minute < before))


def _finish(
    cursor: Cursor, dialect: SqlDialect, delivery_ids: Sequence[int], counter: str
) -> Counter[int]:
    """Count finished deliveries on their destination (`counter` names the column),
    delete them, prune their statements."""
    if not delivery_ids:
        return Counter()
    cursor.execute(
        placeholders(
            dialect,
            f"DELETE FROM deliveries WHERE id{dialect.in_ids_sql} AND state = 'pending'"
            " RETURNING destination_id, statement_pk",
        ),
        (dialect.bind_ids(delivery_ids),),
    )
    finished = cursor.fetchall()
    if not finished:
        return Counter()
    per_destination = Counter(row[0] for row in finished)
    cursor.executemany(
        placeholders(dialect, f"UPDATE destinations SET {counter} = {counter} + ? WHERE id = ?"),
        [(n, key) for key, n in sorted(per_destination.items())],
    )
    prune(cursor, dialect, [row[1] for row in finished])
    return per_destination


def _bury(
    cursor: Cursor, dialect: SqlDialect, rejected: Sequence[Rejected], now: datetime
) -> Counter[int]:
    """Dead-letter deliveries; their statement (and body) stays until replay or discard.
    Returns how many were buried per destination."""
    by_id = {r.delivery_id: r for r in rejected}
    if not by_id:
        return Counter()
    cursor.execute(
        placeholders(
            dialect,
            f"UPDATE deliveries SET state = 'dead', lease_until = NULL WHERE id{dialect.in_ids_sql}"
            " AND state = 'pending' RETURNING id, destination_id",
        ),
        (dialect.bind_ids(list(by_id)),),
    )
    buried = cursor.fetchall()
    if buried:
        at = dialect.bind_time(now)
        cursor.executemany(
            placeholders(
                dialect,
                "INSERT INTO dead_letters (delivery_id, reason, status, created_at)"
                " VALUES (?, ?, ?, ?)",
            ),
            [(key, by_id[key].reason, by_id[key].status, at) for key, _ in buried],
        )
    return Counter(destination for _, destination in buried)


def prune(cursor: Cursor, dialect: SqlDialect, statement_pks: Iterable[int]) -> None:
    """Delete statements no delivery needs any more (none pending, none dead).

    The ones still needed are looked up by index for just these ids: a correlated
    NOT EXISTS let PostgreSQL plan a hash anti-join over the whole outbox."""
    pks = sorted(set(statement_pks))
    if pks:
        listed = dialect.bind_ids(pks)
        cursor.execute(
            placeholders(
                dialect,
                f"DELETE FROM statements WHERE id{dialect.in_ids_sql} AND id NOT IN"
                f" (SELECT statement_pk FROM deliveries WHERE statement_pk{dialect.in_ids_sql})",
            ),
            (listed, listed),
        )


def due_destination_ids(conn: Connection, now: datetime) -> list[int]:
    d, dest = deliveries, destinations
    # In flight counts as due: a lane is at work there (a claim skips what it holds).
    has_due = sa.exists().where(d.c.destination_id == dest.c.id, _IS_PENDING, d.c.due_at <= now)
    return list(
        conn.execute(
            sa.select(dest.c.id)
            .where(sa.or_(dest.c.paused_until.is_(None), dest.c.paused_until <= now), has_due)
            .order_by(dest.c.id)
        ).scalars()
    )


def stats(conn: Connection, now: datetime) -> list[DestinationStats]:
    """Per destination: `pending` counts every undelivered delivery (in flight and
    failed ones included); `failed` those that failed at least once and are not in
    flight; `dead` the dead letters not yet replayed or discarded."""
    d, dest = deliveries, destinations
    in_flight = sa.and_(_IS_PENDING, d.c.lease_until > now)
    failed = sa.and_(
        _IS_PENDING, d.c.attempts > 0, sa.or_(d.c.lease_until.is_(None), d.c.lease_until <= now)
    )
    counts = {
        row.destination_id: row
        for row in conn.execute(
            sa.select(
                d.c.destination_id,
                sa.func.count().filter(_IS_PENDING).label("pending"),
                sa.func.count().filter(in_flight).label("in_flight"),
                sa.func.count().filter(failed).label("failed"),
                sa.func.count().filter(d.c.state == DEAD).label("dead"),
                sa.func.min(d.c.created_at).filter(_IS_PENDING).label("oldest"),
            ).group_by(d.c.destination_id)
        )
    }
    result = []
    for row in conn.execute(sa.select(dest).order_by(dest.c.id)):
        c = counts.get(row.id)
        result.append(
            DestinationStats(
                destination_id=row.id,
                site_id=row.site_id,
                name=row.name,
                pending=c.pending if c else 0,
                in_flight=c.in_flight if c else 0,
                delivered=row.delivered_count,
                failed=c.failed if c else 0,
                dead=c.dead if c else 0,
                conflicts=row.conflict_count,
                oldest_pending_at=c.oldest if c else None,
                paused_until=row.paused_until,
                pause_reason=row.pause_reason,
            )
        )
    return result


def session_statements(
    conn: Connection, dialect: SqlDialect, site_id: str, session_statement_id: UUID, limit: int
) -> list[QueuedStatement]:
    """Statements whose body names the session's id: a scan of the site's outbox rows,
    fine for a person's look at one session, not for a hot path."""
    s, d = statements, deliveries
    marker = f'"{session_statement_id}"'
    rows = conn.execute(
        sa.select(
            s.c.statement_id, s.c.body, d.c.destination_id, d.c.state, d.c.attempts, d.c.last_error
        )
        .join(d, d.c.statement_pk == s.c.id)
        .where(
            s.c.site_id == site_id,
            dialect.utf8_text(s.c.body).contains(marker, autoescape=True),
        )
        .order_by(s.c.id, d.c.destination_id)
        .limit(limit)
    )
    return [
        QueuedStatement(
            row.statement_id,
            bytes(row.body),
            row.destination_id,
            row.state,
            row.attempts,
            row.last_error,
        )
        for row in rows
    ]


def list_dead_letters(conn: Connection, destination_id: int | None) -> list[DeadLetter]:
    dl, d, s = dead_letters, deliveries, statements
    query = (
        sa.select(
            dl.c.id,
            d.c.destination_id,
            s.c.statement_id,
            s.c.body,
            dl.c.reason,
            dl.c.status,
            dl.c.created_at,
        )
        .join(d, d.c.id == dl.c.delivery_id)
        .join(s, s.c.id == d.c.statement_pk)
        .order_by(dl.c.id)
    )
    if destination_id is not None:
        query = query.where(d.c.destination_id == destination_id)
    return [DeadLetter(**row._mapping) for row in conn.execute(query)]


def _take_dead_letters(conn: Connection, ids: Sequence[int] | None) -> list[int]:
    """Delete the dead letters named (all when None); return their delivery ids."""
    query = sa.delete(dead_letters).returning(dead_letters.c.delivery_id)
    if ids is None:
        return list(conn.execute(query).scalars())
    taken: list[int] = []
    for part in chunks(ids):
        taken.extend(conn.execute(query.where(dead_letters.c.id.in_(part))).scalars())
    return taken


def replay(conn: Connection, ids: Sequence[int] | None, now: datetime) -> int:
    d = deliveries
    delivery_ids = _take_dead_letters(conn, ids)
    for part in chunks(delivery_ids):
        conn.execute(
            sa.update(d)
            .where(d.c.id.in_(part))
            .values(state="pending", attempts=0, due_at=now, lease_until=None, last_error=None)
        )
    return len(delivery_ids)


def discard(conn: Connection, dialect: SqlDialect, ids: Sequence[int]) -> int:
    d = deliveries
    delivery_ids = _take_dead_letters(conn, ids)
    pks: list[int] = []
    for part in chunks(delivery_ids):
        pks.extend(
            conn.execute(sa.delete(d).where(d.c.id.in_(part)).returning(d.c.statement_pk)).scalars()
        )
    prune(driver_cursor(conn), dialect, pks)
    return len(delivery_ids)
