"""Cells a spreadsheet would run as formulas are written as text in every CSV and the xlsx.

The payload (OWASP's example) is given as a supply id; it reaches findings.csv and the
other tables quoted with a leading apostrophe, and the GeoPackage keeps it as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from redline.cli.main import cli
from redline.io.write import neutralise_formulas, write_csv

from conftest import county_layers

PAYLOAD = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_quoted(tmp_path: Path, start: str) -> None:
    table = pd.DataFrame({"id": [f"{start}1+1", "plain"], "n": [-5.0, 1.0]})
    write_csv(tmp_path / "t.csv", table)
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1] == [f"'{start}1+1", "-5.0"]  # the number stays a number
    assert rows[2] == ["plain", "1.0"]
    assert table["id"].iloc[0] == f"{start}1+1"  # the caller's frame is not changed
    assert neutralise_formulas(table)["id"].iloc[0] == f"'{start}1+1"


def test_a_payload_id_is_text_in_every_table_and_kept_in_the_geopackage(
        tmp_path: Path) -> None:
    folder = tmp_path / "county"
    folder.mkdir()
    layers = county_layers()
    layers["supply"] = layers["supply"].assign(DZJGH=[PAYLOAD])
    for name, frame in layers.items():
        frame.to_file(folder / "county.gpkg", layer=name, driver="GPKG")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", str(folder), "--out", str(out),
                                      "--as-of", "2026-06-30"])
    assert result.exit_code == 0, result.output
    seen = 0
    for table in sorted(out.glob("*.csv")):
        text = table.read_text(encoding="utf-8-sig")
        with table.open(encoding="utf-8-sig", newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not any(c.startswith(("=", "+", "@")) for c in cells), table.name
        seen += text.count(f"'{PAYLOAD}")
    assert seen >= 1  # the supply's finding names it
    features = gpd.read_file(out / "findings.gpkg", layer="features")
    assert PAYLOAD in features["feature_id"].tolist()
    for book in out.glob("*.xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book.name, cell.coordinate, cell.value)
