"""The README's commands run as written, in order, in a copy of the repository.

The two install commands at the top create a venv and pip install: their ``pip install``
part is checked against pyproject.toml (the extras it names exist), and what follows it
runs with this interpreter's ``redline``. Every other fenced ``bash`` block runs line by
line in the copy and must exit 0; the ``python`` blocks run too.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from redline.schema import RULES

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(README.read_text(encoding="utf-8"))
            if kind == lang]


def _commands(block: str) -> list[str]:
    """Shell commands of a block: one per line, ``\\`` continuations joined, comments and
    blank lines dropped."""
    text = block.replace("\\\n", " ")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _install_commands() -> list[str]:
    return _commands(_blocks("bash")[0])


def _split_install(command: str) -> tuple[list[str], list[str], str]:
    """Split ``venv && activate && pip install X && rest`` into its parts."""
    parts = [p.strip() for p in command.split("&&")]
    pip = next(i for i, p in enumerate(parts) if p.startswith("pip install"))
    return parts[:pip], shlex.split(parts[pip]), " && ".join(parts[pip + 1:])


def _copy_repo(dest: Path) -> Path:
    """Copy the repository's tracked files (the working-tree content) to ``dest``."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                                check=True).stdout.decode("utf-8").split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = [str(p.relative_to(ROOT)) for p in (ROOT / "data").rglob("*") if p.is_file()]
        listed.append("pyproject.toml")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[var] = "http://127.0.0.1:9"  # the examples must not need a network
    env.pop("TIANDITU_KEY", None)
    return env


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", f"set -euo pipefail\n{command}"], check=False,
                          cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)


