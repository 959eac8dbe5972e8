"""The demo page and its live panel's endpoint, through the real app and store."""

from __future__ import annotations

import pytest
from support.viewing import Viewer

from videoxapi.web.demo import DEMO_USER

from .conftest import Api

pytestmark = pytest.mark.integration


def test_the_demo_page_embeds_the_plugin_and_a_token_for_the_demo_viewer(api: Api) -> None:
    page = api.get("/demo")
    assert page.status_code == 200
    assert "/static/videoxapi.js" in page.text
    assert 'id="site-status"' not in page.text  # the site is ready
    assert api.store.load_settings(api.site) is not None


def test_the_demo_says_plainly_when_nothing_will_be_sent(api: Api) -> None:
    api.configure(enabled=False)
    page = api.get("/demo")
    assert page.status_code == 200
    assert "tracking is turned off (enabled: No)" in page.text
    assert "/admin/config/tab/xapi" in page.text


def test_an_unknown_adapter_is_refused(api: Api) -> None:
    answer = api.get("/demo", params={"adapter": "flash"})
    assert answer.status_code == 400
    assert "adapter must be one of" in answer.json()["error"]


def test_the_panel_lists_the_sessions_queued_statements_to_its_viewer_only(api: Api) -> None:
    viewer = Viewer()
    demo = api.auth(DEMO_USER)
    assert api.start(viewer, demo).status_code == 200
    assert api.send(viewer, viewer.play() + viewer.watch(2), demo).status_code == 200
    answer = api.get("/demo/statements", params={"session": "s1"}, headers=demo)
    assert answer.status_code == 200
    statements = answer.json()["statements"]
    assert {s["verb"] for s in statements} == {"initialized", "played", "progressed"}
    assert {s["state"] for s in statements} == {"queued"}

    assert api.get("/demo/statements", params={"session": "s1"}).status_code == 401
    other = api.get("/demo/statements", params={"session": "s1"}, headers=api.auth("u2"))
    assert other.status_code == 403
