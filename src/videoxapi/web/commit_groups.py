"""Group commit for SQLite: the requests of one turn of the event loop share a commit.

A small SQLite transaction costs more in its COMMIT (WAL frames written, the write lock
taken and given back) than in its statements. Requests that arrive together run their
store work one after the other on the event loop anyway; here each runs as a savepoint
of one transaction, which a callback scheduled behind them all commits. A request is
answered only after that commit (nothing acknowledged is lost); one whose own work
fails is undone alone and answered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from videoxapi.store import SqlStore


class CommitGroups:
    """Runs store work inline, in the current group (started on first use)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._waiting: list[asyncio.Future[None]] | None = None

    async def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._waiting is None:
            self._store.start_group()
            self._waiting = []
            asyncio.get_running_loop().call_soon(self._commit)
        result = fn(*args, **kwargs)
        committed = asyncio.get_running_loop().create_future()
        self._waiting.append(committed)
        await committed
        return result

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        try:
            self._store.end_group()
        except Exception as exc:  # the StoreError of a failed commit: none was written
            for committed in waiting:
                if not committed.done():
                    committed.set_exception(exc)
            return
        for committed in waiting:
            if not committed.done():  # a request cancelled meanwhile (client gone)
                committed.set_result(None)
