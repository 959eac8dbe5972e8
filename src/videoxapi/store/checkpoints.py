"""SQLite's WAL checkpoints on a thread of their own.

In WAL mode with `synchronous = NORMAL` a commit does not wait for the disk; a
checkpoint does (it copies the log into the database file and syncs it). SQLite runs
one inside whichever commit crosses `wal_autocheckpoint`: in the service that is a
request on the event loop, and every request waits for that fsync. A store opened for
the service turns automatic checkpoints off and lets this thread do them instead.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints every `interval` seconds (PASSIVE: never blocks readers or writers)."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self.done = 0  # checkpoints taken, for the operator's and the tests' eyes
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.checkpoint("PASSIVE")

    def checkpoint(self, mode: str) -> None:
        # The driver's connection is in autocommit mode: a checkpoint cannot run inside
        # a transaction, and SQLAlchemy's would begin one.
        try:
            raw = self._engine.raw_connection()
            try:
                raw.cursor().execute(f"PRAGMA wal_checkpoint({mode})")
                self.done += 1
            finally:
                raw.close()
        except Exception:  # a checkpoint missed is taken next time; never end the thread
            log.warning("WAL checkpoint (%s) failed", mode, exc_info=True)

    def close(self) -> None:
        """Stop, then fold the whole log into the database file."""
        self._stop.set()
        self._thread.join()
        self.checkpoint("TRUNCATE")
