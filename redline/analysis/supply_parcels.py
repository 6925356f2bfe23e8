"""The supply layer as the supply rules read it: columns as arrays, dates with why unread.

:class:`SupplyParcels` holds one supply frame by position: ids, whether each parcel can be
judged at all, its ellipsoidal area, and readers for its columns. A date column comes back
with, per parcel, why its value could not be read: a rule that needs the date then leaves
the parcel *not judged* with that reason, rather than taking the date as missing (an
unreadable agreed start date is not "no agreed start date"). A value is unread when the
reader listed the field in ``_unread`` (the value is blank and the feature's ``_note``
holds it), or when a frame given through the Python API holds a text
:func:`redline.datetext.read_dates` cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from redline.analysis.areas import ellipsoidal_area
from redline.analysis.dates import as_day_array
from redline.analysis.findings import feature_ids
from redline.datetext import read_dates
from redline.text import Lang, regulation, words

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

__all__ = ["SHARE_FIELDS", "SupplyParcels", "fmt_date", "join_text", "policy_record"]

#: Shares recorded as fractions; a value above 1 and at most 100 is read as a percentage.
SHARE_FIELDS: tuple[str, ...] = ("built_area_ratio", "building_coefficient", "green_ratio",
                                 "office_share")


def join_text(*columns: NDArray[np.object_] | list[str], sep: str = "; ") -> NDArray[np.object_]:
    """Join per-row texts with ``sep``, skipping blanks."""
    out: NDArray[np.object_] | None = None
    for column in columns:
        text = _texts(column)
        if out is None:
            out = text
            continue
        both = np.flatnonzero((out != "") & (text != ""))
        out = np.where(out == "", text, out)
        out[both] = out[both] + sep + text[both]
    return np.asarray(out if out is not None else [], dtype=object)


def _texts(column: NDArray[np.object_] | list[str]) -> NDArray[np.object_]:
    """Return each value as text, ``""`` for a blank (None, NaN, NA), on an object array."""
    text = np.array(column, dtype=object)
    if pd.api.types.infer_dtype(text, skipna=False) in ("string", "empty"):
        return text  # all text already: the usual case, checked in one pass in C
    text[np.asarray(pd.isna(text), dtype=bool)] = ""
    odd = np.fromiter((type(v) is not str for v in text), dtype=bool, count=len(text))
    if odd.any():
        text[odd] = [str(v) for v in text[odd]]
    return text


def feature_problems(frame: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """Return why each feature cannot be judged (its ``_problem``, or no geometry); "" if it can."""
    problem = (frame["_problem"].astype(object).where(frame["_problem"].notna(), "")
               .astype(str).to_numpy(dtype=object) if "_problem" in frame
               else np.full(len(frame), "", dtype=object))
    geoms = np.asarray(frame.geometry.values, dtype=object)
    no_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problem = problem.copy()
    problem[no_geom & (problem == "")] = "no geometry"
    return problem


@dataclass
class SupplyParcels:
    """The supply layer's columns as arrays, aligned by position to the frame.

    ``judged`` is False for a parcel the reader could not judge (no geometry, duplicate
    id: ``problem`` says why) and, once :func:`redline.analysis.supply.supply_findings` has
    found it, for a superseded parcel (``superseded``): the rules judge the rest.
    """

    frame: gpd.GeoDataFrame  # index reset to positions
    index: pd.Index  # the input frame's index
    ids: NDArray[np.object_]
    usable: NDArray[np.bool_]
    problem: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    notes: NDArray[np.object_]
    superseded: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: Columns already read by :meth:`text` and :meth:`number`, read-only: the rules ask
    #: for the same column per finding, and a column read once costs a pass over the layer.
    _read: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame) -> SupplyParcels:
        """Read a supply frame (canonical columns, ``_problem``, ``_note``, ``_unread``)."""
        problem = feature_problems(frame)
        area = (ellipsoidal_area(frame.geometry.values, frame.crs) if frame.crs is not None
                else np.asarray(shapely.area(frame.geometry.values), dtype=np.float64))
        notes = np.full(len(frame), "", dtype=object)
        data = frame.copy()
        for name in SHARE_FIELDS:
            if name in data:
                values = pd.to_numeric(data[name], errors="coerce")
                pct = ((values > 1) & (values <= 100)).to_numpy()
                if pct.any():
                    data[name] = values.where(~pct, values / 100.0)
                    notes = join_text(notes, np.where(pct, f"{name} read as a percentage", ""))
        return cls(data.reset_index(drop=True), frame.index, feature_ids(frame, "supply"),
                   problem == "", problem, area, notes, np.zeros(len(frame), dtype=bool))

    @property
    def judged(self) -> NDArray[np.bool_]:
        """Parcels the rules judge: readable, with a geometry, not superseded."""
        return self.usable & ~self.superseded

    def __len__(self) -> int:
        return len(self.ids)

    def has(self, column: str) -> bool:
        """Whether the layer has the field."""
        return column in self.frame

    def text(self, column: str) -> NDArray[np.object_]:
        """Return a text column (``None`` where blank or absent), read-only."""
        key = ("text", column)
        if key not in self._read:
            if column not in self.frame:
                out = np.full(len(self), None, dtype=object)
            else:
                col = self.frame[column].astype(object)
                out = np.array(col.where(col.notna(), None), dtype=object)
            out.setflags(write=False)
            self._read[key] = out
        return self._read[key]

    def number(self, column: str) -> NDArray[np.float64]:
        """Return a number column (``NaN`` where blank, unreadable or absent), read-only."""
        key = ("number", column)
        if key not in self._read:
            out = (np.full(len(self), np.nan) if column not in self.frame else np.array(
                pd.to_numeric(self.frame[column], errors="coerce"), dtype=np.float64))
            out.setflags(write=False)
            self._read[key] = out
        return self._read[key]

    def unread(self, column: str) -> NDArray[np.object_]:
        """Why each parcel's ``column`` value could not be read by the reader (``""``)."""
        out = np.full(len(self), "", dtype=object)
        if "_unread" not in self.frame:
            return out
        listed = self.frame["_unread"].fillna("").astype(str)
        hit = listed.map(lambda s: column in s.split(";")).to_numpy(dtype=bool)
        out[hit] = f"{column} could not be read (see the note)"
        return out

    def date(self, column: str) -> tuple[NDArray[np.datetime64], NDArray[np.object_]]:
        """Return a date column as days, and why each value could not be read (``""`` if read).

        Dates the reader parsed are used as they are; text (from the Python API) is read
        by :func:`redline.datetext.read_dates`.
        """
        key = ("date", column)
        if key not in self._read:
            days, why = self._date(column)
            days.setflags(write=False)
            why.setflags(write=False)
            self._read[key] = (days, why)
        return self._read[key]

    def _date(self, column: str) -> tuple[NDArray[np.datetime64], NDArray[np.object_]]:
        if column not in self.frame:
            return (np.full(len(self), np.datetime64("NaT"), dtype="datetime64[D]"),
                    np.full(len(self), "", dtype=object))
        raw = self.frame[column]
        why = self.unread(column)
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            return np.array(as_day_array(raw)), why
        days, reasons = read_dates(raw)
        bad = reasons != ""
        if bad.any():
            shown = raw.astype(object).to_numpy()
            why = why.copy()
            why[bad] = [f"{column} {v!r} cannot be read ({r})" if r != "not a date"
                        else f"{column} {v!r} cannot be read"
                        for v, r in zip(shown[bad], reasons[bad], strict=True)]
        return days, why


def policy_record(sup: SupplyParcels, i: int, rule: str, message: str, *, lang: Lang,
                  threshold: str, **extra: Any) -> dict[str, Any]:
    """Return a finding of a supply rule, its message closed by the regulation it quotes."""
    admin = sup.text("admin_code")[i]
    w = words(lang)
    quoted = regulation(rule, lang)
    message = message + w.PARTS_JOIN + w.CITE.format(regulation=quoted)
    return {"rule": rule, "layer": "supply", "feature_id": sup.ids[i],
            "admin_code": admin or "", "message": message, "regulation": quoted,
            "threshold": threshold, "geometry": sup.frame.geometry.values[i],
            "area_m2": sup.area_m2[i], **extra}


def fmt_date(value: np.datetime64) -> str:
    """Write a day as ISO text, ``?`` when missing."""
    return "?" if np.isnat(value) else str(value)
