"""`videoxapi worker`: deliver the outbox to the LRSs until stopped (or until idle)."""

from __future__ import annotations

import logging

import click
from prometheus_client import CollectorRegistry, start_http_server

from videoxapi.cli.common import env_twin, fails_cleanly, open_store
from videoxapi.delivery import HttpConfig, LrsClient, RetryPolicy, Worker, WorkerConfig
from videoxapi.delivery.client import make_http_client
from videoxapi.delivery.metrics import DeliveryMetrics
from videoxapi.delivery.worker import stop_on_signals


@click.command()
@click.option("--until-idle", is_flag=True, help="Deliver what is due, then exit.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=100,
    **env_twin("WORKER_BATCH_SIZE"),
    help="Statements per POST.",
)
@click.option(
    "--claim-size",
    type=click.IntRange(1, 20000),
    default=1000,
    **env_twin("WORKER_CLAIM_SIZE"),
    help="Statements claimed and settled per store transaction (a backlog).",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=1.0,
    **env_twin("WORKER_MAX_WAIT"),
    help="Seconds a short batch waits for more statements.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=1,
    **env_twin("WORKER_CONCURRENCY"),
    help="Batches in flight per destination (2 overlaps PostgreSQL round trips with POSTs).",
)
@click.option(
    "--lease-seconds",
    type=click.FloatRange(1),
    default=120.0,
    **env_twin("WORKER_LEASE_SECONDS"),
    help="How long a claimed batch is ours; then another worker may take it.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.001),
    default=1.0,
    **env_twin("WORKER_POLL_INTERVAL"),
    help="Seconds between looks for due work.",
)
@click.option(
    "--retry-base",
    type=click.FloatRange(0),
    default=1.0,
    **env_twin("WORKER_RETRY_BASE"),
    help="First retry delay ceiling in seconds (doubles per attempt).",
)
@click.option(
    "--retry-cap",
    type=click.FloatRange(0),
    default=300.0,
    **env_twin("WORKER_RETRY_CAP"),
    help="Longest retry delay in seconds.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.01),
    default=30.0,
    **env_twin("WORKER_TIMEOUT"),
    help="Read and write timeout of each request, in seconds.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=0,
    **env_twin("WORKER_METRICS_PORT"),
    help="Serve Prometheus counters on 127.0.0.1:PORT (0: do not).",
)
@click.pass_context
@fails_cleanly
def worker(
    ctx: click.Context,
    until_idle: bool,
    batch_size: int,
    claim_size: int,
    max_wait: float,
    concurrency: int,
    lease_seconds: float,
    poll_interval: float,
    retry_base: float,
    retry_cap: float,
    timeout: float,
    metrics_port: int,
) -> None:
    """Deliver statements from the outbox to every destination's LRS.

    SIGTERM or SIGINT finish the batches in flight, then exit.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpcore", "alembic"):  # a line per request is not a log
        logging.getLogger(noisy).setLevel(logging.WARNING)
    store = open_store(ctx)
    metrics = None
    if metrics_port:
        registry = CollectorRegistry()
        metrics = DeliveryMetrics(registry)
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
    http_config = HttpConfig(read=timeout, write=timeout)
    config = WorkerConfig(
        batch_size=batch_size,
        claim_size=claim_size,
        max_wait=max_wait,
        lease_seconds=lease_seconds,
        poll_interval=poll_interval,
        concurrency=concurrency,
        policy=RetryPolicy(base=retry_base, cap=retry_cap),
    )
    with make_http_client(http_config) as http:
        runner = Worker(store, LrsClient(http, http_config), config, metrics=metrics)
        stop_on_signals(runner)
        runner.run(until_idle=until_idle)
