"""Output safety: nothing deleted but redline's own output, one run per output, no leftovers.

The runs are real: the command line in a subprocess (as a user starts it), a second
run started while the first holds its output, a run killed with SIGKILL or stopped
with SIGTERM at a gate after reading (a hook patched into that process only).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline.cli.main import cli
from redline.errors import OutputBusyError, OutputExistsError, OutputPathError
from redline.io import outputs
from redline.io.counties import read_counties
from redline.tools import check as check_tool
from redline.tools.batch import run_batch
from redline.tools.check import check

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AS_OF = "2026-06-30"
NOT_OURS = "was not written by redline"

#: Runs the command line with a gate after the dataset is read: the process touches
#: argv[1] and waits for argv[2] to exist (the rest of argv is the command).
GATE = """
import pathlib, sys, time
import redline.tools.check as check_tool
ready, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
real = check_tool._raise_on_errors
def gate(*args, **kwargs):
    ready.touch()
    while not go.exists():
        time.sleep(0.05)
    return real(*args, **kwargs)
check_tool._raise_on_errors = gate
from redline.cli.main import cli
cli(sys.argv[3:], prog_name="redline")
"""


# --- helpers -----------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> its sha256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _dataset(tmp_path: Path, name: str = "tiexi") -> Path:
    return Path(shutil.copytree(SAMPLES / name, tmp_path / "data" / name))


def _env(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp)}


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redline.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def _gated(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple[subprocess.Popen[str],
                                                                      Path, Path]:
    ready, go = tmp_path / "ready", tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-c", GATE, str(ready), str(go), *args],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not ready.exists():  # a bounded wait for the gate, not a timed assertion
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before its gate: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the run never reached its gate")
        time.sleep(0.05)
    return proc, ready, go


def _one_line_error(done: subprocess.CompletedProcess[str], *, code: int = 1) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("redline: error: ")
    return lines[0]


def _finished(out: Path, tool: str = "redline check") -> None:
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "finished"
    assert outputs.read_marker(out)["tool"] == tool
    assert {"findings.gpkg", "findings.csv", "summary.csv", "map.html", "report.html"} <= {
        p.name for p in out.iterdir()}


def _leftovers(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.*"))


# --- 1. an output never is, holds or lies inside an input ---------------------------------


def test_check_out_on_the_dataset_with_overwrite_leaves_it_intact(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    before = _tree(ds)
    done = _cli("check", str(ds), "--out", str(ds), "--overwrite", "--as-of", AS_OF,
                cwd=tmp_path)
    assert "is the input" in _one_line_error(done)
    assert _tree(ds) == before
    assert not _leftovers(ds.parent, ds.name)


def test_check_out_on_the_datasets_parent_with_overwrite_deletes_nothing(tmp_path: Path
                                                                          ) -> None:
    ds = _dataset(tmp_path)
    sibling = ds.parent / "other.txt"
    sibling.write_text("a sibling of the dataset", encoding="utf-8")
    # Even a redline marker in it (a stale one, or planted) does not make it replaceable.
    outputs.write_marker(ds.parent, "redline check")
    before = _tree(ds.parent)
    done = _cli("check", str(ds), "--out", str(ds.parent), "--overwrite", "--as-of", AS_OF,
                cwd=tmp_path)
    assert "holds the input" in _one_line_error(done)
    assert _tree(ds.parent) == before


@pytest.mark.parametrize("where", ["inside", "symlink", "dotdot"])
def test_check_out_inside_or_resolving_to_the_dataset_is_refused(tmp_path: Path,
                                                                 where: str) -> None:
    ds = _dataset(tmp_path)
    before = _tree(ds)
    if where == "inside":
        out, expected = ds / "out", "lies inside the input"
    elif where == "symlink":
        out, expected = tmp_path / "link", "is the input"
        out.symlink_to(ds, target_is_directory=True)
    else:
        (ds.parent / "sub").mkdir()
        out, expected = ds.parent / "sub" / ".." / ds.name, "is the input"
    done = _cli("check", str(ds), "--out", str(out), "--overwrite", "--as-of", AS_OF,
                cwd=tmp_path)
    assert expected in _one_line_error(done)
    assert _tree(ds) == before


def test_check_out_holding_a_file_named_in_redline_toml_is_refused(tmp_path: Path) -> None:
    # targets.csv lives in an earlier output folder (redline's own, so --overwrite would
    # replace it), and redline.toml names it there: the folder is an input.
    ds = _dataset(tmp_path)
    old = tmp_path / "old_run"
    old.mkdir()
    outputs.write_marker(old, "redline check")
    shutil.move(ds / "targets.csv", old / "targets.csv")
    with (ds / "redline.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[layers.targets]\npath = "../../old_run/targets.csv"\n')
    before = _tree(old)
    done = _cli("check", str(ds), "--out", str(old), "--overwrite", "--as-of", AS_OF,
                cwd=tmp_path)
    _one_line_error(done)
    assert _tree(old) == before


@pytest.mark.parametrize("out", [".", "", "sub/..", "a\nb", "./"])
def test_bad_out_is_one_line_before_any_work(tmp_path: Path, out: str) -> None:
    ds = _dataset(tmp_path)
    (tmp_path / "sub").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    done = _cli("check", str(ds), "--out", out, "--overwrite", "--as-of", AS_OF, cwd=tmp_path)
    line = _one_line_error(done)
    assert "--out" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging, nothing made
    assert not list((tmp_path / "sub").iterdir())


@pytest.mark.parametrize("text", [".", "", " ", "..", "x/..", "a\nb", "a\x00b", "a\rb", "/"])
def test_output_path_refuses(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                             ) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputPathError) as info:
        outputs.output_path(text)
    assert "\n" not in info.value.line()


def test_output_path_refuses_the_current_folder_and_above(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    here = tmp_path / "a" / "b"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    for text in (str(here), str(tmp_path), "../../a"):
        with pytest.raises(OutputPathError, match="current folder"):
            outputs.output_path(text)
    assert outputs.output_path("../c") == (tmp_path / "a" / "c").resolve()
    assert outputs.output_path("../c", kind="file") == (tmp_path / "a" / "c").resolve()


def test_map_and_report_never_write_over_an_input(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    run = check(ds, tmp_path / "run", as_of=datetime.date(2026, 6, 30), progress=False)
    before = _tree(run.out), _tree(ds)
    runner = CliRunner()
    inside = "lies in the input folder"
    for args, expected in (
            (["map", str(run.out), "--out", str(run.out / "run.json")], inside),
            (["map", str(run.out), "--out", str(run.out / "map.html")], inside),
            (["map", str(ds), "--out", str(ds / "tiexi.gpkg")], inside),
            (["map", str(ds / "tiexi.gpkg"), "--out", str(ds / "tiexi.gpkg")], "is the input"),
            # The dataset named in run.json is read too (its files are no pages anyway).
            (["map", str(run.out), "--out", str(ds / "targets.csv")], "not a page"),
            (["report", str(run.out), "--out", str(run.out / "summary.csv")], inside),
            (["report", str(run.out), "--out", str(run.out / "report.html")], inside)):
        done = runner.invoke(cli, [*args, "--overwrite"])
        assert done.exit_code == 1, (args, done.output)
        assert expected in done.output, (args, done.output)
    assert (_tree(run.out), _tree(ds)) == before


def test_a_page_is_checked_against_the_dataset_a_result_names(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    run = check(ds, tmp_path / "run", as_of=datetime.date(2026, 6, 30), progress=False)
    page = ds / "old-map.html"  # a page redline wrote, kept in the dataset's folder
    page.write_text(f"<html><head>{outputs.generator_meta()}</head></html>", encoding="utf-8")
    done = CliRunner().invoke(cli, ["map", str(run.out), "--out", str(page), "--overwrite"])
    assert done.exit_code == 1, done.output
    assert f"lies in the input folder {ds}" in done.output
    assert page.read_text(encoding="utf-8").endswith("</head></html>")


# --- 2. --overwrite replaces only what redline wrote ---------------------------------------


def test_every_output_folder_carries_the_marker(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    run = check(ds, tmp_path / "run", as_of=datetime.date(2026, 6, 30), progress=False)
    marker = outputs.read_marker(run.out)
    assert marker["tool"] == "redline check"
    assert marker["pid"] == os.getpid()
    datetime.datetime.fromisoformat(marker["created"])
    from redline.tools.samples import make_county

    county = make_county(tmp_path / "made", name="x", admin_code="210311", seed=3,
                         n_farmland=300, n_parcels=20, plant=False, evidence="none")
    assert outputs.read_marker(county.path)["tool"] == "redline samples"
    for page in ("map.html", "report.html"):
        assert outputs.is_redline_page(run.out / page)


@pytest.mark.parametrize("command", ["check", "batch", "samples"])
def test_overwrite_refuses_a_folder_redline_did_not_write(tmp_path: Path, command: str
                                                          ) -> None:
    ds = _dataset(tmp_path)
    folder = tmp_path / "mine"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "a.txt").write_text("not redline's", encoding="utf-8")
    if command == "samples":
        target = folder / "tiexi"
        shutil.copytree(folder / "notes", target)
        args = ["samples", str(folder), "--county", "tiexi", "--overwrite"]
    else:
        target = folder
        args = [command, str(ds if command == "check" else ds.parent), "--out", str(folder),
                "--overwrite"]
    before = _tree(folder)
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1, done.output
    assert f"{target}: the output folder is not empty and {NOT_OURS}" in done.output
    assert _tree(folder) == before


def test_batch_resume_refuses_a_folder_redline_did_not_write(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=NOT_OURS):
        run_batch(ds.parent, out, resume=True, progress=False)
    outputs.write_marker(out, "redline check")  # a check's output is no batch's
    with pytest.raises(OutputExistsError, match="not of redline batch"):
        run_batch(ds.parent, out, resume=True, progress=False)
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "a.txt"]


def test_overwrite_replaces_a_folder_redline_wrote(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "out"
    first = _cli("check", str(ds), "--out", str(out), "--as-of", AS_OF, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (out / "stale.txt").write_text("from before", encoding="utf-8")
    again = _cli("check", str(ds), "--out", str(out), "--as-of", AS_OF, cwd=tmp_path)
    assert "--overwrite" in _one_line_error(again)
    done = _cli("check", str(ds), "--out", str(out), "--as-of", AS_OF, "--overwrite",
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _finished(out)
    assert not (out / "stale.txt").exists()
    assert not _leftovers(tmp_path, "out")


@pytest.mark.parametrize("command", ["map", "report"])
def test_pages_overwrite_only_a_page_redline_wrote(tmp_path: Path, command: str) -> None:
    ds = _dataset(tmp_path)
    run = check(ds, tmp_path / "run", as_of=datetime.date(2026, 6, 30), progress=False)
    page = tmp_path / "page.html"
    page.write_text("<html><body>someone's own page</body></html>", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli, [command, str(run.out), "--out", str(page), "--overwrite"])
    assert done.exit_code == 1
    assert "not a page redline wrote" in done.output
    assert "someone's own page" in page.read_text(encoding="utf-8")
    page.unlink()
    assert runner.invoke(cli, [command, str(run.out), "--out", str(page)]).exit_code == 0
    assert outputs.is_redline_page(page)
    assert runner.invoke(cli, [command, str(run.out), "--out", str(page)]).exit_code == 1
    done = runner.invoke(cli, [command, str(run.out), "--out", str(page), "--overwrite",
                               "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert 'lang="en"' in page.read_text(encoding="utf-8")[:400]


def _checked(dataset: str, out: Path, **_: object) -> None:
    """A check that only writes run.json, through the staging every check uses."""
    with outputs.staged_dir(out, tool="redline check") as tmp:
        (tmp / "run.json").write_text('{"status": "finished"}', encoding="utf-8")


class _Inline:
    """An executor running each task at submit, in this process."""

    def submit(self, fn: Callable[..., object], *args: object) -> cf.Future[object]:
        future: cf.Future[object] = cf.Future()
        future.set_running_or_notify_cancel()
        future.set_result(fn(*args))
        return future


def test_a_batch_marks_its_folder_its_counties_and_its_page(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    run = run_batch(ds.parent, tmp_path / "out", check=_checked, executor=_Inline(),
                    progress=False)
    [county] = run.counties
    assert county.status == "finished", county.reason
    assert outputs.read_marker(run.out)["tool"] == "redline batch"
    assert outputs.read_marker(run.out / county.folder)["tool"] == "redline check"
    assert outputs.is_redline_page(run.out / "overview.html")
    assert not _leftovers(tmp_path, "out")


# --- 3. one run per output -------------------------------------------------------------------


def test_a_second_check_to_the_same_out_fails_at_once(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "out"
    env = _env(tmp_path)
    first, _, go = _gated(tmp_path, "check", str(ds), "--out", str(out), "--as-of", AS_OF,
                          env=env)
    try:
        second = _cli("check", str(ds), "--out", str(out), "--as-of", AS_OF, cwd=tmp_path,
                      env=env)
        line = _one_line_error(second)
        assert f"another redline run (pid {first.pid} on " in line
        assert "wait for it to end, or choose another --out" in line
    finally:
        go.touch()
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    _finished(out)
    assert not _leftovers(tmp_path, "out")


def test_two_checks_started_at_once_never_both_succeed(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "redline.cli", "check", str(ds), "--out", str(out),
            "--as-of", AS_OF]
    procs = [subprocess.Popen(args, cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    done = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        done.append((proc.returncode, err))
    assert sorted(code for code, _ in done) == [0, 1], done
    loser = next(err for code, err in done if code == 1)
    assert "Traceback" not in loser
    assert "another redline run" in loser or "exists and is not empty" in loser
    _finished(out)
    assert not _leftovers(tmp_path, "out")


#: Holds an output's lock, forks a child that sleeps, and waits to be killed.
FORKS = """
import multiprocessing, pathlib, sys, time
from redline.io import outputs
target, ready = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with outputs.locked(target):
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(300,))
    child.start()
    ready.write_text(str(child.pid))
    time.sleep(300)
