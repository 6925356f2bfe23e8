import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from redline.errors import ConfigError, InputError
from redline.io.dataset import read_dataset
from redline.io.layer import map_fields

from conftest import X0, Y0, county_layers, write_county, write_gbk_shapefile, zip_shapefile


def _kinds(ds, level=None):
    return [p.kind for p in ds.all_problems() if level is None or p.level == level]


def _box(x, y, w=100.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + w)


def _shifted(frame, xoff):
    """The frame moved east by ``xoff`` (drops the zone prefix for -41e6), with no CRS."""
    return gpd.GeoDataFrame(frame.drop(columns="geometry"),
                            geometry=frame.geometry.translate(xoff=xoff).values, crs=None)


def _write(frame, path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, **kwargs)


# --- every format --------------------------------------------------------------


def test_reads_every_format(county_any_format):
    ds = read_dataset(county_any_format)
    assert not ds.errors, [p.line() for p in ds.errors]
    assert set(ds.layers) == {"admin", "farmland", "basic_farmland", "approvals", "supply"}
    assert ds.working_crs == "EPSG:4529"

    farmland = ds["farmland"]
    # DLTB filtered to 0101/0102/0103 (0103K by its first four characters).
    assert farmland["feature_id"].tolist() == ["t1", "t2", "t4"]
    assert farmland["land_code"].tolist() == ["0101", "0103K", "0102"]
    assert farmland["_row"].tolist() == [0, 1, 3]
    assert "filtered" in _kinds(ds, "info")
    said = [p.problem for p in ds.all_problems() if p.kind == "filtered"]
    assert said == [f"kept 3 features with land class 0101/0102/0103; "
                    f"{len(county_layers()['DLTB']) - 3} others filtered out"]
    assert list(farmland.columns) == [
        "feature_id", "land_code", "admin_code", "_row", "_problem", "_note", "_unread",
        "geometry"]
    # Geometry survives untouched: same areas as the boxes written.
    np.testing.assert_allclose(farmland.area, [10_000.0] * 3)
    assert farmland.crs.to_epsg() == 4529

    assert ds["admin"]["admin_name"].tolist() == ["铁东区"]
    approvals = ds["approvals"]
    assert approvals["approval_id"].tolist() == ["辽政地〔2009〕1号", "辽政地〔2009〕2号"]
    assert approvals["approved_on"].tolist() == [pd.Timestamp("2009-10-01"),
                                                 pd.Timestamp("2009-03-05")]
    assert approvals["basic_farmland_approved"].tolist() == [False, True]
    supply = ds["supply"].iloc[0]
    assert supply["supply_method"] == "negotiation"
    assert supply["land_use"] == "0601"
    assert supply["contract_on"] == pd.Timestamp("2009-01-01")
    assert supply["price"] == 1200.5
    assert ds.layers["supply"].fields["supply_method"] == "GDFS"


def test_gbk_shapefile_without_cpg_is_detected(county_shp):
    ds = read_dataset(county_shp)
    farmland = ds.layers["farmland"]
    assert farmland.encoding == "gbk"
    assert farmland.encoding_detected
    assert ds["admin"]["admin_name"].tolist() == ["铁东区"]
    detected = [p for p in ds.all_problems() if p.kind == "encoding_detected"]
    # Every layer with Chinese text says so; basic_farmland's text is all ASCII.
    assert {p.role for p in detected} == {"admin", "farmland", "approvals", "supply"}
    assert not ds.layers["basic_farmland"].encoding_detected
    assert all(p.level == "info" for p in detected)


