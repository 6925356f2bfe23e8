"""``python -m redline.cli``: the same as the ``redline`` command."""

from redline.cli.main import cli

cli(prog_name="redline")
