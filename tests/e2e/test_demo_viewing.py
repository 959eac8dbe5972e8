"""The plugin in Chromium on /demo, statements in Ralph: a whole viewing (quarters and
onePercent), a quartile-only player, a page closed mid-play, and a network that goes
away. Expectations are computed from what each test did to the video."""

from __future__ import annotations

from collections import Counter

import pytest
from e2e_support import DURATION, Demo, as_sent, ext, segments, verb, wait_for_statements
from playwright.sync_api import BrowserContext
from support.peers import LrsPeer
from support.screenshots import screenshot_path
from support.service import Service

pytestmark = pytest.mark.browser

QUARTERS = [0.0, 0.25, 0.5, 0.75, 1.0]
# Timeupdates come every ~250 ms of wall time: at rate 4 the playhead moves about 1 s
# between two of them, so positions seen by the service are within that of the truth.
STEP = 1.2


def verbs_of(statements: list[dict]) -> Counter[str]:
    return Counter(verb(s) for s in statements)


def assert_ends_with_terminated(statements: list[dict]) -> None:
    assert verb(statements[-1]) == "terminated", [verb(s) for s in statements]
    assert verb(statements[0]) == "initialized"
    assert len({s["id"] for s in statements}) == len(statements), "each statement once"


def test_a_whole_viewing_in_quarters(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="quarters")
    demo.open()
    session = demo.session
    demo.speed(4)
    demo.play_until(10)
    paused_at = demo.pause()
    assert paused_at >= 10
    demo.seek(4)
    demo.play_to_end()
    # The live panel shows the statements as they are queued and delivered.
    demo.page.wait_for_function(
        "window.videoxapiDemo.statements.filter(s => s.verb === 'completed'"
        " && s.state === 'delivered').length === 1"
    )
    demo.page.screenshot(path=str(screenshot_path("demo.png")), full_page=True)
    context.close()  # pagehide: the plugin sends `end` with keepalive

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    counts = verbs_of(found)
    assert counts["initialized"] == 1
    assert counts["played"] == 2  # at 0, and after the seek
    assert counts["seeked"] == 1
    assert counts["completed"] == 1
    assert counts["terminated"] == 1
    assert counts["interacted"] >= 1  # the speed change

    played = [s for s in found if verb(s) == "played"]
    assert ext(played[0], "time") == pytest.approx(0, abs=0.3)
    assert ext(played[1], "time") == pytest.approx(4, abs=0.05)
    first_pause = next(s for s in found if verb(s) == "paused")
    assert ext(first_pause, "time") == pytest.approx(paused_at, abs=0.01)
    assert segments(ext(first_pause, "played-segments")) == [
        (pytest.approx(0, abs=0.3), pytest.approx(paused_at, abs=0.01))
    ]
    seeked = next(s for s in found if verb(s) == "seeked")
    assert ext(seeked, "time-from") == pytest.approx(paused_at, abs=0.01)
    assert ext(seeked, "time-to") == pytest.approx(4, abs=0.05)

    progressed = [s for s in found if verb(s) == "progressed"]
    assert [ext(s, "progress") for s in progressed] == QUARTERS
    # Each milestone is detected where the playhead was when it was reached.
    for beacon in progressed[1:]:
        reached = ext(beacon, "progress") * DURATION
        where = ext(beacon, "time")
        if ext(beacon, "progress") <= paused_at / DURATION:
            assert where == pytest.approx(reached, abs=STEP + 0.5)
        else:
            # Past the first stretch: the union grows from the replayed part's end.
            assert where == pytest.approx(reached, abs=STEP + 0.5) or where >= paused_at

    completed = next(s for s in found if verb(s) == "completed")
    assert completed["result"]["completion"] is True
    assert ext(completed, "progress") == pytest.approx(1, abs=0.03)
    terminated = found[-1]
    assert ext(terminated, "progress") == 1
    assert segments(ext(terminated, "played-segments")) == [
        (pytest.approx(0, abs=0.3), pytest.approx(DURATION, abs=0.01))
    ]
    # The video ended: a paused at the end before terminated, and none after.
    last_pause = [s for s in found if verb(s) == "paused"][-1]
    assert ext(last_pause, "time") == pytest.approx(DURATION, abs=0.01)


