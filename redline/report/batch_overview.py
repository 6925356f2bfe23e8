"""A batch's overview page: the page a city office opens first, as a folium map.

Every county on one map with its name, coloured by a figure the reader picks (violation
share, high-severity findings, findings, idle land, farmland against its target, quota
use), the ranking table of every county's figures below it, and links to each county's
map.html and report.html. :func:`overview_map` returns the ``folium.Map``
(:class:`~redline.report.plugins.InspectionMap`, offline: Leaflet inlined, no URL
loaded); :func:`overview_page` its HTML. The counties travel as one JSON document read
by the runtime's ``redline.counties`` (:class:`~redline.report.plugins.CountyLayer`):
every name and value reaches the page through ``textContent``.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from redline.report import assets
from redline.report.plugins import CountyLayer, FullScreen, InspectionMap, Scale, Setup, Title
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


#: Violation-ratio classes (upper bounds) and colours; the accountability line (15 %,
#: 《违反土地管理规定行为处分办法》令15号) is one.
RATIO_CLASSES: Final[tuple[tuple[float, str], ...]] = (
    (0.05, "#fee5d9"), (0.10, "#fcae91"), (0.15, "#fb6a4a"), (float("inf"), "#a50f15"),
)
#: Quota-use classes: most of the year's quota, all of it, over it.
QUOTA_CLASSES: Final[tuple[tuple[float, str], ...]] = (
    (0.8, "#deebf7"), (1.0, "#9ecae1"), (float("inf"), "#de2d26"),
)
#: Farmland against its target: a shortfall, or at or above the target.
MARGIN_CLASSES: Final[tuple[tuple[float, str], ...]] = (
    (0.0, "#d7301f"), (float("inf"), "#41ab5d"),
)
#: Colour ramps of figures classed by their spread over the counties (quartiles).
_RAMPS: Final[dict[str, tuple[str, ...]]] = {
    "reds": ("#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"),
    "oranges": ("#feedde", "#fdbe85", "#fd8d3c", "#d94701"),
    "purples": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#6a51a3"),
}
NO_DATA_COLOR: Final[str] = "#bdbdbd"


def ratio_color(ratio: float | None) -> str:
    """Fill colour of a county on the overview map by its violation ratio."""
    return _class_color(ratio, RATIO_CLASSES)


def _class_color(value: float | None, classes: tuple[tuple[float, str], ...]) -> str:
    if value is None or not np.isfinite(value):
        return NO_DATA_COLOR
    for bound, color in classes:
        if value < bound:
            return color
    return classes[-1][1]


@dataclass(frozen=True)
class OverviewFigure:
    """A figure the overview map can be coloured by.

    ``column`` is the county's summary.csv column; ``kind`` says how it reads
    (``share`` 0-1, ``count``, ``ha``); ``worse`` which end ranks last (``high`` or
    ``low``); ``classes`` fixed class bounds and colours, or ``None`` to class the
    counties by quartiles in ``ramp``.
    """

    column: str
    kind: str
    worse: str = "high"
    classes: tuple[tuple[float, str], ...] | None = None
    ramp: str = "reds"


#: The figures, in the selector's order; the first with a value is shown first.
FIGURES: Final[tuple[OverviewFigure, ...]] = (
    OverviewFigure("illegal_share", "share", classes=RATIO_CLASSES),
    OverviewFigure("findings_high_count", "count", ramp="reds"),
    OverviewFigure("findings", "count", ramp="oranges"),
    OverviewFigure("idle_ha", "ha", ramp="purples"),
    OverviewFigure("farmland_margin_ha", "ha", worse="low", classes=MARGIN_CLASSES),
    OverviewFigure("quota_used_share", "share", classes=QUOTA_CLASSES),
)


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _quartile_classes(values: list[float], ramp: str) -> tuple[tuple[float, str], ...]:
    """Return class bounds at the quartiles of ``values`` (distinct), coloured by ``ramp``."""
    bounds = sorted({float(b) for b in np.quantile(values, [0.25, 0.5, 0.75])
                     if b > min(values)})
    colors = _RAMPS[ramp][-(len(bounds) + 1):]
    return tuple(zip([*bounds, float("inf")], colors, strict=True))


def _format(value: float, kind: str) -> str:
    if kind == "share":
        return f"{100 * value:g} %"
    if kind == "count":
        return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    return f"{value:,.2f}"


def _class_rows(classes: tuple[tuple[float, str], ...], kind: str,
                lang: Lang) -> list[dict[str, Any]]:
    """Return the legend rows of a figure's classes: ``{"upper", "color", "label"}``."""
    rows: list[dict[str, Any]] = []
    low: float | None = None
    for k, (bound, color) in enumerate(classes):
        upper = bound if np.isfinite(bound) else None
        if len(classes) == 1:
            label = words(lang).BATCH_MAP["all"]
        elif k == 0:
            label = f"< {_format(bound, kind)}"
        elif upper is None:
            label = f"\u2265 {_format(low or 0.0, kind)}"
        else:
            label = f"{_format(low or 0.0, kind)} \u2013 {_format(bound, kind)}"
        rows.append({"upper": upper, "color": color, "label": label})
        low = bound
    return rows


