"""Viewing sessions persisted around the pure tracker (no HTTP here).

Each call is one `store.update_tracking`: the session's and registration's state are
read under a lock, `processing.start`/`step`/`close` run on them, and the new state is
written with the statements it produced in the same transaction. So two API nodes
sharing a session never lose an update, and nothing is sent that was not stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import orjson

from videoxapi import events as ev
from videoxapi import processing
from videoxapi.errors import InvalidEvent, UnknownSession, VideoxapiError
from videoxapi.service.sites import load_settings
from videoxapi.settings import SiteSettings
from videoxapi.store.base import PreparedStatement, Store, TrackingChange, TrackingWrite
from videoxapi.tokens import Viewer
from videoxapi.tracking.state import RegistrationState, SessionState
from videoxapi.xapi.formats import timestamp
from videoxapi.xapi.identity import derived_registration, registration_key
from videoxapi.xapi.video import VideoStatements

Statement = dict[str, object]


class NotYourSession(VideoxapiError):
    """The session was started by another user: a token speaks for its user alone."""


@dataclass(frozen=True, slots=True)
class Started:
    """What a player is told at start: whether to track, and the beacon mode in force."""

    session: str
    enabled: bool
    beacon_interval: str
    statements: int = 0  # newly enqueued


@dataclass(frozen=True, slots=True)
class Counts:
    """Events applied now, and events already seen (a retried batch)."""

    applied: int
    duplicates: int
    enabled: bool = True
    statements: int = 0  # newly enqueued


def viewer_user(viewer: Viewer) -> ev.User:
    """The tracker's user, from the token alone; `InvalidEvent` if its claims are unfit."""
    try:
        return ev.User.model_validate(
            {"id": viewer.user_id, "email": viewer.email, "name": viewer.name}
        )
    except ValueError as exc:
        raise InvalidEvent(f"the token's identity is not usable ({exc})") from None


def prepare(statements: Sequence[Statement], now: datetime) -> list[PreparedStatement]:
    """Statements as outbox rows. A timestamp is never in the future: a player whose clock
    runs ahead gets `now` (same RFC 3339 shape, so comparing the strings is enough)."""
    if not statements:  # most batches: timeupdates only
        return []
    latest = timestamp(now)
    prepared = []
    for statement in statements:
        if statement["timestamp"] > latest:  # type: ignore[operator]
            statement["timestamp"] = latest
        prepared.append(PreparedStatement(UUID(str(statement["id"])), orjson.dumps(statement)))
    return prepared


def _write(session: SessionState, registration: RegistrationState, now: datetime) -> TrackingWrite:
    return TrackingWrite(
        session_id=session.session,
        session_state=session.to_bytes(),
        session_open=not session.over,
        last_event_at=now,  # arrival time: idleness is judged on the server's clock
        registration_key=registration.key,
        registration_state=registration.to_bytes(),
    )


def _owned(raw: bytes, user_id: str) -> SessionState:
    session = SessionState.from_bytes(raw)
    if session.user["id"] != user_id:
        raise NotYourSession(f"session {session.session!r} belongs to another user")
    return session


def _settings(store: Store, site: str, settings: SiteSettings | None) -> SiteSettings | None:
    return settings if settings is not None else load_settings(store, site)


def start_session(
    store: Store,
    site: str,
    viewer: Viewer,
    event: ev.Start,
    now: datetime,
    *,
    settings: SiteSettings | None = None,
) -> Started:
    """Open a session (`initialized`); a repeated start of one's own session is a no-op."""
    if event.user is not None:
        raise InvalidEvent("user: the user comes from the viewer token, not the body")
    if event.site is not None:
        raise InvalidEvent("site: the site comes from the viewer token, not the body")
    settings = _settings(store, site, settings)
    if settings is None or not settings.enabled:
        mode = settings.beacon_interval if settings and event.player.time_updates else "quarters"
        return Started(event.session, False, mode)
    user = viewer_user(viewer)
    if viewer.registration is not None:  # the LMS's registration, signed by the integrator
        event = event.model_copy(update={"registration": viewer.registration})
    registration = str(event.registration or derived_registration(site, user.id, event.entry.id))
    key = registration_key(site, registration, user.id, event.entry.id)
    modes: list[str] = []

    def change(session_raw: bytes | None, registration_raw: bytes | None) -> TrackingChange | None:
        modes.clear()
        if session_raw is not None:
            modes.append(_owned(session_raw, user.id).mode)
            return None  # started already: harmless
        loaded = RegistrationState.from_bytes(registration_raw) if registration_raw else None
        session, state, statements = processing.start(
            settings, site, event, user, lambda _key: loaded
        )
        modes.append(session.mode)
        return TrackingChange(prepare(statements, now), [_write(session, state, now)])

    new = store.update_tracking(site, event.session, key, change, now)
    return Started(event.session, True, modes[0], new)


