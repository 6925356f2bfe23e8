"""Built-up fraction from an evidence raster, checked against hand-computed pixel coverage."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

from redline.errors import ConfigError, CRSError, RedlineError
from redline.io import evidence
from redline.io.evidence import built_fraction

# A 4 x 4 class raster of 10 m pixels; 255 is nodata. Rows from the top.
CLASSES = np.array(
    [
        [1, 1, 0, 0],
        [1, 0, 0, 255],
        [0, 0, 1, 1],
        [1, 0, 1, 1],
    ],
    dtype="uint8",
)
PROB = np.array(
    [
        [0.9, 0.8, 0.1, 0.0],
        [0.7, 0.2, 0.3, np.nan],
        [0.0, 0.0, 0.6, 0.6],
        [0.5, 0.0, 0.6, 0.6],
    ],
    dtype="float32",
)

# Raster origins (top-left corner) and pixel size per CRS.
GRIDS = {
    "EPSG:4529": (41_500_000.0, 4_550_040.0, 10.0),   # CGCS2000 GK zone 41, Anshan
    "EPSG:32651": (500_000.0, 4_550_040.0, 10.0),     # UTM 51N
    "EPSG:4490": (123.0, 41.0004, 0.0001),             # CGCS2000 geographic, degrees
}


def _write(path: Path, data: np.ndarray, crs: str | None, *, nodata: float | None) -> Path:
    x0, y0, size = GRIDS[crs or "EPSG:4529"]
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
        dtype=data.dtype.name, crs=crs, transform=Affine(size, 0, x0, 0, -size, y0),
        nodata=nodata,
    ) as ds:
        ds.write(data, 1)
    return path


def _parcels(crs: str) -> gpd.GeoDataFrame:
    """Parcels laid out in pixel units of the raster in ``crs``, returned in EPSG:4529.

    Local coordinates (u, v) are in pixels from the raster's bottom-left corner.
    """
    x0, y0, size = GRIDS[crs]
    bottom = y0 - 4 * size

    def box(u0: float, v0: float, u1: float, v1: float) -> shapely.Polygon:
        return shapely.box(x0 + u0 * size, bottom + v0 * size, x0 + u1 * size, bottom + v1 * size)

    geoms = [
        box(0.5, 2, 2.5, 4),        # A: top two rows, cols 0.5-2.5
        box(2.5, 2, 4, 3),          # B: row 1, half of col 2 and nodata col 3
        box(2.1, 1.1, 2.3, 1.3),    # C: 2 m x 2 m inside pixel (row 2, col 2)
        box(10, 0, 11, 1),          # D: outside the raster
        box(3.2, 2.2, 3.8, 2.8),    # E: on the nodata pixel only
        shapely.Polygon([(x0, bottom), (x0 + 2 * size, bottom), (x0, bottom + 2 * size)]),  # F
        None,                       # G: no geometry
        box(3.5, 0, 4.5, 1),        # H: half outside, on a built pixel
    ]
    frame = gpd.GeoDataFrame(
        {"supply_id": list("ABCDEFGH")}, geometry=geoms, crs=crs, index=range(100, 108)
    )
    return frame.to_crs("EPSG:4529")


# Expected values by hand: per parcel, (covered fraction, value) of each valid pixel.
COVER = {
    "A": [(0.5, (0, 0)), (1, (0, 1)), (0.5, (0, 2)), (0.5, (1, 0)), (1, (1, 1)), (0.5, (1, 2))],
    "B": [(0.5, (1, 2))],  # (1, 3) is nodata
    "C": [(0.04, (2, 2))],
    # F: triangle u + v <= 2 over the bottom-left 2 x 2 pixels.
    "F": [(1, (3, 0)), (0.5, (3, 1)), (0.5, (2, 0))],
    "H": [(0.5, (3, 3))],
}


def _expected(values: np.ndarray, built: bool) -> dict[str, tuple[float, float]]:
    out = {}
    for fid, cells in COVER.items():
        weight = sum(c for c, _ in cells)
        total = sum(c * (float(values[rc] == 1) if built else float(values[rc])) for c, rc in cells)
        out[fid] = (total / weight, weight)
    return out


def test_hand_computed_class_raster(tmp_path: Path) -> None:
    raster = _write(tmp_path / "classes.tif", CLASSES, "EPSG:4529", nodata=255)
    parcels = _parcels("EPSG:4529")
    before = parcels.copy()
    out = built_fraction(parcels, raster, id_column="supply_id")
    pd.testing.assert_frame_equal(parcels, before)  # input untouched
    assert list(out.index) == list(parcels.index)
    assert list(out.columns) == ["supply_id", "built_fraction", "coverage_px", "evidence_problem"]
    got = out.set_index("supply_id")
    # By hand: A = (0.5 + 1 + 0.5) / 4 = 0.5, B = 0 / 0.5, C = 1 (sub-pixel), F = 1 / 2, H = 1.
    hand = {"A": (0.5, 4.0), "B": (0.0, 0.5), "C": (1.0, 0.04), "F": (0.5, 2.0), "H": (1.0, 0.5)}
    for fid, pair in _expected(CLASSES, built=True).items():
        assert pair == pytest.approx(hand[fid])
    for fid, (fraction, cover) in _expected(CLASSES, built=True).items():
        assert got.loc[fid, "built_fraction"] == pytest.approx(fraction, abs=1e-6), fid
        assert got.loc[fid, "coverage_px"] == pytest.approx(cover, abs=1e-6), fid
    for fid in "ABCF":
        assert got.loc[fid, "evidence_problem"] == ""
    assert "outside" in got.loc["D", "evidence_problem"]
    assert "nodata" in got.loc["E", "evidence_problem"]
    assert "no geometry" in got.loc["G", "evidence_problem"]
    assert "partly outside" in got.loc["H", "evidence_problem"]
    assert got.loc[list("DEG"), "built_fraction"].isna().all()


def test_class_raster_masked_by_a_mask_band_or_unmasked(tmp_path: Path) -> None:
    """The pixel 255 left out by a mask band as by a nodata value; with neither, it counts."""
    path = tmp_path / "masked.tif"
    x0, y0, size = GRIDS["EPSG:4529"]
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(
        path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
        crs="EPSG:4529", transform=Affine(size, 0, x0, 0, -size, y0),
    ) as ds:
        ds.write(CLASSES, 1)
        ds.write_mask(np.where(CLASSES == 255, 0, 255).astype("uint8"))
    with rasterio.open(path) as ds:
        assert ds.mask_flag_enums[0] == [rasterio.enums.MaskFlags.per_dataset]
    masked = built_fraction(_parcels("EPSG:4529"), path, id_column="supply_id")
    got = masked.set_index("supply_id")
    for fid, (fraction, cover) in _expected(CLASSES, built=True).items():
        assert got.loc[fid, "built_fraction"] == pytest.approx(fraction, abs=1e-6), fid
        assert got.loc[fid, "coverage_px"] == pytest.approx(cover, abs=1e-6), fid
    assert "nodata" in got.loc["E", "evidence_problem"]

    plain = built_fraction(_parcels("EPSG:4529"),
                           _write(tmp_path / "plain.tif", CLASSES, "EPSG:4529", nodata=None),
                           id_column="supply_id").set_index("supply_id")
    # By hand: B covers half of pixel (1, 2), class 0, and all of (1, 3), class 255: both
    # valid and not built; E lies on 0.6 x 0.6 of (1, 3) alone.
    assert plain.loc["B", ["built_fraction", "coverage_px"]].tolist() == pytest.approx([0.0, 1.5])
    assert plain.loc["E", ["built_fraction", "coverage_px"]].tolist() == pytest.approx(
        [0.0, 0.36])
    assert plain.loc["A", "built_fraction"] == pytest.approx(0.5)


def test_parcels_across_strips_match_pixel_means(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows cut from strips of 16 rows give each pixel-aligned parcel its pixels' mean."""
    monkeypatch.setattr(evidence, "_STRIP_CELLS", 16 * 64)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 3, size=(64, 64)).astype("uint8")  # 2 is nodata
    x0, y0, size = GRIDS["EPSG:4529"]
    path = tmp_path / "tiled.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8",
                       crs="EPSG:4529", transform=Affine(size, 0, x0, 0, -size, y0), nodata=2,
                       tiled=True, blockxsize=16, blockysize=16) as ds:
        ds.write(data, 1)
    boxes = [(int(c), int(r), int(c) + int(w), int(r) + int(h)) for c, r, w, h in
             zip(*rng.integers(0, 48, size=(2, 200)), *rng.integers(1, 17, size=(2, 200)),
                 strict=True)]
    parcels = gpd.GeoDataFrame(
        {"supply_id": [str(i) for i in range(len(boxes))]},
        geometry=[shapely.box(x0 + c0 * size, y0 - r1 * size, x0 + c1 * size, y0 - r0 * size)
                  for c0, r0, c1, r1 in boxes], crs="EPSG:4529")
    out = built_fraction(parcels, path, id_column="supply_id")
    for (c0, r0, c1, r1), fraction, cover in zip(boxes, out["built_fraction"],
                                                 out["coverage_px"], strict=True):
        cells = data[r0:r1, c0:c1]
        valid = cells != 2
        assert cover == pytest.approx(valid.sum())
        if valid.any():
            assert fraction == pytest.approx((cells[valid] == 1).mean())
        else:
            assert np.isnan(fraction)


