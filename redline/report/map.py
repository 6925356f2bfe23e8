"""Interactive inspection maps, as folium maps: one object for the page, a notebook and more layers.

:func:`build_map` returns a ``folium.Map`` (:class:`~redline.report.plugins.InspectionMap`)
holding the county's layers and findings as redline's folium plugins
(:mod:`redline.report.plugins`): saved, it is one self-contained HTML page that opens
offline; in a notebook it shows inline; a user adds layers of their own with plain
folium calls. The data of each layer travels as one JSON document inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, never through a
template; every value from the data reaches the page through ``textContent``, and layer
names given to Leaflet's layer control (which takes HTML) are escaped first.

Findings, approvals and supply are always clickable. Context layers with more than
:data:`MAX_VECTOR_FEATURES` features (farmland and basic farmland of a whole county) are
rasterised into a palette PNG in Web Mercator, the projection Leaflet draws in, and
embedded as an image: a county with a million farmland patches stays a page of a few
megabytes that shows in seconds. Findings beyond :data:`MAX_VECTOR_FINDINGS` are drawn
the same way at county zoom, their geometries and values carried gzip-compressed, and
drawn one by one, clickable, from :func:`vector_zoom` on; every id stays in the search.
"""

from __future__ import annotations

import base64
import gc
import gzip
import json
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode
from pyproj import Transformer

from redline.analysis.findings import feature_ids
from redline.analysis.kernel import one_ring_polygons
from redline.errors import CRSError, RedlineError
from redline.report import assets
from redline.report.plugins import (
    BulkLayer,
    FullScreen,
    ImageLayer,
    InspectionMap,
    Legend,
    Measure,
    Scale,
    Search,
    Setup,
    Title,
    VectorLayer,
    stable_names,
)
from redline.schema import FIELDS
from redline.text import Lang, check_lang, header, layer_name, rule_name, severity_name, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.model import Windows

log = logging.getLogger(__name__)

Basemap = Literal["none", "osm", "tianditu"]

#: Context layers with more features than this are drawn as an image, not vectors.
MAX_VECTOR_FEATURES: Final[int] = 5000
#: Findings drawn one by one at every zoom; the rules with the most findings beyond this
#: are drawn as images until zoomed in (:func:`vector_zoom`).
MAX_VECTOR_FINDINGS: Final[int] = 5000
#: Longest side, in pixels, of a rasterised layer (about 20 m pixels for a 60 km county).
#: Chromium did not keep an image of 8,192 pixels a side (268 MB decoded) between the
#: tiles it paints: its trace showed the two farmland images decoded 25 times each, and
#: the first frame of a county with many findings took over a minute (BENCHMARKS.md,
#: "Maps"). At 4,096 pixels (67 MB) each is decoded once.
RASTER_MAX_PX: Final[int] = 4096
#: Longest side, in pixels, of the image of one rule's many findings: marks of places to
#: zoom into need less detail than parcels, and six rules must fit beside the farmland.
BULK_MAX_PX: Final[int] = 2048
#: Many findings are drawn one by one from the zoom an image of this many pixels a side
#: would be sharp at (zoom 14 for a 60 km county): close enough that the findings in view
#: stay a few thousand.
FINDINGS_DETAIL_PX: Final[int] = 8192
#: Smallest pixel of a rasterised layer, in Web Mercator metres (about 1.5 m on the ground
#: at 41 N): finer than this shows nothing more of a parcel map at county scale.
RASTER_MIN_PIXEL_M: Final[float] = 2.0
#: Decimal places kept in longitude and latitude: 1e-6 degree is about 0.1 m.
COORD_DECIMALS: Final[int] = 6
#: Simplification of vector context layers for display, in metres of the layer's CRS.
CONTEXT_SIMPLIFY_M: Final[float] = 0.5
#: Features turned into GeoJSON-like mappings at a time when rasterising.
_RASTER_CHUNK: Final[int] = 100_000
#: Environment variable holding the Tianditu (天地图) key.
TIANDITU_KEY_ENV: Final[str] = "TIANDITU_KEY"

#: Roles that stay vector and clickable whatever their size.
_ALWAYS_VECTOR: Final[frozenset[str]] = frozenset({"admin", "approvals", "supply"})
#: Drawing order, bottom to top; unknown layer names go after these, findings last.
_ORDER: Final[tuple[str, ...]] = (
    "farmland", "basic_farmland", "supplement", "changes", "approvals", "supply", "admin",
)
#: Roles drawn without tooltips or popups. On a canvas a polygon catches clicks inside it
#: even when unfilled, so a clickable admin unit would swallow every click in the county.
_NOT_INTERACTIVE: Final[frozenset[str]] = frozenset({"admin"})

# Basic farmland is a deep green, other farmland a pale yellow-green: the two
# must never be confused on the map.
_STYLES: Final[dict[str, dict[str, Any]]] = {
    "admin": {"color": "#333333", "weight": 1.5, "dashArray": "6 3", "fill": False,
              "opacity": 0.9},
    "farmland": {"color": "#a6c85a", "fillColor": "#d9ef8b", "weight": 0.5, "fillOpacity": 0.6},
    "basic_farmland": {"color": "#1a7837", "fillColor": "#1a9850", "weight": 0.5,
                       "fillOpacity": 0.55},
    "approvals": {"color": "#2166ac", "fillColor": "#92c5de", "weight": 1.5, "fillOpacity": 0.25},
    "supply": {"color": "#762a83", "fillColor": "#c2a5cf", "weight": 1.5, "fillOpacity": 0.3},
    "changes": {"color": "#e66101", "fillColor": "#fdb863", "weight": 1, "fillOpacity": 0.35},
    "supplement": {"color": "#8c510a", "fillColor": "#dfc27d", "weight": 1, "fillOpacity": 0.4},
}
_DEFAULT_STYLE: Final[dict[str, Any]] = {
    "color": "#555555", "fillColor": "#bbbbbb", "weight": 1, "fillOpacity": 0.3,
}

