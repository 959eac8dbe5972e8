"""How the service runs: one object, built at the CLI entry (or by a test), passed down.

Every field has an environment twin `VIDEOXAPI_<NAME>`; nothing reads the environment
at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIDEOXAPI_", extra="ignore", frozen=True)

    data_dir: Path = Field(Path("data"), description="Where the SQLite file and key live.")
    database_url: str = Field("", description="Empty: SQLite in data_dir.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    default_site: str = Field("default", description="The site of a one-site deployment.")
    run_worker: bool = Field(True, description="Deliver in this process too.")
    run_reaper: bool = Field(True, description="Close idle sessions in this process.")
    reaper_interval_seconds: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Largest request body.")
    max_events_per_batch: int = Field(500, ge=1)
    public_url: str = Field("", description="How browsers reach this service, if not host:port.")
    cors_origins: str = Field(
        "*", description="Origins whose pages may call the API (comma-separated; * for any)."
    )

    def resolved_database_url(self) -> str:
        from videoxapi.store import default_database_url

        return self.database_url or default_database_url(self.data_dir)
