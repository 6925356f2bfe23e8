"""The ``redline`` command line: thin wrappers over :mod:`redline.tools`."""
