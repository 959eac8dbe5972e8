"""The activity API: platform and quiz events from the integrator's server."""

from __future__ import annotations

from typing import Any

import pytest
from support.viewing import verbs

from .conftest import Api

AT = "2026-03-02T08:05:00.000Z"
ENTRY = {"id": "0_abc", "title": "Welcome"}
QUIZ = {"id": "q1", "title": "Check"}


def event(kind: str, event_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "id": event_id, "at": AT, "user": {"id": "u1", "email": "a@x.org"}} | (
        fields
    )


BATCH = [
    event("login", "e1"),
    event("like", "e2", entry=ENTRY),
    event("comment", "e3", entry=ENTRY, comment="Nice"),
    event("share", "e4", entry=ENTRY),
    event("download", "e5", entry=ENTRY),
    event("quizStarted", "e6", entry=ENTRY, quiz=QUIZ),
    event(
        "questionAnswered",
        "e7",
        entry=ENTRY,
        quiz=QUIZ,
        question={"id": "a", "text": "2+2?", "kind": "numeric"},
        response="4",
        correct=True,
    ),
    event("quizSubmitted", "e8", entry=ENTRY, quiz=QUIZ, score=1.0, passed=True),
]


def test_activity_events_give_valid_statements(api: Api, xapi_validator) -> None:
    answer = api.post("/api/v1/activity", json={"events": BATCH}, headers=api.api_key())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"applied": 8, "duplicates": 0, "enabled": True}
    statements = api.statements()
    assert verbs(statements) == [
        "logged-in", "liked", "commented", "shared", "downloaded", "attempted", "answered",
        "passed",
    ]  # fmt: skip
    assert "response" not in statements[2].get("result", {})  # sendCommentText is No
    xapi_validator.check(statements)


def test_a_retried_call_stores_nothing_new(api: Api) -> None:
    key = api.api_key()
    api.post("/api/v1/activity", json={"events": BATCH[:3]}, headers=key)
    before = api.snapshot()
    again = api.post("/api/v1/activity", json={"events": BATCH[:3]}, headers=key)
    assert again.json() == {"applied": 0, "duplicates": 3, "enabled": True}
    assert api.snapshot() == before


@pytest.mark.parametrize("key", ["vxk_wrong", "", "Basic abc"])
def test_a_bad_api_key_is_401(api: Api, nothing_written, key: str) -> None:
    api.api_key()  # the site has a key, just not this one
    headers = {"Authorization": key if key.startswith("Basic") else f"Bearer {key}"}
    error = nothing_written(
        lambda: api.post("/api/v1/activity", json={"events": BATCH}, headers=headers), 401
    )
    assert key not in error or not key


def test_a_viewer_token_is_no_api_key(api: Api, nothing_written) -> None:
    error = nothing_written(
        lambda: api.post("/api/v1/activity", json={"events": BATCH}, headers=api.auth()), 401
    )
    assert "API key" in error


@pytest.mark.parametrize(
    ("events", "names"),
    [
        ([event("like", "e2")], "events[0].entry:"),
        ([event("play", "e2")], "not accepted here"),
        ([event("quizSubmitted", "e8", entry=ENTRY, quiz=QUIZ, score=2)], "events[0].score:"),
        ([{k: v for k, v in event("login", "e1").items() if k != "user"}], "events[0].user:"),
        ([event("like", "e2", entry=ENTRY, site="elsewhere")], "events[0].site:"),
    ],
)
def test_bad_activity_events_are_422(api: Api, nothing_written, events, names) -> None:
    key = api.api_key()
    error = nothing_written(
        lambda: api.post("/api/v1/activity", json={"events": events}, headers=key), 422
    )
    assert names in error


def test_a_disabled_site_stores_no_activity(api: Api) -> None:
    key = api.api_key()
    api.configure(enabled=False)
    before = api.snapshot()
    answer = api.post("/api/v1/activity", json={"events": BATCH}, headers=key)
    assert answer.json() == {"applied": 0, "duplicates": 0, "enabled": False}
    assert api.snapshot() == before
