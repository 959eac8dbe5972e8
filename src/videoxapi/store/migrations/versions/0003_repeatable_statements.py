"""Only statements that may be enqueued again are checked for repeats.

A unique index on (site, statement UUID) touches a random page for every statement
inserted and deleted: about 40% of the outbox's work per delivered statement. The
tracker's statements cannot repeat (their ids derive from an event `seq` that it
accepts once, in the transaction that enqueues them), so only the others (activity API
retries, `videoxapi send` of a file again) are kept in a partial unique index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_REPEATABLE = sa.text("may_repeat")


def upgrade() -> None:
    # SQLite rebuilds the table to drop the constraint (Store.migrate runs with its
    # foreign keys off, so that the rebuild does not cascade to the deliveries).
    with op.batch_alter_table("statements", recreate="auto") as batch:
        batch.add_column(
            sa.Column("may_repeat", sa.Boolean, nullable=False, server_default=sa.true())
        )
        batch.drop_constraint("uq_statements_site_statement", type_="unique")
    op.create_index(
        "uq_statements_repeatable",
        "statements",
        ["site_id", "statement_id"],
        unique=True,
        sqlite_where=_REPEATABLE,
        postgresql_where=_REPEATABLE,
    )


def downgrade() -> None:
    op.drop_index("uq_statements_repeatable", table_name="statements")
    with op.batch_alter_table("statements", recreate="auto") as batch:
        batch.create_unique_constraint("uq_statements_site_statement", ["site_id", "statement_id"])
        batch.drop_column("may_repeat")
