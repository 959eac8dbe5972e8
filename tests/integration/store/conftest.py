"""Fixtures of the store contract suite: a site with its primary destination and
statements. The databases themselves come from `tests/support/databases.py`."""

from __future__ import annotations

import uuid

import pytest
from storecase import SITE, StatementFactory, settings_json

from videoxapi.store import SqlStore
from videoxapi.store.base import Destination, PreparedStatement


@pytest.fixture
def primary(store: SqlStore) -> Destination:
    """The site's primary destination, from enabled settings."""
    store.save_settings(SITE, settings_json())
    (destination,) = store.list_destinations(SITE)
    return destination


@pytest.fixture
def make_statements() -> StatementFactory:
    """`make_statements(n)`: n statements with fresh ids and distinct exact bodies."""

    def make(count: int) -> list[PreparedStatement]:
        made = []
        for _ in range(count):
            statement_id = uuid.uuid4()
            body = b'{"id": "%s", "verb": "played"}' % str(statement_id).encode()
            made.append(PreparedStatement(statement_id, body))
        return made

    return make
