"""docs/contract.md against the code: what it documents is what the code accepts and writes.

Tables of the contract are read by the heading above them. A table's first column names
its keys (in backticks); a row saying "(when ...)" is conditional: the key may be absent
from a given run, but some run must write it. The outputs come from `redline check` on
each committed sample at 2026-06-30, and on one of them in tiles.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyogrio
import pytest

import redline
from redline.errors import ConfigError
from redline.schema import (
    FIELDS,
    RASTER_ROLES,
    ROLES,
    RULES,
    STANDARD_FIELDS,
    STANDARD_LAYER_NAMES,
    TARGET_COLUMNS,
)

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "contract.md"
SAMPLES = ROOT / "data" / "samples"
AS_OF = "2026-06-30"

#: The words of the contract's "type" column and the field kinds of ``schema.FIELDS``.
KINDS = {"text": "str", "code": "code", "date": "date", "number": "float", "yes/no": "bool",
         "supply method": "supply_method", "land use": "land_use"}


# --- reading the contract --------------------------------------------------------------


def _heading(line: str) -> str | None:
    """A markdown heading's text without its #s and backticks; None for another line."""
    if not line.startswith("#"):
        return None
    return line.lstrip("#").strip().replace("`", "")


def _lines() -> list[str]:
    """The contract's lines, those of fenced code blocks blanked (a ``#`` there is no heading)."""
    lines = CONTRACT.read_text(encoding="utf-8").splitlines()
    fenced = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or line.startswith("```"):
            lines[i] = ""
    return lines


def _tables(heading: str) -> list[list[list[str]]]:
    """The tables between a heading and the next, each a list of rows of cells (header first)."""
    lines = _lines()
    starts = [i for i, line in enumerate(lines) if _heading(line) == heading]
    assert len(starts) == 1, f"{len(starts)} headings {heading!r} in {CONTRACT.name}"
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*lines[starts[0] + 1:], ""]:
        if _heading(line) is not None:
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            tables.append(rows)
            rows = []
    if rows:
        tables.append(rows)
    for table in tables:
        assert all(len(row) == len(table[0]) for row in table), f"ragged table in {heading!r}"
        assert set(table[1][0]) <= set("-: "), f"no header row in {heading!r}"
    return [[table[0], *table[2:]] for table in tables]


def _table(heading: str, index: int = 0) -> list[dict[str, str]]:
    """The ``index``-th table under ``heading`` as dicts keyed by its header."""
    header, *body = _tables(heading)[index]
    return [dict(zip(header, row, strict=True)) for row in body]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


#: Marks the keys only a check writing to a database server writes: documented, but not
#: required of the runs here (tests/test_postgis.py checks them against a server).
DATABASE_ONLY = "(when --out-db"


def _keys(heading: str) -> tuple[set[str], set[str]]:
    """(always, conditional) names of the first column of the table under ``heading``.

    Keys marked :data:`DATABASE_ONLY` are in neither: see :func:`documented_keys`.
    """
    always: set[str] = set()
    conditional: set[str] = set()
    for row in _table(heading):
        first = next(iter(row.values()))
        names = _names(first)
        assert names, f"{heading}: no name in {first!r}"
        text = " ".join(row.values())
        if DATABASE_ONLY not in text:
            (conditional if "(when " in text else always).update(names)
    return always, conditional


def documented_keys(heading: str) -> tuple[set[str], set[str]]:
    """(every key, those only a check with ``--out-db`` writes) of the table under ``heading``.

    tests/test_postgis.py checks a database run's run.json with it.
    """
    always, conditional = _keys(heading)
    database = {name for row in _table(heading) if DATABASE_ONLY in " ".join(row.values())
                for name in _names(next(iter(row.values())))}
    return always | conditional | database, database


def _rules() -> dict[str, str]:
    return {_names(row["rule"])[0]: row["severity"] for row in _table("Rules (规则)")}


# --- what the reader accepts --------------------------------------------------------------


