"""Sites and the credentials that let others speak for them.

A site exists once it has settings. Its viewer-token secret is kept sealed in the
store; its API key is random, shown once when made, and kept only as a SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import secrets

import orjson

from videoxapi.settings import SiteSettings
from videoxapi.store.base import Store
from videoxapi.tokens import new_token_secret

API_KEY_PREFIX = "vxk_"


def hash_api_key(api_key: str) -> str:
    """A fast hash is right here: the key is 256 random bits, not a password."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def load_settings(store: Store, site_id: str) -> SiteSettings | None:
    raw = store.load_settings(site_id)
    return None if raw is None else SiteSettings.parse_json(raw)


def ensure_site(store: Store, site_id: str) -> SiteSettings:
    """The site's settings, creating the site (defaults, a token secret) if new."""
    settings = load_settings(store, site_id)
    if settings is None:
        settings = SiteSettings()
        store.save_settings(site_id, orjson.dumps(settings.to_storage()))
    credentials = store.load_credentials(site_id)
    if credentials is None or not credentials.token_secret:
        store.save_credentials(site_id, token_secret=new_token_secret())
    return settings


def token_secret(store: Store, site_id: str) -> str | None:
    credentials = store.load_credentials(site_id)
    return credentials.token_secret if credentials and credentials.token_secret else None


def rotate_token_secret(store: Store, site_id: str) -> str:
    """A new signing secret: every token signed with the old one stops working."""
    secret = new_token_secret()
    store.save_credentials(site_id, token_secret=secret)
    return secret


def rotate_api_key(store: Store, site_id: str) -> str:
    """A new API key for the activity API, returned once; the old one stops working."""
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    store.save_credentials(site_id, api_key_hash=hash_api_key(api_key))
    return api_key


def site_of_api_key(store: Store, api_key: str) -> str | None:
    return store.site_of_api_key(hash_api_key(api_key))