#: Fill colour of each rule's findings.
RULE_COLORS: Final[dict[str, str]] = {
    "basic_farmland_encroachment": "#e41a1c",
    "supply_without_approval": "#ff7f00",
    "unapproved_construction": "#984ea3",
    "idle_1y": "#ffd92f",
    "idle_2y": "#a65628",
    "approved_not_supplied": "#377eb8",
    "allocation_misuse": "#f781bf",
    "industrial_negotiated": "#4daf4a",
    "industrial_standard": "#66c2a5",
    "evidence_mismatch": "#999999",
    "criminal_threshold": "#67001f",
    "accountability_ratio": "#000000",
}
_OTHER_RULE_COLOR: Final[str] = "#666666"

#: Rules whose finding is a whole admin unit: drawn as its outline, since a filled county
#: would hide, and on a canvas catch the clicks of, everything under it.
AREA_WIDE_RULES: Final[frozenset[str]] = frozenset({"accountability_ratio"})

#: Outline of a finding by severity: the worse, the darker and thicker.
SEVERITY_STYLES: Final[dict[str, dict[str, Any]]] = {
    "high": {"color": "#67000d", "weight": 3},
    "medium": {"color": "#cb181d", "weight": 2},
    "low": {"color": "#525252", "weight": 1.2},
}


# --- public -------------------------------------------------------------------


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    findings: gpd.GeoDataFrame | None,
    *,
    offline: bool = True,
    basemap: Basemap = "none",
    lang: Lang = "zh",
    title: str | None = None,
    max_vector_features: int | None = None,
    max_vector_findings: int | None = None,
    raster_max_px: int | None = None,
    images: Mapping[str, tuple[dict[str, Any], np.ndarray]] | None = None,
) -> InspectionMap:
    """Build the interactive inspection map as a ``folium.Map``.

    Save it with ``m.save(path)`` (or :func:`map_html`), show it in a notebook, or add
    layers of your own with plain folium calls first. The page opens offline.

    Parameters
    ----------
    layers
        Layer frames by role (``admin``, ``farmland``, ``basic_farmland``,
        ``approvals``, ``supply``, ``changes``, ``supplement``; other names are
        drawn in grey under their own name), as the reader produces them: any
        CRS, canonical fields, ``_problem`` and ``_note``.
    findings
        The findings table (:func:`redline.analysis.findings.make_findings`),
        drawn one layer per rule, coloured by rule, outlined by severity.
    offline
        Inline Leaflet and everything else, so the page needs no network.
        Otherwise Leaflet is linked from a CDN with an integrity hash.
    basemap
        ``"none"``; ``"osm"`` (OpenStreetMap tiles); ``"tianditu"`` (天地图 vector
        tiles and labels, CGCS2000, which line up with the data; the key is read
        from the environment variable ``TIANDITU_KEY``). Tiles need the network.
        GCJ-02 tiles (Gaode/AMap) sit ~500 m off and are not offered.
    lang
        Language of every label.
    title
        Page title; by default a generic one in ``lang``.
    max_vector_features
        Context layers (everything but admin, approvals, supply and findings)
        with more features are drawn as an image; default
        :data:`MAX_VECTOR_FEATURES`.
    max_vector_findings
        Findings drawn one by one at every zoom; the rules beyond (largest counts
        last) are drawn as an image until zoomed in to :func:`vector_zoom`, each
        finding still searchable and clickable then; default
        :data:`MAX_VECTOR_FINDINGS`.
    raster_max_px
        Longest side of an image; default :data:`RASTER_MAX_PX`.
    images
        Images of context layers already drawn by :func:`image_layers` (for
        instance beside other work), by layer key.

    Returns
    -------
    InspectionMap
        A ``folium.Map``.

    Raises
    ------
    RedlineError
        ``basemap="tianditu"`` without ``TIANDITU_KEY`` in the environment, or an
        unknown ``basemap`` / ``lang``.
    CRSError
        A layer without a CRS.
    """
    _check_options(basemap=basemap, lang=lang)
    tiles = _basemap_layers(basemap, lang)
    # The popups' rows and texts are hundreds of thousands of small lists and strings.
    with _collector_paused():
        defs, bounds = _layer_defs(
            layers, findings, lang=lang, images=images or {},
            vector_max=MAX_VECTOR_FEATURES if max_vector_features is None
            else max_vector_features,
            findings_max=MAX_VECTOR_FINDINGS if max_vector_findings is None
            else max_vector_findings,
            max_px=RASTER_MAX_PX if raster_max_px is None else raster_max_px)

    ui = words(lang).MAP
    page_title = title if title is not None else ui["title"]
    m = InspectionMap(title=page_title, lang=lang, offline=offline, prefer_canvas=True,
                      zoom_snap=0.25, location=None if bounds else [35, 105],
                      zoom_start=10 if bounds else 4)
    Setup(ui=dict(ui), lang=lang, severity=SEVERITY_STYLES).add_to(m)
    for tile in tiles:
        folium.TileLayer(tiles=tile["url"], attr=tile["attribution"],
                         subdomains=tile["subdomains"], max_zoom=18, control=False,
                         overlay=True).add_to(m)
    for layer_def in defs:
        label = f"{assets.html_text(layer_def['name'])} ({layer_def['count']})"
        if layer_def["kind"] in ("raster", "bulk"):
            label += " " + assets.html_text(ui[layer_def["kind"]])
        element = {"vector": VectorLayer, "raster": ImageLayer, "bulk": BulkLayer}[
            layer_def["kind"]]
        element(layer_json(layer_def), name=label, show=layer_def["show"]).add_to(m)
    Scale().add_to(m)
    Title(page_title).add_to(m)
    Legend(_legend(defs, lang=lang)).add_to(m)
    FullScreen().add_to(m)
    Measure().add_to(m)
    Search().add_to(m)
    # Listed top layer first; autoZIndex would stack the images by the list, upside down.
    folium.LayerControl(position="topright", collapsed=False, autoZIndex=False,
                        sortLayers=True, sortFunction=JsCode(_TOP_FIRST),  # type: ignore[arg-type]
                        ).add_to(m)
    if bounds:
        m.fit_bounds(bounds, padding=(10, 10))
    stable_names(m.get_root())
    return m


