"""The real service in a real browser: `videoxapi serve` as a subprocess on a free port
with its own data directory, an administrator made with `videoxapi admin add-user`,
and headless Chromium driven by Playwright.

The service runs with `--no-worker` so that what the tests put in the outbox stays
where they put it until they run `videoxapi worker --until-idle` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import ADMIN, PASSWORD, log_in
from playwright.sync_api import Browser, Page
from support.service import Service, chromium, new_service, running_service

from videoxapi.store import open_store
from videoxapi.store.sql_store import SqlStore


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = new_service(tmp_path_factory.mktemp("service"))
    service.cli("admin", "add-user", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    with running_service(service, "--no-worker") as running:
        yield running


@pytest.fixture(scope="module")
def store(service: Service) -> Iterator[SqlStore]:
    """The service's own database, opened beside it (same file, same key)."""
    opened = open_store(service.database_url, env={})
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, service: Service) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the service."""
    context = browser.new_context(
        base_url=service.base_url, viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def admin_page(page: Page) -> Page:
    log_in(page)
    page.wait_for_url(re.compile(r"/admin/config/tab/xapi"))
    return page
