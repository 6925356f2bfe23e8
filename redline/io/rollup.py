"""A batch's roll-up, read and written one county at a time: summaries and findings merged.

Each county's outputs are read in turn, so memory holds one county at a time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from redline.io.write import neutralise_formulas
from redline.schema import FINDING_COLUMNS


def read_summary(path: Path) -> pd.DataFrame:
    """Read a county's summary.csv (admin codes as text); empty when there is none."""
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"admin_code": str})


def read_findings_table(folder: Path) -> pd.DataFrame:
    """Read a county's findings.csv (ids and codes as text); empty when there is none."""
    path = folder / "findings.csv"
    if not path.is_file():
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    return pd.read_csv(path, encoding="utf-8-sig",
                       dtype={"admin_code": str, "feature_id": str, "finding_id": str})


def merged_crs(out: Path, folders: list[str]) -> str:
    """Return the counties' common working CRS, or CGCS2000 geographic when they differ."""
    crss = set()
    for folder in folders:
        if folder:
            try:
                run = json.loads((out / folder / "run.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            crss.add(str(run.get("working_crs", "")))
    return crss.pop() if len(crss) == 1 and "" not in crss else "EPSG:4490"


def merge_findings(out: Path, counties: list[tuple[str, str]]) -> None:
    """Write findings.gpkg / findings.csv of every county, appended one county at a time.

    ``counties`` holds each county's name and output folder (``""`` when it has none).
    """
    import geopandas as gpd
    import pyogrio

    crs = merged_crs(out, [folder for _, folder in counties])
    columns = ["county", "county_folder", *FINDING_COLUMNS]
    gpkg_tmp = out / f".findings.tmp-{os.getpid()}.gpkg"
    csv_tmp = out / f".findings.csv.tmp-{os.getpid()}"
    for tmp in (gpkg_tmp, csv_tmp):
        tmp.unlink(missing_ok=True)
    pd.DataFrame(columns=columns).to_csv(csv_tmp, index=False, encoding="utf-8-sig")
    wrote_layer = False
    for name, folder in counties:
        path = out / folder / "findings.gpkg" if folder else None
        if path is None or not path.is_file():
            continue
        frame = gpd.read_file(path, layer="findings", engine="pyogrio")
        if frame.crs is not None and str(frame.crs) != crs:
            frame = frame.to_crs(crs)
        frame.insert(0, "county_folder", folder)
        frame.insert(0, "county", name)
        for column in columns:
            if column not in frame:
                frame[column] = ""
        frame = frame[[*columns, "geometry"]]
        neutralise_formulas(pd.DataFrame(frame.drop(columns="geometry"))).to_csv(
            csv_tmp, mode="a", header=False, index=False, encoding="utf-8")
        if len(frame):
            pyogrio.write_dataframe(frame.set_crs(crs, allow_override=True), gpkg_tmp,
                                    layer="findings", driver="GPKG", append=wrote_layer,
                                    promote_to_multi=True)
            wrote_layer = True
        del frame
    if not wrote_layer:
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns},
                                 geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        pyogrio.write_dataframe(empty, gpkg_tmp, layer="findings", driver="GPKG",
                                geometry_type="MultiPolygon")
    gpkg_tmp.replace(out / "findings.gpkg")
    csv_tmp.replace(out / "findings.csv")
