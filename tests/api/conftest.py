"""The service through its HTTP edge: the real app (`create_app`) on a real store
(SQLite, and PostgreSQL when available), driven by httpx over `ASGITransport`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from support.viewing import Viewer

from videoxapi.service.sites import ensure_site, rotate_api_key, token_secret
from videoxapi.store import SqlStore
from videoxapi.tokens import mint_viewer_token
from videoxapi.web.app import create_app
from videoxapi.web.config import ServiceConfig

SITE = "default"
ENABLED = {
    "enabled": True,
    "endpoint": "https://lrs.example.com/xapi/",
    "siteUrl": "https://video.example.com",
    "key": "key",
    "secret": "secret",
}


class Clock:
    """The service's clock: real time (tokens are checked against it), movable ahead."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Api:
    """A synchronous handle on the app: one event loop, one httpx client."""

    store: SqlStore
    clock: Clock
    config: ServiceConfig
    app: FastAPI
    client: httpx.AsyncClient
    loop: asyncio.AbstractEventLoop
    site: str = SITE

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    # -- identities ---------------------------------------------------------------

    def token(self, user_id: str = "u1", site: str | None = None, **claims: Any) -> str:
        claims.setdefault("email", f"{user_id}@example.com")
        secret = token_secret(self.store, site or self.site)
        assert secret is not None
        return mint_viewer_token(secret, site=site or self.site, user_id=user_id, **claims)

    def auth(self, user_id: str = "u1", **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, **claims)}"}

    def api_key(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {rotate_api_key(self.store, self.site)}"}

    def configure(self, **changes: Any) -> None:
        """Save the site's settings (ENABLED plus `changes`), as the admin page does."""
        self.store.save_settings(self.site, orjson.dumps(ENABLED | changes))
        self.app.state.sites.invalidate()

    # -- viewing ------------------------------------------------------------------

    def start(self, viewer: Viewer, headers: dict[str, str] | None = None) -> httpx.Response:
        event = viewer.start()[0]
        event.pop("user")
        return self.post("/api/v1/sessions", json=event, headers=headers or self.auth())

    def send(
        self, viewer: Viewer, events: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.post(
            f"/api/v1/sessions/{viewer.session}/events",
            json={"events": events},
            headers=headers or self.auth(),
        )

    # -- what was written ------------------------------------------------------------

    def snapshot(self, session: str = "s1") -> tuple[Any, ...]:
        """Everything a request could have changed: outbox counts and tracker state."""
        stats = [(s.destination_id, s.pending, s.delivered, s.dead) for s in self.store.stats()]
        return (stats, self.store.load_tracking(self.site, session))

    def statements(self) -> list[dict[str, Any]]:
        """Every statement in the outbox, in the order they were enqueued."""
        destination = self.store.list_destinations(self.site)[0]
        # far ahead: what the reaper wrote "later" is due too
        items = self.store.claim(destination.id, 100_000, self.clock() + timedelta(days=1), 600)
        return [orjson.loads(item.body) for item in sorted(items, key=lambda i: i.delivery_id)]


def make_api(store: SqlStore, config: ServiceConfig | None = None) -> Iterator[Api]:
    ensure_site(store, SITE)
    store.save_settings(SITE, orjson.dumps(ENABLED))
    clock = Clock()
    config = config or ServiceConfig(max_events_per_batch=50, max_body_bytes=64 * 1024)
    app = create_app(config, store, background=False, clock=clock)
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")
    try:
        yield Api(store, clock, config, app, client, loop)
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()


@pytest.fixture
def api(store: SqlStore) -> Iterator[Api]:
    """The app on a fresh store (each backend), its default site enabled."""
    yield from make_api(store)


@pytest.fixture
def nothing_written(api: Api) -> Callable[..., str]:
    """Assert a request was refused with `status`, a JSON error, and no change."""

    def check(send: Callable[[], httpx.Response], status: int, session: str = "s1") -> str:
        before = api.snapshot(session)
        answer = send()
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert isinstance(body.get("error"), str) and body["error"]
        assert api.snapshot(session) == before
        return str(body["error"])

    return check
