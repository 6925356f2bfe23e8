from __future__ import annotations

import datetime
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from redline.errors import OutputExistsError
from redline.io import outputs, write


def test_staged_dir_refuses_non_empty_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(OutputExistsError, match="--overwrite"), outputs.staged_dir(out):
        pass
    assert (out / "old.txt").read_text() == "x"


def test_staged_dir_replaces_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    outputs.write_marker(out, "redline check")  # replaced only as redline's own folder
    with outputs.staged_dir(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_interrupted_run_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def interrupted() -> None:
        with outputs.staged_dir(out) as tmp:
            (tmp / "half.csv").write_text("a,b")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert list(tmp_path.iterdir()) == []


def test_csv_has_bom_and_chinese(tmp_path: Path) -> None:
    path = write.write_csv(tmp_path / "a.csv", pd.DataFrame({"名称": ["铁东区"]}))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "铁东区" in raw.decode("utf-8-sig")


def test_json_keeps_chinese(tmp_path: Path) -> None:
    path = write.write_json(tmp_path / "r.json", {"名称": "铁西区"})
    assert "铁西区" in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == {"名称": "铁西区"}


def test_xlsx_headers(tmp_path: Path) -> None:
    path = write.write_xlsx(tmp_path / "a.xlsx", {"问题清单": pd.DataFrame({"面积(亩)": [1.5]})})
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert ws["A1"].value == "面积(亩)"
    assert ws["A2"].value == 1.5


def test_xlsx_cells_keep_their_types(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "项目": ["=HYPERLINK(\"x\")", "http://example.org"],
        "合同日期": pd.to_datetime(["2020-01-02", None]),
        "面积": [1.5, float("nan")],
        "宗数": pd.array([3, None], dtype="Int64"),
    })
    ws = openpyxl.load_workbook(write.write_xlsx(tmp_path / "a.xlsx", {"s": frame}))["s"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("项目", "合同日期", "面积", "宗数")
    # Text is never turned into a formula or a link; missing values are blank.
    assert rows[1] == ('=HYPERLINK("x")', datetime.datetime(2020, 1, 2), 1.5, 3)
    assert rows[2] == ("http://example.org", None, None, None)
    assert ws["B2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b


def test_gpkg_layers(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4529)
    path = write.write_gpkg(tmp_path / "f.gpkg", {"findings": frame, "features": frame})
    back = gpd.read_file(path, layer="features")
    assert back["名称"].tolist() == ["甲"]
    assert not list(tmp_path.glob(".*"))


def test_geopackage_through_arrow_holds_what_row_by_row_holds(tmp_path: Path) -> None:
    """The layers written through Arrow read back as GDAL's row-by-row writer gives them."""
    import pyogrio

    from redline.io.write import write_gpkg

    frame = gpd.GeoDataFrame({
        "id": ["a", "b", None, "d"],
        "area_m2": [1.5, float("nan"), 3.0, 4.0],
        "count": [1, 2, 3, 4],
        "on": pd.to_datetime(["2026-01-02", None, "2025-12-31", "2024-02-29"]),
    }, geometry=[shapely.box(0, 0, 1, 1),
                 shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)]),
                 None, shapely.Polygon()], crs="EPSG:4529")
    write_gpkg(tmp_path / "arrow.gpkg", {"findings": frame})
    frame.to_file(tmp_path / "rows.gpkg", layer="findings", driver="GPKG", engine="pyogrio",
                  use_arrow=False)
    got = gpd.read_file(tmp_path / "arrow.gpkg", layer="findings")
    pd.testing.assert_frame_equal(got, gpd.read_file(tmp_path / "rows.gpkg", layer="findings"))
    assert (pyogrio.read_info(tmp_path / "arrow.gpkg", layer="findings")["geometry_type"]
            == "MultiPolygon")
    # A column of mixed kinds Arrow cannot type: the file is written row by row.
    mixed = frame.assign(id=[datetime.date(2026, 1, 2), "b", "c", None])
    write_gpkg(tmp_path / "mixed.gpkg", {"again": frame, "findings": mixed})
    back = gpd.read_file(tmp_path / "mixed.gpkg", layer="findings")
    assert back["id"].tolist()[:3] == ["2026-01-02", "b", "c"]
    assert len(gpd.read_file(tmp_path / "mixed.gpkg", layer="again")) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrow.gpkg", "mixed.gpkg",
                                                          "rows.gpkg"]
