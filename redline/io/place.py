"""Placing a dataset's layers in one working CRS, whatever they were read from.

The working CRS is chosen from the layers' own CRSs and extents
(:func:`redline.io.crs.working_crs`, a zone-prefixed CGCS2000 Gauss-Kruger zone), every
layer is brought to it, and a layer that lands nowhere near the others after that is an
error: one of them has a wrong CRS. A folder's layers (:mod:`redline.io.dataset`) are
placed so, and :func:`dataset_from_layers` places layers read elsewhere (a database's,
:mod:`redline.io.postgis`) alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import shapely

from redline.io import crs as crsmod
from redline.io.config import CONFIG_NAME
from redline.io.layer import to_working
from redline.model import Dataset, Layer, Problem


def dataset_from_layers(path: str, layers: dict[str, Layer], problems: list[Problem]
                        ) -> Dataset:
    """Bring layers read in their source CRSs into one working CRS: a :class:`Dataset`.

    As for a folder: the working CRS is chosen from the layers, each is reprojected
    to it, and a layer that lands nowhere near the others is an error.
    """
    working = choose_working_crs(layers, problems, path)
    boxes = reproject(layers, working, problems)
    check_overlap(layers, boxes, problems)
    return Dataset(path=path, working_crs=working, layers=layers, problems=problems)


def choose_working_crs(layers: Mapping[str, Layer], problems: list[Problem], shown: str,
                       extra: list[tuple[crsmod.Bounds, str]] | None = None) -> str:
    """Choose the working CRS for the layers read (and ``extra`` extents and CRSs)."""
    extra = extra or []
    with_crs = [ly for ly in layers.values() if ly.source_crs is not None]
    if not with_crs and not extra:
        return ""  # no layer to place: the reasons are already reported
    pairs: list[tuple[crsmod.Bounds, str]] = list(extra)
    for ly in with_crs:
        ok = ~(ly.frame.geometry.isna() | ly.frame.geometry.is_empty)
        if ok.any():
            b = ly.frame.geometry[ok].total_bounds
            pairs.append(((float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                          cast("str", ly.source_crs)))
    try:
        return crsmod.working_crs([cast("str", ly.source_crs) for ly in with_crs]
                                  + [c for _, c in extra], crsmod.centre_lon(pairs))
    except Exception as ex:  # reported; the run stops on errors anyway
        problems.append(Problem(shown, f"cannot choose a working CRS ({ex})",
                                'give crs = "EPSG:4529" (or the county\'s zone) in '
                                f"{CONFIG_NAME}", "error", kind="no_working_crs"))
        return crsmod.GEOGRAPHIC


def reproject(layers: dict[str, Layer], working: str, problems: list[Problem]
              ) -> dict[str, crsmod.Bounds]:
    """Bring every layer to the working CRS; return each layer's extent there."""
    boxes: dict[str, crsmod.Bounds] = {}
    if not working:
        return boxes
    for role, ly in layers.items():
        if ly.source_crs is None:
            continue
        frame, problem = to_working(ly.frame, ly.source_crs, working, path=ly.path, role=role)
        if problem is not None:
            ly.problems.append(problem)
            continue
        assert frame is not None
        ly.frame = frame
        # A missing or empty geometry has no finite bounds: one pass finds the extent.
        bounds = shapely.bounds(frame.geometry.to_numpy())
        ok = np.isfinite(bounds).all(axis=1)
        if ok.any():
            b = bounds[ok]
            boxes[role] = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                           float(b[:, 3].max()))
    return boxes


def check_overlap(layers: Mapping[str, Layer], boxes: Mapping[str, crsmod.Bounds],
                  problems: list[Problem]) -> None:
    """Report each layer that lands nowhere near the others (a wrong CRS), as an error."""
    if len(boxes) < 2:
        return
    roles = list(boxes)
    margin = crsmod.OVERLAP_MARGIN_M
    alone = [r for r in roles
             if not any(crsmod.boxes_overlap(boxes[r], boxes[o], margin=margin)
                        for o in roles if o != r)]
    if not alone:
        return
    reference = "admin" if "admin" in boxes and "admin" not in alone else next(
        (r for r in roles if r not in alone), None)
    if reference is None:  # nothing overlaps anything: name each layer against the first
        reference = roles[0]
        alone = roles[1:]
    for role in alone:
        ly, ref = layers[role], layers[reference]
        problems.append(Problem(
            ly.path,
            f"layer {role} ({ly.source_crs}) does not overlap layer {reference} "
            f"({ref.source_crs}) after reprojection: one of them has a wrong CRS",
            f'give the right crs under [layers.{role}] or [layers.{reference}] in '
            f"{CONFIG_NAME}", "error", role=role, kind="no_overlap"))
