"""The notebooks run from top to bottom, offline, writing nothing into the repository."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_quickstart", "02_inspector_walkthrough", "03_batch_ledger"]
#: Seconds a notebook may take (the kernel start and imports included).
BUDGET_S = 120


def _files(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_the_notebooks_are_all_here() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name: str) -> None:
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: outputs committed; strip them"
            assert cell.execution_count is None, f"{name}: execution counts committed"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_offline(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                               ) -> None:
    # Any HTTP(S) request made through a proxy-aware client goes nowhere; temporary
    # folders made by the notebook land in tmp_path.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    before = _files(NOTEBOOKS, ROOT / "data")

    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(book, timeout=BUDGET_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error

    assert _files(NOTEBOOKS, ROOT / "data") == before, "the notebook wrote into the repository"
    outputs = [out for cell in book.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    pages = [h for h in html if "<iframe srcdoc=" in h]
    assert pages, "no page (map, report, overview) shown inline"
    assert all("leaflet" in p.lower() for p in pages[:1])
    assert any(str(tmp_path) in "".join(o.get("text", "")) for o in outputs), \
        "outputs were not written under the temporary folder"
    if name != "01_quickstart":
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert images, "no chart drawn"
