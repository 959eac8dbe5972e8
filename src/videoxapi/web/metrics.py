"""Prometheus metrics of the service: requests, events, statements, and the outbox.

One registry per app (no module-level singletons): two apps in one test process keep
their own counts. Outbox gauges are read from `store.stats()` at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videoxapi.store.base import Store


class OutboxCollector(Collector):
    """Per-destination outbox gauges, fresh at each scrape."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        labels = ["site", "destination"]
        families = {
            name: GaugeMetricFamily(f"videoxapi_outbox_{name}", text, labels=labels)
            for name, text in (
                ("pending", "Deliveries waiting to be sent."),
                ("oldest_pending_age_seconds", "Age of the oldest pending delivery."),
                ("delivered", "Deliveries the LRS accepted (kept until pruned)."),
                ("failed", "Pending deliveries that failed at least once."),
                ("dead", "Dead letters awaiting an administrator."),
            )
        }
        now = self.clock()
        for s in self.store.stats():
            key = [s.site_id, s.name]
            oldest = (now - s.oldest_pending_at).total_seconds() if s.oldest_pending_at else 0.0
            families["pending"].add_metric(key, s.pending + s.in_flight)
            families["oldest_pending_age_seconds"].add_metric(key, max(oldest, 0.0))
            families["delivered"].add_metric(key, s.delivered)
            families["failed"].add_metric(key, s.failed)
            families["dead"].add_metric(key, s.dead)
        yield from families.values()


class ServiceMetrics:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "videoxapi_http_requests",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.events_applied = Counter(
            "videoxapi_events_applied", "Events applied.", ["kind"], registry=self.registry
        )
        self.events_duplicate = Counter(
            "videoxapi_events_duplicate", "Events already seen (retries).", registry=self.registry
        )
        self.statements_enqueued = Counter(
            "videoxapi_statements_enqueued", "Statements written to the outbox.",
            registry=self.registry,
        )  # fmt: skip
        self.registry.register(OutboxCollector(store, clock))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def count_request(self, method: str, route: object, status: int) -> None:
        """One response, by route template: session ids never become label values."""
        self.requests.labels(method, getattr(route, "path", "unmatched"), str(status)).inc()


class RequestCounter:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): counts each response."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], ServiceMetrics]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics().count_request(scope["method"], scope.get("route"), status[0])
