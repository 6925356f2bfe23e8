"""Doctest set-up: examples run from the repository root and write only into pytest's tmp_path.

The Examples in ``redline/`` use ``tempfile.mkdtemp()`` so that they stay runnable as
written; here ``tempfile`` is pointed at a fresh ``tmp_path`` for each doctest, so
pytest cleans their outputs up with its own temporary folders.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _doctest_sandbox(request: pytest.FixtureRequest) -> None:
    if not isinstance(request.node, pytest.DoctestItem):
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(ROOT)  # the examples name the samples as data/samples/...
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
