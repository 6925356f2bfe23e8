"""Entry point of the ``redline`` command: logging, error handling, subcommands."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from redline.errors import RedlineError
from redline.version import __version__


class RedlineGroup(click.Group):
    """A group that turns :class:`RedlineError` into one line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a user's mistake never shows a traceback."""
        try:
            return super().invoke(ctx)
        except RedlineError as ex:
            click.echo(f"redline: error: {ex.line()}", err=True)
            sys.exit(1)


@click.group(cls=RedlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redline")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
def cli(verbose: int, quiet: int) -> None:
    """Guard the farmland red line: check a county's land data."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(
        level=max(logging.DEBUG, min(level, logging.CRITICAL)),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register() -> None:
    from redline.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()
