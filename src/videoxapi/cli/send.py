"""`videoxapi send`: put statements from an NDJSON file into the outbox (backfill)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TransferSpeedColumn

from videoxapi.cli.common import fails_cleanly, open_store, site_option
from videoxapi.errors import VideoxapiError
from videoxapi.store.base import PreparedStatement

# Ids given to statements that have none derive from their content: sending the same
# file twice enqueues nothing new.
SEND_NAMESPACE = uuid.UUID("5f0b7c5e-6a57-4a53-9f0e-3c1d0f9a7e21")
LRS_SET = ("stored", "authority", "version")
CHUNK = 500


class BadLine(ValueError):
    """A line that is not a statement we can send; the message says why."""


def prepare(line: bytes) -> PreparedStatement:
    """Check a line is a statement (object with UUID id, actor, verb, object); give it a
    stable id if it has none and drop what only an LRS may set."""
    try:
        statement = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc})") from None
    if not isinstance(statement, dict):
        raise BadLine("not a JSON object")
    missing = [key for key in ("actor", "verb", "object") if key not in statement]
    if missing:
        raise BadLine(f"missing {', '.join(missing)}")
    for key in ("actor", "verb", "object"):
        if not isinstance(statement[key], dict):
            raise BadLine(f"{key} must be a JSON object")
    changed = False
    for key in LRS_SET:
        if key in statement:
            del statement[key]
            changed = True
    if "id" in statement:
        try:
            statement_id = uuid.UUID(statement["id"])
        except (TypeError, ValueError, AttributeError):
            raise BadLine("id is not a UUID") from None
        if str(statement_id) != statement["id"]:
            statement["id"] = str(statement_id)
            changed = True
    else:
        content = orjson.dumps(statement, option=orjson.OPT_SORT_KEYS)
        statement_id = uuid.uuid5(SEND_NAMESPACE, content.decode())
        statement = {"id": str(statement_id), **statement}
        changed = True
    body = orjson.dumps(statement) if changed else line.strip()
    return PreparedStatement(statement_id, body)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@site_option
@click.pass_context
@fails_cleanly
def send(ctx: click.Context, file: Path, site: str) -> None:
    """Enqueue the statements of FILE (one JSON statement a line) for the site's LRSs.

    Statements without an id get one derived from their content. Bad lines are reported
    on stderr as `line N: reason` and skipped; the exit status is 1 if there was any.
    """
    store = open_store(ctx)
    if not store.list_destinations(site):
        # The store keeps statements only for a destination: nothing would be kept.
        raise VideoxapiError(
            f"site {site} has no destination: enable it and set its endpoint first "
            "(videoxapi settings set enabled=Yes endpoint=...)"
        )
    read = enqueued = bad = 0
    chunk: list[PreparedStatement] = []
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("sending"),
        BarColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[count]} statements"),
        console=console,
        transient=True,
    )
    with progress, file.open("rb") as source:
        task = progress.add_task("send", total=os.path.getsize(file), count=0)
        for number, line in enumerate(source, start=1):
            progress.advance(task, len(line))
            if not line.strip():
                continue
            try:
                chunk.append(prepare(line))
                read += 1
            except BadLine as exc:
                bad += 1
                progress.console.print(
                    f"line {number}: {exc}", markup=False, highlight=False, soft_wrap=True
                )
                continue
            if len(chunk) >= CHUNK:
                enqueued += store.enqueue(site, chunk, datetime.now(UTC))
                chunk = []
                progress.update(task, count=read)
        if chunk:
            enqueued += store.enqueue(site, chunk, datetime.now(UTC))
            progress.update(task, count=read)
    click.echo(
        f"{read} statement(s) read, {enqueued} enqueued, {read - enqueued} already in "
        f"the outbox, {bad} bad line(s)",
        err=True,
    )
    if bad:
        ctx.exit(1)
