"""Validate xAPI statements with Ralph's pydantic models (run by .peers/ralph/bin/python).

Ralph lives in its own virtualenv (it pins FastAPI, uvicorn and click), so the test
suite drives this script as a long-lived subprocess instead of importing Ralph.

Protocol: one statement per line (JSON) on stdin; for each, one line on stdout:
``{"models": [names checked], "errors": [{"model", "loc", "type", "msg", "input"}]}``.
This script only reports Ralph's raw verdict; which of Ralph's errors are accepted as
known deviations from the Video Profile is decided by tests/support/validator.py.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel, ValidationError
from ralph.models.xapi.base.results import BaseXapiResult
from ralph.models.xapi.base.statements import BaseXapiStatement
from ralph.models.xapi.concepts.verbs.scorm_profile import InteractedVerb
from ralph.models.xapi.video.contexts import BaseVideoContext, VideoContextExtensions
from ralph.models.xapi.video.results import VideoResultExtensions
from ralph.models.xapi.video.statements import (
    BaseVideoStatement,
    VideoCompleted,
    VideoEnableClosedCaptioning,
    VideoInitialized,
    VideoPaused,
    VideoPlayed,
    VideoScreenChangeInteraction,
    VideoSeeked,
    VideoTerminated,
    VideoVolumeChangeInteraction,
)

VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
EXT = "https://w3id.org/xapi/video/extensions/"

VERB_MODELS: dict[str, type[BaseModel]] = {
    "http://adlnet.gov/expapi/verbs/initialized": VideoInitialized,
    "https://w3id.org/xapi/video/verbs/played": VideoPlayed,
    "https://w3id.org/xapi/video/verbs/paused": VideoPaused,
    "https://w3id.org/xapi/video/verbs/seeked": VideoSeeked,
    "http://adlnet.gov/expapi/verbs/completed": VideoCompleted,
    "http://adlnet.gov/expapi/verbs/terminated": VideoTerminated,
}
INTERACTED = "http://adlnet.gov/expapi/verbs/interacted"


class _OtherInteractionResult(BaseXapiResult):
    extensions: VideoResultExtensions


class _OtherInteractionContext(BaseVideoContext):
    extensions: VideoContextExtensions


class VideoOtherInteraction(BaseVideoStatement):
    """Speed, quality, ... interactions, for which Ralph 5.1.0 has no model.

    Assembled only from Ralph's own video parts (time in result, session-id and the
    profile category in context), so that such statements still get the checks every
    other video statement gets.
    """

    verb: InteractedVerb = InteractedVerb()
    result: _OtherInteractionResult
    context: _OtherInteractionContext


def interaction_model(statement: dict[str, Any]) -> type[BaseModel]:
    """Ralph has three `interacted` models with one selector; pick by what changed."""
    context = statement.get("context")
    extensions = context.get("extensions") if isinstance(context, dict) else None
    keys = set(extensions) if isinstance(extensions, dict) else set()
    if keys & {EXT + "cc-enabled", EXT + "cc-subtitle-enabled", EXT + "cc-subtitle-lang"}:
        return VideoEnableClosedCaptioning
    if EXT + "volume" in keys:
        return VideoVolumeChangeInteraction
    if keys & {EXT + "full-screen", EXT + "screen-size", EXT + "video-playback-size"}:
        return VideoScreenChangeInteraction
    return VideoOtherInteraction


def models_for(statement: Any) -> list[type[BaseModel]]:
    """The generic model always; a Video Profile model for the profile's verbs."""
    models: list[type[BaseModel]] = [BaseXapiStatement]
    if not isinstance(statement, dict):
        return models
    obj, verb = statement.get("object"), statement.get("verb")
    definition = obj.get("definition") if isinstance(obj, dict) else None
    if not (isinstance(definition, dict) and definition.get("type") == VIDEO_TYPE):
        return models
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if verb_id == INTERACTED:
        models.append(interaction_model(statement))
    elif verb_id in VERB_MODELS:
        models.append(VERB_MODELS[verb_id])
    return models


def check(line: str) -> dict[str, Any]:
    """Ralph's verdict on one NDJSON line."""
    try:
        statement = json.loads(line)
    except json.JSONDecodeError as exc:
        error = {"model": "json", "loc": [], "type": "json_invalid", "msg": str(exc)}
        return {"models": [], "errors": [error]}
    models = models_for(statement)
    errors: list[dict[str, Any]] = []
    for model in models:
        try:
            model.model_validate(statement)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                errors.append(
                    {
                        "model": model.__name__,
                        "loc": list(err["loc"]),
                        "type": err["type"],
                        "msg": err["msg"],
                        "input": err.get("input"),
                    }
                )
        except (TypeError, ValueError) as exc:  # a validator crashing on odd input
            errors.append({"model": model.__name__, "loc": [], "type": "crash", "msg": repr(exc)})
    return {"models": [m.__name__ for m in models], "errors": errors}


def main() -> None:
    """Answer line by line until stdin closes; flush each answer (the caller waits)."""
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(check(line), default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
