"""The service under load: `videoxapi serve` against a floor server, same run, same machine.

    .venv/bin/python bench/bench_service.py [--viewers 64] [--seconds 10] [--open 5000]
        [--postgres URL]

Starts `videoxapi serve --no-worker` (a subprocess; SQLite in a temp dir, then PostgreSQL
when `--postgres` or VIDEOXAPI_TEST_POSTGRES_URL is given) and a floor server (the same
FastAPI stack and pydantic validation of the same body, answering 202 and doing nothing
else). A load generator process drives simulated viewers over keep-alive connections
with a raw HTTP/1.1 client (httpx would cost more CPU than the server it measures): each
viewer starts a session, posts batches of 10 events (mostly timeupdates, some
pause/play/seek) and ends it, then starts another. Reports batches/s and events/s at
saturation, p50/p99 latency at saturation and at half that rate, and server memory per
open session (RSS growth with `--open` sessions started and left open).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import uvloop
from _databases import postgres_database
from fastapi import Request
from starlette.responses import Response

ROOT = Path(__file__).resolve().parents[1]
VIDEOXAPI = ROOT / ".venv" / "bin" / "videoxapi"
ARRIVAL_GAP_SECONDS = 0.002
TEST_KEY = "x5uOk2m4xqW1Xzq6kq0bV2jv3Zy7kMNDbm3pjX0r2fU="
SETTINGS = {
    "enabled": True,
    "endpoint": "https://lrs.example.com/xapi/",
    "siteUrl": "https://videos.example.com",
    "key": "bench",
    "secret": "bench",
}

# -- the floor server (runs in its own process) -------------------------------------


def floor_app() -> Any:
    """The same stack as the service's event endpoints (FastAPI, `OwnBodyRoute` served by
    `DirectRoutes`, raw body validated by the API's batch model), doing no work."""
    from fastapi import APIRouter, FastAPI

    from videoxapi.web import models as m
    from videoxapi.web.api import OwnBodyRoute
    from videoxapi.web.app import freeze_startup_heap
    from videoxapi.web.config import ServiceConfig
    from videoxapi.web.direct_routes import DirectRoutes

    model = m.batch_model("EventBatch", m.AnyPlayerEvent, ServiceConfig().max_events_per_batch)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        freeze_startup_heap()  # as the service does
        yield

    app = FastAPI(lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False})
    router = APIRouter(route_class=OwnBodyRoute)

    @router.post("/api/v1/sessions")
    async def start(request: Request) -> Response:
        m.parse(m.START_ADAPTER.validate_json, await request.body())
        return Response(b'{"enabled":true}', 202, media_type="application/json")

    @router.post("/api/v1/sessions/{session}/events")
    async def events(request: Request, session: str) -> Response:
        m.parse(model.model_validate_json, await request.body())
        return Response(b'{"applied":10}', 202, media_type="application/json")

    app.include_router(router)
    app.add_middleware(
        DirectRoutes, routes=router.routes, wrap=lambda app: app, handlers=app.exception_handlers
    )
    return app


# -- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str]) -> Iterator[int]:
    """Run a server process; yield its pid; stop it (by its own pid) afterwards."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_up(port, process)
        yield process.pid
    finally:
        process.terminate()
        process.wait(15)


def prepare_store(url: str) -> str:
    """Migrate, enable the default site; its token secret."""
    from videoxapi.service.sites import ensure_site, token_secret
    from videoxapi.store import open_store

    store = open_store(url, env={"VIDEOXAPI_SECRET_KEY": TEST_KEY})
    store.migrate()
    ensure_site(store, "default")
    store.save_settings("default", orjson.dumps(SETTINGS))
    secret = token_secret(store, "default")
    store.close()
    assert secret
    return secret


def rss_kib(pid: int) -> int:
    """Resident memory of a server: the process and its worker processes, if any."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return total + sum(rss_kib(int(child)) for child in children)


# -- the load generator ---------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: write a request, read one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, token: str, body: bytes) -> int:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")  # status line and headers
        length = 0
        at = answer.lower().find(b"\r\ncontent-length:")
        if at >= 0:
            length = int(answer[at + 17 : answer.index(b"\r\n", at + 2)])
        if length:
            await self.reader.readexactly(length)
        return int(answer[9:12])


