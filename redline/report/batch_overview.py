"""A batch's overview page: every county on one map, coloured by its violation ratio.

Built from data (each county's outline, ratio, status and the link to its own map), as
one self-contained HTML page with Leaflet inlined when it is installed.
"""

from __future__ import annotations

import json
from typing import Any, Final

import numpy as np

from redline.errors import RedlineError
from redline.io.outputs import generator_meta
from redline.report import assets
from redline.text import Lang, words

#: Tolerance of the outline drawn on the overview map, in degrees (~10 m).
OUTLINE_SIMPLIFY_DEG: Final[float] = 1e-4


def county_outline(dataset: Any) -> dict[str, Any] | None:
    """Return the county outline in lon/lat (GeoJSON): admin layer, else the layers' extent."""
    import shapely

    layers = getattr(dataset, "layers", None)
    if not layers:
        return None
    frames = [layer.frame for layer in layers.values() if len(layer.frame)]
    admin = layers.get("admin")
    if admin is not None and len(admin.frame):
        frames = [admin.frame]
    geoms = []
    for frame in frames:
        if frame.crs is None:
            continue
        lonlat = frame.geometry.to_crs("EPSG:4326")
        if admin is not None and frame is admin.frame:
            geoms.append(shapely.union_all(shapely.make_valid(lonlat.values)))
        else:
            geoms.append(shapely.box(*lonlat.total_bounds))
    if not geoms:
        return None
    shape = shapely.union_all(geoms)
    if shape.is_empty:
        return None
    shape = shapely.simplify(shape, OUTLINE_SIMPLIFY_DEG, preserve_topology=True)
    outline: dict[str, Any] = json.loads(shapely.to_geojson(shape))
    return outline


#: Violation-ratio classes (upper bounds) and colours; the accountability line (15 %) is one.
RATIO_CLASSES: Final[tuple[tuple[float, str], ...]] = (
    (0.05, "#fee5d9"), (0.10, "#fcae91"), (0.15, "#fb6a4a"), (float("inf"), "#a50f15"),
)


_NO_RATIO_COLOR: Final[str] = "#bdbdbd"


def ratio_color(ratio: float | None) -> str:
    """Fill colour of a county on the overview map by its violation ratio."""
    if ratio is None or not np.isfinite(ratio):
        return _NO_RATIO_COLOR
    for bound, color in RATIO_CLASSES:
        if ratio < bound:
            return color
    return RATIO_CLASSES[-1][1]


def _leaflet_head() -> str:
    try:
        js = assets.leaflet_js().replace("</script", "<\\/script")
        return f"<style>{assets.leaflet_css()}</style>\n<script>{js}</script>"
    except (ImportError, RedlineError, OSError):
        version = "1.9.4"
        return (f'<link rel="stylesheet" href="https://unpkg.com/leaflet@{version}/dist/leaflet.css">'
                f'\n<script src="https://unpkg.com/leaflet@{version}/dist/leaflet.js"></script>')


_OVERVIEW_JS: Final[str] = """
(function () {
  var data = JSON.parse(document.getElementById("batch-data").textContent);
  var ui = data.ui;
  var map = L.map("map");
  function pct(x) { return x === null ? ui.none : (100 * x).toFixed(1) + " %"; }
  function popup(p) {
    var box = document.createElement("div");
    var h = document.createElement("b");
    h.textContent = p.name + (p.code ? " (" + p.code + ")" : "");
    box.appendChild(h);
    [[ui.ratio, pct(p.ratio)], [ui.findings, String(p.findings)], [ui.status, p.status]]
      .forEach(function (kv) {
        var line = document.createElement("div");
        line.textContent = kv[0] + ": " + kv[1];
        box.appendChild(line);
      });
    if (p.map) {
      var a = document.createElement("a");
      a.href = p.map.split("/").map(encodeURIComponent).join("/");
      a.textContent = ui.open;
      box.appendChild(a);
    }
    return box;
  }
  var layer = L.geoJSON(data.features, {
    style: function (f) {
      return {color: "#333", weight: 1, fillColor: f.properties.color, fillOpacity: 0.75};
    },
    onEachFeature: function (f, l) {
      l.bindPopup(function () { return popup(f.properties); });
      l.bindTooltip(function () { return document.createTextNode(f.properties.name); });
    }
  }).addTo(map);
  var b = layer.getBounds();
  if (b.isValid()) { map.fitBounds(b); } else { map.setView([41.1, 122.99], 8); }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    var t = document.createElement("b");
    t.textContent = ui.ratio;
    div.appendChild(t);
    var lo = 0;
    data.legend.forEach(function (kv) {
      var row = document.createElement("div");
      var sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = kv[1];
      row.appendChild(sw);
      row.appendChild(document.createTextNode(
        kv[0] === null ? "\\u2265 " + pct(lo) : pct(lo) + " \\u2013 " + pct(kv[0])));
      div.appendChild(row);
      lo = kv[0];
    });
    return div;
  };
  legend.addTo(map);
})();
"""


def _overview_page(data: dict[str, Any], *, lang: Lang) -> str:
    import html

    title = data["ui"]["title"]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"{generator_meta()}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{_leaflet_head()}\n"
        "<style>html,body,#map{height:100%;margin:0}"
        ".legend{background:#fff;padding:6px 8px;font:12px sans-serif;line-height:18px}"
        ".legend .sw{display:inline-block;width:14px;height:12px;margin-right:6px}</style>\n"
        "</head>\n<body>\n<div id=\"map\"></div>\n"
        f'<script type="application/json" id="batch-data">{assets.json_for_script(data)}</script>\n'
        f"<script>{_OVERVIEW_JS}</script>\n</body>\n</html>\n"
    )


def overview_page(counties: list[dict[str, Any]], *, lang: Lang) -> str:
    """Build a batch's overview page: counties coloured by violation ratio, each linking to its map.

    ``counties`` holds, per county with an outline, ``name``, ``code``, ``status``,
    ``findings``, ``ratio`` (the violation ratio, None when unknown), ``outline`` (GeoJSON
    in lon/lat, :func:`county_outline`) and ``map`` (the path of its map.html from the
    page, or None).
    """
    features = [{
        "type": "Feature",
        "geometry": c["outline"],
        "properties": {
            "name": c["name"], "code": c["code"], "status": c["status"],
            "findings": c["findings"], "ratio": c["ratio"], "color": ratio_color(c["ratio"]),
            "map": c["map"],
        },
    } for c in counties]
    data = {"ui": dict(words(lang).BATCH_MAP),
            "features": {"type": "FeatureCollection", "features": features},
            "legend": [[b if np.isfinite(b) else None, c] for b, c in RATIO_CLASSES]}
    return _overview_page(data, lang=lang)