def _config_error(folder: Path, toml: str) -> ConfigError:
    folder.mkdir()
    (folder / "redline.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        redline.read_dataset(folder)
    return caught.value


def _allowed(folder: Path, toml: str, prefix: str) -> set[str]:
    """What the reader says it accepts when given something it does not (the error's fix)."""
    error = _config_error(folder, toml)
    assert error.fix is not None, error.line()
    assert error.fix.startswith(prefix), error.line()
    return {name.strip() for name in error.fix[len(prefix):].split(",")}


#: Roles whose layer takes keys of its own besides those of every layer.
ROLE_KEY_TABLES = {"supplement": "Keys of [layers.supplement]"}


@pytest.mark.parametrize(("heading", "table"), [
    ("Top-level keys", None),
    *(("Keys of a layer", f"layers.{role}") for role in ROLES),
    ("Keys of [layers.targets]", "layers.targets"),
    *((f"Keys of [layers.{role}]", f"layers.{role}") for role in RASTER_ROLES),
    ("Keys of [forecast]", "forecast"),
    ("Keys of [standards]", "standards"),
])
def test_every_toml_key_the_reader_accepts_is_documented_and_no_other(
        tmp_path: Path, heading: str, table: str | None) -> None:
    toml = "not_a_key = 1\n" if table is None else f"[{table}]\nnot_a_key = 1\n"
    accepted = _allowed(tmp_path / "county", toml, "use only: ")
    always, conditional = _keys(heading)
    assert not conditional
    role = (table or "").removeprefix("layers.")
    if heading == "Keys of a layer" and role in ROLE_KEY_TABLES:
        own, conditional = _keys(ROLE_KEY_TABLES[role])
        assert not conditional
        always |= own
    assert always == accepted, (f"{heading}: undocumented {sorted(accepted - always)}, "
                                f"not accepted {sorted(always - accepted)}")


def test_a_malformed_redline_toml_points_at_the_contract(tmp_path: Path) -> None:
    error = _config_error(tmp_path / "county", "[layers.approvals\npath = 1\n")
    assert error.fix is not None
    named = re.findall(r"[\w/]+\.md", error.fix)
    assert named == ["docs/contract.md"], error.line()
    assert (ROOT / named[0]).is_file()


def test_the_roles_are_those_the_reader_knows(tmp_path: Path) -> None:
    known = _allowed(tmp_path / "county", "[layers.not_a_role]\npath = 'x.shp'\n",
                     "use one of: ")
    documented = {_names(row["role"])[0] for row in _table("Roles (图层角色)")}
    assert documented == known
    standard = {_names(row["standard name"])[0].lower(): row["role"]
                for row in _table("Roles (图层角色)", 1)}
    assert standard == STANDARD_LAYER_NAMES


def test_canonical_fields_types_and_standard_names_are_the_schemas() -> None:
    rows = _table("Canonical fields (规范字段)")
    documented = {(row["role"], _names(row["field"])[0]): row["type"] for row in rows}
    expected = {(role, name): kind for role, fields in FIELDS.items()
                for name, kind in fields.items()}
    assert set(documented) == set(expected)
    assert {key: KINDS[word] for key, word in documented.items()} == expected
    standard = {(row["role"], std, _names(row["field"])[0])
                for row in rows for std in _names(row["standard names"])}
    assert standard == {(role, std, canonical) for role, names in STANDARD_FIELDS.items()
                        for std, canonical in names.items()}


def test_the_targets_columns_are_those_read() -> None:
    rows = _table("targets.csv")
    required = [_names(row["column"])[0] for row in rows if "optional" not in row["what"]]
    assert required == list(TARGET_COLUMNS)


def test_the_rule_codes_and_severities_are_the_schemas() -> None:
    assert _rules() == RULES


# --- commands -------------------------------------------------------------------------


def _options(command: object) -> set[str]:
    params = getattr(command, "params", [])
    return {opt for p in params for opt in (*p.opts, *p.secondary_opts)
            if opt.startswith("-")} | {"-h", "--help"}


def test_every_option_of_every_command_is_documented_and_no_other() -> None:
    from redline.cli.main import cli

    commands = {"redline": cli, **{f"redline {name}": c for name, c in cli.commands.items()}}
    for heading, command in commands.items():
        rows = _table(heading)
        documented = {name for row in rows for name in _names(row["option"])}
        assert documented == _options(command), heading


# --- what a check writes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """``redline check`` of every committed sample, and of one in tiles, at 2026-06-30."""
    from click.testing import CliRunner

    from redline.cli.main import cli

    out = tmp_path_factory.mktemp("contract")
    jobs = [(p.name, p.name, []) for p in sorted(SAMPLES.iterdir()) if p.is_dir()]
    jobs.append(("haicheng-tiled", "haicheng", ["--tiles", "2x2"]))
    # The last round's verdicts carried on (the findings' "(when --previous)" columns).
    jobs.append(("tiedong-next", "tiedong", ["--previous", str(out / "tiedong")]))
    done = []
    for name, sample, extra in jobs:
        result = CliRunner().invoke(cli, ["check", str(SAMPLES / sample), "--out",
                                          str(out / name), "--as-of", AS_OF, *extra])
        assert result.exit_code == 0, result.output
        done.append(out / name)
    assert len(done) >= 4
    return done


def _csv_columns(path: Path) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return set(next(csv.reader(fh)))


def _gpkg_columns(path: Path, layer: str) -> set[str]:
    return set(pyogrio.read_info(path, layer=layer)["fields"])


def _assert_documented(heading: str, written: list[set[str]], *,
                       expand: dict[str, list[str]] | None = None) -> None:
    """Each set of ``written`` keys is documented, holds the unconditional ones, and every
    documented key is written somewhere."""
    always, conditional = _keys(heading)
    for pattern, values in (expand or {}).items():
        always = {k for name in always for k in (
            [name.replace(pattern, v) for v in values] if pattern in name else [name])}
    documented = always | conditional
    for keys in written:
        assert keys <= documented, f"{heading}: undocumented {sorted(keys - documented)}"
        assert always <= keys, f"{heading}: not written {sorted(always - keys)}"
    seen = set().union(*written)
    assert conditional <= seen, f"{heading}: never written {sorted(conditional - seen)}"


def test_the_files_written_are_those_documented(runs: list[Path]) -> None:
    documented = {name for row in _table("Outputs of redline check")
                  for name in _names(row["file"])}
    for run in runs:
        assert {p.name for p in run.iterdir()} == documented, run.name


def test_every_findings_column_is_documented(runs: list[Path]) -> None:
    csvs = [_csv_columns(run / "findings.csv") for run in runs]
    _assert_documented("findings.csv", csvs)
    for run, columns in zip(runs, csvs, strict=True):
        assert _gpkg_columns(run / "findings.gpkg", "findings") == columns, run.name


def test_every_features_column_is_documented(runs: list[Path]) -> None:
    _assert_documented("findings.gpkg layer features",
                       [_gpkg_columns(run / "findings.gpkg", "features") for run in runs])


def test_every_summary_column_is_documented(runs: list[Path]) -> None:
    _assert_documented("summary.csv", [_csv_columns(run / "summary.csv") for run in runs],
                       expand={"<rule>": list(_rules())})


@pytest.mark.parametrize("name", ["early_warning.csv", "excused.csv", "supply_rate.csv"])
def test_every_column_of_the_supply_tables_is_documented(runs: list[Path], name: str) -> None:
    _assert_documented(name, [_csv_columns(run / name) for run in runs])


def test_every_run_json_key_is_documented(runs: list[Path]) -> None:
    records = [json.loads((run / "run.json").read_text(encoding="utf-8")) for run in runs]
    _assert_documented("run.json", [set(r) for r in records])
    _assert_documented("run.json inputs", [set(i) for r in records for i in r["inputs"]])
    _assert_documented("run.json parameters", [set(r["parameters"]) for r in records])


# --- links ------------------------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_links_in_and_to_the_contract_resolve() -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    anchors = {_slug(h) for line in _lines() if (h := _heading(line)) is not None}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links += re.findall(r"\]\(docs/contract\.md#([^)]+)\)", readme)
    assert links
    assert not [link for link in links if link not in anchors]
    files = re.findall(r"\]\(([^)#:]+)\)", text)
    assert not [f for f in files if not (CONTRACT.parent / f).exists()]
