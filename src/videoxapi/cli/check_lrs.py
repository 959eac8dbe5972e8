"""`videoxapi check-lrs`: is each destination reachable, an LRS, and are we let in?"""

from __future__ import annotations

import click

from videoxapi.cli.common import fails_cleanly, open_store
from videoxapi.delivery import HttpConfig, LrsClient, check_lrs
from videoxapi.delivery.client import make_http_client
from videoxapi.errors import VideoxapiError


@click.command("check-lrs")
@click.option(
    "--site",
    default=None,
    envvar="VIDEOXAPI_SITE",
    show_envvar=True,
    help="Only this site's destinations (default: every site).",
)
@click.option(
    "--timeout", type=click.FloatRange(0.1), default=10.0, help="Seconds to wait for each answer."
)
@click.pass_context
@fails_cleanly
def check_lrs_command(ctx: click.Context, site: str | None, timeout: float) -> None:
    """Check every destination; exit 1 if any cannot take statements."""
    destinations = open_store(ctx).list_destinations(site)
    if not destinations:
        raise VideoxapiError("no destination configured" + (f" for site {site}" if site else ""))
    config = HttpConfig(connect=timeout, read=timeout, write=timeout, pool=timeout)
    failed = 0
    with make_http_client(config) as http:
        client = LrsClient(http, config)
        for destination in destinations:
            report = check_lrs(client, destination)
            verdict = "ok" if report.ok else "FAILED"
            click.echo(
                f"{destination.site_id}/{destination.name} {destination.endpoint}: {verdict}"
            )
            for problem in report.problems:
                click.echo(f"  problem: {problem}")
            for note in report.notes:
                click.echo(f"  {note}")
            failed += not report.ok
    if failed:
        raise VideoxapiError(
            f"{failed} of {len(destinations)} destination(s) cannot take statements"
        )
