"""Scripted viewers for tests: event dicts with a playhead and a wall clock that move
together as a real player's do, so tests read like the viewing they describe."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from videoxapi.events import parse_event
from videoxapi.processing import MemoryTracker
from videoxapi.settings import SiteSettings

T0 = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


def settings(**changes: Any) -> SiteSettings:
    """Enabled settings for an example site, with `changes` (wire names) applied."""
    data: dict[str, Any] = {
        "enabled": True,
        "endpoint": "https://lrs.example.com/xapi/",
        "siteUrl": "https://video.example.com",
        "key": "key",
        "secret": "secret",
    }
    data.update(changes)
    return SiteSettings.parse(data)


class Viewer:
    """One viewing session of one video; each method returns the events it produces."""

    def __init__(
        self,
        session: str = "s1",
        *,
        duration: float = 100.0,
        user: dict[str, Any] | None = None,
        entry_id: str = "0_video",
        time_updates: bool = True,
        registration: str | None = None,
        at: datetime = T0,
        speed: float = 1.0,
    ) -> None:
        self.session = session
        self.duration = duration
        self.user = user if user is not None else {"id": "u1", "email": "ann@example.com"}
        self.entry_id = entry_id
        self.time_updates = time_updates
        self.registration = registration
        self.at = at
        self.position = 0.0
        self.seq = 0
        self.speed = speed

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        return {
            "session": self.session,
            "seq": self.seq,
            "type": kind,
            "at": self.at.isoformat(),
            "position": round(self.position, 3),
            **fields,
        }

    def wait(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)

    def start(self, **extra: Any) -> list[dict[str, Any]]:
        event: dict[str, Any] = {
            "type": "start",
            "session": self.session,
            "at": self.at.isoformat(),
            "entry": {"id": self.entry_id, "title": "A video", "duration": self.duration},
            "player": {"name": "html5", "version": "1", "timeUpdates": self.time_updates},
            "user": self.user,
            **extra,
        }
        if self.registration:
            event["registration"] = self.registration
        return [event]

    def play(self) -> list[dict[str, Any]]:
        self.wait(0.1)
        return [self._event("play")]

    def watch(self, seconds: float, step: float = 0.25) -> list[dict[str, Any]]:
        """Play on for `seconds` of media, a timeupdate every `step` s of wall time."""
        events = []
        target = min(self.position + seconds, self.duration)
        while self.position < target - 1e-9:
            media = min(step * self.speed, target - self.position)
            self.wait(media / self.speed)
            self.position += media
            events.append(self._event("timeupdate"))
        return events

    def pause(self) -> list[dict[str, Any]]:
        self.wait(0.1)
        return [self._event("pause")]

    def seek(self, to: float) -> list[dict[str, Any]]:
        self.wait(0.1)
        origin = self.position
        self.position = to
        return [self._event("seek", **{"from": round(origin, 3), "to": to})]

    def ended(self) -> list[dict[str, Any]]:
        self.position = self.duration
        return [self._event("ended")]

    def end(self) -> list[dict[str, Any]]:
        self.wait(0.5)
        return [self._event("end")]

    def ratechange(self, speed: float) -> list[dict[str, Any]]:
        self.speed = speed
        return [self._event("ratechange", speed=speed)]

    def interaction(self, kind: str, **fields: Any) -> list[dict[str, Any]]:
        return [self._event(kind, **fields)]


def run(
    events: Iterable[dict[str, Any]], site_settings: SiteSettings | None = None, *, close=False
) -> list[dict[str, Any]]:
    """Statements of `events` through one in-memory tracker (closing open sessions if
    `close`)."""
    tracker = MemoryTracker(site_settings or settings())
    statements = []
    for event in events:
        statements.extend(tracker.process(parse_event(event)))
    if close:
        statements.extend(tracker.close_all())
    return statements


def verbs(statements: Iterable[dict[str, Any]]) -> list[str]:
    return [s["verb"]["display"]["en-US"] for s in statements]


EXT = "https://w3id.org/xapi/video/extensions/"


def result_ext(statement: dict[str, Any], name: str) -> Any:
    return statement["result"]["extensions"][EXT + name]


def context_ext(statement: dict[str, Any], name: str) -> Any:
    return statement["context"]["extensions"].get(EXT + name)


def of_verb(statements: Iterable[dict[str, Any]], verb: str) -> list[dict[str, Any]]:
    return [s for s in statements if s["verb"]["display"]["en-US"] == verb]
