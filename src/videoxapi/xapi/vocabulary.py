"""The IRIs videoxapi speaks: verbs, activity types and Video Profile extensions."""

from __future__ import annotations

from typing import Any

_ADL = "http://adlnet.gov/expapi/verbs/"
_VIDEO = "https://w3id.org/xapi/video/verbs/"

VERB_IDS: dict[str, str] = {
    "initialized": _ADL + "initialized",
    "played": _VIDEO + "played",
    "paused": _VIDEO + "paused",
    "seeked": _VIDEO + "seeked",
    "interacted": _ADL + "interacted",
    "progressed": _ADL + "progressed",
    "completed": _ADL + "completed",
    "terminated": _ADL + "terminated",
    "attempted": _ADL + "attempted",
    "answered": _ADL + "answered",
    "passed": _ADL + "passed",
    "failed": _ADL + "failed",
    "scored": _ADL + "scored",
    "logged-in": "https://w3id.org/xapi/adl/verbs/logged-in",
    "liked": "https://w3id.org/xapi/acrossx/verbs/liked",
    "commented": _ADL + "commented",
    "shared": _ADL + "shared",
    "downloaded": "http://id.tincanapi.com/verb/downloaded",
}

# Verb `display` is always {"en-US": "<verb>"}, whatever the site's language.
VERBS: dict[str, dict[str, Any]] = {
    name: {"id": iri, "display": {"en-US": name}} for name, iri in VERB_IDS.items()
}

VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
APPLICATION_TYPE = "http://activitystrea.ms/schema/1.0/application"
CHANNEL_TYPE = "http://id.tincanapi.com/activitytype/collection-simple"

PROFILE_CATEGORY: dict[str, Any] = {
    "id": "https://w3id.org/xapi/video",
    "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
}

_EXT = "https://w3id.org/xapi/video/extensions/"
TIME = _EXT + "time"
TIME_FROM = _EXT + "time-from"
TIME_TO = _EXT + "time-to"
PROGRESS = _EXT + "progress"
PLAYED_SEGMENTS = _EXT + "played-segments"
LENGTH = _EXT + "length"
SESSION_ID = _EXT + "session-id"
COMPLETION_THRESHOLD = _EXT + "completion-threshold"
CC_ENABLED = _EXT + "cc-enabled"
CC_SUBTITLE_ENABLED = _EXT + "cc-subtitle-enabled"
CC_SUBTITLE_LANG = _EXT + "cc-subtitle-lang"
FULL_SCREEN = _EXT + "full-screen"
SCREEN_SIZE = _EXT + "screen-size"
PLAYBACK_SIZE = _EXT + "video-playback-size"
SPEED = _EXT + "speed"
VOLUME = _EXT + "volume"
QUALITY = _EXT + "quality"
USER_AGENT = _EXT + "user-agent"
