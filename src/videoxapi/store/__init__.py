"""Persistence: the `Store` contract (`base.py`) and its SQLite and PostgreSQL adapters.

`open_store(url)` is the one way in; nothing here connects or reads the environment
until it is called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from videoxapi.errors import StoreError
from videoxapi.store.base import Store
from videoxapi.store.dialects import DIALECTS, SQLiteDialect
from videoxapi.store.secrets import KEY_ENV, SecretBox, load_key
from videoxapi.store.sql_store import PostgresStore, SQLiteStore, SqlStore

__all__ = [
    "KEY_ENV",
    "PostgresStore",
    "SQLiteStore",
    "SqlStore",
    "Store",
    "default_database_url",
    "open_store",
]

DATABASE_FILE = "videoxapi.db"
KEY_FILE = "secret.key"


def default_database_url(data_dir: Path | str) -> str:
    """The embedded default: `sqlite:///<data_dir>/videoxapi.db` (absolute)."""
    return f"sqlite:///{Path(data_dir).expanduser().resolve() / DATABASE_FILE}"


def open_store(
    url: str,
    *,
    key_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    background_checkpoints: bool = False,
) -> SqlStore:
    """A store for `sqlite:///path` or `postgresql://...`; call `migrate()` before use.

    The secret key comes from `VIDEOXAPI_SECRET_KEY` in `env` (default: the process
    environment), else from `key_file`, which for SQLite defaults to `secret.key`
    beside the database file and is created on first start. `background_checkpoints`
    (SQLite, for the service): WAL checkpoints on a thread of the store's own, never
    inside a request's commit.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in DIALECTS:
        raise StoreError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    dialect = (
        SQLiteDialect(background_checkpoints=background_checkpoints)
        if backend == "sqlite"
        else DIALECTS[backend]()
    )
    if backend == "sqlite" and key_file is None and parsed.database:
        key_file = Path(parsed.database).parent / KEY_FILE
    box = SecretBox(load_key(key_file, os.environ if env is None else env))
    engine = dialect.create_engine(parsed)
    store_class = SQLiteStore if backend == "sqlite" else PostgresStore
    return store_class(engine, dialect, box)
