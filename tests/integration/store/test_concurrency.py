"""Several claimers at once never get the same delivery: threads with a connection
each (both databases), and separate processes (PostgreSQL, as workers are deployed)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from storecase import SITE, StatementFactory
from support.databases import TEST_KEY, TestDatabase

from videoxapi.store import SqlStore
from videoxapi.store.base import Destination

pytestmark = pytest.mark.integration

TOTAL = 600
BATCH = 7


def test_concurrent_claimers_never_share_a_delivery(
    store: SqlStore, primary: Destination, make_statements: StatementFactory
) -> None:
    store.enqueue(SITE, make_statements(TOTAL), datetime.now(UTC))
    start = threading.Barrier(4, timeout=60)
    # Every claimer takes its first batch before any goes on: one fast claimer could
    # otherwise drain the outbox alone, and nothing would have run concurrently.
    first_taken = threading.Barrier(4, timeout=60)
    claimed: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def claim_until_empty(mine: list[int]) -> None:
        try:
            start.wait()
            while items := store.claim(primary.id, BATCH, datetime.now(UTC), 300):
                if not mine:
                    first_taken.wait()
                mine.extend(item.delivery_id for item in items)
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=claim_until_empty, args=(c,)) for c in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    every = [delivery for mine in claimed for delivery in mine]
    assert [d for d, n in Counter(every).items() if n > 1] == []
    assert len(every) == TOTAL
    assert all(claimed), "every claimer took a batch while the others were claiming"


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # the deployment
def test_claimer_processes_never_share_a_delivery(
    store: SqlStore,
    database: TestDatabase,
    primary: Destination,
    make_statements: StatementFactory,
) -> None:
    store.enqueue(SITE, make_statements(TOTAL), datetime.now(UTC))
    script = Path(__file__).with_name("claimer.py")
    args = [sys.executable, str(script), database.url, TEST_KEY, str(primary.id), str(BATCH)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0]
    every = [int(line) for out in outputs for line in out.split()]
    assert [d for d, n in Counter(every).items() if n > 1] == []
    assert len(every) == TOTAL
    assert store.stats()[0].delivered == TOTAL
