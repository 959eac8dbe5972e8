"""Deterministic identifiers: statement ids, registrations, activity IRIs.

Ids are UUID v5 of what produced the statement, so replaying the same events (a
retried batch, a re-run backfill) yields the same ids and the LRS keeps one copy.
"""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID, uuid5

# Fixed namespaces: changing them would change every id ever issued.
STATEMENT_NAMESPACE = UUID("6f1d8a52-3c1e-5b8e-9a0f-2f7c4d6b9e11")
REGISTRATION_NAMESPACE = UUID("0b7e6c3a-91d4-5f2a-8c6e-4a9d2e7f1b35")
ACTIVITY_NAMESPACE = UUID("c3a9e1f4-7b2d-5e8a-b6c1-9d4f2a7e3b58")


def statement_id(site: str, session: str, seq: int, verb: str, ordinal: int) -> UUID:
    """Id of a video statement: (site, session, event seq, verb, rank in the event)."""
    return uuid5(STATEMENT_NAMESPACE, f"{site}\n{session}\n{seq}\n{verb}\n{ordinal}")


def activity_statement_id(site: str, event_id: str, verb: str) -> UUID:
    """Id of a platform or quiz statement: (site, the platform's own event id)."""
    return uuid5(ACTIVITY_NAMESPACE, f"{site}\n{event_id}\n{verb}")


def derived_registration(site: str, user_id: str, entry_id: str) -> UUID:
    """The registration when the LMS gave none: one per (site, user, entry), so one
    learner's progress on one video accumulates across visits."""
    return uuid5(REGISTRATION_NAMESPACE, f"{site}\n{user_id}\n{entry_id}")


def registration_key(site: str, registration: str, user_id: str, entry_id: str) -> str:
    """Progress state is kept per (site, registration, user, entry)."""
    return f"{site}\n{registration}\n{user_id}\n{entry_id}"


def _part(value: str) -> str:
    return quote(value, safe="-._~")


def media_iri(site_url: str, entry_id: str) -> str:
    return f"{site_url}/media/{_part(entry_id)}"


def channel_iri(site_url: str, channel_id: str) -> str:
    return f"{site_url}/channel/{_part(channel_id)}"


def quiz_iri(site_url: str, entry_id: str, quiz_id: str) -> str:
    return f"{media_iri(site_url, entry_id)}/quiz/{_part(quiz_id)}"


def question_iri(site_url: str, entry_id: str, quiz_id: str, question_id: str) -> str:
    return f"{quiz_iri(site_url, entry_id, quiz_id)}/question/{_part(question_id)}"