def overview_map(counties: list[dict[str, Any]], *, lang: Lang,
                 as_of: datetime.date | None = None,
                 made: datetime.date | None = None) -> InspectionMap:
    """Build a batch's overview page as a ``folium.Map``.

    ``counties`` holds, per county, ``name``, ``code``, ``status``, ``outline`` (GeoJSON
    in lon/lat, :func:`county_outline`, or None: the county is then in the table only),
    ``map`` and ``report`` (paths of its map.html and report.html from the page, or
    None), ``rank`` (its rank in summary.csv, or None) and ``figures``: its summary.csv
    values by column (the columns of :data:`FIGURES`; missing or blank ones read as no
    data). ``as_of`` is the date the checks were made at, ``made`` the page's date
    (today by default); the title carries both.
    """
    ui = words(lang).BATCH_MAP
    made = made or datetime.date.today()
    title = ui["title"]
    dated = ui["made"].format(date=made.isoformat())
    if as_of is not None:
        dated = ui["as_of"].format(date=as_of.isoformat()) + " \u00b7 " + dated
    figures = []
    for fig in FIGURES:
        values = [v for c in counties
                  if (v := _number((c.get("figures") or {}).get(fig.column))) is not None]
        if not values:
            continue
        classes = fig.classes or _quartile_classes(values, fig.ramp)
        figures.append({"key": fig.column, "label": ui[fig.column], "kind": fig.kind,
                        "unit": ui["ha"] if fig.kind == "ha" else "", "worse": fig.worse,
                        "classes": _class_rows(classes, fig.kind, lang)})
    shown = [f["key"] for f in figures]
    data = {
        "key": "counties",
        "name": ui["counties"],
        "figures": figures,
        "none_color": NO_DATA_COLOR,
        "counties": [{
            "name": str(c["name"]), "code": str(c.get("code") or ""),
            "status": str(c.get("status") or ""),
            "values": {k: _number((c.get("figures") or {}).get(k)) for k in shown},
            "rank": _number(c.get("rank")),
            "map": c.get("map"), "report": c.get("report"), "geom": c.get("outline"),
        } for c in counties],
    }
    m = InspectionMap(title=f"{title} ({dated})", lang=lang, offline=True, height="62%",
                      zoom_snap=0.25, location=[35, 105], zoom_start=4)
    Setup(ui=dict(ui), lang=lang, severity={}).add_to(m)
    CountyLayer(assets.json_for_script(data), name=assets.html_text(ui["counties"])).add_to(m)
    Title(f"{title}\n{dated}").add_to(m)
    Scale().add_to(m)
    FullScreen().add_to(m)
    return m


def overview_page(counties: list[dict[str, Any]], *, lang: Lang,
                  as_of: datetime.date | None = None,
                  made: datetime.date | None = None) -> str:
    """Return the HTML of a batch's overview page (:func:`overview_map`, saved)."""
    return str(overview_map(counties, lang=lang, as_of=as_of, made=made).get_root().render())