def test_one_percent_beacons(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="onePercent")
    demo.open()
    demo.wait_for_mode("onePercent")
    session = demo.session
    demo.speed(4)
    demo.play_to_end()
    context.close()

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    progressed = [s for s in found if verb(s) == "progressed"]
    # I = clamp(24 / 100, 1, 30) = 1 s of playback: one at the first play, then one
    # about every second of the 24 (fewer when one timeupdate covers more than 1 s).
    assert 12 <= len(progressed) <= 26, len(progressed)
    values = [ext(s, "progress") for s in progressed]
    assert values == sorted(values)
    assert values[0] == pytest.approx(0, abs=0.02)
    assert values[-1] >= 0.9
    assert verbs_of(found)["completed"] == 1


def test_a_quartile_only_player_is_tracked_in_quarters(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="onePercent")  # overridden: the player cannot do it
    demo.open("?adapter=quartiles")
    demo.wait_for_mode("quarters")
    session = demo.session
    demo.speed(4)
    demo.play_to_end()
    demo.page.wait_for_function("window.videoxapiDemo.tracker.outbox.record.events.length === 0")
    sent = demo.pending_events()
    context.close()

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    progressed = [s for s in found if verb(s) == "progressed"]
    assert [ext(s, "progress") for s in progressed] == QUARTERS
    assert verbs_of(found)["completed"] == 1
    assert ext(found[-1], "progress") == 1
    assert sent == 0, "everything was acknowledged"


def test_closing_the_page_mid_play_still_terminates(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="quarters")
    demo.open()
    session = demo.session
    demo.speed(2)
    reached = demo.play_until(8)
    context.close()  # while playing: pagehide, then the context is gone

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    assert verb(found[-2]) == "paused", "it was playing: paused, then terminated"
    end = ext(found[-1], "time")
    assert reached - 0.1 <= end <= reached + 1.5  # where the page was closed
    assert ext(found[-1], "progress") == pytest.approx(end / DURATION, abs=0.02)
    assert [ext(s, "progress") for s in found if verb(s) == "progressed"] == [0.0, 0.25]
    assert verbs_of(found)["completed"] == 0


def test_offline_then_online_loses_nothing_and_sends_nothing_twice(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="quarters")
    demo.open()
    session = demo.session
    demo.speed(4)
    demo.play_until(3)
    context.set_offline(True)
    demo.play_until(14)
    paused_at = demo.pause()
    demo.page.wait_for_function("window.videoxapiDemo.tracker.outbox.retryDelay > 0")
    assert demo.pending_events() > 0, "unacknowledged events are kept in localStorage"
    context.set_offline(False)  # `online`: the plugin sends what it kept
    demo.page.wait_for_function(
        """Object.keys(localStorage).filter(k => k.startsWith('videoxapi:session:'))
           .every(k => JSON.parse(localStorage.getItem(k)).events.length === 0)"""
    )
    demo.play_to_end()
    context.close()

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    counts = verbs_of(found)
    assert counts["played"] == 2 and counts["completed"] == 1 and counts["terminated"] == 1
    progressed = [ext(s, "progress") for s in found if verb(s) == "progressed"]
    assert progressed == QUARTERS, "the quarters played offline were reported once"
    first_pause = next(s for s in found if verb(s) == "paused")
    assert ext(first_pause, "time") == pytest.approx(paused_at, abs=0.01)
    assert segments(ext(found[-1], "played-segments")) == [
        (pytest.approx(0, abs=0.3), pytest.approx(DURATION, abs=0.01))
    ]


def test_a_reload_sends_what_the_previous_page_could_not(
    demo: Demo, context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="quarters")
    demo.open()
    session = demo.session
    demo.speed(4)
    demo.play_until(2)
    # The network to the API fails from here on, the leaving page's keepalive included.
    context.route("**/api/v1/sessions/**", lambda route: route.abort("internetdisconnected"))
    reached = demo.play_until(9)
    demo.page.wait_for_function("window.videoxapiDemo.tracker.outbox.retryDelay > 0")
    demo.page.reload()  # pagehide: `end` is stored, its keepalive fails
    demo.page.wait_for_function("window.videoxapiDemo && window.videoxapiDemo.tracker.enabled")
    assert demo.session != session
    assert demo.pending_events() > 0, "the previous page's events are still kept"
    context.unroute("**/api/v1/sessions/**")  # the new page's retries now get through

    found = wait_for_statements(ralph_lrs, session, timeout=45)
    xapi_validator.check(as_sent(s) for s in found)
    assert_ends_with_terminated(found)
    assert ext(found[-1], "time") == pytest.approx(reached, abs=1.5)
    assert [ext(s, "progress") for s in found if verb(s) == "progressed"] == [0.0, 0.25]
    demo.page.wait_for_function(f"localStorage.getItem('videoxapi:session:{session}') === null")
