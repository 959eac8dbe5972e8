"""Real databases for store tests (pytest plugin: `database`, `store`).

`store` is parametrized over SQLite and PostgreSQL, so one contract suite runs on both.
Each test gets a clean database: a fresh SQLite file, or a PostgreSQL database cloned
from a template migrated once per session (CREATE DATABASE ... TEMPLATE), dropped after.
PostgreSQL needs `VIDEOXAPI_TEST_POSTGRES_URL` (CI sets it); without it those tests
skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import make_url

from videoxapi.store import SqlStore, open_store

POSTGRES_ENV = "VIDEOXAPI_TEST_POSTGRES_URL"
# A fixed test key: tests that are about the key pass their own `env`.
TEST_KEY = "x5uOk2m4xqW1Xzq6kq0bV2jv3Zy7kMNDbm3pjX0r2fU="


@dataclass(frozen=True)
class TestDatabase:
    """One clean database: how to open stores on it, and raw SQL for checking them."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    backend: str  # "sqlite" or "postgres"
    url: str
    key_file: Path

    def open(self, env: dict[str, str] | None = None) -> SqlStore:
        return open_store(self.url, key_file=self.key_file, env=env or {})

    def query(self, statement: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run raw SQL on a connection of its own (never through the store under test)."""
        engine = sa.create_engine(_driver_url(self.url), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                result = conn.execute(sa.text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) FROM {table}")[0][0])


def _driver_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _admin(url: str, statement: sql.Composable) -> None:
    """CREATE/DROP DATABASE need autocommit, on a connection to another database."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(statement)


def _database_url(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@host/db)")
    return url


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per session, cloned by every test (name returned)."""
    name = f"videoxapi_template_{uuid.uuid4().hex[:12]}"
    _admin(postgres_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        key_file = tmp_path_factory.mktemp("template") / "secret.key"
        store = open_store(_database_url(postgres_url, name), key_file=key_file, env={})
        store.migrate()
        store.close()
        yield name
    finally:
        _admin(
            postgres_url,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        )


def _postgres_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    url = request.getfixturevalue("postgres_url")
    template = request.getfixturevalue("postgres_template")
    name = f"videoxapi_test_{uuid.uuid4().hex[:12]}"
    _admin(
        url,
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        ),
    )
    try:
        yield TestDatabase("postgres", _database_url(url, name), tmp_path / "secret.key")
    finally:
        _admin(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """A clean, migrated database on each backend."""
    if request.param == "sqlite":
        db_file = tmp_path / "data" / "videoxapi.db"
        yield TestDatabase("sqlite", f"sqlite:///{db_file}", tmp_path / "data" / "secret.key")
        return
    yield from _postgres_database(request, tmp_path)


@pytest.fixture
def store(database: TestDatabase) -> Iterator[SqlStore]:
    """A migrated store on a clean database (SQLite file or cloned PostgreSQL database)."""
    opened = database.open(env={"VIDEOXAPI_SECRET_KEY": TEST_KEY})
    opened.migrate()
    try:
        yield opened
    finally:
        opened.close()