def test_gbk_field_names_are_decoded(tmp_path):
    frame = gpd.GeoDataFrame({"批准文号": ["甲"], "PZRQ": ["2009-10-01"]}, geometry=[_box(0, 0)],
                             crs="EPSG:4529")
    write_gbk_shapefile(frame, tmp_path / "approvals.shp")
    (tmp_path / "redline.toml").write_text(
        '[layers.approvals.fields]\napproval_id = "批准文号"\n', encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert ds["approvals"]["approval_id"].tolist() == ["甲"]


def test_explicit_encoding_wins_over_detection(county_shp):
    ds = read_dataset(county_shp, encoding="latin-1")  # wrong on purpose
    admin = ds.layers["admin"]
    assert admin.encoding == "latin-1"
    assert not admin.encoding_detected
    assert ds["admin"]["admin_name"].tolist() == ["铁东区".encode("gbk").decode("latin-1")]


def test_toml_encoding_wins_over_detection(county_shp):
    (county_shp / "redline.toml").write_text('[layers.admin]\nencoding = "latin-1"\n',
                                             encoding="utf-8")
    ds = read_dataset(county_shp)
    assert ds.layers["admin"].encoding == "latin-1"
    assert not ds.layers["admin"].encoding_detected
    assert ds.layers["approvals"].encoding_detected


def test_wrong_explicit_encoding_is_an_error_problem(county_shp):
    ds = read_dataset(county_shp, encoding="utf-8")
    kinds = {p.role: p.kind for p in ds.errors}
    assert kinds["admin"] == "bad_encoding"
    assert "admin" not in ds
    assert "basic_farmland" in ds  # all-ASCII text reads in any encoding


def test_a_filtered_layer_decodes_only_the_geometries_it_keeps(tmp_path, monkeypatch):
    dltb = county_layers()["DLTB"]
    dltb.to_file(tmp_path / "DLTB.gpkg", layer="DLTB", driver="GPKG")
    decoded: list[int] = []
    real = shapely.from_wkb

    def counting(wkb, *args, **kwargs):
        decoded.append(len(wkb))
        return real(wkb, *args, **kwargs)

    monkeypatch.setattr(shapely, "from_wkb", counting)
    ds = read_dataset(tmp_path)
    assert ds["farmland"]["feature_id"].tolist() == ["t1", "t2", "t4"]
    assert len(dltb) > 3
    assert sum(decoded) == 3  # the other land classes were never decoded


def test_zip_named_by_role_holding_a_dltb_is_filtered(tmp_path):
    shp = write_gbk_shapefile(county_layers()["DLTB"], tmp_path / "DLTB.shp")
    zip_shapefile(shp, tmp_path / "farmland.zip")
    ds = read_dataset(tmp_path)
    assert ds["farmland"]["feature_id"].tolist() == ["t1", "t2", "t4"]


def test_utf8_shapefile_without_cpg(tmp_path):
    frame = county_layers()["XZQ"]
    _write(frame, tmp_path / "admin.shp", encoding="utf-8")
    (tmp_path / "admin.cpg").unlink()
    ds = read_dataset(tmp_path)
    assert ds["admin"]["admin_name"].tolist() == ["铁东区"]
    assert ds.layers["admin"].encoding == "utf-8"


# --- CRS ------------------------------------------------------------------------


def test_missing_prj_with_8_digit_x(tmp_path):
    write_gbk_shapefile(county_layers()["DLTB"], tmp_path / "farmland.shp", prj=False)
    ds = read_dataset(tmp_path)
    layer = ds.layers["farmland"]
    assert layer.source_crs == "EPSG:4529"
    assert layer.crs_inferred
    assert "crs_inferred" in _kinds(ds, "info")
    assert ds.working_crs == "EPSG:4529"
    assert not ds.errors


def test_missing_prj_with_degrees(tmp_path):
    frame = county_layers()["DLTB"].to_crs("EPSG:4490")
    write_gbk_shapefile(frame, tmp_path / "farmland.shp", prj=False)
    ds = read_dataset(tmp_path)
    assert ds.layers["farmland"].source_crs == "EPSG:4490"
    assert ds.layers["farmland"].crs_inferred
    # Working CRS from the centre longitude (about 123E: zone 41).
    assert ds.working_crs == "EPSG:4529"
    np.testing.assert_allclose(ds["farmland"].area, 10_000.0, rtol=1e-3)


def test_missing_prj_with_6_digit_x_is_an_error(tmp_path):
    frame = _shifted(county_layers()["DLTB"], -41_000_000)
    write_gbk_shapefile(frame, tmp_path / "farmland.shp", prj=False)
    ds = read_dataset(tmp_path)
    errors = [p for p in ds.errors if p.kind == "no_crs"]
    assert errors
    assert "redline.toml" in errors[0].fix
    # With the CRS given, it reads.
    ok = read_dataset(tmp_path, crs="EPSG:4550")
    assert not ok.errors
    assert ok.working_crs == "EPSG:4529"
    assert ok["farmland"].total_bounds[0] == pytest.approx(X0, abs=1e-3)


def test_toml_crs_fills_a_missing_one(tmp_path):
    frame = _shifted(county_layers()["DLTB"], -41_000_000)
    write_gbk_shapefile(frame, tmp_path / "farmland.shp", prj=False)
    (tmp_path / "redline.toml").write_text('crs = "EPSG:4550"\n', encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert not ds.errors
    assert not ds.layers["farmland"].crs_inferred


def test_layers_that_do_not_overlap_are_an_error(tmp_path):
    layers = county_layers()
    layers["XZQ"].to_file(tmp_path / "admin.gpkg")
    # Within zone 41's area, but 400 km east of the admin layer.
    farmland = layers["DLTB"]
    farmland.set_geometry(farmland.translate(xoff=400_000)).to_file(tmp_path / "DLTB.gpkg")
    ds = read_dataset(tmp_path)
    errors = [p for p in ds.errors if p.kind == "no_overlap"]
    assert len(errors) == 1
    assert "farmland" in errors[0].problem
    assert "admin" in errors[0].problem


def test_a_layer_labelled_with_the_wrong_zone_is_named_with_the_right_one(tmp_path):
    layers = county_layers()
    layers["XZQ"].to_file(tmp_path / "admin.gpkg")
    # Coordinates in zone 41 (X prefixed 41) but labelled as zone 40.
    layers["DLTB"].set_crs("EPSG:4528", allow_override=True).to_file(tmp_path / "DLTB.gpkg")
    (error,) = read_dataset(tmp_path).errors
    assert error.kind == "wrong_crs"
    assert "EPSG:4528" in error.problem
    assert 'crs = "EPSG:4529"' in error.fix


# --- geometry -------------------------------------------------------------------


def test_bad_geometries_are_kept_and_reported(tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    geoms = [_box(0, 0), bowtie, None, shapely.Polygon(), shapely.Point(X0, Y0),
             shapely.GeometryCollection([_box(300, 0), shapely.Point(X0, Y0)])]
    frame = gpd.GeoDataFrame({"change_id": [f"c{i}" for i in range(6)]}, geometry=geoms,
                             crs="EPSG:4529")
    _write(frame, tmp_path / "changes.gpkg", geometry_type="Unknown")
    ds = read_dataset(tmp_path)
    changes = ds["changes"]
    assert changes["change_id"].tolist() == [f"c{i}" for i in range(6)]
    assert changes["_problem"].tolist()[:2] == ["", ""]
    assert changes["_problem"][2] == "no geometry"
    assert changes["_problem"][3] in ("empty geometry", "no geometry")  # GPKG may store NULL
    assert changes["_problem"][4] == "not a polygon (Point)"
    assert changes["_problem"][5] == ""
    # The bowtie's two triangles: 2 x 2500 m2, computed by hand.
    assert changes.geometry[1].is_valid
    assert changes.geometry[1].area == pytest.approx(5000.0)
    assert "invalid geometry repaired" in changes["_note"][1]
    assert changes.geometry[5].geom_type == "MultiPolygon"
    assert changes.geometry[5].area == pytest.approx(10_000.0)
    warn_ids = {p.feature_id for p in ds.all_problems() if p.level == "warning"}
    assert {"c1", "c2", "c3", "c4"} <= warn_ids


@pytest.mark.parametrize(
    ("geom", "area"),
    [(shapely.MultiPolygon([_box(0, 0), _box(200, 0)]), 20_000.0),
     (shapely.Polygon(_box(0, 0).exterior.coords, [_box(25, 25, 50).exterior.coords]), 7_500.0)],
    ids=["multipart", "hole"],
)
def test_valid_multipart_and_holes_are_untouched(tmp_path, geom, area):
    frame = gpd.GeoDataFrame({"change_id": ["c"]}, geometry=[geom], crs="EPSG:4529")
    frame.to_file(tmp_path / "changes.gpkg")
    ds = read_dataset(tmp_path)
    row = ds["changes"].iloc[0]
    assert row["_problem"] == ""
    assert row["_note"] == ""
    assert row.geometry.area == pytest.approx(area)
    assert not [p for p in ds.all_problems() if p.level != "info"]


def test_z_is_dropped(tmp_path):
    poly = shapely.Polygon([(X0, Y0, 5), (X0 + 100, Y0, 5), (X0 + 100, Y0 + 100, 5),
                            (X0, Y0, 5)])
    frame = gpd.GeoDataFrame({"change_id": ["z"]}, geometry=[poly], crs="EPSG:4529")
    _write(frame, tmp_path / "changes.shp")
    ds = read_dataset(tmp_path)
    geom = ds["changes"].geometry[0]
    assert not geom.has_z
    assert geom.area == pytest.approx(5000.0)


def test_duplicate_ids(tmp_path):
    frame = gpd.GeoDataFrame({"supply_id": ["a", "b", "a", "a"]},
                             geometry=[_box(0, 0), _box(200, 0), _box(400, 0), _box(600, 0)],
                             crs="EPSG:4529")
    frame.to_file(tmp_path / "supply.gpkg")
    ds = read_dataset(tmp_path)
    assert ds["supply"]["_problem"].tolist() == ["", "", "duplicate id", "duplicate id"]
    assert len([p for p in ds.all_problems() if p.kind == "duplicate_id"]) == 2


def test_missing_id_field_makes_ids(tmp_path):
    frame = gpd.GeoDataFrame({"other": [1, 2]}, geometry=[_box(0, 0), _box(200, 0)],
                             crs="EPSG:4529")
    frame.to_file(tmp_path / "changes.gpkg")
    ds = read_dataset(tmp_path)
    assert ds["changes"]["change_id"].tolist() == ["changes#0", "changes#1"]
    assert "ids_made" in _kinds(ds, "info")


def test_bad_values_are_noted_not_fatal(tmp_path):
    frame = gpd.GeoDataFrame({"supply_id": ["s1", "s2"], "supply_method": ["划拨", "租赁"],
                              "contract_on": ["2009-10-01", "去年"]},
                             geometry=[_box(0, 0), _box(200, 0)], crs="EPSG:4529")
    frame.to_file(tmp_path / "supply.gpkg")
    ds = read_dataset(tmp_path)
    supply = ds["supply"]
    assert supply["supply_method"].tolist() == ["allocation", None]
    assert pd.isna(supply["contract_on"][1])
    assert "租赁" in supply["_note"][1]
    assert "去年" in supply["_note"][1]
    assert supply["_note"][0] == ""
    assert supply["_problem"].tolist() == ["", ""]
    # The fields whose value could not be read, for the rules that need them.
    assert supply["_unread"].tolist() == ["", "supply_method;contract_on"]
    bad = [p for p in ds.all_problems() if p.kind == "bad_value"]
    assert [p.feature_id for p in bad] == ["s2"]


# --- finding layers, redline.toml ---------------------------------------------------


def test_toml_maps_chinese_paths_and_truncated_fields(tmp_path):
    sub = tmp_path / "批地"
    sub.mkdir()
    frame = gpd.GeoDataFrame({"PIZHUNWENHAO": ["甲"], "PIZHUNRIQI": ["2009.10.01"]},
                             geometry=[_box(0, 0)], crs="EPSG:4529")
    write_gbk_shapefile(frame, sub / "报批地块.shp")  # names cut to 10 characters by the .dbf
    gpkg = tmp_path / "供地.gpkg"
    county_layers()["supply"].to_file(gpkg, layer="出让")
    county_layers()["supply"].to_file(gpkg, layer="其他")
    (tmp_path / "redline.toml").write_text(
        'crs = "EPSG:4529"\n'
        '[layers.approvals]\npath = "批地/报批地块.shp"\nencoding = "gbk"\n'
        '[layers.approvals.fields]\napproval_id = "PIZHUNWENHAO"\napproved_on = "PIZHUNRIQI"\n'
        '[layers.supply]\npath = "供地.gpkg"\nlayer = "出让"\n',
        encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert not ds.errors, [p.line() for p in ds.errors]
    approvals = ds.layers["approvals"]
    assert approvals.fields == {"approval_id": "PIZHUNWENH", "approved_on": "PIZHUNRIQI"}
    assert ds["approvals"]["approval_id"].tolist() == ["甲"]
    assert ds["approvals"]["approved_on"][0] == pd.Timestamp("2009-10-01")
    assert not approvals.encoding_detected
    assert ds.layers["supply"].layer_name == "出让"
    assert "ignored" not in _kinds(ds)  # 报批地块.shp is mapped, not ignored


def test_layers_argument_maps_like_the_toml(tmp_path):
    frame = gpd.GeoDataFrame({"WH": ["甲"]}, geometry=[_box(0, 0)], crs="EPSG:4529")
    frame.to_file(tmp_path / "批地.gpkg")
    ds = read_dataset(tmp_path, layers={"approvals": {"path": "批地.gpkg",
                                                      "fields": {"approval_id": "WH"}}})
    assert ds["approvals"]["approval_id"].tolist() == ["甲"]
    with pytest.raises(ConfigError, match="roads"):
        read_dataset(tmp_path, layers={"roads": "x.shp"})


@pytest.mark.parametrize(
    ("toml", "named"),
    [('colour = "red"\n', "colour"),
     ('[layers.roads]\npath = "x.shp"\n', "roads"),
     ('[layers.approvals]\npaht = "x.shp"\n', "paht"),
     ('[layers.approvals.fields]\napproval_number = "PZWH"\n', "approval_number"),
     ('encoding = "klingon"\n', "klingon"),
     ('crs = "EPSG:999999"\n', "EPSG:999999"),
     ("[layers\n", "TOML")],
)
def test_malformed_toml_is_a_config_error(tmp_path, toml, named):
    (tmp_path / "redline.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=named) as info:
        read_dataset(tmp_path)
    assert "redline.toml" in info.value.line()


def test_toml_path_that_does_not_exist_is_an_error_problem(tmp_path):
    (tmp_path / "redline.toml").write_text('[layers.approvals]\npath = "无.shp"\n',
                                           encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert [p.kind for p in ds.errors] == ["missing_file"]
    assert "无.shp" in ds.errors[0].path


def test_empty_folder_is_an_error_problem(tmp_path):
    ds = read_dataset(tmp_path)
    assert [p.kind for p in ds.errors] == ["no_layers"]


def test_two_files_claiming_one_role(tmp_path):
    layers = county_layers()
    layers["YJJBNTTB"].to_file(tmp_path / "basic_farmland.gpkg")
    write_gbk_shapefile(layers["YJJBNTTB"], tmp_path / "JBNTBHTB.shp")
    ds = read_dataset(tmp_path)
    errors = [p for p in ds.errors if p.kind == "role_conflict"]
    assert len(errors) == 1
    assert "JBNTBHTB.shp" in errors[0].problem
    assert "basic_farmland.gpkg" in errors[0].problem


def test_map_fields_case_insensitive_standard_and_truncated():
    fields, missing = map_fields(["bsm", "Dlbm", "zldwdm"], "farmland", {})
    assert fields == {"feature_id": "bsm", "land_code": "Dlbm", "admin_code": "zldwdm"}
    assert missing == []
    fields, _ = map_fields(["basic_farm"], "approvals", {}, truncated=True)
    assert fields == {"basic_farmland_approved": "basic_farm"}
    fields, missing = map_fields(["A"], "approvals", {"approval_id": "NOPE"})
    assert fields == {}
    assert missing == ["NOPE"]


def test_targets_table_in_gbk(tmp_path):
    county_layers()["XZQ"].to_file(tmp_path / "admin.gpkg")
    (tmp_path / "targets.csv").write_bytes(
        "admin_code,year,farmland_target_ha,basic_farmland_target_ha,quota_ha,"
        "quota_released_ha,备注\n210302,2009,\"1,000.5\",800,12,6,铁东\n".encode("gbk"))
    ds = read_dataset(tmp_path)
    assert ds.targets is not None
    row = ds.targets.iloc[0]
    assert row["admin_code"] == "210302"
    assert row["year"] == 2009
    assert row["farmland_target_ha"] == 1000.5
    assert row["备注"] == "铁东"
    assert ds.targets_path.endswith("targets.csv")


def test_evidence_raster_is_recorded(tmp_path):
    import rasterio

    county_layers()["XZQ"].to_file(tmp_path / "admin.gpkg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # inside rasterio/affine
        with rasterio.open(tmp_path / "evidence.tif", "w", driver="GTiff", width=2, height=2,
                           count=1, dtype="uint8", crs="EPSG:4529",
                           transform=rasterio.transform.from_origin(X0, Y0 + 20, 10, 10)
                           ) as dst:
            dst.write(np.ones((1, 2, 2), dtype="uint8"))
    ds = read_dataset(tmp_path)
    assert ds.rasters == {"evidence": str(tmp_path / "evidence.tif")}


def test_zip_of_a_folder(tmp_path):
    folder = write_county(tmp_path / "铁东区", "shp")
    archive = tmp_path / "铁东区.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"铁东区/{p.name}")
    ds = read_dataset(archive)
    assert not ds.errors
    assert ds["admin"]["admin_name"].tolist() == ["铁东区"]
    assert ds.layers["farmland"].path.startswith(str(archive))


def test_single_geopackage(tmp_path):
    write_county(tmp_path / "c", "gpkg")
    ds = read_dataset(tmp_path / "c" / "county.gpkg")
    assert set(ds.layers) == {"admin", "farmland", "basic_farmland", "approvals", "supply"}
    assert ds.layers["farmland"].layer_name == "DLTB"


def test_missing_dataset_raises(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_dataset(tmp_path / "nowhere")


def test_unreadable_layer_is_an_error_problem(tmp_path):
    (tmp_path / "admin.shp").write_bytes(b"not a shapefile")
    ds = read_dataset(tmp_path)
    assert [p.kind for p in ds.errors] == ["unreadable"]
    assert "admin" not in ds


SITE_INDUSTRIES = """\
# 某省工业项目建设用地控制标准, codes of GB/T 4754-2017
code,name,min_plot_ratio,investment_class_1,investment_class_2,investment_class_3,\
investment_class_4,investment_class_5,investment_class_6,investment_class_7
26,化学原料和化学制品制造业,0.8,5000,4000,3000,2500,2000,1500,1000
"""


def test_toml_standards_reads_a_site_table(tmp_path):
    from redline.io.digest import sha256_file

    county_layers()["XZQ"].to_file(tmp_path / "admin.gpkg")
    (tmp_path / "标准").mkdir()
    (tmp_path / "标准" / "指标.csv").write_text(SITE_INDUSTRIES, encoding="utf-8")
    (tmp_path / "redline.toml").write_text(
        '[standards]\nindustries = "标准/指标.csv"\nclassification = "2017"\n'
        'industry_codes = "2011"\n', encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert not ds.errors
    assert ds.industry_classification == "2011"
    assert ds.standards is not None
    assert ds.standards.classification == "2017"
    (chem,) = ds.standards.industries
    assert (chem.code, chem.min_plot_ratio) == (26, 0.8)
    shown, digest = ds.standards_files["industries"]
    assert shown.endswith("标准/指标.csv")
    assert digest == sha256_file(tmp_path / "标准" / "指标.csv")


@pytest.mark.parametrize(("csv", "kind"), [
    (None, "missing_file"),
    ("code,name\n26,化学\n", "bad_standards"),   # no min_plot_ratio column
])
def test_a_missing_or_malformed_standards_table_is_an_error_problem(tmp_path, csv, kind):
    county_layers()["XZQ"].to_file(tmp_path / "admin.gpkg")
    if csv is not None:
        (tmp_path / "指标.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "redline.toml").write_text('[standards]\nindustries = "指标.csv"\n',
                                           encoding="utf-8")
    ds = read_dataset(tmp_path)
    assert [p.kind for p in ds.errors] == [kind]
    assert "指标.csv" in ds.errors[0].path
    assert ds.standards is None


@pytest.mark.parametrize(("toml", "named"), [
    ('[standards]\nindustrys = "a.csv"\n', "industrys"),
    ('[standards]\nindustry_codes = "2008"\n', "2008"),
    ('[standards]\nclassification = "2017"\n', "classification"),
    ("standards = 3\n", "standards"),
])
def test_a_bad_standards_table_in_the_toml_is_a_config_error(tmp_path, toml, named):
    (tmp_path / "redline.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        read_dataset(tmp_path)


def test_two_layers_read_at_once_keep_their_own_problems(tmp_path, monkeypatch):
    """Farmland and basic farmland are read in two threads at the same time (a barrier
    holds each read until the other has started); each layer's warnings (a duplicate id,
    coordinates that are not numbers) arrive, on the file they come from."""
    import threading

    from redline.io import digest as digestmod
    from redline.io import layer as layermod

    def with_nan(x):
        with np.errstate(invalid="ignore"):
            return shapely.Polygon([(X0 + x, Y0), (X0 + x + 50, Y0), (X0 + x + 50, np.nan)])

    farmland = gpd.GeoDataFrame(
        {"BSM": ["t1", "t2", "t1", "t4"], "DLBM": ["0101", "0103", "0102", "0101"]},
        geometry=[_box(0, 0), _box(200, 0), _box(400, 0), with_nan(600)], crs="EPSG:4529")
    basic = gpd.GeoDataFrame(
        {"BSM": ["b1", "b2", "b2"]},
        geometry=[with_nan(0), _box(200, 0, 50), _box(400, 0, 50)], crs="EPSG:4529")
    _write(farmland, tmp_path / "farmland.gpkg")
    _write(basic, tmp_path / "basic_farmland.gpkg")

    together = threading.Barrier(2, timeout=60)
    threads = set()
    original = layermod._read_frame

    def at_once(*args, **kwargs):
        threads.add(threading.get_ident())
        together.wait()  # raises BrokenBarrierError unless the other read runs meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(layermod, "_read_frame", at_once)
    ds = read_dataset(tmp_path)
    assert len(threads) == 2
    assert not ds.errors, [p.line() for p in ds.errors]

    def said(role):
        return {(p.kind, p.feature_id, p.path.rsplit("/", 1)[-1].split(":")[0])
                for p in ds.all_problems() if p.role == role and p.level == "warning"}

    assert {("duplicate_id", "t1", "farmland.gpkg"),
            ("bad_coordinates", "t4", "farmland.gpkg")} <= said("farmland")
    assert {("duplicate_id", "b2", "basic_farmland.gpkg"),
            ("bad_coordinates", "b1", "basic_farmland.gpkg")} <= said("basic_farmland")
    assert len(ds["farmland"]) == 4
    assert len(ds["basic_farmland"]) == 3
    for role, name in (("farmland", "farmland.gpkg"), ("basic_farmland", "basic_farmland.gpkg")):
        assert ds.layers[role].sha256 == digestmod.sha256_file(tmp_path / name)
