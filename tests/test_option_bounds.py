"""Options that would silently change every result are refused in one line.

A NaN sliver dropped every overlap finding, a negative one reported edges that only
touch, a 3000x3000 grid of tiles had no bound; the overlay engine's public functions
took a CRS in degrees and turned distances and slivers into degrees.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from redline.analysis.overlay import cover, overlap_area, pieces, split_by_units
from redline.cli.main import cli
from redline.errors import ConfigError, CRSError
from redline.settings import CheckOptions, check_sliver, parse_tiles

from conftest import write_county


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf", "abc"])
def test_a_sliver_that_is_not_a_finite_area_is_refused(tmp_path: Path, value: str) -> None:
    folder = write_county(tmp_path / "county", "shp")
    result = CliRunner().invoke(cli, ["check", str(folder), "--out", str(tmp_path / "out"),
                                      "--sliver", value])
    assert result.exit_code == 2
    assert "Invalid value for '--sliver'" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="finite number of m2"):
        CheckOptions(sliver_m2=float(value) if value != "abc" else value)  # type: ignore[arg-type]


def test_a_sliver_of_zero_is_kept() -> None:
    assert check_sliver("0") == 0.0
    assert CheckOptions(sliver_m2=0.0).sliver_m2 == 0.0


@pytest.mark.parametrize("grid", ["3000x3000", "101x1", "1x101"])
def test_a_grid_of_tiles_is_bounded(tmp_path: Path, grid: str) -> None:
    with pytest.raises(ConfigError, match="at most 100 tiles a side"):
        parse_tiles(grid)
    folder = write_county(tmp_path / "county", "shp")
    result = CliRunner().invoke(cli, ["check", str(folder), "--out", str(tmp_path / "out"),
                                      "--tiles", grid])
    assert result.exit_code == 2
    assert "at most 100 tiles a side" in result.stderr


def test_the_largest_grid_is_accepted() -> None:
    assert parse_tiles("100x100") == (100, 100)


BOX = [shapely.box(0, 0, 1, 1)]


@pytest.mark.parametrize("call", [
    lambda crs: pieces(BOX, BOX, crs=crs),
    lambda crs: overlap_area(BOX, BOX, crs=crs),
    lambda crs: cover(BOX, BOX, crs=crs),
    lambda crs: split_by_units(BOX, BOX, crs=crs),
])
def test_the_engine_refuses_a_crs_in_degrees(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CRSError, match="not a projected CRS in metres"):
        call("EPSG:4490")


def test_the_engine_refuses_a_nan_sliver() -> None:
    with pytest.raises(ConfigError):
        pieces(BOX, BOX, crs="EPSG:4529", sliver_m2=math.nan)
