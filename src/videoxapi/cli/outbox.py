"""`videoxapi outbox`: the state of delivery, per destination, as a table."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from videoxapi.cli.common import fails_cleanly, open_store, wide_console


def age(since: datetime | None, now: datetime) -> str:
    """A short human age: 42s, 5m, 3h, 2d."""
    if since is None:
        return "-"
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@click.command()
@click.pass_context
@fails_cleanly
def outbox(ctx: click.Context) -> None:
    """Pending, in flight, delivered, failed and dead statements per destination."""
    stats = open_store(ctx).stats()
    now = datetime.now(UTC)
    table = Table(title="outbox")
    for column in (
        "site",
        "destination",
        "pending",
        "in flight",
        "delivered",
        "failed",
        "dead",
        "conflicts",
        "oldest pending",
        "paused",
    ):
        table.add_column(
            column, justify="left" if column in {"site", "destination", "paused"} else "right"
        )
    for s in stats:
        paused = "-"
        if s.paused_until and s.paused_until > now:
            paused = f"{age(now, s.paused_until)} more: {s.pause_reason or ''}"
        table.add_row(
            s.site_id,
            s.name,
            str(s.pending),
            str(s.in_flight),
            str(s.delivered),
            str(s.failed),
            str(s.dead),
            str(s.conflicts),
            age(s.oldest_pending_at, now),
            paused,
        )
    wide_console().print(table)
