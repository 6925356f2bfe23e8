"""Options shared by several subcommands."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None
                ) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-06-30"
                                 ) from None


def as_of_option(f: F) -> F:
    """``--as-of DATE``: the date checks are made at (default today)."""
    return click.option(
        "--as-of", "as_of", callback=_parse_date, default=None, metavar="YYYY-MM-DD",
        help="Date the checks are made at (idle-land clocks, approval ages); default today.",
    )(f)


def lang_option(f: F) -> F:
    """``--lang zh|en``: language of messages and headers."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
        help="Language of messages, headers and labels.",
    )(f)
