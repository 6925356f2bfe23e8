"""The inspection map (a folium map) without a browser: content, escaping, offline, images."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import warnings
from pathlib import Path

import folium
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
from redline.report import assets, fonts, overview, plugins
from redline.report import map as rmap
from redline.report.map import build_map, format_area, map_html, rasterize_png
from redline.report.overview import overview_png

from mapdata import CRS, XSS, XSS_SCRIPT, XSS_SVG, box, county, findings

#: A value folium would run as a Jinja template if it reached one raw.
JINJA = "{{ 7*6*1001 }}{% if 1 %}RANTPL{% endif %}"

DATA = re.compile(r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', re.S)


def page_layers(html: str) -> list[dict]:
    """Every layer's data document in the page, in drawing order."""
    found = DATA.findall(html)
    assert found, "no data element"
    return [json.loads(text) for _, text in found]


def layer(defs: list[dict], key: str) -> dict:
    return next(d for d in defs if d["key"] == key)


def unpack(d: dict) -> dict:
    """The compressed part of a layer of many findings, as the page's runtime reads it."""
    return {**d, **json.loads(gzip.decompress(base64.b64decode(d["packed"])))}


def controls(m: folium.Map, kind: type) -> list:
    return [c for c in m._children.values() if isinstance(c, kind)]


def html_of(*args, **kwargs) -> str:
    return map_html(build_map(*args, **kwargs))


@pytest.fixture(scope="module")
def sample_html() -> str:
    return html_of(county(), findings(), title=XSS)


def test_build_map_is_a_folium_map_that_saves_the_page(tmp_path):
    m = build_map(county(payload=False), findings(payload=False))
    assert isinstance(m, folium.Map)
    m.save(tmp_path / "m.html")
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert generator_meta() in html
    assert [d["key"] for d in page_layers(html)] == [d["key"] for d in page_layers(map_html(m))]
    assert 'notebook' not in m._repr_html_().lower() or "<iframe srcdoc=" in m._repr_html_()


def test_payloads_never_reach_the_page_raw(sample_html):
    for payload in (XSS, XSS_SCRIPT, XSS_SVG, "<svg onload", "<img src=x"):
        assert payload not in sample_html
    # Every <script> closes where it should: as many openings as closings.
    assert sample_html.count("<script") == sample_html.count("</script>")
    assert "&lt;img src=x onerror=" in sample_html.split("</title>")[0]  # the <title>
    defs = page_layers(sample_html)
    assert XSS in layer(defs, "approvals")["ids"]
    assert XSS_SCRIPT in layer(defs, "finding:supply_without_approval")["values"][0]


def test_template_syntax_in_values_is_never_run():
    """folium reads its templates' output again as Jinja: values must not reach it raw."""
    layers = county(payload=False)
    layers["supply"] = layers["supply"].assign(supply_id=[JINJA, "GD-2"])
    layers[JINJA] = layers["changes"]
    found = findings(payload=False)
    found["message"] = JINJA
    html = html_of(layers, found, title=JINJA)
    assert "42042" not in html
    # Only ever after the "%}" that opened it (raw, or escaped as \u007d or &#125;).
    assert not re.search(r"[^};d]RANTPL", html)
    defs = page_layers(html)
    assert layer(defs, "supply")["ids"][0] == JINJA
    assert layer(defs, JINJA)["name"] == JINJA
    assert layer(defs, "finding:unapproved_construction")["values"][0][8] == JINJA
    # The title and layer names went through templates: escaped, still readable.
    assert "\\u007b\\u007b 7*6*1001 \\u007d\\u007d" in html
    assert "\\u0026#123;\\u0026#123; 7*6*1001" in html  # a layer name: HTML, then JSON


def test_offline_page_loads_nothing_from_outside(sample_html):
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", sample_html, re.I)
    lowered = sample_html.lower()
    for unused in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers",
                   "cdn.", "unpkg", "@import"):
        assert unused not in lowered
    assert assets.leaflet_js()[-2000:] in sample_html  # Leaflet inlined whole
    assert "url(images/" not in sample_html  # Leaflet's CSS images inlined
    # The only URLs in the page are strings of Leaflet's own code, never loaded: the SVG
    # namespace, the link of its attribution (replaced by plain text) and a comment.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", sample_html))
    assert urls <= set(re.findall(r"https?://[^\s\"'<>)]+",
                                  assets.leaflet_js() + assets.leaflet_css()))


