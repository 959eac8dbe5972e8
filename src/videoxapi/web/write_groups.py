"""Group commit on SQLite: the store work of the requests that reach it in one turn of
the event loop runs in one write transaction.

An event batch's transaction cost about as much in taking the write lock, BEGIN and
COMMIT (WAL frames written) as in its statements; with several server processes, each
lock also changes hands between them. Requests that arrive together are queued here; a
callback behind them all runs their work one after the other inside
`store.writes_together()` and answers each after the commit, so nothing acknowledged is
lost. No savepoints (an earlier try gave each request one, and they cost what the shared
commit saved): a request refused by the tracker (an unknown or ended session, a session
of another user) is refused before it writes anything, and the others go on. If the
group fails for any other reason, nothing of it was written, and each request runs
again alone, to answer for itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from videoxapi.errors import StoreError, VideoxapiError

Work = Callable[[], Any]


class WriteGroups:
    """An `on_store` caller (see `api.store_caller`) for a store with `writes_together`."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._queued: list[tuple[Work, asyncio.Future[Any]]] = []

    async def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        if not self._queued:
            loop.call_soon(self._run)
        self._queued.append((partial(fn, *args, **kwargs), answer))
        return await answer

    def _run(self) -> None:
        queued, self._queued = self._queued, []
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            with self._store.writes_together():
                for work, answer in queued:
                    try:
                        outcomes.append((answer, work(), None))
                    except VideoxapiError as refusal:
                        if isinstance(refusal, StoreError):
                            raise
                        outcomes.append((answer, None, refusal))  # refused before writing
        except Exception:  # each request runs again alone, and answers for itself
            for work, answer in queued:
                _settle(answer, *_alone(work))
            return
        for answer, result, error in outcomes:
            _settle(answer, result, error)


def _alone(work: Work) -> tuple[Any, BaseException | None]:
    try:
        return work(), None
    except Exception as error:  # handed to the request that asked
        return None, error


def _settle(answer: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if answer.done():  # the request was cancelled meanwhile (its client went away)
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)
