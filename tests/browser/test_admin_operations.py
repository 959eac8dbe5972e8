"""The operations page in headless Chromium: a dead letter made through the real store,
replayed from the page, then delivered to a real Ralph LRS by `videoxapi worker`."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from browser_support import ADMIN, PASSWORD, save_screenshot
from playwright.sync_api import Page, expect
from support.peers import LrsPeer
from support.service import Service

from videoxapi.service.sites import ensure_site
from videoxapi.settings import SiteSettings
from videoxapi.store.base import PreparedStatement, Rejected, Settlement
from videoxapi.store.sql_store import SqlStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "/admin/operations"


def statement() -> PreparedStatement:
    statement_id = uuid.uuid4()
    body = {
        "id": str(statement_id),
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "x"}},
        "object": {"objectType": "Activity", "id": "https://videos.example.org/media/1"},
        "timestamp": "2026-01-05T10:00:00.000Z",
    }
    return PreparedStatement(statement_id, orjson.dumps(body))


def site_sending_to(store: SqlStore, lrs: LrsPeer) -> tuple[str, int]:
    """A site of its own whose primary destination is the LRS; (site, destination id)."""
    site = f"ops-{secrets.token_hex(3)}"
    ensure_site(store, site)
    settings = SiteSettings.parse(
        {
            "enabled": True,
            "endpoint": lrs.endpoint,
            "key": lrs.key,
            "secret": lrs.secret,
            "siteUrl": "https://videos.example.org",
        }
    )
    store.save_settings(site, orjson.dumps(settings.to_storage()))
    (destination,) = store.list_destinations(site)
    return site, destination.id


def bury(store: SqlStore, site: str, destination_id: int) -> PreparedStatement:
    """Enqueue a statement and settle it dead, as the worker does for a refused one."""
    dead = statement()
    now = datetime.now(UTC)
    assert store.enqueue(site, [dead], now) == 1
    (item,) = store.claim(destination_id, 10, now, 60)
    reason = "the LRS refused the statement: verb display is not a language map"
    store.settle(Settlement(dead=[Rejected(item.delivery_id, reason, 400)]), now)
    return dead


def row(store: SqlStore, destination_id: int) -> tuple[int, int, int]:
    (stats,) = [s for s in store.stats() if s.destination_id == destination_id]
    return stats.pending, stats.delivered, stats.dead


def test_a_dead_letter_replayed_from_the_page_is_pending_then_delivered(
    admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer, service: Service
) -> None:
    page = admin_page
    site, destination_id = site_sending_to(store, ralph_lrs)
    dead = bury(store, site, destination_id)
    (letter,) = [x for x in store.dead_letters(destination_id)]

    page.goto(PAGE)
    letter_row = page.locator(f"#letter-{letter.id}")
    expect(letter_row).to_contain_text(str(dead.statement_id))
    expect(letter_row).to_contain_text("verb display is not a language map")
    expect(page.locator(f"#destination-{destination_id} .dead")).to_have_text("1")

    letter_row.locator("a").click()  # the statement as JSON
    expect(page.locator("pre.json")).to_contain_text('"mbox": "mailto:learner@example.org"')
    page.go_back()

    page.locator(f"#letter-{letter.id} button:has-text('Replay')").click()
    expect(page.locator(".flash")).to_have_text("1 dead letter(s) replayed: pending again.")
    expect(page.locator(f"#letter-{letter.id}")).to_have_count(0)
    expect(page.locator(f"#destination-{destination_id} .pending")).to_have_text("1")
    assert row(store, destination_id) == (1, 0, 0)

    service.cli("worker", "--until-idle", "--max-wait", "0")
    page.reload()
    expect(page.locator(f"#destination-{destination_id} .delivered")).to_have_text("1")
    expect(page.locator(f"#destination-{destination_id} .pending")).to_have_text("0")
    assert row(store, destination_id) == (0, 1, 0)
    assert str(dead.statement_id) in {s["id"] for s in ralph_lrs.statements()}


def test_discard_one_and_discard_all(admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer) -> None:
    page = admin_page
    site, destination_id = site_sending_to(store, ralph_lrs)
    for _ in range(3):
        bury(store, site, destination_id)
    first, *_ = store.dead_letters(destination_id)

    page.goto(PAGE)
    page.locator(f"#letter-{first.id} button:has-text('Discard')").click()
    expect(page.locator(".flash")).to_have_text("1 dead letter(s) discarded.")
    assert len(store.dead_letters(destination_id)) == 2

    page.click("button:has-text('Discard all')")
    expect(page.locator(".flash")).to_contain_text("dead letter(s) discarded.")
    assert store.dead_letters(destination_id) == []
    expect(page.locator("#dead-letters .empty")).to_have_text("No dead letters.")


def test_a_paused_destination_shows_its_reason_and_resumes(
    admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer
) -> None:
    page = admin_page
    _site, destination_id = site_sending_to(store, ralph_lrs)
    until = datetime(2999, 1, 1, tzinfo=UTC)
    store.pause_destination(destination_id, until, "credentials refused (HTTP 401)")
    page.goto(PAGE)
    state = page.locator(f"#destination-{destination_id} .state")
    expect(state).to_contain_text("paused")
    expect(state).to_contain_text("credentials refused (HTTP 401)")
    state.locator("button:has-text('Resume')").click()
    expect(page.locator(f"#destination-{destination_id} .state")).to_contain_text("running")
    (stats,) = [s for s in store.stats() if s.destination_id == destination_id]
    assert stats.paused_until is None


def test_the_page_charts_the_last_hour_and_the_json_has_the_same_numbers(
    admin_page: Page, store: SqlStore, ralph_lrs: LrsPeer, service: Service
) -> None:
    page = admin_page
    site, destination_id = site_sending_to(store, ralph_lrs)
    bury(store, site, destination_id)
    store.enqueue(site, [statement() for _ in range(25)], datetime.now(UTC))
    service.cli("worker", "--until-idle", "--max-wait", "0")

    page.goto(PAGE)
    chart = page.locator("#rate svg.chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect[fill='#2f7d4f']").count() >= 2  # a bar and the legend
    expect(page.locator("#rate .help")).to_contain_text("delivered")

    anonymous = httpx.get(service.base_url + PAGE + ".json")
    assert anonymous.status_code == 401
    wrong = httpx.get(service.base_url + PAGE + ".json", auth=(ADMIN, "wrong password"))
    assert wrong.status_code == 401
    answer = httpx.get(service.base_url + PAGE + ".json", auth=(ADMIN, PASSWORD))
    assert answer.status_code == 200
    numbers = answer.json()
    (mine,) = [d for d in numbers["destinations"] if d["id"] == destination_id]
    assert (mine["delivered"], mine["dead"], mine["pending"]) == (25, 1, 0)
    assert sum(m["delivered"] for m in numbers["lastHour"]) >= 25
    assert len(numbers["lastHour"]) == 60
    page.set_viewport_size({"width": 1200, "height": 900})
    save_screenshot(page, "operations.png")
