"""The storage contract: what the service, the worker and the CLI ask of a database.

One interface, one adapter per database (SQLite, PostgreSQL); the SQL of each lives in
its adapter. Records are small frozen dataclasses; nothing here knows HTTP or xAPI
beyond "a statement is a UUID and its exact bytes".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple, Protocol
from uuid import UUID

DeliveryState = Literal["pending", "delivered", "dead", "conflict"]
AuthKind = Literal["basic", "bearer", "oauth"]


@dataclass(frozen=True, slots=True)
class LrsAuth:
    """How to authenticate to one LRS. `secret` is the decrypted secret: never log it."""

    kind: AuthKind
    key: str = ""
    secret: str = field(default="", repr=False)
    token_endpoint: str = ""


@dataclass(frozen=True, slots=True)
class Destination:
    """One LRS a site's statements go to. The site's settings give its `primary` one."""

    id: int
    site_id: str
    name: str
    endpoint: str
    auth: LrsAuth
    xapi_version: str
    paused_until: datetime | None = None
    pause_reason: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedStatement:
    """A statement ready for the outbox: its id and its exact serialized bytes."""

    statement_id: UUID
    body: bytes


@dataclass(frozen=True, slots=True)
class TrackingWrite:
    """Tracker state written in the same transaction as the statements it produced."""

    session_id: str
    session_state: bytes
    session_open: bool
    last_event_at: datetime
    registration_key: str
    registration_state: bytes


class OutboxItem(NamedTuple):
    """One delivery claimed by a worker: a statement bound for one destination (a
    tuple: a claim makes a thousand at a time, and a frozen dataclass costs four times
    as much to make)."""

    delivery_id: int
    body: bytes
    attempts: int
    stored_id: UUID | str  # as the database answers it: a UUID, or SQLite's 32 hex digits

    @property
    def statement_id(self) -> UUID:
        """Made on demand: the worker sends the body and never asks (a UUID per claimed
        row would cost a tenth of the store's work per statement)."""
        stored = self.stored_id
        return stored if isinstance(stored, UUID) else UUID(hex=stored)


@dataclass(frozen=True, slots=True)
class Retry:
    delivery_ids: Sequence[int]
    due_at: datetime
    error: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A statement the LRS refused for itself alone (dead letter, or 409 conflict)."""

    delivery_id: int
    reason: str
    status: int | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """What became of claimed deliveries; applied in one transaction."""

    delivered: Sequence[int] = ()
    retry: Sequence[Retry] = ()
    dead: Sequence[Rejected] = ()
    conflict: Sequence[Rejected] = ()


@dataclass(frozen=True, slots=True)
class DestinationStats:
    destination_id: int
    site_id: str
    name: str
    pending: int
    in_flight: int
    delivered: int
    failed: int  # pending deliveries that have failed at least once
    dead: int
    conflicts: int
    oldest_pending_at: datetime | None
    paused_until: datetime | None
    pause_reason: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    destination_id: int
    statement_id: UUID
    body: bytes
    reason: str
    status: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SiteCredentials:
    """What lets a caller speak for a site. `token_secret` is decrypted: never log it."""

    site_id: str
    token_secret: str = field(default="", repr=False)
    api_key_hash: str | None = None


@dataclass(frozen=True, slots=True)
class MinuteCount:
    """Deliveries settled in one minute for one destination (the operations chart)."""

    destination_id: int
    minute: datetime
    delivered: int
    failed: int


@dataclass(frozen=True, slots=True)
class QueuedStatement:
    """One statement bound for one destination and not delivered yet."""

    statement_id: UUID
    body: bytes
    destination_id: int
    state: DeliveryState
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class TrackingChange:
    """What a tracker step wants written, in the transaction that read its state."""

    statements: Sequence[PreparedStatement]
    writes: Sequence[TrackingWrite]


class Store(Protocol):
    """Everything persistent. Implementations: `SQLiteStore`, `PostgresStore`."""

    def migrate(self) -> None:
        """Bring the schema to the newest migration (run on every start)."""

    def close(self) -> None: ...

    # site settings (the LRS secret is encrypted at rest)
    def load_settings(self, site_id: str) -> bytes | None:
        """The site's settings as JSON bytes, secrets decrypted; None if no such site."""

    def save_settings(self, site_id: str, settings_json: bytes) -> None:
        """Store settings and make the site's `primary` destination follow them."""

    def list_sites(self) -> list[str]: ...

    # destinations
    def list_destinations(self, site_id: str | None = None) -> list[Destination]: ...

    def add_destination(
        self, site_id: str, name: str, endpoint: str, auth: LrsAuth, xapi_version: str
    ) -> Destination: ...

    def remove_destination(self, destination_id: int) -> None: ...

    def pause_destination(self, destination_id: int, until: datetime, reason: str) -> None: ...

    def resume_destination(self, destination_id: int) -> None: ...

    def record_failure(self, destination_id: int) -> int:
        """Count one more failed request in a row to this destination and return the
        count, so the worker can pause a destination that keeps failing (SPEC 7)."""

    def record_success(self, destination_id: int) -> None:
        """A request went through: the failures in a row start again from zero (so does
        `resume_destination`)."""

    # outbox
    def enqueue(
        self,
        site_id: str,
        statements: Sequence[PreparedStatement],
        now: datetime,
        tracking: Sequence[TrackingWrite] = (),
        *,
        may_repeat: bool = True,
    ) -> int:
        """Store statements (an id already pending is skipped) with one pending delivery
        per destination of the site, and the tracker state, in one transaction.
        Returns how many statements were new. `may_repeat=False`: the caller vouches
        that no id was enqueued before (as the tracker's are), which spares the store
        the search for repeats."""

    def claim(
        self, destination_id: int, limit: int, now: datetime, lease_seconds: float
    ) -> list[OutboxItem]:
        """Lease up to `limit` due deliveries of a destination, oldest first. A lease that
        expires (its worker died) makes the delivery due again."""

    def settle(self, settlement: Settlement, now: datetime) -> None: ...

    def due_destinations(self, now: datetime) -> list[Destination]:
        """Destinations that are not paused and have deliveries due now (in flight
        included: a worker's lane is at work on them)."""

    def stats(self) -> list[DestinationStats]: ...

    # dead letters
    def dead_letters(self, destination_id: int | None = None) -> list[DeadLetter]: ...

    def replay(self, dead_letter_ids: Sequence[int] | None, now: datetime) -> int:
        """Make dead letters pending again (all when None); returns how many."""

    def discard(self, dead_letter_ids: Sequence[int]) -> int: ...

    # tracker state
    def load_tracking(
        self, site_id: str, session_id: str, registration_key: str | None = None
    ) -> tuple[bytes | None, bytes | None]:
        """(session state, registration state); the registration is the session's own
        unless `registration_key` names one (a session being started)."""

    def update_tracking(
        self,
        site_id: str,
        session_id: str,
        registration_key: str | None,
        change: Callable[[bytes | None, bytes | None], TrackingChange | None],
        now: datetime,
    ) -> int:
        """Read a session's state (and its registration's) with a lock held, let `change`
        compute what to write, write it with the statements in the same transaction.
        Two API nodes working on one session never lose each other's updates. Returns
        how many statements were new; `change` returning None writes nothing. `change`
        may be called more than once (on a snapshot, then on the states under the lock
        if they moved meanwhile): only its last answer counts."""

    # site credentials and administrators
    def load_credentials(self, site_id: str) -> SiteCredentials | None: ...

    def save_credentials(
        self, site_id: str, *, token_secret: str | None = None, api_key_hash: str | None = None
    ) -> None:
        """Set the token secret and/or API key hash of a site, keeping the other."""

    def site_of_api_key(self, api_key_hash: str) -> str | None: ...

    def add_admin(self, username: str, password_hash: str) -> None: ...

    def set_admin_password(self, username: str, password_hash: str) -> bool: ...

    def admin_password_hash(self, username: str) -> str | None: ...

    def list_admins(self) -> list[str]: ...

    def session_statements(
        self, site_id: str, session_statement_id: UUID, limit: int = 500
    ) -> list[QueuedStatement]:
        """The outbox's statements of one viewing session (their `session-id` is the id
        of its `initialized`), oldest first. Delivered statements are pruned: only the
        queued and dead ones are here (a look for people, e.g. the demo's panel)."""

    def derive_key(self, purpose: str) -> bytes:
        """A key derived from the store's secret key: shared by every node of a
        deployment (they share that key), never stored."""

    # history
    def delivery_history(self, since: datetime) -> list[MinuteCount]: ...

    def forget_history(self, before: datetime) -> None: ...

    def idle_sessions(self, older_than: datetime, limit: int) -> list[tuple[str, str]]:
        """(site_id, session_id) of open sessions whose last event is older than that."""