def _run_in_process(command: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run a plain ``redline ...`` command through the click group, in this process.

    The same code as the console script without a fresh interpreter per command; a
    command using the shell (redirection, pipes, variables) goes to bash instead.
    """
    from click.testing import CliRunner

    from redline.cli.main import cli

    if set(command) & set("<>|;&$`*?"):
        done = _run(command, cwd)
        return done.returncode, done.stderr
    argv = shlex.split(command)
    assert argv[0] == "redline"
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, argv[1:], prog_name="redline")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_the_top_block_is_the_two_install_commands() -> None:
    first = _install_commands()
    assert len(first) == 2
    for command in first:
        before, _, _ = _split_install(command)
        assert before == ["python3 -m venv .venv", ". .venv/bin/activate"]


def test_the_install_commands_name_what_pyproject_defines() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    targets = []
    for command in _install_commands():
        _, pip, _ = _split_install(command)
        assert pip[:3] == ["pip", "install", "-e"], pip
        assert len(pip) == 4, pip
        targets.append(pip[3])
    assert targets == [".", ".[test]"]
    extras = project["optional-dependencies"]
    assert "test" in extras
    assert any(d.startswith("pytest") for d in extras["test"])
    assert project["scripts"]["redline"] == "redline.cli.main:cli"
    # The second command's test run is the one CI runs after the same install.
    _, _, rest = _split_install(_install_commands()[1])
    assert rest == "pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]"' in ci
    assert re.search(r"^pytest\b", ci, re.MULTILINE)


def test_every_shell_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("redline", path=str(BIN)) is None:
        pytest.fail(f"no redline command beside {sys.executable}: pip install -e . first")
    repo = _copy_repo(tmp_path / "repo")
    first, *others = _blocks("bash")
    # The first install command, past its pip install, is the sample check every later
    # example builds on (out/tiedong). The second one's `pytest` is this test run itself.
    _, _, rest = _split_install(_commands(first)[0])
    assert rest.startswith("redline check data/samples/tiedong --out out/tiedong")
    commands = [rest] + [c for block in others for c in _commands(block)]
    assert len(commands) >= 10
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    # The first runs through the installed console script, the others in this process.
    done = _run(commands[0], repo)
    assert done.returncode == 0, f"{commands[0]}\nexit {done.returncode}\n{done.stderr[-2000:]}"
    # The planted positives planted.json lists (data problems are no findings), UC4 once
    # more for the second township it crosses: the number README quotes.
    planted = json.loads((ROOT / "data" / "samples" / "tiedong" / "planted.json").read_text(
        encoding="utf-8"))
    findings = sum(1 for p in planted if p["finding"] and p["rule"] in RULES) + 1
    assert f"({findings}, " in README.read_text(encoding="utf-8")
    assert f"{findings} findings" in done.stdout
    for command in commands[1:]:
        assert command.startswith("redline "), f"not a redline command: {command}"
        code, output = _run_in_process(command, repo, monkeypatch)
        assert code == 0, f"{command}\nexit {code}\n{output[-2000:]}"

    out = repo / "out"
    assert {"findings.gpkg", "map.html", "report.html", "run.json"} <= {
        p.name for p in (out / "tiedong").iterdir()}
    assert (out / "tiexi-info.json").stat().st_size > 0
    for page in ("tiedong-map.html", "haicheng-layers.html", "tiedong-report-en.html",
                 "tiedong-changes.html"):
        assert (out / page).stat().st_size > 10_000, page
    assert (out / "batch" / "summary.csv").is_file()
    assert (out / "samples" / "tiexi" / "tiexi.gpkg").is_file()

    # The Python example runs as written, after the commands (it reads out/tiedong back).
    for block in _blocks("python"):
        done = subprocess.run([sys.executable, "-c", block], check=False, cwd=repo,
                              env=_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "tiedong-py.html").is_file()



def test_the_rule_table_lists_every_rule_with_its_regulation() -> None:
    from redline.analysis.rules import RULES as OVERLAP_RULES
    from redline.schema import RULES
    from redline.text import regulation

    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Rules"):text.index("## Outputs")]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_0-9]+)`.*$", table,
                                                         re.MULTILINE)}
    for rule in RULES:
        assert any(f"`{rule}`" in row for row in rows.values()), f"{rule} missing from the table"
    # Each overlap rule's row quotes the article numbers its own regulation text gives.
    for rule in OVERLAP_RULES:
        row = next(r for r in rows.values() if f"`{rule}`" in r)
        quoted = regulation(rule, "en")
        for number in re.findall(r"\d+", quoted):
            assert number in row, f"{rule}: {number} of {quoted!r} not in the table"


def test_links_and_images_exist() -> None:
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" in target:
            continue
        path = ROOT / target
        assert path.exists(), target
        if path.suffix == ".png":
            assert path.stat().st_size < 300_000, f"{target} is over 300 KB"


def _synopsis() -> dict[str, str]:
    """The synopsis under "Commands": command name ("" for ``redline`` itself) -> its usage,
    an indented line continuing the one above."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Commands"):text.index("## Python")]
    block = next(body for kind, body in FENCE.findall(section) if kind == "")
    usage: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line.startswith(" "):
            usage[name] += " " + line.strip()
            continue
        words = line.split()
        assert words[0] == "redline", line
        name = "" if words[1].startswith(("[", "-")) else words[1]
        assert name not in usage, f"redline {name} listed twice"
        usage[name] = " ".join(words[1:] if not name else words[2:])
    return usage


#: An option in a usage line: ``-v``, ``--as-of``, ``--online`` in ``[--offline|--online]``.
OPTION = re.compile(r"(?<![\w-])--?[a-zA-Z][a-z-]*")


def test_the_command_synopsis_matches_the_cli() -> None:
    import click

    from redline.cli.main import cli

    usage = _synopsis()
    assert set(usage) == {"", *cli.commands}
    for name, line in usage.items():
        command = cli.commands[name] if name else cli
        flags = [param for param in command.params if isinstance(param, click.Option)]
        options = {opt for param in flags for opt in (*param.opts, *param.secondary_opts)}
        if not name:
            options |= {"-h", "--help"}
        shown = set(OPTION.findall(line))
        assert shown == options, (f"redline {name}: not in the synopsis {sorted(options - shown)}, "
                                  f"not an option {sorted(shown - options)}")
        for param in flags:
            if isinstance(param.type, click.Choice):
                value = re.search(rf"{re.escape(param.opts[-1])} ([^\]\s]+)", line)
                assert value is not None, f"redline {name} {param.opts[-1]}: no value shown"
                assert value.group(1).split("|") == list(param.type.choices), line
