"""A read-only look at one viewing session's statements still in the outbox.

The outbox keeps a statement only while some delivery of it is pending or dead (a
delivered one is counted and pruned), so this lists what is *queued* or *stuck*; what
has been delivered is found in the LRS itself. Used by the demo page's live panel.
Proposed for the `Store` contract as `session_statements(site_id, session_statement_id)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from videoxapi.store.schema import deliveries, statements
from videoxapi.store.sql_store import SqlStore


@dataclass(frozen=True, slots=True)
class QueuedStatement:
    """One statement bound for one destination, not delivered yet."""

    statement_id: UUID
    body: bytes
    destination_id: int
    state: str  # "pending" or "dead"
    attempts: int
    last_error: str | None


def session_statements(
    store: SqlStore, site_id: str, session_statement_id: str, limit: int = 500
) -> list[QueuedStatement]:
    """The outbox's statements of a session (its `session-id` extension, i.e. the id of
    its `initialized`), oldest first."""
    s, d = statements, deliveries
    marker = f'"{UUID(session_statement_id)}"'.encode()
    query = (
        sa.select(
            s.c.statement_id, s.c.body, d.c.destination_id, d.c.state, d.c.attempts, d.c.last_error
        )
        .join(d, d.c.statement_pk == s.c.id)
        .where(s.c.site_id == site_id, s.c.body.like(b"%" + marker + b"%"))
        .order_by(s.c.id, d.c.destination_id)
        .limit(limit)
    )
    with store._tx(read_only=True) as conn:
        return [
            QueuedStatement(
                row.statement_id,
                bytes(row.body),
                row.destination_id,
                row.state,
                row.attempts,
                row.last_error,
            )
            for row in conn.execute(query)
        ]
