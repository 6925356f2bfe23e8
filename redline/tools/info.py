"""The info tool: a dataset in, its pre-flight report out (what ``redline info`` prints).

Examples
--------
>>> from redline.tools.info import info
>>> report = info("data/samples/tiedong")
>>> print(report.to_text().splitlines()[0])
dataset: data/samples/tiedong
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from redline.io.dataset import read_dataset
from redline.model import Dataset, Problem

if TYPE_CHECKING:
    pass



@dataclass(frozen=True)
class LayerInfo:
    """What was read for one role (one line of ``redline info``)."""

    role: str
    path: str
    layer_name: str | None
    count: int
    source_crs: str | None
    crs_inferred: bool
    encoding: str | None
    encoding_detected: bool
    fields: dict[str, str]
    unusable: int  # features that cannot be judged (``_problem`` set)


@dataclass(frozen=True)
class InfoReport:
    """The pre-flight report of a dataset: layers, CRS, encodings, counts, problems."""

    path: str
    working_crs: str
    layers: list[LayerInfo]
    missing_roles: list[str]
    targets_path: str | None
    targets_rows: int
    rasters: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a check."""
        return [p for p in self.problems if p.level == "error"]

    @property
    def ok(self) -> bool:
        """True when the dataset can be checked (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        out = asdict(self)
        out["ok"] = self.ok
        return out

    def to_text(self) -> str:
        """Return the report as text: one block per layer, then every problem."""
        lines = [f"dataset: {self.path}", f"working CRS: {self.working_crs or '(none)'}", ""]
        for ly in self.layers:
            crs = (ly.source_crs or "none") + (" (inferred)" if ly.crs_inferred else "")
            enc = (ly.encoding or "-") + (" (detected)" if ly.encoding_detected else "")
            lines.append(f"{ly.role}: {ly.path}")
            lines.append(f"  features: {ly.count}"
                         + (f" ({ly.unusable} cannot be judged)" if ly.unusable else ""))
            lines.append(f"  CRS: {crs}")
            lines.append(f"  encoding: {enc}")
            mapped = ", ".join(f"{c} <- {s}" for c, s in ly.fields.items()) or "(none)"
            lines.append(f"  fields: {mapped}")
        if self.targets_path:
            lines.append(f"targets: {self.targets_path} ({self.targets_rows} rows)")
        lines.extend(f"{role} raster: {p}" for role, p in self.rasters.items())
        if self.missing_roles:
            lines.append("missing (checks needing them are skipped): "
                         + ", ".join(self.missing_roles))
        counts = {lvl: sum(p.level == lvl for p in self.problems)
                  for lvl in ("error", "warning", "info")}
        lines.append("")
        lines.append(f"problems: {counts['error']} errors, {counts['warning']} warnings, "
                     f"{counts['info']} notes")
        lines.extend(f"  {p.level}: {p.line()}" for p in self.problems)
        return "\n".join(lines)


def _summarise(dataset: Dataset) -> InfoReport:
    from redline.schema import ROLES

    layers = [
        LayerInfo(
            role=ly.role, path=ly.path, layer_name=ly.layer_name, count=ly.count,
            source_crs=ly.source_crs, crs_inferred=ly.crs_inferred, encoding=ly.encoding,
            encoding_detected=ly.encoding_detected, fields=dict(ly.fields),
            unusable=int((ly.frame["_problem"] != "").sum()),
        )
        for ly in dataset.layers.values()
    ]
    problems = sorted(dataset.all_problems(),
                      key=lambda p: ("error", "warning", "info").index(p.level))
    return InfoReport(
        path=dataset.path,
        working_crs=dataset.working_crs,
        layers=layers,
        missing_roles=[r for r in ROLES if r not in dataset.layers],
        targets_path=dataset.targets_path,
        targets_rows=0 if dataset.targets is None else len(dataset.targets),
        rasters=dict(dataset.rasters),
        problems=problems,
    )


def info(
    path: str | os.PathLike[str],
    *,
    crs: str | None = None,
    encoding: str | None = None,
    layers: Mapping[str, str | Mapping[str, Any]] | None = None,
) -> InfoReport:
    """Pre-flight a dataset: layers, CRS, encodings, counts and problems, before any check.

    Parameters are those of :func:`redline.read_dataset`.

    Returns
    -------
    InfoReport
        ``report.ok`` is false when an error stops a check; ``report.to_text()`` is
        what ``redline info`` prints and ``report.to_dict()`` what ``--json`` prints.

    Raises
    ------
    InputError, ConfigError, CRSError
        The dataset as a whole cannot be read.

    Examples
    --------
    >>> import redline
    >>> report = redline.info("data/samples/haicheng")
    >>> report.ok
    True
    >>> [(ly.role, ly.crs_inferred) for ly in report.layers if ly.role == "approvals"]
    [('approvals', True)]
    >>> sorted({p.kind for p in report.problems if p.level == "warning"})
    ['bad_geometry', 'duplicate_id', 'geometry_repaired']
    """
    return _summarise(read_dataset(path, crs=crs, encoding=encoding, layers=layers))
