"""The delivery worker: outbox to LRSs, each destination in its own lane.

A supervisor loop asks the store which destinations have work due and keeps one lane
(a thread; `concurrency` of them) per such destination; a slow or hanging LRS only
holds its own lane. A lane claims a leased batch, POSTs it, lets `decide` judge the
answer, and settles the batch through the store in one call. A refused batch is split
in halves, recursively, until the refused statement is alone: only it is dead-lettered.
The worker never writes SQL; a crashed worker's leases expire and another worker
delivers the batch again (the LRS keeps one copy of each id).
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from videoxapi.delivery.client import LrsClient
from videoxapi.delivery.decisions import (
    Conflict,
    DeadLetter,
    Delivered,
    Pause,
    RetryAt,
    RetryPolicy,
    Split,
    decide,
    is_failure,
)
from videoxapi.delivery.metrics import DeliveryMetrics
from videoxapi.errors import StoreError
from videoxapi.store.base import Destination, OutboxItem, Rejected, Retry, Settlement, Store

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """How the worker batches and paces; seconds throughout.

    A batch leaves when `batch_size` statements are claimed or, while traffic trickles,
    `max_wait` after its first statement was claimed (never lingers when draining).
    A backlog is claimed `claim_size` at a time: each store transaction costs a few
    milliseconds whatever its size, so one claim and one settlement serve several POSTs.
    """

    batch_size: int = 100
    claim_size: int = 1000  # claimed and settled together, POSTed `batch_size` at a time
    max_wait: float = 1.0
    lease_seconds: float = 120.0
    poll_interval: float = 1.0
    concurrency: int = 1
    policy: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class _Outcome:
    """What became of one claimed batch, gathered across splits, settled at once."""

    delivered: list[int] = field(default_factory=list)
    retry: list[Retry] = field(default_factory=list)
    dead: list[Rejected] = field(default_factory=list)
    conflict: list[Rejected] = field(default_factory=list)
    pause: Pause | None = None
    # Once set, what is still unsent goes back unsent, due at this time, for this reason.
    hold: tuple[datetime, str] | None = None

    def settlement(self) -> Settlement:
        return Settlement(self.delivered, self.retry, self.dead, self.conflict)


class Worker:
    """Delivers the outbox; `run()` until `stop()`, or until idle."""

    def __init__(
        self,
        store: Store,
        client: LrsClient,
        config: WorkerConfig = WorkerConfig(),
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        metrics: DeliveryMetrics | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        self.metrics = metrics
        self._stop = threading.Event()
        self._lanes: dict[int, list[threading.Thread]] = {}
        self._due: dict[int, Destination] = {}  # replaced whole by the supervisor
        # Destinations whose failures in a row the store counts as zero for all we know;
        # the store hears of a success only for the others, so the hot path costs no write.
        self._clean: set[int] = set()
        self._lock = threading.Lock()

    # -- the supervisor -----------------------------------------------------------------

    def run(self, until_idle: bool = False) -> None:
        """Keep a lane busy for every destination with work due; with `until_idle`, return
        once nothing is left to deliver (paused destinations excepted)."""
        outage = 0  # store failures in a row: a database restart must not end the worker
        try:
            while not self._stop.is_set():
                try:
                    due = self.store.due_destinations(self.clock())
                    self._due = {destination.id: destination for destination in due}
                    for destination in due:
                        self._ensure_lanes(destination, until_idle)
                    if until_idle and not due and not self._busy() and self._drained():
                        return
                    outage = 0
                except StoreError as exc:
                    outage += 1
                    log.error("store unavailable (%s); trying again", exc)
                self._stop.wait(self.config.poll_interval * min(2**outage, 60))
        finally:
            self._stop.set()
            self._join()

    def stop(self) -> None:
        """Finish the batches in flight, then return from `run` (safe from any thread)."""
        self._stop.set()

    def _ensure_lanes(self, destination: Destination, draining: bool) -> None:
        lanes = [t for t in self._lanes.get(destination.id, []) if t.is_alive()]
        while len(lanes) < self.config.concurrency:
            lane = threading.Thread(
                target=self._lane,
                args=(destination, draining),
                name=f"lane-{destination.id}-{len(lanes)}",
                daemon=True,
            )
            lane.start()
            lanes.append(lane)
        self._lanes[destination.id] = lanes

    def _busy(self) -> bool:
        return any(t.is_alive() for lanes in self._lanes.values() for t in lanes)

    def _drained(self) -> bool:
        """Nothing pending or leased, except at paused destinations."""
        now = self.clock()
        return not any(
            (s.pending or s.in_flight) and not (s.paused_until and s.paused_until > now)
            for s in self.store.stats()
        )

    def _join(self) -> None:
        for lanes in self._lanes.values():
            for lane in lanes:
                lane.join()

    # -- a lane ---------------------------------------------------------------------

    def _lane(self, destination: Destination, draining: bool) -> None:
        """Deliver batches to one destination until it has nothing due, pauses, or the
        worker stops.

        Pipelined: a helper thread of the lane settles the claim just sent and claims
        the next one while the lane POSTs (SQLite and psycopg release the GIL while
        the database works, so the store's time and the HTTP client's overlap). What
        was claimed ahead of a failure goes back unsent, as the rest of a claim does."""
        store_work = ThreadPoolExecutor(1, thread_name_prefix=f"lane-{destination.id}-store")

        def settle(outcome: _Outcome) -> None:
            store_work.submit(self._settle, destination, outcome).add_done_callback(_log_failure)

        try:
            items = self._claim(destination, draining)
            while items:
                next_claim = store_work.submit(self._claim, destination, draining)
                outcome = self._send_all(destination, items)
                settle(outcome)
                items = next_claim.result()
                # The supervisor's latest look: a destination paused by an administrator
                # stops here, and new credentials or endpoint take effect here.
                current = self._due.get(destination.id)
                halt = self._halt_reason(outcome, current)
                hold = outcome.hold or ((self.clock(), halt) if halt else None)
                if hold is not None and items:
                    settle(_Outcome(retry=[Retry([i.delivery_id for i in items], *hold)]))
                if halt is not None or current is None:
                    return
                destination = current
                if hold is not None:
                    # After a failure, as after any held claim: the next claim finds what
                    # is due now (the held ones wait for their retry time).
                    items = store_work.submit(self._claim, destination, draining).result()
        except Exception:
            # The leases expire and the batch is claimed again: nothing is lost.
            log.exception("delivery lane for destination %s failed", destination.id)
            self._stop.wait(self.config.poll_interval)
        finally:
            store_work.shutdown(wait=True)

    def _halt_reason(self, outcome: _Outcome, current: Destination | None) -> str | None:
        """Why the lane must stop after this claim, if it must."""
        if outcome.pause is not None:
            return outcome.pause.reason
        if self._stop.is_set():
            return "worker stopped"
        if current is None:
            return "destination paused or removed"
        return None

    def _claim(self, destination: Destination, draining: bool) -> list[OutboxItem]:
        size, lease = self.config.batch_size, self.config.lease_seconds
        limit = max(size, self.config.claim_size)
        items = self.store.claim(destination.id, limit, self.clock(), lease)
        if not items or draining or len(items) >= size or self.config.max_wait <= 0:
            return items
        # Trickling traffic: wait a little for a fuller batch.
        step = self.config.max_wait / 5
        waited = 0.0
        while len(items) < size and waited < self.config.max_wait:
            if self._stop.wait(step):
                break
            waited += step
            items += self.store.claim(destination.id, size - len(items), self.clock(), lease)
        return items

    def deliver(self, destination: Destination, items: Sequence[OutboxItem]) -> Pause | None:
        """Send claimed items `batch_size` at a time (splitting refused batches) and settle
        them all at once; the pause decided, if any."""
        outcome = self._send_all(destination, items)
        self._settle(destination, outcome)
        return outcome.pause

    def _send_all(self, destination: Destination, items: Sequence[OutboxItem]) -> _Outcome:
        outcome = _Outcome()
        size = self.config.batch_size
        # Settle well before the lease ends, or another worker would send them too.
        deadline = time.monotonic() + self.config.lease_seconds / 2
        for start in range(0, len(items), size):
            if outcome.hold is None and self._stop.is_set():
                outcome.hold = (self.clock(), "worker stopped")
            elif outcome.hold is None and time.monotonic() > deadline:
                outcome.hold = (self.clock(), "lease running out")
            self._send(destination, list(items[start : start + size]), outcome)
        return outcome

    def _settle(self, destination: Destination, outcome: _Outcome) -> None:
        if outcome.pause is not None:
            pause = outcome.pause
            self.store.pause_destination(destination.id, pause.until, pause.reason)
            level = logging.ERROR if pause.alert else logging.WARNING
            log.log(
                level,
                "%sdestination %s (%s) paused until %s: %s",
                "ALERT: " if pause.alert else "",
                destination.id,
                destination.name,
                pause.until.isoformat(),
                pause.reason,
            )
        self.store.settle(outcome.settlement(), self.clock())
        if self.metrics is not None:
            self.metrics.settled(destination, outcome.settlement(), outcome.pause)

    def _count_failure(self, destination: Destination, failed: bool) -> int:
        """Failed requests in a row to the destination before this one (kept in the store,
        so that every worker sees them)."""
        if failed:
            with self._lock:
                self._clean.discard(destination.id)
            return self.store.record_failure(destination.id) - 1
        with self._lock:
            known_clean = destination.id in self._clean
            self._clean.add(destination.id)
        if not known_clean:
            self.store.record_success(destination.id)
        return 0

    def _send(self, destination: Destination, items: list[OutboxItem], out: _Outcome) -> None:
        ids = [item.delivery_id for item in items]
        if out.hold is not None:  # a failing LRS gets no more of this claim
            out.retry.append(Retry(ids, *out.hold))
            return
        answer = self.client.post_statements(destination, [item.body for item in items])
        decision = decide(
            answer,
            batch_size=len(items),
            attempts=max(item.attempts for item in items) - 1,  # claim counted this one
            consecutive_failures=self._count_failure(destination, is_failure(answer)),
            now=self.clock(),
            policy=self.config.policy,
            rng=self.rng,
        )
        match decision:
            case Delivered():
                out.delivered.extend(ids)
            case RetryAt(at=at, reason=reason):
                out.retry.append(Retry(ids, at, reason))
                out.hold = (at, reason)
            case Split():
                middle = len(items) // 2
                self._send(destination, items[:middle], out)
                self._send(destination, items[middle:], out)
            case DeadLetter(reason=reason, status=status):
                out.dead.append(Rejected(ids[0], reason, status))
            case Conflict(reason=reason, status=status):
                out.conflict.append(Rejected(ids[0], reason, status))
            case Pause():
                # The destination's pause holds them back; resuming it sends them at once.
                out.pause = decision
                out.hold = (self.clock(), decision.reason)
                out.retry.append(Retry(ids, *out.hold))


def _log_failure(settled: Future[None]) -> None:
    failure = settled.exception()
    if failure is not None:  # the leases expire and the batch is delivered again
        log.error("settling a batch failed: %s", failure)


def stop_on_signals(worker: Worker) -> None:
    """SIGTERM and SIGINT stop the worker gracefully (call from the main thread)."""

    def handle(signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the batches in flight", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
