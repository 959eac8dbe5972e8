"""The `videoxapi worker` command as real processes: killed with SIGKILL mid-delivery
and restarted until drained (SQLite, into Learning Locker), and three workers sharing
one PostgreSQL outbox. Either way the LRS ends up with every statement exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from statement_factory import prepared

from videoxapi.store import open_store
from videoxapi.store.base import LrsAuth, Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

VIDEOXAPI = [str(Path(sys.executable).with_name("videoxapi"))]


def worker_command(url: str, *extra: str) -> list[str]:
    return [
        *VIDEOXAPI,
        "--database",
        url,
        "worker",
        "--until-idle",
        "--batch-size",
        "50",
        "--lease-seconds",
        "2",
        "--poll-interval",
        "0.05",
        "--retry-base",
        "0.05",
        "--retry-cap",
        "0.2",
        *extra,
    ]


def worker_env(**extra: str) -> dict[str, str]:
    """The test's environment without any VIDEOXAPI_ setting of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOXAPI_")}
    return {**env, **extra}


def delivered(store: Store) -> int:
    return sum(s.delivered for s in store.stats())


def test_a_worker_killed_at_random_moments_still_delivers_each_statement_once(
    learning_locker, tmp_path
):
    url = f"sqlite:///{tmp_path / 'data' / 'videoxapi.db'}"
    (tmp_path / "data").mkdir()
    store = open_store(url)
    store.migrate()
    store.add_destination(
        "site",
        "ll",
        learning_locker.endpoint,
        LrsAuth("basic", learning_locker.key, learning_locker.secret),
        "1.0.3",
    )
    before = {s["id"] for s in learning_locker.statements()}
    statements = prepared(3000, start=50_000)
    store.enqueue("site", statements, datetime.now(UTC))
    store.close()

    rng = random.Random(20261126)
    kills = 0
    watcher = open_store(url)
    try:
        while kills < 6:
            # Kill only once statements are moving, at a random moment of the delivery.
            process = subprocess.Popen(
                worker_command(url, "--claim-size", "50"),  # settled 50 at a time
                env=worker_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            start = delivered(watcher)
            deadline = time.monotonic() + 60
            while delivered(watcher) == start and process.poll() is None:
                assert time.monotonic() < deadline, "the worker delivered nothing"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.4))
            if process.poll() is not None:
                break  # it finished first: the outbox is drained
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
        final = subprocess.run(
            worker_command(url), env=worker_env(), timeout=180, capture_output=True
        )
        assert final.returncode == 0, final.stderr.decode()[-2000:]
    finally:
        watcher.close()
    assert kills >= 3, kills  # the test is about crashes: make sure they happened

    store = open_store(url)
    [stats] = store.stats()
    store.close()
    assert (stats.pending, stats.dead, stats.delivered) == (0, 0, 3000)
    held = Counter(s["id"] for s in learning_locker.statements() if s["id"] not in before)
    assert set(held) == {str(s.statement_id) for s in statements}
    assert sum(held.values()) == 3000


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # PostgreSQL's job
def test_three_workers_drain_one_postgres_outbox_without_sending_anything_twice(
    database, fault_lrs
):
    store = database.open(env={})
    store.migrate()
    fault_lrs.add_to(store, "site")
    statements = prepared(6000, start=90_000)
    store.enqueue("site", statements, datetime.now(UTC))
    env = worker_env(VIDEOXAPI_SECRET_KEY=database.key_file.read_text().strip())
    processes = [
        subprocess.Popen(
            worker_command(database.url, "--lease-seconds", "60"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()[-2000:]
    [stats] = store.stats()
    store.close()
    assert (stats.pending, stats.dead, stats.delivered) == (0, 0, 6000)
    sent = Counter(i for r in fault_lrs.received if r.status == 200 for i in r.ids)
    assert set(sent) == {str(s.statement_id) for s in statements}
    assert max(sent.values()) == 1
    assert sum(sent.values()) == 6000


def test_sigterm_finishes_the_batch_in_flight_and_exits_cleanly(fault_lrs, tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'videoxapi.db'}"
    store = open_store(url)
    store.migrate()
    fault_lrs.add_to(store, "site")
    store.enqueue("site", prepared(20_000, start=200_000), datetime.now(UTC))
    command = worker_command(url, "--batch-size", "10", "--claim-size", "10")
    command.remove("--until-idle")
    process = subprocess.Popen(
        command, env=worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while delivered(store) == 0:
        assert time.monotonic() < deadline and process.poll() is None, "nothing delivered"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()[-2000:]
    [stats] = store.stats()
    store.close()
    assert stats.in_flight == 0  # nothing left leased: another worker can go on at once
    assert 0 < stats.delivered < 20_000
    assert stats.delivered == len(fault_lrs.stored)
