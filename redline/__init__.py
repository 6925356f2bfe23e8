"""redline: guard the farmland red line in a county's land data.

Read a dataset, run the checks, get GeoDataFrames back, write outputs, make a map.
"""

from __future__ import annotations

__version__ = "0.1.0"

from redline.errors import (
    ConfigError,
    CRSError,
    InputError,
    OutputExistsError,
    RedlineError,
    RedlineWarning,
)

__all__ = [
    "CRSError",
    "ConfigError",
    "InputError",
    "OutputExistsError",
    "RedlineError",
    "RedlineWarning",
    "__version__",
]
