"""The subcommands, registered on the ``redline`` group."""

from __future__ import annotations

import click

ALL: list[click.Command] = []
