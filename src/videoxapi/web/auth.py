"""Who is calling: a viewer (signed token) or an integrator's server (site API key).

Identity comes only from here, never from a request body. Messages say what is wrong
with a credential, never echo it.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from videoxapi.service.directory import SiteDirectory
from videoxapi.service.sites import site_of_api_key
from videoxapi.store.base import Store
from videoxapi.tokens import (
    InvalidToken,
    VerifiedTokens,
    Viewer,
    unverified_site,
    verify_viewer_token,
)
from videoxapi.web.errors import BEARER, ApiError


def bearer(request: Request, what: str) -> str:
    """The `Authorization: Bearer` credential; 401 when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise ApiError(401, f"{what} is required as Authorization: Bearer", BEARER)
    return credential.strip()


def viewer(
    request: Request, directory: SiteDirectory, now: datetime, verified: VerifiedTokens
) -> Viewer:
    """The viewer a valid token speaks for; 401 if it is missing, forged, expired, or for
    a site that does not exist."""
    token = bearer(request, "a viewer token")
    known = verified.get(token, lambda site: directory.view(site).token_secret, now)
    if known is not None:
        return known
    site = unverified_site(token)
    secret = directory.view(site).token_secret
    if secret is None:
        raise InvalidToken("the token names an unknown site")
    found = verify_viewer_token(token, secret, site=site, now=now)
    verified.put(token, found, secret)
    return found


def api_key_site(request: Request, store: Store) -> str:
    """The site whose API key this is; 401 otherwise."""
    site = site_of_api_key(store, bearer(request, "the site's API key"))
    if site is None:
        raise ApiError(401, "the API key is not valid", BEARER)
    return site
