"""Simple valid xAPI statements for delivery tests: uuid ids, mbox actor, a verb, an
activity object, RFC 3339 millisecond timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson

from videoxapi.store.base import PreparedStatement

START = datetime(2026, 1, 1, tzinfo=UTC)


def statement(n: int, statement_id: uuid.UUID | None = None) -> dict[str, object]:
    at = START + timedelta(milliseconds=n)
    return {
        "id": str(statement_id or uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:learner{n % 97}@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/experienced",
            "display": {"en-US": "experienced"},
        },
        "object": {
            "objectType": "Activity",
            "id": f"https://videos.example.org/media/{n}",
            "definition": {"name": {"en-US": f"Video {n}"}},
        },
        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def prepared(count: int, start: int = 0) -> list[PreparedStatement]:
    """`count` distinct statements, ready for `Store.enqueue`."""
    result = []
    for n in range(start, start + count):
        data = statement(n)
        result.append(PreparedStatement(uuid.UUID(str(data["id"])), orjson.dumps(data)))
    return result
