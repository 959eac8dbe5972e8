"""`videoxapi deadletters`: statements an LRS refused, kept until replayed or discarded."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from videoxapi.cli.common import fails_cleanly, open_store, wide_console
from videoxapi.errors import VideoxapiError


@click.group()
def deadletters() -> None:
    """List, show, replay or discard dead letters."""


@deadletters.command("list")
@click.option("--destination", type=int, default=None, help="Only this destination id.")
@click.pass_context
@fails_cleanly
def list_(ctx: click.Context, destination: int | None) -> None:
    """One row per dead letter: id, destination, statement id, status, reason."""
    table = Table(title="dead letters")
    for column in ("id", "destination", "statement", "status", "since", "reason"):
        table.add_column(column)
    for letter in open_store(ctx).dead_letters(destination):
        table.add_row(
            str(letter.id),
            str(letter.destination_id),
            str(letter.statement_id),
            str(letter.status or "-"),
            letter.created_at.isoformat(timespec="seconds"),
            letter.reason,
        )
    wide_console().print(table)


@deadletters.command()
@click.argument("letter_id", type=int)
@click.pass_context
@fails_cleanly
def show(ctx: click.Context, letter_id: int) -> None:
    """The reason on stderr and the statement itself (JSON) on stdout."""
    for letter in open_store(ctx).dead_letters():
        if letter.id == letter_id:
            click.echo(
                f"destination {letter.destination_id}, HTTP {letter.status or '-'}: "
                f"{letter.reason}",
                err=True,
            )
            click.echo(letter.body.decode())
            return
    raise VideoxapiError(f"no dead letter {letter_id}")


@deadletters.command()
@click.argument("letter_ids", type=int, nargs=-1)
@click.pass_context
@fails_cleanly
def replay(ctx: click.Context, letter_ids: tuple[int, ...]) -> None:
    """Send dead letters again (all of them when no ID is given)."""
    count = open_store(ctx).replay(list(letter_ids) or None, datetime.now(UTC))
    click.echo(f"{count} dead letter(s) queued for delivery again", err=True)
    if letter_ids and count < len(letter_ids):
        raise VideoxapiError(f"only {count} of {len(letter_ids)} ids were dead letters")


@deadletters.command()
@click.argument("letter_ids", type=int, nargs=-1, required=True)
@click.pass_context
@fails_cleanly
def discard(ctx: click.Context, letter_ids: tuple[int, ...]) -> None:
    """Forget dead letters for good."""
    count = open_store(ctx).discard(list(letter_ids))
    click.echo(f"{count} dead letter(s) discarded", err=True)
    if count < len(letter_ids):
        raise VideoxapiError(f"only {count} of {len(letter_ids)} ids were dead letters")