def post_events(
    store: Store,
    site: str,
    viewer: Viewer,
    session_id: str,
    events: Sequence[ev.PlayerEvent],
    now: datetime,
    *,
    settings: SiteSettings | None = None,
) -> Counts:
    """Apply a batch in `seq` order, all or nothing: an event after the session's end
    (`SessionOver`) refuses the whole batch and nothing is written."""
    for index, event in enumerate(events):
        if event.session != session_id:
            raise InvalidEvent(f"events[{index}].session: must be {session_id!r}, the URL's")
    settings = _settings(store, site, settings)
    if settings is None or not settings.enabled:
        return Counts(0, 0, enabled=False)
    ordered = sorted(events, key=lambda e: e.seq)
    counts = [0, 0]

    def change(session_raw: bytes | None, registration_raw: bytes | None) -> TrackingChange | None:
        if session_raw is None:
            raise UnknownSession(f"session {session_id!r} was never started")
        session = _owned(session_raw, viewer.user_id)
        assert registration_raw is not None
        registration = RegistrationState.from_bytes(registration_raw)
        builder = VideoStatements(settings, session)
        statements: list[Statement] = []
        applied = duplicates = 0
        for event in ordered:
            if event.seq <= session.last_seq:
                duplicates += 1
                continue
            statements += processing.step(settings, session, registration, event, builder)
            applied += 1
        counts[:] = [applied, duplicates]
        if not applied:
            return None
        return TrackingChange(prepare(statements, now), [_write(session, registration, now)])

    new = store.update_tracking(site, session_id, None, change, now)
    return Counts(counts[0], counts[1], statements=new)


def close_idle(
    store: Store,
    older_than: datetime,
    now: datetime,
    *,
    sites: frozenset[str] | None = None,
    limit: int = 1000,
) -> int:
    """Close the open sessions (of `sites`, or all) whose last event arrived before
    `older_than`: paused if playing, then terminated. Returns how many were closed."""
    closed = 0
    settings_of: dict[str, SiteSettings | None] = {}
    for site, session_id in store.idle_sessions(older_than, limit):
        if sites is not None and site not in sites:
            continue
        if site not in settings_of:
            settings_of[site] = load_settings(store, site)
        seen, _ = store.load_tracking(site, session_id)
        if seen is None:
            continue
        last_seq = SessionState.from_bytes(seen).last_seq
        if _close_one(store, site, session_id, last_seq, settings_of[site], now):
            closed += 1
    return closed


def _close_one(
    store: Store,
    site: str,
    session_id: str,
    last_seq: int,
    settings: SiteSettings | None,
    now: datetime,
) -> bool:
    done = [False]

    def change(session_raw: bytes | None, registration_raw: bytes | None) -> TrackingChange | None:
        if session_raw is None or registration_raw is None:
            return None
        session = SessionState.from_bytes(session_raw)
        if session.last_seq != last_seq:
            return None  # an event arrived since it was found idle: not idle any more
        registration = RegistrationState.from_bytes(registration_raw)
        statements: list[Statement] = []
        if settings is not None and settings.enabled:
            statements = processing.close(settings, session, registration)
        session.over = True  # a disabled site's session is closed without statements
        done[0] = True
        write = _write(session, registration, now)
        return TrackingChange(prepare(statements, now), [write])

    store.update_tracking(site, session_id, None, change, now)
    return done[0]


def reap(store: Store, now: datetime, site_ids: Sequence[str]) -> int:
    """One round of the reaper: each site's sessions idle past its `idleTimeoutMinutes`."""
    by_timeout: dict[int, set[str]] = {}
    for site in site_ids:
        settings = load_settings(store, site)
        minutes = settings.idle_timeout_minutes if settings else SiteSettings().idle_timeout_minutes
        by_timeout.setdefault(minutes, set()).add(site)
    return sum(
        close_idle(store, now - timedelta(minutes=minutes), now, sites=frozenset(group))
        for minutes, group in sorted(by_timeout.items())
    )
