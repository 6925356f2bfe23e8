"""Writing a synthetic county: shapefiles or a GeoPackage in one of three styles, and more.

``standard`` (三调 layer and field names, Chinese values, GBK without .cpg, dates as
``2025年9月15日``), ``canonical`` (role-named layers and canonical fields) or ``short``
(field names cut to 10 characters); beside them ``targets.csv``, ``planted.json``, an
``evidence.tif`` and, for the standard style, a ``redline.toml``. Shapefiles are
byte-stable: the .dbf's date of last update is fixed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from numpy.typing import NDArray

from redline.errors import ConfigError
from redline.schema import STANDARD_FIELDS
from redline.synthetic.specs import (
    AS_OF,
    CRS,
    INDUSTRIES_ZH,
    METHOD_NAMES,
    USE_NAMES,
    County,
    EvidenceKind,
    Fmt,
    Style,
)

#: Value written in the DBF header "last update" bytes, so that shapefiles are byte-stable.
_DBF_DATE: Final[bytes] = bytes([AS_OF.year - 1900, AS_OF.month, AS_OF.day])


_INDUSTRIES_EN = ("food", "textiles", "chemicals", "general equipment", "metal products")


_STATE_COUNCIL = {"zh": "国务院", "en": "State Council"}


_PROVINCE = {"zh": "辽宁省人民政府", "en": "Liaoning Provincial Government"}


_DATE_COLS: Final = frozenset({"approved_on", "contract_on", "start_agreed_on", "started_on",
                               "stopped_on", "detected_on", "completed_on"})


_TRUNCATED_ROLES = ("admin", "farmland", "basic_farmland", "approvals", "supply", "changes",
                    "supplement")


def _field_names(role: str, columns: list[str], style: Style) -> dict[str, str]:
    """Output field name of each canonical column, per style."""
    if style == "canonical":
        return {c: c for c in columns}
    if style == "short":
        names = {c: c[:10] for c in columns}
        if len(set(names.values())) != len(names):
            raise ConfigError(f"field names of {role} collide when cut to 10 characters")
        return names
    standard = {v: k for k, v in STANDARD_FIELDS[role].items()}  # type: ignore[index]
    standard.update({"approval_id": "DZJGH", "doc_no": "PZWH", "project": "XMMC",
                     "land_code": "DLBM", "supply_id": "DZJGH", "change_id": "JCBH"})
    if role == "admin":
        standard = {"admin_code": "XZQDM", "admin_name": "XZQMC"}
    if role in ("farmland", "basic_farmland"):
        standard = {"feature_id": "BSM", "land_code": "DLBM", "admin_code": "ZLDWDM"}
    return {c: standard.get(c, c) for c in columns}


def _zh_date(values: pd.Series) -> NDArray[Any]:
    d = pd.to_datetime(values)
    text = (d.dt.year.astype("Int64").astype(str) + "年" + d.dt.month.astype("Int64").astype(str)
            + "月" + d.dt.day.astype("Int64").astype(str) + "日")
    return np.asarray(text.where(d.notna(), None), dtype=object)


def _styled(  # noqa: PLR0912 -- one branch per kind of value
    role: str, frame: gpd.GeoDataFrame, style: Style,
) -> gpd.GeoDataFrame:
    """Values and field names as a site of this style would store them."""
    lang = "en" if style == "canonical" else "zh"
    out = {}
    for column in frame.columns:
        if column == "geometry":
            continue
        values = frame[column]
        if column == "supply_method" and lang == "zh":
            values = values.map(METHOD_NAMES)
        elif column == "land_use" and lang == "zh":
            values = values.map(USE_NAMES)
        elif column == "authority":
            table = {"state_council": _STATE_COUNCIL[lang], "province": _PROVINCE[lang]}
            values = values.map(table)
        elif column == "industry":
            names = np.asarray(_INDUSTRIES_EN if lang == "en" else INDUSTRIES_ZH, dtype=object)
            idx = values.to_numpy(dtype=np.int64)
            values = pd.Series(np.where(idx >= 0, names[np.maximum(idx, 0)], None),
                               index=frame.index, dtype=object)
        elif column == "basic_farmland_approved":
            if style == "standard":
                values = values.map({True: "是", False: "否"})
            elif style == "short":
                values = values.astype(np.int32)
        if column in _DATE_COLS:
            if style == "standard" and column == "contract_on":
                values = pd.Series(_zh_date(values), index=frame.index, dtype=object)
            elif style == "standard" and column == "approved_on":
                text = _zh_date(values)
                compact = pd.to_datetime(values).dt.strftime("%Y%m%d").to_numpy(dtype=object)
                values = pd.Series(np.where(np.arange(len(values)) % 2 == 1, compact, text),
                                   index=frame.index, dtype=object)
            else:
                days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
                values = pd.Series(pa.array(days, type=pa.date32(), from_pandas=True),
                                   dtype=pd.ArrowDtype(pa.date32()), index=frame.index)
        out[column] = values
    data = pd.DataFrame(out, index=frame.index)
    data = data.rename(columns=_field_names(role, list(data.columns), style))
    return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=CRS)


_TIEDONG_FILES: Final[dict[str, str]] = {
    "admin": "XZQ", "farmland": "DLTB", "basic_farmland": "YJJBNTTB", "approvals": "报批地块",
    "supply": "供地地块", "changes": "变化图斑", "supplement": "补充耕地",
}


def _write_shp(frame: gpd.GeoDataFrame, path: Path, *, encoding: str, prj: bool,
               cpg: bool) -> list[Path]:
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding=encoding,
                            use_arrow=True, layer_options={"RESIZE": "YES"})
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[1:4] = _DBF_DATE
    if not cpg:
        raw[29] = 0  # no code-page mark: GDAL will read the GBK text as ISO-8859-1
    dbf.write_bytes(bytes(raw))
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return sorted(p for p in path.parent.glob(path.stem + ".*"))


def _toml(role_paths: dict[str, str], fields: dict[str, dict[str, str]],
          *, filter_farmland: bool = False) -> str:
    lines = ["# Maps this county's files and field names onto redline's roles "
             "(docs/contract.md).", ""]
    for role in _TRUNCATED_ROLES:
        farm_filter = filter_farmland and role == "farmland"
        if role not in role_paths and role not in fields and not farm_filter:
            continue
        lines.append(f"[layers.{role}]")
        if role in role_paths:
            lines.append(f'path = "{role_paths[role]}"')
        if farm_filter:
            lines.append("# The layer holds every land class, like DLTB: farmland is 0101-0103.")
            lines.append('filter = ["0101", "0102", "0103"]')
        if fields.get(role):
            lines.append(f"[layers.{role}.fields]")
            lines += [f'{k} = "{v}"' for k, v in fields[role].items()]
        lines.append("")
    return "\n".join(lines)


def _write_evidence(county: County, path: Path, *, kind: EvidenceKind, pixel_m: float) -> None:
    import rasterio
    from affine import Affine
    from rasterio import features

    x0, y0, x1, y1 = shapely.bounds(county.outline)
    x0, y0 = math.floor(x0 / pixel_m) * pixel_m, math.floor(y0 / pixel_m) * pixel_m
    x1, y1 = math.ceil(x1 / pixel_m) * pixel_m, math.ceil(y1 / pixel_m) * pixel_m
    width, height = round((x1 - x0) / pixel_m), round((y1 - y0) / pixel_m)
    transform = Affine(pixel_m, 0.0, x0, 0.0, -pixel_m, y1)
    inside = features.rasterize([(county.outline, 1)], out_shape=(height, width),
                                transform=transform, fill=0, dtype="uint8")
    shapes = [(g, v) for g, v in county.burns if g is not None and not shapely.is_empty(g)]
    if kind == "class":
        data = features.rasterize(shapes, out_shape=(height, width), transform=transform,
                                  fill=0, dtype="uint8", all_touched=False)
        data[inside == 0] = 255
        profile = {"dtype": "uint8", "nodata": 255, "predictor": 2}
    else:
        # Built-up probability: a level per built feature, a flat low background.
        rng = np.random.default_rng(len(shapes))
        level = np.round(rng.uniform(0.8, 0.97, len(shapes)), 2)
        data = features.rasterize([(g, float(v)) for (g, _), v in zip(shapes, level, strict=True)],
                                  out_shape=(height, width), transform=transform, fill=0.03,
                                  dtype="float32")
        data[inside == 0] = -1.0
        profile = {"dtype": "float32", "nodata": -1.0, "predictor": 3}
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, crs=CRS,
                       transform=transform, compress="lzw", tiled=True, blockxsize=256,
                       blockysize=256, **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "built-up class (1 = built)" if kind == "class"
                                 else "built-up probability (0-1)")


def write_county(county: County, folder: Path, *, fmt: Fmt = "gpkg", style: Style = "canonical",
                 evidence: EvidenceKind = "class", pixel_m: float = 10.0,
                 messy: bool = False) -> list[Path]:
    """Write a county's layers, ``targets.csv``, ``evidence.tif`` and ``planted.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    styled = {role: _styled(role, frame, style) for role, frame in county.layers.items()}
    if fmt == "gpkg":
        gpkg = folder / f"{county.name}.gpkg"
        old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{AS_OF.isoformat()}T00:00:00Z"})
        try:
            for role, frame in styled.items():
                pyogrio.write_dataframe(frame, gpkg, layer=role, driver="GPKG", use_arrow=True,
                                        append=gpkg.exists() and role != "admin",
                                        promote_to_multi=True)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
        files.append(gpkg)
        toml = folder / "redline.toml"
        toml.write_text(_toml({}, {}, filter_farmland=True), encoding="utf-8")
        files.append(toml)
    else:
        encoding = "gbk" if style == "standard" else "utf-8"
        names = _TIEDONG_FILES if style == "standard" else {r: r for r in styled}
        for role, frame in styled.items():
            files += _write_shp(frame, folder / f"{names[role]}.shp", encoding=encoding,
                                prj=not (messy and role == "approvals"),
                                cpg=style != "standard")
        paths = {r: f"{names[r]}.shp" for r in ("approvals", "supply", "changes", "supplement")}
        fields: dict[str, dict[str, str]] = {}
        if style == "standard":
            fields["approvals"] = {"approval_id": "DZJGH"}
        else:
            paths = {}
            for role, frame in county.layers.items():
                long = {c: c[:10] for c in frame.columns if c != "geometry" and len(c) > 10}
                if long:
                    fields[role] = long
        toml = folder / "redline.toml"
        toml.write_text(_toml(paths, fields, filter_farmland=style != "standard"),
                        encoding="utf-8")
        files.append(toml)
    targets = folder / "targets.csv"
    table = county.targets
    if style == "standard":
        table = table.assign(admin_name=county.county_name)
        table.to_csv(targets, index=False, encoding="gbk", lineterminator="\n")
    else:
        table.to_csv(targets, index=False, encoding="utf-8-sig" if fmt == "gpkg" else "utf-8",
                     lineterminator="\n")
    files.append(targets)
    if evidence != "none":
        tif = folder / "evidence.tif"
        _write_evidence(county, tif, kind=evidence, pixel_m=pixel_m)
        files.append(tif)
    planted = folder / "planted.json"
    planted.write_text(json.dumps(county.planted, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    files.append(planted)
    return files