class ViewerScript:
    """A viewer watching videos one after another: start, batches of 10, end."""

    def __init__(self, index: int, secret: str, rng: random.Random) -> None:
        from videoxapi.tokens import mint_viewer_token

        self.index = index
        self.rng = rng
        self.token = mint_viewer_token(secret, site="default", user_id=f"u{index}")
        self.count = 0

    def session(self) -> tuple[str, bytes, list[bytes]]:
        """A session id, its start body, and its event batches (the last ends it)."""
        self.count += 1
        session = f"v{self.index}-{self.count}-{secrets.token_hex(3)}"
        at = datetime.now(UTC)
        duration = self.rng.choice((95.0, 240.0, 480.0))
        start = orjson.dumps(
            {
                "type": "start", "session": session, "at": at.isoformat(),
                "entry": {"id": f"e{self.rng.randrange(50)}", "title": "A video",
                          "duration": duration},
                "player": {"name": "bench", "version": "1", "timeUpdates": True},
            }
        )  # fmt: skip
        events: list[dict[str, Any]] = []
        position, seq = 0.0, 0

        def add(kind: str, **extra: Any) -> None:
            nonlocal seq, at
            seq += 1
            at += timedelta(seconds=0.25)
            events.append(
                {"session": session, "seq": seq, "type": kind, "at": at.isoformat(),
                 "position": round(position, 3), **extra}
            )  # fmt: skip

        add("play")
        batches = self.rng.randrange(8, 30)
        while len(events) < batches * 10 - 1:
            roll = self.rng.random()
            if roll < 0.01:
                to = round(self.rng.uniform(0, duration - 5), 3)
                add("seek", **{"from": round(position, 3), "to": to})
                position = to
            elif roll < 0.02:
                add("pause")
                add("play")
            else:
                position = min(position + 0.25, duration)
                add("timeupdate")
        add("end")
        bodies = [orjson.dumps({"events": events[i : i + 10]}) for i in range(0, len(events), 10)]
        return session, start, bodies


async def _viewer(
    port: int,
    script: ViewerScript,
    until: float,
    interval: float,
    out: dict[str, list[float]],
    arrives_after: float = 0.0,
) -> None:
    # Viewers arrive one after another, as on a site: connections opened all at once
    # were all accepted by whichever server process woke first, the others idle.
    await asyncio.sleep(arrives_after)
    connection = await Connection.open(port)
    next_at = time.perf_counter()
    while time.perf_counter() < until:
        session, start, bodies = script.session()
        await connection.post("/api/v1/sessions", script.token, start)
        for body in bodies:
            if interval:
                next_at += interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent = time.perf_counter()
            status = await connection.post(f"/api/v1/sessions/{session}/events", script.token, body)
            out["latency" if status < 300 else "failed"].append(time.perf_counter() - sent)
            if time.perf_counter() >= until:
                break
    connection.writer.close()


def _load(port: int, secret: str, viewers: int, seconds: float, rate: float, seed: int) -> dict:
    """One load process: `viewers` concurrent viewers (paced to `rate` batches/s if > 0)."""
    rng = random.Random(seed)
    scripts = [ViewerScript(seed * 10_000 + i, secret, rng) for i in range(viewers)]
    out: dict[str, list[float]] = {"latency": [], "failed": []}

    async def main() -> float:
        began = time.perf_counter()
        until = began + seconds
        interval = viewers / rate if rate else 0.0
        await asyncio.gather(
            *(
                _viewer(port, s, until, interval, out, ARRIVAL_GAP_SECONDS * n)
                for n, s in enumerate(scripts)
            )
        )
        return time.perf_counter() - began

    cpu = time.process_time()
    elapsed = uvloop.run(main())  # the load's own CPU is what the server does not get
    return {"elapsed": elapsed, "load_cpu": (time.process_time() - cpu) / elapsed, **out}


