"""The real service in a real browser: `videoxapi serve` as a subprocess on a free port
with its own data directory, an administrator made with `videoxapi admin add-user`,
and headless Chromium driven by Playwright.

The service runs with `--no-worker` so that what the tests put in the outbox stays
where they put it until they run `videoxapi worker --until-idle` themselves.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_support import ADMIN, PASSWORD, VIDEOXAPI, Service, clean_env, log_in
from playwright.sync_api import Browser, Page, sync_playwright
from support.peers import free_port

from videoxapi.store import default_database_url, open_store
from videoxapi.store.sql_store import SqlStore

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("service")
    port = free_port()
    service = Service(
        f"http://127.0.0.1:{port}", default_database_url(data_dir), data_dir, data_dir / "log"
    )
    service.cli("admin", "add-user", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    with service.log.open("wb") as log:
        process = subprocess.Popen(
            [str(VIDEOXAPI), "serve", "--port", str(port), "--data-dir", str(data_dir),
             "--no-worker"],
            cwd=data_dir, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(service, process)
        yield service
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(service: Service, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"videoxapi serve exited:\n{service.log.read_text()[-3000:]}")
        try:
            if httpx.get(service.base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"videoxapi serve did not answer:\n{service.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def store(service: Service) -> Iterator[SqlStore]:
    """The service's own database, opened beside it (same file, same key)."""
    opened = open_store(service.database_url, env={})
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/install --test")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


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
