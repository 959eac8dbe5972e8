"""The tables, as SQLAlchemy Core metadata: what the queries are written against.

The migrations in `migrations/versions/` create exactly this schema (a test compares
them). Everything hot is keyed by integers: statement UUIDs are a column, never a key
another table points at, and only indexed where a repeat must be found (random keys
slow inserts and deletes down).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Timestamp(sa.TypeDecorator[datetime]):
    """An aware UTC datetime: `timestamptz` on PostgreSQL, integer microseconds on SQLite.

    SQLite has no time type; integers compare and index faster than text and keep
    microseconds exactly. Naive datetimes are taken as UTC.
    """

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if dialect.name == "postgresql":
            return value
        return (value - EPOCH) // _MICROSECOND

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return EPOCH + timedelta(microseconds=value)


metadata = sa.MetaData()

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    # The settings JSON without its secret; the secret is Fernet-encrypted beside it.
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("secret", sa.LargeBinary, nullable=True),
    sa.Column("updated_at", Timestamp, nullable=False),
)

destinations = sa.Table(
    "destinations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("auth_kind", sa.Text, nullable=False),
    sa.Column("auth_key", sa.Text, nullable=False),
    sa.Column("auth_secret", sa.LargeBinary, nullable=True),
    sa.Column("token_endpoint", sa.Text, nullable=False),
    sa.Column("xapi_version", sa.Text, nullable=False),
    sa.Column("paused_until", Timestamp, nullable=True),
    sa.Column("pause_reason", sa.Text, nullable=True),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    # Delivered and conflicted deliveries are deleted at once; these keep the count.
    sa.Column("delivered_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("conflict_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("site_id", "name", name="uq_destinations_site_name"),
)

statements = sa.Table(
    "statements",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("site_id", sa.Text, nullable=False),
    sa.Column("statement_id", sa.Uuid, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    # Whether the same id may be enqueued again (activity API retries, a file sent
    # twice): only those rows are in the unique index that finds the repeat. The
    # tracker's ids cannot repeat, and a random-UUID index costs every insert and delete
    # a random page (migration 0003).
    sa.Column("may_repeat", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Index(
        "uq_statements_repeatable",
        "site_id",
        "statement_id",
        unique=True,
        sqlite_where=sa.text("may_repeat"),
        postgresql_where=sa.text("may_repeat"),
    ),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column(
        "statement_pk",
        sa.BigInteger,
        sa.ForeignKey("statements.id", ondelete="CASCADE", name="fk_deliveries_statement"),
        nullable=False,
    ),
    sa.Column(
        "destination_id",
        sa.Integer,
        sa.ForeignKey("destinations.id", ondelete="CASCADE", name="fk_deliveries_destination"),
        nullable=False,
    ),
    # pending or dead; delivered and conflict rows are counted, then deleted.
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    # When the delivery may be claimed (a retry moves it later)...
    sa.Column("due_at", Timestamp, nullable=False),
    # ...unless a worker holds it until then: an expired lease (its worker died) makes
    # it claimable again. Not in the claim index, so a claim rewrites no index entry.
    sa.Column("lease_until", Timestamp, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index(
        "ix_deliveries_claim",
        "destination_id",
        "due_at",
        "id",
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    ),
    sa.Index("ix_deliveries_statement", "statement_pk"),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "delivery_id",
        sa.BigInteger,
        sa.ForeignKey("deliveries.id", ondelete="CASCADE", name="fk_dead_letters_delivery"),
        nullable=False,
        unique=True,
    ),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

tracking_sessions = sa.Table(
    "tracking_sessions",
    metadata,
    sa.Column("site_id", sa.Text, primary_key=True),
    sa.Column("session_id", sa.Text, primary_key=True),
    sa.Column("state", sa.LargeBinary, nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("last_event_at", Timestamp, nullable=False),
    sa.Column("registration_key", sa.Text, nullable=False),
    sa.Index(
        "ix_tracking_sessions_idle",
        "is_open",
        "last_event_at",
    ),
)

tracking_registrations = sa.Table(
    "tracking_registrations",
    metadata,
    sa.Column("site_id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("state", sa.LargeBinary, nullable=False),
)

site_credentials = sa.Table(
    "site_credentials",
    metadata,
    sa.Column("site_id", sa.Text, primary_key=True),
    # The HS256 key of the site's viewer tokens, Fernet-encrypted (it must be read back).
    sa.Column("token_secret", sa.LargeBinary, nullable=True),
    # SHA-256 of the site's API key: the key itself is random and shown once.
    sa.Column("api_key_hash", sa.Text, nullable=True, unique=True),
    sa.Column("updated_at", Timestamp, nullable=False),
)

admin_users = sa.Table(
    "admin_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

delivery_minutes = sa.Table(
    "delivery_minutes",
    metadata,
    sa.Column("destination_id", sa.Integer, primary_key=True),
    sa.Column("minute", Timestamp, primary_key=True),
    sa.Column("delivered", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("failed", sa.BigInteger, nullable=False, server_default="0"),
)