def _layer_defs(layers: Mapping[str, gpd.GeoDataFrame], findings: gpd.GeoDataFrame | None,
                *, lang: Lang, images: Mapping[str, tuple[dict[str, Any], np.ndarray]],
                vector_max: int, findings_max: int, max_px: int
                ) -> tuple[list[dict[str, Any]], list[list[float]] | None]:
    """Return every layer's definition, bottom to top, and the bounds of them all."""
    defs: list[dict[str, Any]] = []
    boxes: list[np.ndarray] = []
    for key in _ordered(layers):
        if key in images:
            layer_def, box = images[key]
        elif _as_image(key, layers[key], vector_max):
            layer_def, box = _raster_def(key, _drawable_geoms(layers[key], key), lang=lang,
                                         max_px=max_px)
        else:
            frame = _drawable(layers[key], key)
            if frame.empty:
                continue
            layer_def, box = _vector_def(key, frame, lang=lang)
        defs.append(layer_def)
        boxes.append(box)
    if findings is not None and len(findings):
        frame = _drawable(findings, "findings")
        rules = _rules_in(frame)
        bulk = _bulk_rules(frame, rules, findings_max)
        for rule in rules:
            part = frame[frame["rule"].astype(str) == rule]
            if rule in bulk:
                layer_def, box = _bulk_def(rule, part, lang=lang, max_px=max_px)
            else:
                layer_def, box = _findings_def(rule, part, lang=lang)
            defs.append(layer_def)
            boxes.append(box)
    return defs, _leaflet_bounds(boxes)


#: Layers in the layer control by the order they were made, the last (top) one first.
_TOP_FIRST: Final[str] = "function (a, b) { return L.stamp(b) - L.stamp(a); }"


def map_html(m: folium.Map) -> str:
    """Return the HTML page of a map (what ``m.save`` writes)."""
    return str(m.get_root().render())


def layer_json(layer_def: dict[str, Any]) -> str:
    """Return a layer's definition as JSON for its data element.

    Geometries are already GeoJSON text: spliced in rather than parsed and dumped again.
    """
    if "geoms" not in layer_def:
        return assets.json_for_script(layer_def)
    rest = {k: v for k, v in layer_def.items() if k != "geoms"}
    rest["geoms"] = "@@GEOMS@@"
    text = assets.json_for_script(rest)
    return text.replace('"@@GEOMS@@"', "[" + ",".join(layer_def["geoms"]) + "]", 1)


def image_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: Lang = "zh",
    max_vector_features: int | None = None,
    raster_max_px: int | None = None,
    spilled: Mapping[str, Windows] | None = None,
) -> dict[str, tuple[dict[str, Any], np.ndarray]]:
    """Draw the layers :func:`build_map` would show as images, ahead of the page.

    The images depend on the input layers only, not on any finding, so a check
    draws them beside its rules and passes them to :func:`build_map` as
    ``images``. Returns each layer's definition and bounds by key; layers drawn
    as vectors are not in it. A layer in ``spilled`` (kept on disk) is drawn
    window by window; it must then be drawn here, as :func:`build_map` sees only
    its empty frame.
    """
    vector_max = MAX_VECTOR_FEATURES if max_vector_features is None else max_vector_features
    max_px = RASTER_MAX_PX if raster_max_px is None else raster_max_px
    sources: dict[str, gpd.GeoDataFrame | Windows] = {**layers, **(spilled or {})}
    return {key: _raster_def(key, source if not isinstance(source, gpd.GeoDataFrame)
                             else _drawable_geoms(source, key), lang=lang, max_px=max_px)
            for key, source in ((k, sources[k]) for k in _ordered(sources))
            if _as_image(key, source, vector_max)}


def has_images(layers: Mapping[str, gpd.GeoDataFrame], *,
               max_vector_features: int | None = None,
               spilled: Mapping[str, Windows] | None = None) -> bool:
    """Whether :func:`build_map` would draw any of ``layers`` (or ``spilled``) as an image."""
    vector_max = MAX_VECTOR_FEATURES if max_vector_features is None else max_vector_features
    return any(_as_image(key, frame, vector_max)
               for key, frame in {**layers, **(spilled or {})}.items())


# --- checks -------------------------------------------------------------------


def _check_options(*, basemap: str, lang: str) -> None:
    if basemap not in ("none", "osm", "tianditu"):
        raise RedlineError(
            f"basemap was {basemap!r} but is expected to be one of 'none', 'osm', 'tianditu'",
            fix="choose one of them (GCJ-02 tiles such as Gaode are not offered: they sit "
                "about 500 m off CGCS2000 data)",
        )
    check_lang(lang)


def _basemap_layers(basemap: Basemap, lang: Lang) -> list[dict[str, str]]:
    if basemap == "none":
        return []
    if basemap == "osm":
        return [{
            "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "subdomains": "abc",
            "attribution": "© OpenStreetMap contributors",
        }]
    key = os.environ.get(TIANDITU_KEY_ENV, "").strip()
    if not key:
        raise RedlineError(
            f"the Tianditu basemap needs a key but the environment variable {TIANDITU_KEY_ENV} "
            "is not set",
            fix=f"set {TIANDITU_KEY_ENV} to your Tianditu (天地图) key, or use --basemap none",
        )
    tk = quote(key, safe="")
    labels = "cva" if lang == "zh" else "eva"

    def wmts(layer: str) -> str:
        return (
            f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={tk}"
        )

    return [
        {"url": wmts("vec"), "subdomains": "01234567", "attribution": "© 天地图 Tianditu"},
        {"url": wmts(labels), "subdomains": "01234567", "attribution": "© 天地图 Tianditu"},
    ]


# --- workers --------------------------------------------------------------------


def _ordered(layers: Mapping[str, Any]) -> list[str]:
    known = [k for k in _ORDER if k in layers]
    return known + [k for k in layers if k not in _ORDER]


