"""Shared by the benchmarks: a realistic viewing workload, and timing on one core.

The workload simulates learners really watching: a player reports `timeupdate` about
four times a second of wall-clock time while playing, so a session is mostly
timeupdates, with a few pauses, seeks, speed and other setting changes, an `ended`
when it reaches the end, and usually an `end` when the page is left. Sessions overlap
in time and the stream is ordered by event time, as a real event log would be.
"""

from __future__ import annotations

import heapq
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from videoxapi.settings import SiteSettings

BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()
TICK = 0.25  # seconds of wall-clock time between two timeupdates
DURATIONS = (95.0, 240.0, 480.0, 900.0, 1800.0)

SETTINGS_DATA: dict[str, Any] = {
    "enabled": True,
    "endpoint": "https://lrs.example.com/xapi/",
    "siteUrl": "https://videos.example.com",
    "key": "bench",
    "secret": "bench",
    "videoEndPercent": 95,
}


def settings(**changes: Any) -> SiteSettings:
    """The benchmark site: enabled, quarters beacons, finished at 95%."""
    return SiteSettings.parse(SETTINGS_DATA | changes)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def session_events(rng: random.Random, index: int) -> list[tuple[float, dict[str, Any]]]:
    """One viewing session as (time, event) pairs, in order."""
    session = f"session-{index}"
    duration = rng.choice(DURATIONS)
    clock = BASE + rng.uniform(0, 3600)
    user = {"id": f"user-{index % 997}", "email": f"user{index % 997}@example.com"}
    start = {
        "type": "start",
        "session": session,
        "at": _iso(clock),
        "entry": {
            "id": f"entry-{index % 211}",
            "title": f"Lecture {index % 211}",
            "duration": duration,
            "channel": {"id": "physics", "name": "Physics 101"},
        },
        "player": {"name": "videojs", "version": "8.10.0", "timeUpdates": True},
        "context": {"speed": 1.0, "volume": 0.8, "screenSize": "1920x1080"},
        "user": user,
    }
    out: list[tuple[float, dict[str, Any]]] = [(clock, start)]
    seq = 0
    position = 0.0
    speed = 1.0

    def emit(kind: str, **extra: Any) -> None:
        nonlocal seq
        seq += 1
        event = {
            "session": session,
            "seq": seq,
            "type": kind,
            "at": _iso(clock),
            "position": round(position, 3),
        }
        event.update(extra)
        out.append((clock, event))

    budget = duration * rng.choice((0.1, 0.3, 0.6, 1.0, 1.0, 1.2))  # media seconds to watch
    watched = 0.0
    clock += rng.uniform(0.5, 3)
    emit("play")
    while watched < budget and position < duration:
        clock += TICK
        step = TICK * speed
        position = min(position + step, duration)
        watched += step
        draw = rng.random()
        if draw < 0.0025:  # a pause, then resume a little later
            emit("pause")
            clock += rng.uniform(2, 90)
            emit("play")
        elif draw < 0.0035:
            target = round(rng.uniform(0, duration), 3)
            emit("seek", **{"from": round(position, 3), "to": target})
            position = target
        elif draw < 0.0040:
            speed = rng.choice((1.0, 1.25, 1.5, 2.0))
            emit("ratechange", speed=speed)
        elif draw < 0.0044:
            kind = rng.choice(("volumechange", "fullscreen", "captions", "quality"))
            extra: dict[str, Any] = {
                "volumechange": {"volume": round(rng.random(), 2)},
                "fullscreen": {"on": rng.random() < 0.5},
                "captions": {"on": True, "lang": "en"},
                "quality": {"value": rng.choice(("480p", "720p", "1080p"))},
            }[kind]
            emit(kind, **extra)
        else:
            emit("timeupdate")
    if position >= duration:
        emit("ended")
    else:
        emit("pause")
    if rng.random() < 0.85:  # most pages are left properly; the rest go idle
        clock += rng.uniform(1, 30)
        emit("end")
    return out


def workload(target_events: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """About `target_events` events of overlapping sessions, in time order."""
    rng = random.Random(seed)
    sessions: list[list[tuple[float, dict[str, Any]]]] = []
    total = index = 0
    while total < target_events:
        events = session_events(rng, index)
        sessions.append(events)
        total += len(events)
        index += 1
    for _, event in heapq.merge(*sessions, key=lambda pair: pair[0]):
        yield event


def write_ndjson(path: str, target_events: int, seed: int = 7) -> int:
    """Write the workload as NDJSON; returns the number of lines."""
    lines = 0
    with open(path, "wb") as sink:
        for event in workload(target_events, seed):
            sink.write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
            lines += 1
    return lines


def pin_to_one_core() -> int:
    """Run on one CPU so that figures are per core; returns the CPU chosen."""
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


@dataclass
class Measure:
    """Items per second over several repetitions: best and median of wall-clock time
    (`perf_counter`), and best of CPU time, which a busy neighbour on the core does not
    inflate."""

    name: str
    items: int
    seconds: list[float]
    cpu_seconds: list[float]

    @property
    def best(self) -> float:
        return self.items / min(self.seconds)

    @property
    def median(self) -> float:
        return self.items / statistics.median(self.seconds)

    @property
    def cpu_best(self) -> float:
        return self.items / min(self.cpu_seconds)


def measure(
    name: str, items: int, run: Callable[[], object], repeat: int, setup: Callable[[], object]
) -> Measure:
    """Time `run` `repeat` times with `time.perf_counter`, after an untimed `setup` each."""
    seconds, cpu_seconds = [], []
    for _ in range(repeat):
        setup()
        began, cpu_began = time.perf_counter(), time.process_time()
        run()
        seconds.append(time.perf_counter() - began)
        cpu_seconds.append(time.process_time() - cpu_began)
    return Measure(name, items, seconds, cpu_seconds)
