"""SQLite's writers queue on one lock across threads and processes (`writer_lock.py`):
a write waits while another process holds it, a read never does."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from storecase import SITE, settings_json

from videoxapi.store import SqlStore

# SQLite's alone: the database fixture is generated for it only.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

HOLD_SECONDS = 0.5
_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _lock_path(store: SqlStore) -> Path:
    database = store._engine.url.database  # the test names the file beside it, no more
    assert database is not None
    return Path(f"{database}.writer-lock")


def test_a_write_waits_for_another_process_and_a_read_does_not(store: SqlStore) -> None:
    store.save_settings(SITE, settings_json())  # creates the lock file
    path = _lock_path(store)
    assert path.stat().st_mode & 0o777 == 0o600
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        began = time.monotonic()
        assert store.load_settings(SITE) is not None
        assert time.monotonic() - began < HOLD_SECONDS / 2
        store.save_settings(SITE, settings_json(enabled=False))
        waited = time.monotonic() - began
    finally:
        holder.wait(10)
    assert waited >= HOLD_SECONDS * 0.8
    assert b'"enabled":false' in (store.load_settings(SITE) or b"").replace(b" ", b"")


def test_threads_of_one_process_write_one_at_a_time(store: SqlStore) -> None:
    """Many threads writing at once: all commit, none meets `database is locked`."""
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                store.save_settings(f"site-{n}", settings_json(key=f"k{i}"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(store.list_sites()) == sorted(f"site-{n}" for n in range(8))
