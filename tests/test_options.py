"""A check's options are declared once (settings.CheckOptions): the API, the command line
and run.json all follow that declaration."""

from __future__ import annotations

import datetime
import inspect
import json
from dataclasses import fields
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import redline
from redline import settings
from redline.cli.check import check_command
from redline.cli.main import cli
from redline.cli.samples import COUNTIES
from redline.errors import ConfigError
from redline.settings import CheckOptions

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
FIELDS = {f.name: f for f in fields(CheckOptions)}
#: What a run needs besides the options: where it reads and writes (a database's schema,
#: a database to write the results into, the last round's folder to carry verdicts from),
#: whether to replace, how to show and spread it.
RUN_CONTROLS = {"schema", "out_db", "previous", "overwrite", "progress", "executor"}
#: The command's flags that are not options: where to write, what to replace, and the
#: run controls above that the command line gives.
CLI_CONTROLS = {"out", "overwrite", "schema", "out_db", "previous"}


def _cli_options(command: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}


def test_every_option_is_a_keyword_of_check_with_the_same_default() -> None:
    params = inspect.signature(redline.check).parameters
    keywords = {n: p for n, p in params.items() if p.kind is p.KEYWORD_ONLY}
    assert set(keywords) == set(FIELDS) | RUN_CONTROLS
    for name, field in FIELDS.items():
        assert keywords[name].default == field.default, name


def test_every_option_is_an_option_of_the_command_and_nothing_else_is() -> None:
    options = _cli_options(check_command)
    assert set(options) - CLI_CONTROLS == set(FIELDS)
    assert CLI_CONTROLS - {"out"} <= RUN_CONTROLS
    for name, field in FIELDS.items():
        assert options[name].default == field.default, name
        assert options[name].help == CheckOptions.help(name), name


def test_a_command_missing_an_option_is_told_apart() -> None:
    # The comparison above fails on a command that lost one option.
    shorter = click.Command("check", params=[p for p in check_command.params
                                              if p.name != "encoding"])
    assert set(_cli_options(shorter)) - CLI_CONTROLS != set(FIELDS)


def test_options_are_checked_and_completed_as_they_are_made() -> None:
    made = CheckOptions(as_of="2026-06-30", tiles="none")
    assert made.as_of == datetime.date(2026, 6, 30)
    assert made.tiles is None
    assert made.sliver_m2 == settings.sliver_m2
    assert CheckOptions(as_of=datetime.datetime(2026, 6, 30, 8)).as_of == datetime.date(2026, 6, 30)
    assert CheckOptions().as_of == datetime.date.today()
    assert CheckOptions(tiles=[3, 2]).tiles == (3, 2)
    for bad in ({"as_of": "30/06/2026"}, {"lang": "fr"}, {"n_jobs": 0}, {"n_jobs": True},
                {"tiles": "4by4"}, {"tiles": (0, 2)}):
        with pytest.raises(ConfigError):
            CheckOptions(**bad)  # type: ignore[arg-type]


def test_a_session_default_is_read_when_the_options_are_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "sliver_m2", 5.0)
    assert CheckOptions().sliver_m2 == 5.0
    assert CheckOptions(sliver_m2=2).sliver_m2 == 2.0


def _check_by_command(out: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["check", str(SAMPLES / "tiexi"), "--out", str(out),
                                      "--as-of", "2026-06-30", *args])
    assert result.exit_code == 0, result.output
    return dict(json.loads((out / "run.json").read_text(encoding="utf-8")))


def test_the_command_passes_every_option_through_and_run_json_records_them(
        tmp_path: Path) -> None:
    run = _check_by_command(tmp_path / "run", "--lang", "en", "--jobs", "2", "--tiles", "1x2",
                            "--crs", "EPSG:4529", "--encoding", "utf-8")
    options = CheckOptions(as_of="2026-06-30", lang="en", n_jobs=2, tiles=(1, 2))
    assert run["as_of"] == "2026-06-30" == options.as_of.isoformat()  # type: ignore[union-attr]
    assert run["lang"] == options.lang
    parameters = run["parameters"]
    assert isinstance(parameters, dict)
    assert {k: parameters[k] for k in options.run_parameters()} == options.run_parameters()
    assert parameters["tiles"]["grid"] == [1, 2]


def test_run_json_records_the_sliver_asked_for(tmp_path: Path) -> None:
    run = _check_by_command(tmp_path / "run", "--sliver", "5")
    parameters = run["parameters"]
    assert isinstance(parameters, dict)
    assert parameters["sliver_m2"] == 5.0


def test_a_bad_option_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    for args in (["--tiles", "4by4"], ["--as-of", "30/06/2026"], ["--jobs", "0"]):
        result = CliRunner().invoke(cli, ["check", str(SAMPLES / "tiexi"), "--out",
                                          str(tmp_path / "x"), *args])
        assert result.exit_code == 2, (args, result.output)


def test_the_sample_command_names_the_committed_samples() -> None:
    from redline.synthetic.specs import SAMPLES as SPECS

    assert set(SPECS) == set(COUNTIES)
