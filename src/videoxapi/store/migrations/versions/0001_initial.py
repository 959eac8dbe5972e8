"""The initial schema: sites, destinations, the outbox, dead letters, tracker state.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from videoxapi.store.schema import Timestamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_table(
        "destinations",
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
        sa.Column("delivered_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("conflict_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("site_id", "name", name="uq_destinations_site_name"),
    )
    op.create_table(
        "statements",
        sa.Column("id", _BIGINT_PK, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("statement_id", sa.Uuid, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("site_id", "statement_id", name="uq_statements_site_statement"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", _BIGINT_PK, primary_key=True, autoincrement=True),
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
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", Timestamp, nullable=False),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_index(
        "ix_deliveries_claim",
        "deliveries",
        ["destination_id", "due_at", "id"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )
    op.create_index("ix_deliveries_statement", "deliveries", ["statement_pk"])
    op.create_table(
        "dead_letters",
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
    op.create_table(
        "tracking_sessions",
        sa.Column("site_id", sa.Text, primary_key=True),
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("last_event_at", Timestamp, nullable=False),
        sa.Column("registration_key", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_tracking_sessions_idle",
        "tracking_sessions",
        ["is_open", "last_event_at"],
    )
    op.create_table(
        "tracking_registrations",
        sa.Column("site_id", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("state", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "tracking_registrations",
        "tracking_sessions",
        "dead_letters",
        "deliveries",
        "statements",
        "destinations",
        "sites",
    ):
        op.drop_table(table)
