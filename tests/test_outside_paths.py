"""No file outside the dataset folder is read unless the user allows it.

redline.toml paths that are absolute or climb out with ``../``, and symlinks inside the
folder pointing out of it, are errors naming the file and the flag that allows them; the
outside file's content never reaches the outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline.cli.main import cli
from redline.io.dataset import read_dataset

from conftest import write_county

SECRET = "秘密-SECRET-9f3a"


def _dataset_and_outside(tmp_path: Path) -> tuple[Path, Path]:
    folder = write_county(tmp_path / "county", "gpkg")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "targets.csv").write_text(f"admin_code,year,farmland_target_ha\n{SECRET},2025,1\n",
                                         encoding="utf-8")
    return folder, outside


@pytest.mark.parametrize("how", ["absolute", "climbing", "symlink"])
def test_a_targets_table_outside_the_dataset_is_refused(tmp_path: Path, how: str) -> None:
    folder, outside = _dataset_and_outside(tmp_path)
    if how == "absolute":
        (folder / "redline.toml").write_text(
            f'[layers.targets]\npath = "{(outside / "targets.csv").as_posix()}"\n')
    elif how == "climbing":
        (folder / "redline.toml").write_text(
            '[layers.targets]\npath = "../elsewhere/targets.csv"\n')
    else:
        (folder / "targets.csv").symlink_to(outside / "targets.csv")
    ds = read_dataset(folder)
    (error,) = ds.errors
    assert error.kind == "outside_dataset"
    assert "--outside-paths" in error.fix
    assert ds.targets is None
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    assert "lies outside the dataset folder" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    # Allowed on the command line, the same table is read.
    allowed = read_dataset(folder, outside_paths=True)
    assert not allowed.errors
    assert allowed.targets is not None


def test_a_layer_symlinked_from_outside_is_refused(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "county", "gpkg")
    other = tmp_path / "other"
    other.mkdir()
    shutil.move(folder / "county.gpkg", other / "county.gpkg")
    (folder / "county.gpkg").symlink_to(other / "county.gpkg")
    ds = read_dataset(folder)
    assert {e.kind for e in ds.errors} == {"outside_dataset"}
    assert not ds.layers
    assert read_dataset(folder, outside_paths=True).layers


def test_a_toml_layer_path_climbing_out_is_refused(tmp_path: Path) -> None:
    folder = write_county(tmp_path / "county", "shp")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for part in folder.glob("supply.*"):
        shutil.move(part, elsewhere / part.name)
    (folder / "redline.toml").write_text('[layers.supply]\npath = "../elsewhere/supply.shp"\n')
    (error,) = read_dataset(folder).errors
    assert error.kind == "outside_dataset"
    assert error.role == "supply"
    result = CliRunner().invoke(cli, ["check", str(folder), "--out", str(tmp_path / "out"),
                                      "--outside-paths"])
    assert result.exit_code == 0, result.output