def test_only_the_basemap_asked_for_is_a_url(monkeypatch):
    leaflet = set(re.findall(r"https?://[^\s\"'<>)]+", assets.leaflet_js() + assets.leaflet_css()))
    html = html_of(county(payload=False), None, basemap="osm", offline=True)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html)) - leaflet
    assert urls == {"https://tile.openstreetmap.org/{z}/{x}/{y}.png"}
    monkeypatch.setenv("TIANDITU_KEY", "k1")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+",
                          html_of({}, None, basemap="tianditu", offline=True))) - leaflet
    assert {u.split("/")[3] for u in urls} == {"vec_w", "cva_w"}
    assert all(u.startswith("https://t{s}.tianditu.gov.cn/") for u in urls)


def test_online_page_links_leaflet_with_integrity():
    html = html_of(county(payload=False), None, offline=False)
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"[^>]*integrity="([^"]+)"',
                       html)
    assert {u.rsplit("/", 1)[1] for u, _ in links} == {"leaflet.js", "leaflet.css"}
    assert all(i.startswith("sha384-") for _, i in links)
    # folium's other assets are not linked when nothing uses them.
    assert not re.search(r"jquery|bootstrap|fontawesome|awesome-markers", html, re.I)


def test_folium_assets_a_user_element_needs_are_inlined_or_named(caplog):
    m = build_map(county(payload=False), None)
    folium.Marker([41.09, 123.01], popup="<b>survey</b> point").add_to(m)
    html = map_html(m)
    assert "jQuery v3.7.1" in html  # folium's popups use $(): inlined from xstatic-jquery
    assert not re.search(r"<script[^>]+src=", html)
    assert "L.Icon.Default.mergeOptions" in html  # the marker's image, inlined
    assert caplog.text == ""
    folium.Marker([41.09, 123.01], icon=folium.Icon(color="red")).add_to(m)
    html = map_html(m)
    assert "awesome-markers" in html  # no package ships it: linked, and said so
    assert "from the network" in caplog.text
    assert "awesome-markers" in caplog.text


def test_layers_and_findings_by_rule(sample_html):
    defs = page_layers(sample_html)
    keys = [d["key"] for d in defs]
    assert keys[-3:] == ["finding:basic_farmland_encroachment",
                         "finding:supply_without_approval", "finding:unapproved_construction"]
    assert {"admin", "farmland", "basic_farmland", "approvals", "supply", "changes"} <= set(keys)
    assert layer(defs, "farmland")["count"] == 40
    assert layer(defs, "farmland")["style"] != layer(defs, "basic_farmland")["style"]
    fills = {d["style"]["fillColor"] for d in defs if d["key"].startswith("finding:")}
    assert len(fills) == 3
    assert layer(defs, "finding:basic_farmland_encroachment")["severity"] == ["high"]
    m = build_map(county(), findings())
    (legend,) = controls(m, plugins.Legend)
    assert [s["title"] for s in legend.sections] == ["问题", "严重程度(边线)", "图层"]
    (control,) = controls(m, folium.LayerControl)
    names = [c.layer_name for c in m._children.values() if isinstance(c, plugins._DataLayer)]
    assert names[0] == "耕地 (40)"
    assert control.options["autoZIndex"] is False


def test_user_layers_join_the_layer_control_and_draw_last():
    m = build_map(county(payload=False), findings(payload=False))
    road = folium.GeoJson(shapely.geometry.mapping(shapely.box(123.0, 41.08, 123.01, 41.09)),
                          name="road plan")
    road.add_to(m)
    html = map_html(m)
    script = html.split("<script>\n")[-1]
    assert script.index(road.get_name() + " =") < script.index("L.control.layers(")
    assert '"road plan" : ' + road.get_name() in script


def test_coordinates_in_wgs84_rounded_to_1e6():
    defs = page_layers(html_of(county(payload=False), None))
    ring = layer(defs, "changes")["geoms"][0]["coordinates"][0]
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    geom = box(200, 600, 260, 660)
    expected = np.column_stack(tr.transform(*np.asarray(geom.exterior.coords).T))
    np.testing.assert_allclose(np.asarray(ring), expected, atol=5.1e-7)
    assert all(len(repr(v).split(".")[1]) <= 6 for pt in ring for v in pt)


def _popup_row(d: dict, i: int) -> dict:
    if "values" in d:
        return dict(zip(d["fields"], d["values"][i], strict=True))
    return {f: (c["distinct"][c["codes"][i]] if "codes" in c else c["text"][i])
            for f, c in zip(d["fields"], d["columns"], strict=True)}


@pytest.mark.parametrize("many", [False, True])
def test_finding_popup_areas_are_ellipsoidal(many):
    defs = page_layers(html_of({}, findings(payload=False), lang="en",
                               max_vector_findings=0 if many else None))
    d = layer(defs, "finding:unapproved_construction")
    assert d["kind"] == ("bulk" if many else "vector")
    row = _popup_row(unpack(d) if many else d, 0)
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(*np.asarray(box(200, 600, 260, 660).exterior.coords).T)
    m2 = abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    assert row["Area (m2)"] == format_area(m2)
    assert row["Area (mu)"] == format_area(m2 * 15 / 10_000)
    assert row["Finding id"] == "unapproved_construction/changes/C1"
    assert row["Finding type"] == "Unapproved construction"
    assert row["Layer"] == "Change patches"


def test_english_labels():
    m = build_map(county(payload=False), findings(payload=False), lang="en")
    (setup,) = controls(m, plugins.Setup)
    assert json.loads(setup.options)["ui"]["search"] == "Search parcel or finding id"
    assert layer(page_layers(map_html(m)), "basic_farmland")["name"] == "Basic farmland"
    (title,) = controls(m, plugins.Title)
    assert title.text == "Farmland red line inspection map"
    assert '<html lang="en">' in html_of({}, None, lang="en")


def test_inputs_are_not_mutated():
    layers = county()
    before = {k: v.copy() for k, v in layers.items()}
    found = findings()
    found_before = found.copy()
    build_map(layers, found, max_vector_features=5, max_vector_findings=1)
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
    defs = page_layers(html_of(layers, None))
    assert layer(defs, "supply")["ids"] == ["GD-1", "GD-2", "GD-5"]
    assert len(layer(defs, "supply")["geoms"][2]["coordinates"][0][0]) == 2


def test_layer_without_crs_is_an_error():
    frame = county(payload=False)["supply"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no CRS"):
        build_map({"supply": frame}, None)


def test_tianditu_needs_the_key(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(RedlineError, match="TIANDITU_KEY"):
        build_map({}, None, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", 'k"<1')
    m = build_map({}, None, basemap="tianditu")
    urls = [c.tiles for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(urls) == 2
    assert all("tianditu.gov.cn" in u and u.endswith("tk=k%22%3C1") for u in urls)


def test_no_gcj02_basemap_is_offered():
    with pytest.raises(RedlineError, match="GCJ-02"):
        build_map({}, None, basemap="gaode")  # type: ignore[arg-type]
    html = html_of({}, None, basemap="osm").lower()
    assert "autonavi" not in html
    assert "amap" not in html


def test_large_context_layers_are_rasterised_others_stay_vector():
    layers = county(payload=False)
    defs = page_layers(html_of(layers, findings(payload=False), max_vector_features=1))
    kinds = {d["key"]: d["kind"] for d in defs}
    assert kinds["farmland"] == "raster"
    assert kinds["basic_farmland"] == "raster"
    assert kinds["approvals"] == kinds["supply"] == kinds["admin"] == "vector"
    assert kinds["finding:basic_farmland_encroachment"] == "vector"
    assert "geoms" not in layer(defs, "farmland")


def test_findings_beyond_the_budget_are_images_with_every_id_packed():
    found = make_findings([
        {"rule": "idle_1y", "layer": "supply", "feature_id": f"S{k}", "message": f"m{k}",
         "geometry": box(100 * k, 0, 100 * k + 50, 40)} for k in range(30)
    ] + [{"rule": "idle_2y", "layer": "supply", "feature_id": "T1", "message": "",
          "geometry": box(0, 500, 50, 550)}], crs=CRS)
    defs = page_layers(html_of({}, found, max_vector_findings=10))
    kinds = {d["key"]: d["kind"] for d in defs}
    assert kinds == {"finding:idle_1y": "bulk", "finding:idle_2y": "vector"}
    d = unpack(layer(defs, "finding:idle_1y"))
    assert sorted(d["ids"]) == sorted(f"idle_1y/supply/S{k}" for k in range(30))
    assert d["search"][d["ids"].index("idle_1y/supply/S7")] == "S7"
    assert Image.open(io.BytesIO(base64.b64decode(d["png"]))).mode == "P"
    assert 12 <= d["vectorZoom"] <= 16
    # The packed geometry gives back each finding's box, to 1e-6 degree.
    g = d["geometry"]
    i = d["ids"].index("idle_1y/supply/S3")
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    corners = np.column_stack(tr.transform(*np.asarray(box(300, 0, 350, 40).exterior.coords).T))
    ring = _unpack_ring(g, i)
    np.testing.assert_allclose(ring, corners[:-1], atol=1.1e-6)


def _unpack_ring(g: dict, i: int) -> np.ndarray:
    """The first ring of geometry i, decoded as redline.js decodes it."""
    part = g["parts"][i - 1] if i else 0
    ring = g["rings"][part - 1] if part else 0
    start = g["vertices"][ring - 1] if ring else 0
    end = g["vertices"][ring]
    xy = np.asarray(g["xy"], dtype=np.int64).reshape(-1, 2)[start:end]
    xy = np.cumsum(xy, axis=0)
    return (xy + np.asarray(g["origin"])) / 1e6


def test_pack_geometry_keeps_parts_holes_lines_and_points():
    holed = shapely.box(0, 0, 1, 1).difference(shapely.box(0.2, 0.2, 0.4, 0.4))
    geoms = [shapely.MultiPolygon([holed, shapely.box(2, 2, 3, 3)]),
             shapely.LineString([(0, 0), (1, 0.5), (2, 0)]), shapely.Point(5, 5)]
    g = rmap.pack_geometry(geoms)
    assert g["parts"] == [2, 3, 4]
    assert g["kinds"] == [2, 2, 1, 0]
    assert g["rings"] == [2, 3, 4, 5]
    assert np.diff([0, *g["vertices"]]).tolist() == [4, 4, 4, 3, 1]


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
    m = build_map({}, None)
    assert not DATA.findall(map_html(m))
    assert m.location == [35, 105]
    assert not [c for c in m._children.values() if isinstance(c, folium.map.FitBounds)]


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
    data = page_layers(out.read_text(encoding="utf-8"))
    keys = {d["key"] for d in data}
    assert keys == {"approvals", "supply", "changes", "finding:basic_farmland_encroachment",
                    "finding:supply_without_approval", "finding:unapproved_construction"}
    assert layer(data, "supply")["ids"] == ["GD-1", "GD-2"]
    assert "<title>result" in out.read_text(encoding="utf-8")
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
    data = page_layers(out.read_text(encoding="utf-8"))
    assert {"admin", "farmland", "approvals", "supply"} <= {d["key"] for d in data}
    assert layer(data, "farmland")["count"] == 40
    # And through a result dir whose run.json names that dataset, relative to where the
    # check ran (here: the folder holding both).
    result = _result_dir(tmp_path, dataset.name)
    out2 = tmp_path / "map2.html"
    run = CliRunner().invoke(cli, ["map", str(result), "--out", str(out2), "--online"])
    assert run.exit_code == 0, run.output
    html = out2.read_text(encoding="utf-8")
    data = page_layers(html)
    assert layer(data, "farmland")["count"] == 40
    assert layer(data, "finding:unapproved_construction")["count"] == 1
    assert 'integrity="sha384-' in html


def test_heights_are_dropped_and_flat_layers_drawn_as_they_are():
    """A layer with heights is drawn flat, as the same layer without them; one without
    heights is drawn the same whether or not the map skips flattening it."""
    import gc

    approvals = county(payload=False)["approvals"]
    flat = layer(page_layers(html_of({"approvals": approvals}, None)), "approvals")
    raised = approvals.set_geometry(shapely.force_3d(approvals.geometry.values, 7.5),
                                    crs=approvals.crs)
    assert shapely.has_z(raised.geometry.values).all()
    drawn = layer(page_layers(html_of({"approvals": raised}, None)), "approvals")
    assert gc.isenabled()  # paused only while the layers were built
    assert drawn["geoms"] == flat["geoms"]
    assert all(len(xy) == 2 for g in drawn["geoms"] for ring in g["coordinates"] for xy in ring)
    assert shapely.has_z(raised.geometry.values).all()  # the input is not touched


def test_values_are_shown_as_people_read_them():
    approvals = county(payload=False)["approvals"].assign(
        approved_on=pd.to_datetime(["2021-03-04", None]),
        basic_farmland_approved=[True, False],
    )
    for lang, yes in (("zh", "是"), ("en", "yes")):
        d = layer(page_layers(html_of({"approvals": approvals}, None, lang=lang)), "approvals")
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


def test_image_is_rasterios_drawing_of_the_geometries_moved_by_geopandas(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Shells, holes, parts, blanks and a line, drawn in chunks: rasterio's own picture."""
    from affine import Affine
    from rasterio.features import rasterize

    monkeypatch.setattr(rmap, "_RASTER_CHUNK", 2)
    x, y = 41_500_000, 4_550_000
    holed = shapely.box(x, y, x + 500, y + 500).difference(box(x + 100, y + 100, x + 300, y + 300))
    multi = shapely.MultiPolygon([shapely.box(x + 600, y, x + 700, y + 100),
                                  shapely.box(x + 800, y, x + 900, y + 400)])
    geoms = [holed, None, shapely.Polygon(), multi, shapely.box(x + 50, y + 600, x + 400, y + 900),
             shapely.LineString([(x, y + 950), (x + 900, y + 990)]),
             shapely.Polygon([(x + 950, y - 80), (x + 990, y + 20), (x + 930, y + 10)])]
    png, (west, _, _, north) = rasterize_png(geoms, CRS, color="#d9ef8b", max_px=120)
    image = np.asarray(Image.open(io.BytesIO(png)))
    merc = gpd.GeoSeries(geoms, crs=CRS).to_crs("EPSG:3857")
    x0, y0, x1, y1 = merc.total_bounds
    pixel = max((x1 - x0) / 120, (y1 - y0) / 120, rmap.RASTER_MIN_PIXEL_M)
    drawn = [g for g in merc if g is not None and not g.is_empty]
    expected = rasterize(drawn, out_shape=image.shape, all_touched=True, dtype="uint8",
                         transform=Affine(pixel, 0, x0, 0, -pixel, y1))
    np.testing.assert_array_equal(image, expected)
    assert expected.any()
    assert not expected.all()
    to_ll = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    assert (west, north) == pytest.approx(to_ll.transform(x0, y1))


@pytest.mark.parametrize(("chunk", "polygons_only"),
                         [(1, False), (3, False), (1000, False), (3, True), (1000, True)])
def test_image_of_patches_with_holes_and_empty_parts_is_rasterios(
        monkeypatch: pytest.MonkeyPatch, chunk: int, polygons_only: bool) -> None:
    """Single rings, holes, empty parts and multi-part patches mixed in one chunk or split
    across chunks (or polygons only, taken without splitting into parts): every pixel as
    rasterio burns the Mercator polygons handed over one by one."""
    import gc

    from affine import Affine
    from rasterio.features import rasterize

    monkeypatch.setattr(rmap, "_RASTER_CHUNK", chunk)
    x, y = 41_500_000, 4_550_000
    two_holes = shapely.box(x, y, x + 400, y + 400).difference(shapely.union_all(
        [shapely.box(x + 50, y + 50, x + 150, y + 150), shapely.box(x + 250, y + 250,
                                                                  x + 350, y + 350)]))
    one_hole = shapely.box(x + 500, y, x + 900, y + 300).difference(
        shapely.box(x + 600, y + 100, x + 800, y + 200))
    multi = shapely.MultiPolygon([one_hole, shapely.box(x + 950, y, x + 990, y + 600)])
    with_empty = shapely.from_wkt(
        f"MULTIPOLYGON (EMPTY, (({x} {y + 700}, {x + 300} {y + 700}, {x + 300} {y + 990}, "
        f"{x} {y + 700})))")
    triangle = shapely.Polygon([(x + 420, y + 420), (x + 880, y + 470), (x + 500, y + 680)])
    # A ring that passes through its first point halfway (invalid, drawn as it is).
    through_start = shapely.Polygon([(x + 700, y + 800), (x + 800, y + 700), (x + 900, y + 800),
                                     (x + 700, y + 800), (x + 800, y + 900), (x + 700, y + 800)])
    geoms = [shapely.box(x + 410, y + 10, x + 480, y + 90), two_holes, None, multi,
             shapely.Polygon(), with_empty, triangle, shapely.box(x + 330, y + 500, x + 345,
                                                                  y + 515),
             shapely.MultiPolygon([shapely.box(x + 600, y + 400, x + 660, y + 480)]),
             shapely.MultiPolygon([shapely.box(x + 20, y + 420, x + 300, y + 690).difference(
                 shapely.box(x + 100, y + 500, x + 200, y + 600))]), through_start]
    assert not through_start.is_valid
    if polygons_only:
        geoms = [g for g in geoms if isinstance(g, shapely.Polygon)]
    gc.enable()
    png, _ = rasterize_png(geoms, CRS, color="#1a9850", max_px=150)
    assert gc.isenabled()  # the collector is paused only while drawing
    image = np.asarray(Image.open(io.BytesIO(png)))
    # Independently: geopandas moves the shapely polygons, rasterio draws them as they are.
    merc = gpd.GeoSeries(geoms, crs=CRS).to_crs("EPSG:3857")
    x0, y0, x1, y1 = merc.total_bounds
    pixel = max((x1 - x0) / 150, (y1 - y0) / 150, rmap.RASTER_MIN_PIXEL_M)
    polygons = [p for p in shapely.get_parts(merc.dropna().values) if not p.is_empty]
    expected = rasterize(polygons, out_shape=image.shape, all_touched=True, dtype="uint8",
                         transform=Affine(pixel, 0, x0, 0, -pixel, y1))
    np.testing.assert_array_equal(image, expected)
    # The holes stay open: the middle of each is not burnt.
    for hx, hy in ((x + 100, y + 100), (x + 300, y + 300)) + (
            () if polygons_only else ((x + 700, y + 150), (x + 150, y + 550))):
        mx, my = Transformer.from_crs(CRS, "EPSG:3857", always_xy=True).transform(hx, hy)
        assert expected[int((y1 - my) // pixel), int((mx - x0) // pixel)] == 0


def test_county_wide_findings_are_outlines_drawn_first():
    whole = make_findings([{"rule": "accountability_ratio", "layer": "admin",
                            "feature_id": "210302", "message": "ratio",
                            "geometry": box(0, 0, 2000, 2000)}], crs=CRS)
    found = pd.concat([findings(payload=False), whole], ignore_index=True)
    data = page_layers(html_of({}, found))
    keys = [d["key"] for d in data]
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
    d = layer(page_layers(html_of({}, found)), "finding:idle_1y")
    assert d["ids"] == ["idle_1y/supply/S1", "idle_1y/supply/S2", "idle_1y/supply/S0"]


def test_dates_in_the_popups_are_days_or_full_times() -> None:
    from redline.report.map import _text

    stamps = pd.Series(pd.to_datetime(
        ["2020-01-02", None, "2021-03-04 05:06:07", "2021-03-04 05:06:07.123456"],
        format="mixed"), index=[5, 3, 9, 1])
    expected = ["2020-01-02", "", "2021-03-04T05:06:07", "2021-03-04T05:06:07.123456"]
    assert _text(stamps) == expected
    assert _text(stamps.astype("datetime64[s]").iloc[:1]) == ["2020-01-02"]
    assert _text(stamps.dt.tz_localize("Asia/Shanghai")) == [
        "2020-01-02", "", "2021-03-04T05:06:07+08:00", "2021-03-04T05:06:07.123456+08:00"]
