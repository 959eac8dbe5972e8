"""`check_lrs` verdicts over `httpx.MockTransport`: each failure in plain words."""

from __future__ import annotations

import httpx
import pytest

from videoxapi.delivery import LrsClient, check_lrs
from videoxapi.store.base import Destination, LrsAuth

ENDPOINT = "https://lrs.example/xapi/"


def run(handler, version="1.0.3"):
    destination = Destination(
        1, "site", "primary", ENDPOINT, LrsAuth("basic", "k", "s3cret"), version
    )
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return check_lrs(LrsClient(http), destination)


def lrs(about=None, statements=200):
    def handle(request):
        if request.url.path.endswith("/about"):
            if about is None:
                return httpx.Response(404)
            return httpx.Response(200, json=about) if isinstance(about, dict) else about
        assert request.url.params["limit"] == "1"
        assert request.headers["Authorization"].startswith("Basic ")
        return httpx.Response(statements, json={"statements": [], "more": ""})

    return handle


def test_a_working_lrs_passes():
    report = run(lrs({"version": ["1.0.3", "1.0.2"]}))
    assert report.ok and report.problems == []
    assert "the LRS speaks xAPI 1.0.3, 1.0.2" in report.notes


def test_about_is_asked_without_credentials():
    seen = []

    def handle(request):
        seen.append(request)
        return lrs({"version": ["1.0.3"]})(request)

    run(handle)
    assert "Authorization" not in seen[0].headers
    assert seen[0].url == "https://lrs.example/xapi/about"


def test_an_unsupported_version_is_named():
    report = run(lrs({"version": ["1.0.3"]}), version="2.0.0")
    assert not report.ok
    assert report.problems == ["the LRS supports xAPI 1.0.3, not 2.0.0: change xapiVersion"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "credentials refused"),
        (403, "not allowed"),
        (500, "answered HTTP 500"),
    ],
)
def test_the_statements_probe_says_what_failed(status, words):
    report = run(lrs({"version": ["1.0.3"]}, statements=status))
    assert not report.ok
    assert words in report.problems[0]
    assert "s3cret" not in " ".join(report.problems)


def test_no_about_and_no_statements_is_not_an_xapi_endpoint():
    report = run(lrs(None, statements=404))
    assert not report.ok
    assert "is not an xAPI endpoint" in report.problems[0]


def test_an_lrs_without_about_is_judged_by_the_statements_probe():
    report = run(lrs(httpx.Response(200, text="<html>hello</html>")))
    assert report.ok
    assert any("did not answer like an xAPI LRS" in note for note in report.notes)


def test_an_unreachable_endpoint_says_so():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    report = run(refuse)
    assert not report.ok
    assert report.problems[0].startswith(f"cannot reach {ENDPOINT}: connection refused")
