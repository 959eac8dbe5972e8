"""`WriteGroups` (SQLite's group commit) on the API's real store: the store work of one
turn of the event loop shares a transaction; a refusal stays with its request; a group
that fails runs each request again alone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from videoxapi.errors import StoreError, UnknownSession
from videoxapi.store.base import PreparedStatement, TrackingWrite
from videoxapi.web.write_groups import WriteGroups

from .conftest import Api


def _run_together(api: Api, works: list[Callable[[], Any]]) -> list[Any]:
    groups = WriteGroups(api.store)

    async def all_at_once() -> list[Any]:
        return await asyncio.gather(*(groups(work) for work in works), return_exceptions=True)

    return api.loop.run_until_complete(all_at_once())


def _pending(api: Api) -> int:
    return sum(s.pending for s in api.store.stats())  # read on a connection of its own


def _enqueue(api: Api, count: int, state: bytes | None = b"state") -> Callable[[], int]:
    session = uuid.uuid4().hex

    def work() -> int:
        statements = [PreparedStatement(uuid.uuid4(), orjson.dumps({"n": n})) for n in range(count)]
        write = TrackingWrite(session, state, True, api.clock(), "reg", b"reg")  # type: ignore[arg-type]
        return api.store.enqueue(api.site, statements, api.clock(), [write])

    return work


def test_requests_of_one_turn_share_a_commit_and_a_refusal_stays_alone(api: Api) -> None:
    seen_by_the_last: list[int] = []

    def refused() -> None:
        raise UnknownSession("session 'x' was never started")

    def last() -> int:
        seen_by_the_last.append(_pending(api))
        return _enqueue(api, 3)()

    answers = _run_together(api, [_enqueue(api, 2), refused, last])
    assert answers[0] == 2 and answers[2] == 3
    assert isinstance(answers[1], UnknownSession)
    assert seen_by_the_last == [0]  # the first's 2 were not committed yet: one transaction
    assert _pending(api) == 5


def test_a_failed_group_runs_each_request_alone(api: Api) -> None:
    broken = _enqueue(api, 4, state=None)  # its state write breaks NOT NULL
    answers = _run_together(api, [_enqueue(api, 1), broken, _enqueue(api, 2)])
    assert answers[0] == 1 and answers[2] == 2
    assert isinstance(answers[1], StoreError)
    assert _pending(api) == 3  # the broken request's 4 statements were never kept


@pytest.mark.parametrize("count", [1, 40])
def test_every_request_of_a_group_is_answered(api: Api, count: int) -> None:
    answers = _run_together(api, [_enqueue(api, 1) for _ in range(count)])
    assert answers == [1] * count
    assert _pending(api) == count