"""


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_run(tmp_path: Path) -> None:
    target, ready = tmp_path / "out", tmp_path / "ready"
    parent = subprocess.Popen([sys.executable, "-c", FORKS, str(target), str(ready)])
    deadline = time.monotonic() + 120
    while not ready.exists() or not ready.read_text():
        if parent.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the locking process never forked")
        time.sleep(0.05)
    child = int(ready.read_text())
    try:
        with pytest.raises(OutputBusyError, match=f"pid {parent.pid}"), outputs.locked(target):
            pass
        parent.kill()
        parent.wait(timeout=60)
        os.kill(child, 0)  # the child lives on, holding nothing
        with outputs.locked(target):
            pass
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    assert not outputs.lock_path(target).exists()


# --- 4. staging and spill go on every exit path; a killed run's are cleaned ------------------


def test_a_killed_check_leaves_staging_the_next_run_removes(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "out"
    env = _env(tmp_path)
    temp = Path(env["TMPDIR"])
    args = ("check", str(ds), "--out", str(out), "--as-of", AS_OF, "--tiles", "2x2")
    first, _, _ = _gated(tmp_path, *args, env=env)
    first.kill()
    first.communicate(timeout=60)
    staged = list(tmp_path.glob(".out.tmp-*"))
    spilled = list(temp.glob("redline-spill-*"))
    assert staged
    assert spilled
    again = _cli(*args, cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert not [p for p in staged + spilled if p.exists()]
    assert not _leftovers(tmp_path, "out")
    assert not list(temp.glob("redline-*"))
    _finished(out)


def test_a_stopped_check_leaves_nothing(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    env = _env(tmp_path)
    first, _, _ = _gated(tmp_path, "check", str(ds), "--out", str(tmp_path / "out"),
                         "--as-of", AS_OF, "--tiles", "2x2", env=env)
    assert list(tmp_path.glob(".out.tmp-*"))
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not _leftovers(tmp_path, "out")
    assert not list(Path(env["TMPDIR"]).glob("redline-*"))


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_check_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             stop: type[BaseException]) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))

    def interrupted(*args: object) -> None:
        raise stop

    monkeypatch.setattr(check_tool, "_raise_on_errors", interrupted)
    with pytest.raises(stop):
        check(SAMPLES / "tiexi", tmp_path / "out", tiles=(2, 2), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]
    assert not list(temp.iterdir())


def test_sweep_temp_removes_only_what_no_run_holds(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    dead = tmp_path / "redline-spill-dead"  # its run was killed: its lock is free
    dead.mkdir()
    (dead / ".lock").write_text("{}")
    (dead / "farmland-00000.parquet").write_bytes(b"x")
    old = tmp_path / "redline-spill-old"  # no lock (an earlier version), two days old
    old.mkdir()
    two_days = time.time() - 2 * 86400
    os.utime(old, (two_days, two_days))
    young = tmp_path / "redline-spill-young"  # no lock, two hours old: only named
    young.mkdir()
    two_hours = time.time() - 2 * 3600
    os.utime(young, (two_hours, two_hours))
    other = tmp_path / "someone-else"
    other.mkdir()
    with caplog.at_level(logging.WARNING, logger="redline.io.outputs"), \
            pytest.MonkeyPatch.context() as mp:
        mp.setattr("tempfile.tempdir", str(tmp_path))
        with outputs.temp_dir("redline-spill-") as live:  # sweeps first, then is held
            assert outputs.sweep_temp(tmp_path) == []
            assert live.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["redline-spill-young", "someone-else"]
    assert {r.getMessage() for r in caplog.records} == {
        f"{young}: left by a redline run that may have been stopped; remove it if no redline "
        "run is going"}


def test_staging_beside_the_out_is_removed_only_under_its_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = tmp_path / f".out.tmp-{2**22 + 7}-abcdefgh"
    stale.mkdir()
    (stale / "half.csv").write_text("a,b")
    other = tmp_path / ".out.tmp-foo.tmp-1-abcdefgh"  # the staging of an out "out.tmp-foo"
    other.mkdir()
    with outputs.staged_dir(out) as tmp:
        assert not stale.exists()
        (tmp / "a.txt").write_text("a")
    assert other.exists()
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "a.txt"]


# --- 5. a batch's output is never inside ROOT, never a county ---------------------------------


def test_batch_out_inside_root_is_refused(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    root = ds.parent
    before = _tree(root)
    done = CliRunner().invoke(cli, ["batch", str(root), "--out", str(root / "out"),
                                    "--workers", "1", "--as-of", AS_OF])
    assert done.exit_code == 1, done.output
    assert "lies inside the input" in done.output
    assert _tree(root) == before
    assert not (root / "out").exists()


def test_batch_out_holding_a_county_named_in_batch_toml_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    elsewhere = _dataset(tmp_path / "far")
    (root / "batch.toml").write_text(f'[[county]]\npath = "{elsewhere.as_posix()}"\n',
                                     encoding="utf-8")
    with pytest.raises(OutputPathError, match="holds the input"):
        run_batch(root, elsewhere.parent, overwrite=True, progress=False)


def test_a_redline_output_folder_is_never_a_county(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    root = ds.parent
    result = root / "result"
    result.mkdir()
    (result / "run.json").write_text("{}")
    outputs.write_marker(result, "redline check")
    batch = root / "batch-out"
    batch.mkdir()
    outputs.write_marker(batch, "redline batch")
    sample = root / "made"  # a dataset `redline samples` wrote is a county
    shutil.copytree(ds, sample)
    outputs.write_marker(sample, "redline samples")
    assert [c.name for c in read_counties(root)] == ["made", "tiexi"]


# --- 6. one check for every command ---------------------------------------------------------


def test_every_command_refuses_an_existing_output_with_the_same_words(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    run = check(ds, tmp_path / "run", as_of=datetime.date(2026, 6, 30), progress=False)
    folder = tmp_path / "done"
    (folder / "tiexi").mkdir(parents=True)
    outputs.write_marker(folder / "tiexi", "redline samples")
    (folder / "tiexi" / "x").write_text("x")
    outputs.write_marker(folder, "redline batch")
    page = tmp_path / "page.html"
    page.write_text(f"<html><head>{outputs.generator_meta()}</head></html>", encoding="utf-8")
    runner = CliRunner()
    lines = {}
    for name, args in {
        "check": ["check", str(ds), "--out", str(folder)],
        "batch": ["batch", str(ds.parent), "--out", str(folder)],
        "samples": ["samples", str(folder), "--county", "tiexi"],
        "map": ["map", str(run.out), "--out", str(page)],
        "report": ["report", str(run.out), "--out", str(page)],
    }.items():
        done = runner.invoke(cli, args)
        assert done.exit_code == 1, (name, done.output)
        lines[name] = done.output.strip().splitlines()[-1]
    assert lines["check"] == (f"redline: error: {folder}: the output folder exists and is not "
                              "empty; fix: choose another --out folder or pass --overwrite")
    assert lines["batch"] == (f"redline: error: {folder}: the output folder exists and is not "
                              "empty; fix: choose another --out folder or pass --resume or "
                              "--overwrite")
    assert lines["samples"] == (f"redline: error: {folder / 'tiexi'}: the output folder exists "
                                "and is not empty; fix: choose another OUTDIR folder or pass "
                                "--overwrite")
    assert lines["map"] == lines["report"] == (
        f"redline: error: {page}: the file exists; fix: choose another --out file or pass "
        "--overwrite")
