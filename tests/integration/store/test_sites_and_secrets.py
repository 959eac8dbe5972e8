"""Site settings, the primary destination that follows them, and secrets at rest."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from cryptography.fernet import Fernet
from storecase import SECRET, SITE, settings_json
from support.databases import TestDatabase

from videoxapi.errors import StoreError
from videoxapi.settings import SiteSettings
from videoxapi.store import SqlStore, default_database_url, open_store
from videoxapi.store.base import LrsAuth

pytestmark = pytest.mark.integration

DESTINATION_SECRET = "dest-Secret-0451"


def test_settings_round_trip_with_the_secret(store: SqlStore) -> None:
    saved = SiteSettings.parse_json(settings_json(language="fr-FR"))
    store.save_settings(SITE, settings_json(language="fr-FR"))
    loaded = store.load_settings(SITE)
    assert loaded is not None
    assert SiteSettings.parse_json(loaded) == saved
    assert SiteSettings.parse_json(loaded).secret.get_secret_value() == SECRET
    assert store.load_settings("unknown") is None
    assert store.list_sites() == [SITE]


def test_invalid_settings_are_refused_and_change_nothing(store: SqlStore) -> None:
    store.save_settings(SITE, settings_json())
    with pytest.raises(Exception, match="endpoint"):
        store.save_settings(SITE, settings_json(endpoint="not a url"))
    assert orjson.loads(store.load_settings(SITE) or b"")["endpoint"] == (
        "https://lrs.example.com/xapi/"
    )


def _primary(store: SqlStore) -> LrsAuth | None:
    found = [d for d in store.list_destinations(SITE) if d.name == "primary"]
    return found[0].auth if found else None


def test_the_primary_destination_follows_the_settings(store: SqlStore) -> None:
    store.save_settings(SITE, settings_json())
    (primary,) = store.list_destinations(SITE)
    assert (primary.endpoint, primary.xapi_version) == ("https://lrs.example.com/xapi/", "1.0.3")
    assert primary.auth == LrsAuth("basic", "client-key", SECRET, "")

    store.save_settings(SITE, settings_json(usePersonalOAuthToken=True, xapiVersion="2.0.0"))
    (bearer,) = store.list_destinations(SITE)
    assert bearer.id == primary.id
    assert (bearer.auth.kind, bearer.auth.secret, bearer.xapi_version) == (
        "bearer",
        SECRET,
        "2.0.0",
    )

    token_url = "https://auth.example.com/token"
    store.save_settings(SITE, settings_json(usePersonalOAuthToken=True, tokenEndpoint=token_url))
    assert _primary(store) == LrsAuth("oauth", "client-key", SECRET, token_url)

    store.save_settings(SITE, settings_json(enabled=False))
    assert _primary(store) is None
    store.save_settings(SITE, settings_json(enabled=False, endpoint=""))
    assert _primary(store) is None
    store.save_settings(SITE, settings_json())
    assert _primary(store) == LrsAuth("basic", "client-key", SECRET, "")


def test_new_credentials_lift_a_pause(store: SqlStore) -> None:
    store.save_settings(SITE, settings_json())
    (primary,) = store.list_destinations(SITE)
    store.pause_destination(primary.id, datetime.now(UTC) + timedelta(hours=1), "401")
    store.save_settings(SITE, settings_json(language="de-DE"))
    assert store.list_destinations(SITE)[0].pause_reason == "401"
    store.save_settings(SITE, settings_json(secret="a-new-one"))
    (after,) = store.list_destinations(SITE)
    assert (after.paused_until, after.pause_reason, after.auth.secret) == (None, None, "a-new-one")


def test_extra_destinations_are_left_alone_by_settings(store: SqlStore) -> None:
    extra = store.add_destination(
        SITE, "warehouse", "https://w.example/xapi", LrsAuth("bearer", "", "tok"), "2.0.0"
    )
    store.save_settings(SITE, settings_json(enabled=False))
    assert store.list_destinations(SITE) == [extra]
    with pytest.raises(StoreError, match="warehouse"):
        store.add_destination(SITE, "warehouse", "https://x.example", LrsAuth("basic"), "1.0.3")


def _raw_bytes(database: TestDatabase) -> bytes:
    """Everything the database holds, as the bytes on disk or in the rows."""
    if database.backend == "sqlite":
        db_file = Path(database.url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    values = [
        value
        for table in ("sites", "destinations")
        for row in database.query(f"SELECT * FROM {table}")
        for value in row
    ]
    return b"\n".join(v if isinstance(v, bytes) else str(v).encode() for v in values)


def test_secrets_are_encrypted_at_rest(store: SqlStore, database: TestDatabase) -> None:
    store.save_settings(SITE, settings_json())
    store.add_destination(
        SITE, "extra", "https://e.example/xapi", LrsAuth("basic", "k", DESTINATION_SECRET), "1.0.3"
    )
    raw = _raw_bytes(database)
    assert b"client-key" in raw  # the search itself works: the key is not secret
    assert SECRET.encode() not in raw
    assert DESTINATION_SECRET.encode() not in raw
    assert {d.auth.secret for d in store.list_destinations(SITE)} == {SECRET, DESTINATION_SECRET}


def test_a_wrong_key_is_refused_at_start(store: SqlStore, database: TestDatabase) -> None:
    store.save_settings(SITE, settings_json())
    other_key = Fernet.generate_key().decode()
    wrong = database.open(env={"VIDEOXAPI_SECRET_KEY": other_key})
    try:
        with pytest.raises(StoreError, match="cannot decrypt"):
            wrong.migrate()
        with pytest.raises(StoreError, match="cannot decrypt"):
            wrong.load_settings(SITE)
    finally:
        wrong.close()


def test_a_malformed_key_is_refused(database: TestDatabase) -> None:
    with pytest.raises(StoreError, match="Fernet"):
        database.open(env={"VIDEOXAPI_SECRET_KEY": "not-a-key"})


def test_the_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    url = default_database_url(tmp_path / "data")
    assert url == f"sqlite:///{tmp_path / 'data' / 'videoxapi.db'}"
    first = open_store(url, env={})
    first.migrate()
    first.save_settings(SITE, settings_json())
    first.close()

    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = open_store(url, env={})
    second.migrate()
    assert orjson.loads(second.load_settings(SITE) or b"")["secret"] == SECRET
    second.close()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    url = default_database_url(tmp_path)
    open_store(url, env={}).close()
    os.chmod(tmp_path / "secret.key", 0o640)
    with pytest.raises(StoreError, match="chmod 600"):
        open_store(url, env={})


def test_postgres_without_a_key_is_refused() -> None:
    with pytest.raises(StoreError, match="VIDEOXAPI_SECRET_KEY"):
        open_store("postgresql://nobody@127.0.0.1:1/none", env={})


def test_unknown_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://localhost/db", key_file=tmp_path / "k", env={})
