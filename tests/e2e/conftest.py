"""End to end: the plugin in headless Chromium, on the demo page of a real
`videoxapi serve` (with its in-process delivery worker), delivering into a real Ralph
LRS. What the tests check is what Ralph holds at the end.

One service and one Ralph per module; each test opens its own browser context, and the
demo gives each visit a fresh registration, so tests do not see each other's progress.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import SITE_URL, Demo
from playwright.sync_api import Browser, BrowserContext
from support.peers import LrsPeer
from support.service import Service, chromium, new_service, running_service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, ralph_lrs: LrsPeer) -> Iterator[Service]:
    service = new_service(tmp_path_factory.mktemp("e2e-service"))
    service.settings(
        enabled="Yes", endpoint=ralph_lrs.endpoint, key=ralph_lrs.key, secret=ralph_lrs.secret,
        siteUrl=SITE_URL, beaconInterval="quarters",
    )  # fmt: skip
    with running_service(service) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser, service: Service) -> Iterator[BrowserContext]:
    """A fresh context: its own localStorage. Closing it fires the pages' pagehide."""
    opened = browser.new_context(base_url=service.base_url, viewport={"width": 1280, "height": 860})
    opened.set_default_timeout(20_000)
    yield opened
    opened.close()


@pytest.fixture
def demo(context: BrowserContext) -> Demo:
    return Demo(context.new_page())


# What an LRS adds to a statement it stores; the statement we sent had none of them.
