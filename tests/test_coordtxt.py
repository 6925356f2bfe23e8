"""Coordinate exchange TXT (坐标交换 TXT): files written here, in GBK, read and written back.

Areas are worked by hand (rectangles and triangles in metres), CRSs checked against
pyproj's own description of each EPSG code (central meridian, false easting), not
against the module's table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS, Transformer

from redline.errors import ConfigError, CRSError, InputError, OutputExistsError
from redline.io.coordtxt import (
    HEADER_FIELDS,
    decode_bytes,
    describe_gk,
    gk_epsg,
    read_coordtxt,
    write_coordtxt,
)
from redline.io.safepath import UniqueNames, unique_name

HEAD = """[属性描述]
格式版本号=1.0
数据产生单位=鞍山市自然资源局
数据产生日期=2024-05-01
坐标系={datum}
几度分带={width}
投影类型=高斯克吕格
计量单位=米
带号={zone}
精度=0.001
转换参数=,,,,,,
[地块坐标]
"""

# A 100 m x 50 m parcel with a 20 m x 10 m hole: 5000 - 200 = 4800 m2 = 0.48 ha.
HOLED = """10,0.4800,DK01,䶮家沟工业地块,面,K51G001001,工业用地,0601,@
J1,1,4551000.000,41512000.000
J2,1,4551000.000,41512100.000
J3,1,4550950.000,41512100.000
J4,1,4550950.000,41512000.000
J1,1,4551000.000,41512000.000
J5,2,4550990.000,41512010.000
J6,2,4550990.000,41512030.000
J7,2,4550980.000,41512030.000
J8,2,4550980.000,41512010.000
J5,2,4550990.000,41512010.000
"""
# A right triangle with legs 40 m and 50 m: 1000 m2 = 0.1 ha.
TRIANGLE = """4,0.1000,DK02,二号地块,面,,设施农用地,1202,@
J1,1,4552000.000,41513000.000
J2,1,4552000.000,41513040.000
J3,1,4551950.000,41513040.000
J1,1,4552000.000,41513000.000
"""


def txt(folder: Path, name: str, body: str, *, datum: str = "2000国家大地坐标系",
        width: str = "3", zone: str = "41", encoding: str = "gbk", newline: str = "\r\n",
        head: str | None = None) -> Path:
    text = (HEAD.format(datum=datum, width=width, zone=zone) if head is None else head) + body
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def kinds(problems: list) -> list[str]:
    return [p.kind for p in problems]


def test_parcel_with_a_hole(tmp_path: Path) -> None:
    frame, problems, meta = read_coordtxt(txt(tmp_path, "p.txt", HOLED, encoding="gb18030"))
    assert len(frame) == 1
    geom = frame.geometry.iloc[0]
    assert geom.geom_type == "Polygon"
    assert len(geom.interiors) == 1
    assert geom.area == pytest.approx(4800.0)
    assert frame.crs == CRS.from_epsg(4488 + 41)
    row = frame.iloc[0]
    assert row["地块面积"] == pytest.approx(0.48)
    assert row["面积单位"] == "公顷"
    assert row["界址点数"] == 10
    assert row["地块名称"] == "䶮家沟工业地块"
    assert row["地类编码"] == "0601"
    assert row["源文件"] == "p.txt"
    assert meta.crs == "EPSG:4529"
    assert meta.files[0].attributes["数据产生单位"] == "鞍山市自然资源局"
    assert meta.files[0].encoding == "GB18030"
    assert not [p for p in problems if p.level != "info"]


def test_two_parcels_in_one_file_keep_the_format_fields(tmp_path: Path) -> None:
    frame, _, meta = read_coordtxt(txt(tmp_path, "proj.txt", HOLED.replace("䶮", "李")
                                       + TRIANGLE))
    assert list(frame.columns[:8]) == list(HEADER_FIELDS)
    assert frame["地块编号"].tolist() == ["DK01", "DK02"]
    assert frame["地块序号"].tolist() == [1, 2]
    assert frame["地块用途"].tolist() == ["工业用地", "设施农用地"]
    assert frame["图幅号"].tolist() == ["K51G001001", None]
    assert frame.area.round(6).tolist() == [4800.0, 1000.0]
    assert frame["面积单位"].tolist() == ["公顷", "公顷"]
    assert meta.files[0].encoding == "GBK"
    assert meta.files[0].parcels == 2


def crs_params(code: str) -> tuple[float, float]:
    params = {p.name: p.value for p in CRS.from_user_input(code).coordinate_operation.params}
    return params["Longitude of natural origin"], params["False easting"]


@pytest.mark.parametrize(("header", "y", "expect"), [
    (("2000国家大地坐标系", "3", "41"), 41512000.0, (123, 41_500_000, "CGCS2000")),
    (("2000国家大地坐标系", "3", "41"), 512000.0, (123, 500_000, "CGCS2000")),
    (("2000国家大地坐标系", "3", "123"), 512000.0, (123, 500_000, "CGCS2000")),  # 带号 as CM
    (("CGCS2000", "6", "21"), 21512000.0, (123, 21_500_000, "CGCS2000")),
    (("CGCS2000", "6", "21"), 512000.0, (123, 500_000, "CGCS2000")),
    (("西安80坐标系", "3", "41"), 41512000.0, (123, 41_500_000, "Xian 1980")),
    (("1980西安坐标系", "3", "41"), 512000.0, (123, 500_000, "Xian 1980")),
    (("北京54坐标系", "3", "40"), 40512000.0, (120, 40_500_000, "Beijing 1954")),
    (("1954年北京坐标系", "6", "20"), 512000.0, (117, 500_000, "Beijing 1954")),
])
def test_crs_from_the_header(tmp_path: Path, header: tuple[str, str, str], y: float,
                             expect: tuple[float, float, str]) -> None:
    datum, width, zone = header
    cm, false_easting, name = expect
    body = TRIANGLE.replace("41513000.000", f"{y:.3f}").replace(
        "41513040.000", f"{y + 40:.3f}")
    frame, problems, meta = read_coordtxt(txt(tmp_path, "c.txt", body, datum=datum,
                                              width=width, zone=zone))
    assert crs_params(meta.crs) == (cm, false_easting)
    assert name in CRS.from_user_input(meta.crs).name
    assert meta.datum == name
    assert frame.area.iloc[0] == pytest.approx(1000.0)
    assert "txt_crs" not in kinds(problems)


def test_zone_prefix_wins_over_a_wrong_zone_number(tmp_path: Path) -> None:
    _, _, meta = read_coordtxt(txt(tmp_path, "c.txt", TRIANGLE, zone="40"))
    assert meta.crs == "EPSG:4529"
    assert "contradicts" in meta.crs_reason


def test_unknown_crs_is_an_error_unless_given(tmp_path: Path) -> None:
    body = TRIANGLE.replace("41513", "513")
    path = txt(tmp_path, "c.txt", body, head="[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n")
    frame, problems, meta = read_coordtxt(path)
    assert meta.crs is None
    assert frame.crs is None
    errors = [p for p in problems if p.level == "error"]
    assert len(errors) == 1
    assert "带号 is not given" in errors[0].problem
    assert "crs" in errors[0].fix
    frame, problems, meta = read_coordtxt(path, crs="EPSG:4550")
    assert frame.crs == CRS.from_epsg(4550)
    assert not [p for p in problems if p.level == "error"]


def test_swapped_xy_is_detected_and_said(tmp_path: Path) -> None:
    lines = TRIANGLE.splitlines()
    swapped = [lines[0]] + [",".join([*ln.split(",")[:2], ln.split(",")[3], ln.split(",")[2]])
                            for ln in lines[1:]]
    frame, problems, _ = read_coordtxt(txt(tmp_path, "s.txt", "\n".join(swapped) + "\n"))
    plain, _, _ = read_coordtxt(txt(tmp_path, "p.txt", TRIANGLE))
    assert shapely.equals_exact(frame.geometry.iloc[0], plain.geometry.iloc[0], tolerance=0)
    said = [p for p in problems if p.kind == "txt_xy_swapped"]
    assert len(said) == 1
    assert "41513000.000" in said[0].problem
    assert frame.crs == plain.crs


@pytest.mark.parametrize(("declared", "unit"), [
    ("0.1000", "公顷"), ("1000", "平方米"), ("1000.0", "平方米"), ("1.5", "亩"),
    ("0.1公顷", "公顷"), ("1000平方米", "平方米"),
])
def test_area_unit_is_told_by_the_geometry(tmp_path: Path, declared: str, unit: str) -> None:
    # 1000 m2 is 0.1 ha and 1.5 mu (1 mu = 10000/15 m2).
    frame, problems, _ = read_coordtxt(txt(tmp_path, "a.txt",
                                           TRIANGLE.replace("0.1000", declared)))
    assert frame["面积单位"].iloc[0] == unit
    assert "txt_area" not in kinds(problems)


def test_area_that_fits_no_unit_or_differs_is_a_problem(tmp_path: Path) -> None:
    frame, problems, _ = read_coordtxt(txt(tmp_path, "a.txt",
                                           TRIANGLE.replace("0.1000", "0.3000")))
    assert frame["面积单位"].iloc[0] is None
    area = [p for p in problems if p.kind == "txt_area"]
    assert "fits neither" in area[0].problem
    frame, problems, _ = read_coordtxt(txt(tmp_path, "b.txt",
                                           TRIANGLE.replace("0.1000", "0.1100")))
    assert frame["面积单位"].iloc[0] == "公顷"
    assert "differs" in next(p for p in problems if p.kind == "txt_area").problem


def test_malformed_lines_are_problems_with_file_and_line(tmp_path: Path) -> None:
    body = TRIANGLE.replace("J3,1,4551950.000,41513040.000", "J3,1,4551950.000,4151x040")
    body = "garbage before any parcel\n" + body + "J9,1\n"
    frame, problems, _ = read_coordtxt(txt(tmp_path, "m.txt", body))
    bad = [p for p in problems if p.kind == "txt_line"]
    assert [p.problem.split(":")[0] for p in bad] == ["line 13", "line 17", "line 19"]
    assert all(p.path.endswith("m.txt") for p in bad)
    assert bad[1].feature_id == "DK02"
    # Two points left: no polygon, the row kept with the reason.
    assert len(frame) == 1
    assert frame.geometry.iloc[0] is None
    assert any(p.kind == "txt_geometry" and p.level == "warning" for p in problems)


def test_real_world_variations_read_the_same(tmp_path: Path) -> None:
    messy = ("\n" + HOLED.replace(",@", "").replace(",", "，", 30) + "\n\n"
             + TRIANGLE.replace(",", " , ") + "   \n")
    messy = messy.replace("J5,2,4550990.000,41512010.000\n", "J5 2 4550990.000 41512010.000\n", 1)
    frame, problems, _ = read_coordtxt(txt(tmp_path, "m.txt", messy, newline="\n",
                                           encoding="gb18030"))
    clean, _, _ = read_coordtxt(txt(tmp_path, "c.txt", HOLED + TRIANGLE, encoding="gb18030"))
    assert frame.geometry.area.round(6).tolist() == [4800.0, 1000.0]
    assert frame.drop(columns="源文件").equals(clean.drop(columns="源文件"))
    assert not [p for p in problems if p.level != "info"]


def test_utf8_with_bom_and_open_rings(tmp_path: Path) -> None:
    body = "\n".join(TRIANGLE.splitlines()[:-1]) + "\n"  # no closing point
    path = tmp_path / "u.txt"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD.format(datum="2000国家大地坐标系", width=3,
                                                    zone=41) + body).encode("utf-8"))
    frame, problems, meta = read_coordtxt(path)
    assert meta.files[0].encoding == "UTF-8 (BOM)"
    assert frame.area.iloc[0] == pytest.approx(1000.0)
    assert "txt_ring_open" in kinds(problems)


def test_rings_by_nesting_island_in_a_hole(tmp_path: Path) -> None:
    # Shell 100x100, hole 60x60, island 20x20 in the hole: 10000 - 3600 + 400 = 6800 m2.
    def square(ring: int, n0: float, e0: float, size: float, start: int) -> str:
        pts = [(n0, e0), (n0, e0 + size), (n0 - size, e0 + size), (n0 - size, e0), (n0, e0)]
        return "".join(f"J{start + i},{ring},{n:.3f},{e:.3f}\n" for i, (n, e) in enumerate(pts))

    body = ("15,0.6800,ISL,岛,面,,,,@\n" + square(3, 4551080, 41512040, 20, 11)
            + square(1, 4551100, 41512000, 100, 1) + square(2, 4551080, 41512020, 60, 6))
    frame, _, _ = read_coordtxt(txt(tmp_path, "i.txt", body))
    geom = frame.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2
    assert geom.area == pytest.approx(6800.0)


def test_lines_and_points_are_kept_and_said(tmp_path: Path) -> None:
    body = TRIANGLE.replace(",面,", ",线,")
    frame, problems, _ = read_coordtxt(txt(tmp_path, "l.txt", body))
    assert frame.geometry.iloc[0].geom_type == "LineString"
    assert any("only polygons are judged" in p.problem for p in problems)


def test_point_count_mismatch_is_noted(tmp_path: Path) -> None:
    _, problems, _ = read_coordtxt(txt(tmp_path, "n.txt", TRIANGLE.replace("4,0.1000", "7,0.1000")))
    assert "txt_point_count" in kinds(problems)
    _, problems, _ = read_coordtxt(txt(tmp_path, "o.txt", TRIANGLE.replace("4,0.1000", "3,0.1000")))
    assert "txt_point_count" not in kinds(problems)  # counted without the closing point


def test_folder_of_files(tmp_path: Path) -> None:
    txt(tmp_path, "a.txt", HOLED.replace("䶮", "张"))
    # The same triangle written in the plain (no prefix) CGCS2000 CM 123E projection.
    txt(tmp_path, "b.txt", TRIANGLE.replace("41513", "513"), zone="41")
    (tmp_path / "readme.txt").write_bytes("说明：本文件夹为报批坐标".encode("gbk"))
    frame, problems, meta = read_coordtxt(tmp_path)
    assert meta.crs == "EPSG:4529"
    assert frame["源文件"].tolist() == ["a.txt", "b.txt"]
    assert frame.geometry.iloc[1].bounds == pytest.approx((41513000, 4551950, 41513040, 4552000))
    readme = [p for p in problems if p.path.endswith("readme.txt")]
    assert [p.kind for p in readme] == ["txt_empty"]
    assert any("projected into EPSG:4529" in p.problem for p in problems)


def test_folder_mixing_datums_leaves_the_odd_file_unplaced(tmp_path: Path) -> None:
    txt(tmp_path, "a.txt", HOLED.replace("䶮", "张") + TRIANGLE)
    txt(tmp_path, "b.txt", TRIANGLE, datum="西安80坐标系")
    frame, problems, meta = read_coordtxt(tmp_path)
    assert meta.datum == "CGCS2000"
    assert frame.geometry.isna().tolist() == [False, False, True]
    error = next(p for p in problems if p.level == "error")
    assert error.path.endswith("b.txt")
    assert "Xian 1980" in error.problem


def test_missing_path_and_empty_folder_raise(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_coordtxt(tmp_path / "none.txt")
    with pytest.raises(InputError, match=r"no \.txt"):
        read_coordtxt(tmp_path)


@pytest.mark.parametrize(("data", "text", "encoding"), [
    ("地块".encode("gbk"), "地块", "GBK"),
    ("𠮷".encode("gb18030"), "𠮷", "GB18030"),
    ("地块".encode(), "地块", "UTF-8"),
    ("地块".encode("utf-16"), "地块", "UTF-16 (BOM)"),
])
def test_decode(data: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(data) == (text, encoding)


@pytest.mark.parametrize(("datum", "epsg_datum"), [
    ("CGCS2000", "CGCS2000"), ("Xian 1980", "Xian 1980"), ("Beijing 1954", "Beijing 1954")])
@pytest.mark.parametrize(("width", "zones"), [(3, range(25, 46)), (6, range(13, 24))])
@pytest.mark.parametrize("prefixed", [True, False])
def test_every_zone_code_is_the_right_projection(datum: str, epsg_datum: str, width: int,
                                                 zones: range, prefixed: bool) -> None:
    for zone in zones:
        code = gk_epsg(datum, width, zone, prefixed=prefixed)  # type: ignore[arg-type]
        crs = CRS.from_user_input(code)
        cm = zone * 3 if width == 3 else zone * 6 - 3
        assert crs_params(code) == (cm, zone * 1_000_000 + 500_000 if prefixed else 500_000)
        assert crs.name.startswith(epsg_datum)
        assert describe_gk(code) == (datum, width, zone, prefixed)
    with pytest.raises(CRSError):
        gk_epsg(datum, width, zones.stop, prefixed=prefixed)  # type: ignore[arg-type]


# --- writing --------------------------------------------------------------------------

def cases() -> gpd.GeoDataFrame:
    shell = shapely.box(41512000, 4550950, 41512100, 4551000)
    hole = shapely.box(41512010, 4550980, 41512030, 4550990)
    holed = shapely.Polygon(shell.exterior.coords, [hole.exterior.coords])
    two = shapely.MultiPolygon([shapely.box(41513000, 4551950, 41513040, 4552000),
                                shapely.box(41513100.25, 4551950.125, 41513120.5, 4551970.875)])
    tri = shapely.Polygon([(41514000, 4552000), (41514040, 4552000), (41514040, 4551950)])
    return gpd.GeoDataFrame({
        "case_id": ["C1", "C2", "C3", "C4"],
        "name": ["䶮家沟, 北", "二号", "三号", "空"],
        "use": ["工业用地", "", "设施农用地", ""],
        "code": ["0601", "0702", "1202", ""],
        "project": ["P1", "P1", "P2", "P2"],
    }, geometry=[holed, two, tri, None], crs="EPSG:4529")


def test_round_trip(tmp_path: Path) -> None:
    frame = cases()
    paths, problems = write_coordtxt(frame, tmp_path / "out", id_field="case_id",
                                     name_field="name", use_field="use", code_field="code",
                                     made_on=date(2024, 5, 1))
    assert [p.name for p in paths] == ["C1.txt", "C2.txt", "C3.txt"]
    assert [p.feature_id for p in problems if p.kind == "txt_not_written"] == ["C4"]
    assert any(p.kind == "txt_encoding" and "䶮" in p.problem for p in problems)
    back, read_problems, meta = read_coordtxt(tmp_path / "out")
    assert not [p for p in read_problems if p.level != "info"]
    assert meta.crs == "EPSG:4529"
    assert [f.encoding for f in meta.files] == ["GB18030", "GBK", "GBK"]
    for i in range(3):
        a, b = frame.geometry.iloc[i], back.geometry.iloc[i]
        assert a.geom_type == b.geom_type
        assert shapely.hausdorff_distance(a, b) <= 0.001
        assert abs(a.area - b.area) < 0.01
    assert back["地块编号"].tolist() == ["C1", "C2", "C3"]
    # A comma inside a name cannot survive as a separator: it is written full-width.
    assert back["地块名称"].tolist() == ["䶮家沟， 北", "二号", "三号"]
    assert back["地块用途"].tolist() == ["工业用地", None, "设施农用地"]
    assert back["地类编码"].tolist() == ["0601", "0702", "1202"]
    # 4800 m2, 40 * 50 + 20.25 * 20.75 = 2420.1875 m2 and 1000 m2 by hand; written in 公顷 to
    # 4 decimals, ellipsoidal (12-14 km from the central meridian: planar exceeds it by
    # about 4e-6, far below 0.0001 ha).
    assert back["地块面积"].tolist() == [0.48, 0.2420, 0.1]
    assert back["面积单位"].tolist() == ["公顷"] * 3


def test_written_file_follows_the_format(tmp_path: Path) -> None:
    frame = cases().iloc[[0]]
    (path,), _ = write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name",
                                code_field="code", encoding="gb18030", producer="某局",
                                made_on=date(2024, 5, 1))
    raw = path.read_bytes()
    assert b"\r\n" in raw
    lines = raw.decode("gb18030").split("\r\n")
    assert lines[:12] == ["[属性描述]", "格式版本号=1.0", "数据产生单位=某局",
                          "数据产生日期=2024-05-01", "坐标系=2000国家大地坐标系", "几度分带=3",
                          "投影类型=高斯克吕格", "计量单位=米", "带号=41", "精度=0.001",
                          "转换参数=,,,,,,", "[地块坐标]"]
    assert lines[12] == "10,0.4800,C1,䶮家沟， 北,面,,,0601,@"
    # Shell from its north-western corner, clockwise on the map, closed by J1; then the hole.
    assert lines[13:18] == ["J1,1,4551000.000,41512000.000", "J2,1,4551000.000,41512100.000",
                            "J3,1,4550950.000,41512100.000", "J4,1,4550950.000,41512000.000",
                            "J1,1,4551000.000,41512000.000"]
    assert lines[18].startswith("J5,2,")
    assert lines[22] == lines[18]


def test_one_file_per_project(tmp_path: Path) -> None:
    paths, _ = write_coordtxt(cases(), tmp_path, id_field="case_id", name_field="name",
                              group_field="project")
    assert [p.name for p in paths] == ["P1.txt", "P2.txt"]
    back, _, _ = read_coordtxt(tmp_path / "P1.txt")
    assert back["地块编号"].tolist() == ["C1", "C2"]


def test_write_reprojects_from_degrees_and_refuses_to_overwrite(tmp_path: Path) -> None:
    frame = cases().iloc[[2]].to_crs("EPSG:4490")
    (path,), _ = write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name")
    back, _, meta = read_coordtxt(path)
    assert meta.crs == "EPSG:4529"  # the zone of the data's centre, 123E
    assert back.area.iloc[0] == pytest.approx(1000.0, abs=0.01)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError):
        write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name", producer="x")
    assert path.read_bytes() == before
    write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name", producer="x",
                   overwrite=True)
    assert path.read_bytes() != before


def test_write_bad_arguments(tmp_path: Path) -> None:
    frame = cases()
    with pytest.raises(ConfigError, match="'nope' is not a column"):
        write_coordtxt(frame, tmp_path, id_field="nope", name_field="name")
    with pytest.raises(ConfigError, match="encoding"):
        write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name", encoding="latin-1")
    with pytest.raises(CRSError):
        write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name", crs="EPSG:3857")
    with pytest.raises(CRSError):
        write_coordtxt(frame.set_crs(None, allow_override=True), tmp_path, id_field="case_id",
                       name_field="name")


def test_write_in_a_plain_zone(tmp_path: Path) -> None:
    frame = cases().iloc[[2]]
    (path,), _ = write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name",
                                crs="EPSG:4550")
    text = path.read_bytes().decode("gbk")
    assert "带号=41" in text
    assert "J1,1,4552000.000,514000.000" in text
    back, _, meta = read_coordtxt(path)
    assert meta.crs == "EPSG:4550"
    assert shapely.hausdorff_distance(back.to_crs("EPSG:4529").geometry.iloc[0],
                                      frame.geometry.iloc[0]) <= 0.001


@pytest.mark.parametrize(("declared", "flagged"), [("0.5", False), ("0.5000", True),
                                                   ("0.48", False), ("0.4810", False)])
def test_area_difference_allows_for_the_written_decimals(tmp_path: Path, declared: str,
                                                         flagged: bool) -> None:
    # 4800 m2: "0.5" (written to 0.1 ha) may be it; "0.5000" (to 1 m2) is 200 m2 (4 %) off;
    # "0.4810" is 10 m2 off, 0.2 %, within the 1 % allowed.
    _, problems, _ = read_coordtxt(txt(tmp_path, "d.txt", HOLED.replace("0.4800", declared),
                                       encoding="gb18030"))
    assert ("txt_area" in kinds(problems)) is flagged


def test_degree_coordinates_with_a_hole(tmp_path: Path) -> None:
    to_ll = Transformer.from_crs("EPSG:4529", "EPSG:4490", always_xy=True)
    lines = []
    for ln in HOLED.splitlines():
        parts = ln.split(",")
        if ln.startswith("J"):
            lon, lat = to_ll.transform(float(parts[3]), float(parts[2]))
            parts[2:] = [f"{lat:.10f}", f"{lon:.10f}"]
        lines.append(",".join(parts))
    frame, problems, meta = read_coordtxt(txt(tmp_path, "g.txt", "\n".join(lines) + "\n",
                                              encoding="gb18030"))
    assert meta.crs == "EPSG:4490"
    assert frame["面积单位"].iloc[0] == "公顷"
    assert "txt_area" not in kinds(problems)
    assert frame.to_crs("EPSG:4529").area.iloc[0] == pytest.approx(4800.0, abs=0.01)


def _old_unique_name(name: str, taken: set[str]) -> str:
    """The naming rule as first written: the taken names case-folded anew for every name."""
    lowered = {t.casefold() for t in taken}
    if name.casefold() not in lowered:
        return name
    i = 2
    while f"{name}-{i}".casefold() in lowered:
        i += 1
    return f"{name}-{i}"


def test_colliding_names_are_numbered_as_before() -> None:
    # By hand, with LOT-4 taken already: Lot is free; lot is taken (as Lot), lot-2 is
    # free; LOT-2 is taken (as lot-2), LOT-2-2 free; lot: lot-2 taken, lot-3 free;
    # lot-3 taken, lot-3-2 free; Lot: lot-2, lot-3 and LOT-4 taken, Lot-5 free.
    names = UniqueNames({"LOT-4"})
    got = [names.take(n) for n in ["Lot", "lot", "LOT-2", "lot", "lot-3", "Lot"]]
    assert got == ["Lot", "lot-2", "LOT-2-2", "lot-3", "lot-3-2", "Lot-5"]
    # Many collisions, interleaved with names that look numbered: the same as the rule.
    wanted = [["p", "P", "p-7", "q", "P-2", "p"][i % 6] for i in range(3000)]
    taken: set[str] = {"p-30"}
    names, old = UniqueNames(taken), []
    for n in wanted:
        old.append(_old_unique_name(n, taken))
        taken.add(old[-1])
    assert [names.take(n) for n in wanted] == old
    assert len({n.casefold() for n in old}) == len(old)
    assert unique_name("P", {"p", "p-2"}) == "P-3"


def test_finding_files_apart_only_by_case_get_numbered(tmp_path: Path) -> None:
    frame = cases().iloc[:3].assign(case_id=["A", "a", "a-2"])
    paths, _ = write_coordtxt(frame, tmp_path, id_field="case_id", name_field="name")
    assert [p.name for p in paths] == ["A.txt", "a-2.txt", "a-2-2.txt"]
