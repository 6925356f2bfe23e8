"""The sample generator: determinism, file formats, and that planted cases are what they claim.

Rule outcomes are recomputed here independently of redline's engine, with
``geopandas.overlay`` and plain date arithmetic, on the in-memory canonical layers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from rasterio import features

from redline.analysis.areas import ellipsoidal_area
from redline.errors import ConfigError, OutputExistsError
from redline.io.outputs import MARKER, read_marker
from redline.synthetic.county import build_sample
from redline.synthetic.specs import AS_OF, CRS, SAMPLES, County
from redline.tools.samples import make_county, make_sample, make_samples

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "samples"
FARM = ("0101", "0102", "0103")
SLIVER = 1.0
MU = 10_000 / 15
NOT_RULES = {"invalid_geometry", "null_geometry", "duplicate_id"}


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def county(request: pytest.FixtureRequest) -> County:
    return build_sample(request.param)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh")
    make_samples(out)
    return out


# ----------------------------------------------------------------- independent rule checks

def _valid(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame[frame.geometry.notna()].copy()
    geom = shapely.make_valid(frame.geometry.to_numpy())
    parts, idx = shapely.get_parts(geom, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    made = shapely.multipolygons(parts[keep], indices=idx[keep])
    rows = np.unique(idx[keep])
    frame = frame.iloc[rows].copy()
    frame["geometry"] = made[rows]
    return frame.set_geometry("geometry", crs=CRS)


def _area_by(frame: gpd.GeoDataFrame, key: str) -> pd.Series:
    if frame.empty:
        return pd.Series(dtype=float)
    return pd.Series(ellipsoidal_area(frame.geometry.to_numpy(), CRS),
                     index=frame[key].to_numpy()).groupby(level=0).sum()


def _minus(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if right.empty:
        return left
    return gpd.overlay(left, right[["geometry"]], how="difference", keep_geom_type=True)


def _inter(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.overlay(left, right[["geometry"]], how="intersection", keep_geom_type=True)


def _years_between(start: pd.Timestamp, end: dt.date) -> int:
    """Full calendar years from start to end; 02-29 + 1 year = 02-28."""
    years = end.year - start.year
    anniversary = (start.month, start.day)
    if anniversary == (2, 29):
        anniversary = (2, 28)
    if (end.month, end.day) < anniversary:
        years -= 1
    return years


def _state_council(approvals: gpd.GeoDataFrame) -> pd.Series:
    """Approvals of the State Council (the generator's canonical ``state_council``)."""
    return approvals["authority"].astype(str) == "state_council"


def _construction(land_code: pd.Series) -> np.ndarray:
    """Construction classes among the samples' change patches (三调, DOMAIN.md)."""
    code = land_code.astype(str)
    return (code.str[:2].isin(["05", "06", "07", "08", "09", "10"]) & (code != "1006")
            | code.isin(["1109", "1201"])).to_numpy()


def _other_agricultural(land_code: pd.Series) -> np.ndarray:
    """Orchard, forest, grassland and pond among the samples' change patches (耕地流出)."""
    code = land_code.astype(str)
    return (code.str[:2].isin(["02", "03", "04"]) | (code == "1104")).to_numpy()


def _quota_overrun(county: County) -> set[str]:
    """The county, when the distinct land it approved in the as-of year by the as-of date
    exceeds the quota released for that year (no phased releases in the samples)."""
    approvals = _valid(county.layers["approvals"])
    when = approvals["approved_on"]
    year = approvals[(when.dt.year == AS_OF.year) & (when <= pd.Timestamp(AS_OF))]
    land = year.dissolve()
    approved_ha = float(ellipsoidal_area(land.geometry.to_numpy(), CRS).sum()) / 10_000
    targets = county.targets
    released = float(targets.loc[targets["year"] == AS_OF.year, "quota_released_ha"].max())
    return {county.admin_code} if approved_ha > released else set()


def _lawful_cover(approvals: gpd.GeoDataFrame, basic: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What each approval may make lawful: a State Council approval of basic farmland
    whole, any other less the basic farmland."""
    whole = _state_council(approvals) & approvals["basic_farmland_approved"]
    cut = _minus(approvals[~whole], basic)
    return gpd.GeoDataFrame(pd.concat([approvals[whole], cut], ignore_index=True), crs=CRS)


def _dated_minus(frame: gpd.GeoDataFrame, cover: gpd.GeoDataFrame, when: str
                 ) -> gpd.GeoDataFrame:
    """Each feature less the cover approved on or before its date (and the as-of date)."""
    parts = []
    for day, group in frame.groupby(when):
        limit = min(pd.Timestamp(day), pd.Timestamp(AS_OF))
        parts.append(_minus(group, cover[cover["approved_on"] <= limit]))
    if not parts:
        return frame.iloc[:0]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)


def _criminal(uncovered: gpd.GeoDataFrame, basic: gpd.GeoDataFrame,
              other_farm: gpd.GeoDataFrame) -> set[str]:
    """Change ids leading a group over the threshold: touching parts of one detection date
    summed (the lead is the one taking the most farmland)."""
    if uncovered.empty:
        return set()
    parts = uncovered.dissolve("change_id", as_index=False)
    on_basic = _area_by(_inter(parts, basic), "change_id").reindex(parts["change_id"]).fillna(0)
    on_farm = _area_by(_inter(parts, other_farm), "change_id").reindex(
        parts["change_id"]).fillna(0)
    pairs = gpd.sjoin(parts, parts, predicate="dwithin", distance=1.0)
    group = {c: c for c in parts["change_id"]}

    def root(c: str) -> str:
        while group[c] != c:
            c = group[c]
        return c

    for a, b, da, db in zip(pairs["change_id_left"], pairs["change_id_right"],
                            pairs["detected_on_left"], pairs["detected_on_right"], strict=True):
        if a != b and da == db:
            group[root(a)] = root(b)
    leads = set()
    frame = pd.DataFrame({"basic": on_basic.to_numpy(), "farm": on_farm.to_numpy(),
                          "group": [root(c) for c in parts["change_id"]]},
                         index=parts["change_id"].to_numpy())
    for _, members in frame.groupby("group"):
        if members["basic"].sum() >= 5 * MU or members["farm"].sum() >= 10 * MU:
            taken = (members["basic"] + members["farm"]).round(2)
            leads.add(sorted(members.index[taken == taken.max()])[0])
    return leads


def _expected(county: County) -> dict[tuple[str, str], set[str]]:
    """Positive (rule, layer) -> feature ids, computed from the layers alone."""
    lay = county.layers
    farmland = _valid(lay["farmland"])
    farmland = farmland[farmland["land_code"].isin(FARM)]
    basic = _valid(lay["basic_farmland"])
    approvals = _valid(lay["approvals"])
    supply = _valid(lay["supply"].drop_duplicates("supply_id"))
    changes = _valid(lay["changes"])
    out: dict[tuple[str, str], set[str]] = {}

    # Only approvals cover, each from its date; basic farmland only a State Council one.
    cover = _lawful_cover(approvals, basic)
    uncovered = _dated_minus(changes[_construction(changes["land_code"])], cover, "detected_on")
    area = _area_by(uncovered, "change_id")
    out["unapproved_construction", "changes"] = set(area.index[area >= SLIVER])
    out["criminal_threshold", "changes"] = _criminal(uncovered, basic,
                                                     _minus(farmland, basic))
    on_farm = _area_by(_inter(changes, farmland), "change_id")
    for rule, kind in (("farmland_loss", _other_agricultural(changes["land_code"])),
                       ("facility_agriculture", (changes["land_code"] == "1202").to_numpy())):
        hit = on_farm.reindex(changes.loc[kind, "change_id"]).fillna(0.0)
        out[rule, "changes"] = set(hit.index[hit >= SLIVER])
    out["quota_overrun", "admin"] = _quota_overrun(county)

    allowed = approvals[approvals["basic_farmland_approved"] & _state_council(approvals)]
    for layer, frame, key in (("approvals", approvals, "approval_id"),
                              ("supply", supply, "supply_id")):
        bad = _area_by(_minus(_inter(frame, basic), allowed), key)
        out["basic_farmland_encroachment", layer] = set(bad.index[bad >= SLIVER])
    provincial = approvals[~_state_council(approvals)]
    unauthorized = _area_by(_inter(provincial, basic), "approval_id")
    out["unauthorized_approval", "approvals"] = set(unauthorized.index[unauthorized >= SLIVER])
    swa = _area_by(_dated_minus(_inter(supply, farmland), cover, "contract_on"), "supply_id")
    out["supply_without_approval", "supply"] = set(swa.index[swa >= SLIVER])
    old = approvals[approvals["approved_on"] <= pd.Timestamp(AS_OF.replace(year=AS_OF.year - 2))]
    ans = _area_by(_minus(old, supply), "approval_id")
    out["approved_not_supplied", "approvals"] = set(ans.index[ans >= SLIVER])

    s = lay["supply"].drop_duplicates("supply_id")
    idle1, idle2, late = set(), set(), set()
    for row in s.itertuples():
        if isinstance(row.delay_cause, str) and "政府" in row.delay_cause:
            continue
        if pd.isna(row.started_on):
            # No agreed start: the contract starts the clock (1999 measures Art. 2(2)).
            clock = row.start_agreed_on if pd.notna(row.start_agreed_on) else row.contract_on
            years = _years_between(pd.Timestamp(clock), AS_OF)
            if (pd.notna(row.start_agreed_on) and years < 1
                    and pd.Timestamp(row.start_agreed_on) < pd.Timestamp(AS_OF)):
                late.add(row.supply_id)
        elif (pd.notna(row.stopped_on)
              and (row.built_area_ratio < 1 / 3 or row.invest_done < 0.25 * row.invest_total)):
            # Started, under a third built or a quarter invested, stopped: idle_1y only.
            years = min(_years_between(pd.Timestamp(row.stopped_on), AS_OF), 1)
        else:
            continue
        if years >= 2:
            idle2.add(row.supply_id)
        elif years == 1:
            idle1.add(row.supply_id)
    out["late_start", "supply"] = late
    out["idle_1y", "supply"], out["idle_2y", "supply"] = idle1, idle2
    affordable = s["purpose"].fillna("").str.contains("经济适用住房|廉租住房|公共租赁住房")
    alloc = s[(s["supply_method"] == "allocation") & s["land_use"].isin(["05H1", "0701", "0601"])
              & ~affordable]
    out["allocation_misuse", "supply"] = set(alloc["supply_id"])
    commercial = s[(s["supply_method"] == "negotiation") & s["land_use"].isin(["05H1", "0701"])
                   & (s["contract_on"] >= pd.Timestamp("2002-07-01"))]
    out["commercial_negotiated", "supply"] = set(commercial["supply_id"])
    ind = s[s["land_use"] == "0601"]
    neg = ind[(ind["supply_method"] == "negotiation") & (ind["contract_on"].dt.year >= 2007)]
    out["industrial_negotiated", "supply"] = set(neg["supply_id"])
    std = ind[(ind["building_coefficient"] < 0.3) | (ind["office_share"] > 0.07)
              | (ind["green_ratio"] > 0.2) | (ind["plot_ratio"] < 0.6)]
    out["industrial_standard", "supply"] = set(std["supply_id"])
    return out


def _planted(county: County, finding: bool) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for p in county.planted:
        if p["finding"] is finding and p["rule"] not in NOT_RULES:
            out.setdefault((p["rule"], p["layer"]), set()).add(p["feature_id"])
    return out


def test_findings_are_exactly_the_planted_ones(county: County) -> None:
    expected = _expected(county)
    positive, negative = _planted(county, True), _planted(county, False)
    for key, ids in expected.items():
        assert ids == positive.get(key, set()), key
    for key, ids in negative.items():
        assert not ids & expected.get(key, set()), key
    for key in positive:
        if key[0] not in ("evidence_mismatch", "accountability_ratio"):
            assert key in expected, key


def test_planted_area_figures(county: County) -> None:
    code = county.admin_code
    changes = county.layers["changes"].set_index("change_id")
    areas = ellipsoidal_area(changes.loc[[f"{code}-CR1", f"{code}-CR2", f"{code}-CR3",
                                          f"{code}-CR4"]].geometry.to_numpy(), CRS) / MU
    assert areas[0] > 5 > areas[1] > 4.9
    assert areas[2] > 10 > areas[3] > 9.8
    # One site: two touching 40 x 50 m pieces, 3 mu each, 6 mu together; the near miss
    # is the same pair 2 m apart.
    pieces = changes.loc[[f"{code}-CRS1-1", f"{code}-CRS1-2"]].geometry
    each = ellipsoidal_area(pieces.to_numpy(), CRS) / MU
    assert each == pytest.approx([3.0, 3.0], abs=0.01)
    assert pieces.iloc[0].touches(pieces.iloc[1])
    apart = changes.loc[[f"{code}-CRS2-1", f"{code}-CRS2-2"]].geometry
    assert apart.iloc[0].distance(apart.iloc[1]) == pytest.approx(2.0)
    towns = county.layers["admin"]
    cross = _inter(changes.loc[[f"{code}-UC4"]].reset_index(), towns)
    assert (ellipsoidal_area(cross.geometry.to_numpy(), CRS) > 100).sum() == 2


def test_accountability_ratio(county: County) -> None:
    lay = county.layers
    farmland = _valid(lay["farmland"])
    farmland = farmland[farmland["land_code"].isin(FARM)]
    approvals = _valid(lay["approvals"])
    changes = _valid(lay["changes"])
    changes = changes[changes["detected_on"].dt.year == AS_OF.year]
    cover = _lawful_cover(approvals, _valid(lay["basic_farmland"]))
    built = changes[_construction(changes["land_code"])]
    illegal = _area_by(_inter(_dated_minus(built, cover, "detected_on"), farmland),
                       "change_id").sum()
    all_changes = _area_by(_inter(built, farmland), "change_id").sum()
    in_year = approvals[approvals["approved_on"].dt.year == AS_OF.year]
    approved = _area_by(_inter(in_year, farmland), "approval_id").sum()
    ratios = (illegal / all_changes, illegal / (illegal + approved))
    entry = next(p for p in county.planted if p["rule"] == "accountability_ratio")
    for ratio in ratios:
        assert bool(ratio >= 0.15) is entry["finding"], ratios


def test_evidence_raster(fresh: Path) -> None:
    for name in SAMPLES:
        county = build_sample(name)
        supply = county.layers["supply"].drop_duplicates("supply_id").reset_index(drop=True)
        with rasterio.open(fresh / name / "evidence.tif") as src:
            band = src.read(1)
            assert src.crs.to_epsg() == 4529
            assert src.profile["compress"].lower() == "lzw"
            ids = features.rasterize(
                ((g, i + 1) for i, g in enumerate(supply.geometry)), out_shape=band.shape,
                transform=src.transform, fill=0, dtype="int32")
            built = band >= 0.5 if band.dtype.kind == "f" else band == 1
            x, y = shapely.get_coordinates(shapely.centroid(supply.set_index("supply_id").loc[
                f"{county.admin_code}-EVD3-S"].geometry))[0]
            t = src.transform
            row, col = round((y - t.f) / t.e), round((x - t.c) / t.a)
            assert built[row - 1:row + 1, col - 1:col + 1].all()
        frac = (np.bincount(ids.ravel(), built.ravel(), len(supply) + 1)
                / np.maximum(np.bincount(ids.ravel(), None, len(supply) + 1), 1))[1:]
        big = ellipsoidal_area(supply.geometry.to_numpy(), CRS) > 400
        started = supply["started_on"].notna().to_numpy()
        flagged = set(supply.loc[big & ~started & (frac >= 0.5), "supply_id"]) | set(
            supply.loc[big & started & (frac <= 0.05), "supply_id"])
        planted = {p["feature_id"] for p in county.planted
                   if p["rule"] == "evidence_mismatch" and p["finding"]}
        assert flagged == planted


# ----------------------------------------------------------------- files

def _same_file(a: Path, b: Path) -> None:
    if a.name == MARKER:  # says which tool wrote the folder, and when
        assert read_marker(a.parent)["tool"] == read_marker(b.parent)["tool"] == "redline samples"
        return
    if a.read_bytes() == b.read_bytes():
        return
    # Fall back to content: another GEOS may order vertices differently.
    if a.suffix in (".shp", ".gpkg"):
        for layer in pyogrio.list_layers(a)[:, 0]:
            left = pyogrio.read_dataframe(a, layer=layer)
            right = pyogrio.read_dataframe(b, layer=layer)
            pd.testing.assert_frame_equal(left.drop(columns="geometry"),
                                          right.drop(columns="geometry"))
            assert shapely.equals_exact(shapely.normalize(left.geometry.values),
                                        shapely.normalize(right.geometry.values), 1e-6).all()
    elif a.suffix == ".tif":
        with rasterio.open(a) as x, rasterio.open(b) as y:
            assert (x.read() == y.read()).all()
    elif a.suffix not in (".shx", ".dbf"):
        raise AssertionError(f"{a} differs from {b}")


def test_committed_samples_match_a_fresh_generation(fresh: Path) -> None:
    for name in SAMPLES:
        made = sorted(p.name for p in (fresh / name).iterdir())
        committed = sorted(p.name for p in (COMMITTED / name).iterdir())
        assert made == committed, name
        for file in made:
            _same_file(COMMITTED / name / file, fresh / name / file)


def test_deterministic(tmp_path: Path, fresh: Path) -> None:
    make_sample(tmp_path, "tiedong")
    for file in (fresh / "tiedong").iterdir():
        if file.name == MARKER:  # holds the time it was written
            continue
        assert file.read_bytes() == (tmp_path / "tiedong" / file.name).read_bytes(), file.name
    # Another seed makes other land (the same number of patches can happen by chance).
    other = build_sample("tiedong", seed=7).layers["farmland"].geometry.to_wkb()
    mine = build_sample("tiedong").layers["farmland"].geometry.to_wkb()
    assert len(other) != len(mine) or (other != mine).any()


def test_gbk_shapefiles_without_code_page() -> None:
    folder = COMMITTED / "tiedong"
    assert not list(folder.glob("*.cpg"))
    dbfs = list(folder.glob("*.dbf"))
    assert {p.stem for p in dbfs} >= {"DLTB", "YJJBNTTB", "XZQ", "报批地块", "供地地块", "变化图斑",
                                      "补充耕地"}
    for dbf in dbfs:
        assert dbf.read_bytes()[29] == 0, dbf.name
    naive = pyogrio.read_dataframe(folder / "DLTB.shp", read_geometry=False, max_features=50)
    assert "水田" not in set(naive["DLMC"])
    right = pyogrio.read_dataframe(folder / "DLTB.shp", read_geometry=False, encoding="gbk")
    assert {"水田", "旱地"} <= set(right["DLMC"])
    assert right["ZLDWDM"].str.len().eq(19).all()
    assert right["ZLDWDM"].str.startswith("210302").all()
    supply = pyogrio.read_dataframe(folder / "供地地块.shp", read_geometry=False, encoding="gbk")
    assert {"划拨", "协议出让", "挂牌"} <= set(supply["GDFS"])
    assert supply["HTRQ"].str.contains("年").all()
    assert str(supply["YDKGRQ"].dtype).startswith("datetime64")
    assert "redline.toml" in {p.name for p in folder.iterdir()}


def test_dltb_fields_and_areas() -> None:
    dltb = pyogrio.read_dataframe(COMMITTED / "tiedong" / "DLTB.shp", encoding="gbk")
    area = np.round(ellipsoidal_area(shapely.make_valid(dltb.geometry.to_numpy()), CRS), 2)
    assert np.allclose(dltb["TBMJ"], area, atol=0.011)
    assert np.allclose(dltb["TBDLMJ"], np.round(dltb["TBMJ"] * (1 - dltb["KCXS"]), 2))
    assert dltb["BSM"].is_unique
    assert (set(dltb["DLBM"]) - set(FARM)) >= {"0301", "0404", "0702", "1101", "05H1", "0601"}
    x0, y0, x1, y1 = dltb.total_bounds
    assert 41_470_000 < x0 < x1 < 41_530_000
    assert 4_520_000 < y0 < y1 < 4_570_000
    # A partition: patches do not overlap.
    tree = shapely.STRtree(dltb.geometry.values)
    a, b = tree.query(dltb.geometry.values, predicate="overlaps")
    overlap = shapely.area(shapely.intersection(dltb.geometry.values[a], dltb.geometry.values[b]))
    assert overlap.sum() < 1e-4  # floating-point noise of the tessellation only


def test_tiexi_geopackage() -> None:
    gpkg = COMMITTED / "tiexi" / "tiexi.gpkg"
    layers = set(pyogrio.list_layers(gpkg)[:, 0])
    assert layers == {"admin", "farmland", "basic_farmland", "approvals", "supply", "changes",
                      "supplement"}
    supply = pyogrio.read_dataframe(gpkg, layer="supply", read_geometry=False)
    assert {"allocation", "negotiation", "listing"} <= set(supply["supply_method"])
    targets = pd.read_csv(COMMITTED / "tiexi" / "targets.csv", encoding="utf-8-sig")
    assert list(targets.columns) == ["admin_code", "year", "farmland_target_ha",
                                     "basic_farmland_target_ha", "quota_ha", "quota_released_ha"]
    with rasterio.open(COMMITTED / "tiexi" / "evidence.tif") as src:
        assert src.dtypes[0] == "float32"


def test_haicheng_messiness() -> None:
    folder = COMMITTED / "haicheng"
    assert not (folder / "approvals.prj").exists()
    assert (folder / "supply.prj").exists()
    assert (folder / "supply.cpg").exists()
    approvals = pyogrio.read_dataframe(folder / "approvals.shp")
    assert approvals.crs is None
    assert approvals.total_bounds[0] > 41_000_000
    changes = pyogrio.read_dataframe(folder / "changes.shp")
    assert changes.geometry.isna().sum() == 1
    supply = pyogrio.read_dataframe(folder / "supply.shp", read_geometry=False)
    assert supply["supply_id"].duplicated().sum() == 1
    assert all(len(c) <= 10 for c in supply.columns)
    assert "start_agreed_on" in (folder / "redline.toml").read_text(encoding="utf-8")


def _read_layers(name: str) -> dict[str, gpd.GeoDataFrame]:
    folder = COMMITTED / name
    if name == "tiexi":
        gpkg = folder / "tiexi.gpkg"
        return {r: pyogrio.read_dataframe(gpkg, layer=r) for r in pyogrio.list_layers(gpkg)[:, 0]}
    files = {"farmland": "DLTB", "basic_farmland": "YJJBNTTB", "admin": "XZQ",
             "approvals": "报批地块", "supply": "供地地块", "changes": "变化图斑"}
    if name == "tiedong":
        return {r: pyogrio.read_dataframe(folder / f"{f}.shp", encoding="gbk")
                for r, f in files.items()}
    return {r: pyogrio.read_dataframe(folder / f"{r}.shp") for r in files}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_planted_ids_exist_and_geometry_is_valid(name: str) -> None:
    layers = _read_layers(name)
    planted = json.loads((COMMITTED / name / "planted.json").read_text(encoding="utf-8"))
    ids = {
        "farmland": "BSM" if name == "tiedong" else "feature_id",
        "approvals": "DZJGH" if name == "tiedong" else "approval_i" if name == "haicheng"
        else "approval_id",
        "supply": "DZJGH" if name == "tiedong" else "supply_id",
        "changes": "JCBH" if name == "tiedong" else "change_id",
        "admin": "XZQDM" if name == "tiedong" else "admin_code",
    }
    rules = set()
    for p in planted:
        assert set(p) == {"rule", "layer", "feature_id", "finding", "note"}
        rules.add(p["rule"])
        frame = layers[p["layer"]]
        column = frame[ids[p["layer"]]]
        if p["layer"] == "admin":
            assert column.str.startswith(p["feature_id"]).all()
        else:
            assert p["feature_id"] in set(column), p
    assert rules >= {"basic_farmland_encroachment", "supply_without_approval",
                     "unapproved_construction", "criminal_threshold", "accountability_ratio",
                     "idle_1y", "idle_2y", "approved_not_supplied", "allocation_misuse",
                     "industrial_negotiated", "industrial_standard", "evidence_mismatch"}
    bad = {p["feature_id"] for p in planted if p["rule"] in ("invalid_geometry", "null_geometry")}
    assert (name == "haicheng") == bool(bad)
    for role, frame in layers.items():
        key = ids.get(role)
        geom = frame.geometry.to_numpy()
        wrong = ~shapely.is_valid(geom) | shapely.is_missing(geom)
        got = set(frame.loc[wrong, key]) if key else set()
        assert got <= bad, (role, got)
        assert key is not None or not wrong.any(), role
        assert frame.crs is None or frame.crs.to_epsg() == 4529


def test_sizes() -> None:
    total = sum(p.stat().st_size for p in COMMITTED.rglob("*") if p.is_file())
    assert total < 5.5e6
    for name in SAMPLES:
        county = build_sample(name)
        counts = {r: len(f) for r, f in county.layers.items()}
        assert counts["farmland"] >= 2000
        assert counts["approvals"] >= 200
        assert counts["supply"] >= 200
        assert counts["changes"] >= 40
        assert counts["supplement"] >= 8
        farm = county.layers["farmland"]["land_code"].isin(FARM).mean()
        assert 0.25 < farm < 0.85


def test_make_county_refuses_to_overwrite(tmp_path: Path) -> None:
    kw = {"name": "x", "admin_code": "210311", "seed": 3, "n_farmland": 300,
          "n_parcels": 20, "plant": False, "evidence": "none"}
    info = make_county(tmp_path, **kw)
    assert (info.path / "x.gpkg").exists()
    with pytest.raises(OutputExistsError):
        make_county(tmp_path, **kw)
    make_county(tmp_path, overwrite=True, **kw)
    with pytest.raises(ConfigError):
        make_county(tmp_path, **{**kw, "admin_code": "2103", "name": "z"})
    with pytest.raises(ConfigError):
        make_county(tmp_path, **{**kw, "plant": True, "name": "y"})


def test_large_county_uses_the_grid(tmp_path: Path) -> None:
    from redline.synthetic.county import build_county

    county = build_county(name="big", admin_code="210381", seed=5, n_farmland=25_000,
                          n_parcels=500, patch_m=60.0)
    farmland = county.layers["farmland"]
    assert len(farmland) > 20_000
    assert shapely.is_valid(farmland.geometry.to_numpy()).all()


def test_cli_samples(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from redline.cli.main import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["samples", str(tmp_path), "--county", "tiexi", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tiexi" / "tiexi.gpkg").exists()
    assert "tiexi:" in result.output
    again = runner.invoke(cli, ["samples", str(tmp_path), "--county", "tiexi"])
    assert again.exit_code == 1
    assert "exists" in again.output
    assert runner.invoke(cli, ["samples", str(tmp_path), "--county", "nowhere"]).exit_code == 2
