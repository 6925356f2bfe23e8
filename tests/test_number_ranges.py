"""A supply value outside its range is not read: the feature's rules needing it are
unjudged and the value listed, never a negative fee or a -500% built share."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from redline.io.dataset import read_dataset

from conftest import county_layers


def test_negative_and_infinite_supply_values_are_listed_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "county"
    folder.mkdir()
    layers = county_layers()
    layers["supply"] = layers["supply"].assign(CRJK=["-1e12"], JSMJB=["-5"], ZTZ=["inf"])
    for name, frame in layers.items():
        frame.to_file(folder / "county.gpkg", layer=name, driver="GPKG")
    ds = read_dataset(folder)
    supply = ds["supply"]
    assert supply[["price", "built_area_ratio", "invest_total"]].isna().all(axis=None)
    notes = {p.problem for p in ds.all_problems() if p.kind == "bad_value"}
    assert any("price (CRJK) number: -1e+12 is below 0" in n for n in notes), notes
    assert any("built_area_ratio (JSMJB) number: -5 is below 0" in n for n in notes)
    assert any("invest_total (ZTZ) number: 'inf' is not a finite number" in n for n in notes)
    assert isinstance(supply, gpd.GeoDataFrame)