def _rules_in(frame: gpd.GeoDataFrame) -> list[str]:
    """Rules present, area-wide ones first so that they are drawn under the others."""
    present = list(dict.fromkeys(frame["rule"].astype(str)))
    ranks = {rule: i for i, rule in enumerate(RULE_COLORS)}
    return sorted(present, key=lambda r: (r not in AREA_WIDE_RULES, ranks.get(r, len(ranks)), r))


def _as_image(key: str, frame: gpd.GeoDataFrame | Windows, vector_max: int) -> bool:
    """Whether a context layer has too many geometries to draw as vectors."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return key not in _ALWAYS_VECTOR and frame.drawable > vector_max
    if key in _ALWAYS_VECTOR or len(frame) <= vector_max:
        return False
    geoms = frame.geometry.values
    return int((~(shapely.is_missing(geoms) | shapely.is_empty(geoms))).sum()) > vector_max


def _require_crs(frame: gpd.GeoDataFrame, key: str) -> None:
    if frame.crs is None and len(frame):
        raise CRSError(f"layer {key!r} has no CRS, so it cannot be placed on the map",
                       fix="set the layer's CRS (the dataset's redline.toml crs = ...)")


def _drawable_geoms(frame: gpd.GeoDataFrame, key: str) -> gpd.GeoSeries:
    """Return the geometries of :func:`_drawable`, without copying the attributes."""
    _require_crs(frame, key)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    return gpd.GeoSeries(geoms, crs=frame.crs)


def _drawable(frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """Rows with a geometry to draw, 2-D; a new frame (the input is not touched)."""
    _require_crs(frame, key)
    geoms = frame.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = frame.loc[keep].copy()
    if len(out) and shapely.has_z(np.asarray(out.geometry.values)).any():
        out = out.set_geometry(shapely.force_2d(out.geometry.values), crs=frame.crs)
    return out


def _text(series: pd.Series, lang: Lang = "zh") -> list[str]:
    """Values as display strings: dates as ISO, floats without noise, missing as ''."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is None:  # whole days written at once
            days = series.to_numpy(dtype="datetime64[ns]")
            whole = ~np.isnat(days) & (days == days.astype("datetime64[D]"))
            text = np.where(whole, np.datetime_as_string(days, unit="D"), "").astype(object)
            rest = ~np.isnat(days) & ~whole
            text[rest] = [v.isoformat() for v in series.iloc[np.flatnonzero(rest)]]
            return list(text)
        return [
            "" if pd.isna(v) else (v.date().isoformat() if v == v.normalize() else v.isoformat())
            for v in series
        ]
    if pd.api.types.is_bool_dtype(series):
        yes, no = words(lang).YES_NO
        return ["" if pd.isna(v) else yes if v else no for v in series]
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        text = np.char.mod("%.6g", values).astype(object)
        text[np.isnan(values)] = ""
        return list(text)
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    text = np.full(len(values), "", dtype=object)
    text[~missing] = [str(v) for v in values[~missing]]
    return list(text)


def _lonlat_geojson(geoms: np.ndarray, crs: Any, *, simplify: float = 0.0) -> list[str]:
    if simplify > 0 and not gpd.GeoSeries(geoms[:1], crs=crs).crs.is_geographic:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    lonlat = gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326").values
    rounded = shapely.transform(np.asarray(lonlat), lambda xy: np.round(xy, COORD_DECIMALS))
    return list(shapely.to_geojson(rounded))


def _bounds4326(geoms: np.ndarray, crs: Any) -> np.ndarray:
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tr = _to_lonlat(crs)
    lon0, lat0, lon1, lat1 = tr.transform_bounds(x0, y0, x1, y1)
    return np.array([lon0, lat0, lon1, lat1])


@lru_cache(maxsize=8)
def _to_lonlat(crs: Any) -> Transformer:
    """Return the transformer from ``crs`` to longitude and latitude, made once per CRS.

    Making one is slow for a Gauss-Kruger CRS (PROJ searches its database each time)
    and every layer of a map asks for the same one.
    """
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


@lru_cache(maxsize=8)
def _to_merc(crs: Any) -> Transformer:
    """Return the transformer from ``crs`` to Web Mercator, made once per CRS."""
    return Transformer.from_crs(crs, "EPSG:3857", always_xy=True)


def _name(key: str, lang: Lang) -> str:
    return layer_name(key, lang)


def _vector_def(key: str, frame: gpd.GeoDataFrame, *, lang: Lang) -> tuple[dict[str, Any], Any]:
    role_fields = FIELDS.get(key, {})  # type: ignore[call-overload]
    columns = [c for c in role_fields if c in frame]
    columns += [c for c in frame.columns if c not in columns and c != frame.geometry.name
                and not str(c).startswith("_")]
    columns += [c for c in ("_problem", "_note") if c in frame]
    labels = {"_problem": words(lang).MAP["problem"], "_note": words(lang).MAP["note"]}
    fields = [labels.get(c) or words(lang).FIELD_NAMES.get(c) or str(c) for c in columns]
    texts = [_text(frame[c], lang) for c in columns]
    simplify = CONTEXT_SIMPLIFY_M if key not in ("approvals", "supply") else 0.0
    geoms = frame.geometry.values
    layer_def = {
        "key": key,
        "name": _name(key, lang),
        "kind": "vector",
        "count": len(frame),
        "show": True,
        "interactive": key not in _NOT_INTERACTIVE,
        "style": _STYLES.get(key, _DEFAULT_STYLE),
        "ids": list(feature_ids(frame, key)),
        "fields": fields,
        "values": list(map(list, zip(*texts, strict=True))) if texts else [[]] * len(frame),
        "geoms": _lonlat_geojson(np.asarray(geoms), frame.crs, simplify=simplify),
    }
    return layer_def, _bounds4326(np.asarray(geoms), frame.crs)


