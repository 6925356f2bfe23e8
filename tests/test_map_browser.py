"""The inspection map (a folium map) in headless Chromium, with every network request blocked.

Driven with Playwright: its wheel ships the driver (no browser download), it
drives Debian's chromium directly, and ``page.route`` blocks and counts requests
without a proxy. One browser for the whole module; without Chromium the tests are
skipped (``tests/conftest.py``), or fail with REDLINE_TEST_BROWSER=required.
"""

from __future__ import annotations

import datetime
import io

import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image
from pyproj import Geod, Transformer

import redline
from redline.analysis.findings import make_findings
from redline.io.write import write_gpkg
from redline.report.map import build_map, format_area, map_html

from mapdata import CRS, XSS, XSS_SCRIPT, XSS_SVG, box, county, findings

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


def page_of(*args, **kwargs) -> str:
    return map_html(build_map(*args, **kwargs))


class Opened:
    """A page showing one map file, with its console errors and blocked requests."""

    def __init__(self, browser, path) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page = browser.new_page(viewport={"width": 1000, "height": 700})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function(
            "window.redlineMap !== undefined && window.redlineMap.loaded", timeout=20_000)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


@pytest.fixture
def opened(browser, tmp_path):
    pages: list[Opened] = []

    def open_(html: str | None = None, *, path=None) -> Opened:
        """Open a page given as text (written to a file first) or a file saved already."""
        if path is None:
            path = tmp_path / f"map{len(pages)}.html"
            path.write_text(html, encoding="utf-8")
        pages.append(Opened(browser, path))
        return pages[-1]

    yield open_
    for o in pages:
        o.page.close()


COUNT_FEATURES = """() => {
  const out = {};
  for (const [key, layer] of Object.entries(window.redlineMap.layers)) {
    out[key] = layer.getLayers ? layer.getLayers().length : -1;
  }
  return out;
}"""


def test_map_draws_every_layer_offline(opened):
    o = opened(page_of(county(), findings(), title=XSS))
    counts = o.js(COUNT_FEATURES)
    assert counts == {
        "farmland": 40, "basic_farmland": 2, "changes": 1, "approvals": 2, "supply": 2,
        "admin": 2, "finding:basic_farmland_encroachment": 1,
        "finding:supply_without_approval": 1, "finding:unapproved_construction": 1,
    }
    assert o.js("() => Object.values(window.redlineMap.layers)"
                ".every(l => window.redlineMap.map.hasLayer(l))")
    assert o.js("() => document.querySelectorAll('canvas').length") >= 1
    assert o.js("() => document.querySelectorAll('.leaflet-control-layers-selector').length") == 9
    assert o.js("() => document.querySelector('.leaflet-control-scale') !== null")
    assert o.blocked == []
    assert o.errors == []


def _click_at(o: Opened, x: float, y: float) -> None:
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        41_500_000 + x, 4_550_000 + y)
    point = o.js("([lat, lon]) => window.redlineMap.map.latLngToContainerPoint([lat, lon])",
                 [lat, lon])
    box_ = o.page.locator(".folium-map").bounding_box()
    o.page.mouse.click(box_["x"] + point["x"], box_["y"] + point["y"])


def _with_county_wide_finding(found):
    whole = make_findings([{"rule": "accountability_ratio", "layer": "admin",
                            "feature_id": "210302", "message": "ratio",
                            "geometry": box(-50, -50, 2050, 2050)}], crs=CRS)
    return pd.concat([found, whole], ignore_index=True)


