"""Data as bureaus deliver it: FileGDB, coordinate TXT, 二调 codes, GB18030 (issue 18).

Every format is made here, from the tiny county of conftest.py or a county made by
:func:`redline.make_county`, and the findings of a check are compared with those of the
same county read from shapefiles.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

import redline
from redline.io.coordtxt import read_coordtxt, write_coordtxt
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
    assert "0301" in errors[0].problem
    assert "of the 5 features" in errors[0].problem


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


# --- coordinate TXT files and attribute tables (台账) -------------------------------------


def _as_txt(folder: Path, stem: str, id_field: str, *, table: str) -> pd.DataFrame:
    """Replace the shapefile ``stem`` by coordinate TXT files (a folder ``stem``, GBK, one
    per parcel) and its attributes by a table (台账) keyed on 地块编号; return the table."""
    frame = pyogrio.read_dataframe(folder / f"{stem}.shp", encoding="gbk")
    write_coordtxt(frame, folder / stem, id_field=id_field, name_field=id_field)
    for part in folder.glob(f"{stem}.*"):
        part.unlink()
    attrs = pd.DataFrame(frame.drop(columns="geometry")).rename(columns={id_field: "地块编号"})
    if table.endswith(".csv"):
        (folder / table).write_bytes(attrs.to_csv(index=False).encode("gb18030"))
    else:
        attrs.to_excel(folder / table, index=False)
    return attrs


def _txt_county(folder: Path, dest: Path) -> Path:
    dest = _copy_without(folder, dest, set())
    _as_txt(dest, "报批地块", "DZJGH", table="报批台账.xlsx")
    _as_txt(dest, "供地地块", "DZJGH", table="供地台账.csv")
    toml = (dest / "redline.toml").read_text(encoding="utf-8")
    toml = toml.replace('path = "报批地块.shp"\n[layers.approvals.fields]\napproval_id = "DZJGH"',
                        'path = "报批地块"\nattributes = "报批台账.xlsx"\n'
                        '[layers.approvals.fields]\napproval_id = "地块编号"')
    toml = toml.replace('path = "供地地块.shp"',
                        'path = "供地地块"\nattributes = "供地台账.csv"\n'
                        '[layers.supply.fields]\nsupply_id = "地块编号"')
    (dest / "redline.toml").write_text(toml, encoding="utf-8")
    return dest


def test_coordinate_txt_with_attribute_tables_gives_the_shapefiles_findings(
        county: tuple[Path, list[tuple[object, ...]]], tmp_path: Path) -> None:
    """Approvals and supply as coordinate TXT folders, their attributes in .xlsx / .csv."""
    folder, expected = county
    dest = _txt_county(folder, tmp_path / "县")
    ds = read_dataset(dest)
    assert not ds.errors, ds.errors
    assert not [p for p in ds.all_problems() if p.kind == "attributes"]
    approvals = ds.layers["approvals"]
    assert approvals.encoding == "GBK"
    assert approvals.source_crs == "EPSG:4529"
    assert {"crs_from_header"} <= {p.kind for p in approvals.problems}
    got = _findings(dest, tmp_path / "out")
    # Coordinates are written to the millimetre: areas agree to a few cm2.
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    assert np.allclose([g[3] for g in got], [e[3] for e in expected], atol=0.2)


def test_every_unmatched_id_of_an_attribute_table_is_reported(
        county: tuple[Path, list[tuple[object, ...]]], tmp_path: Path) -> None:
    folder, _ = county
    dest = _copy_without(folder, tmp_path / "县", set())
    attrs = _as_txt(dest, "报批地块", "DZJGH", table="报批台账.xlsx")
    gone = [str(v) for v in attrs["地块编号"].iloc[[0, 5]]]
    extra = attrs.iloc[[1]].assign(地块编号="辽政地〔2030〕99号")
    attrs = pd.concat([attrs.drop(index=[0, 5]), extra], ignore_index=True)
    attrs.to_excel(dest / "报批台账.xlsx", index=False)
    toml = (dest / "redline.toml").read_text(encoding="utf-8")
    (dest / "redline.toml").write_text(toml.replace(
        'path = "报批地块.shp"\n[layers.approvals.fields]\napproval_id = "DZJGH"',
        'path = "报批地块"\nattributes = "报批台账.xlsx"\n[layers.approvals.fields]\n'
        'approval_id = "地块编号"'), encoding="utf-8")
    ds = read_dataset(dest)
    unmatched = {p.feature_id: p for p in ds.all_problems() if p.kind == "attributes"}
    assert set(unmatched) == {*gone, "辽政地〔2030〕99号"}
    assert all(p.level == "warning" for p in unmatched.values())
    frame = ds["approvals"].set_index("approval_id")
    assert frame.loc[gone, "approved_on"].isna().all()
    assert frame.drop(index=gone)["approved_on"].notna().all()


#: A parcel of 100 m x 100 m with a 20 m x 20 m hole and a second ring of 10 m x 10 m,
#: in EPSG:4529 (zone 41, prefixed eastings): X the northing, Y the easting.
TXT = """[属性描述]
格式版本号=1.0
数据产生单位=某某县自然资源局
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=41
精度=0.001
[地块坐标]
14,0.9700,DK䶮01,𠮷祥村工业地块,面,K51G001001,工业用地,0601,@
J1,1,4550000.000,41500000.000
J2,1,4550100.000,41500000.000
J3,1,4550100.000,41500100.000
J4,1,4550000.000,41500100.000
J1,1,4550000.000,41500000.000
J5,2,4550040.000,41500040.000
J6,2,4550060.000,41500040.000
J7,2,4550060.000,41500060.000
J8,2,4550040.000,41500060.000
J5,2,4550040.000,41500040.000
J9,3,4550200.000,41500200.000
J10,3,4550210.000,41500200.000
J11,3,4550210.000,41500210.000
J12,3,4550200.000,41500210.000
"""


def test_a_coordinate_txt_in_gb18030_with_a_hole_and_two_shells(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "县", "shp")
    for part in folder.glob("approvals.*"):
        part.unlink()
    (folder / "报批.txt").write_bytes(TXT.replace("\n", "\r\n").encode("gb18030"))
    (folder / "redline.toml").write_text(
        '[layers.approvals]\npath = "报批.txt"\n[layers.approvals.fields]\n'
        'approval_id = "地块编号"\n', encoding="utf-8")
    ds = read_dataset(folder)
    layer = ds.layers["approvals"]
    assert layer.encoding == "GB18030"
    frame = layer.frame
    assert frame["approval_id"].tolist() == ["DK䶮01"]
    geom = frame.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert sorted(len(p.interiors) for p in geom.geoms) == [0, 1]
    # Planar area in the GK zone: 100*100 - 20*20 + 10*10, by hand.
    assert geom.area == pytest.approx(10_000 - 400 + 100, abs=0.01)
    why = next(p.problem for p in layer.problems if p.kind == "crs_from_header")
    assert "2000国家大地坐标系" in why
    assert "41" in why


# --- 西安1980 / 北京1954 --------------------------------------------------------------------

#: Seven parameters made up for the test (m, arc-seconds, ppm), position vector convention.
SEVEN = [100.0, -50.0, 20.0, 1.0, -2.0, 3.0, 5.0]


def _helmert_by_hand(x: float, y: float, source: str, target: str) -> tuple[float, float]:
    """Apply SEVEN to a point: X' = T + (1 + s) R X, R the position-vector rotation."""
    from pyproj import CRS, Transformer

    src, dst = CRS(source), CRS(target)
    lon, lat = Transformer.from_crs(src, src.geodetic_crs, always_xy=True).transform(x, y)
    ell = src.ellipsoid
    to_cart = Transformer.from_pipeline(
        f"+proj=cart +a={ell.semi_major_metre} +rf={ell.inverse_flattening}")
    cx, cy, cz = to_cart.transform(lon, lat, 0.0)
    dx, dy, dz, rx, ry, rz, s = SEVEN
    rx, ry, rz = (np.radians(v / 3600.0) for v in (rx, ry, rz))
    rot = np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    out = np.array([dx, dy, dz]) + (1 + s * 1e-6) * rot @ np.array([cx, cy, cz])
    back = Transformer.from_pipeline("+proj=cart +ellps=GRS80")
    lon2, lat2, _ = back.transform(*out, direction="INVERSE")
    return Transformer.from_crs(dst.geodetic_crs, dst, always_xy=True).transform(lon2, lat2)


