"""`videoxapi site`: a site's credentials (activity API key, viewer-token secret).

A new key or secret is printed once, on stdout, and stored only sealed or hashed.
"""

from __future__ import annotations

import click

from videoxapi.cli.common import fails_cleanly, open_store, site_option
from videoxapi.service.sites import ensure_site, rotate_api_key, rotate_token_secret


@click.group()
def site() -> None:
    """A site's credentials."""


@site.command("api-key")
@site_option
@click.pass_context
@fails_cleanly
def api_key(ctx: click.Context, site: str) -> None:
    """Make a new API key for the activity API and print it (the old one stops working)."""
    store = open_store(ctx)
    ensure_site(store, site)
    click.echo(rotate_api_key(store, site))
    click.echo("the key is shown only now; keep it on your server", err=True)


@site.command("token-secret")
@click.option("--rotate", is_flag=True, help="Make a new secret (required: see below).")
@site_option
@click.pass_context
@fails_cleanly
def token_secret(ctx: click.Context, rotate: bool, site: str) -> None:
    """Make a new viewer-token secret and print it; tokens signed with the old one stop
    working. The secret is shown only when made, so --rotate is required."""
    if not rotate:
        raise click.UsageError("the secret is shown only when made: pass --rotate")
    store = open_store(ctx)
    ensure_site(store, site)
    click.echo(rotate_token_secret(store, site))
    click.echo("tokens signed with the old secret no longer work", err=True)
