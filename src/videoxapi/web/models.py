"""The API's bodies: parsed straight from the raw bytes with pydantic's JSON validation
(FastAPI would run the standard `json` module first), and documented in OpenAPI.

Validation failures become one message naming the field, e.g. `events[3].position: ...`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from videoxapi import events as ev
from videoxapi.web.errors import ApiError

PLAYER_TYPES = ("play", "pause", "seek", "timeupdate", "ended", "ratechange", "volumechange",
                "fullscreen", "captions", "quality", "end")  # fmt: skip
ACTIVITY_TYPES = ("login", "like", "comment", "share", "download", "quizStarted",
                  "questionAnswered", "quizSubmitted")  # fmt: skip

AnyPlayerEvent = Annotated[ev.PlayerEvent, Field(discriminator="type")]
AnyActivityEvent = Annotated[ev.ActivityEvent, Field(discriminator="type")]


class StartAnswer(BaseModel):
    """Whether the player should track, and how often it reports progress."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"session": "a1b2c3", "enabled": True, "beaconInterval": "quarters"}]
        }
    )
    session: str
    enabled: bool
    beaconInterval: Literal["quarters", "onePercent"]  # the wire name


class CountsAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"applied": 9, "duplicates": 1}]})
    applied: int = Field(description="Events applied now.")
    duplicates: int = Field(description="Events seen before (a retried batch): ignored.")
    enabled: bool = Field(True, description="False: the site tracks nothing; nothing stored.")


class ErrorAnswer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": "events[3].position: Input should be >= 0"}]}
    )
    error: str = Field(description="What is wrong, naming the field when there is one.")


class HealthAnswer(BaseModel):
    status: Literal["ok"]


START_EXAMPLE: dict[str, Any] = {
    "type": "start",
    "session": "a1b2c3",
    "at": "2026-03-02T08:00:00.000Z",
    "entry": {"id": "0_abc", "title": "Welcome", "duration": 95.0},
    "player": {"name": "html5", "version": "1.0", "timeUpdates": True},
}
EVENTS_EXAMPLE: dict[str, Any] = {
    "events": [
        {"session": "a1b2c3", "seq": 1, "type": "play", "at": "2026-03-02T08:00:01.000Z",
         "position": 0.0},
        {"session": "a1b2c3", "seq": 2, "type": "timeupdate", "at": "2026-03-02T08:00:01.250Z",
         "position": 0.25},
    ]
}  # fmt: skip
ACTIVITY_EXAMPLE: dict[str, Any] = {
    "events": [
        {"type": "like", "id": "like-42", "at": "2026-03-02T08:05:00.000Z",
         "user": {"id": "u1", "email": "ann@example.com"},
         "entry": {"id": "0_abc", "title": "Welcome"}},
    ]
}  # fmt: skip


def batch_model(name: str, item: Any, max_events: int) -> type[BaseModel]:
    """`{"events": [...]}` with at most `max_events` events."""
    events = Annotated[list[item], Field(min_length=1, max_length=max_events)]  # type: ignore[valid-type]
    return create_model(  # type: ignore[call-overload, no-any-return]
        name, __config__=ConfigDict(extra="forbid"), events=(events, ...)
    )


START_ADAPTER: TypeAdapter[ev.Start] = TypeAdapter(ev.Start)


def start_schema() -> dict[str, Any]:
    """The start event as the API takes it: `user` and `site` come from the token."""
    schema = START_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    for name in ("user", "site"):
        schema["properties"].pop(name, None)
    return schema


def parse(validate: Any, raw: bytes, allowed: tuple[str, ...] = PLAYER_TYPES) -> Any:
    """Validate raw JSON bytes; `ApiError` 400 (not JSON), 413 (too many events) or 422."""
    try:
        return validate(raw)
    except ValidationError as exc:
        raise _refusal(exc, allowed) from None


def _refusal(exc: ValidationError, allowed: tuple[str, ...]) -> ApiError:
    error = exc.errors(include_url=False, include_input=False)[0]
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    if kind == "json_invalid":
        return ApiError(400, f"the body is not valid JSON ({ctx.get('error', 'malformed')})")
    if kind == "too_long" and loc == ("events",):
        return ApiError(413, f"too many events: at most {ctx.get('max_length')} per batch")
    path = _path(loc)
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        if tag in ev.EVENT_TYPES:
            why = f"a {tag!r} event is not accepted here (one of {', '.join(allowed)})"
        else:
            why = f"unknown event type {tag!r}"
        return ApiError(422, f"{path}.type: {why}")
    if kind == "union_tag_not_found":
        return ApiError(422, f"{path}.type: missing")
    if kind == "model_type" and not loc:
        return ApiError(422, "body: must be a JSON object")
    return ApiError(422, f"{path or 'body'}: {error['msg'].removeprefix('Value error, ')}")


def _path(loc: tuple[int | str, ...]) -> str:
    """`('events', 3, 'play', 'position')` -> `events[3].position` (union tag dropped)."""
    text = ""
    after_index = False
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            after_index = True
            continue
        if after_index and part in ev.EVENT_TYPES:
            after_index = False
            continue  # the discriminated union's branch name
        after_index = False
        text += f".{part}" if text else str(part)
    return text
