"""Statement details: actors, ids, registration, formats, quiz and platform statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from support.viewing import Viewer, run, settings, verbs

from videoxapi.events import parse_event
from videoxapi.processing import MemoryTracker
from videoxapi.xapi.formats import duration, timestamp
from videoxapi.xapi.identity import derived_registration

AT = "2026-11-26T10:00:00Z"
ENTRY = {"id": "0_a b/c", "title": "Café intro", "channel": {"id": "ch 1", "name": "Ops"}}


def activity(kind: str, **fields) -> dict:
    return {"type": kind, "id": f"evt-{kind}", "at": AT, "user": {"id": "u1",
            "email": "ann@example.com", "name": "Ann"}, **fields}  # fmt: skip


def statements_of(events, site_settings=None, validator=None):
    tracker = MemoryTracker(site_settings or settings())
    produced = [s for e in events for s in tracker.process(parse_event(e))]
    if validator is not None:
        validator.check(produced)
    return produced


def test_actor_is_mbox_with_name_when_the_user_has_an_email(xapi_validator):
    viewer = Viewer(user={"id": "u1", "email": "ann@example.com", "name": "Ann"})
    (statement,) = statements_of(viewer.start(), validator=xapi_validator)
    assert statement["actor"] == {
        "objectType": "Agent", "mbox": "mailto:ann@example.com", "name": "Ann"
    }  # fmt: skip


def test_actor_falls_back_to_the_account_without_an_email(xapi_validator):
    viewer = Viewer(user={"id": "u1", "name": "Ann"})
    (statement,) = statements_of(viewer.start(), validator=xapi_validator)
    assert statement["actor"] == {
        "objectType": "Agent", "name": "Ann",
        "account": {"homePage": "https://video.example.com", "name": "u1"},
    }  # fmt: skip


def test_account_only_sends_neither_email_nor_name(xapi_validator):
    viewer = Viewer(user={"id": "u1", "email": "ann@example.com", "name": "Ann"})
    site = settings(sendAccountInfoInsteadOfEmail=True)
    (statement,) = statements_of(viewer.start(), site, validator=xapi_validator)
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://video.example.com", "name": "u1"},
    }
    assert "ann@example.com" not in str(statement) and "Ann" not in str(statement)


def test_video_object_channel_grouping_and_language(xapi_validator):
    viewer = Viewer(entry_id="0_a b/c")
    start = viewer.start()
    start[0]["entry"] |= {"title": "Café", "description": "About", "channel": ENTRY["channel"]}
    (statement,) = statements_of(start, settings(language="fr-CA"), validator=xapi_validator)
    assert statement["object"] == {
        "objectType": "Activity",
        "id": "https://video.example.com/media/0_a%20b%2Fc",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
            "name": {"fr-CA": "Café"},
            "description": {"fr-CA": "About"},
        },
    }
    assert statement["verb"]["display"] == {"en-US": "initialized"}
    grouping = statement["context"]["contextActivities"]["grouping"]
    assert grouping[0]["id"] == "https://video.example.com/channel/ch%201"


def test_registration_is_derived_from_site_user_and_entry_unless_given():
    viewer = Viewer()
    (statement,) = run(viewer.start())
    assert statement["context"]["registration"] == str(
        derived_registration("default", "u1", "0_video")
    )
    given = "6d1f1c8e-0a53-4c7e-9f1b-1a2b3c4d5e6f"
    (statement,) = run(Viewer(registration=given).start())
    assert statement["context"]["registration"] == given


def test_statements_never_carry_stored_authority_or_version():
    viewer = Viewer()
    statements = run(viewer.start() + viewer.play() + viewer.watch(100) + viewer.end())
    assert not any({"stored", "authority", "version"} & set(s) for s in statements)


def test_ids_depend_on_the_site():
    viewer = Viewer()
    tracker = MemoryTracker(settings(), default_site="other")
    (here,) = run(viewer.start())
    (there,) = tracker.process(parse_event(viewer.start()[0]))
    assert here["id"] != there["id"]


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
         "2026-01-02T01:04:05.000Z"),
    ],
)  # fmt: skip
def test_timestamps_are_utc_with_milliseconds(at, text):
    assert timestamp(at) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "PT0S"), (0.004, "PT0S"), (5, "PT5S"), (59.999, "PT1M"), (272.5, "PT4M32.5S"),
     (3600, "PT1H"), (3725.25, "PT1H2M5.25S"), (0.5, "PT0.5S")],
)  # fmt: skip
def test_durations_are_iso_8601_to_the_hundredth(seconds, text):
    assert duration(seconds) == text


def test_login_is_about_the_site(xapi_validator):
    (statement,) = statements_of([activity("login")], validator=xapi_validator)
    assert statement["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/logged-in"
    assert statement["object"]["id"] == "https://video.example.com"
    assert "context" not in statement


@pytest.mark.parametrize(
    ("kind", "verb"),
    [("like", "https://w3id.org/xapi/acrossx/verbs/liked"),
     ("share", "http://adlnet.gov/expapi/verbs/shared"),
     ("download", "http://id.tincanapi.com/verb/downloaded"),
     ("comment", "http://adlnet.gov/expapi/verbs/commented")],
)  # fmt: skip
def test_platform_events_are_about_the_entry(xapi_validator, kind, verb):
    (statement,) = statements_of([activity(kind, entry=ENTRY)], validator=xapi_validator)
    assert statement["verb"]["id"] == verb
    assert statement["object"]["id"] == "https://video.example.com/media/0_a%20b%2Fc"
    assert statement["context"]["registration"] == str(
        derived_registration("default", "u1", ENTRY["id"])
    )


def test_comment_text_is_sent_only_when_enabled(xapi_validator):
    event = activity("comment", entry=ENTRY, comment="Great video!")
    (hidden,) = statements_of([event], validator=xapi_validator)
    assert "result" not in hidden and "Great video!" not in str(hidden)
    (shown,) = statements_of([event], settings(sendCommentText=True), validator=xapi_validator)
    assert shown["result"] == {"response": "Great video!"}


def test_a_retried_activity_event_keeps_its_id():
    event = activity("like", entry=ENTRY)
    assert statements_of([event])[0]["id"] == statements_of([event])[0]["id"]
    other = event | {"id": "evt-other"}
    assert statements_of([other])[0]["id"] != statements_of([event])[0]["id"]


QUIZ = {"id": "q1", "title": "Check"}


def test_quiz_statements_have_the_video_as_parent(xapi_validator):
    question = {"id": "3", "text": "Pick", "kind": "choice",
                "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}  # fmt: skip
    events = [
        activity("quizStarted", entry=ENTRY, quiz=QUIZ),
        activity("questionAnswered", entry=ENTRY, quiz=QUIZ, question=question,
                 response=["a", "b"], correct=False) | {"id": "evt-2"},
        activity("quizSubmitted", entry=ENTRY, quiz=QUIZ, score=0.75, passed=True)
        | {"id": "evt-3"},
    ]  # fmt: skip
    attempted, answered, passed = statements_of(events, validator=xapi_validator)
    video = "https://video.example.com/media/0_a%20b%2Fc"
    for statement in (attempted, answered, passed):
        assert statement["context"]["contextActivities"]["parent"][0]["id"] == video
    assert attempted["object"]["id"] == video + "/quiz/q1"
    assert answered["object"]["id"] == video + "/quiz/q1/question/3"
    assert answered["object"]["definition"]["interactionType"] == "choice"
    assert answered["object"]["definition"]["choices"][1] == {
        "id": "b", "description": {"en-US": "B"}
    }  # fmt: skip
    assert answered["result"] == {"response": "a[,]b", "success": False}
    assert answered["context"]["contextActivities"]["grouping"][0]["id"] == video + "/quiz/q1"
    assert verbs([passed]) == ["passed"]
    assert passed["result"] == {"score": {"scaled": 0.75}, "success": True}


@pytest.mark.parametrize(("passed", "verb"), [(False, "failed"), (None, "scored")])
def test_a_submitted_quiz_fails_or_is_just_scored(xapi_validator, passed, verb):
    event = activity("quizSubmitted", entry=ENTRY, quiz=QUIZ, score=0.4)
    if passed is not None:
        event["passed"] = passed
    (statement,) = statements_of([event], validator=xapi_validator)
    assert verbs([statement]) == [verb]
    assert statement["result"]["score"] == {"scaled": 0.4}
    assert ("success" in statement["result"]) is (passed is not None)
