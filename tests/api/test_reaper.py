"""Idle sessions are closed (paused if playing, then terminated); later events refused."""

from __future__ import annotations

import time
from datetime import timedelta

from support.viewing import Viewer, verbs

from videoxapi.web.background import reap_once

from .conftest import Api


def test_an_idle_playing_session_is_paused_then_terminated(api: Api, xapi_validator) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    api.send(viewer, viewer.play() + viewer.watch(3))
    assert reap_once(api.store, api.clock()) == 0  # not idle yet
    later = api.clock() + timedelta(minutes=31)  # idleTimeoutMinutes defaults to 30
    assert reap_once(api.store, later) == 1
    statements = api.statements()
    assert verbs(statements)[-2:] == ["paused", "terminated"]
    xapi_validator.check(statements)
    # the player's next event is refused: the session is over
    answer = api.send(viewer, viewer.pause())
    assert answer.status_code == 409
    assert reap_once(api.store, later) == 0


def test_the_sites_idle_timeout_is_used(api: Api) -> None:
    api.configure(idleTimeoutMinutes=120)
    viewer = Viewer("s1")
    api.start(viewer)
    assert reap_once(api.store, api.clock() + timedelta(minutes=31)) == 0
    assert reap_once(api.store, api.clock() + timedelta(minutes=121)) == 1
    assert verbs(api.statements()) == ["initialized", "terminated"]


def test_a_session_that_ended_is_not_reaped(api: Api) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    api.send(viewer, viewer.play() + viewer.end())
    assert reap_once(api.store, api.clock() + timedelta(hours=1)) == 0


def test_the_background_reaper_closes_idle_sessions(store) -> None:
    """The loop `background.start` runs beside the API (worker off): polled, no fixed sleep."""
    from videoxapi.web import background
    from videoxapi.web.config import ServiceConfig

    from .conftest import make_api

    config = ServiceConfig(run_worker=False, reaper_interval_seconds=0.05)
    for api in make_api(store, config):
        api.configure(idleTimeoutMinutes=1)
        api.start(Viewer("s1"))
        api.clock.offset = timedelta(minutes=2)
        parts = background.start(api.app)
        try:
            deadline = time.monotonic() + 10
            session = None
            while time.monotonic() < deadline:
                session, _ = api.store.load_tracking(api.site, "s1")
                if session and b'"over":true' in session:
                    break
                time.sleep(0.05)
            assert session is not None and b'"over":true' in session
        finally:
            api.loop.run_until_complete(background.stop(parts))
        assert all(part.done() for part in parts)
        assert verbs(api.statements()) == ["initialized", "terminated"]
