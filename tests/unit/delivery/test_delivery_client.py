"""The LRS client over `httpx.MockTransport`: URLs, headers, bodies, auth kinds, errors."""

from __future__ import annotations

import base64
from uuid import uuid4

import httpx
import orjson
import pytest

from videoxapi.delivery.client import HttpConfig, LrsClient, batch_body, statements_url
from videoxapi.delivery.decisions import Answer, NetworkFailure
from videoxapi.store.base import Destination, LrsAuth

SECRET = "s3cr3t-value"


def destination(endpoint="https://lrs.example/xapi/", auth=None, version="1.0.3", id=1):
    return Destination(
        id=id,
        site_id="site",
        name="primary",
        endpoint=endpoint,
        auth=auth or LrsAuth("basic", "key", SECRET),
        xapi_version=version,
    )


class Recorder:
    """A transport handler that keeps the requests and answers from a script."""

    def __init__(self, *answers):
        self.requests: list[httpx.Request] = []
        self.answers = list(answers) or [httpx.Response(200, json=[])]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer


def client_for(handler, clock=None):
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return LrsClient(
        http, HttpConfig(connect=1, read=2, write=3, pool=4), **({"clock": clock} if clock else {})
    )


@pytest.mark.parametrize(
    "endpoint",
    ["https://lrs.example/xapi", "https://lrs.example/xapi/", "https://lrs.example/xapi//"],
)
def test_statements_url_has_exactly_one_slash(endpoint):
    assert statements_url(endpoint) == "https://lrs.example/xapi/statements"


def test_batch_body_joins_exact_bytes_without_reserializing():
    bodies = [b'{"id": "a",  "x":1.50}', b'{"id":"b"}']
    assert batch_body(bodies) == b'[{"id": "a",  "x":1.50},{"id":"b"}]'
    assert orjson.loads(batch_body(bodies))[0]["x"] == 1.5


