"""The in-memory dataset: layers in one working CRS, and the problems found reading them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from numpy.typing import NDArray

    from redline.schema import Role
    from redline.standards import Standards

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One thing found wrong (or worth saying) about a file, layer or feature.

    ``error`` problems stop a check; ``warning`` ones are carried into the
    output; ``info`` records what was inferred or detected.
    """

    path: str
    problem: str
    fix: str = ""
    level: Level = "warning"
    role: str = ""
    feature_id: str = ""
    kind: str = ""  # a short code, e.g. "invalid_geometry", "encoding_detected"

    def line(self) -> str:
        """Return ``path: problem; fix: ...`` on one line."""
        where = self.path + (f" [{self.feature_id}]" if self.feature_id else "")
        tail = f"; fix: {self.fix}" if self.fix else ""
        return f"{where}: {self.problem}{tail}"


class Windows(Protocol):
    """A layer too large to hold, handed over one window of features at a time.

    The reader keeps such a layer on disk (:class:`redline.io.spill.Spilled` is one) and
    the analysis and the map see it only through these, so they never open a file. Every
    feature comes back as a whole read makes it: canonical fields, ``_row``,
    ``_problem``, ``_note`` and geometry, in the working CRS.
    """

    @property
    def count(self) -> int:
        """Features in the layer."""

    @property
    def drawable(self) -> int:
        """Features with a geometry."""

    @property
    def crs(self) -> str:
        """The working CRS the features are in."""

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The extent of the whole layer, or None when no feature has a geometry."""

    def windows(self) -> Iterator[gpd.GeoDataFrame]:
        """Each window's features, in file order."""

    def within(self, area: shapely.Geometry) -> gpd.GeoDataFrame:
        """Return the features whose geometry meets ``area``, in file order."""

    def meeting(self, geoms: NDArray[np.object_]) -> gpd.GeoDataFrame:
        """Return the features meeting any of ``geoms``, in file order."""

    def whole(self) -> gpd.GeoDataFrame:
        """Return every feature in one frame (for a layer small enough after all)."""


@dataclass
class Layer:
    """One role's features, read, repaired and renamed to canonical fields.

    ``frame`` holds the canonical fields present, ``_row``, ``_problem``,
    ``_note`` and ``geometry`` in the dataset's working CRS. Features whose
    ``_problem`` is not empty could not be judged (null geometry, duplicate
    id, ...) but are kept so every input feature reaches the output.
    """

    role: Role
    path: str
    frame: gpd.GeoDataFrame
    source_crs: str | None
    crs_inferred: bool = False
    encoding: str | None = None
    encoding_detected: bool = False
    fields: dict[str, str] = field(default_factory=dict)  # canonical -> source name
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    layer_name: str | None = None  # inside a GeoPackage
    #: A layer too large to hold: its features on disk (``frame`` is then empty).
    spill: Windows | None = None
    #: The unit the layer's area figures were recorded in (the supplement's new farmland,
    #: held in ha once read: :mod:`redline.io.supplement`); None for other layers.
    unit: str | None = None

    @property
    def count(self) -> int:
        """Number of features read."""
        return self.spill.count if self.spill is not None else len(self.frame)


@dataclass
class Dataset:
    """A county's layers, all in ``working_crs`` (a metric Gauss-Kruger zone)."""

    path: str
    working_crs: str
    layers: dict[str, Layer] = field(default_factory=dict)
    targets: pd.DataFrame | None = None
    targets_path: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: Raster role (``schema.RASTER_ROLES``) -> path GDAL opens (``/vsizip/...`` in a zip).
    rasters: dict[str, str] = field(default_factory=dict)
    #: Planned projects' new construction land for next year, ha, by county code (``""``:
    #: the dataset's one county), from ``redline.toml`` ``[forecast] planned_ha``.
    planned_ha: dict[str, float] = field(default_factory=dict)
    #: The standard tables of ``[standards]`` in redline.toml (None: the packaged ones).
    standards: Standards | None = None
    #: GB/T 4754 edition of the supply layer's industry codes (``[standards]`` industry_codes).
    industry_classification: str | None = None
    #: Each site table read: name -> (path as shown, hex sha256), for run.json.
    standards_files: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __contains__(self, role: object) -> bool:
        return role in self.layers

    def __getitem__(self, role: str) -> gpd.GeoDataFrame:
        return self.layers[role].frame

    @property
    def spilled(self) -> dict[str, Windows]:
        """The layers kept on disk (:mod:`redline.io.spill`), by role."""
        return {role: ly.spill for role, ly in self.layers.items() if ly.spill is not None}

    def all_problems(self) -> list[Problem]:
        """Dataset-level problems first, then each layer's, in role order."""
        out = list(self.problems)
        for layer in self.layers.values():
            out.extend(layer.problems)
        return out

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a check."""
        return [p for p in self.all_problems() if p.level == "error"]
