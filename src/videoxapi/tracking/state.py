"""Tracker state: per viewing session and per registration, with explicit conversions.

The store persists these as opaque bytes (`to_bytes` / `from_bytes`); the tracker
mutates them in place while applying one event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from videoxapi.tracking.segments import PlayedSegments


@dataclass(slots=True)
class RegistrationState:
    """One learner's progress on one video within one registration, across sessions."""

    key: str
    segments: PlayedSegments = field(default_factory=PlayedSegments)
    progress: float = 0.0
    played: bool = False
    completed: bool = False
    played_seconds: float = 0.0
    milestones: int = 0  # quarter milestones reported so far (0..5)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "key": self.key,
                "segments": self.segments.pairs(),
                "progress": self.progress,
                "played": self.played,
                "completed": self.completed,
                "playedSeconds": self.played_seconds,
                "milestones": self.milestones,
            }
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> RegistrationState:
        data = orjson.loads(raw)
        return cls(
            key=data["key"],
            segments=PlayedSegments(data["segments"]),
            progress=data["progress"],
            played=data["played"],
            completed=data["completed"],
            played_seconds=data["playedSeconds"],
            milestones=data["milestones"],
        )


@dataclass(slots=True)
class SessionState:
    """One viewing session: who watches what, how it is tracked, and where playback is.

    The first group of fields is fixed at `start`; the rest moves with each event.
    """

    site: str
    session: str
    registration: str  # UUID, given by the LMS or derived from (site, user, entry)
    registration_key: str
    user: dict[str, Any]  # {"id", "email"?, "name"?}
    entry: dict[str, Any]  # {"id", "title", "duration", "description"?, "channel"?}
    player: dict[str, Any]  # {"name", "version", "timeUpdates"}
    mode: str  # beacon mode in force: "quarters" or "onePercent"
    threshold: float  # completion threshold T, fixed for the session
    basis: str  # completionBasis: "watched" or "position"
    duration: float
    beacon_period: float  # onePercent: seconds of playback between beacons
    last_seq: int = 0
    last_at: datetime | None = None
    playing: bool = False
    segment_start: float = 0.0  # start of the open segment, while playing
    position: float = 0.0
    since_beacon: float = 0.0  # onePercent: seconds played since the last beacon
    beaconed: bool = False  # onePercent: the first-play beacon of this session was sent
    over: bool = False
    player_context: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return orjson.dumps({name: getattr(self, name) for name in self.__slots__})

    @classmethod
    def from_bytes(cls, raw: bytes) -> SessionState:
        data = orjson.loads(raw)
        if data["last_at"] is not None:
            data["last_at"] = datetime.fromisoformat(data["last_at"])
        return cls(**data)
