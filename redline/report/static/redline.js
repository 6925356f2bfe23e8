/* redline's Leaflet runtime: the layers, popups and controls of an inspection map.
 *
 * Loaded once per page by redline's folium plugins (redline/report/plugins.py), whose
 * scripts call these functions. Every value from the data reaches the page through
 * textContent / createTextNode, never innerHTML; the one Leaflet API that takes HTML
 * (layer names in the layer control) is given escaped text by the Python side.
 */
(function () {
  "use strict";
  if (window.redline) { return; }
  var R = window.redline = {};

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  R.el = el;

  // Constant markup of redline's own icons (no data in it).
  var ICON_FULL = '<svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="#222" ' +
    'stroke-width="2"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"/></svg>';
  var ICON_MEASURE = '<svg width="18" height="18" viewBox="0 0 18 18" fill="none" ' +
    'stroke="#222" stroke-width="1.5"><path d="M1 13L13 1l4 4L5 17z"/>' +
    '<path d="M4 10l2 2M7 7l2 2M10 4l2 2"/></svg>';

  // --- the state of one map ---------------------------------------------------------

  /* Set a map up for redline's layers: one canvas renderer with a click tolerance, the
   * panes of the images, the words of its controls. `window.redlineMap` names the
   * state of the last map set up (the page's only one). */
  R.setup = function (map, opts) {
    var st = map._rl = {
      map: map, ui: opts.ui || {}, lang: opts.lang || "en", severity: opts.severity || {},
      renderer: L.canvas({padding: 0.3, tolerance: 3}), layers: {}, index: [], pending: 0
    };
    var images = map.createPane("rl-raster");  // images of large layers, under every vector
    images.style.zIndex = 350;
    images.style.pointerEvents = "none";
    var marks = map.createPane("rl-marks");  // images of many findings, over the vectors
    marks.style.zIndex = 450;
    marks.style.pointerEvents = "none";
    if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
    L.DomUtil.addClass(map.getContainer(), "rl-map");
    st.pub = window.redlineMap = {map: map, layers: st.layers, index: st.index, loaded: true};
    return st;
  };

  function state(map) {
    return map._rl || R.setup(map, {});
  }

  /* The JSON document of the element with this id. */
  R.data = function (id) {
    return JSON.parse(document.getElementById(id).textContent);
  };

  function fmt(st, x, d) {
    return x.toLocaleString(st.lang === "zh" ? "zh-CN" : "en-US",
      {minimumFractionDigits: d, maximumFractionDigits: d});
  }

  // --- popups and the search index ----------------------------------------------------

  /* The text of column k of feature i: rows of values, or columns (a column may hold
   * codes into a list of distinct values). */
  function cell(def, i, k) {
    if (def.values) { return def.values[i][k]; }
    var col = def.columns[k];
    return col.codes ? col.distinct[col.codes[i]] : col.text[i];
  }

  function popupFor(def, i) {
    var box = el("div", "rl-popup");
    box.appendChild(el("h4", null, def.head || def.name));
    var table = el("table");
    def.fields.forEach(function (label, k) {
      var v = cell(def, i, k);
      if (v === "" || v === null || v === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, v));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function bind(def, i, sub) {
    sub._rl = {def: def, i: i};
    if (!def.interactive) { return; }
    sub.bindTooltip(function () { return el("span", null, def.ids[i]); }, {sticky: true});
    sub.bindPopup(function () { return popupFor(def, i); }, {maxWidth: 420});
  }

  function entry(def, i, layer, bulk) {
    var id = String(def.ids[i]), extra = def.search ? String(def.search[i]) : "";
    return {id: id, extra: extra, low: id.toLowerCase(), extraLow: extra.toLowerCase(),
      def: def, layer: layer, bulk: bulk, i: i};
  }

  function styleOf(st, def, i) {
    var s = Object.assign({renderer: st.renderer}, def.style);
    if (def.severity) { Object.assign(s, st.severity[def.severity[i]] || {}); }
    return s;
  }

  // --- layers ---------------------------------------------------------------------------

  /* Features drawn on the shared canvas, each with its tooltip (id) and popup. */
  R.vector = function (map, def) {
    var st = state(map);
    var features = def.geoms.map(function (g, i) {
      return {type: "Feature", geometry: g, properties: {i: i}};
    });
    var layer = L.geoJSON({type: "FeatureCollection", features: features}, {
      renderer: st.renderer,
      interactive: def.interactive,
      style: function (f) { return styleOf(st, def, f.properties.i); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {renderer: st.renderer, radius: 5});
      },
      onEachFeature: function (f, sub) {
        var i = f.properties.i;
        bind(def, i, sub);
        if (def.interactive) { st.index.push(entry(def, i, sub, null)); }
      }
    });
    st.layers[def.key] = layer;
    return layer;
  };

  /* A layer of too many features to draw one by one, drawn as an image. */
  R.image = function (map, def) {
    var st = state(map);
    var layer = L.imageOverlay("data:image/png;base64," + def.png, def.bounds,
      {opacity: def.opacity, interactive: false, className: "rl-raster", pane: "rl-raster"});
    st.layers[def.key] = layer;
    return layer;
  };

  /* gzip, base64-encoded -> the JSON document it holds (a promise). */
  function inflate(b64) {
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  /* Many features (findings of one rule beyond a few thousand): an image at county zoom,
   * and from `vectorZoom` on the features in view, drawn and clickable like any other.
   * Their geometries and attributes come gzip-compressed; every id is in the search. */
  var Bulk = L.LayerGroup.extend({
    initialize: function (st, def) {
      L.LayerGroup.prototype.initialize.call(this);
      this._st = st;
      this._def = def;
      this._made = {};
      this._count = 0;
      this._image = L.imageOverlay("data:image/png;base64," + def.png, def.bounds,
        {opacity: def.opacity, interactive: false, className: "rl-raster", pane: "rl-marks"});
      this._vectors = L.featureGroup();
      this.addLayer(this._image);
    },
    onAdd: function (map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on("zoomend moveend", this._update, this);
      this._update();
    },
    onRemove: function (map) {
      map.off("zoomend moveend", this._update, this);
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    load: function (doc) {
      var def = this._def, st = this._st;
      Object.assign(def, doc);
      this._decode(doc.geometry);
      for (var i = 0; i < def.count; i++) { st.index.push(entry(def, i, null, this)); }
      this._update();
    },
    _decode: function (g) {
      // Coordinates in 1e-6 degree from the layer's origin, each ring's first vertex
      // absolute and the others as steps from the one before; polygon rings unclosed.
      var n = this._def.count, x0 = g.origin[0], y0 = g.origin[1], xy = g.xy;
      var shapes = new Array(n), boxes = new Float64Array(4 * n);
      var v = 0, ring = 0, part = 0;
      for (var i = 0; i < n; i++) {
        var s = 90, w = 180, no = -90, e = -180, parts = [];
        for (; part < g.parts[i]; part++) {
          var rings = [];
          for (; ring < g.rings[part]; ring++) {
            var pts = [], x = 0, y = 0, first = true;
            for (; v < g.vertices[ring]; v++) {
              x = first ? xy[2 * v] : x + xy[2 * v];
              y = first ? xy[2 * v + 1] : y + xy[2 * v + 1];
              first = false;
              var lat = (y0 + y) / 1e6, lon = (x0 + x) / 1e6;
              pts.push([lat, lon]);
              if (lat < s) { s = lat; } if (lat > no) { no = lat; }
              if (lon < w) { w = lon; } if (lon > e) { e = lon; }
            }
            rings.push(pts);
          }
          parts.push({kind: g.kinds[part], rings: rings});
        }
        shapes[i] = parts;
        boxes[4 * i] = s; boxes[4 * i + 1] = w; boxes[4 * i + 2] = no; boxes[4 * i + 3] = e;
      }
      this._shapes = shapes;
      this._boxes = boxes;
    },
    _update: function () {
      var map = this._map;
      if (!map) { return; }
      var close = this._shapes && map.getZoom() >= this._def.vectorZoom;
      if (close) {
        if (this.hasLayer(this._image)) { this.removeLayer(this._image); }
        if (!this.hasLayer(this._vectors)) { this.addLayer(this._vectors); }
        this._fill(map.getBounds().pad(0.5));
      } else {
        if (this.hasLayer(this._vectors)) { this.removeLayer(this._vectors); }
        if (!this.hasLayer(this._image)) { this.addLayer(this._image); }
      }
    },
    _fill: function (view) {
      if (this._count > 20000) {  // keep the canvas light: drop what was drawn elsewhere
        this._vectors.clearLayers();
        this._made = {};
        this._count = 0;
      }
      var b = this._boxes, s = view.getSouth(), w = view.getWest(), n = view.getNorth(),
        e = view.getEast();
      for (var i = 0; i < this._def.count; i++) {
        if (!this._made[i] && b[4 * i] <= n && b[4 * i + 2] >= s && b[4 * i + 1] <= e &&
            b[4 * i + 3] >= w) {
          this._make(i);
        }
      }
    },
    _make: function (i) {
      var st = this._st, def = this._def, style = styleOf(st, def, i), layers = [];
      var polygons = [], lines = [];
      this._shapes[i].forEach(function (p) {
        if (p.kind === 2) { polygons.push(p.rings); }
        else if (p.kind === 1) { lines.push(p.rings[0]); }
        else { layers.push(L.circleMarker(p.rings[0][0], Object.assign({radius: 5}, style))); }
      });
      if (polygons.length) { layers.push(L.polygon(polygons, style)); }
      if (lines.length) { layers.push(L.polyline(lines, style)); }
      var layer = layers.length === 1 ? layers[0] : L.featureGroup(layers);
      bind(def, i, layer);
      this._made[i] = layer;
      this._count += 1;
      this._vectors.addLayer(layer);
      return layer;
    },
    /* Show feature i at close zoom and open its popup. */
    reveal: function (i) {
      var map = this._st.map;
      if (!map.hasLayer(this)) { map.addLayer(this); }
      var b = this._boxes, bounds = L.latLngBounds([b[4 * i], b[4 * i + 1]],
        [b[4 * i + 2], b[4 * i + 3]]);
      var zoom = Math.max(Math.min(map.getBoundsZoom(bounds, false, L.point(80, 80)), 17),
        this._def.vectorZoom);
      map.setView(bounds.getCenter(), zoom, {animate: false});
      this._update();
      (this._made[i] || this._make(i)).openPopup();
    }
  });

  R.bulk = function (map, def) {
    var st = state(map);
    var layer = new Bulk(st, def);
    st.layers[def.key] = layer;
    st.pending += 1;
    st.pub.loaded = false;
    var done = function () {
      st.pending -= 1;
      st.pub.loaded = st.pending === 0;
    };
    inflate(def.packed).then(function (doc) { layer.load(doc); done(); }, function (err) {
      done();
      if (window.console) { console.warn("redline: " + def.name + ": " + err); }
    });
    return layer;
  };

  // --- controls -------------------------------------------------------------------------

  function control(position, make) {
    var C = L.Control.extend({options: {position: position}, onAdd: make});
    return new C();
  }

  R.title = function (map, text) {
    return control("topleft", function () { return el("div", "rl-box rl-title", text); })
      .addTo(map);
  };

  R.legend = function (map, sections) {
    return control("bottomleft", function () {
      var box = el("div", "rl-box rl-legend");
      L.DomEvent.disableScrollPropagation(box);
      sections.forEach(function (section) {
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
    }).addTo(map);
  };

  R.scale = function (map) {
    return L.control.scale({imperial: false, metric: true, maxWidth: 150}).addTo(map);
  };

  function button(ui, svg, label) {
    var b = el("button", "rl-btn");
    b.innerHTML = svg;  // constant markup
    b.type = "button";
    b.title = label;
    b.setAttribute("aria-label", label);
    return b;
  }

  R.fullscreen = function (map) {
    var ui = state(map).ui;
    return control("topleft", function (m) {
      var bar = el("div", "leaflet-bar");
      var b = button(ui, ICON_FULL, ui.fullscreen);
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
    }).addTo(map);
  };

  // Distance and area on the sphere (approximate; the popups hold the ellipsoidal areas).
  function sphericalArea(ll) {
    var R6 = 6378137, a = 0, n = ll.length, r = Math.PI / 180;
    for (var i = 0; i < n; i++) {
      var p = ll[i], q = ll[(i + 1) % n];
      a += (q.lng - p.lng) * r * (2 + Math.sin(p.lat * r) + Math.sin(q.lat * r));
    }
    return Math.abs(a * R6 * R6 / 2);
  }

  R.measure = function (map) {
    var st = state(map), ui = st.ui;
    var measuring = false, points = [], line = null, out = null;
    function show() {
      var d = 0;
      for (var i = 1; i < points.length; i++) { d += map.distance(points[i - 1], points[i]); }
      var text = ui.distance + " \u2248 " +
        (d >= 1000 ? fmt(st, d / 1000, 3) + " km" : fmt(st, d, 1) + " m");
      if (points.length >= 3) {
        var m2 = sphericalArea(points);
        text += "; " + ui.area + " \u2248 " + fmt(st, m2, 0) + " m\u00B2 = " +
          fmt(st, m2 / (10000 / 15), 2) + " " + ui.mu;
      }
      out.textContent = points.length ? text : ui.measure_hint;
    }
    var c = control("topleft", function (m) {
      var wrap = el("div");
      var bar = el("div", "leaflet-bar");
      var b = button(ui, ICON_MEASURE, ui.measure);
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
        if (measuring) { m.closePopup(); show(); }
      });
      return wrap;
    }).addTo(map);
    map.on("click", function (e) {
      if (!measuring) { return; }
      points.push(e.latlng);
      if (!line) {
        line = L.polyline([], {color: "#000", weight: 2, dashArray: "6 4", interactive: false})
          .addTo(map);
      }
      line.setLatLngs(points.length >= 3 ? points.concat([points[0]]) : points);
      show();
    });
    map.on("popupopen", function () { if (measuring) { map.closePopup(); } });
    return c;
  };

  function zoomTo(st, hit) {
    var map = st.map;
    if (hit.bulk) { hit.bulk.reveal(hit.i); return; }
    var sub = hit.layer, layer = st.layers[hit.def.key];
    if (layer && !map.hasLayer(layer)) { map.addLayer(layer); }
    if (sub.getBounds) { map.fitBounds(sub.getBounds(), {maxZoom: 17, padding: [40, 40]}); }
    else if (sub.getLatLng) { map.setView(sub.getLatLng(), 17); }
    sub.openPopup();
  }

  /* Search by parcel or finding id: exact matches first, then ids containing the text. */
  R.search = function (map) {
    var st = state(map), ui = st.ui;
    return control("topleft", function () {
      var box = el("div", "rl-box rl-search");
      var input = el("input");
      input.type = "search";
      input.placeholder = ui.search;
      input.setAttribute("aria-label", ui.search);
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
        st.index.forEach(function (h) {
          if (h.low === q || h.extraLow === q) { exact.push(h); }
          else if (part.length < 20 && (h.low.indexOf(q) >= 0 || h.extraLow.indexOf(q) >= 0)) {
            part.push(h);
          }
        });
        hits = exact.concat(part).slice(0, 20);
        if (!hits.length) { list.appendChild(el("li", null, ui.no_match)); return; }
        hits.forEach(function (h) {
          var li = el("li", null, h.id);
          li.appendChild(el("span", "rl-layer", h.def.name));
          L.DomEvent.on(li, "click", function () { zoomTo(st, h); });
          list.appendChild(li);
        });
      }
      L.DomEvent.on(input, "input", update);
      L.DomEvent.on(input, "keydown", function (e) {
        if (e.key === "Enter" && hits.length) { zoomTo(st, hits[0]); }
      });
      return box;
    }).addTo(map);
  };
  // --- a batch's overview: counties, the figure shown, the ranking table ------------

  function figureText(st, fig, v) {
    if (v === null || v === undefined) { return st.ui.none; }
    if (fig.kind === "share") { return fmt(st, 100 * v, 1) + " %"; }
    if (fig.kind === "count") { return fmt(st, v, 0); }
    return fmt(st, v, 2) + (fig.unit ? " " + fig.unit : "");
  }

  function classOf(fig, v) {
    if (v === null || v === undefined) { return null; }
    for (var k = 0; k < fig.classes.length; k++) {
      var b = fig.classes[k].upper;
      if (b === null || v < b) { return fig.classes[k]; }
    }
    return fig.classes[fig.classes.length - 1];
  }

  /* A link to a page beside this one: each part of the path encoded, never a scheme. */
  function pageLink(path, text) {
    var a = el("a", null, text);
    a.href = String(path).split("/").map(encodeURIComponent).join("/");
    return a;
  }

  function countyLinks(ui, c) {
    var span = el("span", "rl-links");
    if (c.map) { span.appendChild(pageLink(c.map, ui.map_link)); }
    if (c.map && c.report) { span.appendChild(document.createTextNode(" \u00b7 ")); }
    if (c.report) { span.appendChild(pageLink(c.report, ui.report_link)); }
    return span;
  }

  /* The counties of a batch: outlines named on the map and coloured by the figure picked
   * in the selector, its legend, and the ranking table after the map. */
  R.counties = function (map, def) {
    var st = state(map), ui = st.ui;
    var figs = {};
    def.figures.forEach(function (f) { figs[f.key] = f; });
    var current = def.figures.length ? def.figures[0].key : null;
    var subs = [];

    function fillOf(c) {
      var k = current ? classOf(figs[current], c.values[current]) : null;
      return k ? k.color : def.none_color;
    }
    function styleFor(c) {
      return {renderer: st.renderer, color: "#333", weight: 1.2, fillColor: fillOf(c),
        fillOpacity: 0.75};
    }
    function popup(c) {
      var box = el("div", "rl-popup");
      box.appendChild(el("h4", null, c.name + (c.code ? " (" + c.code + ")" : "")));
      var table = el("table");
      function row(label, text) {
        var tr = el("tr");
        tr.appendChild(el("th", null, label));
        tr.appendChild(el("td", null, text));
        table.appendChild(tr);
      }
      row(ui.status, c.status);
      if (c.rank !== null) { row(ui.rank, fmt(st, c.rank, 0)); }
      def.figures.forEach(function (f) { row(f.label, figureText(st, f, c.values[f.key])); });
      box.appendChild(table);
      box.appendChild(countyLinks(ui, c));
      return box;
    }

    var layer = L.featureGroup();
    def.counties.forEach(function (c, i) {
      if (!c.geom) { subs.push(null); return; }
      var sub = L.geoJSON(c.geom, {renderer: st.renderer, style: function () {
        return styleFor(c);
      }});
      sub.bindPopup(function () { return popup(c); }, {maxWidth: 420});
      sub.bindTooltip(el("span", null, c.name), {permanent: true, direction: "center",
        className: "rl-county-name", interactive: false});
      sub._rl = {county: i};
      layer.addLayer(sub);
      subs.push(sub);
      st.index.push({id: c.name, extra: c.code, low: c.name.toLowerCase(),
        extraLow: c.code.toLowerCase(), def: {key: def.key, name: def.name}, layer: sub,
        bulk: null, i: i});
    });
    st.layers[def.key] = layer;

    // The legend of the figure shown.
    var legendBox = null;
    function legend() {
      if (!legendBox) { return; }
      legendBox.textContent = "";
      var f = figs[current];
      if (!f) { return; }
      legendBox.appendChild(el("h4", null, f.label));
      f.classes.concat([{color: def.none_color, label: ui.none}]).forEach(function (k) {
        var r = el("div", "rl-legend-row");
        var sw = el("span", "rl-swatch");
        sw.style.background = k.color;
        sw.style.borderColor = "#333";
        r.appendChild(sw);
        r.appendChild(el("span", null, k.label));
        legendBox.appendChild(r);
      });
    }
    control("bottomleft", function () {
      legendBox = el("div", "rl-box rl-legend");
      L.DomEvent.disableScrollPropagation(legendBox);
      legend();
      return legendBox;
    }).addTo(map);

    // The selector of the figure shown.
    if (def.figures.length) {
      control("topright", function () {
        var box = el("div", "rl-box rl-figure");
        var label = el("label", null, ui.figure);
        var select = el("select");
        select.setAttribute("aria-label", ui.figure);
        def.figures.forEach(function (f) {
          var o = el("option", null, f.label);
          o.value = f.key;
          select.appendChild(o);
        });
        label.appendChild(select);
        box.appendChild(label);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(select, "change", function () { show(select.value); });
        return box;
      }).addTo(map);
    }

    // The ranking table, after the map.
    var section = el("section", "rl-ranking");
    section.appendChild(el("h3", null, ui.table));
    var table = el("table");
    var thead = el("thead"), tbody = el("tbody");
    table.appendChild(thead);
    table.appendChild(tbody);
    section.appendChild(table);
    var hasRank = def.counties.some(function (c) { return c.rank !== null; });

    function order() {
      var f = figs[current];
      var idx = def.counties.map(function (c, i) { return i; });
      if (!f) { return idx; }
      return idx.sort(function (a, b) {
        var x = def.counties[a].values[f.key], y = def.counties[b].values[f.key];
        if (x === null && y === null) { return a - b; }
        if (x === null) { return 1; }
        if (y === null) { return -1; }
        return (f.worse === "low" ? x - y : y - x) || a - b;
      });
    }
    function fillTable() {
      thead.textContent = "";
      tbody.textContent = "";
      var head = el("tr");
      [ui.order, ui.county, ui.status].concat(hasRank ? [ui.rank] : []).forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      def.figures.forEach(function (f) {
        var th = el("th", f.key === current ? "rl-current" : null, f.label);
        head.appendChild(th);
      });
      head.appendChild(el("th", null, ui.pages));
      thead.appendChild(head);
      order().forEach(function (i, n) {
        var c = def.counties[i];
        var tr = el("tr");
        tr.setAttribute("data-county", String(i));
        tr.appendChild(el("td", "rl-num", String(n + 1)));
        var name = el("td");
        var go = el("button", "rl-county", c.name + (c.code ? " (" + c.code + ")" : ""));
        go.type = "button";
        if (subs[i]) {
          L.DomEvent.on(go, "click", function () {
            map.fitBounds(subs[i].getBounds(), {padding: [20, 20]});
            subs[i].openPopup();
            map.getContainer().scrollIntoView();
          });
        } else { go.disabled = true; }
        name.appendChild(go);
        tr.appendChild(name);
        tr.appendChild(el("td", null, c.status));
        if (hasRank) { tr.appendChild(el("td", "rl-num", c.rank === null ? "" : fmt(st, c.rank, 0))); }
        def.figures.forEach(function (f) {
          var td = el("td", "rl-num" + (f.key === current ? " rl-current" : ""),
            figureText(st, f, c.values[f.key]));
          tr.appendChild(td);
        });
        var links = el("td");
        links.appendChild(countyLinks(ui, c));
        tr.appendChild(links);
        tbody.appendChild(tr);
      });
    }
    function show(key) {
      current = key;
      layer.eachLayer(function (sub) {
        sub.setStyle(styleFor(def.counties[sub._rl.county]));
      });
      legend();
      fillTable();
    }
    fillTable();
    var box = map.getContainer();
    box.parentNode.insertBefore(section, box.nextSibling);
    var b = layer.getBounds();
    if (b.isValid()) { map.fitBounds(b, {padding: [10, 10]}); }
    st.pub.show = show;
    return layer;
  };
})();
