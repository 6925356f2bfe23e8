"""The JavaScript and CSS an inspection map needs, inlined so the page works offline.

Leaflet itself comes from the ``xstatic-leaflet`` package, which ships the
release files unchanged (its ``leaflet.js`` has the published SRI hash of
Leaflet 1.9.3). The few controls Leaflet lacks (full screen, measuring, search,
legend) are small scripts of redline's own, kept here as text so they install
with the Python package.

Nothing else is loaded: no jQuery, Bootstrap or icon fonts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from redline.errors import InputError

LEAFLET_CDN = "https://unpkg.com/leaflet@{version}/dist/{name}"


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError as ex:
        raise InputError(
            "the package xstatic-leaflet, which ships Leaflet for offline maps, is not installed",
            fix="pip install xstatic-leaflet",
        ) from ex
    return Path(leaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_version() -> str:
    """Return the version of Leaflet shipped by ``xstatic-leaflet``, e.g. ``"1.9.3"``."""
    from xstatic.pkg import leaflet

    return str(leaflet.VERSION)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Return the minified ``leaflet.js`` of the installed release."""
    return (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """``leaflet.css`` with its images inlined as data URIs (no file beside the page)."""
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (folder / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", inline, css)


def _sri(name: str) -> str:
    digest = hashlib.sha384((_leaflet_dir() / name).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def head_tags(*, offline: bool) -> str:
    """``<script>`` and ``<style>``/``<link>`` tags for Leaflet and redline's controls.

    Offline, everything is inlined. Online, Leaflet is linked from a CDN with a
    subresource-integrity hash computed from the installed release, so a
    tampered copy is refused by the browser.
    """
    if offline:
        leaflet = (
            f"<style>{leaflet_css()}</style>\n"
            f"<script>{_script_safe(leaflet_js())}</script>"
        )
    else:
        version = leaflet_version()
        css_url = LEAFLET_CDN.format(version=version, name="leaflet.css")
        js_url = LEAFLET_CDN.format(version=version, name="leaflet.js")
        leaflet = (
            f'<link rel="stylesheet" href="{css_url}" integrity="{_sri("leaflet.css")}"'
            ' crossorigin="anonymous">\n'
            f'<script src="{js_url}" integrity="{_sri("leaflet.js")}"'
            ' crossorigin="anonymous"></script>'
        )
    return f"{leaflet}\n<style>{REDLINE_CSS}</style>"


def _script_safe(js: str) -> str:
    # A literal "</script" inside inlined code would end the element early.
    return js.replace("</script", "<\\/script")


REDLINE_CSS = """
html, body { height: 100%; margin: 0; padding: 0; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
#redline-map { position: absolute; top: 0; bottom: 0; left: 0; right: 0; background: #f4f4f0; }
.rl-raster { image-rendering: pixelated; }
.rl-box { background: #fff; padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,.4); font-size: 12px; line-height: 1.4; }
.rl-title { font-size: 15px; font-weight: bold; max-width: 50vw; }
.rl-legend { max-height: 55vh; overflow-y: auto; }
.rl-legend h4 { margin: 4px 0 2px; font-size: 12px; }
.rl-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.rl-swatch { width: 16px; height: 11px; border: 2px solid transparent; flex: none; }
.rl-btn { display: flex; align-items: center; justify-content: center;
  width: 30px; height: 30px; text-align: center;
  background: #fff; border: 0; cursor: pointer; font-size: 16px; padding: 0; color: #222; }
.rl-btn:hover { background: #f0f0f0; }
.rl-btn.rl-on { background: #ffe08a; }
.rl-search input { width: 210px; font-size: 13px; padding: 3px; }
.rl-search ul { list-style: none; margin: 4px 0 0; padding: 0; max-height: 40vh; overflow-y: auto; }
.rl-search li { cursor: pointer; padding: 2px 3px; white-space: nowrap; }
.rl-search li:hover { background: #eef; }
.rl-search .rl-layer { color: #666; margin-left: 6px; }
.rl-popup table { border-collapse: collapse; }
.rl-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal;
  vertical-align: top; white-space: nowrap; }
.rl-popup td { padding: 1px 0; max-width: 320px; overflow-wrap: anywhere; }
.rl-popup h4 { margin: 0 0 4px; font-size: 14px; }
.rl-measure-out { white-space: nowrap; }
.rl-full { position: fixed !important; z-index: 10000; }
"""

# redline's own Leaflet controls. Every value from the data reaches the page
# only through textContent / createTextNode, never innerHTML; the one Leaflet
# API that takes HTML (layer control names) gets escaped text.
REDLINE_JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("redline-data").textContent);
  var UI = D.ui;

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  // Constant markup of redline's own icons (no data in it).
  var ICON_FULL = '<svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="#222" ' +
    'stroke-width="2"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"/></svg>';
  var ICON_MEASURE = '<svg width="18" height="18" viewBox="0 0 18 18" fill="none" ' +
    'stroke="#222" stroke-width="1.5"><path d="M1 13L13 1l4 4L5 17z"/>' +
    '<path d="M4 10l2 2M7 7l2 2M10 4l2 2"/></svg>';
  function icon(button, svg) {
    button.innerHTML = svg;
  }
  function fmt(x, d) {
    return x.toLocaleString(D.lang === "zh" ? "zh-CN" : "en-US",
      {minimumFractionDigits: d, maximumFractionDigits: d});
  }

  document.title = D.title;
  var map = L.map("redline-map", {preferCanvas: true, zoomSnap: 0.25});
  var renderer = L.canvas({padding: 0.3, tolerance: 3});
  // Images of large layers stay under every vector layer, whatever is toggled.
  var rasterPane = map.createPane("rl-raster");
  rasterPane.style.zIndex = 350;
  rasterPane.style.pointerEvents = "none";
  var overlays = [];
  var byKey = {};
  var index = [];

  if (D.basemap) {
    D.basemap.layers.forEach(function (b) {
      L.tileLayer(b.url, {subdomains: b.subdomains || "abc", maxZoom: 18,
        attribution: b.attribution}).addTo(map);
    });
  }

  function popupFor(def, i) {
    var box = el("div", "rl-popup");
    box.appendChild(el("h4", null, def.heads ? def.heads[i] : def.name));
    var table = el("table");
    def.fields.forEach(function (label, k) {
      var v = def.values[i][k];
      if (v === "" || v === null || v === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, v));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function vectorLayer(def) {
    var sev = def.severity;
    var features = def.geoms.map(function (g, i) {
      return {type: "Feature", geometry: g, properties: {i: i}};
    });
    var layer = L.geoJSON({type: "FeatureCollection", features: features}, {
      renderer: renderer,
      interactive: def.interactive,
      style: function (f) {
        var s = Object.assign({renderer: renderer}, def.style);
        if (sev) { Object.assign(s, D.severity[sev[f.properties.i]] || {}); }
        return s;
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {renderer: renderer, radius: 5});
      },
      onEachFeature: function (f, sub) {
        var i = f.properties.i;
        sub._rl = {def: def, i: i};
        if (!def.interactive) { return; }
        sub.bindTooltip(function () { return el("span", null, def.ids[i]); }, {sticky: true});
        sub.bindPopup(function () { return popupFor(def, i); }, {maxWidth: 420});
        index.push({id: String(def.ids[i]), extra: def.search ? String(def.search[i]) : "",
          def: def, layer: sub});
      }
    });
    return layer;
  }

  function rasterLayer(def) {
    return L.imageOverlay("data:image/png;base64," + def.png, def.bounds,
      {opacity: def.style.fillOpacity || 0.7, interactive: false, className: "rl-raster",
        pane: "rl-raster"});
  }

  D.layers.forEach(function (def) {
    var layer = def.kind === "raster" ? rasterLayer(def) : vectorLayer(def);
    if (def.show) { layer.addTo(map); }
    byKey[def.key] = layer;
    var label = esc(def.name) + " (" + def.count + ")";
    if (def.kind === "raster") { label += " " + esc(UI.raster); }
    overlays.push([label, layer]);
  });

  // autoZIndex would stack the images in the order of the list (findings first), upside down.
  var control = L.control.layers(null, null,
    {collapsed: false, position: "topright", autoZIndex: false});
  overlays.slice().reverse().forEach(function (o) { control.addOverlay(o[1], o[0]); });
  control.addTo(map);
  L.control.scale({imperial: false, metric: true, maxWidth: 150}).addTo(map);
  map.attributionControl.setPrefix("Leaflet");

  if (D.bounds) { map.fitBounds(D.bounds, {padding: [10, 10]}); }
  else { map.setView([35, 105], 4); }

  // --- title ---
  var Title = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () { return el("div", "rl-box rl-title", D.title); }
  });
  new Title().addTo(map);

  // --- legend ---
  var Legend = L.Control.extend({
    options: {position: "bottomleft"},
    onAdd: function () {
      var box = el("div", "rl-box rl-legend");
      L.DomEvent.disableScrollPropagation(box);
      D.legend.forEach(function (section) {
        box.appendChild(el("h4", null, section.title));
        section.rows.forEach(function (row) {
          var r = el("div", "rl-legend-row");
          var sw = el("span", "rl-swatch");
          sw.style.background = row.fill || "transparent";
          sw.style.borderColor = row.stroke || "transparent";
          r.appendChild(sw);
          r.appendChild(el("span", null, row.label));
          box.appendChild(r);
        });
      });
      return box;
    }
  });
  new Legend().addTo(map);

  // --- full screen ---
  var Full = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function (m) {
      var bar = el("div", "leaflet-bar");
      var b = el("button", "rl-btn");
      icon(b, ICON_FULL);
      b.type = "button"; b.title = UI.fullscreen; b.setAttribute("aria-label", UI.fullscreen);
      bar.appendChild(b);
      L.DomEvent.disableClickPropagation(bar);
      var box = m.getContainer();
      L.DomEvent.on(b, "click", function () {
        var on = document.fullscreenElement === box || L.DomUtil.hasClass(box, "rl-full");
        if (on) {
          if (document.fullscreenElement) { document.exitFullscreen(); }
          L.DomUtil.removeClass(box, "rl-full");
        } else if (box.requestFullscreen) {
          box.requestFullscreen().catch(function () { L.DomUtil.addClass(box, "rl-full"); });
        } else { L.DomUtil.addClass(box, "rl-full"); }
        setTimeout(function () { m.invalidateSize(); }, 200);
      });
      return bar;
    }
  });
  new Full().addTo(map);

  // --- measuring: distance and area on the sphere (approximate) ---
  var measuring = false, points = [], line = null, out = null;
  function sphericalArea(ll) {
    var R = 6378137, a = 0, n = ll.length, r = Math.PI / 180;
    for (var i = 0; i < n; i++) {
      var p = ll[i], q = ll[(i + 1) % n];
      a += (q.lng - p.lng) * r * (2 + Math.sin(p.lat * r) + Math.sin(q.lat * r));
    }
    return Math.abs(a * R * R / 2);
  }
  function showMeasure() {
    var d = 0;
    for (var i = 1; i < points.length; i++) { d += map.distance(points[i - 1], points[i]); }
    var text = UI.distance + " \u2248 " + (d >= 1000 ? fmt(d / 1000, 3) + " km" : fmt(d, 1) + " m");
    if (points.length >= 3) {
      var m2 = sphericalArea(points);
      text += "; " + UI.area + " \u2248 " + fmt(m2, 0) + " m\u00B2 = " + fmt(m2 / (10000 / 15), 2)
        + " " + UI.mu;
    }
    out.textContent = points.length ? text : UI.measure_hint;
  }
  var Measure = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function (m) {
      var wrap = el("div");
      var bar = el("div", "leaflet-bar");
      var b = el("button", "rl-btn");
      icon(b, ICON_MEASURE);
      b.type = "button"; b.title = UI.measure; b.setAttribute("aria-label", UI.measure);
      bar.appendChild(b);
      wrap.appendChild(bar);
      out = el("div", "rl-box rl-measure-out");
      out.style.display = "none";
      wrap.appendChild(out);
      L.DomEvent.disableClickPropagation(wrap);
      L.DomEvent.on(b, "click", function () {
        measuring = !measuring;
        L.DomUtil[measuring ? "addClass" : "removeClass"](b, "rl-on");
        points = [];
        if (line) { m.removeLayer(line); line = null; }
        out.style.display = measuring ? "block" : "none";
        m.getContainer().style.cursor = measuring ? "crosshair" : "";
        if (measuring) { m.closePopup(); showMeasure(); }
      });
      return wrap;
    }
  });
  new Measure().addTo(map);
  map.on("click", function (e) {
    if (!measuring) { return; }
    points.push(e.latlng);
    if (!line) {
      line = L.polyline([], {color: "#000", weight: 2, dashArray: "6 4", interactive: false})
        .addTo(map);
    }
    line.setLatLngs(points.length >= 3 ? points.concat([points[0]]) : points);
    showMeasure();
  });
  map.on("popupopen", function () { if (measuring) { map.closePopup(); } });

  // --- search by parcel or finding id ---
  function zoomTo(hit) {
    var def = hit.def, sub = hit.layer;
    if (!map.hasLayer(byKey[def.key])) { map.addLayer(byKey[def.key]); }
    if (sub.getBounds) { map.fitBounds(sub.getBounds(), {maxZoom: 17, padding: [40, 40]}); }
    else if (sub.getLatLng) { map.setView(sub.getLatLng(), 17); }
    sub.openPopup();
  }
  var Search = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var box = el("div", "rl-box rl-search");
      var input = el("input");
      input.type = "search"; input.placeholder = UI.search;
      input.setAttribute("aria-label", UI.search);
      var list = el("ul");
      box.appendChild(input);
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      var hits = [];
      function update() {
        var q = input.value.trim().toLowerCase();
        list.textContent = "";
        hits = [];
        if (!q) { return; }
        var exact = [], part = [];
        index.forEach(function (h) {
          var id = h.id.toLowerCase(), extra = h.extra.toLowerCase();
          if (id === q || extra === q) { exact.push(h); }
          else if (id.indexOf(q) >= 0 || extra.indexOf(q) >= 0) { part.push(h); }
        });
        hits = exact.concat(part).slice(0, 20);
        if (!hits.length) { list.appendChild(el("li", null, UI.no_match)); return; }
        hits.forEach(function (h) {
          var li = el("li", null, h.id);
          li.appendChild(el("span", "rl-layer", h.def.name));
          L.DomEvent.on(li, "click", function () { zoomTo(h); });
          list.appendChild(li);
        });
      }
      L.DomEvent.on(input, "input", update);
      L.DomEvent.on(input, "keydown", function (e) {
        if (e.key === "Enter" && hits.length) { zoomTo(hits[0]); }
      });
      return box;
    }
  });
  new Search().addTo(map);

  window.redlineMap = {map: map, layers: byKey, index: index, data: D};
})();
"""


def redline_js() -> str:
    """Return redline's map script (controls, popups, search), safe to inline in ``<script>``."""
    return _script_safe(REDLINE_JS)


def json_for_script(data: Any) -> str:
    """Return JSON that cannot end a ``<script>`` element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
