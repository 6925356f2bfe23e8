"""redline: guard the farmland red line in a county's land data.

Read a dataset, run the checks, get GeoDataFrames back, write outputs, make a map (or
explore it as a folium map), run a batch. The functions are imported on first use, so
``import redline`` (and the ``redline`` command) start fast.

Examples
--------
>>> import tempfile
>>> import redline
>>> redline.info("data/samples/tiedong").ok
True
>>> out = tempfile.mkdtemp()
>>> run = redline.check("data/samples/tiedong", f"{out}/tiedong", as_of="2026-06-30")
>>> run.findings.groupby("rule").size()["basic_farmland_encroachment"]
np.int64(3)
>>> redline.make_map(f"{out}/tiedong", f"{out}/tiedong.html").suffix
'.html'
>>> m = redline.explore(run)  # the same map as a folium.Map, for a notebook or more layers
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from redline.errors import (
    ConfigError,
    CRSError,
    InputError,
    OutputBusyError,
    OutputExistsError,
    OutputPathError,
    RedlineError,
    VerdictFileError,
)
from redline.version import __version__

if TYPE_CHECKING:
    from redline.io.dataset import read_dataset
    from redline.io.postgis import read_postgis, write_postgis
    from redline.io.results import RunOutput, read_results
    from redline.model import Dataset, Layer, Problem
    from redline.settings import CheckOptions
    from redline.tools.batch import BatchRun, CountyResult, run_batch
    from redline.tools.check import CheckRun, check
    from redline.tools.fieldwork import FieldworkRun, fieldwork
    from redline.tools.info import InfoReport, info
    from redline.tools.map import explore, make_map
    from redline.tools.report import write_report
    from redline.tools.samples import make_county, make_sample
    from redline.tools.verdicts import VerdictImport, import_verdicts

#: Public name -> module it is imported from on first use.
_LAZY: dict[str, str] = {
    "check": "redline.tools.check",
    "explore": "redline.tools.map",
    "info": "redline.tools.info",
    "make_county": "redline.tools.samples",
    "make_map": "redline.tools.map",
    "make_sample": "redline.tools.samples",
    "read_dataset": "redline.io.dataset",
    "read_postgis": "redline.io.postgis",
    "write_postgis": "redline.io.postgis",
    "run_batch": "redline.tools.batch",
    "write_report": "redline.tools.report",
    "BatchRun": "redline.tools.batch",
    "CountyResult": "redline.tools.batch",
    "RunOutput": "redline.io.results",
    "read_results": "redline.io.results",
    "Dataset": "redline.model",
    "Layer": "redline.model",
    "Problem": "redline.model",
    "CheckRun": "redline.tools.check",
    "InfoReport": "redline.tools.info",
    "CheckOptions": "redline.settings",
    "fieldwork": "redline.tools.fieldwork",
    "FieldworkRun": "redline.tools.fieldwork",
    "import_verdicts": "redline.tools.verdicts",
    "VerdictImport": "redline.tools.verdicts",
}

__all__ = [
    "BatchRun",
    "CRSError",
    "CheckOptions",
    "CheckRun",
    "ConfigError",
    "CountyResult",
    "Dataset",
    "FieldworkRun",
    "InfoReport",
    "InputError",
    "Layer",
    "OutputBusyError",
    "OutputExistsError",
    "OutputPathError",
    "Problem",
    "RedlineError",
    "RunOutput",
    "VerdictFileError",
    "VerdictImport",
    "__version__",
    "check",
    "explore",
    "fieldwork",
    "import_verdicts",
    "info",
    "make_county",
    "make_map",
    "make_sample",
    "read_dataset",
    "read_postgis",
    "read_results",
    "run_batch",
    "write_postgis",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'redline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