def _finding_rows(rule: str, frame: gpd.GeoDataFrame, *, lang: Lang) -> dict[str, Any]:
    """Return what a rule's findings show: text columns, ids, style; largest finding first."""
    name = rule_name(rule, lang)
    # Largest first: on a canvas the last drawn is on top and gets the click.
    order = np.argsort(-shapely.area(np.asarray(frame.geometry.values)), kind="stable")
    frame = frame.iloc[order]
    layer_names = [_name(v, lang) for v in _text(frame["layer"])]
    codes = _text(frame["admin_code"])
    names = _text(frame["admin_name"]) if "admin_name" in frame else [""] * len(frame)
    admin = [f"{c} {n}".strip() if n != c else c for c, n in zip(codes, names, strict=True)]
    m2 = frame["area_m2"].to_numpy(dtype=np.float64)
    mu = frame["area_mu"].to_numpy(dtype=np.float64)
    severities = _text(frame["severity"])
    ids = _text(frame["finding_id"])
    columns: list[tuple[str, list[str]]] = [
        (header("finding_id", lang), ids),
        (header("rule_name", lang), [name] * len(frame)),
        (header("layer", lang), layer_names),
        (header("feature_id", lang), _text(frame["feature_id"])),
        (header("admin_name", lang), admin),
        (header("area_m2", lang), [format_area(v) for v in m2]),
        (header("area_mu", lang), [format_area(v) for v in mu]),
        (header("severity", lang), [severity_name(s, lang) for s in severities]),
        (header("message", lang), _text(frame["message"])),
        (header("regulation", lang), _text(frame["regulation"])),
        (header("threshold", lang), _text(frame["threshold"])),
        (header("matched", lang), _text(frame["matched"])),
    ]
    color = RULE_COLORS.get(rule, _OTHER_RULE_COLOR)
    geoms = np.asarray(frame.geometry.values)
    style: dict[str, Any] = {"fillColor": color, "fillOpacity": 0.55, "opacity": 1.0}
    drawn = geoms
    if rule in AREA_WIDE_RULES:
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        drawn = np.where(polygonal, shapely.boundary(geoms), geoms)
        style = {"color": color, "weight": 3, "fillOpacity": 0.0, "opacity": 0.9,
                 "dashArray": "10 6"}
    return {
        "layer": {
            "key": f"finding:{rule}",
            "name": words(lang).MAP_RULE_LAYER.format(rule=name),
            "count": len(frame),
            "show": True,
            "interactive": True,
            "style": style,
            "head": name,
            "rule": rule,
            "color": color,
        },
        "severity": None if rule in AREA_WIDE_RULES else severities,
        "ids": ids,
        "search": columns[3][1],
        "columns": columns,
        "geoms": geoms,
        "drawn": drawn,
        "crs": frame.crs,
    }


def _findings_def(rule: str, frame: gpd.GeoDataFrame, *, lang: Lang) -> tuple[dict[str, Any], Any]:
    rows = _finding_rows(rule, frame, lang=lang)
    columns = rows["columns"]
    layer_def = {
        **rows["layer"],
        "kind": "vector",
        "severity": rows["severity"],
        "ids": rows["ids"],
        "search": rows["search"],
        "fields": [c[0] for c in columns],
        "values": list(map(list, zip(*(c[1] for c in columns), strict=True))),
        "geoms": _lonlat_geojson(rows["drawn"], rows["crs"]),
    }
    return layer_def, _bounds4326(rows["geoms"], rows["crs"])


def _bulk_rules(frame: gpd.GeoDataFrame, rules: list[str], budget: int) -> set[str]:
    """Rules whose findings are drawn as images until zoomed in: those beyond ``budget``.

    Rules are kept one by one, from the fewest findings up, while their findings add up
    to at most ``budget``; county-wide rules (outlines) always are.
    """
    counts = frame["rule"].astype(str).value_counts()
    kept = 0
    bulk = set()
    for rule in sorted(rules, key=lambda r: (r not in AREA_WIDE_RULES, counts[r], r)):
        if rule in AREA_WIDE_RULES or kept + counts[rule] <= budget:
            kept += int(counts[rule])
        else:
            bulk.add(rule)
    return bulk


