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


def test_layers_of_one_file_read_at_once_share_one_digest(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads asking at the same moment start one hash of the file, not two."""
    import threading

    from redline.io import digest

    path = tmp_path / "county.gpkg"
    path.write_bytes(b"x" * 4096)
    started: list[Path] = []
    original = digest.sha256_file

    def counted(p: Path) -> str:
        started.append(p)
        return original(p)

    monkeypatch.setattr(digest, "sha256_file", counted)
    monkeypatch.setattr(digest, "_DIGESTS", {})
    together = threading.Barrier(8)
    got: list[object] = []

    def ask() -> None:
        together.wait()
        got.append(digest.digest_later(path))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(f) for f in got}) == 1
    future = got[0]
    assert future is not None
    assert future.result(timeout=30) == _sha(b"x" * 4096)  # type: ignore[attr-defined]
    assert len(started) == 1
