"""Health, metrics, CORS and the OpenAPI document."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from support.viewing import Viewer

from videoxapi.store import open_store
from videoxapi.web.app import create_app
from videoxapi.web.config import ServiceConfig

from .conftest import Api


def test_healthz_is_ok_with_a_working_store(api: Api) -> None:
    answer = api.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_healthz_is_503_when_the_store_fails(tmp_path: Path) -> None:
    dead = open_store("postgresql://nobody@127.0.0.1:1/none", key_file=tmp_path / "k", env={})
    app = create_app(ServiceConfig(), dead, background=False)

    async def probe() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get("/healthz")

    answer = asyncio.run(probe())
    assert answer.status_code == 503
    assert answer.json()["error"] == "the store is not reachable"
    assert "nobody" not in answer.text


def test_metrics_count_requests_events_statements_and_the_outbox(api: Api) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    api.send(viewer, viewer.play() + viewer.watch(1))
    api.send(viewer, viewer.pause() + viewer.pause())
    text = api.get("/metrics").text
    assert (
        'videoxapi_http_requests_total{method="POST",route="/api/v1/sessions/{session}/events",'
        'status="200"} 2.0' in text
    )
    assert 'videoxapi_events_applied_total{kind="player"} 7.0' in text
    # initialized, played, progressed (first play), paused
    assert "videoxapi_statements_enqueued_total 4.0" in text
    assert 'videoxapi_outbox_pending{destination="primary",site="default"} 4.0' in text
    assert "videoxapi_outbox_oldest_pending_age_seconds" in text
    assert "videoxapi_outbox_dead" in text


def test_cross_origin_posts_with_a_token_are_allowed(api: Api) -> None:
    preflight = api.request(
        "OPTIONS",
        "/api/v1/sessions",
        headers={
            "Origin": "https://school.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = api.start(Viewer("s1"), headers={**api.auth(), "Origin": "https://lms.example.org"})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


def test_openapi_documents_the_bodies_and_answers(api: Api) -> None:
    document = api.get("/openapi.json").json()
    paths = document["paths"]
    start = paths["/api/v1/sessions"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StartEvent"
    }
    schemas = document["components"]["schemas"]
    assert "user" not in schemas["StartEvent"]["properties"]
    assert schemas["EventBatch"]["properties"]["events"]["maxItems"] == 50
    events = paths["/api/v1/sessions/{session}/events"]["post"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(events["responses"])
    assert "/api/v1/activity" in paths and "/healthz" in paths and "/metrics" in paths
    assert document["components"]["securitySchemes"]["viewerToken"]["scheme"] == "bearer"
