"""Every rule of `decide`: what each LRS answer means for a batch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from videoxapi.delivery.decisions import (
    Answer,
    Conflict,
    DeadLetter,
    Delivered,
    NetworkFailure,
    Pause,
    RetryAt,
    RetryPolicy,
    Split,
    backoff,
    decide,
    lrs_reason,
    retry_after,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
POLICY = RetryPolicy(base=1.0, cap=60.0, pause_after=5, probe_after=120.0, auth_pause=900.0)


def run(outcome, *, batch=10, attempts=0, failures=0, policy=POLICY, seed=1):
    return decide(
        outcome,
        batch_size=batch,
        attempts=attempts,
        consecutive_failures=failures,
        now=NOW,
        policy=policy,
        rng=random.Random(seed),
    )


@pytest.mark.parametrize("status", [200, 204])
def test_success_statuses_deliver(status):
    assert run(Answer(status)) == Delivered()


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429, 425, 418, 302])
def test_transient_statuses_retry_later_within_the_backoff_ceiling(status):
    decision = run(Answer(status), attempts=3)
    assert isinstance(decision, RetryAt)
    assert NOW <= decision.at <= NOW + timedelta(seconds=8)
    assert str(status) in decision.reason


@pytest.mark.parametrize("kind", ["connect", "timeout", "reset", "protocol"])
def test_network_failures_retry_later(kind):
    decision = run(NetworkFailure(kind, "boom"), attempts=0)
    assert isinstance(decision, RetryAt)
    assert NOW <= decision.at <= NOW + timedelta(seconds=1)
    assert kind in decision.reason


def test_retry_after_in_seconds_is_honoured_exactly():
    decision = run(Answer(503, {"Retry-After": "7"}), attempts=10)
    assert decision == RetryAt(NOW + timedelta(seconds=7), "HTTP 503")


def test_retry_after_as_http_date_is_honoured():
    when = NOW + timedelta(seconds=42)
    decision = run(Answer(429, {"retry-after": format_datetime(when, usegmt=True)}))
    assert isinstance(decision, RetryAt)
    assert decision.at == when


def test_retry_after_in_the_past_means_now():
    when = NOW - timedelta(minutes=5)
    assert retry_after({"Retry-After": format_datetime(when, usegmt=True)}, NOW, 60) == 0.0


def test_retry_after_is_capped():
    assert retry_after({"Retry-After": "999999"}, NOW, 3600) == 3600


@pytest.mark.parametrize("value", ["soon", "", "-3", "1.5"])
def test_unreadable_retry_after_falls_back_to_backoff(value):
    assert retry_after({"Retry-After": value}, NOW, 60) is None
    assert isinstance(run(Answer(503, {"Retry-After": value})), RetryAt)


def test_backoff_grows_exponentially_and_is_capped():
    policy = RetryPolicy(base=0.5, cap=10.0)
    rng = random.Random(7)
    for attempts, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (5, 10.0), (500, 10.0)]:
        samples = [backoff(attempts, policy, rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # full jitter spans the whole range


def test_equal_jitter_never_retries_at_once():
    policy = RetryPolicy(base=1.0, cap=100.0, jitter="equal")
    rng = random.Random(3)
    samples = [backoff(4, policy, rng) for _ in range(200)]
    assert all(8.0 <= s <= 16.0 for s in samples)


def test_jitter_spreads_retries():
    delays = {run(Answer(500), attempts=6, seed=seed).at for seed in range(20)}
    assert len(delays) > 15


@pytest.mark.parametrize("status", [400, 422, 413])
def test_refused_batch_is_split(status):
    assert isinstance(run(Answer(status, {}, b'{"message": "bad"}'), batch=2), Split)


@pytest.mark.parametrize("status", [400, 422])
def test_refused_single_statement_is_dead_lettered_with_the_lrs_reason(status):
    body = b'{"message": "Problem in statement: verb.id is not an IRI"}'
    decision = run(Answer(status, {}, body), batch=1)
    assert decision == DeadLetter(
        f"HTTP {status}: Problem in statement: verb.id is not an IRI", status
    )


def test_too_large_single_statement_is_dead_lettered():
    decision = run(Answer(413, {}, b"Payload Too Large"), batch=1)
    assert decision == DeadLetter("HTTP 413: Payload Too Large", 413)


def test_conflict_on_one_statement_is_recorded_as_conflict():
    decision = run(Answer(409, {}, b'{"message": "id exists"}'), batch=1)
    assert decision == Conflict("HTTP 409: id exists", 409)


def test_conflict_on_a_batch_splits_it():
    assert isinstance(run(Answer(409), batch=3), Split)


@pytest.mark.parametrize("status", [401, 403, 404, 405])
def test_credentials_or_endpoint_problems_pause_with_an_alert_and_no_dead_letter(status):
    for batch in (1, 50):
        decision = run(Answer(status), batch=batch, failures=0)
        assert isinstance(decision, Pause)
        assert decision.alert
        assert decision.until == NOW + timedelta(seconds=900)
        assert str(status) in decision.reason


def test_consecutive_failures_pause_the_destination_without_alert():
    assert isinstance(run(Answer(500), failures=3), RetryAt)
    decision = run(Answer(500), failures=4)
    assert decision == Pause(
        NOW + timedelta(seconds=120), "HTTP 500 (5 failures in a row)", alert=False
    )
    assert isinstance(run(NetworkFailure("connect", "refused"), failures=9), Pause)


def test_pause_after_failures_respects_a_longer_retry_after():
    decision = run(Answer(503, {"Retry-After": "600"}), failures=4)
    assert isinstance(decision, Pause)
    assert decision.until == NOW + timedelta(seconds=600)


def test_reason_prefers_the_lrs_message_and_is_truncated():
    assert (
        lrs_reason(b'{"detail": [{"msg": "field required"}]}', 100) == '[{"msg":"field required"}]'
    )
    assert lrs_reason(b'{"error": "nope"}', 100) == "nope"
    assert lrs_reason(b"plain\n text ", 100) == "plain text"
    assert lrs_reason(b"", 100) == ""
    assert lrs_reason(b'["a"]', 100) == '["a"]'
    assert lrs_reason(b'{"other": 1}', 100) == '{"other": 1}'
    long = lrs_reason(b"x" * 1000, 50)
    assert len(long) == 50 and long.endswith("…")
    assert lrs_reason(b"\xff\xfe bad utf8", 100).endswith("bad utf8")


def test_empty_refusal_still_gives_a_reason():
    assert run(Answer(400), batch=1) == DeadLetter("HTTP 400: refused", 400)
