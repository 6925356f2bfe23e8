"""Static charts for the inspection report: matplotlib figures (no pyplot), as PNG bytes.

Each chart function takes a table and returns the image bytes; nothing touches a
file. Chinese labels need a CJK font (:mod:`redline.report.fonts`); callers draw in
:func:`~redline.report.fonts.picture_lang`, so a machine without one gets English.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from redline.report import fonts
from redline.text import Lang, rule_name, words

_COLOURS: Final[tuple[str, ...]] = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400",
                                     "#16a085", "#7f8c8d", "#f1c40f")


@contextlib.contextmanager
def _style() -> Iterator[None]:
    font = fonts.cjk_font()
    rc: dict[str, Any] = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
          "axes.unicode_minus": False}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
        rc["font.family"] = "sans-serif"
    with mpl.rc_context(rc), warnings.catch_warnings():  # type: ignore[arg-type]
        # Missing glyphs must not stop a report (fonts differ between machines).
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing", category=UserWarning)
        yield


def _png(fig: Figure) -> bytes:
    # A bare Figure (no pyplot) renders with Agg and leaves the caller's backend alone,
    # so charts can be made inside a notebook without breaking its inline plots.
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _empty(ax: Axes, lang: Lang) -> None:
    ax.text(0.5, 0.5, words(lang).CHARTS["no_data"], ha="center", va="center",
            transform=ax.transAxes, color="#7f8c8d")
    ax.set_xticks([])
    ax.set_yticks([])


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, ArrayLike],
    *,
    title: str,
    ylabel: str,
    lang: Lang = "zh",
    errors: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
    horizontal: bool = False,
) -> bytes:
    """Draw a grouped bar chart (one group per category, one bar per series) as PNG bytes.

    ``errors`` maps a series name to (lower, upper) bar ends drawn as error bars.
    """
    with _style():
        n = max(len(categories), 1)
        size = (7.0, 0.9 + 0.35 * n) if horizontal else (max(5.0, 0.9 * n + 2), 3.6)
        fig = Figure(figsize=size)
        ax = fig.subplots()
        if not len(categories) or not series:
            _empty(ax, lang)
        else:
            pos = np.arange(len(categories), dtype=float)
            width = 0.8 / len(series)
            for i, (name, values) in enumerate(series.items()):
                at = pos + (i - (len(series) - 1) / 2) * width
                vals = np.nan_to_num(np.asarray(values, dtype=float))
                err = None
                if errors and name in errors:
                    low, high = (np.asarray(v, dtype=float) for v in errors[name])
                    err = np.vstack([np.clip(vals - np.nan_to_num(low), 0, None),
                                     np.clip(np.nan_to_num(high) - vals, 0, None)])
                colour = _COLOURS[i % len(_COLOURS)]
                if horizontal:
                    ax.barh(at, vals, height=width, label=name, color=colour, xerr=err)
                else:
                    ax.bar(at, vals, width=width, label=name, color=colour, yerr=err,
                           capsize=3)
            if horizontal:
                ax.set_yticks(pos, list(categories))
                ax.invert_yaxis()
                ax.set_xlabel(ylabel)
            else:
                ax.set_xticks(pos, list(categories), rotation=30 if n > 4 else 0,
                              ha="right" if n > 4 else "center")
                ax.set_ylabel(ylabel)
                ax.axhline(0, color="#555555", linewidth=0.6)
            if len(series) > 1:
                ax.legend(frameon=False, fontsize=8)
        ax.set_title(title)
        return _png(fig)


def findings_by_rule_png(findings: pd.DataFrame, *, lang: Lang = "zh") -> bytes:
    """Draw the number of findings per rule, with the area in mu in each label."""
    lang = fonts.picture_lang(lang)
    if findings.empty:
        counts = pd.Series(dtype="int64")
        areas = pd.Series(dtype="float64")
    else:
        counts = findings.groupby("rule").size().sort_values(ascending=False)
        areas = findings.groupby("rule")["area_mu"].sum().reindex(counts.index)
    w = words(lang)
    labels = [f"{rule_name(str(r), lang)} ({a:,.1f} {w.CHARTS['mu']})"
              for r, a in zip(counts.index, areas, strict=True)]
    return bar_chart(labels, {"n": counts.to_numpy(dtype=float)},
                     title=w.CHARTS["by_rule"], ylabel=w.CHARTS["count"], lang=lang,
                     horizontal=True)