def test_hand_computed_probability_raster(tmp_path: Path) -> None:
    raster = _write(tmp_path / "prob.tif", PROB, "EPSG:4529", nodata=float("nan"))
    got = built_fraction(_parcels("EPSG:4529"), raster, id_column="supply_id").set_index(
        "supply_id"
    )
    # A by hand: (0.5*0.9 + 0.8 + 0.5*0.1 + 0.5*0.7 + 0.2 + 0.5*0.3) / 4 = 2.0 / 4
    assert got.loc["A", "built_fraction"] == pytest.approx(0.5, abs=1e-6)
    for fid, (fraction, cover) in _expected(PROB, built=False).items():
        assert got.loc[fid, "built_fraction"] == pytest.approx(fraction, abs=1e-6), fid
        assert got.loc[fid, "coverage_px"] == pytest.approx(cover, abs=1e-6), fid
    assert "nodata" in got.loc["E", "evidence_problem"]


@pytest.mark.parametrize("crs", ["EPSG:32651", "EPSG:4490"])
def test_raster_in_another_crs_gives_the_same_fractions(tmp_path: Path, crs: str) -> None:
    reference = built_fraction(
        _parcels("EPSG:4529"), _write(tmp_path / "gk.tif", CLASSES, "EPSG:4529", nodata=255),
        id_column="supply_id",
    )
    parcels = _parcels(crs)
    assert parcels.crs == "EPSG:4529"  # the parcels arrive in the working CRS
    other = built_fraction(
        parcels, _write(tmp_path / "other.tif", CLASSES, crs, nodata=255), id_column="supply_id"
    )
    np.testing.assert_allclose(other["built_fraction"], reference["built_fraction"], atol=1e-6)
    np.testing.assert_allclose(other["coverage_px"], reference["coverage_px"], atol=1e-6)
    assert other["evidence_problem"].tolist() == reference["evidence_problem"].tolist()


