"""What differs between SQLite and PostgreSQL, and nothing else.

Engine setup (SQLite pragmas and `BEGIN IMMEDIATE`, the psycopg 3 driver), the driver
transactions of the hot paths, the upsert construct, the transaction that
migrations run in, and how plain SQL binds ids and times. The queries themselves are shared
(`outbox.py`, `sites.py`, `tracking.py`): `FOR UPDATE SKIP LOCKED` on PostgreSQL is
left out on SQLite, where `BEGIN IMMEDIATE` already makes the claimer the only writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine

from videoxapi.errors import StoreError
from videoxapi.store.driver import DriverTransactions, PooledTransactions, SQLiteTransactions
from videoxapi.store.schema import Timestamp

BUSY_TIMEOUT_MS = 10_000
_TIMESTAMP = Timestamp()  # made once: a type's constructor costs more than its work


class Upsert(Protocol):
    """`sqlite.insert` and `postgresql.insert` alike: an INSERT with ON CONFLICT."""

    def __call__(self, table: sa.Table) -> Any: ...


class SqlDialect(Protocol):
    name: str
    insert: Upsert

    def create_engine(self, url: URL) -> Engine: ...

    def migration_transaction(self, engine: Engine) -> AbstractContextManager[Connection]:
        """The transaction migrations run in, alone."""
        ...

    def utf8_text(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        """A binary column of UTF-8 (a statement's body) read as text, to search in it."""
        ...

    # Hot paths run plain SQL through the driver (SQLAlchemy builds and compiles a
    # construct per call, ten times the database's own work); these say how to write it.
    placeholder: str  # the driver's parameter marker
    driver_errors: tuple[type[Exception], ...]  # what the driver raises
    lock_rows: str  # appended to a SELECT whose rows the transaction will update
    skip_locked: str  # appended to the claim: lock the deliveries, skip those others hold
    one_writer: bool  # one write lock for the whole database (else row locks)
    # `column` + `in_ids_sql`: the column is in the list bound by `bind_ids`, as ONE
    # parameter however many ids (an expanded IN list costs a parameter each).
    in_ids_sql: str

    def driver_transactions(self, engine: Engine) -> DriverTransactions:
        """Write transactions on the driver's cursors (see `driver.py`)."""
        ...

    def bind_ids(self, ids: Sequence[int]) -> Any:
        """A list of ids as ONE parameter, for `in_ids_sql`."""
        ...

    def bind_time(self, value: datetime) -> Any:
        """A datetime as the `Timestamp` column type stores it."""
        ...

    def bind_uuid(self, value: UUID) -> Any:
        """A UUID as SQLAlchemy's `Uuid` column type stores it."""
        ...


class SQLiteDialect:
    """The embedded default: one file, WAL, writers serialised by `BEGIN IMMEDIATE`."""

    name = "sqlite"
    insert: Upsert = staticmethod(sqlite.insert)  # type: ignore[assignment]

    def __init__(self, *, background_checkpoints: bool = False) -> None:
        # The service checkpoints from a thread of its own (store/checkpoints.py): its
        # connections never checkpoint inside a commit.
        self.background_checkpoints = background_checkpoints
        self._autocheckpoint = 0 if background_checkpoints else 8192  # pages

    def create_engine(self, url: URL) -> Engine:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise StoreError("the SQLite store needs a file: sqlite:///path/to/videoxapi.db")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url.set(drivername="sqlite+pysqlite"),
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,
        )
        autocheckpoint = self._autocheckpoint

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_on_connect(dbapi_connection, autocheckpoint)

        sa.event.listen(engine, "connect", on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    @contextmanager
    def migration_transaction(self, engine: Engine) -> Iterator[Connection]:
        """`BEGIN IMMEDIATE` holds the only write lock. Foreign keys are off (outside the
        transaction: SQLite ignores the pragma inside one), so that a migration may
        rebuild a table without its DROP cascading; they are checked before commit."""
        with engine.connect() as conn:
            driver = conn.connection.dbapi_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(f"migration broke foreign keys: {broken[:5]}")
            finally:
                driver.execute("PRAGMA foreign_keys = ON")

    def utf8_text(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        return sa.cast(column, sa.Text)

    placeholder = "?"
    driver_errors = (sqlite3.Error,)
    lock_rows = ""  # BEGIN IMMEDIATE holds the only write lock already
    skip_locked = ""
    one_writer = True
    in_ids_sql = " IN (SELECT value FROM json_each(?))"  # a JSON array, unpacked

    def driver_transactions(self, engine: Engine) -> DriverTransactions:
        autocheckpoint = self._autocheckpoint

        def configure(connection: sqlite3.Connection) -> None:
            _sqlite_on_connect(connection, autocheckpoint)
            # The hot paths keep the references whole by construction: they insert a
            # delivery with its statement, delete only pending deliveries (a dead letter
            # names a dead one) and prune a statement when no delivery names it. Checking
            # each row's foreign keys again cost them 15% (every other write, and
            # PostgreSQL, still check).
            connection.execute("PRAGMA foreign_keys = OFF")

        return SQLiteTransactions(engine.url.database or "", configure)

    def bind_ids(self, ids: Sequence[int]) -> Any:
        return orjson.dumps(list(ids)).decode()

    def bind_time(self, value: datetime) -> Any:
        return _TIMESTAMP.process_bind_param(value, self._dialect)

    def bind_uuid(self, value: UUID) -> Any:
        return value.hex  # CHAR(32), no hyphens: SQLite has no UUID type

    _dialect = sqlite.dialect()


def _sqlite_on_connect(dbapi_connection: Any, autocheckpoint: int) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the sqlite3 module would
    # otherwise start a deferred transaction lazily, which cannot honour busy_timeout
    # when it later upgrades to a write lock).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode = WAL",
        "synchronous = NORMAL",
        f"wal_autocheckpoint = {autocheckpoint}",  # 0: checkpoints run elsewhere
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        # Debian builds SQLite with secure_delete on, which also writes every freed page
        # of zeros: the outbox deletes all it inserts, so that doubled its writes. FAST
        # still zeroes deleted rows on the pages written anyway.
        "secure_delete = FAST",
        "foreign_keys = ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "DEFERRED" if conn.get_execution_options().get("read_only") else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


class PostgresDialect:
    """Many API nodes and workers sharing one database (psycopg 3)."""

    name = "postgresql"
    insert: Upsert = staticmethod(postgresql.insert)  # type: ignore[assignment]

    def create_engine(self, url: URL) -> Engine:
        return sa.create_engine(
            url.set(drivername="postgresql+psycopg"),
            hide_parameters=True,
            # Kept open for the requests the API runs at once: connections above
            # pool_size are closed on return, and opening one costs milliseconds.
            pool_size=20,
            max_overflow=20,
        )

    @contextmanager
    def migration_transaction(self, engine: Engine) -> Iterator[Connection]:
        """Several processes starting at once migrate one after the other."""
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7426110387)"))
            yield conn

    def utf8_text(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        return sa.func.convert_from(column, "UTF8", type_=sa.Text)

    placeholder = "%s"
    driver_errors = (psycopg.Error,)
    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE OF d SKIP LOCKED"
    one_writer = False
    in_ids_sql = " = ANY(?::bigint[])"  # psycopg sends the list as one array

    def driver_transactions(self, engine: Engine) -> DriverTransactions:
        return PooledTransactions(engine)

    def bind_ids(self, ids: Sequence[int]) -> Any:
        return list(ids)

    def bind_time(self, value: datetime) -> Any:
        return _TIMESTAMP.process_bind_param(value, self._dialect)

    def bind_uuid(self, value: UUID) -> Any:
        return value

    _dialect = postgresql.dialect()


def driver_cursor(conn: Connection) -> Any:
    """The driver's own cursor, in the transaction `conn` holds, for the few statements
    every event batch runs: SQLAlchemy's layers cost more than the database there (the
    store translates driver errors as it does SQLAlchemy's)."""
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def placeholders(dialect: SqlDialect, query: str) -> str:
    """`query` written with `?` markers, in the driver's own style."""
    return query.replace("?", dialect.placeholder)


DIALECTS: dict[str, Callable[[], SqlDialect]] = {
    "sqlite": SQLiteDialect,
    "postgresql": PostgresDialect,
}
