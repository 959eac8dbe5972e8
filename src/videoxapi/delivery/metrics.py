"""Prometheus counters of delivery, per destination: one increment per settled batch.

Created against an injected registry (no import-time singletons); the label children
are cached so the hot path pays a dict lookup and an addition.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from videoxapi.delivery.decisions import Pause
from videoxapi.store.base import Destination, Settlement


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["destination"]
        self._delivered = Counter(
            "videoxapi_delivered_statements", "Statements the LRS took", labels, registry=registry
        )
        self._failed = Counter(
            "videoxapi_failed_statements",
            "Statements that will be retried",
            labels,
            registry=registry,
        )
        self._dead = Counter(
            "videoxapi_dead_statements",
            "Statements dead-lettered or in conflict",
            labels,
            registry=registry,
        )
        self._pauses = Counter(
            "videoxapi_destination_pauses", "Destination pauses", labels, registry=registry
        )
        self._children: dict[int, tuple[Counter, Counter, Counter, Counter]] = {}

    def settled(
        self, destination: Destination, settlement: Settlement, pause: Pause | None
    ) -> None:
        children = self._children.get(destination.id)
        if children is None:
            label = f"{destination.site_id}/{destination.name}"
            children = self._children[destination.id] = (
                self._delivered.labels(label),
                self._failed.labels(label),
                self._dead.labels(label),
                self._pauses.labels(label),
            )
        delivered, failed, dead, pauses = children
        if settlement.delivered:
            delivered.inc(len(settlement.delivered))
        retried = sum(len(r.delivery_ids) for r in settlement.retry)
        if retried:
            failed.inc(retried)
        if settlement.dead or settlement.conflict:
            dead.inc(len(settlement.dead) + len(settlement.conflict))
        if pause is not None:
            pauses.inc()
