import geopandas as gpd
import pyogrio
import pytest
import shapely

from redline.io.encoding import decode_table, looks_misdecoded, sniff_bytes, sniff_dbf


def test_sniff_bytes():
    assert sniff_bytes("水田".encode("gbk")) == "gbk"
    assert sniff_bytes("水田".encode()) == "utf-8"
    assert sniff_bytes(b"DLBM 0101") is None


def test_looks_misdecoded():
    garbled = "水田".encode("gbk").decode("latin-1")
    assert garbled == "Ë®Ìï"
    assert looks_misdecoded(["0101", garbled])
    assert not looks_misdecoded(["水田"])
    assert not looks_misdecoded(["0101", None, 3])


def _frame():
    return gpd.GeoDataFrame({"DLMC": ["水田", "旱地"], "名称": ["甲", "乙"]},
                            geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="EPSG:4529")


def test_gbk_dbf_without_cpg_is_detected(tmp_path, gbk_writer):
    shp = gbk_writer(_frame(), tmp_path / "a.shp")
    data = shp.with_suffix(".dbf").read_bytes()
    assert data[29] == 0
    assert not shp.with_suffix(".cpg").exists()
    # What GDAL does by itself: ISO-8859-1, field names garbled.
    assert pyogrio.read_info(shp)["encoding"] == "ISO-8859-1"
    assert "名称" not in list(pyogrio.read_info(shp)["fields"])
    assert sniff_dbf(data) == "gbk"


def test_utf8_dbf_without_cpg_is_detected(tmp_path):
    shp = tmp_path / "u.shp"
    pyogrio.write_dataframe(_frame(), shp, encoding="utf-8")
    shp.with_suffix(".cpg").unlink()
    assert sniff_dbf(shp.with_suffix(".dbf").read_bytes()) == "utf-8"


def test_ascii_dbf_needs_no_guess(tmp_path, gbk_writer):
    frame = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[shapely.box(0, 0, 1, 1)],
                             crs="EPSG:4529")
    shp = gbk_writer(frame, tmp_path / "a.shp")
    assert sniff_dbf(shp.with_suffix(".dbf").read_bytes()) is None


def test_declared_code_page_is_trusted():
    header = bytearray(64)
    header[29] = 0x4D  # GBK declared
    assert sniff_dbf(bytes(header)) is None


@pytest.mark.parametrize(
    ("data", "encoding"),
    [("admin_code\n210302\n".encode("utf-8-sig"), "utf-8-sig"),
     ("admin_code,名\n210302,铁东\n".encode(), "utf-8"),
     ("admin_code,名\n210302,铁东\n".encode("gbk"), "gbk")],
)
def test_decode_table(data, encoding):
    text, used = decode_table(data)
    assert used == encoding
    assert text.startswith("admin_code")
