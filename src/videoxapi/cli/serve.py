"""`videoxapi serve`: the API (with, by default, delivery and the reaper) under uvicorn."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from videoxapi.cli.common import env_twin, fails_cleanly, open_store
from videoxapi.service.sites import ensure_site
from videoxapi.store import default_database_url
from videoxapi.web.config import ServiceConfig


@click.command()
@click.option("--host", default="127.0.0.1", **env_twin("HOST"), help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, **env_twin("PORT"))
@click.option(
    "--worker/--no-worker",
    "run_worker",
    default=True,
    **env_twin("RUN_WORKER"),
    help="Deliver statements in this process too (--no-worker: separate `videoxapi worker`).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    **env_twin("WORKERS"),
    help="Processes serving requests (each also delivers and reaps, unless --no-worker); "
    "one per core pays on a busy site.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    **env_twin("DATA_DIR"),
    help="Where the SQLite file and its key live, when --database is not given.",
)
@click.pass_context
@fails_cleanly
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    run_worker: bool,
    workers: int,
    data_dir: Path | None,
) -> None:
    """Serve the API, the admin page and the player plugin; migrates the store first."""
    import uvicorn

    from videoxapi.web.app import create_app
    from videoxapi.web.processes import run_processes

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    root = ctx.find_root()
    obj = root.ensure_object(dict)
    given = root.get_parameter_source("database") not in (
        None,
        click.core.ParameterSource.DEFAULT,
    )
    if data_dir is not None and not given:
        data_dir.mkdir(parents=True, exist_ok=True)
        obj["database"] = default_database_url(data_dir)
    config = ServiceConfig(
        host=host,
        port=port,
        run_worker=run_worker,
        database_url=obj["database"],
        **({"data_dir": data_dir} if data_dir is not None else {}),
    )
    store = open_store(ctx, serving=True)
    ensure_site(store, config.default_site)
    _tell_where(config, has_admin=bool(store.list_admins()))
    if workers == 1:
        app = create_app(config, store)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    # Several processes: each builds its app from the environment (web/asgi.py).
    os.environ.update(
        {
            "VIDEOXAPI_DATABASE_URL": config.resolved_database_url(),
            "VIDEOXAPI_RUN_WORKER": "true" if run_worker else "false",
            "VIDEOXAPI_HOST": host,
            "VIDEOXAPI_PORT": str(port),
            **({"VIDEOXAPI_DATA_DIR": str(data_dir)} if data_dir is not None else {}),
        }
    )
    store.close()
    run_processes("videoxapi.web.asgi:from_environment", workers=workers, host=host, port=port)


def _tell_where(config: ServiceConfig, *, has_admin: bool) -> None:
    base = config.public_url.rstrip("/") or f"http://{config.host}:{config.port}"
    click.echo(f"videoxapi serving on {base}", err=True)
    click.echo(f"  admin page: {base}/admin/config/tab/xapi", err=True)
    click.echo(f"  demo:       {base}/demo", err=True)
    click.echo(f"  API:        {base}/docs (OpenAPI at {base}/openapi.json)", err=True)
    if not has_admin:
        click.echo("  no administrator yet: videoxapi admin add-user NAME", err=True)
