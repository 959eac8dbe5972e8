"""What the tracker says happened, in Video Profile terms, before any xAPI is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Kind = Literal[
    "initialized",
    "played",
    "paused",
    "seeked",
    "interacted",
    "progressed",
    "completed",
    "terminated",
]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One statement to be: its verb, where in the session it comes from, and its values.

    `(seq, ordinal)` identify it within the session: the event's sequence number and
    its rank among the occurrences that event produced. Statement ids derive from them.
    """

    kind: Kind
    seq: int
    ordinal: int
    at: datetime
    time: float | None = None
    time_from: float | None = None
    time_to: float | None = None
    progress: float | None = None
    segments: str | None = None
    played_seconds: float | None = None
    changed: str | None = None  # interacted: which player setting changed
    context: dict[str, Any] | None = None  # initialized / interacted: player settings
