"""A static overview image of the layers and findings, for the inspection report.

Drawn with matplotlib's Agg canvas directly (no pyplot state, no display).
Large context layers are rasterised the same way as on the interactive map, so
a county with a million farmland patches draws in seconds.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from redline.report import fonts
from redline.report.map import (
    _DEFAULT_STYLE,
    _ORDER,
    _OTHER_RULE_COLOR,
    _STYLES,
    AREA_WIDE_RULES,
    MAX_VECTOR_FEATURES,
    RULE_COLORS,
    SEVERITY_STYLES,
    _drawable,
    _rules_in,
    polygon_shapes,
)
from redline.text import Lang, layer_name, rule_name, words

log = logging.getLogger(__name__)

#: Longest side, in pixels, of a rasterised context layer in the overview.
OVERVIEW_RASTER_PX: Final[int] = 2000



def overview_png(
    layers: Mapping[str, gpd.GeoDataFrame],
    findings: gpd.GeoDataFrame | None,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    dpi: int = 110,
) -> bytes:
    """Draw the layers and findings on one static map, as PNG bytes.

    Parameters
    ----------
    layers
        Layer frames by role, as for :func:`redline.report.map.build_map`.
    findings
        The findings table; each rule in its colour, outlined by severity.
    lang
        Language of the labels. Chinese needs a CJK font; without one the
        labels fall back to English (logged), never to boxes.
    title
        Image title; by default a generic one in ``lang``.
    dpi
        Resolution of the 8 x 7 inch image.

    Returns
    -------
    bytes
        A PNG image.
    """
    drawn = fonts.picture_lang(lang)
    if drawn != lang:  # no CJK font: English as a whole, a Chinese title included
        lang, title = drawn, None
    font = fonts.cjk_font()
    frames = {k: _drawable(v, k) for k, v in layers.items()}
    frames = {k: v for k, v in frames.items() if len(v)}
    found = _drawable(findings, "findings") if findings is not None and len(findings) else None
    crs = _common_crs([*frames.values(), *([found] if found is not None else [])])

    fig = Figure(figsize=(8, 7), dpi=dpi)
    _SavedOnly(fig)
    ax = fig.add_subplot()
    rc_font = {"family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"]}
    handles: list[Patch] = []

    order = [k for k in _ORDER if k in frames] + [k for k in frames if k not in _ORDER]
    for key in order:
        frame = frames[key].to_crs(crs) if crs is not None else frames[key]
        style = _STYLES.get(key, _DEFAULT_STYLE)
        name = layer_name(key, lang)
        if key != "admin" and len(frame) > MAX_VECTOR_FEATURES:
            _draw_raster(ax, frame.geometry.values, color=style["fillColor"],
                         alpha=style.get("fillOpacity", 0.5))
        else:
            _draw_vector(ax, frame, style)
        handles.append(Patch(
            facecolor=to_rgba(style.get("fillColor", "none"), style.get("fillOpacity", 0.5))
            if style.get("fill", True) else "none",
            edgecolor=style.get("color", "none"), linestyle="--" if key == "admin" else "-",
            label=name,
        ))

    if found is not None:
        frame = found.to_crs(crs) if crs is not None else found
        for rule in _rules_in(frame):
            part = frame[frame["rule"].astype(str) == rule]
            color = RULE_COLORS.get(rule, _OTHER_RULE_COLOR)
            if rule in AREA_WIDE_RULES:  # a whole admin unit: its outline, not a fill
                part.boundary.plot(ax=ax, color=color, linewidth=1.6, linestyle="--", zorder=4)
                handles.append(Patch(facecolor="none", edgecolor=color, linestyle="--",
                                     label=f"{rule_name(rule, lang)} ({len(part)})"))
                continue
            for severity, sev_style in SEVERITY_STYLES.items():
                sub = part[part["severity"].astype(str) == severity]
                if len(sub):
                    sub.plot(ax=ax, facecolor=to_rgba(color, 0.75), edgecolor=sev_style["color"],
                             linewidth=sev_style["weight"] * 0.6, zorder=5)
            other = part[~part["severity"].astype(str).isin(list(SEVERITY_STYLES))]
            if len(other):
                other.plot(ax=ax, facecolor=to_rgba(color, 0.75), edgecolor="#000000",
                           linewidth=0.8, zorder=5)
            handles.append(Patch(facecolor=color, edgecolor="#333333",
                                 label=f"{rule_name(rule, lang)} ({len(part)})"))

    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title if title is not None else words(lang).OVERVIEW_TITLE, fontdict=rc_font,
                 fontsize=13)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  prop={"family": rc_font["family"], "size": 8}, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    return buffer.getvalue()


class _SavedOnly(FigureCanvasAgg):
    """An Agg canvas drawn only when saved.

    geopandas asks the canvas for a redraw after every layer it plots; on an
    interactive canvas that waits for the event loop, on Agg it draws the whole
    figure each time (every layer and finding drawn again per rule and severity).
    The image is the one :meth:`Figure.savefig` draws at the end.
    """

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        """Draw nothing: the figure is drawn once, when saved."""


def _common_crs(frames: list[gpd.GeoDataFrame]) -> Any:
    crss = [f.crs for f in frames if f.crs is not None]
    projected = [c for c in crss if not c.is_geographic]
    if projected:
        return projected[0]
    return crss[0] if crss else None


def _draw_vector(ax: Any, frame: gpd.GeoDataFrame, style: dict[str, Any]) -> None:
    filled = style.get("fill", True)
    frame.plot(
        ax=ax,
        facecolor=to_rgba(style["fillColor"], style.get("fillOpacity", 0.5)) if filled else "none",
        edgecolor=style.get("color", "none"),
        linewidth=min(float(style.get("weight", 1)), 1.2) * 0.7,
        linestyle="--" if style.get("dashArray") else "-",
        zorder=2 if filled else 4,
    )


def _draw_raster(ax: Any, geoms: Any, *, color: str, alpha: float) -> None:
    from affine import Affine
    from rasterio.features import rasterize

    arr = np.asarray(geoms)
    x0, y0, x1, y1 = shapely.total_bounds(arr)
    pixel = max(x1 - x0, y1 - y0) / OVERVIEW_RASTER_PX or 1.0
    width = max(1, int(np.ceil((x1 - x0) / pixel)))
    height = max(1, int(np.ceil((y1 - y0) / pixel)))
    image = rasterize(polygon_shapes(arr), out_shape=(height, width),
                      transform=Affine(pixel, 0, x0, 0, -pixel, y1),
                      fill=0, default_value=1, all_touched=True, dtype="uint8")
    rgba = np.zeros((height, width, 4), dtype=np.float32)
    rgba[image == 1] = to_rgba(color, alpha)
    ax.imshow(rgba, extent=(x0, x0 + width * pixel, y1 - height * pixel, y1),
              interpolation="nearest", zorder=1)