def _bulk_def(rule: str, frame: gpd.GeoDataFrame, *, lang: Lang, max_px: int
              ) -> tuple[dict[str, Any], Any]:
    """Draw a rule's many findings as an image; pack their data gzip-compressed."""
    rows = _finding_rows(rule, frame, lang=lang)
    layer = rows["layer"]
    bulk_px = min(max_px, BULK_MAX_PX)
    merc = _MercPolygons.of(rows["drawn"], rows["crs"])
    png, (west, south, east, north), pixel = _rasterize(
        lambda: iter([merc]), color=layer["color"], max_px=bulk_px)
    doc = {
        "severity": rows["severity"],
        "ids": rows["ids"],
        "search": rows["search"],
        "fields": [c[0] for c in rows["columns"]],
        "columns": [_column(values) for _, values in rows["columns"]],
        "geometry": pack_geometry(_lonlat(rows["drawn"], rows["crs"],
                                          simplify=CONTEXT_SIMPLIFY_M)),
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    packed = base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
    log.info("findings %s: %d drawn as a %d-byte image, %d bytes of data compressed to %d",
             rule, len(frame), len(png), len(text), len(packed))
    layer_def = {
        **layer,
        "kind": "bulk",
        "png": base64.b64encode(png).decode("ascii"),
        "bounds": [[south, west], [north, east]],
        "opacity": 0.8,
        "vectorZoom": vector_zoom(max(pixel * bulk_px / FINDINGS_DETAIL_PX,
                                      RASTER_MIN_PIXEL_M)),
        "packed": packed.decode("ascii"),
    }
    return layer_def, _bounds4326(rows["geoms"], rows["crs"])


def vector_zoom(pixel_m: float) -> int:
    """Zoom from which many findings are drawn one by one, for an image of ``pixel_m`` pixels.

    The first zoom at which a screen pixel is no larger than a pixel of the image (both
    in Web Mercator metres), within 12 to 16.

    Examples
    --------
    >>> vector_zoom(9.7)  # a 60 km county in an 8,192-pixel image
    14
    """
    zoom = math.ceil(math.log2(_MERC_M_PER_PX_Z0 / pixel_m)) if pixel_m > 0 else 16
    return int(min(max(zoom, 12), 16))


#: Web Mercator metres per screen pixel at zoom 0 (256-pixel tiles).
_MERC_M_PER_PX_Z0: Final[float] = 2 * math.pi * 6378137 / 256


def _column(values: list[str]) -> dict[str, Any]:
    """Return a text column as it is, or as codes into its distinct values when they repeat."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) * 4 > len(values):
        return {"text": values}
    code = {v: i for i, v in enumerate(distinct)}
    return {"distinct": distinct, "codes": [code[v] for v in values]}


def _lonlat(geoms: np.ndarray, crs: Any, *, simplify: float = 0.0) -> NDArray[np.object_]:
    if simplify > 0 and not gpd.GeoSeries(geoms[:1], crs=crs).crs.is_geographic:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    return np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326").values)


def pack_geometry(geoms: Any) -> dict[str, Any]:
    """Pack lon/lat geometries into flat integer arrays, as ``redline.bulk`` reads them.

    Coordinates are in 1e-6 degree (about 0.1 m) from ``origin``; each ring's first
    vertex is given whole and the others as steps from the one before, polygon rings
    without their closing vertex. ``parts[i]``, ``rings[p]`` and ``vertices[r]`` are
    where geometry ``i``, part ``p`` and ring ``r`` end; ``kinds[p]`` is 2 for a
    polygon, 1 for a line, 0 for a point.

    Examples
    --------
    >>> import shapely
    >>> g = pack_geometry([shapely.box(1, 2, 1.5, 2.5), shapely.Point(1, 2)])
    >>> g["origin"], g["parts"], g["rings"], g["vertices"], g["kinds"]
    ([1000000, 2000000], [1, 2], [1, 2], [4, 5], [2, 0])
    >>> g["xy"][:8]
    [500000, 0, 0, 500000, -500000, 0, 0, -500000]
    """
    arr = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(arr, return_index=True)
    kinds = shapely.get_type_id(parts)
    is_poly = kinds == shapely.GeometryType.POLYGON
    # Every part as rings: a polygon's rings, a line or a point as one ring of its own.
    poly_rings, poly_of = shapely.get_rings(parts[is_poly], return_index=True)
    rest = np.flatnonzero(~is_poly)
    ring_part = np.concatenate([np.flatnonzero(is_poly)[poly_of], rest])
    rings = np.concatenate([poly_rings, parts[rest]])
    order = np.argsort(ring_part, kind="stable")
    rings, ring_part = rings[order], ring_part[order]
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_ring, minlength=len(rings))
    closed = is_poly[ring_part]
    keep = np.ones(len(coords), dtype=bool)
    keep[(np.cumsum(counts) - 1)[closed & (counts > 0)]] = False  # the closing vertex
    coords, coord_ring = coords[keep], coord_ring[keep]
    counts = np.bincount(coord_ring, minlength=len(rings))
    q = np.round(coords * 1e6).astype(np.int64)
    origin = q.min(axis=0) if len(q) else np.zeros(2, dtype=np.int64)
    q -= origin
    steps = np.diff(q, axis=0, prepend=q[:1])
    starts = np.cumsum(counts) - counts
    starts = starts[counts > 0]
    steps[starts] = q[starts]
    return {
        "origin": origin.tolist(),
        "parts": np.cumsum(np.bincount(part_of, minlength=len(arr))).tolist(),
        "rings": np.cumsum(np.bincount(ring_part, minlength=len(parts))).tolist(),
        "vertices": np.cumsum(counts).tolist(),
        "kinds": np.select([is_poly, kinds == shapely.GeometryType.POINT], [2, 0], 1).tolist(),
        "xy": steps.ravel().tolist(),
    }


def format_area(value: float) -> str:
    """Format an area as popups show it: two decimals, thousands separated.

    Examples
    --------
    >>> format_area(12345.678)
    '12,345.68'
    """
    return "" if not math.isfinite(value) else f"{value:,.2f}"


def _raster_def(
    key: str, geoms: gpd.GeoSeries | Windows, *, lang: Lang, max_px: int
) -> tuple[dict[str, Any], Any]:
    color = _STYLES.get(key, _DEFAULT_STYLE)["fillColor"]
    if isinstance(geoms, gpd.GeoSeries):
        count = len(geoms)
        png, (west, south, east, north) = rasterize_png(geoms.values, geoms.crs, color=color,
                                                        max_px=max_px)
    else:  # a layer on disk, drawn window by window
        disk = geoms
        count = disk.drawable
        png, (west, south, east, north), _ = _rasterize(
            lambda: (_MercPolygons.of(np.asarray(w.geometry.values, dtype=object), disk.crs)
                     for w in disk.windows()), color=color, max_px=max_px)
    log.info("layer %s: %d features drawn as a %d-byte image", key, count, len(png))
    style = _STYLES.get(key, _DEFAULT_STYLE)
    layer_def = {
        "key": key,
        "name": _name(key, lang),
        "kind": "raster",
        "count": count,
        "show": True,
        "interactive": False,
        "style": {"fillColor": color},
        "opacity": min(1.0, style.get("fillOpacity", 0.5) + 0.2),
        "png": base64.b64encode(png).decode("ascii"),
        "bounds": [[south, west], [north, east]],
    }
    return layer_def, np.array([west, south, east, north])


def rasterize_png(
    geoms: Any, crs: Any, *, color: str, max_px: int = RASTER_MAX_PX,
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Draw polygons into a palette PNG in Web Mercator, for a Leaflet image overlay.

    Parameters
    ----------
    geoms
        Shapely geometries in ``crs``.
    crs
        Their CRS.
    color
        ``#rrggbb`` fill; everything else is transparent.
    max_px
        Longest side of the image in pixels.

    Returns
    -------
    tuple
        The PNG bytes and its bounds ``(west, south, east, north)`` in degrees.
    """
    merc = _MercPolygons.of(geoms, crs)
    png, bounds, _ = _rasterize(lambda: iter([merc]), color=color, max_px=max_px)
    return png, bounds


class _MercPolygons:
    """Polygons in Web Mercator as coordinate arrays, ready to be drawn chunk by chunk.

    The rings' coordinates are taken out once and moved to Web Mercator in one
    vectorised pyproj call (the transformer :meth:`geopandas.GeoSeries.to_crs` uses,
    so the same figures), without building Mercator geometries; the GeoJSON-like
    mappings ``rasterio.features.rasterize`` reads are then built from them chunk by
    chunk. Multi-part geometries are split into their polygons; points and lines are
    moved as geometries and passed through as they are.
    """

    def __init__(self, coords: NDArray[np.float64], ring_ends: NDArray[np.int64],
                 poly_ends: NDArray[np.int64], exterior: NDArray[np.bool_],
                 others: NDArray[np.object_]) -> None:
        self.coords, self.ring_ends, self.poly_ends = coords, ring_ends, poly_ends
        self.exterior, self.others = exterior, others

    @classmethod
    def of(cls, geoms: Any, crs: Any) -> _MercPolygons:
        """Take the polygons of ``geoms`` (in ``crs``) to Web Mercator.

        Polygons of one ring, alone or as the one part of a multipolygon (as GeoPackage
        and FileGDB layers store every polygon), are read as they are; the others are
        split into parts and rings. The order they are drawn in does not change the
        picture: every one is burnt with the same value.
        """
        arr = np.asarray(geoms, dtype=object)
        arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
        all_coords = shapely.get_coordinates(arr)
        n_coords = shapely.get_num_coordinates(arr).astype(np.int64)
        one = one_ring_polygons(arr, all_coords, n_coords)
        parts = arr[~one]
        kinds = shapely.get_type_id(parts)
        if (kinds != shapely.GeometryType.POLYGON).any():  # polygons need no copies as parts
            parts = shapely.get_parts(parts)
            kinds = shapely.get_type_id(parts)
        polys = parts[kinds == shapely.GeometryType.POLYGON]
        others = parts[kinds != shapely.GeometryType.POLYGON]
        # A polygon's coordinates are its shell's then its holes'; ring geometries are made
        # only for polygons with holes.
        n_rings = shapely.get_num_interior_rings(polys) + ~shapely.is_empty(polys)
        poly_ends = np.cumsum(n_rings)
        ring_sizes = shapely.get_num_coordinates(polys).astype(np.int64)
        holed = n_rings > 1
        if holed.any():
            rings, ring_poly = shapely.get_rings(polys[holed], return_index=True)
            sizes = np.zeros(int(poly_ends[-1]), dtype=np.int64)
            single = n_rings == 1
            sizes[poly_ends[single] - 1] = ring_sizes[single]
            first = (poly_ends - n_rings)[holed]
            rank = np.arange(len(rings)) - np.searchsorted(ring_poly, ring_poly)
            sizes[first[ring_poly] + rank] = shapely.get_num_coordinates(rings)
            ring_sizes = sizes
        else:
            ring_sizes = ring_sizes[n_rings > 0]
        coords = np.concatenate([all_coords[np.repeat(one, n_coords)],
                                 shapely.get_coordinates(polys)])
        ring_sizes = np.concatenate([n_coords[one], ring_sizes])
        n_rings = np.concatenate([np.ones(int(one.sum()), dtype=np.int64), n_rings])
        poly_ends = np.cumsum(n_rings)
        ring_ends = np.cumsum(ring_sizes)
        exterior = np.zeros(len(ring_ends), dtype=bool)
        exterior[(poly_ends - n_rings)[n_rings > 0]] = True
        to_merc = _to_merc(crs)
        if len(coords):
            x, y = to_merc.transform(coords[:, 0], coords[:, 1])
            coords = np.column_stack([x, y])
        if len(others):
            others = shapely.transform(others, lambda xy: np.column_stack(
                to_merc.transform(xy[:, 0], xy[:, 1])))
        return cls(coords, ring_ends, poly_ends, np.repeat(exterior, ring_sizes), others)

    def __len__(self) -> int:
        return len(self.poly_ends) + len(self.others)

    def bounds(self) -> NDArray[np.float64]:
        """``shapely.total_bounds`` of the Mercator geometries (a polygon's from its shell)."""
        shell = self.coords[self.exterior]
        boxes = [shapely.bounds(self.others)] if len(self.others) else []
        if len(shell):
            boxes.append(np.array([[*shell.min(axis=0), *shell.max(axis=0)]]))
        if not boxes:
            return np.full(4, np.nan)
        both = np.vstack(boxes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            return np.array([*np.nanmin(both[:, :2], axis=0), *np.nanmax(both[:, 2:], axis=0)])

    def shapes(self, chunk: int) -> Iterator[list[Any]]:
        """Yield GeoJSON-like multipolygons of ``chunk`` polygons each, then the other parts.

        ``rasterio.features.rasterize`` draws each part of a multipolygon as a polygon of
        its own, so the picture is that of the polygons one by one; its per-shape checks
        run once per chunk rather than once per polygon. The lists are cut with ``map``
        over slices, not a Python loop per ring.
        """
        n = len(self.poly_ends)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            r0 = int(self.poly_ends[start - 1]) if start else 0
            r1 = int(self.poly_ends[stop - 1])
            if r1 == r0:
                continue
            c0 = int(self.ring_ends[r0 - 1]) if r0 else 0
            c1 = int(self.ring_ends[r1 - 1])
            points = self.coords[c0:c1].tolist()
            ends = self.ring_ends[r0:r1] - c0
            rings = list(map(points.__getitem__, map(slice, np.r_[0, ends[:-1]].tolist(),
                                                     ends.tolist())))
            poly_ends = self.poly_ends[start:stop] - r0
            poly_starts = np.r_[0, poly_ends[:-1]]
            if ((poly_ends - poly_starts) == 1).all():  # no holes, none empty
                polys: list[Any] = list(zip(rings))
            else:
                keep = poly_ends > poly_starts
                polys = list(map(rings.__getitem__, map(
                    slice, poly_starts[keep].tolist(), poly_ends[keep].tolist())))
            yield [{"type": "MultiPolygon", "coordinates": polys}]
        if len(self.others):
            yield list(self.others)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the coordinate lists are built.

    The lists of a chunk (millions of small lists, no cycles among them) would set off
    collections that walk every object alive each time: without them, building and
    drawing them took a third of the time (0.4 + 1.0 s instead of 1.8 + 1.4 s for
    400,000 patches). The popups of a map's layers gain the same way (3.1-3.4 s
    instead of 3.9 s for the dense benchmark county's layers and findings).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _rasterize(windows: Callable[[], Iterator[_MercPolygons]], *, color: str,
               max_px: int) -> tuple[bytes, tuple[float, float, float, float], float]:
    """:func:`rasterize_png` of Web Mercator polygons given window by window.

    ``windows()`` is called twice: once for the extent, once to draw. Also returns the
    side of a pixel in Web Mercator metres.
    """
    from affine import Affine
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.features import rasterize
    from rasterio.io import MemoryFile

    boxes = np.array([w.bounds() for w in windows() if len(w)])
    boxes = boxes[np.isfinite(boxes).all(axis=1)] if len(boxes) else boxes
    if len(boxes):
        x0, y0 = float(boxes[:, 0].min()), float(boxes[:, 1].min())
        x1, y1 = float(boxes[:, 2].max()), float(boxes[:, 3].max())
    else:
        x0 = y0 = x1 = y1 = float("nan")
    pixel = max((x1 - x0) / max_px, (y1 - y0) / max_px, RASTER_MIN_PIXEL_M)
    width = max(1, math.ceil((x1 - x0) / pixel))
    height = max(1, math.ceil((y1 - y0) / pixel))
    x1, y0 = x0 + width * pixel, y1 - height * pixel
    image = np.zeros((height, width), dtype=np.uint8)
    # In chunks: the GeoJSON-like mappings of a million patches would take gigabytes.
    with _collector_paused():
        for merc in windows():
            for shapes in merc.shapes(_RASTER_CHUNK):
                rasterize(shapes, out=image, transform=Affine(pixel, 0, x0, 0, -pixel, y1),
                          default_value=1, all_touched=True)
    rgb = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    with MemoryFile() as memfile, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memfile.open(driver="PNG", width=width, height=height, count=1,
                          dtype="uint8", nodata=0, ZLEVEL=6) as dst:
            dst.write(image, 1)
            dst.write_colormap(1, {0: (0, 0, 0, 0), 1: (*rgb, 255)})
        png = memfile.read()
    tr = _to_lonlat("EPSG:3857")
    west, south = tr.transform(x0, y0)
    east, north = tr.transform(x1, y1)
    return png, (float(west), float(south), float(east), float(north)), pixel


def polygon_shapes(geoms: Any) -> list[Any]:
    """GeoJSON-like polygons for ``rasterio.features.rasterize``, built over arrays.

    rasterio converts shapely geometries one by one through ``__geo_interface__``
    (about 15 us each: 15 s for a million patches); building the mappings from
    coordinate arrays is several times faster. Multi-part geometries are split
    into their polygons; points and lines are passed through as they are.
    """
    arr = np.asarray(geoms, dtype=object)
    parts = shapely.get_parts(arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))])
    kinds = shapely.get_type_id(parts)
    polys = parts[kinds == shapely.GeometryType.POLYGON]
    others = list(parts[kinds != shapely.GeometryType.POLYGON])
    if not len(polys):
        return others
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    with _collector_paused():
        points = coords.tolist()
        ring_ends = np.cumsum(np.bincount(coord_ring, minlength=len(rings))).tolist()
        ring_lists = [points[a:b] for a, b in zip([0, *ring_ends[:-1]], ring_ends, strict=True)]
        poly_ends = np.cumsum(np.bincount(ring_poly, minlength=len(polys))).tolist()
        shapes: list[Any] = [
            {"type": "Polygon", "coordinates": ring_lists[a:b]}
            for a, b in zip([0, *poly_ends[:-1]], poly_ends, strict=True) if b > a
        ]
    return shapes + others


