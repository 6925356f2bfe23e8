"""Each bad input of the corpus ends as promised (README "Guarantees").

``redline info`` and ``redline check`` run on each case, in a process of their own, and
must: exit 0 or 1 (2 is click's, for a bad option) with no traceback; ``check``, on 1,
prints exactly one ``redline: error`` line (``info`` lists them all); on 0, account
for every feature read in findings.gpkg's features layer; write nothing outside the
output folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from fuzz.corpus import CASES

from conftest import write_county

AS_OF = "2026-06-30"


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.run([sys.executable, "-m", "redline.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600, check=False)


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_input_ends_as_promised(tmp_path: Path, case: str) -> None:
    folder = write_county(tmp_path / "county", "shp")
    CASES[case](folder)
    before = _snapshot(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "out"
    for args in (("info", str(folder)),
                 ("check", str(folder), "--out", str(out), "--as-of", AS_OF)):
        result = _run(*args, tmp=scratch)
        assert "Traceback" not in result.stderr, (case, result.stderr[-2000:])
        assert result.returncode in (0, 1), (case, result.returncode, result.stderr[-500:])
        errors = [line for line in result.stderr.splitlines()
                  if line.startswith("redline: error")]
        if args[0] == "info":  # a report: it lists every error, one per line
            assert (result.returncode == 1) == bool(errors), (case, result.stderr)
        elif result.returncode == 1:
            assert len(errors) == 1, (case, result.stderr)
        else:
            assert not errors
    # Nothing but the output folder was written (the dataset and what lies beside it).
    after = {k: v for k, v in _snapshot(tmp_path).items()
             if not k.startswith(("out/", "scratch/"))}
    assert after == before, case
    assert not list(scratch.iterdir()), case  # no spill or staging left behind
    if out.exists():
        import json

        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        features = gpd.read_file(out / "findings.gpkg", layer="features")
        for item in run["inputs"]:
            if item["role"] in ("approvals", "supply", "changes"):
                listed = int((features["layer"] == item["role"]).sum())
                assert listed == item["count"], (case, item["role"])