@pytest.mark.parametrize(("old", "twin"), [("EPSG:2365", "EPSG:4529"),
                                           ("EPSG:2417", "EPSG:4529")])
def test_old_datums_warn_or_take_the_provinces_seven_parameters(
        tmp_path: Path, old: str, twin: str) -> None:
    folder = write_county(tmp_path / "县", "shp")
    frame = county_layers()["approvals"].set_crs(old, allow_override=True)
    for part in folder.glob("approvals.*"):
        part.unlink()
    write_gbk_shapefile(frame, folder / "approvals.shp")

    plain = read_dataset(folder).layers["approvals"]
    warned = [p for p in plain.problems if p.kind == "datum_approximate"]
    assert len(warned) == 1
    assert warned[0].level == "warning"

    values = ", ".join(f"{v:g}" for v in SEVEN)
    (folder / "redline.toml").write_text(f"towgs84 = [{values}]\n", encoding="utf-8")
    layer = read_dataset(folder).layers["approvals"]
    assert not [p for p in layer.problems if p.kind == "datum_approximate"]
    assert [p.kind for p in layer.problems if p.kind == "datum_transformed"]
    assert layer.source_crs == twin
    x, y = frame.geometry.iloc[0].exterior.coords[0]
    want = _helmert_by_hand(x, y, old, twin)
    got = np.array(layer.frame.geometry.iloc[0].exterior.coords)
    assert np.min(np.hypot(got[:, 0] - want[0], got[:, 1] - want[1])) < 0.001


