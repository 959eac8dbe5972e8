"""The event vocabulary (SPEC section 8): one JSON shape everywhere.

What the player plugin posts, what the ingestion API accepts and what `transform` reads
are the same objects, validated here into frozen models. Parsing is pydantic's job;
what an event *means* is the tracker's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from videoxapi.errors import InvalidEvent

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Identifier = Annotated[str, Field(min_length=1, max_length=200)]
# Positions are kept to the millisecond (the profile's 3 decimals), rounded once here.
Position = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(lambda v: round(v, 3))]


class _Model(BaseModel):
    # Strict: a JSON `true` is no position and "9" no seq; wrong types are refused, not
    # coerced. Times and UUIDs, which JSON can only carry as strings, are the exception.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


class _Event(_Model):
    at: AwareDatetime = Field(strict=False)

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class User(_Model):
    """Who acted. Through the API this comes from the viewer token, never the body."""

    id: Identifier
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None


class Channel(_Model):
    id: Identifier
    name: Annotated[str, Field(max_length=500)] = ""


class Entry(_Model):
    """A video: its id on the platform, title, and duration in seconds."""

    id: Identifier
    title: Text
    duration: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    description: Annotated[str, Field(max_length=5000)] | None = None
    channel: Channel | None = None


class PlatformEntry(_Model):
    """The video a platform or quiz event is about; its duration may be unknown there."""

    id: Identifier
    title: Text
    description: Annotated[str, Field(max_length=5000)] | None = None
    channel: Channel | None = None


class Player(_Model):
    name: Annotated[str, Field(max_length=200)]
    version: Annotated[str, Field(max_length=100)] = ""
    time_updates: bool = Field(True, alias="timeUpdates")


class PlayerContext(_Model):
    """What the player reports of its surroundings at the start of a session."""

    user_agent: Annotated[str, Field(max_length=1000)] | None = Field(None, alias="userAgent")
    screen_size: Annotated[str, Field(pattern=r"^\d+x\d+$")] | None = Field(
        None, alias="screenSize"
    )
    playback_size: Annotated[str, Field(pattern=r"^\d+x\d+$")] | None = Field(
        None, alias="playbackSize"
    )
    speed: Annotated[float, Field(gt=0, le=16)] | None = None
    volume: Annotated[float, Field(ge=0, le=1)] | None = None
    captions: bool | None = None
    captions_lang: Annotated[str, Field(max_length=35)] | None = Field(None, alias="captionsLang")
    quality: Annotated[str, Field(max_length=50)] | None = None
    full_screen: bool | None = Field(None, alias="fullScreen")


class Start(_Event):
    """Opens a viewing session; produces `initialized`."""

    type: Literal["start"]
    session: Identifier
    entry: Entry
    player: Player
    registration: UUID | None = Field(None, strict=False)
    context: PlayerContext | None = None
    user: User | None = None
    site: Identifier | None = None


class _PlayerEvent(_Event):
    session: Identifier
    seq: Annotated[int, Field(ge=1)]
    position: Position


class Play(_PlayerEvent):
    type: Literal["play"]


class Pause(_PlayerEvent):
    type: Literal["pause"]


class Seek(_PlayerEvent):
    type: Literal["seek"]
    from_: Position = Field(alias="from")
    to: Position


class TimeUpdate(_PlayerEvent):
    type: Literal["timeupdate"]


class Ended(_PlayerEvent):
    type: Literal["ended"]


class RateChange(_PlayerEvent):
    type: Literal["ratechange"]
    speed: Annotated[float, Field(gt=0, le=16)]


class VolumeChange(_PlayerEvent):
    type: Literal["volumechange"]
    volume: Annotated[float, Field(ge=0, le=1)]
    muted: bool = False


class Fullscreen(_PlayerEvent):
    type: Literal["fullscreen"]
    on: bool


class Captions(_PlayerEvent):
    type: Literal["captions"]
    on: bool
    lang: Annotated[str, Field(max_length=35)] | None = None


class Quality(_PlayerEvent):
    type: Literal["quality"]
    value: Annotated[str, Field(min_length=1, max_length=50)]


class End(_PlayerEvent):
    """The page was left or the player destroyed: the session is over."""

    type: Literal["end"]


class _ActivityEvent(_Event):
    """Platform and quiz events: server to server, the user given inline."""

    id: Identifier
    user: User
    site: Identifier | None = None


class Login(_ActivityEvent):
    type: Literal["login"]
    entry: PlatformEntry | None = None


class _EntryActivity(_ActivityEvent):
    entry: PlatformEntry


class Like(_EntryActivity):
    type: Literal["like"]


class Comment(_EntryActivity):
    type: Literal["comment"]
    comment: Annotated[str, Field(max_length=10000)] | None = None


class Share(_EntryActivity):
    type: Literal["share"]


class Download(_EntryActivity):
    type: Literal["download"]


class Quiz(_Model):
    id: Identifier
    title: Text


class Choice(_Model):
    id: Identifier
    text: Text


QuestionKind = Literal["choice", "true-false", "fill-in", "long-fill-in", "numeric"]


class Question(_Model):
    id: Identifier
    text: Text
    kind: QuestionKind
    choices: list[Choice] | None = None


class QuizStarted(_EntryActivity):
    type: Literal["quizStarted"]
    quiz: Quiz


class QuestionAnswered(_EntryActivity):
    type: Literal["questionAnswered"]
    quiz: Quiz
    question: Question
    response: Annotated[str, Field(max_length=5000)] | list[Identifier]
    correct: bool | None = None


class QuizSubmitted(_EntryActivity):
    type: Literal["quizSubmitted"]
    quiz: Quiz
    score: Annotated[float, Field(ge=0, le=1)]
    passed: bool | None = None


PlayerEvent = (
    Play
    | Pause
    | Seek
    | TimeUpdate
    | Ended
    | RateChange
    | VolumeChange
    | Fullscreen
    | Captions
    | Quality
    | End
)
ActivityEvent = (
    Login | Like | Comment | Share | Download | QuizStarted | QuestionAnswered | QuizSubmitted
)
Event = Start | PlayerEvent | ActivityEvent

# For dispatch on `type(event)`, much cheaper than isinstance on pydantic models.
PLAYER_EVENT_TYPES: frozenset[type] = frozenset(PlayerEvent.__args__)  # type: ignore[attr-defined]

EVENT_TYPES: tuple[str, ...] = (
    "start", "play", "pause", "seek", "timeupdate", "ended", "ratechange", "volumechange",
    "fullscreen", "captions", "quality", "end", "login", "like", "comment", "share",
    "download", "quizStarted", "questionAnswered", "quizSubmitted",
)  # fmt: skip

_ANY_EVENT: TypeAdapter[Event] = TypeAdapter(
    Annotated[Event, Field(discriminator="type")]  # type: ignore[arg-type]
)


def parse_event(data: dict[str, Any]) -> Event:
    """Validate one event object; raise `InvalidEvent` naming the first problem."""
    if not isinstance(data, dict):
        raise InvalidEvent("an event must be a JSON object")
    kind = data.get("type")
    if kind is None:
        raise InvalidEvent("type is missing")
    if kind not in EVENT_TYPES:
        raise InvalidEvent(f"unknown event type {kind!r}")
    try:
        return _ANY_EVENT.validate_python(data)
    except ValidationError as exc:
        raise InvalidEvent(describe(exc)) from None


def parse_event_json(raw: bytes | str) -> Event:
    """Parse one line of JSON into an event; `InvalidEvent` if it is not one."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not valid JSON ({exc.msg})") from None
    return parse_event(data)


def describe(exc: ValidationError) -> str:
    """The first validation error as `field.path: message`, the union's tag dropped."""
    error = exc.errors(include_url=False, include_input=False)[0]
    location = [str(part) for part in error["loc"]]
    if location and location[0] in EVENT_TYPES:
        location = location[1:]  # the discriminated union's branch name
    path = ".".join(location) or "event"
    return f"{path}: {error['msg'].removeprefix('Value error, ')}"
