"""The inspection map page, without a browser: content, escaping, offline, rasterising."""

from __future__ import annotations

import io
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from PIL import Image
from pyproj import Geod, Transformer

from redline.analysis.findings import make_findings
from redline.cli.main import cli
from redline.errors import CRSError, RedlineError
from redline.io.outputs import generator_meta
from redline.io.write import write_gpkg, write_json, write_text
from redline.report import assets, fonts, overview
from redline.report import map as rmap
from redline.report.map import build_map, format_area, rasterize_png
from redline.report.overview import overview_png

from mapdata import CRS, XSS, XSS_SCRIPT, XSS_SVG, box, county, findings


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="redline-data">(.*?)</script>', html,
                      re.S)
    assert match, "no data element"
    return json.loads(match.group(1))


def layer(data: dict, key: str) -> dict:
    return next(d for d in data["layers"] if d["key"] == key)


@pytest.fixture(scope="module")
def sample_html() -> str:
    return build_map(county(), findings(), title=XSS)


def test_payloads_never_reach_the_page_raw(sample_html):
    for payload in (XSS, XSS_SCRIPT, XSS_SVG, "<svg onload", "<img src=x"):
        assert payload not in sample_html
    # One data element, one script of ours and Leaflet: nothing was closed early.
    assert sample_html.count("</script>") == 3
    assert "&lt;img src=x onerror=" in sample_html.split("</title>")[0]  # the <title>
    data = page_data(sample_html)
    assert data["title"] == XSS  # decoded by JSON.parse, shown through textContent
    assert XSS in layer(data, "approvals")["ids"]
    assert XSS_SCRIPT in layer(data, "finding:supply_without_approval")["values"][0]


def test_offline_page_loads_nothing_from_outside(sample_html):
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", sample_html, re.I)
    lowered = sample_html.lower()
    for unused in ("jquery", "bootstrap", "font-awesome", "fontawesome", "cdn."):
        assert unused not in lowered
    assert assets.leaflet_js()[-2000:] in sample_html  # Leaflet inlined whole
    assert "url(images/" not in sample_html  # Leaflet's CSS images inlined
    assert page_data(sample_html)["basemap"] is None


