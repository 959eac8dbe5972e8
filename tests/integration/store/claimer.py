"""A claimer process for the concurrency test: claims and settles until the outbox of a
destination is empty, then prints the delivery ids it got, one per line."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from videoxapi.store import open_store
from videoxapi.store.base import Settlement


def main(url: str, key: str, destination_id: int, batch: int) -> None:
    store = open_store(url, env={"VIDEOXAPI_SECRET_KEY": key})
    got: list[int] = []
    while items := store.claim(destination_id, batch, datetime.now(UTC), 300):
        got.extend(item.delivery_id for item in items)
        store.settle(Settlement(delivered=[i.delivery_id for i in items]), datetime.now(UTC))
    store.close()
    print("\n".join(map(str, got)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
