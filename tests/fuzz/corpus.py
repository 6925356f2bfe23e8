"""Builders of bad inputs: each spoils a copy of the tiny county in one way.

A case is a name and a function that takes the county's folder (GBK shapefiles, as
:func:`conftest.write_county` writes them) and spoils it in place. The corpus holds the
kinds of damage met in practice: truncated and zero-byte files, wrong or missing
sidecars, a broken .prj or .cpg, hostile redline.toml and targets.csv, payload ids,
NaN and huge coordinates.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

Spoil = Callable[[Path], None]


def _truncate(name: str, keep: float) -> Spoil:
    def spoil(folder: Path) -> None:
        path = folder / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    return spoil


def _write(name: str, data: bytes) -> Spoil:
    def spoil(folder: Path) -> None:
        (folder / name).write_bytes(data)
    return spoil


def _delete(name: str) -> Spoil:
    def spoil(folder: Path) -> None:
        (folder / name).unlink()
    return spoil


def _swap(a: str, b: str) -> Spoil:
    def spoil(folder: Path) -> None:
        pa, pb = folder / a, folder / b
        da, db = pa.read_bytes(), pb.read_bytes()
        pa.write_bytes(db)
        pb.write_bytes(da)
    return spoil


def _first_x(name: str, value: float) -> Spoil:
    """Write ``value`` as the X of the first polygon's second vertex."""
    def spoil(folder: Path) -> None:
        path = folder / name
        data = bytearray(path.read_bytes())
        content = 108
        n_parts = struct.unpack("<i", data[content + 36:content + 40])[0]
        at = content + 44 + 4 * n_parts + 16
        data[at:at + 8] = struct.pack("<d", value)
        path.write_bytes(bytes(data))
    return spoil


CASES: dict[str, Spoil] = {
    "shp truncated": _truncate("approvals.shp", 0.6),
    "dbf truncated": _truncate("approvals.dbf", 0.7),
    "shx truncated": _truncate("supply.shx", 0.5),
    "shp zero bytes": _write("DLTB.shp", b""),
    "dbf zero bytes": _write("approvals.dbf", b""),
    "shx missing": _delete("approvals.shx"),
    "dbf missing": _delete("supply.dbf"),
    "shx of another layer": _swap("approvals.shx", "supply.shx"),
    "dbf of another layer": _swap("approvals.dbf", "supply.dbf"),
    "prj garbage": _write("approvals.prj", b"\x00\xff not a CRS"),
    "prj empty": _write("DLTB.prj", b""),
    "cpg unknown": _write("approvals.cpg", b"KLINGON-1"),
    "cpg binary": _write("approvals.cpg", b"\xff\xfe\x00"),
    "toml garbage": _write("redline.toml", b"[layers\npath = "),
    "toml binary": _write("redline.toml", b"\xff\xfe\x00\x01"),
    "toml unknown role": _write("redline.toml", b'[layers.nonsense]\npath = "x.shp"\n'),
    "toml path missing": _write("redline.toml", b'[layers.supply]\npath = "nowhere.shp"\n'),
    "toml path outside": _write("redline.toml",
                                b'[layers.targets]\npath = "/etc/passwd"\n'),
    "toml crs garbage": _write("redline.toml", b'crs = "EPSG:-1"\n'),
    "targets empty": _write("targets.csv", b""),
    "targets binary": _write("targets.csv", bytes(range(256)) * 4),
    "targets ragged": _write("targets.csv", b"admin_code,year\n210302,2025,1,2\n,\n"),
    "targets payload": _write("targets.csv",
                              b"admin_code,year,quota_ha\n=cmd|' /C calc'!A0,2025,-inf\n"),
    "nan vertex": _first_x("approvals.shp", float("nan")),
    "inf vertex": _first_x("supply.shp", float("inf")),
    "huge vertex": _first_x("DLTB.shp", 1e300),
    "stray file": _write("notes.shp", b"not a shapefile at all"),
}
