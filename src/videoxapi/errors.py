"""The one exception tree of videoxapi.

Errors of drivers and libraries (sqlite3, psycopg, httpx, pydantic) are translated into
these where they enter the project, so callers never catch a driver's exception.
"""


class VideoxapiError(Exception):
    """Root of every error videoxapi raises on purpose."""


class InvalidEvent(VideoxapiError):
    """An event is malformed or does not fit the session it names; nothing was applied."""


class SessionOver(InvalidEvent):
    """An event names a session that has ended (after `end`, or closed for idleness)."""


class UnknownSession(InvalidEvent):
    """An event names a session that was never started."""


class InvalidSettings(VideoxapiError):
    """Site settings failed validation; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class StoreError(VideoxapiError):
    """The store failed (database unreachable, migration failed, constraint broken)."""


class DeliveryError(VideoxapiError):
    """An LRS could not be reached or answered something unusable."""
