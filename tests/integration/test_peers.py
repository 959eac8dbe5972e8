"""The test peers are real and as strict as TEST-PEERS.md says; the fault server obeys.

Delivery tests rely on these behaviours (409 for a reused id, all-or-nothing batches,
401 for bad credentials, ...): if an upgrade of a peer changes one, this module says so
before a delivery test fails for an obscure reason.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.fault_lrs import FaultLrs
from support.peers import LrsPeer, PeerProcess, free_port
from support.validator import XapiValidator
from unit.test_validator import samples

pytestmark = pytest.mark.integration

VERSION = {"X-Experience-API-Version": "1.0.3"}
TWO_IDENTIFIERS = {
    "mbox": "mailto:ann@example.org",
    "account": {"homePage": "https://videos.example.org", "name": "ann"},
}


def a_statement(**changes: Any) -> dict[str, Any]:
    """A small valid statement with a fresh id."""
    statement = {
        "id": str(uuid.uuid4()),
        "timestamp": "2024-05-01T10:00:00.000Z",
        "actor": {"objectType": "Agent", "mbox": "mailto:ann@example.org"},
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/liked", "display": {"en-US": "liked"}},
        "object": {"id": "https://videos.example.org/media/0_abc123", "objectType": "Activity"},
    }
    statement.update(changes)
    return statement


def post(
    lrs: LrsPeer | FaultLrs,
    body: Any,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST `body` to `<endpoint>statements` with the LRS's credentials by default."""
    return httpx.post(
        lrs.endpoint + "statements",
        json=body,
        auth=auth or (lrs.key, lrs.secret),
        headers=VERSION if headers is None else headers,
        timeout=timeout,
    )


def copies(lrs: LrsPeer, statement_id: str) -> int:
    """How many statements with this id the LRS holds."""
    return sum(1 for s in lrs.statements() if s["id"] == statement_id)


@pytest.fixture(params=["learning_locker", "ralph_lrs"])
def lrs(request: pytest.FixtureRequest) -> LrsPeer:
    """Each real peer in turn (module-scoped underneath: started once per module)."""
    return request.getfixturevalue(request.param)


# --- both real LRSs ------------------------------------------------------------------


def test_a_valid_statement_is_stored_once(lrs: LrsPeer) -> None:
    statement = a_statement()
    answer = post(lrs, statement)
    assert answer.status_code == 200, answer.text
    assert answer.json() == [statement["id"]]
    stored = [s for s in lrs.statements() if s["id"] == statement["id"]]
    assert len(stored) == 1
    assert stored[0]["actor"]["mbox"] == "mailto:ann@example.org"


def test_the_same_id_and_content_again_succeeds_and_keeps_one_copy(lrs: LrsPeer) -> None:
    statement = a_statement()
    assert post(lrs, statement).status_code == 200
    again = post(lrs, statement)
    assert again.status_code in (200, 204), again.text
    assert copies(lrs, statement["id"]) == 1


def test_the_same_id_with_other_content_is_a_conflict(lrs: LrsPeer) -> None:
    statement = a_statement()
    assert post(lrs, statement).status_code == 200
    other = dict(statement, actor={"objectType": "Agent", "mbox": "mailto:bob@example.org"})
    answer = post(lrs, other)
    assert answer.status_code == 409, answer.text
    assert copies(lrs, statement["id"]) == 1


def test_an_invalid_statement_is_refused(lrs: LrsPeer) -> None:
    expected = {"learning-locker": 400, "ralph": 422}[lrs.name]
    two_identifiers = a_statement(actor=TWO_IDENTIFIERS)
    answer = post(lrs, two_identifiers)
    assert answer.status_code == expected, answer.text
    assert copies(lrs, two_identifiers["id"]) == 0


def test_a_batch_with_one_invalid_statement_stores_nothing(lrs: LrsPeer) -> None:
    # Two actor identifiers: both refuse it. (Ralph stores a bad verb IRI, and answers an
    # mbox without "mailto:" with a 500: see TEST-PEERS.md.)
    good, bad = a_statement(), a_statement(actor=TWO_IDENTIFIERS)
    answer = post(lrs, [good, bad])
    assert answer.status_code in (400, 422), answer.text
    assert copies(lrs, good["id"]) == 0


