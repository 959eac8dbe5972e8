"""Encryption at rest of LRS secrets: one Fernet key per installation.

The key comes from `VIDEOXAPI_SECRET_KEY`, or else from a key file created on first
start with mode 0600. A key file others can read is refused: it would make the
encryption pointless.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from videoxapi.errors import StoreError

KEY_ENV = "VIDEOXAPI_SECRET_KEY"


class SecretBox:
    """Encrypts and decrypts secrets; an empty secret is stored as NULL."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise StoreError(
                "the secret key is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def derive(self, purpose: str) -> bytes:
        """A key for another use (e.g. signing admin cookies), the same on every process
        that shares this store's key, and revealing nothing of it (HMAC-SHA256)."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()

    def seal(self, secret: str) -> bytes | None:
        return self._fernet.encrypt(secret.encode()) if secret else None

    def open(self, token: bytes | None) -> str:
        if token is None:
            return ""
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken as exc:
            raise StoreError(
                "the secret key cannot decrypt the stored secrets: "
                f"is {KEY_ENV} or the key file the one this database was created with?"
            ) from exc


def load_key(key_file: Path | None, env: Mapping[str, str]) -> bytes:
    """The key from the environment, else from `key_file` (created if missing)."""
    if env.get(KEY_ENV):
        return env[KEY_ENV].strip().encode()
    if key_file is None:
        raise StoreError(f"no secret key: set {KEY_ENV} or give a key file")
    try:
        return _read_private(key_file)
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read_private(key_file)
    except OSError as exc:
        raise StoreError(f"cannot create the key file {key_file}: {exc}") from exc
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key


def _read_private(key_file: Path) -> bytes:
    mode = key_file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreError(
            f"the key file {key_file} is readable by others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {key_file}"
        )
    try:
        return key_file.read_bytes().strip()
    except OSError as exc:
        raise StoreError(f"cannot read the key file {key_file}: {exc}") from exc