def test_class_value_other_than_one_is_not_built(tmp_path: Path) -> None:
    data = np.full((4, 4), 2, dtype="uint8")  # e.g. water
    data[0, 0] = 1
    raster = _write(tmp_path / "c.tif", data, "EPSG:4529", nodata=None)
    got = built_fraction(_parcels("EPSG:4529"), raster, id_column="supply_id").set_index(
        "supply_id"
    )
    assert got.loc["A", "built_fraction"] == pytest.approx(0.5 / 4)


def test_probability_out_of_range_is_a_problem(tmp_path: Path) -> None:
    raster = _write(tmp_path / "p.tif", PROB * 100, "EPSG:4529", nodata=float("nan"))
    got = built_fraction(_parcels("EPSG:4529"), raster, id_column="supply_id").set_index(
        "supply_id"
    )
    assert np.isnan(got.loc["A", "built_fraction"])
    assert "0-1" in got.loc["A", "evidence_problem"]
    # The same file read as classes: nothing equals 1, so nothing is built.
    as_class = built_fraction(_parcels("EPSG:4529"), raster, id_column="supply_id",
                              kind="class", built_value=100)
    assert as_class["built_fraction"].iloc[0] == pytest.approx(0.5 * 0.0 + 0.0)


def test_raster_without_crs_is_an_error(tmp_path: Path) -> None:
    raster = _write(tmp_path / "nocrs.tif", CLASSES, None, nodata=255)
    with pytest.raises(CRSError, match="no CRS") as info:
        built_fraction(_parcels("EPSG:4529"), raster, id_column="supply_id")
    assert isinstance(info.value, RedlineError)


def test_bad_arguments(tmp_path: Path) -> None:
    raster = _write(tmp_path / "c.tif", CLASSES, "EPSG:4529", nodata=255)
    with pytest.raises(ConfigError, match="id column"):
        built_fraction(_parcels("EPSG:4529"), raster, id_column="nope")
    with pytest.raises(RedlineError, match="cannot open"):
        built_fraction(_parcels("EPSG:4529"), tmp_path / "missing.tif", id_column="supply_id")
    no_crs = _parcels("EPSG:4529").set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="parcels have no CRS"):
        built_fraction(no_crs, raster, id_column="supply_id")


