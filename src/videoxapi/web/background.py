"""What runs beside the API in one process: the delivery worker and the idle reaper.

The worker is delivery's own `Worker` in a thread (it blocks on HTTP and the store);
the reaper is a task that hands each round to a thread. Both stop cleanly with the app.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI

from videoxapi.delivery import HttpConfig, LrsClient, Worker, make_http_client
from videoxapi.errors import VideoxapiError
from videoxapi.service.viewing import reap
from videoxapi.store.base import Store
from videoxapi.web.config import ServiceConfig

log = logging.getLogger(__name__)
HISTORY_KEPT = timedelta(hours=2)


@dataclass
class Running:
    """One background part and how to stop it."""

    name: str
    stop: Callable[[], None]
    done: Callable[[], bool]
    join: Callable[[], None]


def start(app: FastAPI) -> list[Running]:
    config: ServiceConfig = app.state.config
    parts = []
    if config.run_worker:
        parts.append(_start_worker(app.state.store))
    if config.run_reaper:
        parts.append(_start_reaper(app.state.store, app.state.clock, config))
    return parts


async def stop(parts: list[Running]) -> None:
    for part in parts:
        part.stop()
    for part in parts:
        await asyncio.to_thread(part.join)


def _start_worker(store: Store) -> Running:
    http = make_http_client(HttpConfig())
    worker = Worker(store, LrsClient(http, HttpConfig()))

    def run() -> None:
        try:
            worker.run()
        finally:
            http.close()

    thread = threading.Thread(target=run, name="delivery-worker", daemon=True)
    thread.start()
    return Running("worker", worker.stop, lambda: not thread.is_alive(), thread.join)


def reap_once(store: Store, now: datetime) -> int:
    """Close the sessions idle past their site's timeout; drop old delivery history."""
    closed = reap(store, now, store.list_sites())
    store.forget_history(now - HISTORY_KEPT)
    return closed


def _start_reaper(store: Store, clock: Callable[[], datetime], config: ServiceConfig) -> Running:
    stopping = threading.Event()

    def run() -> None:
        while not stopping.wait(config.reaper_interval_seconds):
            try:
                closed = reap_once(store, clock())
                if closed:
                    log.info("closed %d idle sessions", closed)
            except VideoxapiError as exc:  # a store outage: try again next round
                log.error("reaper round failed: %s", exc)

    thread = threading.Thread(target=run, name="reaper", daemon=True)
    thread.start()
    return Running("reaper", stopping.set, lambda: not thread.is_alive(), thread.join)
