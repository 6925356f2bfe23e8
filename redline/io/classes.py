"""Land classes as the reader reads them: 三调 and 二调 codes side by side.

A ``land_code`` field is read through :mod:`redline.landclass`, so that a 二调 code
stays what it is (``"011"`` 水田, never ``"0011"``), a 三调 code whose leading zero a
numeric field lost is given it back (``101`` -> ``"0101"`` in a 三调 column), and a
class name (``水田``) becomes its code. The ``filter`` of ``redline.toml`` (and the
farmland cut of a ``DLTB``) is a :func:`redline.landclass.class_filter`: ``"0101"``
keeps 二调 011 too, and a name keeps the classes of that name in both surveys.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from redline.io.values import _per_distinct, parse_codes
from redline.landclass import ClassFilter, class_filter, classify

if TYPE_CHECKING:
    from numpy.typing import NDArray


@_per_distinct
def land_codes(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read land classes: (codes as text, ``""`` or why unread), as ``parse_codes`` does.

    A value neither survey knows is kept as written (padded to four digits when all
    digits, as before), so no value is lost. A long column is read value by distinct
    value (its few dozen classes), not once per parser.

    Examples
    --------
    >>> land_codes(pd.Series(["011", "0101", "水浇地", "0301K", None]))[0].tolist()
    ['011', '0101', '0102', '0301K', None]
    """
    padded, bad = parse_codes(raw, width=4)
    text, _ = parse_codes(raw)
    code = classify(text)["code"]
    values = code.where(code.notna(), padded).astype(object)
    return values.where(values.notna(), None), bad


@lru_cache(maxsize=16)
def _filter(codes: tuple[str, ...]) -> ClassFilter:
    return class_filter(codes)


def class_in(values: pd.Series, codes: tuple[str, ...]) -> NDArray[np.bool_]:
    """Where the land class is one ``codes`` keeps (:func:`redline.landclass.class_filter`)."""
    return np.asarray(_filter(codes)(values.reset_index(drop=True)), dtype=bool)
