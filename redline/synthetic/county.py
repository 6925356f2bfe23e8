"""Deterministic synthetic counties: the committed samples and benchmark-sized datasets.

Every county is made from one seed by a numpy ``Generator``: the same seed gives the
same features, attributes and coordinates on every run. Land (三调 DLTB-like patches) is a
tessellation of jittered points (Voronoi) or, for large counties, a perturbed grid,
clipped to a smooth county outline and cut by township lines. Parcels (approvals, supply,
change patches) are rotated rectangles on a coarse grid of sites, all "clean" (covered,
supplied, started on time), plus *planted cases* in square slots of 300 m whose land is
designed so each case triggers exactly the rules it is meant to (``planted.json``).

:func:`build_county` makes a county in memory; :func:`redline.synthetic.files.write_county`
writes it, and :func:`redline.make_county` does both into a folder.

Examples
--------
>>> county = build_county(name="demo", admin_code="210302", seed=1, n_farmland=400,
...                       n_parcels=40, plant=False)
>>> len(county.layers["approvals"])  # one approval per parcel site
40
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from redline.analysis.areas import ellipsoidal_area
from redline.errors import ConfigError
from redline.synthetic.cases import LAYOUTS, NAT, QUADRANTS, Case, day, place_slots, planted_cases
from redline.synthetic.geometry import (
    county_outline,
    overlay,
    polygonal,
    rects,
    tessellate,
    township_cells,
)
from redline.synthetic.specs import (
    APPROVAL_COLS,
    AS_OF,
    CHANGE_COLS,
    CODES,
    CRS,
    HILLS,
    INDUSTRIES_ZH,
    LAND_NAMES,
    QUOTA_MARGIN_HA,
    RURAL,
    SAMPLES,
    SLOT_M,
    SLOT_SPACING_M,
    SUPPLY_COLS,
    URBAN,
    USE_NAMES,
    County,
)


def _sites(rng: np.random.Generator, outline: shapely.Geometry, avoid: NDArray[Any], n: int,
           n_spare: int) -> tuple[NDArray[np.float64], float, NDArray[np.intp], NDArray[np.intp]]:
    """Centres of ``n`` parcel sites and ``n_spare`` spare ones on a jittered grid.

    The grid is made finer until enough squares of one spacing fit inside the
    outline and clear of the planted slots; returns the candidate centres, the
    spacing, and the indices of the sites and spare sites among the candidates.
    """
    free_area = shapely.area(outline) - len(avoid) * SLOT_SPACING_M**2
    spacing = math.sqrt(0.7 * free_area / (n + n_spare))
    x0, y0, x1, y1 = shapely.bounds(outline)
    shapely.prepare(outline)
    guard = shapely.STRtree(shapely.buffer(avoid, 30.0)) if len(avoid) else None
    jitter = rng.uniform(-0.04, 0.04, (1, 2))
    for _ in range(40):
        gx, gy = np.meshgrid(np.arange(x0 + spacing / 2, x1, spacing),
                             np.arange(y0 + spacing / 2, y1, spacing))
        cand = np.column_stack([gx.ravel(), gy.ravel()])
        jitter = rng.uniform(-0.04, 0.04, cand.shape)
        cand = np.round(cand + jitter * spacing, 2)
        half = spacing / 2
        box = shapely.box(cand[:, 0] - half, cand[:, 1] - half, cand[:, 0] + half,
                          cand[:, 1] + half)
        ok = shapely.contains(outline, box)
        if guard is not None:
            hit, _ = guard.query(box, predicate="intersects")
            ok[hit] = False
        free = np.flatnonzero(ok)
        if len(free) >= n + n_spare:
            break
        spacing *= 0.95
    pick = free[rng.permutation(len(free))[: n + n_spare]]
    return cand, spacing, np.sort(pick[n_spare:]), np.sort(pick[:n_spare])


def _serial(prefix: str | pd.Series, n: int, width: int, start: int = 1) -> NDArray[Any]:
    nums = pd.Series(np.arange(start, start + n)).astype(str).str.zfill(width)
    return np.asarray(prefix + nums, dtype=object)


def _days(rng: np.random.Generator, lo: int, hi: int, n: int) -> NDArray[Any]:
    return rng.integers(lo, hi, n).astype("timedelta64[D]")


def _land(rng: np.random.Generator, pieces: NDArray[Any], outline: shapely.Geometry,
          urban: float) -> NDArray[Any]:
    """Land classes from position: an urban core, hills on one side, a river, farmland elsewhere."""
    cx, cy = shapely.get_coordinates(shapely.centroid(outline))[0]
    radius = math.sqrt(shapely.area(outline) / math.pi)
    xy = shapely.get_coordinates(shapely.point_on_surface(pieces))
    dx, dy = (xy[:, 0] - cx) / radius, (xy[:, 1] - cy) / radius
    u = np.exp(-((dx + 0.25) ** 2 + (dy - 0.1) ** 2) / (2 * urban**2)) if urban > 0 else 0 * dx
    hills = 1 / (1 + np.exp(-(0.7 * dx - 0.7 * dy - 0.45) / 0.08))
    weights = (np.outer((1 - u) * (1 - hills), RURAL) + np.outer(u, URBAN)
               + np.outer((1 - u) * hills, HILLS))
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    pick = (cum < rng.random(len(pieces))[:, None]).sum(axis=1)
    codes = np.asarray(CODES, dtype=object)[np.minimum(pick, len(CODES) - 1)]
    river = np.abs(dy - 0.3 * np.sin(2.2 * dx) + 0.35) < 0.025
    codes[river & (u < 0.5)] = "1101"
    return codes


def _land_layers(  # noqa: PLR0915 -- one pass from cells to layers; splitting scatters state
    rng: np.random.Generator, *, admin_code: str, outline: shapely.Geometry,
    towns: NDArray[Any], town_codes: NDArray[Any], town_names: NDArray[Any],
    cells: NDArray[Any], slots: NDArray[np.float64], cases: list[Case],
    slot_boxes: NDArray[Any], urban: float,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame,
                            list[dict[str, Any]]]:
    """Farmland (DLTB-like, every land class), basic farmland and townships."""
    # Carve the slots out of the tessellation and fill them with designed quadrants.
    n_cells = len(cells)
    designed_code: list[str] = []
    designed_basic: list[bool] = []
    designed_geom: list[shapely.Geometry] = []
    bad_rows: list[tuple[int, str]] = []
    if len(slot_boxes):
        tree = shapely.STRtree(slot_boxes)
        ci, _ = tree.query(cells, predicate="intersects")
        ci = np.unique(ci)
        cells = cells.copy()
        cells[ci] = polygonal(shapely.difference(cells[ci], shapely.union_all(slot_boxes)))
        for (sx, sy), case in zip(slots, cases, strict=True):
            for q, (code, is_basic) in enumerate(LAYOUTS[case.layout]):
                qx0, qy0, qx1, qy1 = QUADRANTS[q]
                geom = shapely.box(sx + qx0, sy + qy0, sx + qx1, sy + qy1)
                if case.bad_land and q == 0:  # bow-tie
                    geom = shapely.polygons([(sx + qx0, sy + qy0), (sx + qx1, sy + qy1),
                                             (sx + qx1, sy + qy0), (sx + qx0, sy + qy1)])
                    bad_rows.append((len(designed_geom), "bow-tie ring"))
                elif case.bad_land and q == 3:  # self-touching ring (an inverted hole)
                    geom = shapely.polygons(
                        [(sx + qx0, sy + qy0), (sx + qx1, sy + qy0), (sx + qx1, sy + qy1),
                         (sx + qx0, sy + qy1), (sx + qx0, sy + 225), (sx + 190, sy + 235),
                         (sx + 190, sy + 215), (sx + qx0, sy + 225)])
                    bad_rows.append((len(designed_geom), "self-touching ring"))
                designed_geom.append(geom)
                designed_code.append(code)
                designed_basic.append(is_basic)
    patches = np.concatenate([cells, np.array(designed_geom, dtype=object)])
    keep = ~shapely.is_empty(patches)
    keep[n_cells:] = True
    valid_patch = np.flatnonzero(keep)
    pieces, pi, zi = overlay(patches[valid_patch[shapely.is_valid(patches[valid_patch])]], towns)
    src = valid_patch[shapely.is_valid(patches[valid_patch])][pi]
    # Invalid designed patches cannot be cut; they lie inside one township by construction.
    bad_idx = np.array([n_cells + r for r, _ in bad_rows], dtype=np.intp)
    if len(bad_idx):
        _, town_of_bad = shapely.STRtree(towns).query(
            shapely.centroid(shapely.envelope(patches[bad_idx])), predicate="intersects")
        pieces = np.concatenate([pieces, patches[bad_idx]])
        src = np.concatenate([src, bad_idx])
        zi = np.concatenate([zi, town_of_bad])
    n = len(pieces)
    repaired = polygonal(shapely.make_valid(pieces))
    codes = _land(rng, repaired, outline, urban)
    farm = np.isin(codes, ("0101", "0102", "0103"))
    basic = farm & (rng.random(n) < 0.75)
    designed = src >= n_cells
    if designed.any():
        codes[designed] = np.asarray(designed_code, dtype=object)[src[designed] - n_cells]
        basic[designed] = np.asarray(designed_basic)[src[designed] - n_cells]
    farm = np.isin(codes, ("0101", "0102", "0103"))

    # Farmland (DLTB-like): ids, village codes, areas.
    xy = shapely.get_coordinates(shapely.point_on_surface(repaired))
    village = 1 + ((xy[:, 0] // 1500).astype(np.int64) * 31
                   + (xy[:, 1] // 1500).astype(np.int64) * 17) % 40
    zldwdm = town_codes[zi] + pd.Series(village).astype(str).str.zfill(3).to_numpy() + "0000000"
    tbmj = np.round(ellipsoidal_area(repaired, CRS), 2)
    kcxs = np.where(farm, rng.choice(np.array([0.0, 0.024, 0.052, 0.087, 0.129]), n), 0.0)
    tbdlmj = np.round(tbmj * (1 - kcxs), 2)
    feature_id = _serial(admin_code, n, 8)
    tbbh = pd.Series(zldwdm).groupby(zldwdm).cumcount().add(1).astype(str).to_numpy(dtype=object)
    farmland = gpd.GeoDataFrame({
        "feature_id": feature_id, "TBBH": tbbh, "land_code": codes,
        "DLMC": pd.Series(codes).map(LAND_NAMES).to_numpy(dtype=object), "admin_code": zldwdm,
        "TBMJ": tbmj, "KCXS": kcxs, "KCMJ": np.round(tbmj - tbdlmj, 2), "TBDLMJ": tbdlmj,
    }, geometry=pieces, crs=CRS)
    bf = farmland[basic]
    basic_farmland = gpd.GeoDataFrame({
        "feature_id": _serial(admin_code + "9", len(bf), 7),
        "YJJBNTTBBH": np.asarray(pd.Series(np.arange(1, len(bf) + 1)).astype(str), dtype=object),
        "land_code": bf["land_code"].to_numpy(), "DLMC": bf["DLMC"].to_numpy(),
        "admin_code": bf["admin_code"].to_numpy(), "YJJBNTMJ": bf["TBDLMJ"].to_numpy(),
    }, geometry=bf.geometry.to_numpy(), crs=CRS)
    admin = gpd.GeoDataFrame({"admin_code": town_codes, "admin_name": town_names,
                              "level": np.full(len(towns), "township", dtype=object)},
                             geometry=towns, crs=CRS)
    bad = [{"rule": "invalid_geometry", "layer": "farmland",
            "feature_id": feature_id[np.flatnonzero(src == n_cells + row_i)[0]],
            "finding": True, "note": why + " in a 0103 patch"} for row_i, why in bad_rows]
    return farmland, basic_farmland, admin, bad


def _background(  # noqa: PLR0915 -- one pass over the sites, vectorised, in draw order
    rng: np.random.Generator, *, admin_code: str, outline: shapely.Geometry,
    slot_boxes: NDArray[Any], farmland: gpd.GeoDataFrame,
    basic_farmland: gpd.GeoDataFrame, n_parcels: int, change_share: float,
                recent_share: float, recent_on_farmland: bool
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, NDArray[Any]]:
    """Clean parcels: approvals, supply tiling them, change patches; and spare sites."""
    as_of = np.datetime64(AS_OF, "D")
    farm = farmland["land_code"].isin(("0101", "0102", "0103")).to_numpy()
    # Background sites: one approval each, tiled by one or two supply parcels.
    n_supp = max(8, n_parcels // 15)
    cand, spacing, sites, supp_sites = _sites(rng, outline, slot_boxes, n_parcels, n_supp)
    m = len(sites)
    cx, cy = cand[sites, 0], cand[sites, 1]
    a = spacing * rng.uniform(0.15, 0.32, m)
    b = spacing * rng.uniform(0.15, 0.32, m)
    angle = rng.uniform(-0.35, 0.35, m)
    approvals_geom = rects(cx, cy, angle, -a, a, -b, b)
    supplied = rng.random(m) >= 0.2
    split = supplied & (rng.random(m) < 0.35)
    cut = -a + 2 * a * rng.uniform(0.35, 0.65, m)
    recent_ok = np.ones(m, dtype=bool)
    if not recent_on_farmland:  # new construction this year only off farmland
        farm_geom = farmland.geometry.to_numpy()[farm]
        ai, fj = shapely.STRtree(farm_geom).query(approvals_geom, predicate="intersects")
        on_farm = np.bincount(ai, shapely.area(shapely.intersection(approvals_geom[ai],
                                                                    farm_geom[fj])), m)
        recent_ok = on_farm < 0.01 * shapely.area(approvals_geom)
    state = np.where(rng.random(m) < 0.12, 2,
                     np.where((rng.random(m) < change_share) & recent_ok, 1, 0))
    state[~supplied] = -1  # 0 old and built, 1 started recently (a change patch), 2 not started

    first = np.flatnonzero(supplied)
    second = np.flatnonzero(split)
    s_site = np.concatenate([first, second])
    s_x0 = np.concatenate([-a[first], cut[second]])
    s_x1 = np.concatenate([np.where(split[first], cut[first], a[first]), a[second]])
    s_geom = rects(cx[s_site], cy[s_site], angle[s_site], s_x0, s_x1, -b[s_site], b[s_site])
    order = np.argsort(s_site, kind="stable")
    s_site, s_x0, s_x1, s_geom = s_site[order], s_x0[order], s_x1[order], s_geom[order]
    ns = len(s_site)
    s_state = state[s_site]

    # Supply dates by state (AS_OF fixed, so nothing depends on the day of generation).
    contract = np.full(ns, NAT)
    agreed = np.full(ns, NAT)
    started = np.full(ns, NAT)
    old, recent, future = s_state == 0, s_state == 1, s_state == 2
    span = int((day("2024-06-30") - day("2010-01-01")).astype(int))
    contract[old] = day("2010-01-01") + _days(rng, 0, span, int(old.sum()))
    agreed[old] = contract[old] + _days(rng, 120, 366, int(old.sum()))
    started[old] = agreed[old] + _days(rng, -60, 150, int(old.sum()))
    started[recent] = as_of - _days(rng, 30, 360, int(recent.sum()))
    contract[recent] = started[recent] - _days(rng, 90, 300, int(recent.sum()))
    agreed[recent] = started[recent] + _days(rng, -30, 60, int(recent.sum()))
    contract[future] = as_of - _days(rng, 30, 300, int(future.sum()))
    agreed[future] = as_of + _days(rng, 100, 400, int(future.sum()))
    # All parcels of a site share the site's first contract date (one approval, one batch).
    site_contract = pd.Series(contract).groupby(s_site).transform("min").to_numpy()
    contract = site_contract.astype("datetime64[D]")

    uses = np.array(["0601", "05H1", "0701", "08H1", "1003"], dtype=object)
    use = uses[(np.cumsum([.4, .15, .25, .1, .1])[None, :] < rng.random(ns)[:, None]).sum(1)]
    method = np.full(ns, "listing", dtype=object)
    draw = rng.random(ns)
    method[(use == "0601") & (draw < 0.1)] = "tender"
    method[np.isin(use, ("05H1", "0701")) & (draw < 0.4)] = "auction"
    method[np.isin(use, ("08H1", "1003"))] = "allocation"
    area = ellipsoidal_area(s_geom, CRS)
    unit = np.select([use == "0601", use == "05H1", use == "0701"],
                     [rng.uniform(250, 450, ns), rng.uniform(1500, 3500, ns),
                      rng.uniform(1200, 3000, ns)], rng.uniform(50, 150, ns))
    built = np.select([old, recent], [rng.uniform(0.6, 1.0, ns), rng.uniform(0.4, 0.9, ns)], 0.0)
    invest = np.select([old, recent], [rng.uniform(0.7, 1.0, ns), rng.uniform(0.3, 0.9, ns)], 0.0)
    ind = use == "0601"
    supply_bg = pd.DataFrame({
        "supply_id": None, "supply_method": method, "land_use": use, "contract_on": contract,
        "start_agreed_on": agreed, "started_on": started, "stopped_on": np.full(ns, NAT),
        "purpose": None, "built_area_ratio": np.round(built, 2),
        "invest_ratio": invest, "delay_cause": None,
        "plot_ratio": np.where(ind, np.round(rng.uniform(1.1, 2.2, ns), 2), np.nan),
        "building_coefficient": np.where(ind, np.round(rng.uniform(0.35, 0.65, ns), 2), np.nan),
        "green_ratio": np.where(ind, np.round(rng.uniform(0.05, 0.18, ns), 2), np.nan),
        "office_share": np.where(ind, np.round(rng.uniform(0.02, 0.065, ns), 3), np.nan),
        "industry_i": np.where(ind, rng.integers(0, len(INDUSTRIES_ZH), ns), -1),
        "geometry": s_geom, "_area": area, "_unit": unit,
    })

    # Approval dates: before the site's first contract, or recent when nothing is supplied.
    approved = np.full(m, NAT)
    first_contract = pd.Series(contract).groupby(s_site).min()
    approved[first_contract.index.to_numpy()] = (first_contract.to_numpy().astype("datetime64[D]")
                                                 - _days(rng, 30, 400, len(first_contract)))
    lone = ~supplied
    in_year = lone & (rng.random(m) < recent_share)
    approved[in_year] = day("2026-01-05") + _days(rng, 0, 170, int(in_year.sum()))
    earlier = lone & ~in_year
    approved[earlier] = as_of - _days(rng, 185, 700, int(earlier.sum()))
    approvals_bg = pd.DataFrame({"approval_id": None, "approved_on": approved,
                                 "state_council": False, "basic_farmland_approved": False,
                                 "geometry": approvals_geom})
    # A background approval over basic farmland is a State Council one that allows it.
    over, _ = shapely.STRtree(basic_farmland.geometry.to_numpy()).query(
        approvals_geom, predicate="intersects")
    approvals_bg.loc[np.unique(over), ["state_council", "basic_farmland_approved"]] = True

    # Change patches: inside the first supply parcel of each recently started site.
    chg = np.flatnonzero((s_state == 1) & ~pd.Series(s_site).duplicated().to_numpy())
    nc = len(chg)
    w = s_x1[chg] - s_x0[chg]
    bb = b[s_site[chg]]
    c_geom = rects(cx[s_site[chg]], cy[s_site[chg]], angle[s_site[chg]],
                    s_x0[chg] + w * rng.uniform(0.05, 0.3, nc),
                    s_x1[chg] - w * rng.uniform(0.05, 0.3, nc),
                    -bb + 2 * bb * rng.uniform(0.05, 0.3, nc),
                    bb - 2 * bb * rng.uniform(0.05, 0.3, nc))
    changes_bg = pd.DataFrame({"change_id": None,
                               "detected_on": as_of - _days(rng, 10, 170, nc),
                               "land_code": use[chg], "geometry": c_geom})
    # Ids: background by year and serial, planted ones carry their case tag.
    app_year = pd.Series(approved).dt.year.astype(str)
    approvals_bg["approval_id"] = _serial(admin_code + app_year + "P", m, 5)
    sup_year = pd.Series(contract).dt.year.astype(str).to_numpy(dtype=object)
    supply_bg["supply_id"] = _serial(admin_code + pd.Series(sup_year) + "G", ns, 5)
    changes_bg["change_id"] = _serial(admin_code + "2026JC", nc, 5)
    k = max(8, n_parcels // 15)
    sa, sb = spacing * rng.uniform(0.15, 0.3, k), spacing * rng.uniform(0.15, 0.3, k)
    spare = rects(cand[supp_sites, 0], cand[supp_sites, 1], rng.uniform(-0.3, 0.3, k),
                   -sa, sa, -sb, sb)
    return approvals_bg, supply_bg, changes_bg, spare


def _planted_rows(slots: NDArray[np.float64], cases: list[Case], admin_code: str, *,
                  messy: bool, accountability_over: bool | None
                  ) -> tuple[list[list[dict[str, Any]]], list[tuple[shapely.Geometry, float]],
                             list[dict[str, Any]]]:
    """Planted rows moved from slot-local to county coordinates, their burns and expectations."""
    # Planted rows, moved from slot-local to county coordinates.
    planted: list[dict[str, Any]] = []
    burns: list[tuple[shapely.Geometry, float]] = []
    p_app: list[dict[str, Any]] = []
    p_sup: list[dict[str, Any]] = []
    p_chg: list[dict[str, Any]] = []
    for (sx, sy), case in zip(slots, cases, strict=True):
        def move(g: shapely.Geometry, sx: float = sx, sy: float = sy) -> shapely.Geometry:
            return shapely.transform(g, lambda pts, sx=sx, sy=sy: pts + np.array([sx, sy]))
        for rows, out in ((case.approvals, p_app), (case.supply, p_sup), (case.changes, p_chg)):
            for row in rows:
                out.append({**row, "geometry": move(row["geometry"])})
        burns += [(move(g), v) for g, v in case.burns]
        planted += [{"rule": r, "layer": la, "feature_id": f, "finding": hit, "note": note}
                    for r, la, f, hit, note in case.expect]
    if messy:
        p_chg.append({"change_id": f"{admin_code}-NULL", "detected_on": day("2026-05-06"),
                      "land_code": "0601", "geometry": None})
        planted.append({"rule": "null_geometry", "layer": "changes",
                        "feature_id": f"{admin_code}-NULL", "finding": True,
                        "note": "a change patch with no geometry: listed, cannot be judged"})

    if accountability_over is not None:
        planted.append({
            "rule": "accountability_ratio", "layer": "admin", "feature_id": admin_code,
            "finding": accountability_over,
            "note": ("illegally occupied farmland (unapproved change patches of the as-of year) "
                     + ("is over" if accountability_over else "stays under")
                     + " 15% of farmland newly occupied for construction in the year"),
        })
    return [p_app, p_sup, p_chg], burns, planted


def build_county(*, name: str, admin_code: str, seed: int, n_farmland: int = 3000,
                 n_parcels: int = 300, origin: tuple[float, float] = (41_500_000.0, 4_550_000.0),
                 county_name: str | None = None,
                 townships: tuple[tuple[str, str], ...] | None = None,
                 patch_m: float = 110.0, urban: float = 0.35, change_share: float = 0.7,
                 recent_share: float = 0.3, recent_on_farmland: bool = True,
                 messy: bool = False, plant: bool = True, farmland_target_factor: float = 0.98,
                 accountability_over: bool | None = None,
                 quota_over: bool | None = None) -> County:
    """Make a county in memory; :func:`redline.make_county` writes one. Parameters as there."""
    if len(admin_code) != 6 or not admin_code.isdigit():
        raise ConfigError(f"admin_code {admin_code!r} is not a 6-digit county code",
                          fix="pass a county code such as 210302")
    rng = np.random.default_rng(seed)
    outline = county_outline(rng, origin, n_farmland * patch_m**2)
    n_town = len(townships) if townships else max(4, min(40, n_farmland // 300))
    towns = township_cells(rng, outline, n_town)
    if townships is None:
        townships = tuple((f"{i + 1:03d}", f"第{i + 1}乡镇") for i in range(len(towns)))
    town_codes = np.array([admin_code + t[0] for t in townships[: len(towns)]], dtype=object)
    town_names = np.array([t[1] for t in townships[: len(towns)]], dtype=object)

    cells = tessellate(rng, outline, patch_m)
    cases = planted_cases(admin_code, messy=messy) if plant else []
    slots = place_slots(rng, outline, towns, cases) if cases else np.zeros((0, 2))
    slot_boxes = shapely.box(slots[:, 0], slots[:, 1], slots[:, 0] + SLOT_M,
                             slots[:, 1] + SLOT_M)


    farmland, basic_farmland, admin, bad = _land_layers(
        rng, admin_code=admin_code, outline=outline, towns=towns, town_codes=town_codes,
        town_names=town_names, cells=cells, slots=slots, cases=cases, slot_boxes=slot_boxes,
        urban=urban)
    approvals_bg, supply_bg, changes_bg, spare = _background(
        rng, admin_code=admin_code, outline=outline, slot_boxes=slot_boxes, farmland=farmland,
        basic_farmland=basic_farmland, n_parcels=n_parcels,
        change_share=change_share, recent_share=recent_share,
        recent_on_farmland=recent_on_farmland)
    (p_app, p_sup, p_chg), burns, planted = _planted_rows(
        slots, cases, admin_code, messy=messy, accountability_over=accountability_over)
    planted += bad

    approvals = pd.concat([pd.DataFrame(p_app), approvals_bg], ignore_index=True)
    supply = pd.concat([pd.DataFrame(p_sup), supply_bg], ignore_index=True)
    changes = pd.concat([pd.DataFrame(p_chg), changes_bg], ignore_index=True)
    approvals = _finish_approvals(approvals, rng)
    supply = _finish_supply(supply, rng, name_of_county=county_name or name)
    changes = gpd.GeoDataFrame(changes[list(CHANGE_COLS)], geometry=changes["geometry"].to_numpy(),
                               crs=CRS)
    built = supply.geometry[supply["_built"]].to_numpy()
    burns += [(g, 1.0) for g in built]
    supply = supply.drop(columns=["_built"])
    burns += [(g, 1.0) for g in changes.geometry.to_numpy() if g is not None]

    supplement = _supplement(rng, admin_code, spare, towns, town_codes)
    farm = farmland["land_code"].isin(("0101", "0102", "0103"))
    farm_ha = float(farmland.loc[farm, "TBDLMJ"].sum()) / 1e4
    basic_ha = float(basic_farmland["YJJBNTMJ"].sum()) / 1e4
    targets = pd.DataFrame({
        "admin_code": [admin_code, admin_code], "year": [2025, 2026],
        "farmland_target_ha": np.round([farm_ha * farmland_target_factor] * 2, 2),
        "basic_farmland_target_ha": np.round([basic_ha * 0.99] * 2, 2),
        "quota_ha": np.round([farm_ha * 0.02, farm_ha * 0.025], 2),
        "quota_released_ha": np.round([farm_ha * 0.02, farm_ha * 0.015], 2),
    })
    if quota_over is not None:
        approved_ha = _approved_in_year(approvals)
        released = round(approved_ha + QUOTA_MARGIN_HA[quota_over], 2)
        targets.loc[1, "quota_released_ha"] = released
        targets.loc[1, "quota_ha"] = max(round(farm_ha * 0.025, 2), released)
        planted.append({
            "rule": "quota_overrun", "layer": "admin", "feature_id": admin_code,
            "finding": quota_over,
            "note": (f"{approved_ha:.2f} ha approved in {AS_OF.year} by {AS_OF.isoformat()}, "
                     f"{released:.2f} ha of quota released: "
                     + ("over" if quota_over else "within") + " the quota released"),
        })
    layers = {"admin": admin, "farmland": farmland, "basic_farmland": basic_farmland,
              "approvals": approvals, "supply": supply, "changes": changes,
              "supplement": supplement}
    return County(name, admin_code, county_name or name, layers, targets, outline, burns,
                  planted)


def _approved_in_year(approvals: gpd.GeoDataFrame) -> float:
    """Distinct land (ha, ellipsoidal) approved in the year of :data:`AS_OF` up to it."""
    when = pd.to_datetime(approvals["approved_on"])
    mine = ((when.dt.year == AS_OF.year) & (when <= pd.Timestamp(AS_OF))).to_numpy(dtype=bool)
    land = shapely.union_all(shapely.make_valid(approvals.geometry.to_numpy()[mine]))
    return float(ellipsoidal_area(np.array([land]), CRS)[0]) / 1e4


def _supplement(rng: np.random.Generator, admin_code: str, geoms: NDArray[Any],
                towns: NDArray[Any], town_codes: NDArray[Any]) -> gpd.GeoDataFrame:
    """Farmland compensation projects (补充耕地); areas in hectares."""
    k = len(geoms)
    ha = np.round(ellipsoidal_area(geoms, CRS) / 1e4, 4)
    _, town = shapely.STRtree(towns).query(shapely.centroid(geoms), predicate="intersects")
    completed = day("2016-01-01") + _days(rng, 0, 3600, k)
    return gpd.GeoDataFrame({
        "project_id": _serial("BC" + admin_code + pd.Series(completed).dt.year.astype(str)
                              + "-", k, 3),
        "farmland_added": ha, "paddy_added": np.round(ha * rng.uniform(0, 0.6, k), 4),
        "grade": rng.integers(5, 13, k).astype(float), "admin_code": town_codes[town],
        "completed_on": completed,
    }, geometry=geoms, crs=CRS)


def _finish_approvals(frame: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    year = pd.Series(frame["approved_on"]).dt.year.astype(str)
    num = pd.Series(rng.integers(1, 400, len(frame))).astype(str)
    frame = frame.assign(
        doc_no=("辽政地〔" + year + "〕" + num + "号").to_numpy(dtype=object),
        authority=np.where(frame["state_council"], "state_council", "province"),
        basic_farmland_approved=frame["basic_farmland_approved"].astype(bool),
        project=("批次" + pd.Series(np.arange(1, len(frame) + 1)).astype(str)).to_numpy(
            dtype=object),
    )
    return gpd.GeoDataFrame(frame[list(APPROVAL_COLS)], geometry=frame["geometry"].to_numpy(),
                            crs=CRS)


def _finish_supply(frame: pd.DataFrame, rng: np.random.Generator,
                   *, name_of_county: str) -> gpd.GeoDataFrame:
    geom = frame["geometry"].to_numpy()
    n = len(frame)
    area = ellipsoidal_area(geom, CRS)
    unit = (frame["_unit"].to_numpy(dtype=float).copy() if "_unit" in frame
            else np.full(n, np.nan))
    use = frame["land_use"].to_numpy(dtype=object)
    fill = np.isnan(unit)
    unit[fill] = np.select([use[fill] == "0601", use[fill] == "05H1", use[fill] == "0701"],
                           [320.0, 2400.0, 1800.0], 100.0)
    total = np.round(area * rng.uniform(1500, 5000, n) / 1e4, 2)
    started = pd.Series(frame["started_on"]).notna().to_numpy()
    out = frame.assign(
        project=(name_of_county + pd.Series(use).map(USE_NAMES).str.replace(r"^\d.*", "公共设施",
                                                                            regex=True)
                 + "项目" + pd.Series(np.arange(1, n + 1)).astype(str)).to_numpy(dtype=object),
        price=np.round(area * unit / 1e4, 2), invest_total=total,
        invest_done=np.round(total * frame["invest_ratio"].to_numpy(dtype=float), 2),
        industry=np.asarray(frame["industry_i"].astype(int), dtype=np.int64),
        _built=started & (frame["built_area_ratio"].to_numpy(dtype=float) >= 0.4),
    )
    # Planted parcels burn their own evidence; only background ones are burnt from records.
    out.loc[out["supply_id"].astype(str).str.contains("-", regex=False), "_built"] = False
    return gpd.GeoDataFrame(out[[*SUPPLY_COLS, "_built"]], geometry=geom, crs=CRS)


def build_sample(name: str, **overrides: Any) -> County:
    """Build one of the committed sample counties (:data:`SAMPLES`) in memory, unwritten."""
    if name not in SAMPLES:
        raise ConfigError(f"county was {name!r} but is expected to be one of {sorted(SAMPLES)}")
    spec = SAMPLES[name]
    kwargs: dict[str, Any] = {
        "name": spec.name, "admin_code": spec.admin_code, "seed": spec.seed,
        "n_farmland": spec.n_farmland, "n_parcels": spec.n_parcels, "origin": spec.origin,
        "county_name": spec.county_name, "townships": spec.townships, "urban": spec.urban,
        "change_share": spec.change_share, "recent_share": spec.recent_share,
        "recent_on_farmland": spec.recent_on_farmland, "messy": spec.messy,
        "farmland_target_factor": spec.farmland_target_factor,
        "accountability_over": spec.accountability_over, "quota_over": spec.quota_over,
    }
    kwargs.update(overrides)
    return build_county(**kwargs)
