"""Administrators: argon2 password hashes, and a login check that leaks nothing.

The check costs one argon2 verification whether or not the user exists (an unknown
user is verified against a dummy hash), so neither the answer nor its timing tells
which user names exist. There is no added delay.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from videoxapi.errors import VideoxapiError
from videoxapi.store.base import Store

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class InvalidAdmin(VideoxapiError):
    """A user name or password that cannot be accepted (the message says why)."""


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against, for equal timing."""
    return _hasher().hash("no such administrator")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAdmin(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher().hash(password)


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise InvalidAdmin("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'")
    return username


def add_admin(store: Store, username: str, password: str) -> None:
    store.add_admin(check_username(username), hash_password(password))


def set_password(store: Store, username: str, password: str) -> None:
    if not store.set_admin_password(username, hash_password(password)):
        raise InvalidAdmin(f"no administrator named {username!r}")


def verify_login(store: Store, username: str, password: str) -> bool:
    """True when the user exists and the password is theirs; same cost either way."""
    stored = store.admin_password_hash(username) if _USERNAME.match(username) else None
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_stamp(store: Store, username: str) -> str | None:
    """A short fingerprint of the current hash: a session that remembers it ends when the
    password changes (or the administrator is gone)."""
    stored = store.admin_password_hash(username)
    return None if stored is None else hashlib.sha256(stored.encode()).hexdigest()[:16]
