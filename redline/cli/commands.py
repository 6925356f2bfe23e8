"""The subcommands, registered on the ``redline`` group."""

from __future__ import annotations

import click

ALL: list[click.Command] = []

from redline.cli.report import report  # noqa: E402  (registered in order)

ALL.append(report)

from redline.cli.info import info  # noqa: E402  (registered in order)

ALL.append(info)

from redline.cli.batch import batch  # noqa: E402  (registered in order)

ALL.append(batch)

from redline.cli.map import map_command  # noqa: E402  (registered in order)

ALL.append(map_command)

from redline.cli.check import check_command  # noqa: E402  (registered in order)

ALL.append(check_command)

from redline.cli.samples import samples  # noqa: E402  (registered in order)

ALL.append(samples)

from redline.cli.fieldwork import fieldwork_command  # noqa: E402  (registered in order)

ALL.append(fieldwork_command)

from redline.cli.verdicts import verdicts_command  # noqa: E402  (registered in order)

ALL.append(verdicts_command)
