"""The parts of the settings page around the settings: sites, extra destinations and the
site's credentials, in headless Chromium against the real service and a real Ralph."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.peers import LrsPeer
from test_admin_settings import PAGE, new_site

from videoxapi.service.sites import hash_api_key
from videoxapi.store.sql_store import SqlStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_site_added_on_the_page_is_edited_on_its_own(admin_page: Page, store: SqlStore) -> None:
    admin_page.fill("#new-site", "campus-b")
    admin_page.click("button:has-text('Add site')")
    expect(admin_page.locator("h1")).to_contain_text("site campus-b")
    assert "campus-b" in store.list_sites()
    credentials = store.load_credentials("campus-b")
    assert credentials is not None and credentials.token_secret  # tokens can be minted


def test_an_extra_destination_is_added_tested_and_removed(
    admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer
) -> None:
    site = new_site(store)
    admin_page.goto(f"{PAGE}?site={site}")
    admin_page.fill("#dest-name", "warehouse")
    admin_page.fill("#dest-endpoint", "not a url")
    admin_page.click("button:has-text('Add destination')")
    expect(admin_page.locator("#destinations .problem")).to_contain_text("Not added")
    assert store.list_destinations(site) == []

    admin_page.fill("#dest-name", "warehouse")
    admin_page.fill("#dest-endpoint", ralph_lrs.endpoint)
    admin_page.fill("#dest-key", ralph_lrs.key)
    admin_page.fill("#dest-secret", ralph_lrs.secret)
    admin_page.click("button:has-text('Add destination')")
    (added,) = store.list_destinations(site)
    assert (added.name, added.endpoint, added.auth.secret) == (
        "warehouse", ralph_lrs.endpoint, ralph_lrs.secret
    )  # fmt: skip
    assert ralph_lrs.secret not in admin_page.content()

    admin_page.locator(f"form[action$='/destinations/{added.id}/test'] button").click()
    expect(admin_page.locator(".check")).to_contain_text("Connection OK")
    admin_page.locator(f"form[action$='/destinations/{added.id}/remove'] button").click()
    expect(admin_page.locator("#destinations")).to_contain_text("No extra destination")
    assert store.list_destinations(site) == []


def test_a_new_api_key_is_shown_once_and_the_token_secret_rotates(
    admin_page: Page, store: SqlStore
) -> None:
    site = new_site(store)
    before = store.load_credentials(site)
    assert before is not None
    admin_page.goto(f"{PAGE}?site={site}")
    admin_page.click("button[value=api-key]")
    shown = admin_page.locator("#new-api-key code.key").inner_text()
    assert re.fullmatch(r"vxk_[A-Za-z0-9_-]{40,}", shown)
    after = store.load_credentials(site)
    assert after is not None and after.api_key_hash == hash_api_key(shown)
    admin_page.goto(f"{PAGE}?site={site}")
    assert shown not in admin_page.content()  # once only

    admin_page.click("button[value=token-secret]")
    rotated = store.load_credentials(site)
    assert rotated is not None and rotated.token_secret != before.token_secret
    assert rotated.token_secret not in admin_page.content()
