"""Errors raised by redline.

Every error a user can cause derives from :class:`RedlineError`; the command
line turns it into one line naming the file, the problem and the fix, and an
exit code of 1. Subclasses also inherit the matching built-in so that callers
who catch ``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations


class RedlineError(Exception):
    """Root of every error redline raises on purpose.

    Parameters
    ----------
    problem
        What was received and why it is wrong.
    path
        The file or dataset the problem is in, if any.
    fix
        What the user should do about it.
    """

    def __init__(self, problem: str, *, path: str | None = None, fix: str | None = None) -> None:
        self.problem = problem
        self.path = path
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """Return the one-line message: ``file: problem; fix``."""
        head = f"{self.path}: " if self.path else ""
        tail = f"; fix: {self.fix}" if self.fix else ""
        return f"{head}{self.problem}{tail}"


class InputError(RedlineError, OSError):
    """A file or dataset is missing, unreadable, or not what it should be."""


class CRSError(RedlineError, ValueError):
    """A CRS is missing, geographic where metres are needed, or irreconcilable."""


class ConfigError(RedlineError, ValueError):
    """``redline.toml`` or an argument is malformed."""


class GeometryError(RedlineError, ValueError):
    """Geometries are not what an operation needs (missing, not polygons, invalid)."""


class OutputExistsError(RedlineError, FileExistsError):
    """An output folder or file exists and may not be replaced.

    Either ``overwrite`` was not given, or the folder or page was not written by
    redline (no ``.redline`` marker, no redline generator mark), so ``overwrite``
    does not apply to it.
    """


class OutputPathError(RedlineError, ValueError):
    """An output path is unusable: empty, not a plain path, the current folder, or an input.

    An output may never be, hold, or lie inside a file or folder the run reads.
    """


class OutputBusyError(RedlineError, BlockingIOError):
    """Another redline run is writing the same output folder."""



class VerdictFileError(InputError):
    """Verdict files hold bad rows: nothing was imported.

    ``rows`` lists every bad row as ``file row N: problem``; the message holds them all.
    """

    def __init__(self, rows: list[str], *, path: str | None = None) -> None:
        self.rows = list(rows)
        super().__init__(f"{len(rows)} bad row{'s' if len(rows) != 1 else ''}, nothing "
                         f"imported: {' | '.join(rows)}", path=path,
                         fix="correct every row named and import the files again")
