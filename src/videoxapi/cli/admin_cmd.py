"""`videoxapi admin`: the administrators who may log in to the admin pages."""

from __future__ import annotations

import sys

import click

from videoxapi.cli.common import fails_cleanly, open_store
from videoxapi.service import admins

password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of prompting.",
)


def read_password(from_stdin: bool) -> str:
    """From stdin (scripts), or typed twice without echo (people)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@click.group()
def admin() -> None:
    """Administrators of the admin and operations pages (passwords hashed with argon2)."""


@admin.command("add-user")
@click.argument("name")
@password_stdin_option
@click.pass_context
@fails_cleanly
def add_user(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Create the administrator NAME."""
    store = open_store(ctx)
    admins.check_username(name)
    admins.add_admin(store, name, read_password(password_stdin))
    click.echo(f"administrator {name} added", err=True)


@admin.command("set-password")
@click.argument("name")
@password_stdin_option
@click.pass_context
@fails_cleanly
def set_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Give NAME a new password; their open sessions end."""
    store = open_store(ctx)
    if store.admin_password_hash(name) is None:
        raise admins.InvalidAdmin(f"no administrator named {name!r}")
    admins.set_password(store, name, read_password(password_stdin))
    click.echo(f"password of {name} changed", err=True)


@admin.command("list")
@click.pass_context
@fails_cleanly
def list_(ctx: click.Context) -> None:
    """Print the administrators' names, one a line."""
    for name in open_store(ctx).list_admins():
        click.echo(name)