def test_post_sends_the_batch_with_xapi_headers_and_basic_auth():
    rec = Recorder(httpx.Response(200, json=["a", "b"]))
    bodies = [orjson.dumps({"id": str(uuid4())}) for _ in range(3)]
    outcome = client_for(rec).post_statements(destination(version="2.0.0"), bodies)
    assert outcome == Answer(200, outcome.headers, outcome.body)
    [request] = rec.requests
    assert request.method == "POST"
    assert str(request.url) == "https://lrs.example/xapi/statements"
    assert request.headers["X-Experience-API-Version"] == "2.0.0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == b"[" + b",".join(bodies) + b"]"
    expected = base64.b64encode(f"key:{SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_every_request_carries_all_four_timeouts():
    rec = Recorder()
    client_for(rec).post_statements(destination(), [b"{}"])
    assert rec.requests[0].extensions["timeout"] == {"connect": 1, "read": 2, "write": 3, "pool": 4}


def test_bearer_sends_the_secret_as_token():
    rec = Recorder()
    client_for(rec).post_statements(destination(auth=LrsAuth("bearer", "", "tok123")), [b"{}"])
    assert rec.requests[0].headers["Authorization"] == "Bearer tok123"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def oauth_destination():
    return destination(auth=LrsAuth("oauth", "client", SECRET, "https://auth.example/token"))


def token_server(tokens, lifetime=3600, lrs=None):
    """Handler: the token endpoint hands out `tokens` in turn; the LRS answers `lrs`."""
    issued = iter(tokens)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.example":
            return httpx.Response(
                200,
                json={"access_token": next(issued), "token_type": "Bearer", "expires_in": lifetime},
            )
        return lrs(request) if lrs else httpx.Response(200, json=[])

    return handle


def test_oauth_fetches_a_token_with_client_credentials_and_caches_it():
    clock = Clock()
    rec = Recorder(token_server(["t1", "t2"]))
    client = client_for(rec, clock)
    for _ in range(3):
        assert client.post_statements(oauth_destination(), [b"{}"]).status == 200
    token_requests = [r for r in rec.requests if r.url.host == "auth.example"]
    assert len(token_requests) == 1
    token_request = token_requests[0]
    assert token_request.method == "POST"
    assert token_request.content == b"grant_type=client_credentials"
    expected = base64.b64encode(f"client:{SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    lrs_requests = [r for r in rec.requests if r.url.host == "lrs.example"]
    assert [r.headers["Authorization"] for r in lrs_requests] == ["Bearer t1"] * 3


def test_oauth_token_is_fetched_again_shortly_before_it_expires():
    clock = Clock()
    rec = Recorder(token_server(["t1", "t2"], lifetime=100))
    client = client_for(rec, clock)
    client.post_statements(oauth_destination(), [b"{}"])
    clock.now += 60  # within lifetime minus the 30 s margin
    client.post_statements(oauth_destination(), [b"{}"])
    clock.now += 15  # 75 s: inside the margin
    client.post_statements(oauth_destination(), [b"{}"])
    auths = [r.headers["Authorization"] for r in rec.requests if r.url.host == "lrs.example"]
    assert auths == ["Bearer t1", "Bearer t1", "Bearer t2"]


def test_oauth_401_with_a_cached_token_fetches_one_new_token_and_repeats_once():
    answers = {"t1": 200, "t2": 200}
    revoked: set[str] = set()

    def lrs(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(401 if token in revoked else answers.get(token, 401))

    rec = Recorder(token_server(["t1", "t2", "t3"], lrs=lrs))
    client = client_for(rec)
    assert client.post_statements(oauth_destination(), [b"{}"]).status == 200
    revoked.add("t1")
    assert client.post_statements(oauth_destination(), [b"{}"]).status == 200
    hosts = [(r.url.host, r.headers.get("Authorization")) for r in rec.requests]
    assert [h for h, _ in hosts] == [
        "auth.example",
        "lrs.example",
        "lrs.example",
        "auth.example",
        "lrs.example",
    ]
    # a third token is never needed: the new one is cached
    assert client.post_statements(oauth_destination(), [b"{}"]).status == 200
    assert [r.url.host for r in rec.requests].count("auth.example") == 2
    assert rec.requests[-1].headers["Authorization"] == "Bearer t2"


def test_oauth_401_again_after_the_refresh_is_returned_not_looped():
    rec = Recorder(token_server(["t1", "t2", "t3", "t4"], lrs=lambda r: httpx.Response(401)))
    client = client_for(rec)
    assert client.post_statements(oauth_destination(), [b"{}"]).status == 401
    first = len(rec.requests)
    assert first == 2  # a fresh token refused: no second fetch
    assert client.post_statements(oauth_destination(), [b"{}"]).status == 401
    assert len(rec.requests) - first <= 3  # at most one refetch and one repeat


@pytest.mark.parametrize("status", [400, 401])
def test_oauth_token_refused_reads_as_credentials_refused_without_the_secret(status):
    rec = Recorder(httpx.Response(status, json={"error": "invalid_client"}))
    outcome = client_for(rec).post_statements(oauth_destination(), [b"{}"])
    assert isinstance(outcome, Answer) and outcome.status == 401
    assert SECRET.encode() not in outcome.body


def test_oauth_token_endpoint_down_is_a_transient_failure():
    rec = Recorder(httpx.Response(503))
    outcome = client_for(rec).post_statements(oauth_destination(), [b"{}"])
    assert isinstance(outcome, NetworkFailure)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.RemoteProtocolError("peer closed"), "reset"),
        (httpx.ReadError("reset by peer"), "reset"),
    ],
)
def test_network_errors_become_failures_of_the_right_kind(error, kind):
    outcome = client_for(Recorder(error)).post_statements(destination(), [b"{}"])
    assert isinstance(outcome, NetworkFailure)
    assert outcome.kind == kind


def test_a_secret_in_an_error_message_is_redacted():
    error = httpx.ConnectError(f"cannot connect with {SECRET}")
    outcome = client_for(Recorder(error)).post_statements(destination(), [b"{}"])
    assert SECRET not in outcome.message


def test_secret_never_shows_in_destination_or_auth_repr():
    assert SECRET not in repr(destination())
    assert SECRET not in repr(oauth_destination())


def test_changed_credentials_get_a_new_auth():
    rec = Recorder()
    client = client_for(rec)
    client.post_statements(destination(auth=LrsAuth("bearer", "", "old")), [b"{}"])
    client.post_statements(destination(auth=LrsAuth("bearer", "", "new")), [b"{}"])
    assert [r.headers["Authorization"] for r in rec.requests] == ["Bearer old", "Bearer new"]
