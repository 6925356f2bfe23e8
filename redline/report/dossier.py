"""The field dossier (dossier.html): one printed page per case, for the inspector's folder.

Each case's page holds a map of the case and what surrounds it (basic farmland,
approvals, supply, change patches: an inline SVG drawn from the geometries, so it needs
no network and prints sharp), its boundary points as a coordinate table (J1, J2... X the
northing and Y the easting, as in the land-boundary coordinate files: from the
north-western point, clockwise, each ring closed by its first point), its areas, ids,
what was found, the regulation, and a blank verdict box to fill in on paper.

The page is self-contained (a Content-Security-Policy allows nothing to be fetched)
and every value from the data goes through :func:`html.escape`. Each case is a
``<section>`` one printable A4 page high followed by a page break (CSS ``break-after:
page``), and its map takes whatever height the facts, findings and coordinate table leave
(a flex column), so a case with many findings still prints on one page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.polygon import orient

from redline.io.outputs import generator_meta
from redline.text import Lang, rule_name, words

#: Width and height of a case's map, in SVG units (the page scales it to the paper).
MAP_W: Final[float] = 640.0
MAP_H: Final[float] = 330.0
#: Rows of one column of the coordinate table; longer boundaries continue in a next column.
POINT_ROWS: Final[int] = 16

#: How each surrounding layer is drawn: fill, stroke.
_STYLE: Final[dict[str, tuple[str, str]]] = {
    "basic_farmland": ("#c8e6c9", "#2e7d32"),
    "approvals": ("#bbdefb", "#1565c0"),
    "supply": ("#fff59d", "#f9a825"),
    "changes": ("none", "#8e24aa"),
}

_CSS: Final[str] = """
@page{size:A4;margin:12mm}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;color:#222;
margin:0;font-size:11px;line-height:1.35}
section.case{break-after:page;page-break-after:always;padding:0;height:270mm;
display:flex;flex-direction:column}
section.case>*{flex:none}
section.case>.mapbox{flex:1 1 0;min-height:35mm}
section.case:last-of-type{break-after:auto;page-break-after:auto}
h1{font-size:16px;margin:0 0 4px;border-bottom:2px solid #c0392b}
h2{font-size:12px;margin:6px 0 2px}
table{border-collapse:collapse;font-size:10px}
th,td{border:1px solid #999;padding:1px 4px;vertical-align:top;text-align:left}
th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.facts td:first-child{font-weight:bold;white-space:nowrap;width:22%}
.facts{width:100%}
.points{display:flex;gap:6px;flex-wrap:wrap}
svg.map{width:100%;height:100%;border:1px solid #999;display:block;box-sizing:border-box}
.legend span{display:inline-block;margin-right:10px}
.legend i{display:inline-block;width:10px;height:10px;border:1px solid #555;margin-right:3px;
vertical-align:middle}
.verdict{border:2px solid #222;padding:6px;margin-top:6px}
.verdict td{border:1px solid #555;height:22px}
.verdict td.label{width:22%;font-weight:bold}
.msg{margin:0;padding-left:16px}
"""


def _e(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def boundary_points(geom: shapely.Geometry) -> list[tuple[str, int, float, float]]:
    """Return the boundary points of a polygon as ``(point, ring, X, Y)``: X northing, Y easting.

    Each shell clockwise and each hole anticlockwise as seen on a map, from its
    north-western point, closed by repeating its first point (as in a land-boundary
    coordinate file, :mod:`redline.io.coordtxt`); points are numbered J1, J2... over
    the whole geometry and rings 1, 2...

    Examples
    --------
    >>> pts = boundary_points(shapely.box(0, 0, 10, 5))
    >>> [(p, x, y) for p, _, x, y in pts]
    [('J1', 5.0, 0.0), ('J2', 5.0, 10.0), ('J3', 0.0, 10.0), ('J4', 0.0, 0.0), ('J1', 5.0, 0.0)]
    """
    polys = [geom] if shapely.get_type_id(geom) == 3 else [
        g for g in shapely.get_parts(geom) if shapely.get_type_id(g) == 3]
    out: list[tuple[str, int, float, float]] = []
    number, ring_no = 1, 1
    for part in polys:
        poly = orient(part, sign=-1.0)
        for ring in (poly.exterior, *poly.interiors):
            pts = np.asarray(ring.coords)[:-1, :2]
            first = int(np.argmax(pts[:, 1] - pts[:, 0]))  # most north and west
            pts = np.vstack([pts[first:], pts[:first]])
            for i, (x, y) in enumerate(pts):
                out.append((f"J{number + i}", ring_no, float(y), float(x)))
            out.append((f"J{number}", ring_no, float(pts[0, 1]), float(pts[0, 0])))
            number += len(pts)
            ring_no += 1
    return out


def _path(geom: shapely.Geometry, to_px: tuple[float, float, float]) -> str:
    """SVG path data of a (multi)polygon's rings in pixels."""
    x0, y1, scale = to_px
    parts = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            px = (xy[:, 0] - x0) * scale
            py = (y1 - xy[:, 1]) * scale
            parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
                         + "Z")
    return "".join(parts)


def _nice(length: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 times a power of ten) under ``length``."""
    if length <= 0:
        return 0.0
    power = 10 ** np.floor(np.log10(length))
    return float(max(m * power for m in (1, 2, 5) if m * power <= length))


def map_box(geom: shapely.Geometry, *, projected: bool) -> tuple[float, float, float, float]:
    """Return the extent a case's map shows: the case, a margin, the picture's proportions."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    pad = max(maxx - minx, maxy - miny) * 0.6 + (50.0 if projected else 0.0005)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(MAP_W / (maxx - minx), MAP_H / (maxy - miny))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2  # the case in the middle
    half_w, half_h = MAP_W / scale / 2, MAP_H / scale / 2
    return (float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h))


def _evidence_png(shares: np.ndarray) -> str:
    """Return a built-up share grid (0-1, NaN where none) as a brown PNG ``data:`` URI."""
    import base64
    import io

    from matplotlib import image

    rgba = np.zeros((*shares.shape, 4), dtype=float)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = 0.47, 0.27, 0.10
    rgba[..., 3] = np.where(np.isfinite(shares), np.nan_to_num(shares) * 0.7, 0.0)
    buf = io.BytesIO()
    image.imsave(buf, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def case_map(geom: shapely.Geometry, context: Mapping[str, gpd.GeoDataFrame],
             points: Sequence[tuple[str, int, float, float]], lang: Lang, *,
             projected: bool, evidence: np.ndarray | None = None) -> str:
    """Return an inline SVG map of a case (red) over what surrounds it, with a scale bar.

    ``evidence`` is the evidence raster's built-up share over :func:`map_box` (drawn
    under the layers, brown by share).
    """
    w = words(lang).FIELDWORK
    box = map_box(geom, projected=projected)
    scale = MAP_W / (box[2] - box[0])
    x0, y1 = box[0], box[3]
    to_px = (x0, y1, scale)
    layers = []
    if evidence is not None and evidence.size and np.isfinite(evidence).any():
        layers.append(f'<image class="evidence" x="0" y="0" width="{MAP_W:g}" '
                      f'height="{MAP_H:g}" preserveAspectRatio="none" '
                      'style="image-rendering:pixelated" '
                      f'href="{_evidence_png(evidence)}"/>')
    for role, (fill, stroke) in _STYLE.items():
        frame = context.get(role)
        if frame is None or frame.empty:
            continue
        geoms = frame.geometry.to_numpy()
        hits = shapely.STRtree(geoms).query(shapely.box(*box))
        if not len(hits):
            continue
        clipped = shapely.clip_by_rect(geoms[np.sort(hits)], *box)
        d = "".join(_path(g, to_px) for g in clipped if g is not None and not g.is_empty)
        if d:
            layers.append(f'<path class="{role}" d="{d}" fill="{fill}" fill-opacity="0.75" '
                          f'stroke="{stroke}" stroke-width="1" fill-rule="evenodd"/>')
    layers.append(f'<path class="case" d="{_path(geom, to_px)}" fill="#c0392b" '
                  'fill-opacity="0.25" stroke="#c0392b" stroke-width="2.5" '
                  'fill-rule="evenodd"/>')
    if len(points) <= 60:
        for name, _, x, y in points:
            px, py = (y - x0) * scale, (y1 - x) * scale
            layers.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#c0392b"/>'
                          f'<text x="{px + 4:.1f}" y="{py - 3:.1f}" font-size="10" '
                          f'fill="#000">{_e(name)}</text>')
    if projected:
        bar = _nice(MAP_W / scale / 4)
        px = bar * scale
        layers.append(f'<g class="scale"><rect x="10" y="{MAP_H - 16}" width="{px:.1f}" '
                      f'height="4" fill="#222"/><text x="10" y="{MAP_H - 20}" font-size="10">'
                      f"{_e(w['scale'].format(m=bar))}</text></g>")
    layers.append(f'<text x="{MAP_W - 16}" y="20" font-size="14" font-weight="bold">N</text>'
                  f'<path d="M{MAP_W - 12},24 l-5,12 l5,-3 l5,3 z" fill="#222"/>')
    return (f'<svg class="map" viewBox="0 0 {MAP_W:g} {MAP_H:g}" '
            'xmlns="http://www.w3.org/2000/svg" role="img">'
            f'<rect width="{MAP_W:g}" height="{MAP_H:g}" fill="#fafafa"/>'
            + "".join(layers) + "</svg>")


def _legend(context: Mapping[str, gpd.GeoDataFrame], lang: Lang, *, evidence: bool) -> str:
    w = words(lang).FIELDWORK
    items = [f'<span><i style="background:#c0392b55;border-color:#c0392b"></i>'
             f"{_e(w['legend_case'])}</span>"]
    if evidence:
        items.append('<span><i style="background:#784519b3;border-color:#784519"></i>'
                     f"{_e(w['legend_evidence'])}</span>")
    for role, (fill, stroke) in _STYLE.items():
        if role in context and not context[role].empty:
            colour = "transparent" if fill == "none" else fill
            items.append(f'<span><i style="background:{colour};border-color:{stroke}"></i>'
                         f"{_e(w['legend_' + role])}</span>")
    return f'<div class="legend">{"".join(items)}</div>'


def _points_table(points: Sequence[tuple[str, int, float, float]], lang: Lang, *,
                  digits: int) -> str:
    w = words(lang).FIELDWORK
    tables = []
    for start in range(0, len(points), POINT_ROWS):
        rows = "".join(f"<tr><td>{_e(p)}</td><td class=\"n\">{ring}</td>"
                       f"<td class=\"n\">{x:.{digits}f}</td><td class=\"n\">{y:.{digits}f}</td>"
                       "</tr>" for p, ring, x, y in points[start:start + POINT_ROWS])
        tables.append(f"<table><tr><th>{_e(w['point'])}</th><th>#</th><th>X</th><th>Y</th>"
                      f"</tr>{rows}</table>")
    return f'<div class="points">{"".join(tables)}</div>'


def render_dossier(cases: gpd.GeoDataFrame, findings: pd.DataFrame,
                   context: Mapping[str, gpd.GeoDataFrame], *, title: str,
                   lang: Lang = "zh",
                   evidence: Mapping[str, np.ndarray | None] | None = None) -> str:
    """Render the field dossier: one page per case.

    Parameters
    ----------
    cases
        :func:`redline.analysis.cases.group_cases` output (rows in page order).
    findings
        The findings of the run (``finding_id``, ``rule``, ``message``), for what was
        found on each case.
    context
        Surrounding layers by role (``basic_farmland``, ``approvals``, ``supply``,
        ``changes``) in the cases' CRS; missing roles are not drawn.
    title
        The page title.
    lang
        Language of the labels.
    evidence
        Case id -> the evidence raster's built-up share (0-1) over the case's
        :func:`map_box`, drawn under the map's layers; none drawn for a case missing.

    Returns
    -------
    str
        The HTML text.
    """
    w = words(lang).FIELDWORK
    heads = words(lang).CASE_HEADERS
    crs = CRS.from_user_input(cases.crs) if cases.crs is not None else None
    projected = bool(crs is not None and crs.is_projected)
    crs_name = crs.name if crs is not None else ""
    digits = 3 if projected else 7
    messages = dict(zip(findings["finding_id"].astype(str),
                        findings["message"].astype(str), strict=True)) \
        if len(findings) and "message" in findings else {}
    rules = dict(zip(findings["finding_id"].astype(str), findings["rule"].astype(str),
                     strict=True)) if len(findings) else {}
    context = {role: frame for role, frame in context.items() if frame is not None}
    evidence = evidence or {}
    pages = []
    total = len(cases)
    for n, case in enumerate(cases.itertuples(index=False), start=1):
        geom = case.geometry
        points = boundary_points(geom)
        ids = str(case.finding_ids).split(";")
        found = "".join(f"<li>{_e(rule_name(rules.get(i, ''), lang))} — {_e(messages.get(i, ''))}"
                        f" <small>({_e(i)})</small></li>" for i in ids)
        facts = [
            (heads["admin_name"], f"{_e(case.admin_name)} ({_e(case.admin_code)})"),
            (heads["area_m2"], _e(w["areas"].format(m2=float(case.area_m2),
                                                    mu=float(case.area_mu)))),
            (f"{heads['lon']} / {heads['lat']}", f"{float(case.lon):.6f}, {float(case.lat):.6f}"),
            (heads["rules"], _e("；".join(rule_name(r, lang) for r in str(case.rules).split(";")))),
            (w["ids"], _e(f"{case.finding_ids} | {case.features}")),
            (w["regulation"], _e(case.regulation)),
        ]
        if getattr(case, "previous_verdict", ""):
            facts.append((w["previous_verdict"], _e(case.previous_verdict)))
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in facts)
        box = "".join(f'<tr><td class="label">{_e(heads[k])}</td><td>'
                      f"{_e(w['verdict_choices']) if k == 'verdict' else ''}</td></tr>"
                      for k in ("verdict", "case_no", "note"))
        box += f'<tr><td class="label">{_e(w["signature"])}</td><td></td></tr>'
        pages.append(
            f'<section class="case" id="case-{_e(case.case_id)}">'
            f"<h1>{_e(w['case'].format(case_id=case.case_id))} "
            f"<small>{_e(w['of'].format(n=n, total=total))}</small></h1>"
            f'<table class="facts">{rows}</table>'
            f"<h2>{_e(w['map'])}</h2>"
            + '<div class="mapbox">'
            + case_map(geom, context, points, lang, projected=projected,
                       evidence=evidence.get(str(case.case_id)))
            + "</div>"
            + _legend(context, lang, evidence=evidence.get(str(case.case_id)) is not None)
            + f"<h2>{_e(w['messages'])}</h2><ul class=\"msg\">{found}</ul>"
            f"<h2>{_e(w['points'].format(crs=crs_name))}</h2>"
            + _points_table(points, lang, digits=digits)
            + f'<div class="verdict"><h2>{_e(w["verdict_box"])}</h2><table style="width:100%">'
            f"{box}</table></div></section>")
    body = "\n".join(pages) if pages else f"<p>{_e(w['no_cases'])}</p>"
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        generator_meta(),
        f"<title>{_e(title)}</title>",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">",
        f"<style>{_CSS}</style></head><body>",
        body,
        "</body></html>",
    ])
