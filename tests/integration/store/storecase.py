"""Constants and builders shared by the store contract tests (imported by module name:
the test directories are not packages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from videoxapi.store.base import PreparedStatement

SITE = "site-a"
SECRET = "s3cr3t-Basic-Passw0rd"
NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)

StatementFactory = Callable[[int], list[PreparedStatement]]


def settings_json(**changes: object) -> bytes:
    data: dict[str, object] = {
        "enabled": True,
        "endpoint": "https://lrs.example.com/xapi/",
        "siteUrl": "https://video.example.com",
        "key": "client-key",
        "secret": SECRET,
    }
    data.update(changes)
    return orjson.dumps(data)
