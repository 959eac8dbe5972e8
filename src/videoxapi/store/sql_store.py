"""The `Store` on a SQL database: transactions, error translation, and delegation.

The queries live in `outbox.py`, `sites.py` and `tracking.py`; what differs between
databases lives in `dialects.py`. Every method is one transaction, and every driver
error leaves as a `StoreError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from videoxapi.errors import StoreError
from videoxapi.store import access, outbox, sites
from videoxapi.store import tracking as tracking_rows
from videoxapi.store.base import (
    DeadLetter,
    Destination,
    DestinationStats,
    LrsAuth,
    MinuteCount,
    OutboxItem,
    PreparedStatement,
    QueuedStatement,
    Settlement,
    SiteCredentials,
    TrackingChange,
    TrackingWrite,
)
from videoxapi.store.checkpoints import Checkpointer
from videoxapi.store.dialects import SqlDialect, driver_cursor
from videoxapi.store.driver import Cursor
from videoxapi.store.secrets import SecretBox

MIGRATIONS = "videoxapi.store:migrations"


def _describe(exc: SQLAlchemyError) -> str:
    """The driver's own message, never SQLAlchemy's echo of the SQL and its parameters."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"database error: {str(exc.orig).strip()}"
    return f"database error: {type(exc).__name__}"


