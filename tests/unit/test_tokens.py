"""Viewer tokens: what a valid one carries, why others are refused, and the cache of
verified ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest

from videoxapi.tokens import (
    InvalidToken,
    VerifiedTokens,
    mint_viewer_token,
    new_token_secret,
    unverified_site,
    verify_viewer_token,
)

SECRET = new_token_secret()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
REGISTRATION = "6d1f1c8e-0a53-4c7e-9f1b-1a2b3c4d5e6f"


def mint(secret: str = SECRET, **changes) -> str:
    return mint_viewer_token(secret, **({"site": "s", "user_id": "u1", "now": NOW} | changes))


def test_a_valid_token_carries_the_viewer():
    token = mint(email="ann@example.com", name="Ann", registration=REGISTRATION)
    viewer = verify_viewer_token(token, SECRET, site="s", now=NOW)
    assert (viewer.site, viewer.user_id, viewer.email, viewer.name) == (
        "s", "u1", "ann@example.com", "Ann"
    )  # fmt: skip
    assert viewer.registration == UUID(REGISTRATION)
    assert viewer.expires == NOW + timedelta(hours=4)
    assert unverified_site(token) == "s"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: mint(now=NOW - timedelta(hours=5)), "expired"),
        (lambda: mint(secret=new_token_secret()), "signature is not valid"),
        (lambda: mint(site="other"), "another site"),
        (lambda: "not.a.token", "not valid"),
        (lambda: jwt.encode({"sub": "u1", "site": "s"}, SECRET, algorithm="HS256"), "not valid"),
        (lambda: jwt.encode({"sub": "u", "site": "s", "aud": "videoxapi", "iat": NOW,
                             "exp": NOW + timedelta(hours=1)}, SECRET, algorithm="HS512"),
         "not valid"),
    ],
)  # fmt: skip
def test_tokens_that_are_refused_say_why(token, reason):
    with pytest.raises(InvalidToken, match=reason):
        verify_viewer_token(token(), SECRET, site="s", now=NOW)


def test_a_token_without_a_site_is_refused_before_any_lookup():
    with pytest.raises(InvalidToken, match="names no site"):
        unverified_site(jwt.encode({"sub": "u1"}, SECRET, algorithm="HS256"))


def test_verified_tokens_are_remembered_until_they_expire():
    token = mint()
    viewer = verify_viewer_token(token, SECRET, site="s", now=NOW)
    cache = VerifiedTokens()
    cache.put(token, viewer, SECRET)
    assert cache.get(token, lambda site: SECRET, NOW) == viewer
    assert cache.get(token, lambda site: SECRET, NOW + timedelta(hours=5)) is None
    assert cache.get(token, lambda site: SECRET, NOW) is None  # forgotten once expired


def test_a_rotated_secret_ends_remembered_tokens_at_once():
    token = mint()
    cache = VerifiedTokens()
    cache.put(token, verify_viewer_token(token, SECRET, site="s", now=NOW), SECRET)
    assert cache.get(token, lambda site: new_token_secret(), NOW) is None


def test_the_cache_stays_bounded():
    cache = VerifiedTokens(size=3)
    viewer = verify_viewer_token(mint(), SECRET, site="s", now=NOW)
    for number in range(10):
        cache.put(f"token-{number}", viewer, SECRET)
    assert len(cache._seen) <= 3
