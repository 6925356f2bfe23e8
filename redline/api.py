"""The Python API for scripts: the same tools as the command line, with results in memory.

Every function here is a thin, documented entry point over a tool (path in, result
out); the ``redline`` command calls the same tools, so a script and the command
give the same outputs. Import them from the package: ``redline.check``,
``redline.read_dataset`` and so on.

Examples
--------
>>> import tempfile
>>> import redline
>>> out = tempfile.mkdtemp()
>>> run = redline.check("data/samples/tiedong", f"{out}/tiedong", as_of="2026-06-30")
>>> len(run.findings), run.run["findings_by_rule"]["unapproved_construction"]
(33, 10)
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

from redline.errors import ConfigError
from redline.tools.samples import make_county, make_sample

if TYPE_CHECKING:

    pass

__all__ = [
    "make_county",
    "make_sample",
]

#: A date as :class:`datetime.date` or ISO text (``"2026-06-30"``).
DateLike = datetime.date | str

PathLike = str | os.PathLike[str]


def _as_date(value: DateLike | None) -> datetime.date | None:
    """Accept a date or ISO text; anything else is a :class:`ConfigError`."""
    if value is None or (isinstance(value, datetime.date)
                         and not isinstance(value, datetime.datetime)):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as ex:
        raise ConfigError(f"as_of was {value!r} but is expected to be a date like 2026-06-30",
                          fix="pass a datetime.date or ISO text YYYY-MM-DD") from ex


