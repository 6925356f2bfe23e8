r"""Output names that can never leave the output folder.

A batch names each county's output folder from an admin code or from the
county's own folder name, and both come from data a user handed over: a folder
called ``../x``, a name with ``/``, ``\\``, NUL or control characters, or an
absolute path in ``batch.toml`` must not write outside the batch's ``--out``.
Chinese names are kept as they are.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Final

from redline.errors import ConfigError

#: Characters never kept in a folder name (path separators and those Windows refuses).
_FORBIDDEN: Final[re.Pattern[str]] = re.compile(r'[/\\:*?"<>|]')
#: Names Windows reserves whatever the extension.
_RESERVED: Final[frozenset[str]] = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
#: Longest name kept, in UTF-8 bytes (file systems allow 255; room is left for suffixes).
MAX_NAME_BYTES: Final[int] = 120
#: Name used when nothing usable is left.
FALLBACK_NAME: Final[str] = "county"
_ADMIN_CODE: Final[re.Pattern[str]] = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")


def safe_name(name: object, *, fallback: str = FALLBACK_NAME) -> str:
    r"""Turn any text into one harmless folder name.

    Separators and characters file systems refuse become ``_``; control and
    format characters (NUL, newlines, bidi marks) are dropped; leading and
    trailing dots and spaces are stripped, so ``..`` and ``.hidden`` cannot
    survive; the result is NFC-normalised and cut to :data:`MAX_NAME_BYTES`.

    Examples
    --------
    >>> safe_name("../x")
    'x'
    >>> safe_name("铁东区/海城")
    '铁东区_海城'
    >>> safe_name("\x00..")
    'county'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+", " ", text).strip(" ._")
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    text = text.rstrip(" .")
    if not text:
        return fallback
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def admin_code_name(code: object) -> str | None:
    """Return a 6-, 9- or 12-digit admin code as a folder name, or None when it is not one."""
    text = str(code).strip() if code is not None else ""
    return text if _ADMIN_CODE.fullmatch(text) else None


def safe_child(parent: str | os.PathLike[str], name: str) -> Path:
    """``parent / name`` after checking that it names a direct child of ``parent``.

    Raises
    ------
    ConfigError
        ``name`` would resolve outside ``parent`` (pass it through :func:`safe_name` first).
    """
    base = Path(parent).resolve()
    child = (base / name).resolve()
    if child.parent != base or name in {"", ".", ".."}:
        raise ConfigError(
            f"the output name {name!r} would leave the output folder",
            path=str(base),
            fix="name counties with plain folder names or admin codes",
        )
    return child


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... whichever is not in ``taken`` (case-insensitive)."""
    return UniqueNames(taken).take(name, keep=False)


class UniqueNames:
    """Hand out names none of which repeats another (case-insensitive), as :func:`unique_name`.

    Each name given is ``name`` itself, or ``name-2``, ``name-3``... whichever is not
    taken yet, and is then taken. Handing out ``n`` names costs about ``n`` set
    look-ups however many collide: the taken names are kept case-folded, and the
    suffix tried next for a name starts after the ones already found taken (names
    are only ever added, so a suffix found taken stays taken).

    Examples
    --------
    >>> names = UniqueNames({"a"})
    >>> [names.take(n) for n in ["a", "A", "a-2", "b", "a"]]
    ['a-2', 'A-3', 'a-2-2', 'b', 'a-4']
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self._taken = {t.casefold() for t in taken or ()}
        self._next: dict[str, int] = {}  # case-folded name -> first suffix not known taken

    def take(self, name: str, *, keep: bool = True) -> str:
        """Return ``name`` or its first free ``name-<i>`` (i >= 2), taken unless not ``keep``."""
        folded = name.casefold()
        if folded in self._taken:
            i = self._next.get(folded, 2)
            while f"{folded}-{i}" in self._taken:  # casefold works character by character
                i += 1
            self._next[folded] = i
            name, folded = f"{name}-{i}", f"{folded}-{i}"
        if keep:
            self._taken.add(folded)
        return name


#: The fix of a path outside the dataset folder.
OUTSIDE_FIX: Final[str] = ("move the file into the dataset folder (a copy, not a link), or "
                           "pass --outside-paths to allow files outside it")


def outside(folder: Path, path: Path) -> Path | None:
    """Return where ``path`` really lies when that is outside ``folder`` (None: inside).

    Both are resolved, symlinks included, so neither ``../`` nor an absolute path nor a
    link inside the folder pointing out of it reaches a file the dataset does not hold
    (redline.toml of a county sent in by others could otherwise name any file the
    process can read).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> outside(root, root / "a.shp") is None, outside(root, root / ".." / "x") is not None
    (True, True)
    """
    real = path.resolve()
    return None if real.is_relative_to(folder.resolve()) else real
