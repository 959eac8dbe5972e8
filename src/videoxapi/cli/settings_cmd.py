"""`videoxapi settings`: show, change or import a site's settings (kept in the store)."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from videoxapi.cli.common import fails_cleanly, open_store, site_option
from videoxapi.errors import InvalidSettings
from videoxapi.settings import SiteSettings
from videoxapi.store.base import Store


def current(store: Store, site: str) -> SiteSettings:
    raw = store.load_settings(site)
    return SiteSettings() if raw is None else SiteSettings.parse_json(raw)


def refuse(exc: InvalidSettings) -> click.ClickException:
    """Per-field messages, one a line, and nothing saved."""
    lines = "\n".join(f"  {name}: {message}" for name, message in exc.errors.items())
    return click.ClickException(f"settings refused, nothing changed:\n{lines}")


def save(store: Store, site: str, settings: SiteSettings) -> None:
    store.save_settings(site, orjson.dumps(settings.to_storage()))


@click.group()
def settings() -> None:
    """A site's settings, named as on the admin page (secret never shown)."""


@settings.command("show")
@site_option
@click.pass_context
@fails_cleanly
def show(ctx: click.Context, site: str) -> None:
    """Print the settings as JSON (the secret as `secretSet`)."""
    data = current(open_store(ctx), site).public_dict()
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@settings.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="NAME=VALUE...")
@site_option
@click.pass_context
@fails_cleanly
def set_(ctx: click.Context, assignments: tuple[str, ...], site: str) -> None:
    """Change some settings, e.g. `enabled=Yes endpoint=https://lrs/xapi/`; all or none."""
    changes: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"{assignment!r} is not NAME=VALUE")
        changes[name.strip()] = value
    store = open_store(ctx)
    try:
        updated = current(store, site).updated(changes)
    except InvalidSettings as exc:
        raise refuse(exc) from None
    save(store, site, updated)
    click.echo(f"site {site}: {', '.join(sorted(changes))} saved", err=True)


@settings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@site_option
@click.pass_context
@fails_cleanly
def import_(ctx: click.Context, file: Path, site: str) -> None:
    """Replace the settings with FILE (JSON, the admin page's names); all or none."""
    try:
        settings_ = SiteSettings.parse_json(file.read_bytes())
    except InvalidSettings as exc:
        raise refuse(exc) from None
    save(open_store(ctx), site, settings_)
    click.echo(f"site {site}: settings imported from {file}", err=True)
