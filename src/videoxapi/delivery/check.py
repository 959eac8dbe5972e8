"""`check_lrs`: tell an administrator, in plain words, whether a destination works.

Two requests, neither of which changes anything: `GET <endpoint>/about` (reachable? an
xAPI LRS? the configured version supported?), then an authenticated
`GET <endpoint>/statements?limit=1` (are the credentials accepted?). Both test LRSs
answer these; one without `/about` (Ralph) is judged by the second request alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from videoxapi.delivery.client import LrsClient, resource_url, statements_url
from videoxapi.delivery.decisions import Answer, NetworkFailure, Outcome, lrs_reason
from videoxapi.store.base import Destination


@dataclass(frozen=True, slots=True)
class CheckReport:
    """`ok` when statements can be sent; `problems` and `notes` are sentences."""

    destination: Destination
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_lrs(client: LrsClient, destination: Destination) -> CheckReport:
    """Probe the destination; never raises for anything the LRS does."""
    endpoint = destination.endpoint
    problems: list[str] = []
    notes: list[str] = []
    about = client.request(destination, "GET", resource_url(endpoint, "about"), authenticated=False)
    if isinstance(about, NetworkFailure):
        problems.append(f"cannot reach {endpoint}: {_network_words(about)}")
        return CheckReport(destination, False, problems, notes)
    versions = _versions(about)
    if versions is None:
        notes.append(
            f"{resource_url(endpoint, 'about')} did not answer like an xAPI LRS "
            f"(HTTP {about.status}); some LRSs have none, checking statements instead"
        )
    elif not _supports(versions, destination.xapi_version):
        problems.append(
            f"the LRS supports xAPI {', '.join(versions)}, not "
            f"{destination.xapi_version}: change xapiVersion"
        )
    else:
        notes.append(f"the LRS speaks xAPI {', '.join(versions)}")

    probe = client.request(destination, "GET", statements_url(endpoint), params={"limit": "1"})
    problems.extend(_probe_problems(probe, endpoint, versions is None))
    if not problems:
        notes.append("credentials accepted")
    return CheckReport(destination, not problems, problems, notes)


def _probe_problems(probe: Outcome, endpoint: str, no_about: bool) -> list[str]:
    if isinstance(probe, NetworkFailure):
        return [f"the statements resource failed: {_network_words(probe)}"]
    status = probe.status
    if 200 <= status < 300:
        return []
    if status == 401:
        return [
            "credentials refused (HTTP 401): check key and secret"
            " (or the token endpoint and personal token setting)"
        ]
    if status == 403:
        return ["credentials accepted but not allowed to read or write statements (HTTP 403)"]
    if status in (404, 405) and no_about:
        return [f"{endpoint} is not an xAPI endpoint (no /about, no /statements): check the URL"]
    reason = lrs_reason(probe.body, 200)
    return [f"the statements resource answered HTTP {status}" + (f": {reason}" if reason else "")]


def _versions(answer: Answer) -> list[str] | None:
    if answer.status != 200:
        return None
    try:
        data = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return None
    versions = data.get("version") if isinstance(data, dict) else None
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        return None
    return versions


def _supports(versions: list[str], wanted: str) -> bool:
    """`1.0.3` is served by an LRS of any 1.0.x; `2.0.0` needs 2.0.x."""
    major_minor = ".".join(wanted.split(".")[:2])
    return any(v == wanted or v.startswith(major_minor + ".") for v in versions)


def _network_words(failure: NetworkFailure) -> str:
    return {
        "connect": "connection refused or host not found",
        "timeout": "no answer before the timeout",
        "reset": "the connection was dropped",
    }.get(failure.kind, "the answer was unusable") + f" ({failure.message})"
