"""One SQLite writer at a time, across threads and processes, without sleeping.

SQLite lets one transaction write at a time; a second `BEGIN IMMEDIATE` waits in its
busy handler, which sleeps 1, 2, 5, 10... ms between tries: a request that collides
with another process's commit stalls for a millisecond or more, its whole event loop
with it. Every writer of a store takes this lock first instead: an `RLock` for the
threads of the process, then `flock` on a file beside the database for the processes
(`serve --workers N`, a CLI worker): the kernel wakes the next writer the moment the
last one lets go. Programs that do not take it are still ordered by SQLite itself.
"""

from __future__ import annotations

import fcntl
import os
import threading
from types import TracebackType


class WriterLock:
    """Reentrant within a thread; the file lock is held by the outermost holder."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:  # opened lazily: a store that never writes needs none
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def __enter__(self) -> WriterLock:
        self._threads.acquire()
        if self._depth == 0:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise
        self._depth += 1
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
