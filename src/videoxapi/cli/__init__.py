"""The `videoxapi` command: data on stdout, messages on stderr, one-line failures."""

from __future__ import annotations

import click

from videoxapi import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="videoxapi")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks on failure.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """xAPI for video: track viewing, build statements, deliver them to LRSs."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def _register() -> None:
    """Attach each command module's commands; one module per command or group."""
    from videoxapi.cli import (
        admin_cmd,
        check_lrs,
        common,
        deadletters,
        outbox,
        send,
        serve,
        settings_cmd,
        site_cmd,
        token,
        transform,
        worker,
    )

    main.params.append(common.database_option)  # global: every store-backed command
    main.add_command(transform.transform)
    main.add_command(worker.worker)
    main.add_command(outbox.outbox)
    main.add_command(deadletters.deadletters)
    main.add_command(check_lrs.check_lrs_command)
    main.add_command(send.send)
    main.add_command(settings_cmd.settings)
    main.add_command(serve.serve)
    main.add_command(token.token)
    main.add_command(site_cmd.site)
    main.add_command(admin_cmd.admin)


_register()
