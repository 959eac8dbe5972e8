"""Bad input: each gets its 4xx, a JSON error naming the problem, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import jwt
import orjson
import pytest
from support.viewing import Viewer

from videoxapi.tokens import mint_viewer_token

from .conftest import Api

PLAY = {"session": "s1", "seq": 1, "type": "play", "at": "2026-01-01T00:00:00Z", "position": 0}


@pytest.fixture
def started(api: Api) -> Api:
    api.start(Viewer("s1"))
    return api


def post_raw(api: Api, body: bytes, headers: dict[str, str] | None = None):
    return lambda: api.post(
        "/api/v1/sessions/s1/events",
        content=body,
        headers={"Content-Type": "application/json", **(headers or api.auth())},
    )


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        (b'{"events": [', 400, "not valid JSON"),
        (b"[]", 422, "body: must be a JSON object"),
        (b'{"events": []}', 422, "events:"),
        (orjson.dumps({"events": [PLAY], "user": {"id": "x"}}), 422, "user:"),
        (orjson.dumps({"events": [PLAY | {"position": "3"}]}), 422, "events[0].position:"),
        (orjson.dumps({"events": [PLAY | {"position": -1}]}), 422, "events[0].position:"),
        (orjson.dumps({"events": [PLAY, PLAY | {"seq": "2"}]}), 422, "events[1].seq:"),
        (orjson.dumps({"events": [PLAY | {"type": "rewind"}]}), 422, "unknown event type"),
        (orjson.dumps({"events": [PLAY | {"type": "login"}]}), 422, "not accepted here"),
        (orjson.dumps({"events": [{k: v for k, v in PLAY.items() if k != "type"}]}), 422,
         "events[0].type: missing"),
        (orjson.dumps({"events": [{k: v for k, v in PLAY.items() if k != "at"}]}), 422,
         "events[0].at:"),
        (orjson.dumps({"events": [PLAY | {"type": "seek", "to": 3}]}), 422, "events[0].from:"),
        (orjson.dumps({"events": [PLAY | {"at": "yesterday"}]}), 422, "events[0].at:"),
        (orjson.dumps({"events": [PLAY | {"user": {"id": "bob"}}]}), 422, "events[0].user:"),
    ],
)  # fmt: skip
def test_a_malformed_batch_is_refused(
    started: Api, nothing_written, body: bytes, status: int, names: str
) -> None:
    error = nothing_written(post_raw(started, body), status)
    assert names in error


def test_too_many_events_is_413(started: Api, nothing_written) -> None:
    events = [PLAY | {"seq": i} for i in range(1, started.config.max_events_per_batch + 2)]
    error = nothing_written(post_raw(started, orjson.dumps({"events": events})), 413)
    assert "too many events" in error and "50" in error


def test_a_body_declared_too_large_is_refused_before_reading(started: Api, nothing_written) -> None:
    limit = started.config.max_body_bytes
    body = b'{"events": [' + b" " * limit + b"]}"
    error = nothing_written(post_raw(started, body), 413)
    assert str(limit) in error


def test_a_body_streamed_too_large_without_length_is_refused(started: Api, nothing_written) -> None:
    chunk = orjson.dumps(PLAY) + b","

    async def stream() -> AsyncIterator[bytes]:
        yield b'{"events": ['
        for _ in range(started.config.max_body_bytes // len(chunk) + 1):
            yield chunk
        yield orjson.dumps(PLAY) + b"]}"

    def send():
        return started.post("/api/v1/sessions/s1/events", content=stream(), headers=started.auth())

    assert "larger than" in nothing_written(send, 413)


def test_a_start_with_wrong_types_names_the_field(api: Api, nothing_written) -> None:
    event = Viewer("s1").start()[0]
    event.pop("user")
    event["entry"]["duration"] = "long"
    error = nothing_written(
        lambda: api.post("/api/v1/sessions", json=event, headers=api.auth()), 422
    )
    assert error.startswith("entry.duration:")


# -- tokens ------------------------------------------------------------------------


def forged(api: Api) -> str:
    return mint_viewer_token("not-the-secret-" * 3, site=api.site, user_id="u1")


def expired(api: Api) -> str:
    return api.token(now=api.clock() - timedelta(hours=2), ttl=timedelta(minutes=5))


def other_site(api: Api) -> str:
    from videoxapi.service.sites import ensure_site

    ensure_site(api.store, "other")
    return api.token(site="other")


def claims_other_site(api: Api) -> str:
    """Signed with this site's secret but claiming another site."""
    from videoxapi.service.sites import token_secret

    secret = token_secret(api.store, api.site)
    assert secret
    return mint_viewer_token(secret, site="other", user_id="u1")


def unsigned(api: Api) -> str:
    return jwt.encode({"sub": "u1", "site": api.site, "aud": "videoxapi"}, None, "none")


@pytest.mark.parametrize(
    ("make", "names"),
    [
        (forged, "signature"),
        (expired, "expired"),
        (claims_other_site, "unknown site"),
        (unsigned, "not valid"),
        (lambda api: "garbage", "malformed"),
        (lambda api: "", "required"),
    ],
)
def test_a_bad_viewer_token_is_401(started: Api, nothing_written, make, names: str) -> None:
    headers = {"Authorization": f"Bearer {make(started)}"}
    error = nothing_written(post_raw(started, orjson.dumps({"events": [PLAY]}), headers), 401)
    assert names in error


def test_a_token_of_another_site_cannot_touch_this_sites_session(
    started: Api, nothing_written
) -> None:
    headers = {"Authorization": f"Bearer {other_site(started)}"}
    before = started.snapshot()
    # the other site exists but is disabled: nothing tracked, nothing written here
    answer = started.post("/api/v1/sessions/s1/events", json={"events": [PLAY]}, headers=headers)
    assert answer.json()["applied"] == 0
    assert started.snapshot() == before
    started.site = "other"
    started.configure()
    error = nothing_written(post_raw(started, orjson.dumps({"events": [PLAY]}), headers), 404)
    assert "never started" in error


def test_a_missing_token_is_401_with_a_challenge(started: Api) -> None:
    answer = started.post("/api/v1/sessions/s1/events", json={"events": [PLAY]})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_errors_never_echo_the_credential(started: Api) -> None:
    token = forged(started)
    answer = post_raw(started, b"{}", {"Authorization": f"Bearer {token}"})()
    assert token not in answer.text and token.split(".")[2] not in answer.text


def test_a_session_id_longer_than_documented_is_refused(started: Api, nothing_written) -> None:
    long_id = "s" * 201
    error = nothing_written(
        lambda: started.post(
            f"/api/v1/sessions/{long_id}/events",
            json={"events": Viewer(long_id).play()},
            headers=started.auth(),
        ),
        422,
    )
    assert error == "session: at most 200 characters"
