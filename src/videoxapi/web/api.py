"""The HTTP API (SPEC section 6): viewing sessions, event batches, the activity API,
health and metrics.

Bodies are read raw (bounded by `max_body_bytes`, from Content-Length and again while
streaming) and validated by pydantic straight from the bytes; the OpenAPI document
still describes them. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from videoxapi.errors import StoreError
from videoxapi.service import viewing
from videoxapi.service.activity import record_activity
from videoxapi.service.directory import SiteDirectory
from videoxapi.service.viewing import Counts
from videoxapi.tokens import VerifiedTokens
from videoxapi.web import auth
from videoxapi.web import models as m
from videoxapi.web.config import ServiceConfig
from videoxapi.web.direct_routes import DirectRoutes
from videoxapi.web.errors import ApiError, JsonResponse, error_response
from videoxapi.web.metrics import RequestCounter, ServiceMetrics
from videoxapi.web.write_groups import WriteGroups

VIEWER = [{"viewerToken": []}]
MAX_SESSION_ID = 200
API_KEY = [{"siteApiKey": []}]


def _body_doc(schema: str, example: dict[str, Any]) -> dict[str, Any]:
    content = {"schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example}
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": m.ErrorAnswer} for status in statuses}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as the stream exceeds `limit` (a client may
    send no Content-Length, or a false one)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes")
    return bytes(body)


def _check_length(request: Request, limit: int) -> None:
    """Refuse a declared oversize body before reading a byte of it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes")


class OwnBodyRoute(APIRoute):
    """A route whose endpoint reads and checks the request itself.

    FastAPI still documents it from its signature and `openapi_extra`, but a request
    skips dependency solving and response validation: on the event-batch path those
    cost about as much as the store's whole transaction. The endpoint is called with
    the request and the path's parameters, and checks them itself.
    """

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            return await endpoint(request, **request.path_params)  # type: ignore[no-any-return]

        return handle


def _check_session_id(value: str) -> None:
    """The URL's session id, checked as its documented `Path(max_length=...)` says."""
    if len(value) > MAX_SESSION_ID:
        raise ApiError(422, f"session: at most {MAX_SESSION_ID} characters")


def _counts(counts: Counts) -> JsonResponse:
    return JsonResponse(
        {"applied": counts.applied, "duplicates": counts.duplicates, "enabled": counts.enabled}
    )


def store_caller(store: Any) -> Callable[..., Awaitable[Any]]:
    """How a request runs its store work: SQLite's writers take turns anyway, and its
    short transactions are cheapest inline, the requests of one turn of the event loop
    sharing one (`write_groups`); a server database waits on the network and its WAL
    flush, so many requests' transactions overlap in the thread pool."""
    if getattr(store, "dialect_name", "sqlite") == "sqlite":
        return WriteGroups(store)
    return run_in_threadpool


