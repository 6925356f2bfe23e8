"""Options shared by several subcommands; a check's are made from its options dataclass.

Every field of :class:`redline.settings.CheckOptions` is one option of ``redline check``
(:func:`check_options`), with the field's default and help text; ``tests/test_options.py``
holds the command and the dataclass to each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, Final, TypeVar

import click

from redline.errors import ConfigError
from redline.settings import CheckOptions, as_date, check_sliver, parse_tiles
from redline.text import LANGS

F = TypeVar("F", bound=Callable[..., Any])

#: Each field of CheckOptions and the flag that sets it.
CHECK_FLAGS: Final[dict[str, str]] = {
    "as_of": "--as-of", "lang": "--lang", "sliver_m2": "--sliver", "n_jobs": "--jobs",
    "tiles": "--tiles", "crs": "--crs", "encoding": "--encoding",
    "outside_paths": "--outside-paths",
}


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    try:
        return as_date(value)
    except ConfigError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-06-30"
                                 ) from None


def _parse_tiles(ctx: click.Context, param: click.Parameter, value: str) -> Any:
    try:
        return parse_tiles(value)
    except ConfigError as ex:
        raise click.BadParameter(ex.problem) from None


def _parse_sliver(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return check_sliver(value)
    except ConfigError:
        raise click.BadParameter(f"{value!r} is not an area; give a finite number of m2, "
                                 "0 or more") from None


#: How the command line spells each option's value (click type, callback, metavar).
_KINDS: Final[dict[str, dict[str, Any]]] = {
    "as_of": {"callback": _parse_date, "metavar": "YYYY-MM-DD"},
    "lang": {"type": click.Choice(list(LANGS)), "show_default": True},
    "sliver_m2": {"callback": _parse_sliver, "metavar": "M2"},
    "n_jobs": {"type": click.IntRange(1), "show_default": True},
    "tiles": {"callback": _parse_tiles, "metavar": "auto|none|NXxNY", "show_default": True},
    "crs": {"metavar": "EPSG:NNNN"},
    "encoding": {"metavar": "NAME"},
    "outside_paths": {"is_flag": True},
}

_DEFAULTS: Final[dict[str, Any]] = {f.name: f.default for f in fields(CheckOptions)}


def option(name: str) -> Callable[[F], F]:
    """Return the click option setting the field ``name`` of :class:`CheckOptions`."""
    return click.option(CHECK_FLAGS[name], name, default=_DEFAULTS[name],
                        help=CheckOptions.help(name), **_KINDS[name])


def check_options(f: F) -> F:
    """Add an option for every field of :class:`CheckOptions`, in the dataclass's order."""
    for field in reversed(fields(CheckOptions)):
        f = option(field.name)(f)
    return f


#: ``--as-of DATE``: the date checks are made at (default today).
as_of_option = option("as_of")
#: ``--lang zh|en``: language of messages, headers and pages.
lang_option = option("lang")
