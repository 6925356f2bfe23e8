"""Data as bureaus deliver it: FileGDB, coordinate TXT, 二调 codes, GB18030 (issue 18).

Every format is made here, from the tiny county of conftest.py or a county made by
:func:`redline.make_county`, and the findings of a check are compared with those of the
same county read from shapefiles.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import county_layers, write_gbk_shapefile

from redline.tools.check import check

AS_OF = datetime.date(2026, 6, 30)


def test_check_without_parcel_layers_skips_the_rules_that_need_them(tmp_path: Path) -> None:
    """Farmland, basic farmland and admin only: no traceback, every rule said skipped."""
    folder = tmp_path / "只有耕地"
    folder.mkdir()
    for name in ("XZQ", "DLTB", "YJJBNTTB"):
        write_gbk_shapefile(county_layers()[name], folder / f"{name}.shp")
    out = check(folder, tmp_path / "out", as_of=AS_OF, progress=False)
    skipped = {item["rule"]: item["reason"] for item in out.run["skipped"]}
    assert {"basic_farmland_encroachment", "supply_without_approval",
            "unapproved_construction", "idle_1y"} <= set(skipped)
    assert "approvals" in skipped["basic_farmland_encroachment"]
    assert out.findings.empty
    assert out.features.empty
    assert out.run["status"] == "finished"