def test_click_on_a_finding_opens_its_popup_with_areas(opened):
    # A county-wide finding must not catch the clicks meant for what lies inside it.
    found = _with_county_wide_finding(findings(payload=False))
    o = opened(page_of(county(payload=False), found, lang="en"))
    _click_at(o, 230, 630)  # inside the unapproved-construction finding
    o.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    text = o.page.inner_text(".leaflet-popup-content")
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        *np.asarray(box(200, 600, 260, 660).exterior.coords).T)
    m2 = abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    assert "unapproved_construction/changes/C1" in text
    assert format_area(m2) in text
    assert format_area(m2 / (10_000 / 15)) in text
    assert "Unapproved construction" in text
    # An approval inside an admin unit: its own popup, not the admin unit's.
    o.js("() => window.redlineMap.map.closePopup()")
    _click_at(o, 750, 1350)
    o.page.wait_for_function(
        "document.querySelector('.leaflet-popup-content').innerText.includes('Approval id')")
    assert "plain" in o.page.inner_text(".leaflet-popup-content")
    assert o.errors == []


def test_payloads_stay_inert_in_tooltips_popups_search_and_names(opened):
    o = opened(page_of(county(), findings(), title=XSS))
    opened_count = o.js("""async () => {
      const m = window.redlineMap;
      let n = 0;
      for (const hit of m.index) {
        hit.layer.openTooltip(); hit.layer.openPopup(); n += 1;
        await new Promise(r => setTimeout(r, 0));
      }
      return n;
    }""")
    assert opened_count >= 12
    o.page.fill(".rl-search input", "<img")
    o.page.fill(".rl-search input", "onerror")
    # The list is filled as the user types: wait for it, however busy the machine.
    o.page.wait_for_function("() => document.querySelectorAll('.rl-search ul li').length > 0",
                             timeout=10_000)
    o.page.wait_for_timeout(300)
    assert o.js("() => window.__xss") is None
    # The payloads are shown as text where they belong.
    assert XSS in o.page.inner_text(".rl-title")
    assert XSS in o.page.inner_text(".rl-search ul")
    names = o.page.inner_text(".leaflet-control-layers-overlays")
    assert "铁东区" not in names  # names of layers, not features
    o.js("() => window.redlineMap.index.find(h => h.id.startsWith('supply_without'))"
         ".layer.openPopup()")
    # A closed popup fades out for 200 ms before it leaves the page: wait for it to go.
    o.page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-popup-content').length === 1"
        " && document.querySelector('.leaflet-popup-content').innerText"
        ".includes('supply_without_approval')", timeout=5000)
    popup = o.page.inner_text(".leaflet-popup-content")
    assert XSS_SCRIPT in popup
    assert XSS_SVG in popup
    assert o.js("() => document.querySelectorAll('.leaflet-popup-content img').length") == 0
    assert o.errors == []


def test_layer_names_with_payloads_stay_inert(opened):
    layers = county(payload=False)
    layers[XSS] = layers["supply"]
    o = opened(page_of(layers, None, title=XSS_SVG))
    assert XSS in o.page.inner_text(".leaflet-control-layers-overlays")
    assert XSS in o.page.inner_text(".rl-legend")
    assert o.js("() => document.querySelectorAll('img[src=x], svg[onload]').length") == 0
    assert o.js("() => window.__xss") is None
    assert o.js("() => document.title") == XSS_SVG


def test_search_zooms_to_a_parcel_and_opens_it(opened):
    o = opened(page_of(county(payload=False), findings(payload=False)))
    o.page.fill(".rl-search input", "gd-2")
    o.page.press(".rl-search input", "Enter")
    o.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert "GD-2" in o.page.inner_text(".leaflet-popup-content")


def test_measure_distance(opened):
    o = opened(page_of(county(payload=False), None, lang="en"))
    o.page.click(".rl-btn[aria-label='Measure distance and area']")
    _click_at(o, 0, 1000)
    _click_at(o, 1000, 1000)
    text = o.page.inner_text(".rl-measure-out")
    assert text.startswith("Distance")
    value = text.split("≈")[1].strip()
    metres = float(value.split(" ")[0].replace(",", "")) * (1000 if "km" in value else 1)
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = tr.transform([41_500_000, 41_501_000], [4_551_000, 4_551_000])
    geodesic = Geod(ellps="GRS80").inv(lon0, lat0, lon1, lat1)[2]
    # Leaflet measures on a sphere: within 0.5 % of the ellipsoidal distance.
    assert metres == pytest.approx(geodesic, rel=0.005)