def test_a_towgs84_key_must_hold_seven_numbers(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "县", "shp")
    (folder / "redline.toml").write_text("[layers.approvals]\ntowgs84 = [1, 2]\n",
                                         encoding="utf-8")
    with pytest.raises(redline.errors.ConfigError, match="7 numbers"):
        read_dataset(folder)


def test_findings_are_written_as_coordinate_txt_one_file_per_case(
        county: tuple[Path, list[tuple[object, ...]]]) -> None:
    """Each polygonal finding of findings.gpkg is one file of findings_txt, same shape."""
    folder, _ = county
    out = folder.parent / "out_shp"
    findings = pyogrio.read_dataframe(out / "findings.gpkg", layer="findings")
    files = sorted((out / "findings_txt").glob("*.txt"))
    assert len(files) == len(findings)
    read, problems, meta = read_coordtxt(out / "findings_txt")
    assert not [p for p in problems if p.level != "info"]
    assert {f.encoding for f in meta.files} == {"GBK"}
    assert meta.crs == findings.crs.to_string()
    got = read.set_index("地块编号").geometry
    for row in findings.itertuples():
        # Written to the millimetre: the same polygon within a few cm2.
        assert got[row.finding_id].symmetric_difference(row.geometry).area < 0.05


# --- GB18030 and what a shapefile declares --------------------------------------------------

NAMES = ["王䶮", "𠮷野家", "水田"]


def _gb18030_approvals(folder: Path, cpg: str | None, ldid: int = 0) -> Path:
    """approvals.shp with names GBK lacks, its text in GB18030, declared as asked."""
    import warnings

    frame = county_layers()["approvals"].iloc[[0, 1, 1]].reset_index(drop=True)
    frame["PZWH"] = ["批1", "批2", "批3"]
    frame["XMMC"] = NAMES
    shp = folder / "approvals.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, shp, encoding="gb18030")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        shp.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = ldid
    dbf.write_bytes(bytes(data))
    assert "䶮".encode("gb18030") in data  # a four-byte sequence GBK has not
    return shp


@pytest.mark.parametrize(("cpg", "ldid", "written", "mismatch"), [
    (None, 0, "gb18030", False),        # undeclared: the bytes tell
    ("936", 0, "CP936", False),         # ArcGIS's .cpg for GBK
    ("GB18030", 0, "GB18030", False),
    (None, 0x4D, "CP936", False),       # the code-page byte only
    ("ISO-8859-1", 0, "ISO-8859-1", True),  # a wrong .cpg: said, and the bytes win
    ("UTF-8", 0, "UTF-8", True),
])
def test_gbk_is_read_as_gb18030_and_the_encoding_reported_as_written(
        tmp_path: Path, cpg: str | None, ldid: int, written: str, mismatch: bool) -> None:
    folder = write_county(tmp_path / "县", "shp")
    for part in folder.glob("approvals.*"):
        part.unlink()
    _gb18030_approvals(folder, cpg, ldid)
    (folder / "redline.toml").write_text(
        '[layers.approvals.fields]\nauthority = "XMMC"\n', encoding="utf-8")
    layer = read_dataset(folder).layers["approvals"]
    assert layer.frame["authority"].tolist() == NAMES
    assert layer.encoding == written
    kinds = [p.kind for p in layer.problems]
    assert ("encoding_mismatch" in kinds) == mismatch
    if mismatch:
        said = next(p for p in layer.problems if p.kind == "encoding_mismatch")
        assert said.level == "warning"
        assert written in said.problem


def test_an_explicit_gbk_encoding_keeps_gb18030_names(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "县", "shp")
    for part in folder.glob("approvals.*"):
        part.unlink()
    _gb18030_approvals(folder, None)
    (folder / "redline.toml").write_text(
        'encoding = "gbk"\n[layers.approvals.fields]\nauthority = "XMMC"\n', encoding="utf-8")
    assert read_dataset(folder)["approvals"]["authority"].tolist() == NAMES


def test_coordinate_txt_and_joined_layers_are_never_read_in_windows(tmp_path: Path) -> None:
    """A window of a TXT layer, or of a joined one, would repeat or misreport ids."""
    from redline.io.discover import Source
    from redline.io.spill import can_spill

    shp = Source("farmland", "DLTB.shp", "DLTB.shp", "shp", tmp_path / "DLTB.shp")
    assert can_spill(shp)
    assert not can_spill(Source("approvals", "报批", "报批", "coordtxt", tmp_path))
    assert not can_spill(dataclasses.replace(shp, attributes=tmp_path / "台账.xlsx"))
