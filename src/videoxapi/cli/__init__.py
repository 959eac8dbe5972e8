"""The `videoxapi` command: data on stdout, messages on stderr, one-line failures.

Each command lives in its own module, imported only when that command runs (click's
lazy-group pattern): `transform` need not load the store, the web app or httpx.
"""

from __future__ import annotations

import importlib

import click

from videoxapi import __version__
from videoxapi.cli.common import database_option

# name -> "module:attribute" under videoxapi.cli
COMMANDS = {
    "admin": "admin_cmd:admin",
    "check-lrs": "check_lrs:check_lrs_command",
    "deadletters": "deadletters:deadletters",
    "outbox": "outbox:outbox",
    "send": "send:send",
    "serve": "serve:serve",
    "settings": "settings_cmd:settings",
    "site": "site_cmd:site",
    "token": "token:token",
    "transform": "transform:transform",
    "worker": "worker:worker",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when first named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(f"videoxapi.cli.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
    params=[database_option],  # global: every store-backed command
)
@click.version_option(__version__, prog_name="videoxapi")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks on failure.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """xAPI for video: track viewing, build statements, deliver them to LRSs."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
