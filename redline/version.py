"""redline's version: the one in pyproject.toml, read by every module that records it."""

__version__ = "0.1.0"
