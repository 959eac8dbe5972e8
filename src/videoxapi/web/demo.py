"""`/demo`: the plugin on a short clip, with a live panel of the statements it produces.

The page gets a viewer token minted here for a demo user of the default site (as an
integrator's server would), a fresh registration per visit (so each visit shows the
whole story: milestones, completion), and polls `/demo/statements` for what became of
its session: statements still in the outbox (queued, retrying, dead) from the store,
and delivered ones from the site's LRS itself, since the outbox forgets a statement
once it is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from videoxapi.delivery.client import HttpConfig, LrsClient, make_http_client, statements_url
from videoxapi.delivery.decisions import Answer
from videoxapi.service.sites import ensure_site, load_settings, token_secret
from videoxapi.store.base import Destination
from videoxapi.tokens import InvalidToken, mint_viewer_token, verify_viewer_token
from videoxapi.tracking.state import SessionState
from videoxapi.web.config import ServiceConfig
from videoxapi.web.errors import BEARER, ApiError, JsonResponse
from videoxapi.xapi.identity import statement_id
from videoxapi.xapi.vocabulary import SESSION_ID

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
DEMO_USER = "demo-viewer"
DEMO_EMAIL = "demo.viewer@example.org"
DEMO_NAME = "Demo viewer"
ENTRY = {"id": "demo-clip", "title": "videoxapi demo clip", "duration": 24.0}
ADAPTERS = ("html5", "quartiles")
ADMIN_PAGE = "/admin/config/tab/xapi"


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """Whether the demo can show statements arriving, and if not, why not."""

    ready: bool
    problem: str
    beacon_interval: str


def site_status(settings: Any) -> SiteStatus:
    if settings is None:
        return SiteStatus(False, "the site has no settings yet", "quarters")
    mode = settings.beacon_interval
    if not settings.enabled:
        return SiteStatus(False, "tracking is turned off (enabled: No)", mode)
    if not settings.endpoint:
        return SiteStatus(False, "no LRS endpoint is set", mode)
    return SiteStatus(True, "", mode)


def _summary(statement: dict[str, Any]) -> dict[str, Any]:
    """What the panel shows of a statement: verb, where in the video, how far."""
    verb = statement.get("verb", {})
    result = statement.get("result") or {}
    extensions = result.get("extensions") or {}
    short = {key.rsplit("/", 1)[-1]: value for key, value in extensions.items()}
    return {
        "id": statement.get("id"),
        "verb": (verb.get("display") or {}).get("en-US") or verb.get("id", "?").rsplit("/", 1)[-1],
        "timestamp": statement.get("timestamp"),
        "time": short.get("time"),
        "timeFrom": short.get("time-from"),
        "timeTo": short.get("time-to"),
        "progress": short.get("progress"),
        "segments": short.get("played-segments"),
        "completion": result.get("completion"),
        "statement": statement,
    }


def install(app: FastAPI) -> None:
    config: ServiceConfig = app.state.config
    store = app.state.store
    site = config.default_site
    lrs = LrsClient(make_http_client(HttpConfig(connect=2.0, read=5.0, write=5.0, pool=5.0)))

    async def demo_page(request: Request, adapter: str = Query("html5")) -> Response:
        if adapter not in ADAPTERS:
            raise ApiError(400, f"adapter must be one of {', '.join(ADAPTERS)}")

        def prepare() -> tuple[str, SiteStatus]:
            ensure_site(store, site)
            secret = token_secret(store, site)
            assert secret is not None  # ensure_site made one
            token = mint_viewer_token(
                secret, site=site, user_id=DEMO_USER, email=DEMO_EMAIL, name=DEMO_NAME
            )
            return token, site_status(load_settings(store, site))

        token, status = await run_in_threadpool(prepare)
        context = {
            "token": token,
            "endpoint": config.public_url.rstrip("/"),
            "entry": ENTRY,
            "adapter": adapter,
            "registration": str(uuid4()),
            "site": site,
            "status": status,
            "admin_page": ADMIN_PAGE,
        }
        return TEMPLATES.TemplateResponse(request, "demo.html", context)

    async def demo_statements(
        request: Request,
        session: str = Query(min_length=1, max_length=200),
        registration: str = Query("", max_length=64),
    ) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "the demo's viewer token is required", BEARER)
        answer = await run_in_threadpool(_statements, token.strip(), session, registration)
        return JsonResponse(answer)

    def _statements(token: str, session: str, registration: str) -> dict[str, Any]:
        secret = token_secret(store, site)
        if secret is None:
            raise InvalidToken("the site has no token secret")
        viewer = verify_viewer_token(token, secret, site=site)
        raw, _ = store.load_tracking(site, session)
        if raw is None:
            return {"session": session, "statements": [], "lrs": None}
        if SessionState.from_bytes(raw).user["id"] != viewer.user_id:
            raise ApiError(403, "this session belongs to another user")
        session_statement = str(statement_id(site, session, 0, "initialized", 0))
        rows: dict[str, dict[str, Any]] = {}
        for item in store.session_statements(site, UUID(session_statement)):
            entry = rows.setdefault(
                str(item.statement_id), _summary(orjson.loads(item.body)) | {"state": "queued"}
            )
            if item.state == "dead":
                entry["state"], entry["error"] = "dead", item.last_error
            elif item.attempts and entry["state"] != "dead":
                entry["state"], entry["error"] = "retrying", item.last_error
        lrs_note = None
        destination = _primary(site)
        if destination is not None and registration:
            found, lrs_note = _in_lrs(destination, registration, session_statement)
            for statement in found:
                key = str(statement.get("id"))
                if key not in rows or rows[key]["state"] == "queued":
                    rows[key] = _summary(statement) | {"state": "delivered"}
        ordered = sorted(rows.values(), key=lambda r: (r["timestamp"] or "", r["id"]))
        return {"session": session, "statements": ordered, "lrs": lrs_note}

    def _primary(site_id: str) -> Destination | None:
        destinations = store.list_destinations(site_id)
        primary = [d for d in destinations if d.name == "primary"]
        return (primary or destinations or [None])[0]

    def _in_lrs(
        destination: Destination, registration: str, session_statement: str
    ) -> tuple[list[dict[str, Any]], str | None]:
        outcome = lrs.request(
            destination,
            "GET",
            statements_url(destination.endpoint),
            params={"registration": registration, "limit": "500"},
        )
        if not isinstance(outcome, Answer):
            return [], f"the LRS could not be asked: {outcome.message}"
        if outcome.status != 200:
            return [], f"the LRS answered HTTP {outcome.status}"
        try:
            found = orjson.loads(outcome.body).get("statements", [])
        except (orjson.JSONDecodeError, AttributeError):
            return [], "the LRS answered something that is not a statement list"
        mine = [
            s
            for s in found
            if ((s.get("context") or {}).get("extensions") or {}).get(SESSION_ID)
            == session_statement
        ]
        return mine, None

    app.add_api_route("/demo", demo_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/demo/statements", demo_statements, methods=["GET"], include_in_schema=False)
