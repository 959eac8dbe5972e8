"""Events in, statements out: the tracker and the statement builders joined.

Pure: state comes in and goes out explicitly. `start`, `step` and `close` work on one
session and its registration (the service loads and saves them around each call);
`MemoryTracker` keeps every state in memory, for `transform` and for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from videoxapi import events as ev
from videoxapi.errors import InvalidEvent, SessionOver, UnknownSession
from videoxapi.settings import SiteSettings
from videoxapi.tracking import session as tracking
from videoxapi.tracking.state import RegistrationState, SessionState
from videoxapi.xapi.activity import activity_statements
from videoxapi.xapi.identity import derived_registration, registration_key
from videoxapi.xapi.video import VideoStatements

Statement = dict[str, Any]
ENDED_SESSIONS_REMEMBERED = 100_000


def start(
    settings: SiteSettings,
    site: str,
    event: ev.Start,
    user: ev.User,
    load_registration: Callable[[str], RegistrationState | None],
) -> tuple[SessionState, RegistrationState, list[Statement]]:
    """Open a session: its registration's state is loaded (or begun) by key."""
    registration = str(event.registration or derived_registration(site, user.id, event.entry.id))
    key = registration_key(site, registration, user.id, event.entry.id)
    registration_state = load_registration(key) or RegistrationState(key=key)
    session, occurrences = tracking.start_session(
        event,
        site=site,
        user=user,
        registration=registration,
        registration_state=registration_state,
        mode=settings.beacon_interval,
        threshold=settings.completion_threshold(event.entry.duration),
        basis=settings.completion_basis,
    )
    builder = VideoStatements(settings, session)
    return session, registration_state, [builder.build(o) for o in occurrences]


def step(
    settings: SiteSettings,
    session: SessionState,
    registration: RegistrationState,
    event: ev.PlayerEvent,
    builder: VideoStatements | None = None,
) -> list[Statement]:
    """Apply one player event; a `seq` seen before yields nothing."""
    occurrences = tracking.apply(session, registration, event)
    if not occurrences:
        return []
    builder = builder or VideoStatements(settings, session)
    return [builder.build(o) for o in occurrences]


def close(
    settings: SiteSettings,
    session: SessionState,
    registration: RegistrationState,
    builder: VideoStatements | None = None,
) -> list[Statement]:
    """Close a session left open (idle): paused if playing, then terminated."""
    occurrences = tracking.close_idle(session, registration)
    builder = builder or VideoStatements(settings, session)
    return [builder.build(o) for o in occurrences]


class MemoryTracker:
    """Every session and registration of a run in memory.

    A session's state is dropped when it ends, so memory follows the sessions open at
    once plus one small record per (registration, user, entry) seen.
    """

    def __init__(self, settings: SiteSettings, default_site: str = "default") -> None:
        self.settings = settings
        self.default_site = default_site
        self.sessions: dict[tuple[str, str], tuple[SessionState, VideoStatements]] = {}
        self.registrations: dict[str, RegistrationState] = {}
        # The last seq of recently ended sessions: a retried event is then recognised as
        # seen, a new one refused as "over". Bounded, so that a backfill of millions of
        # sessions runs in flat memory.
        self.ended: dict[tuple[str, str], int] = {}

    def process(self, event: ev.Event, site: str | None = None) -> list[Statement]:
        """Apply one event of any kind; `InvalidEvent` if it cannot be applied."""
        # Exact types, not isinstance: that goes through pydantic's metaclass, per event.
        kind = type(event)
        if kind in ev.PLAYER_EVENT_TYPES:
            return self._step(event, site or self.default_site)  # type: ignore[arg-type]
        if kind is ev.Start:
            assert isinstance(event, ev.Start)
            return self._start(event, site or event.site or self.default_site)
        assert not isinstance(event, ev.Start)
        return activity_statements(
            self.settings,
            site or event.site or self.default_site,  # type: ignore[union-attr]
            event,  # type: ignore[arg-type]
        )

    def _start(self, event: ev.Start, site: str) -> list[Statement]:
        key = (site, event.session)
        if key in self.sessions or key in self.ended:
            return []  # a repeated start is harmless
        if event.user is None:
            raise InvalidEvent("user: a start event needs the user inline here")
        session, registration, statements = start(
            self.settings, site, event, event.user, self.registrations.get
        )
        self.registrations[registration.key] = registration
        self.sessions[key] = (session, VideoStatements(self.settings, session))
        return statements

    def _step(self, event: ev.PlayerEvent, site: str) -> list[Statement]:
        key = (site, event.session)
        found = self.sessions.get(key)
        if found is None:
            if key in self.ended:
                if event.seq <= self.ended[key]:
                    return []
                raise SessionOver(f"session {event.session!r} is over")
            raise UnknownSession(f"session {event.session!r} was never started")
        session, builder = found
        registration = self.registrations[session.registration_key]
        statements = step(self.settings, session, registration, event, builder)
        if session.over:
            self._forget(key)
        return statements

    def _forget(self, key: tuple[str, str]) -> None:
        session, _ = self.sessions.pop(key)
        self.ended[key] = session.last_seq
        if len(self.ended) > ENDED_SESSIONS_REMEMBERED:
            del self.ended[next(iter(self.ended))]

    def close_all(self) -> Iterator[Statement]:
        """Close every session still open, as idle, in the order they were started."""
        for key in list(self.sessions):
            session, builder = self.sessions[key]
            registration = self.registrations[session.registration_key]
            yield from close(self.settings, session, registration, builder)
            self._forget(key)