def test_wrong_credentials_are_refused(lrs: LrsPeer) -> None:
    statement = a_statement()
    assert post(lrs, statement, auth=(lrs.key, "wrong")).status_code == 401
    assert post(lrs, statement, auth=("nobody", lrs.secret)).status_code == 401
    assert copies(lrs, statement["id"]) == 0


def test_statements_follows_more_links(lrs: LrsPeer) -> None:
    batch = [a_statement() for _ in range(130)]
    assert post(lrs, batch).status_code == 200
    held = {s["id"] for s in lrs.statements()}
    assert {s["id"] for s in batch} <= held


# --- where they differ ----------------------------------------------------------------


def test_learning_locker_refuses_a_missing_or_2_0_version_header(
    learning_locker: LrsPeer,
) -> None:
    statement = a_statement()
    assert post(learning_locker, statement, headers={}).status_code == 400
    two = post(learning_locker, statement, headers={"X-Experience-API-Version": "2.0.0"})
    assert two.status_code == 400
    assert copies(learning_locker, statement["id"]) == 0


def test_ralph_ignores_the_version_header_as_documented(ralph_lrs: LrsPeer) -> None:
    assert post(ralph_lrs, a_statement(), headers={}).status_code == 200


def test_learning_locker_about_names_1_0_3(learning_locker: LrsPeer) -> None:
    answer = httpx.get(learning_locker.endpoint + "about", headers=VERSION)
    assert answer.status_code == 200
    assert "1.0.3" in answer.json()["version"]


def test_learning_locker_refuses_a_timestamp_without_zone(learning_locker: LrsPeer) -> None:
    answer = post(learning_locker, a_statement(timestamp="2024-05-01T10:00:00.000"))
    assert answer.status_code == 400, answer.text


def test_learning_locker_stores_every_validator_sample(
    learning_locker: LrsPeer, xapi_validator: XapiValidator
) -> None:
    """The strict LRS and the validator agree on what is valid."""
    statements = list(samples().values())
    xapi_validator.check(statements)
    answer = post(learning_locker, statements)
    assert answer.status_code == 200, answer.text


def test_learning_locker_restarts_empty_on_the_same_endpoint(learning_locker: LrsPeer) -> None:
    statement = a_statement()
    assert post(learning_locker, statement).status_code == 200
    endpoint = learning_locker.endpoint
    learning_locker.stop()
    with pytest.raises(httpx.ConnectError):
        post(learning_locker, a_statement(), timeout=2.0)
    learning_locker.start()
    assert learning_locker.endpoint == endpoint
    assert copies(learning_locker, statement["id"]) == 0
    assert post(learning_locker, statement).status_code == 200


def test_ralph_restarts_with_its_store_on_the_same_endpoint(ralph_lrs: LrsPeer) -> None:
    statement = a_statement()
    assert post(ralph_lrs, statement).status_code == 200
    ralph_lrs.stop()
    with pytest.raises(httpx.ConnectError):
        post(ralph_lrs, a_statement(), timeout=2.0)
    ralph_lrs.start()
    assert copies(ralph_lrs, statement["id"]) == 1


# --- the process handling under both ----------------------------------------------------


def test_a_peer_that_dies_at_start_reports_its_stderr(tmp_path: Path) -> None:
    process = PeerProcess(
        "doomed",
        [sys.executable, "-c", "import sys; sys.exit('no store for you')"],
        {"PATH": "/usr/bin:/bin"},
        tmp_path,
        f"http://127.0.0.1:{free_port()}/",
    )
    with pytest.raises(RuntimeError, match="no store for you"):
        process.start()


