"""Delivery throughput: outbox to a sink LRS, against the raw HTTP ceiling of the same run.

    .venv/bin/python bench/bench_delivery.py [--count 30000] [--repeat 3] [--postgres URL] [--peers]

A minimal sink LRS (a bare ASGI app under uvicorn, in a subprocess) parses each JSON
array and answers 200 with the ids. For SQLite and PostgreSQL, batch sizes 100 and 500:
enqueue `count` statements (as the tracker does: ids that never repeat), then time
`Worker.run(until_idle=True)` until the outbox is drained. The store's own claim +
settle is timed too, for those and for statements that may repeat (activity API,
`send`), which the outbox checks through a unique index. The ceiling is a loop POSTing
the same pre-serialized batches to the same sink with the same client. `--peers` also
times delivery into the two real test LRSs.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from _databases import postgres_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "delivery"))

# -- the sink LRS (runs in the uvicorn subprocess) ----------------------------------

_received = 0


async def sink(
    scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
) -> None:
    """POST <any>/statements: parse the array, count it, answer the ids; GET /count."""
    global _received
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["method"] == "GET":
        payload = orjson.dumps({"received": _received})
    else:
        statements = orjson.loads(body)
        _received += len(statements)
        payload = orjson.dumps([s["id"] for s in statements])
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


@contextmanager
def running_sink() -> Iterator[str]:
    """Start the sink on a free port; yield its xAPI endpoint."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_delivery:sink",
            "--app-dir",
            str(ROOT / "bench"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--lifespan",
            "off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}/xAPI/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(endpoint + "count", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the sink did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


# -- measurements -----------------------------------------------------------------


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bench.db'}"


TEST_KEY = {"VIDEOXAPI_SECRET_KEY": "x5uOk2m4xqW1Xzq6kq0bV2jv3Zy7kMNDbm3pjX0r2fU="}


def filled_store(url: str, endpoint: str, count: int, may_repeat: bool = False) -> tuple[Any, Any]:
    """A migrated store with a new site whose one destination has `count` statements:
    the tracker's kind (ids never repeat), or with `may_repeat` the activity API's and
    `send`'s (checked for repeats, through the unique index)."""
    from statement_factory import prepared

    from videoxapi.store import open_store
    from videoxapi.store.base import LrsAuth

    store = open_store(url, env=TEST_KEY)
    store.migrate()
    site = f"bench-{secrets.token_hex(3)}"
    destination = store.add_destination(site, "sink", endpoint, LrsAuth("basic", "k", "s"), "1.0.3")
    statements = prepared(count, start=secrets.randbelow(10**9))
    for start in range(0, count, 5000):
        store.enqueue(
            site, statements[start : start + 5000], datetime.now(UTC), may_repeat=may_repeat
        )
    return store, destination


def finish(store: Any, destination: Any, count: int) -> None:
    stats = next(s for s in store.stats() if s.destination_id == destination.id)
    store.remove_destination(destination.id)
    store.close()
    assert stats.delivered == count and stats.pending == 0, stats


def outbox_rate(
    url: str, endpoint: str, count: int, batch: int, concurrency: int, claim_size: int = 1000
) -> float:
    """Statements/s from a full outbox to `endpoint`, the worker draining it."""
    from videoxapi.delivery import HttpConfig, LrsClient, Worker, WorkerConfig
    from videoxapi.delivery.client import make_http_client

    store, destination = filled_store(url, endpoint, count)
    config = WorkerConfig(
        batch_size=batch,
        claim_size=claim_size,
        max_wait=0,
        poll_interval=0.05,
        concurrency=concurrency,
    )
    http_config = HttpConfig()
    with make_http_client(http_config) as http:
        worker = Worker(store, LrsClient(http, http_config), config)
        started = time.perf_counter()
        worker.run(until_idle=True)
        elapsed = time.perf_counter() - started
    finish(store, destination, count)
    return count / elapsed


def store_rate(url: str, count: int, may_repeat: bool, claim_size: int = 1000) -> float:
    """The store's own ceiling: claim and settle as delivered, no HTTP at all."""
    from videoxapi.store.base import Settlement

    store, destination = filled_store(url, "http://127.0.0.1:9/", count, may_repeat)
    started = time.perf_counter()
    while items := store.claim(destination.id, claim_size, datetime.now(UTC), 60):
        delivered = [item.delivery_id for item in items]
        store.settle(Settlement(delivered=delivered), datetime.now(UTC))
    elapsed = time.perf_counter() - started
    finish(store, destination, count)
    return count / elapsed


def raw_rate(endpoint: str, count: int, batch: int) -> float:
    """The ceiling: the same pre-serialized batches POSTed in a loop, same client."""
    from statement_factory import prepared

    from videoxapi.delivery import HttpConfig, LrsClient
    from videoxapi.delivery.client import make_http_client
    from videoxapi.store.base import Destination, LrsAuth

    bodies = [s.body for s in prepared(count)]
    destination = Destination(1, "bench", "sink", endpoint, LrsAuth("basic", "k", "s"), "1.0.3")
    http_config = HttpConfig()
    with make_http_client(http_config) as http:
        client = LrsClient(http, http_config)
        started = time.perf_counter()
        for start in range(0, count, batch):
            answer = client.post_statements(destination, bodies[start : start + batch])
            assert getattr(answer, "status", None) == 200, answer
        elapsed = time.perf_counter() - started
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=30_000, help="statements per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the best counts")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "VIDEOXAPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--peers", action="store_true", help="also the two real test LRSs")
    args = parser.parse_args()

    def best(measure: Callable[[], float]) -> float:
        """The best of `--repeat` runs: other work on this machine only slows a run."""
        return max(measure() for _ in range(args.repeat))

    rows: list[tuple[str, str, str, float, float | None]] = []
    with running_sink() as endpoint, tempfile.TemporaryDirectory() as tmp:
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("SQLite", lambda: nullcontext(sqlite_url(Path(tmp))))
        ]
        if args.postgres:
            backends.append(
                ("PostgreSQL", lambda: postgres_database(args.postgres, "bench_delivery"))
            )

        def on(database: Callable[[], Any], run: Callable[[str], float]) -> float:
            with database() as url:
                return run(url)

        for name, database in backends:
            for may_repeat, kind in ((False, "tracker's"), (True, "may repeat")):
                rate = best(
                    lambda d=database, r=may_repeat: on(
                        d, lambda url: store_rate(url, args.count, r)
                    )
                )
                rows.append((f"{name}: claim + settle only ({kind})", "-", "-", rate, None))
        for batch in (100, 500):
            raw = best(lambda b=batch: raw_rate(endpoint, args.count, b))
            rows.append(("raw POST loop (ceiling)", str(batch), "-", raw, raw))
            for name, database in backends:
                for lanes in args.concurrency:
                    rate = best(
                        lambda d=database, b=batch, c=lanes: on(
                            d, lambda url: outbox_rate(url, endpoint, args.count, b, c)
                        )
                    )
                    rows.append((f"{name} outbox -> sink", str(batch), str(lanes), rate, raw))
    print(
        f"\nDelivery, {args.count} statements per run, best of {args.repeat}, "
        "sink LRS on loopback\n"
    )
    print("| source | batch | lanes | statements/s | vs raw ceiling |")
    print("|---|---:|---:|---:|---:|")
    for source, batch, lanes, rate, raw in rows:
        ratio = f"{rate / raw:.2f}" if raw else "-"
        print(f"| {source} | {batch} | {lanes} | {rate:,.0f} | {ratio} |")
    if args.peers:
        peer_rates()


def peer_rates() -> None:
    """Into Learning Locker and Ralph through their pytest fixtures' processes."""
    code = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests/integration/delivery/test_real_lrs_delivery.py"),
            "-k",
            "thousands and sqlite",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    for line in code.stdout.splitlines():
        if "statements in" in line:
            print("reference:", line.strip(". "))


if __name__ == "__main__":
    main()
