"""What an LRS answer means for the batch that got it: a pure function, no I/O.

`decide(outcome, ...)` turns (the answer or the network failure, the batch size, the
attempts so far, the destination's consecutive failures, now, a random source) into one
decision. The worker applies decisions; nothing here sleeps, logs or reads a clock, so
every rule is a plain unit test.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

import orjson

Jitter = Literal["full", "equal"]


# -- what happened -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer from the LRS (any status)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class NetworkFailure:
    """No usable answer: refused, reset, timed out. `message` never holds a secret."""

    kind: Literal["connect", "timeout", "reset", "protocol"]
    message: str


Outcome = Answer | NetworkFailure


# -- what to do --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivered:
    """The LRS stored every statement of the batch (or already had them)."""


@dataclass(frozen=True, slots=True)
class RetryAt:
    """Send the same statements again, not before `at`."""

    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Split:
    """The batch as a whole was refused; send its halves separately."""

    reason: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """The LRS refused this one statement for itself: keep it for an administrator."""

    reason: str
    status: int


@dataclass(frozen=True, slots=True)
class Conflict:
    """The LRS holds another statement with this id (409): record it, never resend."""

    reason: str
    status: int


@dataclass(frozen=True, slots=True)
class Pause:
    """Stop sending to this destination until `until`; the statements wait, unharmed.

    `alert` marks what an administrator must fix (credentials, endpoint) as opposed to
    an LRS that keeps failing and is merely probed again later.
    """

    until: datetime
    reason: str
    alert: bool


Decision = Delivered | RetryAt | Split | DeadLetter | Conflict | Pause


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff and pause settings; seconds throughout."""

    base: float = 1.0
    cap: float = 300.0
    jitter: Jitter = "full"
    retry_after_cap: float = 3600.0
    pause_after: int = 8  # consecutive failed requests to one destination
    probe_after: float = 300.0  # how long a failing destination rests
    auth_pause: float = 900.0  # how long 401/403/404 pause a destination
    reason_limit: int = 500


SPLITTABLE = frozenset({400, 413, 422})
MISCONFIGURED = {
    401: "credentials refused",
    403: "access forbidden",
    404: "no such resource",
    405: "method not allowed",
}


def is_failure(outcome: Outcome) -> bool:
    """Whether the outcome counts as a failed request to the destination (network error,
    5xx, 408, 429...), the kind that pauses a destination when it keeps happening."""
    if isinstance(outcome, NetworkFailure):
        return True
    status = outcome.status
    return not (
        200 <= status < 300 or status in MISCONFIGURED or status in SPLITTABLE or status == 409
    )


def decide(
    outcome: Outcome,
    *,
    batch_size: int,
    attempts: int,
    consecutive_failures: int,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> Decision:
    """The decision for one request's outcome.

    `attempts` counts earlier tries of these statements, `consecutive_failures` earlier
    failed requests to the destination (both before this one).
    """
    if isinstance(outcome, NetworkFailure):
        return _transient(
            f"{outcome.kind}: {outcome.message}",
            None,
            attempts,
            consecutive_failures,
            now,
            policy,
            rng,
        )
    status = outcome.status
    if 200 <= status < 300:
        return Delivered()
    if status in MISCONFIGURED:
        reason = f"HTTP {status} {MISCONFIGURED[status]}"
        detail = lrs_reason(outcome.body, policy.reason_limit)
        if detail:
            reason = f"{reason}: {detail}"
        return Pause(now + timedelta(seconds=policy.auth_pause), reason, alert=True)
    if status in SPLITTABLE or status == 409:
        reason = f"HTTP {status}: {lrs_reason(outcome.body, policy.reason_limit) or 'refused'}"
        if batch_size > 1:
            return Split(reason)
        if status == 409:
            return Conflict(reason, status)
        return DeadLetter(reason, status)
    return _transient(
        f"HTTP {status}", outcome.headers, attempts, consecutive_failures, now, policy, rng
    )


def _transient(
    reason: str,
    headers: Mapping[str, str] | None,
    attempts: int,
    consecutive_failures: int,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> Decision:
    """5xx, 408, 429, other odd statuses and network failures: wait, then try again."""
    delay = retry_after(headers, now, policy.retry_after_cap) if headers else None
    if consecutive_failures + 1 >= policy.pause_after:
        rest = max(policy.probe_after, delay or 0.0)
        return Pause(
            now + timedelta(seconds=rest),
            f"{reason} ({consecutive_failures + 1} failures in a row)",
            alert=False,
        )
    if delay is None:
        delay = backoff(attempts, policy, rng)
    return RetryAt(now + timedelta(seconds=delay), reason)


def backoff(attempts: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Exponential backoff with jitter: `base * 2**attempts`, capped, then jittered.

    Full jitter spreads retries over [0, ceiling] (fewest collisions); equal jitter over
    [ceiling/2, ceiling] (never retries at once).
    """
    ceiling = min(policy.cap, policy.base * 2.0 ** min(attempts, 62))
    if policy.jitter == "equal":
        return ceiling / 2 + rng.uniform(0, ceiling / 2)
    return rng.uniform(0, ceiling)


def retry_after(headers: Mapping[str, str], now: datetime, cap: float) -> float | None:
    """Seconds asked by `Retry-After` (delta-seconds or an HTTP-date), capped; None if absent
    or unreadable."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), cap)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def lrs_reason(body: bytes, limit: int) -> str:
    """The LRS's own words about a refusal, one line, at most `limit` characters.

    LRSs disagree on the shape (`message`, `detail`, `error`, `errorId`...), so take the
    likely field of a JSON object, else the text itself.
    """
    text = ""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "detail", "error", "warnings", "errors"):
            if data.get(key):
                value = data[key]
                text = value if isinstance(value, str) else orjson.dumps(value).decode()
                break
        else:
            text = body.decode("utf-8", "replace")
    elif data is not None:
        text = orjson.dumps(data).decode()
    else:
        text = body.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
