"""The settings page in headless Chromium against the real service and a real Ralph LRS:
login, save and reload, refused values, the write-only secret, Test connection, CSRF."""

from __future__ import annotations

import re
import secrets

import orjson
import pytest
from browser_support import ADMIN, PASSWORD, log_in, save_screenshot
from playwright.sync_api import Page, expect
from support.peers import LrsPeer
from support.service import Service

from videoxapi.service.sites import ensure_site
from videoxapi.store.sql_store import SqlStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "/admin/config/tab/xapi"


def new_site(store: SqlStore) -> str:
    """Each test edits a site of its own: no test sees another's settings."""
    site = f"site-{secrets.token_hex(3)}"
    ensure_site(store, site)
    return site


def stored(store: SqlStore, site: str) -> dict[str, object]:
    raw = store.load_settings(site)
    assert raw is not None
    return orjson.loads(raw)  # type: ignore[no-any-return]


def fill_lrs(page: Page, endpoint: str, key: str, secret: str) -> None:
    page.check("input[name=enabled][value=Yes]")
    page.fill("#endpoint", endpoint)
    page.fill("#key", key)
    page.fill("#secret", secret)
    page.fill("#siteUrl", "https://videos.example.org")


def test_login_refuses_a_wrong_password_and_an_unknown_user_with_the_same_words(
    page: Page,
) -> None:
    log_in(page, ADMIN, PASSWORD + "x")
    expect(page.locator(".problem")).to_have_text("Wrong user name or password.")
    wrong_password = page.locator("main").inner_text()
    log_in(page, "nobody", PASSWORD)
    expect(page.locator(".problem")).to_have_text("Wrong user name or password.")
    assert page.locator("main").inner_text().replace("nobody", ADMIN) == wrong_password
    assert page.goto(PAGE).url.endswith("/admin/login?next=/admin/config/tab/xapi")

    log_in(page)
    expect(page.locator("h1")).to_contain_text("Xapi")
    cookie = next(c for c in page.context.cookies() if c["name"] == "videoxapi_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/admin"


def test_saved_settings_show_after_a_reload_and_the_secret_never_does(
    admin_page: Page, store: SqlStore
) -> None:
    page, site, secret = admin_page, new_site(store), f"s3cr3t-{secrets.token_hex(8)}"
    page.goto(f"{PAGE}?site={site}")
    fill_lrs(page, "https://lrs.example.org/xapi/", "app-key", secret)
    page.fill("#videoEndPercent", "90")
    page.fill("#videoEndSeconds", "5")
    page.select_option("#beaconInterval", "onePercent")
    page.check("input[name=sendCommentText][value=Yes]")
    page.click("button[value=save]")

    expect(page.locator(".flash")).to_have_text("Settings saved.")
    assert secret not in page.content()
    page.reload()
    assert secret not in page.content()
    expect(page.locator("#endpoint")).to_have_value("https://lrs.example.org/xapi/")
    expect(page.locator("#videoEndPercent")).to_have_value("90")
    expect(page.locator("#beaconInterval")).to_have_value("onePercent")
    expect(page.locator("input[name=sendCommentText][value=Yes]")).to_be_checked()
    expect(page.locator("input[name=enabled][value=Yes]")).to_be_checked()
    expect(page.locator("#secret")).to_have_value("")
    expect(page.locator("#field-secret .state")).to_have_text("•••••• (set)")
    settings = stored(store, site)
    assert settings["secret"] == secret and settings["videoEndSeconds"] == 5
    assert settings["beaconInterval"] == "onePercent" and settings["sendCommentText"] is True

    page.fill("#key", "other-key")  # secret left blank: the stored one stays
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_have_text("Settings saved.")
    assert stored(store, site)["secret"] == secret
    assert stored(store, site)["key"] == "other-key"


def test_a_bad_value_shows_its_error_and_saves_nothing(admin_page: Page, store: SqlStore) -> None:
    page, site = admin_page, new_site(store)
    page.goto(f"{PAGE}?site={site}")
    fill_lrs(page, "https://lrs.example.org/xapi/", "key-1", "first-secret-1")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_have_text("Settings saved.")
    before = store.load_settings(site)

    page.fill("#videoEndPercent", "150")
    page.fill("#language", "not a tag!")
    page.fill("#key", "key-2")
    page.fill("#secret", "second-secret-2")
    page.click("button[value=save]")

    expect(page.locator("#refused")).to_contain_text("Nothing was saved.")
    expect(page.locator("#error-videoEndPercent")).to_contain_text("less than or equal to 100")
    expect(page.locator("#error-language")).to_contain_text("RFC 5646")
    expect(page.locator("#error-key")).to_have_count(0)
    expect(page.locator("#videoEndPercent")).to_have_value("150")  # the form keeps what was typed
    expect(page.locator("#key")).to_have_value("key-2")
    assert "second-secret-2" not in page.content() and "first-secret-1" not in page.content()
    assert store.load_settings(site) == before


def test_enabled_without_endpoint_is_refused_with_the_reason(
    admin_page: Page, store: SqlStore
) -> None:
    page, site = admin_page, new_site(store)
    page.goto(f"{PAGE}?site={site}")
    before = store.load_settings(site)
    page.check("input[name=enabled][value=Yes]")
    page.click("button[value=save]")
    expect(page.locator("#refused")).to_contain_text("endpoint and siteUrl must be set")
    assert store.load_settings(site) == before


def test_test_connection_says_ok_against_ralph_and_names_refused_credentials(
    admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer
) -> None:
    page, site = admin_page, new_site(store)
    before = store.load_settings(site)
    page.goto(f"{PAGE}?site={site}")
    fill_lrs(page, ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret)
    page.click("button[value=test]")
    result = page.locator("#check-result")
    expect(result).to_contain_text("Connection OK")
    expect(result).to_contain_text("credentials accepted")
    assert ralph_lrs.secret not in page.content()

    fill_lrs(page, ralph_lrs.endpoint, ralph_lrs.key, "not-the-secret")
    page.click("button[value=test]")
    expect(result).to_contain_text("Connection failed")
    expect(result).to_contain_text("credentials refused (HTTP 401)")
    assert store.load_settings(site) == before  # a test saves nothing

    # Saved credentials are tested when the secret box is left empty.
    fill_lrs(page, ralph_lrs.endpoint, ralph_lrs.key, ralph_lrs.secret)
    page.click("button[value=save]")
    page.click("button[value=test]")
    expect(result).to_contain_text("Connection OK")
    save_screenshot(page, "admin-settings.png")


def test_a_post_without_the_csrf_token_is_refused(
    admin_page: Page, store: SqlStore, service: Service
) -> None:
    page, site = admin_page, new_site(store)
    before = store.load_settings(site)
    form = {"action": "save", "enabled": "No", "key": "forged"}
    for token in (None, "forged-token"):
        data = form if token is None else {**form, "csrf_token": token}
        answer = page.request.post(f"{service.base_url}{PAGE}?site={site}", form=data)
        assert answer.status == 403
        assert "Form refused" in answer.text()
    assert store.load_settings(site) == before
    # The same session with its real token is let through.
    page.goto(f"{PAGE}?site={site}")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    answer = page.request.post(
        f"{service.base_url}{PAGE}?site={site}", form={**form, "csrf_token": token}
    )
    assert answer.ok and stored(store, site)["key"] == "forged"


def test_logged_out_pages_redirect_to_the_login_and_logout_ends_the_session(
    admin_page: Page,
) -> None:
    page = admin_page
    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r"/admin/login$"))
    page.goto("/admin/operations")
    assert "/admin/login?next=/admin/operations" in page.url
