"""The ``redline`` command line: thin click wrappers over the Python API (``redline.*``)."""
