"""The migrations: idempotent, and producing the very schema the queries are written
against, on both databases (so the two backends match each other)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from storecase import NOW, SITE
from support.databases import TestDatabase

from videoxapi.store import SqlStore
from videoxapi.store.base import Destination
from videoxapi.store.schema import metadata
from videoxapi.store.sql_store import MIGRATIONS

pytestmark = pytest.mark.integration


def _shape(inspector: sa.Inspector) -> dict[str, object]:
    """Tables, columns (name, nullability), indexes and unique constraints, by name."""
    shape: dict[str, object] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        shape[table] = {
            "columns": [(c["name"], c["nullable"]) for c in inspector.get_columns(table)],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL's index behind a UNIQUE
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return shape


def _reference_shape() -> dict[str, object]:
    shape: dict[str, object] = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        uniques = [
            tuple(c.name for c in u.columns)
            for u in table.constraints
            if isinstance(u, sa.UniqueConstraint)
        ]
        shape[table.name] = {
            "columns": [(c.name, c.nullable) for c in table.columns],
            "primary_key": [c.name for c in table.primary_key.columns],
            "indexes": sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
            "unique": sorted(uniques),
            "foreign_keys": sorted(
                ((f.parent.name,), f.column.table.name) for f in table.foreign_keys
            ),
        }
    return shape


def _engine(store: SqlStore) -> sa.Engine:
    return store._engine  # the store's own engine: the test reads the schema, no more


def test_migrating_twice_changes_nothing(store: SqlStore) -> None:
    with _engine(store).connect() as conn:
        before = _shape(sa.inspect(conn))
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    store.migrate()
    with _engine(store).connect() as conn:
        assert _shape(sa.inspect(conn)) == before
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == version


def test_migrations_produce_the_reference_schema(store: SqlStore) -> None:
    """Same tables, columns, keys and indexes as `schema.py` on either database."""
    with _engine(store).connect() as conn:
        assert _shape(sa.inspect(conn)) == _reference_shape()
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def _downgrade(store: SqlStore, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with store._dialect.migration_transaction(_engine(store)) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_rebuilding_the_statements_table_keeps_the_outbox(
    store: SqlStore, database: TestDatabase, primary: Destination, make_statements: Any
) -> None:
    """0003 rebuilds `statements` on SQLite; with foreign keys on, the DROP would
    cascade to every pending delivery. Down to 0002 and up again: all still there, and
    the rows it carried over are still found as repeats."""
    pending = make_statements(3)
    assert store.enqueue(SITE, pending, NOW) == 3
    _downgrade(store, "0002")
    assert database.count("deliveries") == 3
    store.migrate()
    assert database.count("deliveries") == 3
    assert database.query("SELECT count(*) FROM statements WHERE may_repeat") == [(3,)]
    assert store.enqueue(SITE, pending, NOW) == 0
    assert [item.body for item in store.claim(primary.id, 10, NOW, 60)] == [s.body for s in pending]


def test_only_statements_that_may_repeat_are_checked_for_repeats(
    store: SqlStore, primary: Destination, make_statements: Any
) -> None:
    """The tracker vouches for its ids (`may_repeat=False`): they skip the unique index,
    so the same id enqueued that way is stored again; the others are found."""
    once = make_statements(2)
    assert store.enqueue(SITE, once, NOW, may_repeat=False) == 2
    assert store.enqueue(SITE, once, NOW, may_repeat=False) == 2
    checked = make_statements(2)
    assert store.enqueue(SITE, checked, NOW) == 2
    assert store.enqueue(SITE, checked, NOW) == 0
    assert len(store.claim(primary.id, 10, NOW, 60)) == 6
