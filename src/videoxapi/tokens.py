"""Viewer tokens: short-lived HS256 JWTs that say who is watching, signed per site.

The integrator's server mints them (`mint_viewer_token`, or `videoxapi token`); the
service believes identity only from a token whose signature, site and expiry hold.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
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
    expires: datetime | None = None


class VerifiedTokens:
    """Tokens already verified, so that a viewer's every batch does not pay for JWT
    decoding again. An entry holds only while its token is unexpired and its site still
    signs with the secret that verified it: a rotation takes effect at once."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._seen: dict[str, tuple[Viewer, str]] = {}

    def get(
        self, token: str, secret_of: Callable[[str], str | None], now: datetime
    ) -> Viewer | None:
        found = self._seen.get(token)
        if found is None:
            return None
        viewer, secret = found
        if (
            viewer.expires is None
            or viewer.expires + LEEWAY < now
            or secret_of(viewer.site) != secret
        ):
            self._seen.pop(token, None)
            return None
        return viewer

    def put(self, token: str, viewer: Viewer, secret: str) -> None:
        if len(self._seen) >= self.size:
            self._seen.clear()  # simple and bounded; the next requests re-verify
        self._seen[token] = (viewer, secret)


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
    """The viewer a token speaks for; `InvalidToken` saying why not. Expiry is judged
    against `now` (the caller's clock), not the library's own."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "site", "exp", "iat"], "verify_exp": False,
                     "verify_iat": False},
        )  # fmt: skip
    except jwt.InvalidSignatureError:
        raise InvalidToken("the token's signature is not valid") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the token is not valid ({exc})") from None
    if claims["site"] != site:
        raise InvalidToken("the token is for another site")
    try:
        expires = datetime.fromtimestamp(claims["exp"], UTC)
    except (TypeError, ValueError, OverflowError):
        raise InvalidToken("the token's expiry is not a time") from None
    if expires + LEEWAY < (now or datetime.now(UTC)):
        raise InvalidToken("the token has expired")
    registration = claims.get("registration")
    try:
        return Viewer(
            site=site,
            user_id=str(claims["sub"]),
            email=claims.get("email"),
            name=claims.get("name"),
            registration=UUID(registration) if registration else None,
            expires=expires,
        )
    except ValueError:
        raise InvalidToken("the token's registration is not a UUID") from None
