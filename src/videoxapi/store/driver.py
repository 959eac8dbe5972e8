"""Transactions on the driver's own connections, for the paths every request and every
delivered batch runs.

Through SQLAlchemy an empty transaction costs about 85 us on SQLite (pool checkout,
events, `BEGIN` through the execution layer, reset on return): more than the database's
own work for an event batch. These transactions hand out a DB-API cursor instead:

- SQLite: connections of this store's own, kept idle in a small stack and reused by
  whichever thread comes next. Every write transaction of the store (these and
  SQLAlchemy's alike) first takes `writer` (`writer_lock.py`), so that writers queue
  without SQLite's sleeping busy handler.
- PostgreSQL: the engine's pooled psycopg connection, checked out raw.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from videoxapi.store.writer_lock import WriterLock

Cursor = Any  # a DB-API cursor: sqlite3's or psycopg's


class DriverTransactions(Protocol):
    writer: AbstractContextManager[Any]  # held around every write transaction

    def begin(self) -> Any:
        """A context manager: a cursor in a new write transaction, committed on exit
        (rolled back if the block raises)."""
        ...

    def read(self) -> Any:
        """A context manager: a cursor to read committed data with, no lock taken."""
        ...

    def close(self) -> None: ...


class SQLiteTransactions:
    """Reused `sqlite3` connections, configured as the engine's own are."""

    def __init__(
        self, database: str, configure: Callable[[sqlite3.Connection], None], *, idle: int = 8
    ) -> None:
        self._database = database
        self._configure = configure
        self._idle: list[sqlite3.Connection] = []
        self._max_idle = idle
        self._guard = threading.Lock()  # the idle stack's own
        self._closed = False
        self.writer = WriterLock(f"{database}.writer-lock")

    def _take(self) -> sqlite3.Connection:
        with self._guard:
            if self._idle:
                return self._idle.pop()
        connection = sqlite3.connect(self._database, check_same_thread=False, isolation_level=None)
        self._configure(connection)
        return connection

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._guard:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def begin(self) -> Iterator[sqlite3.Cursor]:
        connection = self._take()
        settled = False  # committed or rolled back: fit for the next transaction
        try:
            with self.writer:
                cursor = connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield cursor
                except BaseException:
                    connection.rollback()
                    settled = True
                    raise
                cursor.execute("COMMIT")
                settled = True
        finally:
            if settled:
                self._give_back(connection)
            else:  # in an unknown state: never reused
                connection.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        connection = self._take()  # autocommit: each SELECT reads the last commit
        try:
            yield connection.cursor()
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)

    def close(self) -> None:
        with self._guard:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        self.writer.close()


class PooledTransactions:
    """The engine pool's connections, without SQLAlchemy's execution layer."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.writer = nullcontext()  # the server orders its writers itself

    @contextmanager
    def begin(self) -> Iterator[Any]:
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            connection.close()  # back to the pool

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.begin() as cursor:
            yield cursor

    def close(self) -> None:
        """The engine's pool is disposed of with the engine."""