class SqlStore:
    """One engine, one key. Safe to share between threads (one connection per call)."""

    def __init__(self, engine: Engine, dialect: SqlDialect, box: SecretBox) -> None:
        self._engine = engine
        self._dialect = dialect
        self._box = box
        self._driver = dialect.driver_transactions(engine)
        self._together = threading.local()  # the `writes_together` transaction, if any
        self._checkpointer: Checkpointer | None = None
        if getattr(dialect, "background_checkpoints", False):
            self._checkpointer = Checkpointer(engine)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._engine.url!r})"

    @property
    def dialect_name(self) -> str:
        return self._dialect.name

    @contextmanager
    def _errors_translated(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(_describe(exc)) from exc
        except self._dialect.driver_errors as exc:  # from the hot paths' own cursors
            raise StoreError(f"database error: {str(exc).strip()}") from exc

    @contextmanager
    def _tx(self, *, read_only: bool = False) -> Iterator[Connection]:
        writer = nullcontext() if read_only else self._driver.writer
        with self._errors_translated(), writer, self._engine.connect() as conn:
            if read_only:
                conn.execution_options(read_only=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _driver_tx(self) -> Iterator[Cursor]:
        """A write transaction on the driver's cursor, for the hot paths; inside
        `writes_together`, that block's transaction."""
        shared = self._shared_cursor()
        if shared is not None:
            with self._errors_translated():
                yield shared
            return
        with self._errors_translated(), self._driver.begin() as cursor:
            yield cursor

    @contextmanager
    def writes_together(self) -> Iterator[None]:
        """One write transaction for all the hot-path writes (`update_tracking`,
        `enqueue`) this thread makes inside the block: the requests of a busy moment
        share one BEGIN and one COMMIT. All or nothing: if the block raises, none of
        its writes is kept."""
        if self._shared_cursor() is not None:
            yield  # already inside one
            return
        with self._driver_tx() as cursor:
            self._together.cursor = cursor
            try:
                yield
            finally:
                self._together.cursor = None

    def _shared_cursor(self) -> Cursor | None:
        """This thread's `writes_together` cursor, if it is inside that block."""
        return getattr(self._together, "cursor", None)

    # -- lifecycle ----------------------------------------------------------------

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        with (
            self._errors_translated(),
            self._driver.writer,
            self._dialect.migration_transaction(self._engine) as conn,
        ):
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            except SQLAlchemyError:
                raise
            except Exception as exc:  # alembic's own errors (missing revision, ...)
                raise StoreError(f"migration failed: {exc}") from exc
            sites.check_key(conn, self._box)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        self._driver.close()
        self._engine.dispose()

    # -- sites and destinations ---------------------------------------------------

    def load_settings(self, site_id: str) -> bytes | None:
        with self._tx(read_only=True) as conn:
            return sites.load_settings(conn, self._box, site_id)

    def save_settings(self, site_id: str, settings_json: bytes) -> None:
        with self._tx() as conn:
            sites.save_settings(
                conn, self._dialect, self._box, site_id, settings_json, datetime.now(UTC)
            )

    def list_sites(self) -> list[str]:
        with self._tx(read_only=True) as conn:
            return sites.list_sites(conn)

    def list_destinations(self, site_id: str | None = None) -> list[Destination]:
        with self._tx(read_only=True) as conn:
            return sites.list_destinations(conn, self._box, site_id)

    def add_destination(
        self, site_id: str, name: str, endpoint: str, auth: LrsAuth, xapi_version: str
    ) -> Destination:
        with self._tx() as conn:
            return sites.add_destination(
                conn, self._box, site_id, name, endpoint, auth, xapi_version
            )

    def remove_destination(self, destination_id: int) -> None:
        with self._tx() as conn:
            sites.remove_destination(conn, self._dialect, destination_id)

    def pause_destination(self, destination_id: int, until: datetime, reason: str) -> None:
        with self._tx() as conn:
            sites.set_pause(conn, destination_id, until, reason)

    def resume_destination(self, destination_id: int) -> None:
        with self._tx() as conn:
            sites.set_pause(conn, destination_id, None, None)

    def record_failure(self, destination_id: int) -> int:
        with self._tx() as conn:
            return sites.record_failure(conn, destination_id)

    def record_success(self, destination_id: int) -> None:
        with self._tx() as conn:
            sites.record_success(conn, destination_id)

    # -- outbox -------------------------------------------------------------------

    def enqueue(
        self,
        site_id: str,
        statements: Sequence[PreparedStatement],
        now: datetime,
        tracking: Sequence[TrackingWrite] = (),
        *,
        may_repeat: bool = True,
    ) -> int:
        with self._driver_tx() as cursor:
            new = outbox.enqueue(
                cursor, self._dialect, site_id, statements, now, may_repeat=may_repeat
            )
            tracking_rows.write(cursor, self._dialect, site_id, tracking)
            return new

    def claim(
        self, destination_id: int, limit: int, now: datetime, lease_seconds: float
    ) -> list[OutboxItem]:
        with self._driver_tx() as cursor:
            return outbox.claim(cursor, self._dialect, destination_id, limit, now, lease_seconds)

    def settle(self, settlement: Settlement, now: datetime) -> None:
        with self._driver_tx() as cursor:
            outbox.settle(cursor, self._dialect, settlement, now)

    def due_destinations(self, now: datetime) -> list[Destination]:
        with self._tx(read_only=True) as conn:
            return sites.get_destinations(conn, self._box, outbox.due_destination_ids(conn, now))

    def stats(self) -> list[DestinationStats]:
        with self._tx(read_only=True) as conn:
            return outbox.stats(conn, datetime.now(UTC))

    def dead_letters(self, destination_id: int | None = None) -> list[DeadLetter]:
        with self._tx(read_only=True) as conn:
            return outbox.list_dead_letters(conn, destination_id)

    def replay(self, dead_letter_ids: Sequence[int] | None, now: datetime) -> int:
        with self._tx() as conn:
            return outbox.replay(conn, dead_letter_ids, now)

    def discard(self, dead_letter_ids: Sequence[int]) -> int:
        with self._tx() as conn:
            return outbox.discard(conn, self._dialect, dead_letter_ids)

    # -- tracker state --------------------------------------------------------------

    def load_tracking(
        self, site_id: str, session_id: str, registration_key: str | None = None
    ) -> tuple[bytes | None, bytes | None]:
        with self._tx(read_only=True) as conn:
            return tracking_rows.load(
                driver_cursor(conn), self._dialect, site_id, session_id, registration_key
            )

    def update_tracking(
        self,
        site_id: str,
        session_id: str,
        registration_key: str | None,
        change: Callable[[bytes | None, bytes | None], TrackingChange | None],
        now: datetime,
    ) -> int:
        load = partial(tracking_rows.load, dialect=self._dialect, site_id=site_id,
                       session_id=session_id, registration_key=registration_key)  # fmt: skip
        seen: tuple[bytes | None, bytes | None] | None = None
        wanted: TrackingChange | None = None
        if self._dialect.one_writer and self._shared_cursor() is None:
            # The whole database has one write lock: compute on a snapshot first, and
            # hold the lock only to check that it still stands and to write. A session's
            # batches come one at a time, so it nearly always does. (Inside
            # `writes_together` the lock is held already.)
            with self._errors_translated(), self._driver.read() as cursor:
                seen = load(cursor)
            wanted = change(*seen)
            if wanted is None:
                return 0  # nothing new, and states only move on: nothing new later either
        with self._driver_tx() as cursor:
            states = load(cursor, for_update=True)
            if states != seen:
                wanted = change(*states)
            if wanted is None:
                return 0
            # Most batches (timeupdates) produce no statement: skip the outbox's queries.
            new = 0
            if wanted.statements:  # ids from seqs accepted here, once: never a repeat
                new = outbox.enqueue(
                    cursor, self._dialect, site_id, wanted.statements, now, may_repeat=False
                )
            tracking_rows.write(cursor, self._dialect, site_id, wanted.writes)
            return new

    # -- site credentials and administrators ----------------------------------------

    def load_credentials(self, site_id: str) -> SiteCredentials | None:
        with self._tx(read_only=True) as conn:
            return access.load_credentials(conn, self._box, site_id)

    def save_credentials(
        self, site_id: str, *, token_secret: str | None = None, api_key_hash: str | None = None
    ) -> None:
        with self._tx() as conn:
            access.save_credential(
                conn,
                self._dialect,
                self._box,
                site_id,
                datetime.now(UTC),
                token_secret=token_secret,
                api_key_hash=api_key_hash,
            )

    def site_of_api_key(self, api_key_hash: str) -> str | None:
        with self._tx(read_only=True) as conn:
            return access.site_of_api_key(conn, api_key_hash)

    def add_admin(self, username: str, password_hash: str) -> None:
        with self._tx() as conn:
            access.add_admin(conn, username, password_hash, datetime.now(UTC))

    def set_admin_password(self, username: str, password_hash: str) -> bool:
        with self._tx() as conn:
            return access.set_admin_password(conn, username, password_hash)

    def admin_password_hash(self, username: str) -> str | None:
        with self._tx(read_only=True) as conn:
            return access.admin_password_hash(conn, username)

    def list_admins(self) -> list[str]:
        with self._tx(read_only=True) as conn:
            return access.list_admins(conn)

    def session_statements(
        self, site_id: str, session_statement_id: UUID, limit: int = 500
    ) -> list[QueuedStatement]:
        with self._tx(read_only=True) as conn:
            return outbox.session_statements(
                conn, self._dialect, site_id, session_statement_id, limit
            )

    def derive_key(self, purpose: str) -> bytes:
        return self._box.derive(purpose)

    # -- history --------------------------------------------------------------------

    def delivery_history(self, since: datetime) -> list[MinuteCount]:
        with self._tx(read_only=True) as conn:
            return outbox.delivery_history(conn, since)

    def forget_history(self, before: datetime) -> None:
        with self._tx() as conn:
            outbox.forget_history(conn, before)

    def idle_sessions(self, older_than: datetime, limit: int) -> list[tuple[str, str]]:
        with self._tx(read_only=True) as conn:
            return tracking_rows.idle_sessions(conn, older_than, limit)


class SQLiteStore(SqlStore):
    """The embedded default (one file beside its key file)."""


class PostgresStore(SqlStore):
    """Shared by many API nodes and workers."""
