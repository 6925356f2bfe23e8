"""Data as bureaus deliver it: FileGDB, coordinate TXT, 二调 codes, GB18030 (issue 18).

Every format is made here, from the tiny county of conftest.py or a county made by
:func:`redline.make_county`, and the findings of a check are compared with those of the
same county read from shapefiles.
"""

from __future__ import annotations

import datetime
import re
import shutil
import zipfile
from pathlib import Path

import pyogrio
import pytest

import redline
from redline.io.dataset import read_dataset
from redline.tools.check import check

from conftest import county_layers, write_county, write_gbk_shapefile

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


# --- a county made by redline.make_county, checked from shapefiles once -----------------


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[object, ...]]]:
    """A 三调-style county as GBK shapefiles, and the findings of its check."""
    root = tmp_path_factory.mktemp("formats")
    redline.make_county(root, name="县", admin_code="210302", seed=3, n_farmland=1500,
                        n_parcels=40, fmt="shp", style="standard", evidence="none")
    folder = root / "县"
    return folder, _findings(folder, root / "out_shp")


def _findings(folder: Path, out: Path) -> list[tuple[object, ...]]:
    """The findings of a check as (rule, layer, feature id, area to 0.1 m2), sorted."""
    run = check(folder, out, as_of=AS_OF, progress=False)
    assert not run.findings.empty
    return sorted((str(r.rule), str(r.layer), str(r.feature_id), round(float(r.area_m2), 1))
                  for r in run.findings.itertuples())


def _copy_without(folder: Path, dest: Path, stems: set[str]) -> Path:
    """Copy a county folder leaving out the shapefiles named by ``stems``."""
    dest.mkdir()
    for p in folder.iterdir():
        if Path(p.name).stem not in stems:
            shutil.copy2(p, dest / p.name)
    return dest


def _to_gdb(folder: Path, stems: list[str], gdb: Path) -> None:
    """Write the GBK shapefiles ``stems`` of ``folder`` as layers of one FileGDB."""
    for stem in stems:
        frame = pyogrio.read_dataframe(folder / f"{stem}.shp", encoding="gbk")
        pyogrio.write_dataframe(frame, gdb, layer=stem, driver="OpenFileGDB",
                                promote_to_multi=True)


SANDIAO = ["DLTB", "XZQ", "YJJBNTTB"]
PARCELS = ["报批地块", "供地地块", "变化图斑", "补充耕地"]


def test_filegdb_beside_shapefiles_gives_the_shapefiles_findings(
        county: tuple[Path, list[tuple[object, ...]]], tmp_path: Path) -> None:
    """The 三调 layers in 210302.gdb, the parcels still shapefiles beside it."""
    folder, expected = county
    dest = _copy_without(folder, tmp_path / "县", set(SANDIAO))
    _to_gdb(folder, SANDIAO, dest / "210302.gdb")
    ds = read_dataset(dest)
    assert ds.layers["farmland"].path.endswith("210302.gdb:DLTB")
    assert ds.layers["farmland"].sha256
    assert _findings(dest, tmp_path / "out") == expected


def test_zipped_filegdb_holding_every_layer_picked_by_layer(
        county: tuple[Path, list[tuple[object, ...]]], tmp_path: Path) -> None:
    """Every layer in one zipped FileGDB; redline.toml picks the parcels by ``layer``."""
    folder, expected = county
    dest = tmp_path / "县"
    dest.mkdir()
    gdb = tmp_path / "210302.gdb"
    _to_gdb(folder, SANDIAO + PARCELS, gdb)
    with zipfile.ZipFile(dest / "210302.gdb.zip", "w") as zf:
        for p in sorted(gdb.iterdir()):
            zf.write(p, f"210302.gdb/{p.name}")
    shutil.copy2(folder / "targets.csv", dest / "targets.csv")
    toml = (folder / "redline.toml").read_text(encoding="utf-8")
    toml = re.sub(r'path = "(\w+)\.shp"', r'layer = "\1"', toml)
    (dest / "redline.toml").write_text(toml, encoding="utf-8")
    ds = read_dataset(dest)
    assert ds.layers["approvals"].path == f"{dest}/210302.gdb.zip:报批地块"
    assert _findings(dest, tmp_path / "out") == expected


def test_a_filegdb_is_a_dataset_zipped_or_not(tmp_path: Path) -> None:
    """A bare .gdb (or .gdb.zip) reads as the same tiny county as its shapefiles."""
    shp = write_county(tmp_path / "shp", "shp")
    gdb = tmp_path / "县.gdb"
    for name, frame in county_layers().items():
        pyogrio.write_dataframe(frame, gdb, layer=name, driver="OpenFileGDB")
    with zipfile.ZipFile(tmp_path / "县.gdb.zip", "w") as zf:
        for p in sorted(gdb.iterdir()):
            zf.write(p, p.name)  # Esri's way: the tables at the top of the zip
    want = read_dataset(shp)
    for path in (gdb, tmp_path / "县.gdb.zip"):
        ds = read_dataset(path)
        assert sorted(ds.layers) == sorted(want.layers), path
        assert not ds.errors, ds.errors
        for role, layer in want.layers.items():
            got = ds.layers[role].frame
            assert got.drop(columns="geometry").equals(layer.frame.drop(columns="geometry"))
            assert got.geometry.geom_equals(layer.frame.geometry).all(), role


