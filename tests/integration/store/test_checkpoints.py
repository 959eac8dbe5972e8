"""SQLite for the service: no checkpoint inside a commit, a thread of the store's own
checkpoints instead, and the log folded into the database file on close."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from storecase import SITE, settings_json
from support.databases import TEST_KEY

from videoxapi.store import open_store
from videoxapi.store.base import PreparedStatement

pytestmark = pytest.mark.integration


def _statements(count: int) -> list[PreparedStatement]:
    import uuid

    return [
        PreparedStatement(u, orjson.dumps({"id": str(u), "pad": "x" * 500}))
        for u in (uuid.uuid4() for _ in range(count))
    ]


@pytest.mark.parametrize("background", [True, False])
def test_the_services_store_checkpoints_in_the_background_not_in_commits(
    tmp_path: Path, background: bool
) -> None:
    db_file = tmp_path / "videoxapi.db"
    store = open_store(
        f"sqlite:///{db_file}", env={"VIDEOXAPI_SECRET_KEY": TEST_KEY},
        background_checkpoints=background,
    )  # fmt: skip
    try:
        store.migrate()
        store.save_settings(SITE, settings_json())
        with store._engine.connect() as conn:  # what the store's own connections do
            autocheckpoint = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert autocheckpoint == (0 if background else 8192)
        store.enqueue(SITE, _statements(2000), datetime.now(UTC))
        assert (tmp_path / "videoxapi.db-wal").stat().st_size > 0
        checkpointer = store._checkpointer
        if background:  # the store's thread checkpoints within about a second
            assert checkpointer is not None
            deadline = time.monotonic() + 10
            while checkpointer.done == 0:
                assert time.monotonic() < deadline, "no checkpoint happened"
                time.sleep(0.1)
        else:
            assert checkpointer is None
    finally:
        store.close()
    log = tmp_path / "videoxapi.db-wal"  # folded into the database file on close
    assert not log.exists() or log.stat().st_size == 0
    with sqlite3.connect(db_file) as reader:
        assert reader.execute("SELECT count(*) FROM statements").fetchone()[0] == 2000
