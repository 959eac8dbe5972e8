"""What the end-to-end tests share besides fixtures: the demo page driven in the browser,
and reading back what the LRS holds. (A module of its own: `conftest` names collide
between tiers when the whole suite runs.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page
from support.peers import LrsPeer

from videoxapi.xapi.identity import statement_id

SITE = "default"
SITE_URL = "https://videos.example.test"
EXT = "https://w3id.org/xapi/video/extensions/"
VERB_NAMES = {
    "http://adlnet.gov/expapi/verbs/initialized": "initialized",
    "https://w3id.org/xapi/video/verbs/played": "played",
    "https://w3id.org/xapi/video/verbs/paused": "paused",
    "https://w3id.org/xapi/video/verbs/seeked": "seeked",
    "http://adlnet.gov/expapi/verbs/completed": "completed",
    "http://adlnet.gov/expapi/verbs/terminated": "terminated",
    "http://adlnet.gov/expapi/verbs/progressed": "progressed",
    "http://adlnet.gov/expapi/verbs/interacted": "interacted",
}
DURATION = 24.0

pytestmark = pytest.mark.browser


class Demo:
    """The demo page of one test, and what it can do with its video."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, query: str = "") -> Demo:
        self.page.goto("/demo" + query)
        # The service has answered the start: the session exists and tracking is on.
        self.page.wait_for_function("window.videoxapiDemo && window.videoxapiDemo.tracker.enabled")
        self.page.wait_for_function("document.getElementById('demo-video').readyState >= 1")
        return self

    @property
    def session(self) -> str:
        return str(self.page.evaluate("window.videoxapiDemo.tracker.session"))

    def js(self, script: str) -> Any:
        video = "const v = document.getElementById('demo-video');"
        return self.page.evaluate(f"(() => {{ {video} {script} }})()")

    def wait_for_mode(self, mode: str) -> None:
        """The beacon mode the service answered to the start, as the page shows it."""
        self.page.wait_for_function(
            f"document.getElementById('beacon-mode').textContent === '{mode}'"
        )

    def speed(self, rate: float) -> None:
        self.js(f"v.playbackRate = {rate};")

    def play_until(self, position: float) -> float:
        """Play until the playhead reaches `position` (bounded by the page's timeout)."""
        self.js("v.play();")
        self.page.wait_for_function(
            f"document.getElementById('demo-video').currentTime >= {position}", polling=20
        )
        return float(self.js("return v.currentTime;"))

    def pause(self) -> float:
        """Pause; the position the pause event reported."""
        return float(self.js("v.pause(); return v.currentTime;"))

    def seek(self, position: float) -> None:
        self.js(f"v.currentTime = {position};")
        self.page.wait_for_function("!document.getElementById('demo-video').seeking")

    def play_to_end(self) -> None:
        self.js("v.play();")
        self.page.wait_for_function("document.getElementById('demo-video').ended", polling=50)

    def pending_events(self) -> int:
        """Events this page's plugin keeps in localStorage, not yet acknowledged."""
        return int(
            self.page.evaluate(
                """Object.keys(localStorage).filter(k => k.startsWith('videoxapi:session:'))
                   .map(k => JSON.parse(localStorage.getItem(k)).events.length)
                   .reduce((a, b) => a + b, 0)"""
            )
        )


LRS_ADDED = ("stored", "authority", "version")


def as_sent(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement without what the LRS added, for the validator."""
    return {k: v for k, v in statement.items() if k not in LRS_ADDED}


def session_id_of(session: str) -> str:
    """The `session-id` extension of a session's statements: its initialized's id."""
    return str(statement_id(SITE, session, 0, "initialized", 0))


def verb(statement: dict[str, Any]) -> str:
    return VERB_NAMES.get(statement["verb"]["id"], statement["verb"]["id"])


def ext(statement: dict[str, Any], name: str) -> Any:
    for part in ("result", "context"):
        found = ((statement.get(part) or {}).get("extensions") or {}).get(EXT + name)
        if found is not None:
            return found
    return None


def wait_for_statements(
    lrs: LrsPeer,
    session: str,
    done: Callable[[list[dict[str, Any]]], bool] = lambda found: any(
        verb(s) == "terminated" for s in found
    ),
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    """Poll Ralph (bounded) until the session's statements satisfy `done`, then once more
    after a short settle so that late duplicates or stragglers would be seen; sorted by
    timestamp, the order they happened in."""
    marker = session_id_of(session)
    deadline = time.monotonic() + timeout
    while True:
        found = [s for s in lrs.statements() if ext(s, "session-id") == marker]
        if done(found):
            break
        if time.monotonic() > deadline:
            verbs = sorted(verb(s) for s in found)
            raise AssertionError(f"after {timeout:.0f} s Ralph holds only {verbs} for {session}")
        time.sleep(0.25)
    time.sleep(1.0)  # anything still in flight (a second copy, a late statement) lands
    found = [s for s in lrs.statements() if ext(s, "session-id") == marker]
    return sorted(found, key=lambda s: (s["timestamp"], _rank(s)))


def _rank(statement: dict[str, Any]) -> int:
    # Statements of one event share its timestamp; terminated is the last of its event.
    return 1 if verb(statement) == "terminated" else 0


def segments(text: str) -> list[tuple[float, float]]:
    return [
        (float(a), float(b)) for a, b in (part.split("[.]") for part in text.split("[,]") if part)
    ]
