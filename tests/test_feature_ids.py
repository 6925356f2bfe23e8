"""Blank ids: every output names a feature whose id is missing or blank the same way.

The reader makes an id ``<role>#<row>`` for a feature it finds none for; frames made
otherwise (a script's own, a layer edited after reading) may hold missing or blank
ids, and then the rules, the supply rules, the tiles, the features layer and the map
must agree on the name, or a finding is lost between them.
"""

from __future__ import annotations

import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import redline
from redline.analysis.findings import feature_ids
from redline.analysis.rules import vector_findings
from redline.analysis.supply import supply_findings
from redline.analysis.tiles import COUNTY_RULES, run_tiled

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AS_OF = datetime.date(2026, 6, 30)


def test_the_rule() -> None:
    frame = pd.DataFrame({"change_id": [" C-1 ", "", "   ", None, np.nan, "C-6"],
                          "_row": [0, 1, 2, 3, 4, 9]})
    assert feature_ids(frame, "changes").tolist() == [
        "C-1", "changes#1", "changes#2", "changes#3", "changes#4", "C-6"]
    # No id field: the row; a layer of checked features: its feature_id.
    assert feature_ids(frame[["_row"]], "changes").tolist()[-1] == "changes#9"
    checked = pd.DataFrame({"feature_id": ["PZ-1", ""]})
    assert feature_ids(checked, "approvals").tolist() == ["PZ-1", "approvals#1"]


@pytest.fixture(scope="module")
def blanked() -> redline.Dataset:
    """A sample county with the ids of its findings' parcels made blank, three ways."""
    ds = redline.read_dataset(SAMPLES / "tiexi")
    layers = {r: ly.frame for r, ly in ds.layers.items()}
    findings = pd.concat([vector_findings(layers, as_of=AS_OF).findings,
                          supply_findings(layers, as_of=AS_OF).findings])
    for role, field in (("changes", "change_id"), ("supply", "supply_id")):
        frame = ds.layers[role].frame.copy()
        hit = frame[field].isin(set(findings.loc[findings["layer"] == role, "feature_id"]))
        rows = np.flatnonzero(hit.to_numpy())
        assert len(rows) >= 3
        ids = frame[field].astype(object).to_numpy().copy()
        for k, blank in zip(rows[:3], (None, "", "  "), strict=True):
            ids[k] = blank
        frame[field] = ids
        ds.layers[role].frame = frame
    return ds


def test_tiles_own_the_parcels_the_rules_name(blanked: redline.Dataset) -> None:
    layers = {r: ly.frame for r, ly in blanked.layers.items()}
    overlap = partial(vector_findings, as_of=AS_OF)
    one = overlap(layers).findings
    tiled = run_tiled(layers, overlap, shape=(2, 2)).findings
    wanted = one[~one["rule"].isin(COUNTY_RULES)]
    assert {"changes#" in f for f in wanted["feature_id"]} == {True, False}
    assert sorted(tiled["finding_id"]) == sorted(wanted["finding_id"])


def test_the_supply_rules_name_blank_parcels_as_the_overlap_rules_do(
        blanked: redline.Dataset) -> None:
    layers = {r: ly.frame for r, ly in blanked.layers.items()}
    overlap = vector_findings(layers, as_of=AS_OF).features
    supply = supply_findings(layers, as_of=AS_OF).features
    names = set(overlap.loc[overlap["layer"] == "supply", "feature_id"])
    assert set(supply.loc[supply["layer"] == "supply", "feature_id"]) == names
    assert sum("supply#" in n for n in names) == 3


def test_the_features_layer_marks_the_blank_parcels_found(
        blanked: redline.Dataset, tmp_path: Path) -> None:
    run = redline.check(blanked, tmp_path / "out", as_of=AS_OF, progress=False)
    features = run.features.set_index(["layer", "feature_id"])
    made = run.findings[run.findings["feature_id"].str.contains("#")]
    assert len(made) >= 3
    for layer, fid in zip(made["layer"], made["feature_id"], strict=True):
        assert features.loc[(layer, fid), "status"] == "finding", (layer, fid)