def test_rasterised_layer_shows_and_screenshot_is_not_blank(opened):
    o = opened(page_of(county(payload=False), findings(payload=False),
                         max_vector_features=1))
    assert o.js("() => [...document.querySelectorAll('img.rl-raster')]"
                ".map(i => i.naturalWidth > 10)") == [True, True]
    # Basic farmland is painted over farmland, whatever order the layer list shows.
    assert o.js("""() => {
      const f = window.redlineMap.layers.farmland.getElement();
      const b = window.redlineMap.layers.basic_farmland.getElement();
      const zf = +getComputedStyle(f).zIndex, zb = +getComputedStyle(b).zIndex;
      return zb > zf || (zb === zf && !!(f.compareDocumentPosition(b) & 4));
    }""")
    shot = np.asarray(Image.open(io.BytesIO(o.page.screenshot())).convert("RGB"))
    colours = {tuple(c) for c in shot.reshape(-1, 3)[::7]}
    assert len(colours) > 30
    background = np.array([0xF4, 0xF4, 0xF0])
    assert (np.abs(shot.astype(int) - background).sum(axis=2) > 30).mean() > 0.1
    # The farmland image lies where farmland is: sample the middle of patch F0 (5..95 m).
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        41_500_050, 4_550_050)
    point = o.js("([lat, lon]) => window.redlineMap.map.latLngToContainerPoint([lat, lon])",
                 [lat, lon])
    r, g, b = shot[int(point["y"]), int(point["x"])]
    assert g > r > b  # the pale yellow-green of farmland over the background
    assert r > 180
    # Basic farmland B1 (1100..1400 m, 100..400 m) in its deep green.
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        41_501_150, 4_550_150)
    point = o.js("([lat, lon]) => window.redlineMap.map.latLngToContainerPoint([lat, lon])",
                 [lat, lon])
    r, g, b = shot[int(point["y"]), int(point["x"])]
    assert g > max(r, b)
    assert r < 120
    assert o.errors == []


# --- many findings: an image at county zoom, features when zoomed in -------------------


