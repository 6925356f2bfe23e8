"""Batch runs: fault isolation, resume, dask == process pool, path safety, roll-up, tiles."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from redline.analysis.areas import ellipsoidal_area
from redline.analysis.findings import make_findings
from redline.errors import ConfigError, InputError, OutputExistsError
from redline.io import digest, outputs, write
from redline.io.counties import is_complete, read_counties
from redline.io.safepath import safe_child, safe_name
from redline.report import assets
from redline.report.batch_overview import ratio_color
from redline.schema import FINDING_COLUMNS
from redline.tools import batch
from redline.tools.check import check

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 4_550_000.0
AS_OF = datetime.date(2026, 6, 30)


# --- a tiny county and a stand-in check tool ---------------------------------------------


def make_county(folder: Path, *, code: str, n: int = 3, shift: float = 0.0) -> Path:
    """Basic farmland squares and supply parcels half over them, plus an admin polygon."""
    folder.mkdir(parents=True)
    x = X0 + shift
    bf = [shapely.box(x + i * 300, Y0, x + i * 300 + 200, Y0 + 200) for i in range(n)]
    sup = [shapely.box(x + i * 300 + 100, Y0 + 100, x + i * 300 + 250, Y0 + 250)
           for i in range(n)]
    gpd.GeoDataFrame({"feature_id": [f"B{i}" for i in range(n)]}, geometry=bf, crs=CRS
                     ).to_file(folder / "basic_farmland.gpkg")
    gpd.GeoDataFrame({"supply_id": [f"S{i}" for i in range(n)]}, geometry=sup, crs=CRS
                     ).to_file(folder / "supply.gpkg")
    gpd.GeoDataFrame({"admin_code": [code], "admin_name": [f"县{code}"]},
                     geometry=[shapely.box(x - 50, Y0 - 50, x + n * 300 + 50, Y0 + 300)],
                     crs=CRS).to_file(folder / "admin.gpkg")
    return folder


def fake_check(dataset: str, out: Path, *, as_of: datetime.date | None = None,
               lang: str = "zh", **_: Any) -> SimpleNamespace:
    """The outputs of docs/contract.md for basic-farmland overlaps, by geopandas.overlay."""
    folder = Path(dataset)
    if (folder / "CRASH").exists():
        raise RuntimeError("simulated crash")
    paths = {role: folder / f"{role}.gpkg" for role in ("supply", "basic_farmland", "admin")}
    if not all(p.exists() for p in paths.values()):
        raise InputError("a layer is missing", path=str(folder), fix="add it")
    layers = {role: gpd.read_file(p) for role, p in paths.items()}
    hit = gpd.overlay(layers["supply"], layers["basic_farmland"], how="intersection")
    code = str(layers["admin"]["admin_code"].iloc[0])
    findings = make_findings(
        [{"rule": "basic_farmland_encroachment", "layer": "supply", "feature_id": s,
          "admin_code": code, "message": "占用基本农田", "geometry": g}
         for s, g in zip(hit["supply_id"], hit.geometry, strict=True)], crs=CRS)
    summary = pd.DataFrame([{
        "admin_code": code, "admin_name": layers["admin"]["admin_name"].iloc[0],
        "level": "county", "findings_count": len(findings),
        "basic_farmland_encroachment_count": len(findings),
        "basic_farmland_encroachment_m2": float(findings["area_m2"].sum()),
        "illegal_share": 0.2 if len(findings) > 2 else 0.01,
    }])
    with outputs.staged_dir(out, tool="redline check") as tmp:
        write.write_gpkg(tmp / "findings.gpkg", {"findings": findings})
        write.write_csv(tmp / "findings.csv", pd.DataFrame(findings.drop(columns="geometry")))
        write.write_csv(tmp / "summary.csv", summary)
        write.write_text(tmp / "map.html", "<html></html>")
        write.write_json(tmp / "run.json", {
            "as_of": str(as_of), "lang": lang, "working_crs": CRS, "status": "finished",
            "inputs": [{"role": r, "path": str(p), "sha256": digest.sha256_file(p)}
                       for r, p in paths.items()]})
    ds = SimpleNamespace(layers={r: SimpleNamespace(frame=f) for r, f in layers.items()})
    return SimpleNamespace(findings=findings, dataset=ds)


def interrupting_check(dataset: str, out: Path, **kw: Any) -> SimpleNamespace:
    """fake_check, but the operator stops the batch when it reaches a flagged county."""
    if (Path(dataset) / "INTERRUPT").exists():
        raise KeyboardInterrupt
    return fake_check(dataset, out, **kw)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    make_county(base / "铁东区", code="210302", n=3)
    make_county(base / "tiexi", code="210303", n=2, shift=2000)
    make_county(base / "haicheng", code="210381", n=1, shift=4000)
    (base / "broken").mkdir()  # no layers: a bad-input county
    return base


def run(root: Path, out: Path, **kw: Any) -> batch.BatchRun:
    kw.setdefault("workers", 2)
    return batch.run_batch(root, out, as_of=AS_OF, check=fake_check, progress=False, **kw)


def overlap_m2(folder: Path) -> float:
    """Independent reference: overlap area of supply and basic farmland."""
    sup = gpd.read_file(folder / "supply.gpkg")
    bf = gpd.read_file(folder / "basic_farmland.gpkg")
    inter = shapely.intersection(np.asarray(sup.geometry.values)[:, None],
                                 np.asarray(bf.geometry.values)[None, :])
    return float(ellipsoidal_area(inter.ravel(), CRS).sum())


# --- tests ----------------------------------------------------------------------------------


def test_batch_broken_county_fails_alone(root: Path, tmp_path: Path) -> None:
    (root / "crashing").mkdir()
    make_county(root / "crashing" / "x", code="210304")  # nested, then flagged to crash
    (root / "crashing" / "CRASH").touch()
    result = run(root, tmp_path / "out")
    status = {c.name: c for c in result.counties}
    assert status["broken"].status == "failed"
    assert "a layer is missing" in status["broken"].reason
    assert status["crashing"].status == "failed"
    assert "simulated crash" in status["crashing"].reason
    for name in ("铁东区", "tiexi", "haicheng"):
        assert status[name].status == "finished"
    # Folders named by admin code; failed counties leave no folder.
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir() if p.is_dir()} == {"210302", "210303", "210381"}
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig", dtype={"admin_code": str})
    assert list(summary["county"])[-1] == "合计"
    assert "a layer is missing" in summary.set_index("county").loc["broken", "reason"]
    expected = sum(overlap_m2(root / n) for n in ("铁东区", "tiexi", "haicheng"))
    assert summary.iloc[-1]["basic_farmland_encroachment_m2"] == pytest.approx(expected, rel=1e-6)
    merged = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert len(merged) == 6
    assert merged.groupby("county").size().to_dict() == {"铁东区": 3, "tiexi": 2, "haicheng": 1}
    assert float(merged["area_m2"].sum()) == pytest.approx(expected, rel=1e-6)
    table = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(table.columns[:2]) == ["county", "county_folder"]
    assert set(FINDING_COLUMNS) <= set(table.columns)
    assert len(table) == 6
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == 2
    assert not (out / batch.STAGING).exists()


def overview_data(page: str) -> dict[str, Any]:
    """The counties document of an overview page (the JSON its runtime reads)."""
    found = re.findall(r'<script type="application/json" id="[^"]*-data">(.*?)</script>',
                       page, flags=re.S)
    assert len(found) == 1
    data: dict[str, Any] = json.loads(found[0])
    return data


def test_overview_page_escapes_links_and_carries_the_figures(root: Path,
                                                             tmp_path: Path) -> None:
    evil = root / "<img src=x onerror=alert(1)>{{ 7*7 }}"
    make_county(evil, code="2103x", n=3, shift=6000)  # not an admin code: named by folder
    (root / "tiexi" / "CRASH").touch()
    run(root, tmp_path / "out")
    page = (tmp_path / "out" / "overview.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e{{ 7*7 }}" in page  # data, not a template
    # Offline: no element loads anything, and the only URLs are strings of Leaflet's code.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page, re.I)
    leaflet = assets.leaflet_js() + assets.leaflet_css()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= set(
        re.findall(r"https?://[^\s\"'<>)]+", leaflet))
    assert "检查截至 2026-06-30" in page
    data = overview_data(page)
    by_name = {c["name"]: c for c in data["counties"]}
    # Every county is in the table, a failed one too (with no outline, map or figures).
    assert set(by_name) == {"铁东区", "tiexi", "haicheng", "broken",
                            "<img src=x onerror=alert(1)>{{ 7*7 }}"}
    assert by_name["tiexi"]["status"] == "failed"
    assert by_name["tiexi"]["geom"] is None
    assert by_name["铁东区"]["map"] == "210302/map.html"
    assert by_name["铁东区"]["report"] is None  # the stand-in check writes no report.html
    assert by_name["铁东区"]["geom"]["type"] in ("Polygon", "MultiPolygon")
    assert by_name["铁东区"]["values"]["illegal_share"] == 0.2
    assert by_name["haicheng"]["values"]["illegal_share"] == 0.01
    assert by_name["铁东区"]["values"]["findings"] == 3
    # Only figures some county has are offered; the violation ratio's classes are the
    # accountability line's.
    figures = {f["key"]: f for f in data["figures"]}
    assert list(figures) == ["illegal_share", "findings"]
    assert [c["upper"] for c in figures["illegal_share"]["classes"]] == [0.05, 0.10, 0.15, None]
    assert figures["illegal_share"]["classes"][3]["color"] == ratio_color(0.2)
    folder = by_name["<img src=x onerror=alert(1)>{{ 7*7 }}"]["map"].split("/")[0]
    assert (tmp_path / "out" / folder).is_dir()
    assert not set(folder) & set("<>/")


def test_overview_quartile_classes_hold_every_county() -> None:
    from redline.report.batch_overview import _quartile_classes

    classes = _quartile_classes([0.0, 1.0, 2.0, 3.0, 4.0], "reds")
    # Quartiles of 0..4 are 1, 2, 3: four classes, each county in exactly one.
    assert [b for b, _ in classes] == [1.0, 2.0, 3.0, float("inf")]
    assert _quartile_classes([5.0, 5.0], "reds") == ((float("inf"), "#cb181d"),)


def test_resume_after_interrupted_batch(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (root / "tiexi" / "INTERRUPT").touch()
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(root, out, check=interrupting_check, workers=1, progress=False)
    # haicheng ran before tiexi (sorted order) and is in place; nothing half-written.
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {"210381"}
    (root / "tiexi" / "INTERRUPT").unlink()

    first = run(root, out, resume=True, executor=_Inline())
    by = {c.name: c.status for c in first.counties}
    assert by == {"broken": "failed", "haicheng": "skipped", "tiexi": "finished",
                  "铁东区": "finished"}
    # Change one input: only that county runs again.
    changed = root / "tiexi" / "supply.gpkg"
    frame = gpd.read_file(changed)
    frame.geometry = frame.geometry.translate(10, 0)
    frame.to_file(changed)
    second = run(root, out, resume=True, executor=_Inline())
    by = {c.name: c.status for c in second.counties}
    assert by == {"broken": "failed", "haicheng": "skipped", "tiexi": "finished",
                  "铁东区": "skipped"}
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["210302", "210303", "210381"]
    merged = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert len(merged) == 6


def test_out_not_empty_needs_resume(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("x")
    with pytest.raises(OutputExistsError):
        run(root, out)


class _Inline:
    """An executor that runs each task at submit, in this process (for deterministic tests)."""

    def submit(self, fn: Any, *args: Any) -> Any:
        import concurrent.futures as cf

        future: cf.Future[Any] = cf.Future()
        future.set_running_or_notify_cancel()
        future.set_result(fn(*args))
        return future


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """A local dask cluster of two worker processes, one thread each."""
    import distributed

    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        yield cluster


def test_dask_local_cluster_same_as_pool(root: Path, tmp_path: Path, dask_cluster: Any) -> None:
    pool = run(root, tmp_path / "pool")
    dask = run(root, tmp_path / "dask", scheduler=dask_cluster.scheduler_address)
    assert [(c.name, c.status, c.folder) for c in pool.counties] == [
        (c.name, c.status, c.folder) for c in dask.counties]
    a = gpd.read_file(tmp_path / "pool" / "findings.gpkg").sort_values("finding_id")
    b = gpd.read_file(tmp_path / "dask" / "findings.gpkg").sort_values("finding_id")
    assert list(a["finding_id"]) == list(b["finding_id"])
    np.testing.assert_allclose(a["area_m2"], b["area_m2"], rtol=1e-12)
    sa = pd.read_csv(tmp_path / "pool" / "summary.csv", encoding="utf-8-sig")
    sb = pd.read_csv(tmp_path / "dask" / "summary.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(sa.drop(columns="seconds"), sb.drop(columns="seconds"))


@pytest.mark.parametrize(("name", "expected"), [
    ("../x", "x"), ("..", "county"), ("a/b", "a_b"), ("a\\b", "a_b"), ("a\x00b", "ab"),
    ("line\nbreak", "linebreak"), ("/etc/passwd", "etc_passwd"), ("铁东区", "铁东区"),
    ("CON", "_CON"), ("   ", "county"), (".hidden", "hidden"), ("a..b", "a.b"),
])
def test_safe_name(name: str, expected: str, tmp_path: Path) -> None:
    got = safe_name(name)
    assert got == expected
    assert safe_child(tmp_path, got).parent == tmp_path.resolve()


@pytest.mark.parametrize("name", ["..", "../x", "/abs", "a/../../b", ""])
def test_safe_child_refuses(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        safe_child(tmp_path, name)


def test_batch_toml_hostile_names_stay_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    elsewhere = make_county(tmp_path / "elsewhere" / "abs", code="xx", n=1)
    make_county(root / "a", code="yy", n=1)
    make_county(root / "b", code="zz", n=1, shift=1000)
    make_county(root / "c", code="ww", n=1, shift=2000)
    (root / "batch.toml").write_text(
        "[[county]]\n"
        f'path = "{elsewhere.as_posix()}"\n'
        'name = "../../escaped"\n'
        "[[county]]\n"
        'path = "a"\n'
        'name = "/tmp/evil\\u0000\\n"\n'
        "[[county]]\n"
        'path = "b"\n'
        'name = "海城市"\n'
        "[[county]]\n"
        'path = "c"\n'
        'name = "x"\n'
        'code = "../../210381"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run(root, out, executor=_Inline())
    assert [c.status for c in result.counties] == ["finished"] * 4
    folders = [c.folder for c in result.counties]
    assert folders == ["escaped", "tmp_evil", "海城市", "x"]
    for folder in folders:
        assert (out / folder / "run.json").is_file()
    assert not (tmp_path / "escaped").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out", "root"]


def test_empty_root_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_counties(tmp_path)
    (tmp_path / "batch.toml").write_text("[[county]]\nname = 1\n")
    with pytest.raises(ConfigError):
        read_counties(tmp_path)


def test_cli_batch_exit_code_and_reasons(root: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from redline.cli.main import cli

    monkeypatch.setattr(batch, "_default_check", lambda: fake_check)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(root), "--out", str(out), "--workers", "1",
                                      "--as-of", "2026-06-30", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "3 counties checked, 0 unchanged, 1 failed" in result.output
    assert "failed broken: " in result.output
    again = CliRunner().invoke(cli, ["batch", str(root), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 1
    assert "not empty" in again.output
    (root / "broken").rmdir()
    resumed = CliRunner().invoke(cli, ["batch", str(root), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "0 counties checked, 3 unchanged, 0 failed" in resumed.output


# --- tiles -------------------------------------------------------------------------------


def _encroachment(layers: Any) -> Any:
    """A one-pass analysis: supply parcels on basic farmland no approval covers (per parcel)."""
    from redline.analysis.findings import RuleResult

    sup, bf, app = layers["supply"], layers["basic_farmland"], layers["approvals"]
    covered = shapely.union_all(np.asarray(app.geometry.values))
    on_bf = gpd.overlay(sup, bf, how="intersection")
    records = []
    for sid, part in on_bf.groupby("supply_id"):
        geom = shapely.difference(shapely.union_all(np.asarray(part.geometry.values)), covered)
        if not geom.is_empty:
            records.append({"rule": "basic_farmland_encroachment", "layer": "supply",
                            "feature_id": sid, "message": "", "geometry": geom})
    findings = make_findings(records, crs=CRS)
    findings = pd.concat([findings, make_findings(
        [{"rule": "accountability_ratio", "layer": "county", "feature_id": "c", "message": "",
          "geometry": shapely.box(X0, Y0, X0 + 1, Y0 + 1)}], crs=CRS)], ignore_index=True)
    features = pd.DataFrame({"layer": "supply", "feature_id": sup["supply_id"].to_numpy()})
    return RuleResult(findings=gpd.GeoDataFrame(findings, crs=CRS), features=features)


@pytest.fixture
def big_county() -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(7)
    n = 120
    x = X0 + rng.uniform(0, 5000, n)
    y = Y0 + rng.uniform(0, 5000, n)
    bf = shapely.box(x, y, x + rng.uniform(50, 400, n), y + rng.uniform(50, 400, n))
    m = 60
    sx = X0 + rng.uniform(0, 5000, m)
    sy = Y0 + rng.uniform(0, 5000, m)
    sup = shapely.box(sx, sy, sx + rng.uniform(100, 900, m), sy + rng.uniform(100, 900, m))
    ax = X0 + rng.uniform(0, 5000, 20)
    ay = Y0 + rng.uniform(0, 5000, 20)
    app = shapely.box(ax, ay, ax + 300, ay + 300)
    return {
        "basic_farmland": gpd.GeoDataFrame({"feature_id": [f"B{i}" for i in range(n)]},
                                           geometry=bf, crs=CRS),
        "supply": gpd.GeoDataFrame({"supply_id": [f"S{i}" for i in range(m)]},
                                   geometry=sup, crs=CRS),
        "approvals": gpd.GeoDataFrame({"approval_id": [f"A{i}" for i in range(20)]},
                                      geometry=app, crs=CRS),
    }


@pytest.mark.parametrize("shape", [(3, 1), (1, 3), (2, 2), (4, 3)])
def test_tiled_equals_untiled(big_county: dict[str, gpd.GeoDataFrame],
                              shape: tuple[int, int]) -> None:
    from redline.analysis import tiles

    whole = _encroachment(big_county).findings
    whole = whole[whole["rule"] != "accountability_ratio"].sort_values("finding_id")
    plan = tiles.plan_tiles(big_county, shape=shape)
    assert len(plan) > 1
    owned = np.concatenate([t.owned["supply"] for t in plan])
    assert sorted(owned) == list(range(len(big_county["supply"])))  # each parcel in one tile
    tiled = tiles.run_tiled(big_county, _encroachment, shape=shape)
    got = tiled.findings.sort_values("finding_id")
    assert len(whole) > 10
    assert list(got["finding_id"]) == list(whole["finding_id"])
    # ellipsoidal_area centres its equal-area projection on the array extent: ~1e-9 relative.
    np.testing.assert_allclose(got["area_m2"], whole["area_m2"], rtol=1e-6, atol=0)
    assert "accountability_ratio" not in set(got["rule"])  # county-wide: after merging
    assert sorted(tiled.features["feature_id"]) == sorted(big_county["supply"]["supply_id"])
    # The reference: the same areas by geopandas.overlay, independently of the analysis.
    ref = gpd.overlay(gpd.overlay(big_county["supply"], big_county["basic_farmland"],
                                  how="intersection").dissolve("supply_id").reset_index(),
                      big_county["approvals"], how="difference")
    ref_area = dict(zip(ref["supply_id"], ellipsoidal_area(ref.geometry.values, CRS),
                        strict=True))
    for fid, area in zip(got["feature_id"], got["area_m2"], strict=True):
        assert area == pytest.approx(ref_area[fid], rel=1e-6)


def test_a_tile_sees_an_approval_just_outside_its_box() -> None:
    # Change A's tile ends at A's east edge; the approval 0.5 m east of it belongs to
    # the other tile (its representative point is there). One pass names it as the
    # nearest approval touching A, and so must the tiles.
    from functools import partial

    from redline.analysis import tiles
    from redline.analysis.rules import vector_findings

    a = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    b = shapely.box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)
    strip = shapely.box(X0 + 100.5, Y0 + 20, X0 + 5050, Y0 + 80)
    layers = {
        "changes": gpd.GeoDataFrame(
            {"change_id": ["A", "B"], "detected_on": pd.to_datetime(["2026-03-01"] * 2),
             "land_code": ["0601", "0601"]}, geometry=[a, b], crs=CRS),
        "approvals": gpd.GeoDataFrame(
            {"approval_id": ["P1"], "approved_on": pd.to_datetime(["2025-01-01"])},
            geometry=[strip], crs=CRS),
        "farmland": gpd.GeoDataFrame(
            {"feature_id": ["F1"], "land_code": ["0101"]},
            geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 5200, Y0 + 200)], crs=CRS),
    }
    plan = tiles.plan_tiles(layers, shape=(2, 1))
    assert [t.owned["changes"].tolist() for t in plan] == [[0], [1]]
    assert plan[1].owned["approvals"].tolist() == [0]
    analyse = partial(vector_findings, as_of=datetime.date(2026, 6, 30))
    key = "unapproved_construction/changes/A"
    one = analyse(layers).findings.set_index("finding_id")
    tiled = tiles.run_tiled(layers, analyse, shape=(2, 1)).findings.set_index("finding_id")
    assert "P1" in one.loc[key, "message"]
    assert tiled.loc[key, "message"] == one.loc[key, "message"]


def test_tiles_on_a_process_pool(big_county: dict[str, gpd.GeoDataFrame]) -> None:
    import concurrent.futures as cf

    from redline.analysis import tiles

    one = tiles.run_tiled(big_county, _encroachment, shape=(1, 1)).findings
    with cf.ProcessPoolExecutor(2) as pool:
        spread = tiles.run_tiled(big_county, _encroachment, shape=(2, 2), executor=pool).findings
    assert list(spread["finding_id"]) == list(one["finding_id"])
    np.testing.assert_allclose(spread["area_m2"], one["area_m2"], rtol=1e-6, atol=0)


def test_tiles_are_cut_only_as_a_worker_frees(big_county: dict[str, gpd.GeoDataFrame]
                                              ) -> None:
    # A tile's cut layers stay in the caller until its task ends: with every tile
    # submitted at once the county would be held twice over. Two workers: at most
    # three tiles are out at a time, and the findings are those of one pass.
    import concurrent.futures as cf
    import threading
    import time

    from redline.analysis import tiles

    class Counting(cf.ThreadPoolExecutor):
        def __init__(self) -> None:
            super().__init__(max_workers=2)
            self.out = 0
            self.most = 0
            self.lock = threading.Lock()

        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
            def slow() -> Any:
                time.sleep(0.05)
                try:
                    return fn(*args, **kwargs)
                finally:
                    with self.lock:
                        self.out -= 1
            with self.lock:
                self.out += 1
                self.most = max(self.most, self.out)
            return super().submit(slow)

    assert tiles.max_in_flight(cf.ThreadPoolExecutor(2)) == 3
    one = tiles.run_tiled(big_county, _encroachment, shape=(1, 1)).findings
    with Counting() as pool:
        spread = tiles.run_tiled(big_county, _encroachment, shape=(4, 3), executor=pool)
    assert spread.parameters["tiles"]["count"] > 6
    assert pool.most == 3
    assert list(spread.findings["finding_id"]) == list(one["finding_id"])


# --- the real check on the bundled samples ------------------------------------------------


def test_batch_of_the_samples_with_a_broken_county(tmp_path: Path) -> None:
    import shutil

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    root = tmp_path / "city"
    for name in ("tiexi", "haicheng"):
        shutil.copytree(samples / name, root / name)
    broken = root / "broken"
    broken.mkdir()
    (broken / "approvals.shp").write_bytes(b"not a shapefile")
    out = tmp_path / "out"
    first = batch.run_batch(root, out, as_of=AS_OF, workers=2, progress=False)
    by = {c.name: c for c in first.counties}
    assert by["broken"].status == "failed"
    assert "approvals" in by["broken"].reason
    assert by["tiexi"].status == "finished"
    assert by["haicheng"].status == "finished"
    assert by["tiexi"].findings == len(pd.read_csv(out / by["tiexi"].folder / "findings.csv"))
    merged = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert len(merged) == by["tiexi"].findings + by["haicheng"].findings
    # Nothing changed: a resumed batch skips both GeoPackage and shapefile counties.
    again = batch.run_batch(root, out, as_of=AS_OF, workers=1, resume=True, progress=False,
                            executor=_Inline())
    status = {c.name: c.status for c in again.counties}
    assert status == {"broken": "failed", "tiexi": "skipped", "haicheng": "skipped"}


def test_batch_takes_zipped_counties(tmp_path: Path) -> None:
    # A county sent as a zip sits in the root beside the folders; resuming skips it.
    import shutil
    import zipfile

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    root = tmp_path / "city"
    shutil.copytree(samples / "tiexi", root / "tiexi")
    with zipfile.ZipFile(root / "海城市.zip", "w") as zf:
        for p in sorted((samples / "haicheng").iterdir()):
            zf.write(p, p.name)
    (root / "notes.txt").write_text("not a county", encoding="utf-8")
    assert [c.name for c in read_counties(root)] == ["tiexi", "海城市"]
    out = tmp_path / "out"
    first = batch.run_batch(root, out, as_of=AS_OF, workers=1, progress=False,
                            executor=_Inline())
    by = {c.name: c for c in first.counties}
    assert by["海城市"].status == "finished", by["海城市"].reason
    direct = check(samples / "haicheng", tmp_path / "direct", as_of=AS_OF,
                         progress=False)
    assert by["海城市"].findings == len(direct.findings) > 0
    again = batch.run_batch(root, out, as_of=AS_OF, workers=1, resume=True, progress=False,
                            executor=_Inline())
    assert {c.name: c.status for c in again.counties} == {"tiexi": "skipped",
                                                          "海城市": "skipped"}
    # The same size, one byte different: the county is no longer complete.
    archive = root / "海城市.zip"
    data = bytearray(archive.read_bytes())
    data[200] ^= 1
    archive.write_bytes(bytes(data))
    county = next(c for c in read_counties(root) if c.name == "海城市")
    done, why = is_complete(out / by["海城市"].folder, county)
    assert not done
    assert why == f"{archive.resolve()} changed"


def test_tiles_of_a_county_spread_over_the_cluster(tmp_path: Path, dask_cluster: Any) -> None:
    import shutil

    import distributed

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    root = tmp_path / "city"
    for name in ("tiedong", "tiexi"):
        shutil.copytree(samples / name, root / name)
    options = {"tiles": (2, 2)}
    pool = batch.run_batch(root, tmp_path / "pool", as_of=AS_OF, workers=2, progress=False,
                           check_options=options)
    with distributed.Client(dask_cluster) as client, \
            distributed.get_task_stream(client) as stream:
        dask = batch.run_batch(root, tmp_path / "dask", as_of=AS_OF, progress=False,
                               scheduler=dask_cluster.scheduler_address, check_options=options)
    assert [(c.name, c.status, c.folder) for c in dask.counties] == [
        (c.name, c.status, c.folder) for c in pool.counties]
    assert [c.status for c in dask.counties] == ["finished", "finished"]
    records = {}
    for c in dask.counties:
        a = pd.read_csv(tmp_path / "pool" / c.folder / "findings.csv", encoding="utf-8-sig",
                        dtype={"finding_id": str}).sort_values("finding_id")
        b = pd.read_csv(tmp_path / "dask" / c.folder / "findings.csv", encoding="utf-8-sig",
                        dtype={"finding_id": str}).sort_values("finding_id")
        assert len(a) > 0
        assert list(a["finding_id"]) == list(b["finding_id"])
        assert list(a["rule"]) == list(b["rule"])
        np.testing.assert_allclose(b["area_m2"], a["area_m2"], rtol=0, atol=1e-6)
        runs = {kind: json.loads((tmp_path / kind / c.folder / "run.json").read_text(
            encoding="utf-8"))["parameters"]["tiles"] for kind in ("pool", "dask")}
        assert runs["pool"]["executor"] == "in-process"
        assert runs["dask"]["executor"] == "dask"
        assert runs["dask"]["grid"] == runs["pool"]["grid"] == [2, 2]
        assert runs["dask"]["count"] == runs["pool"]["count"]
        records[c.name] = runs["dask"]
    # Each tile was a task of the cluster of its own, beside the two county tasks.
    keys = [str(task["key"]) for task in stream.data]
    assert sum(k.startswith("run_county-") for k in keys) == 2
    tiles = [task for task in stream.data if str(task["key"]).startswith("_run_tile-")]
    assert len(tiles) == sum(r["count"] for r in records.values())
    assert all(r["count"] > 1 for r in records.values())


def _task(county: Path, staging: Path, **options: Any) -> Any:
    found = read_counties(county.parent)
    return batch._Task(county=next(c for c in found if c.name == county.name),
                       staging=str(staging), as_of=AS_OF, lang="zh", check=None,
                       options={"tiles": (2, 2), **options})


def _tiles_ran(result: Any) -> str:
    run = json.loads((Path(result.staged) / "run.json").read_text(encoding="utf-8"))
    return str(run["parameters"]["tiles"]["executor"])


def test_tiles_lost_on_the_cluster_are_run_in_the_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    shutil.copytree(samples / "tiexi", tmp_path / "city" / "tiexi")

    def lost(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self._used = True
        raise OSError("connection to the scheduler closed")

    monkeypatch.setattr(batch, "_on_dask_worker", lambda: True)
    monkeypatch.setattr(batch._ClusterExecutor, "submit", lost)
    result = batch.run_county(_task(tmp_path / "city" / "tiexi", tmp_path / "stage"))
    assert result.status == "finished", result.reason
    assert _tiles_ran(result) == "in-process"
    assert result.findings > 0


def test_a_callers_executor_wins_over_the_cluster(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    shutil.copytree(samples / "tiexi", tmp_path / "city" / "tiexi")
    monkeypatch.setattr(batch, "_on_dask_worker", lambda: True)
    with ThreadPoolExecutor(2) as mine:
        result = batch.run_county(_task(tmp_path / "city" / "tiexi", tmp_path / "stage",
                                        executor=mine))
    assert result.status == "finished", result.reason
    assert _tiles_ran(result) == "ThreadPoolExecutor"