def test_reads_only_windows_under_the_parcels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 1000
    data = np.zeros((size, size), dtype="uint8")
    data[:10, :10] = 1
    raster = _write(tmp_path / "big.tif", data, "EPSG:4529", nodata=255)
    x0, y0, _ = GRIDS["EPSG:4529"]
    parcels = gpd.GeoDataFrame(
        {"supply_id": ["a", "b"]},
        geometry=[shapely.box(x0, y0 - 50, x0 + 50, y0),
                  shapely.box(x0 + 5000, y0 - 5000, x0 + 5030, y0 - 4970)],
        crs="EPSG:4529",
    )
    windows: list[tuple[int, int]] = []
    original = rasterio.io.DatasetReader.read

    def spy(self: rasterio.io.DatasetReader, *args: object, **kwargs: object) -> object:
        window = kwargs.get("window")
        assert isinstance(window, Window), "the whole raster was read"
        windows.append((int(window.width), int(window.height)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    out = built_fraction(parcels, raster, id_column="supply_id")
    assert out["built_fraction"].tolist() == [1.0, 0.0]
    assert windows
    assert max(nx * ny for nx, ny in windows) <= 36  # never more than a parcel's bbox


def test_raster_larger_than_memory_budget(tmp_path: Path) -> None:
    """A sparse 40000 x 40000 raster (1.6 GB as uint8) is read without loading it."""
    script = textwrap.dedent(
        f"""
        import resource, warnings
        import numpy as np, rasterio, shapely, geopandas as gpd
        from affine import Affine
        from rasterio.windows import Window
        from redline.io.evidence import built_fraction
        warnings.simplefilter("error")
        path = {str(tmp_path / "huge.tif")!r}
        n = 40_000
        with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1,
                           dtype="uint8", crs="EPSG:4529", nodata=255, tiled=True,
                           blockxsize=256, blockysize=256, compress="deflate",
                           sparse_ok=True,
                           transform=Affine(1, 0, 41_500_000, 0, -1, 4_600_000)) as ds:
            ds.write(np.ones((100, 100), dtype="uint8"), 1, window=Window(20_000, 20_000, 100, 100))
            ds.write(np.zeros((100, 100), dtype="uint8"), 1,
                     window=Window(30_000, 30_000, 100, 100))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parcels = gpd.GeoDataFrame({{"id": ["hit", "miss"]}}, geometry=[
            shapely.box(41_520_000, 4_579_950, 41_520_050, 4_580_000),
            shapely.box(41_530_000, 4_569_950, 41_530_050, 4_570_000)], crs="EPSG:4529")
        out = built_fraction(parcels, path, id_column="id")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert out["built_fraction"].tolist() == [1.0, 0.0], out
        print((after - before) // 1024)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    grown_mb = int(done.stdout.strip())
    assert grown_mb < 200, f"peak memory grew by {grown_mb} MB"


def _by_pixel_boxes(geom: shapely.Geometry, data: np.ndarray, transform: Affine,
                    nodata: int) -> tuple[float, float]:
    """Built fraction and valid coverage from each pixel's box intersected with the polygon.

    Independent of the code under test: GEOS intersections of the polygon (moved to
    pixel units, so that the areas keep their digits) with every pixel's square.
    """
    inverse = ~transform
    local = shapely.transform(geom, lambda xy: np.c_[inverse.a * xy[:, 0] + inverse.c,
                                                     inverse.e * xy[:, 1] + inverse.f])
    rows, cols = np.mgrid[0:data.shape[0], 0:data.shape[1]]
    cells = shapely.box(cols, rows, cols + 1, rows + 1)
    cover = shapely.area(shapely.intersection(cells, local))
    valid = data != nodata
    weight = float((cover * valid).sum())
    built = float((cover * valid * (data == 1)).sum())
    return (built / weight if weight else float("nan")), weight


def test_polygons_of_every_shape_match_pixel_box_intersections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holes, multipolygons, slivers, concave and partly outside parcels, both orientations,
    across strips and windows: the fractions of GEOS pixel-box intersections to 1e-9."""
    monkeypatch.setattr(evidence, "_STRIP_CELLS", 8 * 48)
    monkeypatch.setattr(evidence, "_WINDOW_GAP", 4)
    rng = np.random.default_rng(11)
    data = rng.integers(0, 3, size=(40, 48)).astype("uint8")  # 2 is nodata
    data[30:, 40:] = 2
    x0, y0, size = GRIDS["EPSG:4529"]
    transform = Affine(size, 0, x0, 0, -size, y0)
    path = tmp_path / "shapes.tif"
    with rasterio.open(path, "w", driver="GTiff", width=48, height=40, count=1, dtype="uint8",
                       crs="EPSG:4529", transform=transform, nodata=2, tiled=True,
                       blockxsize=16, blockysize=16) as ds:
        ds.write(data, 1)

    def at(u: float, w: float) -> tuple[float, float]:
        return (x0 + u * size, y0 - w * size)

    def poly(points: list[tuple[float, float]],
             holes: tuple[list[tuple[float, float]], ...] = ()) -> shapely.Polygon:
        return shapely.Polygon([at(*p) for p in points], [[at(*p) for p in h] for h in holes])

    shapes = [
        poly([(1.3, 1.7), (9.9, 2.2), (8.1, 11.6), (2.2, 9.4)]),                  # quadrilateral
        poly([(12, 1), (30, 1), (30, 20), (12, 20)], ([(15.5, 4.5), (25.2, 4.1),
                                                      (24.7, 15.3), (16.1, 14.8)],)),  # hole
        shapely.MultiPolygon([poly([(33.2, 2.1), (36.9, 2.1), (36.9, 6.6)]),
                              poly([(38.4, 9.3), (44.1, 9.3), (44.1, 17.2), (38.4, 17.2)])]),
        poly([(5.25, 20.5), (5.45, 20.5), (5.45, 20.6)]),                        # sub-pixel
        poly([(2, 22), (20, 22), (20, 35), (17, 35), (17, 25), (5, 25), (5, 35), (2, 35)]),
        poly([(-3.3, 36.2), (6.7, 33.1), (7.2, 43.9), (-2.1, 45.8)]),           # over two edges
        poly([(41.5, 31.5), (46.5, 31.5), (46.5, 38.5), (41.5, 38.5)]),          # on nodata
        poly([(22.0, 22.0), (30.0, 22.0), (30.0, 30.0), (22.0, 30.0)]),          # on pixel lines
        poly([(31.0, 25.0), (39.0, 24.0), (31.5, 25.1)]),                         # sliver
        poly([(46.2, 1.5), (53.0, 1.5), (53.0, 8.8), (46.2, 8.8)]).reverse(),   # clockwise
    ]
    shapes += [shapely.affinity.rotate(poly([(10, 30), (16, 30), (16, 37), (10, 37)]), angle,
                                       origin="centroid") for angle in (17.0, 63.0)]
    parcels = gpd.GeoDataFrame({"supply_id": [str(i) for i in range(len(shapes))]},
                               geometry=shapes, crs="EPSG:4529")
    assert parcels.is_valid.all()
    out = built_fraction(parcels, path, id_column="supply_id")
    for i, geom in enumerate(shapes):
        fraction, cover = _by_pixel_boxes(geom, data, transform, nodata=2)
        assert out["coverage_px"].iloc[i] == pytest.approx(cover, rel=1e-9, abs=1e-12), i
        if cover > 0:
            assert out["built_fraction"].iloc[i] == pytest.approx(fraction, rel=1e-9), i
        else:
            assert np.isnan(out["built_fraction"].iloc[i]), i
    assert "nodata" in out["evidence_problem"].iloc[6]
    assert "partly outside" in out["evidence_problem"].iloc[5]
    assert "partly outside" in out["evidence_problem"].iloc[9]


def test_invalid_polygon_is_still_measured(tmp_path: Path) -> None:
    """A self-crossing parcel (left to exactextract) beside valid ones gets a value too."""
    raster = _write(tmp_path / "classes.tif", CLASSES, "EPSG:4529", nodata=255)
    x0, y0, size = GRIDS["EPSG:4529"]
    bowtie = shapely.Polygon([(x0, y0), (x0 + 2 * size, y0 - 2 * size),
                              (x0 + 2 * size, y0), (x0, y0 - 2 * size)])
    parcels = pd.concat([_parcels("EPSG:4529"), gpd.GeoDataFrame(
        {"supply_id": ["bowtie"]}, geometry=[bowtie], crs="EPSG:4529")])
    out = built_fraction(parcels, raster, id_column="supply_id").set_index("supply_id")
    assert out.loc["bowtie", "coverage_px"] > 0
    for fid, (fraction, cover) in _expected(CLASSES, built=True).items():
        assert out.loc[fid, "built_fraction"] == pytest.approx(fraction, abs=1e-9), fid
        assert out.loc[fid, "coverage_px"] == pytest.approx(cover, abs=1e-9), fid
