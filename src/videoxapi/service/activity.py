"""Platform and quiz events from the integrator's server (the activity API).

No session state: each event gives its statement(s), whose ids derive from (site, the
platform's event id), so a retried call stores nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from videoxapi import events as ev
from videoxapi.errors import InvalidEvent
from videoxapi.service.sites import load_settings
from videoxapi.service.viewing import Counts, prepare
from videoxapi.settings import SiteSettings
from videoxapi.store.base import PreparedStatement, Store
from videoxapi.xapi.activity import activity_statements


def record_activity(
    store: Store,
    site: str,
    events: Sequence[ev.ActivityEvent],
    now: datetime,
    *,
    settings: SiteSettings | None = None,
) -> Counts:
    """Enqueue the statements of a batch in one transaction; an event whose statements
    are stored already (a retry) counts as a duplicate."""
    for index, event in enumerate(events):
        if event.site is not None and event.site != site:
            raise InvalidEvent(f"events[{index}].site: the API key is for another site")
    settings = settings if settings is not None else load_settings(store, site)
    if settings is None or not settings.enabled:
        return Counts(0, 0, enabled=False)
    unique: dict[object, PreparedStatement] = {}
    for event in events:
        prepared = prepare(activity_statements(settings, site, event), now)
        for statement in prepared:
            unique.setdefault(statement.statement_id, statement)
    new = store.enqueue(site, list(unique.values()), now) if unique else 0
    # Each event gives one statement; a batch repeating an event id counts it once.
    applied = min(new, len(events))
    return Counts(applied, len(events) - applied, statements=new)
