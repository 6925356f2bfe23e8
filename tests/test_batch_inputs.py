"""A batch sees every byte of a county's inputs, and never checks one dataset twice.

``--resume`` hashed only the .shp: a .dbf edited in place was "unchanged". A batch.toml
listing one dataset three times tripled the roll-up.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from test_batch import AS_OF, _Inline, fake_check, make_county

from redline.errors import ConfigError
from redline.io.counties import dataset_files, read_counties
from redline.tools import batch

from conftest import write_county


def test_a_dbf_edited_in_place_to_the_same_size_is_a_change(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "county", "shp")
    before = dataset_files(folder)
    dbf = folder / "supply.dbf"
    data = bytearray(dbf.read_bytes())
    data[-3] ^= 0x01  # one bit of the last record's text
    dbf.write_bytes(bytes(data))
    after = dataset_files(folder)
    assert before.keys() == after.keys()
    assert {k for k in before if before[k] != after[k]} == {"supply.dbf"}


def test_resume_checks_again_a_county_whose_dbf_changed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    county = make_county(root / "a", code="210302", n=2)
    out = tmp_path / "out"
    first = batch.run_batch(root, out, as_of=AS_OF, check=fake_check, progress=False,
                            executor=_Inline())
    assert [c.status for c in first.counties] == ["finished"]
    again = batch.run_batch(root, out, as_of=AS_OF, check=fake_check, progress=False,
                            executor=_Inline(), resume=True)
    assert [c.status for c in again.counties] == ["skipped"]
    # A layer's bytes change, its size does not (SQLite files are whole pages).
    gpkg = county / "admin.gpkg"
    size = gpkg.stat().st_size
    frame = gpd.read_file(gpkg)
    frame["admin_name"] = ["县改"]
    gpkg.unlink()
    frame.to_file(gpkg)
    assert gpkg.stat().st_size == size
    third = batch.run_batch(root, out, as_of=AS_OF, check=fake_check, progress=False,
                            executor=_Inline(), resume=True)
    assert [(c.status, c.reason) for c in third.counties] == [("finished", "")]


def test_a_dataset_listed_twice_in_batch_toml_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    a = make_county(root / "a", code="210302", n=1)
    make_county(root / "b", code="210303", n=1, shift=1000)
    (root / "batch.toml").write_text(
        '[[county]]\npath = "a"\n[[county]]\npath = "b"\n'
        f'[[county]]\npath = "./a"\n[[county]]\npath = "{a.as_posix()}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"county #3 lists .* again \(county #1"):
        read_counties(root)
