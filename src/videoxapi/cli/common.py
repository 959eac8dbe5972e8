"""What the store-backed commands share: the global `--database` option, opening the
store once per invocation, `--site`, and one-line failures."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from videoxapi.errors import VideoxapiError

if TYPE_CHECKING:  # the store package loads SQLAlchemy: not for `transform` or `--help`
    from rich.console import Console

    from videoxapi.store.base import Store

DEFAULT_DATABASE = "sqlite:///data/videoxapi.db"

F = TypeVar("F", bound=Callable[..., Any])


def _remember_database(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.ensure_object(dict)["database"] = value
    return value


database_option = click.Option(
    ["--database"],
    envvar="VIDEOXAPI_DATABASE_URL",
    show_envvar=True,
    default=DEFAULT_DATABASE,
    show_default=True,
    expose_value=False,
    is_eager=True,
    callback=_remember_database,
    help="The store: sqlite:///path/to/file.db or postgresql://user@host/db.",
)


def env_twin(name: str) -> dict[str, object]:
    """click options for an option's environment twin `VIDEOXAPI_<NAME>`, shown in --help."""
    return {"envvar": f"VIDEOXAPI_{name}", "show_envvar": True}


site_option = click.option(
    "--site",
    default="default",
    envvar="VIDEOXAPI_SITE",
    show_envvar=True,
    help="The site whose settings and destinations are meant.",
)


def open_store(ctx: click.Context, *, serving: bool = False) -> Store:
    """The invocation's store, migrated, closed when the command ends. `serving`: for
    the service (SQLite checkpoints on a thread of their own, not in requests)."""
    obj = ctx.find_root().ensure_object(dict)
    store: Store | None = obj.get("store")
    if store is not None:
        return store
    from videoxapi.store import open_store as open_url

    url = obj.get("database") or DEFAULT_DATABASE
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # The default file lives under ./data/: make sure the directory exists.
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = open_url(url, background_checkpoints=serving)
    ctx.find_root().call_on_close(store.close)
    store.migrate()
    obj["store"] = store
    return store


def fails_cleanly(command: F) -> F:
    """Turn the project's errors into one line on stderr and exit status 1; the group's
    `-v` lets the traceback through instead."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (VideoxapiError, OSError) as exc:
            ctx = click.get_current_context()
            if ctx.find_root().ensure_object(dict).get("verbose"):
                raise
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]


def wide_console() -> Console:
    """stdout for tables: the terminal's width, or wide enough when piped."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=200)
