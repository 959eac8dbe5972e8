"""`videoxapi token`: mint a viewer token, as the integrator's server would."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import click

from videoxapi.cli.common import env_twin, fails_cleanly, open_store, site_option
from videoxapi.errors import VideoxapiError
from videoxapi.service.sites import ensure_site, load_settings, token_secret
from videoxapi.tokens import DEFAULT_TTL, mint_viewer_token


@click.command()
@click.option("--user-id", required=True, **env_twin("TOKEN_USER_ID"), help="The viewer's user id.")
@click.option("--email", default=None, **env_twin("TOKEN_EMAIL"), help="The viewer's email.")
@click.option("--name", default=None, **env_twin("TOKEN_NAME"), help="The viewer's display name.")
@site_option
@click.option(
    "--ttl",
    type=click.IntRange(1),
    default=int(DEFAULT_TTL.total_seconds()),
    **env_twin("TOKEN_TTL"),
    help="Seconds the token stays valid.",
)
@click.option(
    "--registration",
    type=click.UUID,
    default=None,
    **env_twin("TOKEN_REGISTRATION"),
    help="The LMS's registration (UUID) for this viewing.",
)
@click.pass_context
@fails_cleanly
def token(
    ctx: click.Context,
    user_id: str,
    email: str | None,
    name: str | None,
    site: str,
    ttl: int,
    registration: UUID | None,
) -> None:
    """Print a viewer token (HS256 JWT signed with the site's secret) on stdout."""
    store = open_store(ctx)
    secret = token_secret(store, site)
    if secret is None:
        if load_settings(store, site) is None and site != "default":
            raise VideoxapiError(f"no site {site!r}: create it on the admin page first")
        ensure_site(store, site)
        secret = token_secret(store, site)
    assert secret is not None
    click.echo(
        mint_viewer_token(
            secret,
            site=site,
            user_id=user_id,
            email=email,
            name=name,
            registration=registration,
            ttl=timedelta(seconds=ttl),
        )
    )