def make_router(app: FastAPI) -> APIRouter:
    config: ServiceConfig = app.state.config
    store = app.state.store
    clock = app.state.clock
    directory: SiteDirectory = app.state.sites
    verified = VerifiedTokens()
    metrics: ServiceMetrics = app.state.metrics
    limit = config.max_body_bytes
    events_model = m.batch_model("EventBatch", m.AnyPlayerEvent, config.max_events_per_batch)
    activity_model = m.batch_model("ActivityBatch", m.AnyActivityEvent, config.max_events_per_batch)
    app.state.api_schemas = {"EventBatch": events_model, "ActivityBatch": activity_model}
    router = APIRouter(route_class=OwnBodyRoute)  # the three bodies of events
    on_store = store_caller(store)

    def counted(counts: Counts, kind: str) -> None:
        metrics.events_applied.labels(kind).inc(counts.applied)
        metrics.events_duplicate.inc(counts.duplicates)
        metrics.statements_enqueued.inc(counts.statements)

    @router.post(
        "/api/v1/sessions",
        summary="Start a viewing session",
        description="Body: a start event (SPEC section 8) without `user` or `site`: the "
        "viewer comes from the token. Repeating it with the same `session` is harmless.",
        response_model=m.StartAnswer,
        responses=_errors(400, 401, 403, 413, 422),
        openapi_extra=_body_doc("StartEvent", m.START_EXAMPLE) | {"security": VIEWER},
    )
    async def start_session(request: Request) -> Response:
        _check_length(request, limit)
        now = clock()
        who = auth.viewer(request, directory, now, verified)
        event = m.parse(m.START_ADAPTER.validate_json, await read_body(request, limit))
        settings = directory.settings(who.site)
        started = await on_store(
            viewing.start_session, store, who.site, who, event, now, settings=settings
        )
        metrics.events_applied.labels("start").inc(1 if started.statements else 0)
        metrics.statements_enqueued.inc(started.statements)
        return JsonResponse(
            {
                "session": started.session,
                "enabled": started.enabled,
                "beaconInterval": started.beacon_interval,
            }
        )

    @router.post(
        "/api/v1/sessions/{session}/events",
        summary="Post a batch of player events",
        description="Applied in `seq` order; a `seq` seen before counts as a duplicate. "
        "An `end` event ends the session; events after it are refused (409).",
        response_model=m.CountsAnswer,
        responses=_errors(400, 401, 403, 404, 409, 413, 422),
        openapi_extra=_body_doc("EventBatch", m.EVENTS_EXAMPLE) | {"security": VIEWER},
    )
    async def post_events(
        request: Request, session: str = Path(min_length=1, max_length=MAX_SESSION_ID)
    ) -> Response:
        _check_session_id(session)
        _check_length(request, limit)
        now = clock()
        who = auth.viewer(request, directory, now, verified)
        batch = m.parse(events_model.model_validate_json, await read_body(request, limit))
        settings = directory.settings(who.site)
        counts = await on_store(
            viewing.post_events, store, who.site, who, session, batch.events, now, settings=settings
        )
        counted(counts, "player")
        return _counts(counts)

    @router.post(
        "/api/v1/activity",
        summary="Post platform and quiz events (server to server)",
        description="Authenticated by the site's API key. Statement ids derive from "
        "(site, event id): a retried call stores nothing new.",
        response_model=m.CountsAnswer,
        responses=_errors(400, 401, 413, 422),
        openapi_extra=_body_doc("ActivityBatch", m.ACTIVITY_EXAMPLE) | {"security": API_KEY},
    )
    async def post_activity(request: Request) -> Response:
        _check_length(request, limit)
        now = clock()
        site = auth.api_key_site(request, store)
        raw = await read_body(request, limit)
        batch = m.parse(activity_model.model_validate_json, raw, m.ACTIVITY_TYPES)
        counts = await on_store(
            record_activity, store, site, batch.events, now, settings=directory.settings(site)
        )
        counted(counts, "activity")
        return _counts(counts)

    return router


def make_status_router(app: FastAPI) -> APIRouter:
    """Health and metrics: ordinary FastAPI routes."""
    config: ServiceConfig = app.state.config
    store = app.state.store
    metrics: ServiceMetrics = app.state.metrics
    router = APIRouter()

    @router.get(
        "/healthz",
        summary="Is the store reachable",
        response_model=m.HealthAnswer,
        responses=_errors(503),
    )
    async def healthz() -> Response:
        try:
            await run_in_threadpool(store.load_settings, config.default_site)
        except StoreError:
            return error_response(503, "the store is not reachable")
        return JsonResponse({"status": "ok"})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        body = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


def _document(app: FastAPI) -> None:
    """Add the raw-parsed bodies' schemas and the two bearer schemes to OpenAPI."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        bodies: dict[str, dict[str, Any]] = {"StartEvent": m.start_schema()}
        for name, model in app.state.api_schemas.items():
            bodies[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, body in bodies.items():
            schemas.update(body.pop("$defs", {}))
            schemas[name] = body
        components.setdefault("securitySchemes", {}).update(
            {
                "viewerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "siteApiKey": {"type": "http", "scheme": "bearer"},
            }
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    config: ServiceConfig = app.state.config
    app.state.sites = SiteDirectory(app.state.store)
    app.state.metrics = ServiceMetrics(app.state.store, app.state.clock)
    events = make_router(app)
    app.include_router(events)
    app.include_router(make_status_router(app))
    _document(app)
    metrics = app.state.metrics
    origins = [o.strip() for o in config.cors_origins.split(",") if o.strip()]
    cors: dict[str, Any] = {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["Authorization", "Content-Type"],
        "allow_credentials": False,  # tokens, not cookies: the admin session stays same-site
        "max_age": 600,
    }
    app.add_middleware(RequestCounter, metrics=lambda: metrics)
    app.add_middleware(CORSMiddleware, **cors)
    app.add_middleware(
        DirectRoutes,
        routes=events.routes,  # all of route class OwnBodyRoute
        wrap=lambda endpoint: CORSMiddleware(endpoint, **cors),  # as the stack's
        handlers=app.exception_handlers,
        count=metrics.count_request,
    )
