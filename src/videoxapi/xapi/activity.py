"""Statements of platform events (login, like, comment, share, download) and of
in-video quizzes (attempted, answered, passed / failed / scored)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from videoxapi import events as ev
from videoxapi.settings import SiteSettings
from videoxapi.xapi import vocabulary as v
from videoxapi.xapi.actors import actor
from videoxapi.xapi.formats import timestamp
from videoxapi.xapi.identity import (
    activity_statement_id,
    derived_registration,
    question_iri,
    quiz_iri,
)
from videoxapi.xapi.video import channel_activity, video_activity

_PLATFORM_VERBS = {
    "login": "logged-in",
    "like": "liked",
    "comment": "commented",
    "share": "shared",
    "download": "downloaded",
}


def activity_statements(
    settings: SiteSettings, site: str, event: ev.ActivityEvent
) -> list[dict[str, Any]]:
    """The statement(s) of one platform or quiz event; ids derive from (site, event id)."""
    builder = _ActivityStatement(settings, site, event)
    match event:
        case ev.Login():
            return [builder.build("logged-in", _site_activity(settings))]
        case ev.Comment(comment=comment):
            result = {"response": comment} if comment and settings.send_comment_text else None
            return [builder.build("commented", builder.video, result=result)]
        case ev.Like() | ev.Share() | ev.Download():
            return [builder.build(_PLATFORM_VERBS[event.type], builder.video)]
        case ev.QuizStarted(quiz=quiz):
            return [builder.build("attempted", builder.quiz(quiz), parent=True)]
        case ev.QuestionAnswered():
            return [_answered(builder, event)]
        case ev.QuizSubmitted(quiz=quiz, score=score, passed=passed):
            result: dict[str, Any] = {"score": {"scaled": round(score, 4)}}
            if passed is None:
                verb = "scored"
            else:
                verb = "passed" if passed else "failed"
                result["success"] = passed
            return [builder.build(verb, builder.quiz(quiz), result=result, parent=True)]
    raise AssertionError(f"unhandled activity event {event.type!r}")  # pragma: no cover


def _site_activity(settings: SiteSettings) -> dict[str, Any]:
    host = urlsplit(settings.site_url).netloc or settings.site_url
    return {
        "objectType": "Activity",
        "id": settings.site_url,
        "definition": {"type": v.APPLICATION_TYPE, "name": {settings.language: host}},
    }


def _answered(builder: _ActivityStatement, event: ev.QuestionAnswered) -> dict[str, Any]:
    language = builder.settings.language
    question = event.question
    definition: dict[str, Any] = {
        "type": v.INTERACTION_TYPE,
        "name": {language: question.text},
        "interactionType": question.kind,
    }
    if question.choices:
        definition["choices"] = [
            {"id": choice.id, "description": {language: choice.text}} for choice in question.choices
        ]
    activity = {
        "objectType": "Activity",
        "id": question_iri(builder.settings.site_url, event.entry.id, event.quiz.id, question.id),
        "definition": definition,
    }
    response = event.response if isinstance(event.response, str) else "[,]".join(event.response)
    result: dict[str, Any] = {"response": response}
    if event.correct is not None:
        result["success"] = event.correct
    return builder.build(
        "answered", activity, result=result, parent=True, grouping=builder.quiz(event.quiz)
    )


class _ActivityStatement:
    """What every statement of one activity event shares."""

    def __init__(self, settings: SiteSettings, site: str, event: ev.ActivityEvent) -> None:
        self.settings = settings
        self.site = site
        self.event = event
        self.entry = event.entry
        user = event.user.model_dump(exclude_none=True)
        self.actor = actor(
            user,
            site_url=settings.site_url,
            account_only=settings.send_account_info_instead_of_email,
        )
        self.video: dict[str, Any] | None = None
        if self.entry is not None:
            self.video = video_activity(
                settings.site_url, settings.language, self.entry.model_dump(exclude_none=True)
            )

    def quiz(self, quiz: ev.Quiz) -> dict[str, Any]:
        assert self.entry is not None
        return {
            "objectType": "Activity",
            "id": quiz_iri(self.settings.site_url, self.entry.id, quiz.id),
            "definition": {
                "type": v.ASSESSMENT_TYPE,
                "name": {self.settings.language: quiz.title},
            },
        }

    def build(
        self,
        verb: str,
        activity: dict[str, Any] | None,
        *,
        result: dict[str, Any] | None = None,
        parent: bool = False,
        grouping: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        assert activity is not None
        statement: dict[str, Any] = {
            "id": str(activity_statement_id(self.site, self.event.id, verb)),
            "actor": self.actor,
            "verb": v.VERBS[verb],
            "object": activity,
        }
        if result:
            statement["result"] = result
        context: dict[str, Any] = {}
        if self.entry is not None:
            context["registration"] = str(
                derived_registration(self.site, self.event.user.id, self.entry.id)
            )
            activities: dict[str, Any] = {}
            if parent:
                activities["parent"] = [self.video]
            groups = [grouping] if grouping else []
            if self.entry.channel is not None:
                groups.append(
                    channel_activity(
                        self.settings.site_url,
                        self.settings.language,
                        self.entry.channel.model_dump(),
                    )
                )
            if groups:
                activities["grouping"] = groups
            if activities:
                context["contextActivities"] = activities
        if context:
            statement["context"] = context
        statement["timestamp"] = timestamp(self.event.at)
        return statement
