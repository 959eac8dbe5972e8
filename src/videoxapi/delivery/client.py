"""The LRS client: POST pre-serialized batches, turn whatever happens into an `Outcome`.

The `httpx.Client` is injected (pooled connections, shared by every destination); each
request carries its own connect/read/write/pool timeouts. Errors of httpx stop here:
callers get an `Answer` or a `NetworkFailure`, never an httpx exception, and never a
secret in a message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from videoxapi.delivery.auth import TokenRefused, TokenUnavailable, auth_for
from videoxapi.delivery.decisions import Answer, NetworkFailure, Outcome
from videoxapi.store.base import Destination, LrsAuth


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """Timeouts (seconds) and pool size of the shared HTTP client."""

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0
    max_connections: int = 32

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def make_http_client(config: HttpConfig = HttpConfig()) -> httpx.Client:
    """The process's one HTTP client: pooled keep-alive connections, no redirects."""
    limits = httpx.Limits(
        max_connections=config.max_connections, max_keepalive_connections=config.max_connections
    )
    return httpx.Client(timeout=config.timeout, limits=limits, follow_redirects=False)


def statements_url(endpoint: str) -> str:
    """`<endpoint>/statements` with exactly one slash between them."""
    return endpoint.rstrip("/") + "/statements"


def resource_url(endpoint: str, resource: str) -> str:
    return endpoint.rstrip("/") + "/" + resource.lstrip("/")


def batch_body(bodies: Sequence[bytes]) -> bytes:
    """A JSON array of the statements' exact bytes, without parsing or re-serializing."""
    return b"[" + b",".join(bodies) + b"]"


class LrsClient:
    """Talks to LRSs over one injected `httpx.Client`; keeps each destination's auth (and
    so its cached OAuth token)."""

    def __init__(
        self,
        http: httpx.Client,
        config: HttpConfig = HttpConfig(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._timeout = config.timeout
        self._clock = clock
        self._auths: dict[tuple[int, LrsAuth], httpx.Auth] = {}
        self._lock = threading.Lock()

    def auth(self, destination: Destination) -> httpx.Auth:
        key = (destination.id, destination.auth)
        with self._lock:
            auth = self._auths.get(key)
            if auth is None:
                auth = self._auths[key] = auth_for(destination.auth, self._clock)
            return auth

    def headers(self, destination: Destination) -> dict[str, str]:
        return {
            "X-Experience-API-Version": destination.xapi_version,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def post_statements(self, destination: Destination, bodies: Sequence[bytes]) -> Outcome:
        """POST the statements as one JSON array to `<endpoint>/statements`."""
        return self.request(
            destination, "POST", statements_url(destination.endpoint), content=batch_body(bodies)
        )

    def request(
        self,
        destination: Destination,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        authenticated: bool = True,
    ) -> Outcome:
        """One request; its answer, or what went wrong on the way, as an `Outcome`."""
        try:
            response = self._http.request(
                method,
                url,
                content=content,
                params=params,
                headers=self.headers(destination),
                auth=self.auth(destination) if authenticated else None,
                timeout=self._timeout,
            )
        except TokenRefused as exc:
            # The credentials are wrong, as surely as a 401 from the LRS itself.
            return Answer(401, {}, str(exc).encode())
        except TokenUnavailable as exc:
            return NetworkFailure("protocol", str(exc))
        except httpx.HTTPError as exc:
            return network_failure(exc, destination.auth)
        return Answer(response.status_code, response.headers, response.content)


def network_failure(exc: httpx.HTTPError, auth: LrsAuth) -> NetworkFailure:
    """An httpx error as a `NetworkFailure`, its message cleared of any secret."""
    if isinstance(exc, httpx.TimeoutException):
        kind = "timeout"
    elif isinstance(exc, httpx.ConnectError):
        kind = "connect"
    elif isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        kind = "reset"
    else:
        kind = "protocol"
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return NetworkFailure(kind, redact(message, auth))


def redact(text: str, auth: LrsAuth) -> str:
    if auth.secret:
        text = text.replace(auth.secret, "***")
    return text
