"""What the service adds: site credentials, administrators, delivery history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from videoxapi.store.schema import Timestamp

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_credentials",
        sa.Column("site_id", sa.Text, primary_key=True),
        sa.Column("token_secret", sa.LargeBinary, nullable=True),
        sa.Column("api_key_hash", sa.Text, nullable=True, unique=True),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "delivery_minutes",
        sa.Column("destination_id", sa.Integer, primary_key=True),
        sa.Column("minute", Timestamp, primary_key=True),
        sa.Column("delivered", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failed", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("delivery_minutes")
    op.drop_table("admin_users")
    op.drop_table("site_credentials")
