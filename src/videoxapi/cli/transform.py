"""`videoxapi transform`: events (NDJSON) to statements (NDJSON), offline and streaming."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click
import orjson

from videoxapi.errors import InvalidEvent, InvalidSettings
from videoxapi.events import parse_event_json
from videoxapi.processing import MemoryTracker
from videoxapi.settings import SiteSettings


@click.command()
@click.option(
    "--settings",
    "settings_path",
    required=True,
    envvar="VIDEOXAPI_SETTINGS",
    show_envvar=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The site settings, as JSON with the admin page's names.",
)
@click.option(
    "--site",
    default="default",
    envvar="VIDEOXAPI_SITE",
    show_envvar=True,
    help="Site of events that name none; part of every statement id.",
)
@click.option(
    "--keep-open",
    is_flag=True,
    help="Leave sessions open at the end instead of closing them as idle.",
)
@click.argument("events", type=click.File("rb"), default="-")
def transform(settings_path: Path, site: str, keep_open: bool, events: BinaryIO) -> None:
    """Turn EVENTS (one JSON event a line; - for stdin) into xAPI statements on stdout.

    Bad lines are reported on stderr as `line N: reason` and skipped; the exit status
    is 1 if there was any.
    """
    try:
        settings = SiteSettings.parse_json(settings_path.read_bytes())
    except InvalidSettings as exc:
        raise click.ClickException(f"{settings_path}: {exc}") from None
    bad = run(settings, site, events, sys.stdout.buffer, keep_open=keep_open)
    if bad:
        sys.exit(1)


def run(
    settings: SiteSettings, site: str, source: BinaryIO, sink: BinaryIO, *, keep_open: bool
) -> int:
    """Stream `source` to `sink`; returns how many lines were bad or refused."""
    if not settings.enabled:
        click.echo("tracking is disabled (enabled: No): nothing written", err=True)
        return 0
    tracker = MemoryTracker(settings, default_site=site)
    bad = 0
    write = sink.write
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            statements = tracker.process(parse_event_json(line))
        except InvalidEvent as exc:
            bad += 1
            click.echo(f"line {number}: {exc}", err=True)
            continue
        for statement in statements:
            write(orjson.dumps(statement, option=orjson.OPT_APPEND_NEWLINE))
    if not keep_open:
        for statement in tracker.close_all():
            write(orjson.dumps(statement, option=orjson.OPT_APPEND_NEWLINE))
    sink.flush()
    return bad
