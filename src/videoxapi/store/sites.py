"""Site settings and destinations: secrets sealed on the way in, opened on the way out.

The `primary` destination is derived from the settings, so the worker only ever deals
with destinations; `save_settings` keeps it in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from videoxapi.errors import StoreError
from videoxapi.settings import SiteSettings
from videoxapi.store.base import AuthKind, Destination, LrsAuth
from videoxapi.store.dialects import SqlDialect, driver_cursor
from videoxapi.store.outbox import prune
from videoxapi.store.schema import deliveries, destinations, site_credentials, sites
from videoxapi.store.secrets import SecretBox

PRIMARY = "primary"


def load_settings(conn: Connection, box: SecretBox, site_id: str) -> bytes | None:
    row = conn.execute(
        sa.select(sites.c.settings, sites.c.secret).where(sites.c.id == site_id)
    ).first()
    if row is None:
        return None
    data = orjson.loads(row.settings)
    data["secret"] = box.open(row.secret)
    return orjson.dumps(data)


def save_settings(
    conn: Connection,
    dialect: SqlDialect,
    box: SecretBox,
    site_id: str,
    settings_json: bytes,
    now: datetime,
) -> None:
    settings = SiteSettings.parse_json(settings_json)
    data = settings.to_storage()
    secret = data.pop("secret", "")
    values = {
        "settings": orjson.dumps(data).decode(),
        "secret": box.seal(secret),
        "updated_at": now,
    }
    insert = dialect.insert(sites).values(id=site_id, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))
    _follow_settings(conn, dialect, box, site_id, settings)


def primary_auth(settings: SiteSettings) -> LrsAuth:
    """Basic unless `usePersonalOAuthToken`; then a bearer token, or OAuth when a token
    endpoint is set (SPEC section 2)."""
    secret = settings.secret.get_secret_value()
    kind: AuthKind = "basic"
    if settings.use_personal_oauth_token:
        kind = "oauth" if settings.token_endpoint else "bearer"
    return LrsAuth(
        kind=kind, key=settings.key, secret=secret, token_endpoint=settings.token_endpoint
    )


def _follow_settings(
    conn: Connection, dialect: SqlDialect, box: SecretBox, site_id: str, settings: SiteSettings
) -> None:
    current = conn.execute(
        sa.select(destinations).where(
            destinations.c.site_id == site_id, destinations.c.name == PRIMARY
        )
    ).first()
    if not (settings.enabled and settings.endpoint):
        if current is not None:
            remove_destination(conn, dialect, current.id)
        return
    auth = primary_auth(settings)
    if current is None:
        add_destination(conn, box, site_id, PRIMARY, settings.endpoint, auth, settings.xapi_version)
        return
    old = _destination(box, current)
    if (old.endpoint, old.auth, old.xapi_version) == (
        settings.endpoint,
        auth,
        settings.xapi_version,
    ):
        return
    # New credentials or endpoint: whatever paused the old ones no longer holds.
    conn.execute(
        sa.update(destinations)
        .where(destinations.c.id == current.id)
        .values(
            endpoint=settings.endpoint,
            xapi_version=settings.xapi_version,
            paused_until=None,
            pause_reason=None,
            consecutive_failures=0,
            **_auth_columns(box, auth),
        )
    )


def list_sites(conn: Connection) -> list[str]:
    return list(conn.execute(sa.select(sites.c.id).order_by(sites.c.id)).scalars())


def list_destinations(
    conn: Connection, box: SecretBox, site_id: str | None = None
) -> list[Destination]:
    query = sa.select(destinations).order_by(destinations.c.id)
    if site_id is not None:
        query = query.where(destinations.c.site_id == site_id)
    return [_destination(box, row) for row in conn.execute(query)]


def get_destinations(conn: Connection, box: SecretBox, ids: list[int]) -> list[Destination]:
    if not ids:
        return []
    query = sa.select(destinations).where(destinations.c.id.in_(ids)).order_by(destinations.c.id)
    return [_destination(box, row) for row in conn.execute(query)]


def add_destination(
    conn: Connection,
    box: SecretBox,
    site_id: str,
    name: str,
    endpoint: str,
    auth: LrsAuth,
    xapi_version: str,
) -> Destination:
    taken = conn.execute(
        sa.select(destinations.c.id).where(
            destinations.c.site_id == site_id, destinations.c.name == name
        )
    ).first()
    if taken is not None:
        raise StoreError(f"site {site_id!r} already has a destination named {name!r}")
    new_id = conn.execute(
        destinations.insert()
        .values(
            site_id=site_id,
            name=name,
            endpoint=endpoint,
            xapi_version=xapi_version,
            **_auth_columns(box, auth),
        )
        .returning(destinations.c.id)
    ).scalar_one()
    return Destination(
        id=new_id,
        site_id=site_id,
        name=name,
        endpoint=endpoint,
        auth=auth,
        xapi_version=xapi_version,
    )


def remove_destination(conn: Connection, dialect: SqlDialect, destination_id: int) -> None:
    """Its undelivered statements go with it (they were bound for it alone)."""
    pks = (
        conn.execute(
            sa.delete(deliveries)
            .where(deliveries.c.destination_id == destination_id)
            .returning(deliveries.c.statement_pk)
        )
        .scalars()
        .all()
    )
    conn.execute(sa.delete(destinations).where(destinations.c.id == destination_id))
    prune(driver_cursor(conn), dialect, pks)


def set_pause(
    conn: Connection, destination_id: int, until: datetime | None, reason: str | None
) -> None:
    values: dict[str, Any] = {"paused_until": until, "pause_reason": reason}
    if until is None:
        values["consecutive_failures"] = 0
    conn.execute(sa.update(destinations).where(destinations.c.id == destination_id).values(values))


def record_failure(conn: Connection, destination_id: int) -> int:
    return (
        conn.execute(
            sa.update(destinations)
            .where(destinations.c.id == destination_id)
            .values(consecutive_failures=destinations.c.consecutive_failures + 1)
            .returning(destinations.c.consecutive_failures)
        ).scalar_one_or_none()
        or 0
    )


def record_success(conn: Connection, destination_id: int) -> None:
    conn.execute(
        sa.update(destinations)
        .where(destinations.c.id == destination_id, destinations.c.consecutive_failures != 0)
        .values(consecutive_failures=0)
    )


def check_key(conn: Connection, box: SecretBox) -> None:
    """Open one stored secret: a wrong key is refused at start, not at first delivery."""
    for column in (sites.c.secret, destinations.c.auth_secret, site_credentials.c.token_secret):
        token = conn.execute(
            sa.select(column).where(column.is_not(None)).limit(1)
        ).scalar_one_or_none()
        if token is not None:
            box.open(token)


def _auth_columns(box: SecretBox, auth: LrsAuth) -> dict[str, Any]:
    return {
        "auth_kind": auth.kind,
        "auth_key": auth.key,
        "auth_secret": box.seal(auth.secret),
        "token_endpoint": auth.token_endpoint,
    }


def _destination(box: SecretBox, row: Row[Any]) -> Destination:
    return Destination(
        id=row.id,
        site_id=row.site_id,
        name=row.name,
        endpoint=row.endpoint,
        auth=LrsAuth(
            kind=row.auth_kind,
            key=row.auth_key,
            secret=box.open(row.auth_secret),
            token_endpoint=row.token_endpoint,
        ),
        xapi_version=row.xapi_version,
        paused_until=row.paused_until,
        pause_reason=row.pause_reason,
    )
