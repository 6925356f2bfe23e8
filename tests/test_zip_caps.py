"""A zipped dataset is refused before unpacking when it would fill the disk."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline import settings
from redline.cli.main import cli
from redline.errors import InputError
from redline.io.dataset import read_dataset

from conftest import write_county


def _bomb(path: Path, mib: int) -> Path:
    with (zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf,
          zf.open("county/filler.dbf", "w") as member):
        block = b"\0" * 2**20
        for _ in range(mib):
            member.write(block)
    return path


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    bomb = _bomb(tmp_path / "county.zip", 64)
    assert bomb.stat().st_size < 2**20 // 4  # 64 MiB of zeros pack to under 256 KiB
    with pytest.raises(InputError, match="times its size"):
        read_dataset(bomb)
    result = CliRunner().invoke(cli, ["info", str(bomb)])
    assert result.exit_code == 1
    assert "not a dataset" in result.stderr
    assert "Traceback" not in result.output
    assert not any((tmp_path / "tmp").rglob("filler.dbf"))


def test_a_zip_over_the_size_cap_is_refused(tmp_path: Path, monkeypatch) -> None:
    folder = write_county(tmp_path / "county", "shp")
    archive = tmp_path / "county.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"county/{p.name}")
    assert read_dataset(archive).layers  # an ordinary zip is read
    monkeypatch.setattr(settings, "max_unzipped_bytes", 1000)
    with pytest.raises(InputError, match="over the 0 GiB allowed"):
        read_dataset(archive)