def test_online_page_links_leaflet_with_integrity():
    html = build_map(county(payload=False), None, offline=False)
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"[^>]*integrity="([^"]+)"',
                       html)
    assert {u.rsplit("/", 1)[1] for u, _ in links} == {"leaflet.js", "leaflet.css"}
    assert all(i.startswith("sha384-") for _, i in links)


def test_layers_and_findings_by_rule(sample_html):
    data = page_data(sample_html)
    keys = [d["key"] for d in data["layers"]]
    assert keys[-3:] == ["finding:basic_farmland_encroachment",
                         "finding:supply_without_approval", "finding:unapproved_construction"]
    assert {"admin", "farmland", "basic_farmland", "approvals", "supply", "changes"} <= set(keys)
    assert layer(data, "farmland")["count"] == 40
    assert layer(data, "farmland")["style"] != layer(data, "basic_farmland")["style"]
    fills = {d["style"]["fillColor"] for d in data["layers"] if d["key"].startswith("finding:")}
    assert len(fills) == 3
    assert layer(data, "finding:basic_farmland_encroachment")["severity"] == ["high"]
    legend_titles = [s["title"] for s in data["legend"]]
    assert legend_titles == ["问题", "严重程度(边线)", "图层"]


def test_coordinates_in_wgs84_rounded_to_1e6():
    data = page_data(build_map(county(payload=False), None))
    ring = layer(data, "changes")["geoms"][0]["coordinates"][0]
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    geom = box(200, 600, 260, 660)
    expected = np.column_stack(tr.transform(*np.asarray(geom.exterior.coords).T))
    np.testing.assert_allclose(np.asarray(ring), expected, atol=5.1e-7)
    assert all(len(repr(v).split(".")[1]) <= 6 for pt in ring for v in pt)


def test_finding_popup_areas_are_ellipsoidal():
    data = page_data(build_map({}, findings(payload=False), lang="en"))
    d = layer(data, "finding:unapproved_construction")
    row = dict(zip(d["fields"], d["values"][0], strict=True))
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(*np.asarray(box(200, 600, 260, 660).exterior.coords).T)
    m2 = abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    assert row["Area (m2)"] == format_area(m2)
    assert row["Area (mu)"] == format_area(m2 * 15 / 10_000)
    assert row["Finding id"] == "unapproved_construction/changes/C1"
    assert row["Finding type"] == "Unapproved construction"
    assert row["Layer"] == "Change patches"


def test_english_labels():
    data = page_data(build_map(county(payload=False), findings(payload=False), lang="en"))
    assert data["ui"]["search"] == "Search parcel or finding id"
    assert layer(data, "basic_farmland")["name"] == "Basic farmland"
    assert data["title"] == "Farmland red line inspection map"
    assert '<html lang="en">' in build_map({}, None, lang="en")


def test_inputs_are_not_mutated():
    layers = county()
    before = {k: v.copy() for k, v in layers.items()}
    found = findings()
    found_before = found.copy()
    build_map(layers, found, max_vector_features=5)
    for key, frame in layers.items():
        assert_geodataframe_equal(frame, before[key])
    assert_geodataframe_equal(found, found_before)


def test_null_empty_and_z_geometries_are_handled():
    layers = county(payload=False)
    supply = layers["supply"].copy()
    supply.loc[len(supply)] = ["GD-3", "0601", None]
    supply.loc[len(supply)] = ["GD-4", "0601", shapely.Polygon()]
    supply.loc[len(supply)] = ["GD-5", "0601",
                               shapely.Polygon([(x, y, 5.0) for x, y in
                                                box(0, 0, 10, 10).exterior.coords])]
    layers["supply"] = supply
    data = page_data(build_map(layers, None))
    assert layer(data, "supply")["ids"] == ["GD-1", "GD-2", "GD-5"]
    assert len(layer(data, "supply")["geoms"][2]["coordinates"][0][0]) == 2


def test_layer_without_crs_is_an_error():
    frame = county(payload=False)["supply"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no CRS"):
        build_map({"supply": frame}, None)


def test_tianditu_needs_the_key(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(RedlineError, match="TIANDITU_KEY"):
        build_map({}, None, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", 'k"<1')
    data = page_data(build_map({}, None, basemap="tianditu"))
    urls = [b["url"] for b in data["basemap"]["layers"]]
    assert all("tianditu.gov.cn" in u and u.endswith("tk=k%22%3C1") for u in urls)


def test_no_gcj02_basemap_is_offered():
    with pytest.raises(RedlineError, match="GCJ-02"):
        build_map({}, None, basemap="gaode")  # type: ignore[arg-type]
    html = build_map({}, None, basemap="osm").lower()
    assert "autonavi" not in html
    assert "amap" not in html


def test_large_context_layers_are_rasterised_others_stay_vector():
    layers = county(payload=False)
    data = page_data(build_map(layers, findings(payload=False), max_vector_features=1))
    kinds = {d["key"]: d["kind"] for d in data["layers"]}
    assert kinds["farmland"] == "raster"
    assert kinds["basic_farmland"] == "raster"
    assert kinds["approvals"] == kinds["supply"] == kinds["admin"] == "vector"
    assert kinds["finding:basic_farmland_encroachment"] == "vector"
    assert "geoms" not in layer(data, "farmland")


def test_rasterised_pixels_match_the_polygons():
    polys = [box(0, 0, 400, 300), box(600, 0, 1000, 300)]
    png, (west, south, east, north) = rasterize_png(polys, CRS, color="#d9ef8b", max_px=200)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "P"
    assert decoded.getpalette()[3:6] == [0xD9, 0xEF, 0x8B]
    assert decoded.info["transparency"] == 0
    image = np.asarray(decoded)
    height, width = image.shape
    assert max(height, width) <= 200
    # Independent placement check: project sample points to Web Mercator by hand.
    to_merc = Transformer.from_crs(CRS, "EPSG:3857", always_xy=True)
    to_merc_ll = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    mx0, my1 = to_merc_ll.transform(west, north)
    mx1, my0 = to_merc_ll.transform(east, south)

    def pixel(x: float, y: float) -> int:
        mx, my = to_merc.transform(41_500_000 + x, 4_550_000 + y)
        col = int((mx - mx0) / (mx1 - mx0) * width)
        row = int((my1 - my) / (my1 - my0) * height)
        return int(image[min(row, height - 1), min(col, width - 1)])

    assert pixel(200, 150) == 1
    assert pixel(800, 150) == 1
    assert pixel(500, 150) == 0  # the gap between the boxes
    covered = image.mean()
    expected = (2 * 400 * 300) / (1000 * 300)
    assert abs(covered - expected) < 0.05


def test_no_layers_gives_a_page_without_bounds():
    data = page_data(build_map({}, None))
    assert data["bounds"] is None
    assert data["layers"] == []


def test_format_area():
    assert format_area(1234.5678) == "1,234.57"
    assert format_area(float("nan")) == ""


def test_a_page_is_written_atomically(tmp_path):
    out = tmp_path / "m.html"
    write_text(out, "<!DOCTYPE html>ok")
    assert out.read_text(encoding="utf-8") == "<!DOCTYPE html>ok"
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


# --- static overview ------------------------------------------------------------


def _png_stats(png: bytes) -> tuple[int, float]:
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    colours = len({tuple(c) for c in image.reshape(-1, 3)[::3]})
    non_white = float((image.sum(axis=2) < 3 * 250).mean())
    return colours, non_white


def test_overview_png_draws_layers_and_findings():
    png = overview_png(county(payload=False), findings(payload=False), lang="zh")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    colours, non_white = _png_stats(png)
    assert colours > 20
    assert non_white > 0.05
    # Findings add colour that the layers alone do not have.
    red = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    bare = np.asarray(Image.open(io.BytesIO(
        overview_png(county(payload=False), None, lang="zh"))).convert("RGB")).astype(int)
    def reddish(img):
        return int(((img[..., 0] > 180) & (img[..., 1] < 80) & (img[..., 2] < 80)).sum())
    assert reddish(red) > reddish(bare)


def test_overview_rasterises_large_layers(monkeypatch):
    monkeypatch.setattr(overview, "MAX_VECTOR_FEATURES", 5)
    png = overview_png(county(payload=False), findings(payload=False), lang="en")
    colours, non_white = _png_stats(png)
    assert colours > 10
    assert non_white > 0.05


def test_overview_falls_back_to_english_without_a_cjk_font(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no glyph warning: nothing Chinese is drawn
        png = overview_png(county(payload=False), findings(payload=False), lang="zh",
                           title="问题分布")
    assert png[:4] == b"\x89PNG"
    assert caplog.text.count("no CJK font") == 1


# --- command line ---------------------------------------------------------------


def _result_dir(tmp_path, dataset: str) -> Path:
    out = tmp_path / "result"
    out.mkdir()
    found = findings(payload=False)
    layers = county(payload=False)
    features = pd.concat([
        gpd.GeoDataFrame({"layer": role, "feature_id": _id_of(role, layers[role]),
                          "status": "checked"}, geometry=layers[role].geometry.values, crs=CRS)
        for role in ("approvals", "supply", "changes")
    ], ignore_index=True)
    write_gpkg(out / "findings.gpkg", {"findings": found, "features": features})
    write_json(out / "run.json", {"version": "0.1.0", "inputs": [
        {"role": "approvals", "path": dataset, "sha256": "0"},
        {"role": "supply", "path": dataset, "sha256": "0"},
    ]})
    return out


def _id_of(role: str, frame: gpd.GeoDataFrame) -> list[str]:
    return frame[{"approvals": "approval_id", "supply": "supply_id",
                  "changes": "change_id"}[role]].tolist()


def test_cli_map_of_a_result_dir_without_its_dataset(tmp_path):
    result = _result_dir(tmp_path, str(tmp_path / "gone.gpkg"))
    out = tmp_path / "map.html"
    run = CliRunner().invoke(cli, ["map", str(result), "--out", str(out), "--lang", "en"])
    assert run.exit_code == 0, run.output
    data = page_data(out.read_text(encoding="utf-8"))
    keys = {d["key"] for d in data["layers"]}
    assert keys == {"approvals", "supply", "changes", "finding:basic_farmland_encroachment",
                    "finding:supply_without_approval", "finding:unapproved_construction"}
    assert layer(data, "supply")["ids"] == ["GD-1", "GD-2"]
    assert data["title"].startswith("result")
    # Offline by default: nothing linked.
    assert not re.search(r"<(script|link)[^>]+(src|href)=", out.read_text(encoding="utf-8"))


def test_cli_map_refuses_to_overwrite_and_needs_the_tianditu_key(tmp_path, monkeypatch):
    result = _result_dir(tmp_path, str(tmp_path / "gone.gpkg"))
    out = tmp_path / "map.html"
    old = f"<html><head>{generator_meta()}</head></html>"  # a page redline wrote
    out.write_text(old, encoding="utf-8")
    run = CliRunner().invoke(cli, ["map", str(result), "--out", str(out)])
    assert run.exit_code == 1
    assert "--overwrite" in run.output
    assert out.read_text(encoding="utf-8") == old
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    run = CliRunner().invoke(cli, ["map", str(result), "--out", str(out), "--overwrite",
                                   "--basemap", "tianditu"])
    assert run.exit_code == 1
    assert "TIANDITU_KEY" in run.output
    assert "Traceback" not in run.output
    assert out.read_text(encoding="utf-8") == old


def test_cli_map_of_a_dataset(tmp_path):
    layers = county(payload=False)
    dataset = tmp_path / "county.gpkg"
    write_gpkg(dataset, {role: layers[role] for role in ("admin", "farmland", "approvals",
                                                         "supply")})
    out = tmp_path / "map.html"
    run = CliRunner().invoke(cli, ["map", str(dataset), "--out", str(out)])
    assert run.exit_code == 0, run.output
    data = page_data(out.read_text(encoding="utf-8"))
    assert {"admin", "farmland", "approvals", "supply"} <= {d["key"] for d in data["layers"]}
    assert layer(data, "farmland")["count"] == 40
    # And through a result dir whose run.json names that dataset, relative to where the
    # check ran (here: the folder holding both).
    result = _result_dir(tmp_path, dataset.name)
    out2 = tmp_path / "map2.html"
    run = CliRunner().invoke(cli, ["map", str(result), "--out", str(out2), "--online"])
    assert run.exit_code == 0, run.output
    html = out2.read_text(encoding="utf-8")
    data = page_data(html)
    assert layer(data, "farmland")["count"] == 40
    assert layer(data, "finding:unapproved_construction")["count"] == 1
    assert 'integrity="sha384-' in html


def test_values_are_shown_as_people_read_them():
    approvals = county(payload=False)["approvals"].assign(
        approved_on=pd.to_datetime(["2021-03-04", None]),
        basic_farmland_approved=[True, False],
    )
    for lang, yes in (("zh", "是"), ("en", "yes")):
        d = layer(page_data(build_map({"approvals": approvals}, None, lang=lang)), "approvals")
        row = dict(zip(d["fields"], d["values"][0], strict=True))
        assert yes in row.values()
        assert "2021-03-04" in row.values()
        assert d["values"][1][1] == ""  # approved_on missing: nothing shown


def test_polygon_shapes_rasterise_like_rasterio_own_conversion():
    from affine import Affine
    from rasterio.features import rasterize

    holed = box(0, 0, 500, 500).difference(box(100, 100, 300, 300))
    multi = shapely.MultiPolygon([box(600, 0, 700, 100), box(800, 0, 900, 400)])
    geoms = [holed, None, shapely.Polygon(), multi, box(50, 600, 400, 900),
             shapely.LineString([(41_500_000, 4_550_950), (41_500_900, 4_550_990)])]
    shapes = rmap.polygon_shapes(geoms)
    assert len(shapes) == 5  # holed, two parts, box, line
    assert len(shapes[0]["coordinates"]) == 2  # exterior and hole
    kwargs = {"out_shape": (100, 100), "transform": Affine(10, 0, 41_500_000, 0, -10, 4_551_000),
              "all_touched": True, "dtype": "uint8"}
    expected = rasterize([g for g in geoms if g is not None and not g.is_empty], **kwargs)
    np.testing.assert_array_equal(rasterize(shapes, **kwargs), expected)
    assert expected[80, 20] == 0  # inside the hole
    assert rmap.polygon_shapes([]) == []


def test_county_wide_findings_are_outlines_drawn_first():
    whole = make_findings([{"rule": "accountability_ratio", "layer": "admin",
                            "feature_id": "210302", "message": "ratio",
                            "geometry": box(0, 0, 2000, 2000)}], crs=CRS)
    found = pd.concat([findings(payload=False), whole], ignore_index=True)
    data = page_data(build_map({}, found))
    keys = [d["key"] for d in data["layers"]]
    assert keys[0] == "finding:accountability_ratio"
    d = layer(data, "finding:accountability_ratio")
    assert d["geoms"][0]["type"] == "LineString"
    assert d["style"]["fillOpacity"] == 0
    assert d["severity"] is None  # outlined in the rule's colour, not by severity


def test_findings_of_a_rule_are_drawn_largest_first():
    found = make_findings([
        {"rule": "idle_1y", "layer": "supply", "feature_id": f"S{k}", "message": "",
         "geometry": box(0, 0, size, size)} for k, size in enumerate((10, 300, 50))
    ], crs=CRS)
    d = layer(page_data(build_map({}, found)), "finding:idle_1y")
    assert d["ids"] == ["idle_1y/supply/S1", "idle_1y/supply/S2", "idle_1y/supply/S0"]
