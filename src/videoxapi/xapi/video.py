"""Video Profile statements from the tracker's occurrences.

Built as plain dicts (orjson serializes them); the parts that are the same for every
statement of a session (actor, object, context base) are built once per session and
shared, since building statements is on the hot path.
"""

from __future__ import annotations

from typing import Any

from videoxapi.settings import SiteSettings
from videoxapi.tracking.occurrences import Occurrence
from videoxapi.tracking.state import SessionState
from videoxapi.xapi import vocabulary as v
from videoxapi.xapi.actors import actor
from videoxapi.xapi.formats import duration, timestamp
from videoxapi.xapi.identity import channel_iri, media_iri, statement_id


def video_activity(site_url: str, language: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The video as an xAPI activity: `<siteUrl>/media/<entryId>`, titled."""
    definition: dict[str, Any] = {"type": v.VIDEO_TYPE, "name": {language: entry["title"]}}
    if entry.get("description"):
        definition["description"] = {language: entry["description"]}
    return {
        "objectType": "Activity",
        "id": media_iri(site_url, entry["id"]),
        "definition": definition,
    }


def channel_activity(site_url: str, language: str, channel: dict[str, Any]) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "objectType": "Activity",
        "id": channel_iri(site_url, channel["id"]),
        "definition": {"type": v.CHANNEL_TYPE},
    }
    if channel.get("name"):
        activity["definition"]["name"] = {language: channel["name"]}
    return activity


def player_extensions(context: dict[str, Any]) -> dict[str, Any]:
    """The player settings as the profile's context extensions."""
    extensions: dict[str, Any] = {}
    if "speed" in context:
        extensions[v.SPEED] = f"{context['speed']:g}x"
    if "volume" in context:
        extensions[v.VOLUME] = round(context["volume"], 3)
    if "captions" in context:
        # The profile has both; videoxapi knows one caption switch, so both follow it.
        extensions[v.CC_ENABLED] = context["captions"]
        extensions[v.CC_SUBTITLE_ENABLED] = context["captions"]
    if context.get("captionsLang"):
        extensions[v.CC_SUBTITLE_LANG] = context["captionsLang"]
    if "fullScreen" in context:
        extensions[v.FULL_SCREEN] = context["fullScreen"]
    if context.get("screenSize"):
        extensions[v.SCREEN_SIZE] = context["screenSize"]
    if context.get("playbackSize"):
        extensions[v.PLAYBACK_SIZE] = context["playbackSize"]
    if context.get("quality"):
        extensions[v.QUALITY] = context["quality"]
    if context.get("userAgent"):
        extensions[v.USER_AGENT] = context["userAgent"]
    return extensions


class VideoStatements:
    """Builds the statements of one viewing session.

    What every statement of the session shares is made with the first of them: most
    event batches yield none (timeupdates), and would pay for it for nothing."""

    __slots__ = (
        "_actor",
        "_base_extensions",
        "_grouping",
        "_object",
        "_registration",
        "_session_state",
        "_settings",
        "session",
        "site",
    )

    def __init__(self, settings: SiteSettings, session: SessionState) -> None:
        self.site = session.site
        self.session = session.session
        self._settings = settings
        self._session_state = session
        self._actor: dict[str, Any] | None = None

    @property
    def session_statement_id(self) -> str:
        """The id of the session's `initialized` statement, which names the session."""
        return str(statement_id(self.site, self.session, 0, "initialized", 0))

    def _share(self) -> None:
        settings, session = self._settings, self._session_state
        site_url, language = settings.site_url, settings.language
        self._actor = actor(
            session.user,
            site_url=site_url,
            account_only=settings.send_account_info_instead_of_email,
        )
        self._object = video_activity(site_url, language, session.entry)
        channel = session.entry.get("channel")
        self._grouping = [channel_activity(site_url, language, channel)] if channel else None
        self._registration = session.registration
        self._base_extensions: dict[str, Any] = {
            v.SESSION_ID: self.session_statement_id,
            v.LENGTH: session.duration,
        }
        if session.threshold < 1:
            self._base_extensions[v.COMPLETION_THRESHOLD] = round(session.threshold, 3)

    def build(self, occurrence: Occurrence) -> dict[str, Any]:
        """One statement from one occurrence."""
        if self._actor is None:
            self._share()
        kind = occurrence.kind
        extensions = self._base_extensions
        if occurrence.context is not None:
            extensions = extensions | player_extensions(occurrence.context)
        activities: dict[str, Any] = {}
        if kind != "progressed":  # the profile has no such verb: not in its category
            activities["category"] = [v.PROFILE_CATEGORY]
        if self._grouping:
            activities["grouping"] = self._grouping
        context: dict[str, Any] = {"registration": self._registration}
        if activities:  # xAPI allows no empty objects
            context["contextActivities"] = activities
        context["extensions"] = extensions
        statement: dict[str, Any] = {
            "id": str(
                statement_id(self.site, self.session, occurrence.seq, kind, occurrence.ordinal)
            ),
            "actor": self._actor,
            "verb": v.VERBS[kind],
            "object": self._object,
        }
        result = _result(occurrence)
        if result:
            statement["result"] = result
        statement["context"] = context
        statement["timestamp"] = timestamp(occurrence.at)
        return statement


def _result(occurrence: Occurrence) -> dict[str, Any] | None:
    kind = occurrence.kind
    if kind == "initialized":
        return None
    if kind == "seeked":
        return {"extensions": {v.TIME_FROM: occurrence.time_from, v.TIME_TO: occurrence.time_to}}
    extensions: dict[str, Any] = {v.TIME: occurrence.time}
    if occurrence.progress is not None:
        extensions[v.PROGRESS] = occurrence.progress
        extensions[v.PLAYED_SEGMENTS] = occurrence.segments
    if kind == "completed":
        return {
            "completion": True,
            "duration": duration(occurrence.played_seconds or 0.0),
            "extensions": extensions,
        }
    return {"extensions": extensions}
