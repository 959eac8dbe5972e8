"""Who may speak for a site: its viewer-token secret and API key, and the administrators.

The token secret is sealed (the service must read it back to check signatures); the
API key and passwords are stored only as hashes, made by the caller.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from videoxapi.errors import StoreError
from videoxapi.store.base import SiteCredentials
from videoxapi.store.dialects import SqlDialect
from videoxapi.store.schema import admin_users, site_credentials
from videoxapi.store.secrets import SecretBox


def load_credentials(conn: Connection, box: SecretBox, site_id: str) -> SiteCredentials | None:
    row = conn.execute(
        sa.select(site_credentials).where(site_credentials.c.site_id == site_id)
    ).first()
    if row is None:
        return None
    return SiteCredentials(
        site_id=site_id,
        token_secret=box.open(row.token_secret),
        api_key_hash=row.api_key_hash,
    )


def save_credential(
    conn: Connection,
    dialect: SqlDialect,
    box: SecretBox,
    site_id: str,
    now: datetime,
    *,
    token_secret: str | None = None,
    api_key_hash: str | None = None,
) -> None:
    """Set the token secret and/or the API key hash of a site, keeping the other."""
    values: dict[str, object] = {"updated_at": now}
    if token_secret is not None:
        values["token_secret"] = box.seal(token_secret)
    if api_key_hash is not None:
        values["api_key_hash"] = api_key_hash
    insert = dialect.insert(site_credentials).values(site_id=site_id, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["site_id"], set_=values))


def site_of_api_key(conn: Connection, api_key_hash: str) -> str | None:
    return conn.execute(
        sa.select(site_credentials.c.site_id).where(site_credentials.c.api_key_hash == api_key_hash)
    ).scalar_one_or_none()


def add_admin(conn: Connection, username: str, password_hash: str, now: datetime) -> None:
    taken = conn.execute(
        sa.select(admin_users.c.id).where(admin_users.c.username == username)
    ).first()
    if taken is not None:
        raise StoreError(f"administrator {username!r} exists already")
    conn.execute(
        admin_users.insert().values(username=username, password_hash=password_hash, created_at=now)
    )


def set_admin_password(conn: Connection, username: str, password_hash: str) -> bool:
    result = conn.execute(
        sa.update(admin_users)
        .where(admin_users.c.username == username)
        .values(password_hash=password_hash)
    )
    return result.rowcount > 0


def admin_password_hash(conn: Connection, username: str) -> str | None:
    return conn.execute(
        sa.select(admin_users.c.password_hash).where(admin_users.c.username == username)
    ).scalar_one_or_none()


def list_admins(conn: Connection) -> list[str]:
    return list(
        conn.execute(sa.select(admin_users.c.username).order_by(admin_users.c.id)).scalars()
    )
