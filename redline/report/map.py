"""Interactive inspection maps: one self-contained HTML page that opens offline.

The page is built here as text (no folium): Leaflet from the ``xstatic-leaflet``
package and redline's own small controls are inlined, and the data travels as
one JSON document inside ``<script type="application/json">`` with ``<``, ``>``
and ``&`` escaped, so no value can close the element. Every value from the data
reaches the page through ``textContent``; layer names given to Leaflet's layer
control (which takes HTML) are escaped first.

Findings, approvals and supply are always vector and clickable. Context layers
with more than :data:`MAX_VECTOR_FEATURES` features (farmland and basic farmland
of a whole county) are rasterised into a palette PNG in Web Mercator, the
projection Leaflet draws in, and embedded as an image overlay: a county with a
million farmland patches stays a page of a few megabytes that shows in seconds.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from redline.analysis.findings import feature_ids
from redline.errors import CRSError, RedlineError
from redline.io.outputs import generator_meta
from redline.report import assets
from redline.schema import FIELDS
from redline.text import Lang, check_lang, header, layer_name, rule_name, severity_name, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from redline.model import Windows

log = logging.getLogger(__name__)

Basemap = Literal["none", "osm", "tianditu"]

#: Context layers with more features than this are drawn as an image, not vectors.
MAX_VECTOR_FEATURES: Final[int] = 5000
#: Longest side, in pixels, of a rasterised context layer.
RASTER_MAX_PX: Final[int] = 8192
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
    raster_max_px: int | None = None,
    images: Mapping[str, tuple[dict[str, Any], np.ndarray]] | None = None,
) -> str:
    """Build an interactive inspection map as one HTML page.

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
    raster_max_px
        Longest side of such an image; default :data:`RASTER_MAX_PX`.
    images
        Those images already drawn by :func:`image_layers` (for instance beside
        other work), by layer key.

    Returns
    -------
    str
        The HTML page.

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
    vector_max = MAX_VECTOR_FEATURES if max_vector_features is None else max_vector_features
    max_px = RASTER_MAX_PX if raster_max_px is None else raster_max_px

    images = dict(images or {})
    defs: list[dict[str, Any]] = []
    bounds: list[np.ndarray] = []
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
        bounds.append(box)
    if findings is not None and len(findings):
        frame = _drawable(findings, "findings")
        for rule in _rules_in(frame):
            part = frame[frame["rule"].astype(str) == rule]
            layer_def, box = _findings_def(rule, part, lang=lang)
            defs.append(layer_def)
            bounds.append(box)

    page_title = title if title is not None else words(lang).MAP["title"]
    data = {
        "title": page_title,
        "lang": lang,
        "ui": dict(words(lang).MAP),
        "basemap": {"layers": tiles} if tiles else None,
        "bounds": _leaflet_bounds(bounds),
        "severity": SEVERITY_STYLES,
        "layers": defs,
        "legend": _legend(defs, findings, lang=lang),
    }
    return _page(data, title=page_title, lang=lang, offline=offline)


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
        {"url": wmts(labels), "subdomains": "01234567", "attribution": ""},
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
    if len(out):
        out = out.set_geometry(shapely.force_2d(out.geometry.values), crs=frame.crs)
    return out


def _text(series: pd.Series, lang: Lang = "zh") -> list[str]:
    """Values as display strings: dates as ISO, floats without noise, missing as ''."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return [
            "" if pd.isna(v) else (v.date().isoformat() if v == v.normalize() else v.isoformat())
            for v in series
        ]
    if pd.api.types.is_bool_dtype(series):
        yes, no = words(lang).YES_NO
        return [yes if v else no for v in series]
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
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon0, lat0, lon1, lat1 = tr.transform_bounds(x0, y0, x1, y1)
    return np.array([lon0, lat0, lon1, lat1])


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
        "values": [list(row) for row in zip(*texts, strict=True)] if texts else [[]] * len(frame),
        "geoms": _lonlat_geojson(np.asarray(geoms), frame.crs, simplify=simplify),
    }
    return layer_def, _bounds4326(np.asarray(geoms), frame.crs)


def _findings_def(rule: str, frame: gpd.GeoDataFrame, *, lang: Lang) -> tuple[dict[str, Any], Any]:
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
    columns: list[tuple[str, list[str]]] = [
        (header("finding_id", lang), _text(frame["finding_id"])),
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
    layer_def = {
        "key": f"finding:{rule}",
        "name": words(lang).MAP_RULE_LAYER.format(rule=name),
        "kind": "vector",
        "count": len(frame),
        "show": True,
        "interactive": True,
        "style": style,
        "severity": None if rule in AREA_WIDE_RULES else severities,
        "ids": _text(frame["finding_id"]),
        "search": _text(frame["feature_id"]),
        "heads": [name] * len(frame),
        "fields": [c[0] for c in columns],
        "values": [list(row) for row in zip(*(c[1] for c in columns), strict=True)],
        "geoms": _lonlat_geojson(drawn, frame.crs),
        "rule": rule,
        "color": color,
    }
    return layer_def, _bounds4326(geoms, frame.crs)


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
        png, (west, south, east, north) = _rasterize(
            lambda: (_merc(np.asarray(w.geometry.values, dtype=object), disk.crs)
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
        "style": {"fillOpacity": min(1.0, style.get("fillOpacity", 0.5) + 0.2)},
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
    merc = _merc(geoms, crs)
    return _rasterize(lambda: iter([merc]), color=color, max_px=max_px)


def _merc(geoms: Any, crs: Any) -> NDArray[np.object_]:
    """Geometries in Web Mercator."""
    return np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:3857").values)


def _rasterize(windows: Callable[[], Iterator[NDArray[np.object_]]], *, color: str,
               max_px: int) -> tuple[bytes, tuple[float, float, float, float]]:
    """:func:`rasterize_png` of Web Mercator geometries given window by window.

    ``windows()`` is called twice: once for the extent, once to draw.
    """
    from affine import Affine
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.features import rasterize
    from rasterio.io import MemoryFile

    boxes = np.array([shapely.total_bounds(w) for w in windows()])
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
    for merc in windows():
        for start in range(0, len(merc), _RASTER_CHUNK):
            shapes = polygon_shapes(merc[start:start + _RASTER_CHUNK])
            if shapes:
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
    tr = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    west, south = tr.transform(x0, y0)
    east, north = tr.transform(x1, y1)
    return png, (float(west), float(south), float(east), float(north))


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


def _legend(defs: list[dict[str, Any]], findings: gpd.GeoDataFrame | None, *,
            lang: Lang) -> list[dict[str, Any]]:
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


def _page(data: dict[str, Any], *, title: str, lang: Lang, offline: bool) -> str:
    # Geometries are already GeoJSON text: splice them in rather than parse and re-dump.
    geoms = []
    for i, layer_def in enumerate(data["layers"]):
        if "geoms" in layer_def:
            geoms.append("[" + ",".join(layer_def["geoms"]) + "]")
            layer_def["geoms"] = f"@@GEOMS{i}@@"
        else:
            geoms.append("")
    text = assets.json_for_script(data)
    for i, g in enumerate(geoms):
        if g:
            text = text.replace(f'"@@GEOMS{i}@@"', g, 1)
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n{generator_meta()}\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"{assets.head_tags(offline=offline)}\n"
        "</head>\n<body>\n"
        '<div id="redline-map"></div>\n'
        f'<script type="application/json" id="redline-data">{text}</script>\n'
        f"<script>{assets.redline_js()}</script>\n"
        "</body>\n</html>\n"
    )