def test_info_lists_data_it_does_not_read(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "县", "shp")
    gdb = folder / "210302.gdb"
    pyogrio.write_dataframe(county_layers()["XZQ"], gdb, layer="CJDCQ", driver="OpenFileGDB")
    (folder / "broken.gdb").mkdir()
    (folder / "宗地图.dwg").write_bytes(b"AC1015")
    (folder / "台账.mdb").write_bytes(b"\x00\x01\x00\x00Standard Jet DB")
    (folder / "踏勘.kml").write_text("<kml/>", encoding="utf-8")
    report = redline.info(folder)
    by_path = {Path(p.path.split(":")[0]).name + (":" + p.path.split(":")[1]
               if ":" in p.path else ""): p for p in report.problems
               if p.kind in ("not_read", "ignored")}
    assert by_path["210302.gdb:CJDCQ"].kind == "ignored"
    assert "FileGDB" in by_path["broken.gdb"].problem
    assert ".dwg" in by_path["宗地图.dwg"].problem
    assert "Personal Geodatabase" in by_path["台账.mdb"].problem
    assert "KML" in by_path["踏勘.kml"].problem
    assert all(p.level == "warning" for k, p in by_path.items() if ":" not in k)
    assert report.ok


# --- 二调 land classes -------------------------------------------------------------------

#: 三调 codes and their 二调 equal (GB/T 21010-2007): farmland, industrial, housing.
ERDIAO = {"0101": "011", "0102": "012", "0103": "013", "0601": "061", "0701": "071",
          "0702": "072"}


def _erdiao_county(tmp_path: Path, **dltb: list[str]) -> Path:
    """The tiny county with a DLTB of 二调 land classes (BSM t1..t5)."""
    folder = write_county(tmp_path / "二调", "shp")
    frame = county_layers()["DLTB"]
    frame = frame.iloc[[0, 1, 2, 3, 3]].reset_index(drop=True)
    frame["BSM"] = ["t1", "t2", "t3", "t4", "t5"]
    frame["DLBM"] = dltb.get("DLBM", ["011", "013", "021", "012", "201"])
    frame["DLMC"] = dltb.get("DLMC", ["水田", "旱地", "果园", "水浇地", "城市"])
    frame.geometry = frame.geometry.translate(xoff=frame.index.to_numpy() * 0.0)
    frame.loc[4, "geometry"] = frame.geometry[4].buffer(-10)
    write_gbk_shapefile(frame, folder / "DLTB.shp")
    return folder


def test_erdiao_codes_are_farmland_as_read_and_kept_unpadded(tmp_path: Path) -> None:
    folder = _erdiao_county(tmp_path)
    farmland = read_dataset(folder).layers["farmland"]
    assert sorted(farmland.frame["feature_id"]) == ["t1", "t2", "t4"]
    assert sorted(farmland.frame["land_code"]) == ["011", "012", "013"]


@pytest.mark.parametrize("kept", [["水田", "水浇地", "旱地"], ["011", "012", "013"], ["01"],
                                  ["0101", "0102", "0103"]])
def test_a_filter_on_erdiao_codes_or_names_keeps_the_farmland(tmp_path: Path,
                                                            kept: list[str]) -> None:
    folder = _erdiao_county(tmp_path)
    quoted = ", ".join(f'"{k}"' for k in kept)
    (folder / "redline.toml").write_text(f"[layers.farmland]\nfilter = [{quoted}]\n",
                                         encoding="utf-8")
    ds = read_dataset(folder)
    assert not ds.errors, ds.errors
    assert sorted(ds["farmland"]["feature_id"]) == ["t1", "t2", "t4"]


def test_a_filter_that_leaves_a_role_empty_is_an_error(tmp_path: Path) -> None:
    folder = _erdiao_county(tmp_path)
    (folder / "redline.toml").write_text('[layers.farmland]\nfilter = ["0301"]\n',
                                         encoding="utf-8")
    errors = [p for p in read_dataset(folder).errors if p.kind == "filter_empty"]
    assert len(errors) == 1
    assert "0301" in errors[0].problem and "5" in errors[0].problem


def test_a_filter_value_no_survey_knows_is_a_config_error(tmp_path: Path) -> None:
    folder = _erdiao_county(tmp_path)
    (folder / "redline.toml").write_text('[layers.farmland]\nfilter = ["0011"]\n',
                                         encoding="utf-8")
    with pytest.raises(redline.errors.ConfigError, match="0011"):
        read_dataset(folder)


def test_an_erdiao_county_gives_the_findings_of_its_sandiao_twin(
        county: tuple[Path, list[tuple[object, ...]]], tmp_path: Path) -> None:
    """The same county with farmland written in 二调 codes: the same findings."""
    folder, expected = county
    dest = _copy_without(folder, tmp_path / "县", set())
    for stem in ("DLTB", "变化图斑"):
        frame = pyogrio.read_dataframe(dest / f"{stem}.shp", encoding="gbk")
        assert frame["DLBM"].isin(list(ERDIAO)).any(), stem
        frame["DLBM"] = frame["DLBM"].replace(ERDIAO)
        write_gbk_shapefile(frame, dest / f"{stem}.shp")
    assert _findings(dest, tmp_path / "out") == expected