def load(port: int, secret: str, viewers: int, seconds: float, rate: float = 0.0) -> dict:
    """Drive the server from a separate process; batches/s, events/s, latency quantiles."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply(_load, (port, secret, viewers, seconds, rate, 1))
    latencies = sorted(result["latency"])
    done = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100) if done > 100 else [0.0] * 99
    return {
        "batches_per_s": done / result["elapsed"],
        "events_per_s": done * 10 / result["elapsed"],
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
        "failed": len(result["failed"]),
        "load_cpu": result["load_cpu"],
    }


def open_sessions(port: int, secret: str, count: int) -> None:
    """Start `count` sessions with one batch each, and leave them open."""
    rng = random.Random(99)

    async def main() -> None:
        scripts = [ViewerScript(900_000 + i, secret, rng) for i in range(32)]
        connections = [await Connection.open(port) for _ in scripts]

        async def worker(k: int) -> None:
            for _ in range(k, count, len(scripts)):
                session, start, bodies = scripts[k].session()
                await connections[k].post("/api/v1/sessions", scripts[k].token, start)
                await connections[k].post(
                    f"/api/v1/sessions/{session}/events", scripts[k].token, bodies[0]
                )

        await asyncio.gather(*(worker(k) for k in range(len(scripts))))

    uvloop.run(main())


# -- the run --------------------------------------------------------------------------


def row(name: str, figures: dict[str, float]) -> str:
    return (
        f"| {name} | {figures['batches_per_s']:,.0f} | {figures['events_per_s']:,.0f} | "
        f"{figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | {figures['failed']:.0f} | "
        f"{figures['load_cpu']:.0%} |"
    )


def measure(name: str, pid: int, port: int, secret: str, args: argparse.Namespace) -> list[str]:
    load(port, secret, args.viewers, 2.0)  # warm up
    full = load(port, secret, args.viewers, args.seconds)
    half = load(port, secret, args.viewers, args.seconds, rate=full["batches_per_s"] / 2)
    lines = [row(f"{name}, saturated", full), row(f"{name}, at half that rate", half)]
    if args.open:
        before = rss_kib(pid)
        open_sessions(port, secret, args.open)
        grown = rss_kib(pid) - before
        lines.append(
            f"| {name}: {args.open:,} sessions left open: RSS +{grown / 1024:.1f} MiB, "
            f"{grown * 1024 / args.open:,.0f} bytes per open session | | | | | | |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=64, help="concurrent viewers")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--open", type=int, default=5000, help="sessions left open (memory)")
    parser.add_argument(
        "--postgres", default=os.environ.get("VIDEOXAPI_TEST_POSTGRES_URL", ""),
        help="PostgreSQL server URL (default VIDEOXAPI_TEST_POSTGRES_URL; empty: skip)",
    )  # fmt: skip
    parser.add_argument("--only", choices=("floor", "sqlite", "postgres"), action="append")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (floor and serve alike)"
    )
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        import uvicorn

        if args.workers == 1:
            uvicorn.run(floor_app(), host="127.0.0.1", port=args.serve_floor,
                        log_level="warning", access_log=False)  # fmt: skip
        else:  # the same multi-process serving as `videoxapi serve --workers N`
            from videoxapi.web.processes import run_processes

            sys.path.insert(0, str(Path(__file__).parent))
            run_processes("bench_service:floor_app", workers=args.workers, host="127.0.0.1",
                          port=args.serve_floor)  # fmt: skip
        return
    only = set(args.only or ("floor", "sqlite", "postgres"))
    env = {**os.environ, "VIDEOXAPI_SECRET_KEY": TEST_KEY, "VIDEOXAPI_RUN_REAPER": "false"}
    print(f"{args.viewers} viewers, {args.seconds:g} s per measurement, load: 1 process, "
          f"{args.workers} server process(es)\n")  # fmt: skip
    print("| server | batches/s | events/s | p50 ms | p99 ms | failed | load's CPU |")
    print("|---|---|---|---|---|---|---|")
    if "floor" in only:
        port = free_port()
        command = [sys.executable, __file__, "--serve-floor", str(port),
                   "--workers", str(args.workers)]  # fmt: skip
        with serving(command, port, env) as pid:
            for line in measure("floor (same stack + validation, no work)", pid, port, "x" * 43,
                                argparse.Namespace(**{**vars(args), "open": 0})):  # fmt: skip
                print(line, flush=True)
    databases: list[tuple[str, Any]] = []
    if "sqlite" in only:
        directory = Path(tempfile.mkdtemp(prefix="bench-service-"))
        databases.append(("serve, SQLite", lambda: _nullcontext(f"sqlite:///{directory}/b.db")))
    if "postgres" in only and args.postgres:
        databases.append(
            ("serve, PostgreSQL", lambda: postgres_database(args.postgres, "bench_service"))
        )
    for name, database in databases:
        with database() as url:
            secret = prepare_store(url)
            port = free_port()
            command = [str(VIDEOXAPI), "--database", url, "serve", "--no-worker",
                       "--port", str(port), "--workers", str(args.workers)]  # fmt: skip
            with serving(command, port, env) as pid:
                for line in measure(name, pid, port, secret, args):
                    print(line, flush=True)


@contextmanager
def _nullcontext(value: str) -> Iterator[str]:
    yield value


if __name__ == "__main__":
    main()
