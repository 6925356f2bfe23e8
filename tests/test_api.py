"""The public Python API (``import redline``): names, laziness, version, and one run end to end."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import redline
from redline import errors
from redline.schema import RULES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def tiexi(tmp_path_factory: pytest.TempPathFactory) -> redline.CheckRun:
    out = tmp_path_factory.mktemp("api") / "tiexi"
    return redline.check(SAMPLES / "tiexi", out, as_of="2026-06-30", lang="en", progress=False)


def test_version_is_the_one_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert redline.__version__ == project["version"] == "0.1.0"
    assert importlib.metadata.version("redline") == redline.__version__


def test_changelog_names_the_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{redline.__version__}]" in text


def test_every_public_name_resolves() -> None:
    for name in redline.__all__:
        assert getattr(redline, name) is not None, name
    assert set(redline.__all__) <= set(dir(redline))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = redline.nope  # type: ignore[attr-defined]


def test_errors_are_the_package_classes() -> None:
    assert redline.InputError is errors.InputError
    assert issubclass(redline.InputError, OSError)
    assert issubclass(redline.CRSError, ValueError)
    assert issubclass(redline.OutputExistsError, FileExistsError)
    for cls in (redline.InputError, redline.CRSError, redline.ConfigError,
                redline.OutputExistsError):
        assert issubclass(cls, redline.RedlineError)


def test_import_is_lazy() -> None:
    code = ("import sys, redline; "
            "print(sorted(m for m in ('geopandas', 'shapely', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_check_path_never_loads_the_sample_generator(tmp_path: Path) -> None:
    code = ("import sys, redline; "
            f"redline.check({str(SAMPLES / 'tiexi')!r}, {str(tmp_path / 'out')!r}, "
            "as_of='2026-06-30', progress=False); "
            "print(sorted(m for m in sys.modules if m.startswith('redline.synthetic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def _planted(county: str) -> set[tuple[str, str, str]]:
    cases = json.loads((SAMPLES / county / "planted.json").read_text(encoding="utf-8"))
    return {(c["rule"], c["layer"], c["feature_id"]) for c in cases
            if c["finding"] and c["rule"] in RULES}


def test_check_finds_the_planted_cases(tiexi: redline.CheckRun) -> None:
    found = set(zip(tiexi.findings["rule"], tiexi.findings["layer"],
                    tiexi.findings["feature_id"], strict=True))
    assert found == _planted("tiexi")
    # Planted criminal cases: 4000 m2 of basic farmland (CR1), two touching pieces of
    # 40 x 50 m of basic farmland summed as one site (CRS1), 7000 m2 of other farmland (CR3).
    crimes = tiexi.findings[tiexi.findings["rule"] == "criminal_threshold"]
    assert sorted(crimes["area_m2"].round(0)) == [4000.0, 4000.0, 7000.0]
    assert sorted(crimes["area_mu"].round(2)) == [6.0, 6.0, 10.5]
    assert tiexi.run["as_of"] == "2026-06-30"
    assert tiexi.run["lang"] == "en"
    assert {"findings.gpkg", "findings.csv", "map.html", "report.html", "run.json"} <= {
        p.name for p in tiexi.out.iterdir()}


def test_check_takes_a_dataset_already_read(tmp_path: Path, tiexi: redline.CheckRun) -> None:
    dataset = redline.read_dataset(SAMPLES / "tiexi")
    run = redline.check(dataset, tmp_path / "again", as_of=datetime.date(2026, 6, 30),
                        lang="en", progress=False)
    assert sorted(run.findings["finding_id"]) == sorted(tiexi.findings["finding_id"])


def test_read_results_gives_back_what_check_wrote(tiexi: redline.CheckRun) -> None:
    results = redline.read_results(str(tiexi.out))
    assert isinstance(results, redline.RunOutput)
    assert sorted(results.findings["finding_id"]) == sorted(tiexi.findings["finding_id"])
    assert results.run["findings_total"] == len(tiexi.findings)


def test_write_report_and_map(tiexi: redline.CheckRun, tmp_path: Path) -> None:
    page = redline.write_report(tiexi.out, tmp_path / "report.html", previous=tiexi.out,
                                lang="en")
    assert page.stat().st_size > 10_000
    with pytest.raises(redline.OutputExistsError):
        redline.write_report(tiexi.out, page)
    redline.write_report(tiexi.out, page, overwrite=True, lang="zh")
    assert "耕地" in page.read_text(encoding="utf-8")
    html = redline.make_map(tiexi.out, tmp_path / "map.html", lang="en")
    assert html == tmp_path / "map.html"
    assert "leaflet" in html.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("as_of", ["30/06/2026", "2026-13-01", "soon"])
def test_bad_as_of_is_a_config_error(as_of: str, tmp_path: Path) -> None:
    with pytest.raises(redline.ConfigError, match="as_of was") as caught:
        redline.check(SAMPLES / "tiexi", tmp_path / "x", as_of=as_of)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "x").exists()


def test_bad_lang_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(redline.ConfigError, match="lang was 'fr'"):
        redline.check(SAMPLES / "tiexi", tmp_path / "x", lang="fr")  # type: ignore[arg-type]


def test_missing_dataset_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(redline.InputError, match="does not exist"):
        redline.read_dataset(tmp_path / "nowhere")
    with pytest.raises(OSError, match="does not exist"):  # the built-in still catches it
        redline.info(tmp_path / "nowhere")


def test_make_county_writes_a_dataset_info_reads(tmp_path: Path) -> None:
    made = redline.make_county(tmp_path, name="demo", admin_code="210302", seed=3,
                               n_farmland=400, n_parcels=20, evidence="none", plant=False)
    report = redline.info(made.path)
    assert report.ok
    counts = {ly.role: ly.count for ly in report.layers}
    assert counts["approvals"] == made.counts["approvals"] == 20