def _leaflet_bounds(boxes: list[np.ndarray]) -> list[list[float]] | None:
    if not boxes:
        return None
    arr = np.vstack(boxes)
    arr = arr[np.isfinite(arr).all(axis=1)]
    if not len(arr):
        return None
    return [[float(arr[:, 1].min()), float(arr[:, 0].min())],
            [float(arr[:, 3].max()), float(arr[:, 2].max())]]


def _legend(defs: list[dict[str, Any]], *, lang: Lang) -> list[dict[str, Any]]:
    context = [
        {"label": d["name"], "fill": d["style"].get("fillColor", "")
         if d["style"].get("fill", True) else "",
         "stroke": d["style"].get("color", "")}
        for d in defs if not d["key"].startswith("finding:")
    ]
    for row, d in zip(context, [d for d in defs if not d["key"].startswith("finding:")],
                      strict=True):
        if d["kind"] == "raster":
            row["fill"] = _STYLES.get(d["key"], _DEFAULT_STYLE)["fillColor"]
            row["stroke"] = ""
    rules = [
        {"label": f"{rule_name(d['rule'], lang)} ({d['count']})",
         "fill": "" if d["rule"] in AREA_WIDE_RULES else d["color"],
         "stroke": d["color"] if d["rule"] in AREA_WIDE_RULES else ""}
        for d in defs if d["key"].startswith("finding:")
    ]
    sections = []
    if rules:
        sections.append({"title": words(lang).MAP["findings"], "rows": rules})
        sections.append({"title": words(lang).MAP["severity"], "rows": [
            {"label": severity_name(s, lang), "fill": "", "stroke": style["color"]}
            for s, style in SEVERITY_STYLES.items()
        ]})
    if context:
        sections.append({"title": words(lang).MAP["layers"], "rows": context})
    return sections
