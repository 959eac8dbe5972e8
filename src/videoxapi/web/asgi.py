"""The app as uvicorn's worker processes build it: from the environment.

`videoxapi serve --workers N` migrates the store and sets `VIDEOXAPI_*` for its
children; each child calls `from_environment` (uvicorn's `factory=True`).
"""

from __future__ import annotations

from fastapi import FastAPI

from videoxapi.store import open_store
from videoxapi.web.app import create_app
from videoxapi.web.config import ServiceConfig


def from_environment() -> FastAPI:
    config = ServiceConfig()
    store = open_store(config.resolved_database_url(), background_checkpoints=True)
    store.migrate()  # a no-op once the parent did it; checks the key
    return create_app(config, store)
