"""Digests of inputs: a file's bytes, a shapefile with its sidecars, a file inside a zip."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from redline.io.digest import sha256_file, source_sha256


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_is_its_bytes_and_a_zip_member_its_own(tmp_path: Path) -> None:
    plain = tmp_path / "targets.csv"
    plain.write_bytes(b"admin_code,year\n210302,2026\n")
    assert sha256_file(plain) == source_sha256(plain) == _sha(plain.read_bytes())
    archive = tmp_path / "county.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("county/evidence.tif", b"pixels")
    assert sha256_file(f"/vsizip/{archive}/county/evidence.tif") == _sha(b"pixels")
    with pytest.raises(FileNotFoundError):
        sha256_file(f"/vsizip/{archive}/county/gone.tif")


def test_a_shapefile_is_hashed_with_its_sidecars(tmp_path: Path) -> None:
    files = {".shp": b"shapes", ".dbf": b"table", ".prj": b"crs", ".cpg": b"GBK"}
    for suffix, data in files.items():
        (tmp_path / f"DLTB[1]{suffix}").write_bytes(data)
    (tmp_path / "XZQ.shp").write_bytes(b"another layer")  # not a sidecar
    expected = hashlib.sha256()
    for suffix in sorted(files):
        expected.update(suffix.encode())
        expected.update(hashlib.sha256(files[suffix]).digest())
    shp = tmp_path / "DLTB[1].shp"
    assert source_sha256(shp) == expected.hexdigest()
    before = source_sha256(shp)
    (tmp_path / "DLTB[1].dbf").write_bytes(b"table, edited")
    assert source_sha256(shp) != before
    assert sha256_file(shp) == _sha(b"shapes")  # the .shp alone is unchanged


def test_a_missing_source_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        source_sha256(tmp_path / "gone.gpkg")
