"""Each site's settings and token secret, read per request but kept a moment.

Every request needs them; reading them from the store each time costs a query per
request. A second of staleness is invisible to an administrator, and `invalidate`
(called after a save in this process) makes a change apply at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from videoxapi.service.sites import load_settings, token_secret
from videoxapi.settings import SiteSettings
from videoxapi.store.base import Store


@dataclass(frozen=True, slots=True)
class SiteView:
    settings: SiteSettings | None
    token_secret: str | None
    fetched: float


class SiteDirectory:
    """A short-lived cache of what the API needs to know about each site."""

    def __init__(
        self, store: Store, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._views: dict[str, SiteView] = {}
        self._lock = threading.Lock()

    def view(self, site: str) -> SiteView:
        now = self.clock()
        found = self._views.get(site)
        if found is not None and now - found.fetched < self.ttl:
            return found
        fresh = SiteView(load_settings(self.store, site), token_secret(self.store, site), now)
        with self._lock:
            if len(self._views) > 10_000:  # sites are few; tokens naming junk sites are not
                self._views.clear()
            self._views[site] = fresh
        return fresh

    def settings(self, site: str) -> SiteSettings | None:
        return self.view(site).settings

    def invalidate(self, site: str | None = None) -> None:
        """Forget one site (or all): the next request reads the store."""
        with self._lock:
            if site is None:
                self._views.clear()
            else:
                self._views.pop(site, None)
