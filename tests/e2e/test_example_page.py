"""docs/example.html works as written: with its three REPLACE values filled in, it loads
the plugin as an ES module from the service, tracks the video, and the session reaches
the LRS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from e2e_support import as_sent, verb, wait_for_statements
from playwright.sync_api import BrowserContext
from support.peers import LrsPeer
from support.service import Service

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example.html"


@contextmanager
def integrator_site(html: str) -> Iterator[str]:
    """A one-page web server on its own port: the integrator's origin."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_example_page_tracks_its_video(
    context: BrowserContext, service: Service, ralph_lrs: LrsPeer, xapi_validator
) -> None:
    service.settings(beaconInterval="quarters")
    token = service.cli("token", "--user-id", "example-user", "--email", "ada@example.org")
    html = (
        EXAMPLE.read_text()
        .replace("https://xapi.example.com", service.base_url)
        .replace("VIEWER-TOKEN", token.strip())
        .replace("https://videos.example.com/media/", service.base_url + "/static/demo/")
        .replace("lecture-1.webm", "clip.webm")
    )
    page = context.new_page()
    # The integrator's site: another origin than the service, so the API calls are CORS.
    with integrator_site(html) as site:
        page.goto(site + "/lecture-1.html")
        page.wait_for_function("window.lectureTracker && window.lectureTracker.enabled")
        session = page.evaluate("window.lectureTracker.session")
        page.evaluate("const v = document.getElementById('lecture'); v.muted = true; v.play()")
        # Past the plugin's first periodic flush (2 s): that request carries the CORS
        # preflight, which the browser caches, so the flush when the page is left is one
        # keepalive request. (A page left sooner keeps its events in localStorage until
        # the viewer's next visit: a closing page may lose a preflight and its request.)
        page.wait_for_function("document.getElementById('lecture').currentTime > 3")
        context.close()

    found = wait_for_statements(ralph_lrs, session)
    xapi_validator.check(as_sent(s) for s in found)
    assert [verb(s) for s in found][:1] == ["initialized"]
    assert verb(found[-1]) == "terminated"
    assert found[0]["actor"]["mbox"] == "mailto:ada@example.org"
    assert found[0]["object"]["id"] == "https://videos.example.test/media/lecture-1"
    grouping = found[0]["context"]["contextActivities"]["grouping"]
    assert any(a["id"].endswith("/channel/physics-101") for a in grouping)
