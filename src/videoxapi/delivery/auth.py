"""How requests to an LRS are authenticated, written as httpx `Auth` flows.

A flow only builds requests and reads answers; httpx does the I/O. That keeps the OAuth
logic (fetch a token, cache it until shortly before it expires, fetch again once on a
401) testable with `httpx.MockTransport` and usable from any client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx
import orjson

from videoxapi.errors import DeliveryError
from videoxapi.store.base import LrsAuth


class TokenRefused(DeliveryError):
    """The token endpoint refused the client credentials (a 4xx): an administrator's job."""


class TokenUnavailable(DeliveryError):
    """The token endpoint failed (5xx, unreadable answer): try again later."""


class BearerAuth(httpx.Auth):
    """A fixed personal token."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth 2.0 client-credentials grant (RFC 6749 section 4.4), the token cached.

    The token is reused until `margin` seconds before its `expires_in`; a 401 to a request
    made with a cached token fetches a new one and repeats the request once.
    """

    requires_response_body = True

    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin: float = 30.0,
        default_lifetime: float = 300.0,
    ) -> None:
        self._token_endpoint = token_endpoint
        self._client_auth = httpx.BasicAuth(client_id, client_secret)
        self._clock = clock
        self._margin = margin
        self._default_lifetime = default_lifetime
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._cached()
        fresh = token is None
        if token is None:
            token = self._accept((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self._forget(token)
            token = self._accept((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def _cached(self) -> str | None:
        with self._lock:
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            return None

    def _forget(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def _token_request(self) -> httpx.Request:
        request = httpx.Request(
            "POST",
            self._token_endpoint,
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        return next(self._client_auth.auth_flow(request))

    def _accept(self, response: httpx.Response) -> str:
        """Read and cache the token of a token-endpoint answer, or raise."""
        status = response.status_code
        if 400 <= status < 500:
            raise TokenRefused(f"token endpoint refused the client credentials (HTTP {status})")
        if status != 200:
            raise TokenUnavailable(f"token endpoint answered HTTP {status}")
        try:
            data = orjson.loads(response.content)
            token = data["access_token"]
            lifetime = float(data.get("expires_in") or self._default_lifetime)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise TokenUnavailable("token endpoint answer has no access_token") from None
        if not isinstance(token, str) or not token:
            raise TokenUnavailable("token endpoint answer has no access_token")
        with self._lock:
            self._token = token
            # Never cache for less than nothing: a short-lived token is used at once.
            self._expires_at = self._clock() + max(lifetime - self._margin, 0.0)
        return token


def auth_for(auth: LrsAuth, clock: Callable[[], float] = time.monotonic) -> httpx.Auth:
    """The httpx auth of a destination's `LrsAuth`."""
    if auth.kind == "basic":
        return httpx.BasicAuth(auth.key, auth.secret)
    if auth.kind == "bearer":
        return BearerAuth(auth.secret)
    if auth.kind == "oauth":
        return ClientCredentialsAuth(auth.token_endpoint, auth.key, auth.secret, clock=clock)
    raise DeliveryError(f"unknown authentication kind {auth.kind!r}")