def test_stop_leaves_no_process_of_the_group(tmp_path: Path) -> None:
    port = free_port()
    server = f"{sys.executable} -m http.server --bind 127.0.0.1 {port}"
    process = PeerProcess(
        "group",
        ["/bin/sh", "-c", f"sleep 300 & exec {server}"],  # a child besides the leader
        {"PATH": "/usr/bin:/bin"},
        tmp_path,
        f"http://127.0.0.1:{port}/",
    )
    process.start()
    assert process.proc is not None
    group = process.proc.pid
    os.killpg(group, 0)  # the group exists
    process.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)


# --- the fault server -----------------------------------------------------------------


def test_fault_lrs_answers_about_and_records_headers(fault_lrs: FaultLrs) -> None:
    assert httpx.get(fault_lrs.endpoint + "about").json() == {"version": ["1.0.3"]}
    statement = a_statement()
    assert post(fault_lrs, statement).json() == [statement["id"]]
    request = fault_lrs.received[-1]
    assert request.headers["Authorization"] == fault_lrs.authorization
    assert request.headers["X-Experience-API-Version"] == "1.0.3"
    assert request.ids == [statement["id"]]
    assert fault_lrs.stored == {statement["id"]: statement}


def test_fault_lrs_checks_credentials_and_version(fault_lrs: FaultLrs) -> None:
    assert post(fault_lrs, a_statement(), auth=("fault-key", "nope")).status_code == 401
    assert post(fault_lrs, a_statement(), headers={}).status_code == 400
    assert fault_lrs.stored == {}


def test_fault_lrs_plays_its_script_in_order(fault_lrs: FaultLrs) -> None:
    fault_lrs.script(500, (503, {"Retry-After": "1"}), 429, 401, 403)
    statement = a_statement()
    answers = [post(fault_lrs, statement) for _ in range(6)]
    assert [a.status_code for a in answers] == [500, 503, 429, 401, 403, 200]
    assert answers[1].headers["Retry-After"] == "1"
    assert fault_lrs.statuses == [500, 503, 429, 401, 403, 200]
    assert list(fault_lrs.stored) == [statement["id"]]


def test_fault_lrs_keeps_one_copy_and_detects_conflicts(fault_lrs: FaultLrs) -> None:
    statement = a_statement()
    assert post(fault_lrs, statement).status_code == 200
    assert post(fault_lrs, [statement]).status_code == 200
    assert post(fault_lrs, dict(statement, verb={"id": "http://e.org/v"})).status_code == 409
    assert len(fault_lrs.stored) == 1


def test_fault_lrs_refuses_large_batches_and_marked_ids_all_or_nothing(
    fault_lrs: FaultLrs,
) -> None:
    fault_lrs.max_batch = 2
    batch = [a_statement() for _ in range(3)]
    assert post(fault_lrs, batch).status_code == 413
    fault_lrs.reject_ids[batch[1]["id"]] = 400
    fault_lrs.conflict_ids.add(batch[2]["id"])
    rejected = post(fault_lrs, batch[:2])
    assert rejected.status_code == 400
    assert batch[1]["id"] in rejected.text
    assert post(fault_lrs, [batch[0], batch[2]]).status_code == 409
    assert fault_lrs.stored == {}
    assert post(fault_lrs, batch[:1]).status_code == 200


def test_fault_lrs_reset_really_resets(fault_lrs: FaultLrs) -> None:
    fault_lrs.script("reset")
    with pytest.raises(httpx.ReadError, match=r"(?i)reset"):
        post(fault_lrs, a_statement())
    assert fault_lrs.statuses == ["reset"]
    assert post(fault_lrs, a_statement()).status_code == 200


def test_fault_lrs_hang_outlasts_a_one_second_client_timeout(fault_lrs: FaultLrs) -> None:
    fault_lrs.hang_seconds = 1.5
    fault_lrs.script("hang")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        post(fault_lrs, a_statement(), timeout=1.0)
    assert time.monotonic() - started >= 1.0
    assert fault_lrs.stored == {}


def test_fault_lrs_hang_ends_with_a_closed_connection(fault_lrs: FaultLrs) -> None:
    fault_lrs.hang_seconds = 0.3
    fault_lrs.script("hang")
    with pytest.raises(httpx.RemoteProtocolError):
        post(fault_lrs, a_statement(), timeout=5.0)
