"""Viewer tokens: short-lived HS256 JWTs that say who is watching, signed per site.

The integrator's server mints them (`mint_viewer_token`, or `videoxapi token`); the
service believes identity only from a token whose signature, site and expiry hold.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from videoxapi.errors import VideoxapiError

ALGORITHM = "HS256"
AUDIENCE = "videoxapi"
DEFAULT_TTL = timedelta(hours=4)
# Clock skew between the integrator's server and this one.
LEEWAY = timedelta(seconds=30)


class InvalidToken(VideoxapiError):
    """A viewer token is missing, forged, expired or for another site."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The identity a valid token carries."""

    site: str
    user_id: str
    email: str | None = None
    name: str | None = None
    registration: UUID | None = None


def new_token_secret() -> str:
    """A fresh per-site signing secret (256 bits)."""
    return secrets.token_urlsafe(32)


def mint_viewer_token(
    secret: str,
    *,
    site: str,
    user_id: str,
    email: str | None = None,
    name: str | None = None,
    registration: UUID | str | None = None,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
) -> str:
    """Sign a viewer token for `user_id` on `site` (call this on your server, never in
    the browser: the secret must stay there)."""
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": user_id,
        "site": site,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + ttl,
    }
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    if registration:
        claims["registration"] = str(UUID(str(registration)))
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def unverified_site(token: str) -> str:
    """The site a token claims, to find the secret to check it with. Not trusted."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed token ({exc})") from None
    site = claims.get("site")
    if not isinstance(site, str) or not site:
        raise InvalidToken("the token names no site")
    return site


def verify_viewer_token(
    token: str, secret: str, *, site: str, now: datetime | None = None
) -> Viewer:
    """The viewer a token speaks for; `InvalidToken` saying why not."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            leeway=LEEWAY,
            options={"require": ["sub", "site", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("the token's signature is not valid") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the token is not valid ({exc})") from None
    if claims["site"] != site:
        raise InvalidToken("the token is for another site")
    if now is not None and datetime.fromtimestamp(claims["exp"], UTC) + LEEWAY < now:
        raise InvalidToken("the token has expired")
    registration = claims.get("registration")
    try:
        return Viewer(
            site=site,
            user_id=str(claims["sub"]),
            email=claims.get("email"),
            name=claims.get("name"),
            registration=UUID(registration) if registration else None,
        )
    except ValueError:
        raise InvalidToken("the token's registration is not a UUID") from None
