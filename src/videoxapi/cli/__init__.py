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
    from videoxapi.cli import transform

    main.add_command(transform.transform)


_register()