def many_findings(n: int = 60) -> pd.DataFrame:
    """n small findings of one rule on a grid, 40 m x 30 m each, 100 m apart."""
    return make_findings([
        {"rule": "idle_1y", "layer": "supply", "feature_id": f"GD-{k:03d}",
         "admin_code": "210302", "message": f"闲置 {k} " + XSS,
         "geometry": box(100 * (k % 10), 100 * (k // 10), 100 * (k % 10) + 40,
                         100 * (k // 10) + 30)}
        for k in range(n)], crs=CRS)


def _ellipsoidal_m2(geom) -> float:
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        *np.asarray(geom.exterior.coords).T)
    return abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])


def test_many_findings_are_an_image_then_clickable_features(opened):
    found = many_findings()
    o = opened(page_of(county(payload=False), found, max_vector_findings=10, lang="en"))
    bulk = "window.redlineMap.layers['finding:idle_1y']"
    # County zoom: the image, no features, every id already in the search.
    assert o.js(f"() => {bulk}._def.vectorZoom > window.redlineMap.map.getZoom()")
    assert o.js("() => [...document.querySelectorAll('.leaflet-rl-marks-pane img')]"
                ".map(i => i.complete && i.naturalWidth > 10)") == [True]
    assert o.js(f"() => {bulk}._vectors.getLayers().length") == 0
    ids = o.js("() => window.redlineMap.index.filter(h => h.bulk).map(h => h.id)")
    assert sorted(ids) == sorted(found["finding_id"])
    # Zoomed in on one finding: the features in view are drawn; a click opens the popup.
    k = 37
    x, y = 100 * (k % 10) + 20, 100 * (k // 10) + 15
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(
        41_500_000 + x, 4_550_000 + y)
    o.js(f"([lat, lon]) => {{ window.redlineMap.map.setView([lat, lon],"
         f" {bulk}._def.vectorZoom + 1, {{animate: false}}); }}", [lat, lon])
    assert o.js(f"() => {bulk}._vectors.getLayers().length") > 0
    assert o.js("() => document.querySelectorAll('.leaflet-rl-marks-pane img').length") == 0
    _click_at(o, x, y)
    o.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    text = o.page.inner_text(".leaflet-popup-content")
    geom = box(100 * (k % 10), 100 * (k // 10), 100 * (k % 10) + 40, 100 * (k // 10) + 30)
    assert f"idle_1y/supply/GD-{k:03d}" in text
    assert format_area(_ellipsoidal_m2(geom)) in text
    assert XSS in text  # the message, as text
    assert o.js("() => window.__xss") is None
    assert o.blocked == []
    assert o.errors == []


def test_search_finds_a_finding_drawn_as_image_and_opens_it(opened):
    o = opened(page_of({}, many_findings(), max_vector_findings=0))
    o.page.fill(".rl-search input", "gd-052")
    o.page.wait_for_function("() => document.querySelectorAll('.rl-search ul li').length > 0")
    o.page.press(".rl-search input", "Enter")
    o.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    text = o.page.inner_text(".leaflet-popup-content")
    assert "idle_1y/supply/GD-052" in text
    assert format_area(_ellipsoidal_m2(box(200, 500, 240, 530))) in text
    assert o.js("() => window.redlineMap.map.getZoom()"
                " >= window.redlineMap.layers['finding:idle_1y']._def.vectorZoom")
    assert o.errors == []


# --- the map as a folium object, with a layer of the user's own ------------------------


def test_explore_then_a_user_layer_saved_works_offline(opened, tmp_path):
    layers = county(payload=False)
    dataset = tmp_path / "county.gpkg"
    write_gpkg(dataset, {role: layers[role] for role in ("admin", "farmland", "approvals",
                                                         "supply")})
    m = redline.explore(dataset, lang="en")
    assert isinstance(m, folium.Map)
    # A drone survey outline, with plain folium calls.
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    x0, y0 = tr.transform(41_500_000 + 1_300, 4_550_000 + 1_300)
    x1, y1 = tr.transform(41_500_000 + 1_700, 4_550_000 + 1_700)
    survey = folium.GeoJson(
        shapely.geometry.mapping(shapely.box(x0, y0, x1, y1)), name="drone survey",
        style_function=lambda _: {"color": "#00ffff", "fillColor": "#00ffff",
                                  "fillOpacity": 1.0, "weight": 1},
        tooltip="survey 2026")
    survey.add_to(m)
    m.save(tmp_path / "saved.html")
    o = opened(path=tmp_path / "saved.html")
    name = survey.get_name()
    assert o.js(f"() => window.redlineMap.map.hasLayer(window['{name}'])")
    assert o.js(f"() => window['{name}'].getLayers().length") == 1
    assert "drone survey" in o.page.inner_text(".leaflet-control-layers-overlays")
    # Drawn: the middle of the outline is its cyan.
    lon, lat = tr.transform(41_500_000 + 1_500, 4_550_000 + 1_500)
    point = o.js("([lat, lon]) => window.redlineMap.map.latLngToContainerPoint([lat, lon])",
                 [lat, lon])
    shot = np.asarray(Image.open(io.BytesIO(o.page.screenshot())).convert("RGB"))
    r, g, b = shot[int(point["y"]), int(point["x"])]
    assert (r, g, b) == (0, 255, 255)
    assert o.blocked == []
    assert o.errors == []


# --- a batch's overview page -----------------------------------------------------------


def _square(x: float, y: float) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]]}


def overview_counties() -> list[dict]:
    """Two counties drawn (one named with payloads) and a failed one, table only."""
    return [
        {"name": "铁东区", "code": "210302", "status": "finished", "outline": _square(123.0, 41.0),
         "rank": 2, "map": "210302/map.html", "report": "210302/report.html",
         "figures": {"illegal_share": 0.2, "findings_high_count": 3, "findings": 5,
                     "idle_ha": 1.5, "farmland_margin_ha": -3.2, "quota_used_share": 1.1}},
        {"name": XSS, "code": XSS_SVG, "status": "finished", "outline": _square(123.3, 41.0),
         "rank": 1, "map": "a b/map.html", "report": None,
         "figures": {"illegal_share": 0.01, "findings_high_count": 0, "findings": 1,
                     "idle_ha": None, "farmland_margin_ha": -5.0, "quota_used_share": 0.5}},
        {"name": XSS_SCRIPT, "code": "", "status": "failed", "outline": None, "rank": None,
         "map": None, "report": None, "figures": {}},
    ]


FILLS = ("() => window.redlineMap.layers.counties.getLayers()"
         ".map(g => g.getLayers()[0].options.fillColor)")
ROWS = ("() => [...document.querySelectorAll('.rl-ranking tbody tr')]"
        ".map(r => [...r.cells].map(c => c.innerText))")


def test_batch_overview_names_counties_switches_figures_and_links(opened):
    from redline.report.batch_overview import MARGIN_CLASSES, overview_page, ratio_color

    o = opened(overview_page(overview_counties(), lang="en", as_of=datetime.date(2026, 6, 30)))
    names = o.js("() => [...document.querySelectorAll('.rl-county-name')].map(e => e.textContent)")
    assert names == ["铁东区", XSS]  # county names on the map, as text
    assert "checked as of 2026-06-30" in o.page.inner_text(".rl-title")
    # Coloured by the violation ratio first; the table ranks it, worst first, the failed
    # county last with no data.
    assert o.js(FILLS) == [ratio_color(0.2), ratio_color(0.01)]
    rows = o.js(ROWS)
    assert [r[1] for r in rows] == ["铁东区 (210302)", f"{XSS} ({XSS_SVG})", XSS_SCRIPT]
    assert [r[4] for r in rows] == ["20.0 %", "1.0 %", "no data"]
    assert rows[0][3] == "2"
    assert rows[1][3] == "1"
    # Farmland against target: both short of it; the larger shortfall ranks last first.
    o.page.select_option(".rl-figure select", "farmland_margin_ha")
    assert o.js(FILLS) == [MARGIN_CLASSES[0][1]] * 2
    assert "Farmland against target (ha)" in o.page.inner_text(".rl-legend")
    assert [r[1] for r in o.js(ROWS)][:2] == [f"{XSS} ({XSS_SVG})", "铁东区 (210302)"]
    # Links to each county's pages, relative and encoded.
    hrefs = o.js("() => [...document.querySelectorAll('.rl-ranking a')]"
                 ".map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == ["210302/map.html", "210302/report.html", "a%20b/map.html"]
    # A county's name in the table opens its popup on the map, with its figures.
    o.page.click(".rl-ranking button.rl-county >> nth=1")
    o.page.wait_for_selector(".leaflet-popup-content")
    popup = o.page.inner_text(".leaflet-popup-content")
    assert "铁东区 (210302)" in popup
    assert "Violation ratio" in popup
    assert "110.0 %" in popup
    assert o.blocked == []
    assert o.errors == []


def test_batch_overview_payloads_stay_inert(opened):
    from redline.report.batch_overview import overview_page

    o = opened(overview_page(overview_counties(), lang="zh"))
    o.js("() => window.redlineMap.layers.counties.getLayers()[1].openPopup()")
    o.page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-popup-content').length === 1"
        " && document.querySelector('.leaflet-popup-content').innerText.includes('onerror')",
        timeout=10_000)
    assert XSS in o.page.inner_text(".leaflet-popup-content")
    assert XSS_SVG in o.page.inner_text(".leaflet-popup-content")
    assert XSS_SCRIPT in o.page.inner_text(".rl-ranking")
    assert o.js("() => document.querySelectorAll('img[src=x], svg[onload]').length") == 0
    assert o.js("() => window.__xss") is None
    assert o.blocked == []
    assert o.errors == []
