"""Applying player events to a viewing session and its registration (SPEC sections 3-5).

Each function takes the state, mutates it, and returns the occurrences the event
produced, in order. No I/O, no clock: times come from the events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from videoxapi import events as ev
from videoxapi.errors import InvalidEvent, SessionOver
from videoxapi.tracking.occurrences import Kind, Occurrence
from videoxapi.tracking.state import RegistrationState, SessionState

# Players stop a few frames short of the end: reaching a mark within this is reaching it.
TOLERANCE_SECONDS = 0.5
QUARTERS = (0.0, 0.25, 0.5, 0.75, 1.0)
# A forward jump between two reports of a playing player larger than the wall-clock time
# allows (times the speed, with this slack) was not played: it is treated as a seek.
JUMP_SLACK_SECONDS = 1.0
JUMP_SLACK_FACTOR = 1.25


def beacon_period(duration: float) -> float:
    """onePercent: a beacon every 1% of the video, clamped to 1..30 s of playback."""
    return min(max(duration / 100, 1.0), 30.0)


class _Emitter:
    """Collects the occurrences of one event, numbering them in order."""

    __slots__ = ("at", "out", "seq")

    def __init__(self, seq: int, at: datetime) -> None:
        self.seq = seq
        self.at = at
        self.out: list[Occurrence] = []

    def __call__(self, kind: Kind, **values: Any) -> None:
        self.out.append(Occurrence(kind, self.seq, len(self.out), self.at, **values))


def start_session(
    event: ev.Start,
    *,
    site: str,
    user: ev.User,
    registration: str,
    registration_state: RegistrationState,
    mode: str,
    threshold: float,
    basis: str,
) -> tuple[SessionState, list[Occurrence]]:
    """Open a session; it begins with `initialized` (sequence 0)."""
    entry = event.entry
    duration = round(entry.duration, 3)
    player_context: dict[str, Any] = {"speed": 1.0}
    if event.context is not None:
        player_context.update(event.context.model_dump(by_alias=True, exclude_none=True))
    session = SessionState(
        site=site,
        session=event.session,
        registration=registration,
        registration_key=registration_state.key,
        user=user.model_dump(exclude_none=True),
        entry=entry.model_dump(exclude_none=True) | {"duration": duration},
        player=event.player.model_dump(by_alias=True),
        mode=mode if event.player.time_updates else "quarters",
        threshold=threshold,
        basis=basis,
        duration=duration,
        beacon_period=beacon_period(duration),
        last_at=event.at,
        player_context=player_context,
    )
    emit = _Emitter(0, event.at)
    emit("initialized", context=dict(player_context))
    return session, emit.out


def apply(
    session: SessionState, registration: RegistrationState, event: ev.PlayerEvent
) -> list[Occurrence]:
    """Apply one player event. A `seq` already seen changes nothing and returns [], even
    once the session is over (a retried last batch is harmless); a new one is refused."""
    if event.session != session.session:
        raise InvalidEvent(f"event of session {event.session!r} applied to {session.session!r}")
    if event.seq <= session.last_seq:
        return []
    if session.over:
        raise SessionOver(f"session {session.session!r} is over")
    track = _Track(session, registration, event.seq, event.at)
    track.handle(event)
    session.last_seq = event.seq
    session.last_at = event.at
    return track.emit.out


def close_idle(session: SessionState, registration: RegistrationState) -> list[Occurrence]:
    """Close a session nobody ended: paused if it was playing, then terminated, at the
    time and position of its last event."""
    if session.over:
        return []
    assert session.last_at is not None
    # Its statements take the next seq for their ids; `last_seq` stays, so that the
    # player's own next event is refused as "over", not ignored as seen.
    track = _Track(session, registration, session.last_seq + 1, session.last_at)
    track.finish(session.position)
    return track.emit.out


class _Track:
    """The rules, applied to one session and registration for one event."""

    __slots__ = ("at", "emit", "registration", "session")

    def __init__(
        self, session: SessionState, registration: RegistrationState, seq: int, at: datetime
    ) -> None:
        self.session = session
        self.registration = registration
        self.at = at
        self.emit = _Emitter(seq, at)

    def handle(self, event: ev.PlayerEvent) -> None:
        # Dispatch on the exact type: `isinstance` on pydantic models goes through their
        # metaclass, and nine events in ten are timeupdates.
        session = self.session
        kind = type(event)
        position = min(event.position, session.duration)  # past the end counts as the end
        if kind is ev.TimeUpdate or (kind is ev.Play and session.playing):
            # A timeupdate extends the open segment; a play while playing is a heartbeat.
            if session.playing:
                self.advance(position)
                self.check_progress()
            else:
                session.position = position
        elif kind is ev.Play:
            self.play(position)
        elif kind is ev.Pause:
            if session.playing:
                self.advance(position)
                self.stop()
                self.emit_paused()
                self.check_progress()
        elif kind is ev.Seek:
            assert isinstance(event, ev.Seek)
            self.seek(min(event.from_, session.duration), min(event.to, session.duration))
        elif kind is ev.Ended:
            self.ended()
        elif kind is ev.End:
            self.finish(position)
        else:
            self.interact(event, position)

    # -- playback -----------------------------------------------------------------

    def play(self, position: float) -> None:
        session, registration = self.session, self.registration
        session.playing = True
        session.segment_start = session.position = position
        registration.played = True
        self.emit("played", time=position)
        if session.mode == "onePercent" and not session.beaconed:
            session.beaconed = True
            session.since_beacon = 0.0
            self.emit_progressed(self.progress())
        self.check_progress()

    def advance(self, position: float) -> None:
        """Extend the open segment to `position`, or restart it if that was a jump."""
        session = self.session
        delta = position - session.position
        # The allowance is never below the slack: normal steps need not compute it.
        if delta < 0 or (delta > JUMP_SLACK_SECONDS and delta > self.allowed_advance()):
            self.close_segment()
            session.segment_start = position
        else:
            session.since_beacon += delta
            self.registration.played_seconds += delta
        session.position = position

    def allowed_advance(self) -> float:
        session = self.session
        elapsed = max((self.at - session.last_at).total_seconds(), 0.0) if session.last_at else 0
        speed = max(session.player_context.get("speed", 1.0), 1.0)
        return elapsed * speed * JUMP_SLACK_FACTOR + JUMP_SLACK_SECONDS

    def close_segment(self) -> None:
        session = self.session
        self.registration.segments.add(session.segment_start, session.position)
        session.segment_start = session.position

    def stop(self) -> None:
        self.close_segment()
        self.session.playing = False

    def seek(self, time_from: float, time_to: float) -> None:
        session = self.session
        if session.playing:
            self.advance(time_from)
            self.close_segment()
        self.emit(
            "seeked", time_from=session.position if session.playing else time_from, time_to=time_to
        )
        session.position = time_to
        if session.playing:
            session.segment_start = time_to
        self.check_progress()

    def ended(self) -> None:
        """Playback reached the end: the open segment closes at the duration."""
        session = self.session
        if session.playing:
            self.advance(session.duration)
            self.stop()
            self.emit_paused()
        elif session.position >= session.duration - TOLERANCE_SECONDS:
            session.position = session.duration  # already paused there
        self.check_progress()

    def finish(self, position: float) -> None:
        """The session is over: paused if it was playing, then terminated."""
        session = self.session
        if session.playing:
            self.advance(position)
            self.stop()
            self.emit_paused()
            self.check_progress()
        self.emit(
            "terminated",
            time=session.position,
            progress=self.registration.progress,
            segments=self.segments(),
        )
        session.over = True

    def interact(self, event: ev.PlayerEvent, position: float) -> None:
        """A player setting changed: `interacted`, with the setting that changed."""
        session = self.session
        if session.playing:
            self.advance(position)
            self.check_progress()
        else:
            session.position = position
        context = session.player_context
        kind = type(event)
        if kind is ev.RateChange:
            assert isinstance(event, ev.RateChange)
            context["speed"], changed = event.speed, "speed"
        elif kind is ev.VolumeChange:
            assert isinstance(event, ev.VolumeChange)
            context["volume"], changed = 0.0 if event.muted else event.volume, "volume"
        elif kind is ev.Fullscreen:
            assert isinstance(event, ev.Fullscreen)
            context["fullScreen"], changed = event.on, "fullScreen"
        elif kind is ev.Captions:
            assert isinstance(event, ev.Captions)
            context["captions"], changed = event.on, "captions"
            if event.lang:
                context["captionsLang"] = event.lang
        elif kind is ev.Quality:
            assert isinstance(event, ev.Quality)
            context["quality"], changed = event.value, "quality"
        else:  # pragma: no cover - the vocabulary is closed
            raise InvalidEvent(f"unhandled event type {event.type!r}")
        self.emit("interacted", time=session.position, changed=changed, context=dict(context))

    # -- progress -----------------------------------------------------------------

    def covered(self) -> float:
        session, segments = self.session, self.registration.segments
        if session.playing:
            return segments.covered_with(session.segment_start, session.position)
        return segments.covered

    def progress(self) -> float:
        """Union of played segments / duration, never decreasing in the registration."""
        registration = self.registration
        progress = min(round(self.covered() / self.session.duration, 3), 1.0)
        if progress > registration.progress:
            registration.progress = progress
        return registration.progress

    def segments(self) -> str:
        """The registration's played segments, the open one included. Before anything
        has been played, the zero-length segment at the playhead: never an empty string."""
        session = self.session
        if session.playing:
            text = self.registration.segments.format(session.segment_start, session.position)
        else:
            text = self.registration.segments.format()
        return text or f"{session.position:.3f}[.]{session.position:.3f}"

    def check_progress(self) -> None:
        """Beacons due, then completion, after the played segments changed."""
        session, registration = self.session, self.registration
        if not registration.played or self.nothing_due():
            return
        duration = session.duration
        reach = self.covered() + TOLERANCE_SECONDS
        if session.mode == "quarters":
            while registration.milestones < len(QUARTERS):
                milestone = QUARTERS[registration.milestones]
                if reach < milestone * duration:
                    break
                registration.milestones += 1
                self.progress()
                self.emit_progressed(milestone)
        elif session.since_beacon >= session.beacon_period:
            session.since_beacon = 0.0
            self.emit_progressed(self.progress())
        if registration.completed:
            return
        if session.basis == "position":
            reach = session.position + TOLERANCE_SECONDS
        if reach >= session.threshold * duration:
            registration.completed = True
            self.emit(
                "completed",
                time=session.position,
                progress=self.progress(),
                segments=self.segments(),
                played_seconds=round(registration.played_seconds, 2),
            )

    def nothing_due(self) -> bool:
        """True when no beacon and no completion can be due yet, judged from an upper
        bound of the played length, cheaper than the union itself (`covered`)."""
        session, registration = self.session, self.registration
        duration = session.duration
        next_mark = float("inf")
        if session.mode == "quarters":
            if registration.milestones < len(QUARTERS):
                next_mark = QUARTERS[registration.milestones] * duration
        elif session.since_beacon >= session.beacon_period:
            return False
        if not registration.completed:
            if session.basis == "position":
                if session.position + TOLERANCE_SECONDS >= session.threshold * duration:
                    return False
            else:
                next_mark = min(next_mark, session.threshold * duration)
        upper = registration.segments.covered
        if session.playing:
            upper += session.position - session.segment_start
        return upper + TOLERANCE_SECONDS < next_mark

    def emit_progressed(self, progress: float) -> None:
        self.emit(
            "progressed",
            time=self.session.position,
            progress=progress,
            segments=self.segments(),
        )

    def emit_paused(self) -> None:
        self.emit(
            "paused",
            time=self.session.position,
            progress=self.progress(),
            segments=self.segments(),
        )
