"""Where outputs may go, what they may replace, and one run at a time.

Every command that writes goes through this module:

- :func:`output_path` reads the text of an ``--out`` (or ``OUTDIR``) before any work:
  an empty path, a newline or NUL in it, ``.``/``..`` or the current folder (or one
  above it) are refused; the path comes back absolute, ``..`` and symlinks resolved.
- :func:`refuse_inputs`: an output folder may never be, hold, or lie inside a file or
  folder the run reads; an output file may never be one of them.
- :func:`check_existing` is the one test of what already stands at an output. A
  non-empty folder is replaced (or added to, by a batch) only with ``overwrite`` and
  only when it carries :data:`MARKER`, the file every output folder redline writes
  holds (JSON: tool, version, time, pid, host). A page (map, report) is replaced only
  with ``overwrite`` and only when it carries redline's generator mark
  (:func:`generator_meta`, read back by :func:`is_redline_page`).
- :func:`staged_dir` builds a folder beside the output (``.<name>.tmp-<pid>-<random>``)
  and renames it into place at the end; :func:`claimed_dir` hands over a folder
  written in place (a batch's). Both claim the output with an exclusive lock
  (:func:`locked`: ``fcntl.flock`` on ``.<name>.lock`` beside it, holding the pid), so
  a second run to the same output fails at once, and the kernel lets go of it when
  the process dies however it dies. The staging is removed on every exit path
  (an exception, Ctrl-C, SIGTERM); what a killed run left beside the output is
  removed by the next run to it, which holds the lock and so knows no live run owns
  it.
- :func:`temp_dir` is a temporary folder (a tiled check's spill, ``redline-spill-*``
  in ``TMPDIR``) holding a locked ``.lock`` for its lifetime; :func:`sweep_temp`
  removes those whose lock nobody holds (their run was killed) and names in a
  warning the ones without a lock that are not yet a day old.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from redline.errors import InputError, OutputBusyError, OutputExistsError, OutputPathError
from redline.version import __version__

if TYPE_CHECKING:
    from redline.model import Dataset

log = logging.getLogger(__name__)

#: The file every output folder redline writes holds: JSON naming the tool that wrote it.
MARKER: Final[str] = ".redline"
#: Tools whose output folders hold results (never taken as a county's dataset).
RESULT_TOOLS: Final[frozenset[str]] = frozenset({"redline check", "redline batch"})
#: The ``name`` of the generator ``<meta>`` of every page redline writes.
GENERATOR: Final[str] = "redline"
#: Prefixes of redline's temporary folders in ``TMPDIR`` (swept by :func:`sweep_temp`).
TEMP_PREFIXES: Final[tuple[str, ...]] = ("redline-spill-",)
#: A leftover that cannot be proven stale is removed once it is this old (seconds).
STALE_AFTER_S: Final[float] = 24 * 3600.0
#: ... and named in a warning once it is this old (younger, it may be a run starting).
WARN_AFTER_S: Final[float] = 3600.0
#: Bytes of a page read to find its generator mark (it sits in the first lines).
_HEAD_BYTES: Final[int] = 16_384
_GENERATOR_RE: Final[re.Pattern[bytes]] = re.compile(
    rb'<meta\s+name="generator"\s+content="' + GENERATOR.encode() + rb'[\s"]')

Kind = Literal["folder", "file"]


# --- the path given ---------------------------------------------------------------------


def path_text(out: str | os.PathLike[str], *, option: str = "--out") -> str:
    """Return an output path's text; refuse it empty or holding a control character.

    Raises
    ------
    OutputPathError
        ``out`` is empty (or blank), or holds a newline, tab, NUL or other control
        character.
    """
    text = os.fsdecode(os.fspath(out))
    if not text.strip():
        raise OutputPathError(f"{option} is empty",
                              fix=f"give {option} a path, e.g. {option} out/result")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise OutputPathError(f"{option} holds a control character (a newline, tab or NUL)",
                              path=repr(text), fix=f"give {option} a plain path")
    return text


def output_path(out: str | os.PathLike[str], *, option: str = "--out",
                kind: Kind = "folder") -> Path:
    """Check the text of an output path and return it absolute, ``..`` and symlinks resolved.

    Refused, before any work: an empty path, a control character, a path whose last
    part is ``.`` or ``..`` (``--out .``, ``--out sub/..``), and for a folder the
    current folder or one above it (redline would replace the folder it runs in).

    Raises
    ------
    OutputPathError
        The path is one of those.
    """
    text = path_text(out, option=option)
    trimmed = text.rstrip("/" + os.sep)
    last = re.split(r"[/\\]" if os.sep == "\\" else "/", trimmed)[-1] if trimmed else ""
    if last in ("", ".", ".."):
        raise OutputPathError(
            f"{option} ends in {last or '/'!r}, not in a name of its own: it names a folder "
            "that is there already (the current one, or one above)", path=text,
            fix=f"give {option} a name of its own, e.g. {option} out/result")
    target = Path(os.path.abspath(text)).resolve()
    if kind == "folder":
        try:
            here = Path.cwd().resolve()
        except OSError:
            here = None
        if here is not None and (target == here or here.is_relative_to(target)):
            raise OutputPathError(
                f"{option} is the current folder or one above it, which redline would "
                "replace", path=str(target),
                fix=f"give {option} a new folder, e.g. {option} out/result")
    return target


def refuse_inputs(target: Path, inputs: Iterable[str | os.PathLike[str] | None], *,
                  option: str = "--out", kind: Kind = "folder") -> None:
    """Refuse an output that is, holds or lies inside an input (symlinks and ``..`` resolved).

    ``target`` comes from :func:`output_path`. An output folder may not be an input,
    hold one (an input lies somewhere under it) or lie inside an input folder. An
    output file may not be an input file, nor an existing file inside an input folder
    (a result folder's own files are its inputs). A GDAL path into a zip
    (``/vsizip/a.zip/b``) stands for the zip; inputs that do not exist are skipped.

    Raises
    ------
    OutputPathError
        Naming the input.
    """
    for item in inputs:
        if item is None:
            continue
        try:
            source = Path(_archive_of(os.fspath(item)))
            if not source.exists():
                continue
            source = source.resolve()
            is_dir = source.is_dir()
        except (OSError, ValueError):
            continue
        why = ""
        if target == source:
            why = "is the input"
        elif kind == "folder" and source.is_relative_to(target):
            why = "holds the input"
        elif is_dir and target.is_relative_to(source) and (kind == "folder"
                                                           or target.exists()):
            why = "lies inside the input" if kind == "folder" else "lies in the input folder"
        if why:
            what = "output folder" if kind == "folder" else "output file"
            raise OutputPathError(
                f"the {what} {why} {source}: redline would write over what it reads",
                path=str(target),
                fix=f"give {option} a path outside every input, e.g. beside the dataset")


def input_paths(dataset: Dataset) -> list[str]:
    """Return the files and folders a dataset was read from: its path, layers, rasters, targets."""
    paths = [dataset.path]
    for layer in dataset.layers.values():
        suffix = f":{layer.layer_name}" if layer.layer_name else ""
        path = str(layer.path)
        paths.append(path[: -len(suffix)] if suffix and path.endswith(suffix) else path)
    paths.extend(dataset.rasters.values())
    if dataset.targets_path:
        paths.append(dataset.targets_path)
    return paths


def _archive_of(path: str) -> str:
    """Return the archive a GDAL ``/vsizip/<archive>.zip/<member>`` path stands for."""
    prefix = "/vsizip/"
    if not path.startswith(prefix):
        return path
    cut = path.lower().find(".zip", len(prefix))
    return path[len(prefix):cut + 4] if cut >= 0 else path[len(prefix):]


# --- what stands there already -------------------------------------------------------------


def write_marker(folder: Path, tool: str) -> Path:
    """Write :data:`MARKER` into ``folder``: the folder is redline's own, to replace later."""
    data = {"tool": tool, "version": __version__,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "pid": os.getpid(), "host": socket.gethostname()}
    path = folder / MARKER
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the :data:`MARKER` of a folder redline wrote, or None for any other folder."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not str(data.get("tool", "")).startswith(GENERATOR):
        return None
    return data


def is_result_folder(folder: str | os.PathLike[str]) -> bool:
    """Tell whether ``folder`` is an output folder of ``redline check`` or ``redline batch``."""
    marker = read_marker(folder)
    return marker is not None and marker.get("tool") in RESULT_TOOLS


def generator_meta() -> str:
    """Return the ``<meta name="generator">`` tag every page redline writes has in its head."""
    return f'<meta name="generator" content="{GENERATOR} {__version__}">'


def is_redline_page(path: str | os.PathLike[str]) -> bool:
    """Tell whether a file is a page redline wrote (its head carries :func:`generator_meta`)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError:
        return False
    return _GENERATOR_RE.search(head) is not None


def check_existing(target: Path, *, overwrite: bool, option: str = "--out",
                   kind: Kind = "folder", tool: str | None = None,
                   flag: str = "--overwrite") -> None:
    """Refuse what stands at an output unless redline wrote it and may replace it.

    A folder: none, or an empty one, is free; a non-empty one needs :data:`MARKER`
    (and, when ``tool`` is given, one written by that tool, for a folder added to in
    place) and ``overwrite``. A file: none is free; an existing one needs
    redline's generator mark and ``overwrite``. ``flag`` names the options that
    allow it in the messages.

    Raises
    ------
    OutputExistsError
        Saying why, and what to do.
    """
    shown = str(target)
    if kind == "file":
        if not os.path.lexists(target):
            return
        if target.is_dir():
            raise OutputExistsError("the output path is a folder", path=shown,
                                    fix=f"give {option} a file path, e.g. {option} page.html")
        if not is_redline_page(target):
            raise OutputExistsError(
                "the file exists and is not a page redline wrote (no redline generator "
                f"mark in it), so redline will not write over it, even with {flag}",
                path=shown, fix=f"choose another {option} file, or move this one away yourself")
        if not overwrite:
            raise OutputExistsError("the file exists", path=shown,
                                    fix=f"choose another {option} file or pass {flag}")
        return
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise OutputExistsError("the output path exists and is a file", path=shown,
                                fix=f"give a folder path for {option}")
    if not any(target.iterdir()):
        return
    marker = read_marker(target)
    if marker is None:
        raise OutputExistsError(
            "the output folder is not empty and was not written by redline (no "
            f"{MARKER} file in it), so redline will not write into it, even with {flag}",
            path=shown, fix=f"choose another {option} folder, or empty this one yourself")
    if tool is not None and marker.get("tool") != tool:
        raise OutputExistsError(
            f"the output folder holds the output of {marker.get('tool')}, not of {tool}",
            path=shown, fix=f"choose another {option} folder")
    if not overwrite:
        raise OutputExistsError("the output folder exists and is not empty", path=shown,
                                fix=f"choose another {option} folder or pass {flag}")


def check_out_file(out: str | os.PathLike[str], *, overwrite: bool,
                   inputs: Iterable[str | os.PathLike[str] | None] = (),
                   option: str = "--out") -> Path:
    """Check a page's output path (``map``, ``report``): return it resolved.

    :func:`output_path`, :func:`refuse_inputs` and :func:`check_existing` for a file:
    the file may not be an input, and is replaced only with ``overwrite`` when
    redline wrote it. Leftover temporary files of a killed write are removed.

    Raises
    ------
    OutputPathError, OutputExistsError
    """
    target = output_path(out, option=option, kind="file")
    refuse_inputs(target, inputs, option=option, kind="file")
    check_existing(target, overwrite=overwrite, option=option, kind="file")
    _sweep_file_leftovers(target)
    return target


# --- claiming a folder ------------------------------------------------------------------------


@contextlib.contextmanager
def staged_dir(out: str | os.PathLike[str], *, overwrite: bool = False, tool: str = GENERATOR,
               inputs: Iterable[str | os.PathLike[str] | None] = (),
               option: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` that replaces ``out`` only on success.

    The path is checked (:func:`output_path`, :func:`refuse_inputs` against
    ``inputs``) before anything is made; ``out`` is locked for the block
    (:func:`locked`), and what stands there is checked (:func:`check_existing`)
    under the lock, at the start and again before the rename. The folder holds
    :data:`MARKER` naming ``tool``. The staging is removed however the block
    ends (SIGTERM included, in the main thread); staging left beside ``out`` by a
    killed run is removed first.

    Raises
    ------
    OutputPathError, OutputExistsError, OutputBusyError
        The path is refused, ``out`` may not be replaced, or another run holds it.
    InputError
        The folder cannot be made.
    """
    target = output_path(out, option=option)
    refuse_inputs(target, inputs, option=option)
    _make_parent(target)
    with _sigterm_as_exit(), locked(target, option=option):
        check_existing(target, overwrite=overwrite, option=option)
        _sweep_beside(target)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-",
                                        dir=target.parent))
        except OSError as ex:
            raise InputError(f"cannot create the output folder ({ex.strerror})",
                             path=str(target), fix="check the path and its permissions") from ex
        try:
            write_marker(tmp, tool)
            yield tmp
            check_existing(target, overwrite=overwrite, option=option)
            _replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone after the rename


@contextlib.contextmanager
def claimed_dir(out: str | os.PathLike[str], *, tool: str, overwrite: bool = False,
                inputs: Iterable[str | os.PathLike[str] | None] = (),
                option: str = "--out", flag: str = "--overwrite") -> Iterator[Path]:
    """Yield ``out`` (resolved, made, holding :data:`MARKER`) to write into in place, locked.

    As :func:`staged_dir` for the path, the lock and what stands there, except that a
    non-empty folder must have been written by the same ``tool`` and is kept: the
    caller adds to it. Hidden temporary files a killed run left in it
    (``.*.tmp-*``) are removed.
    """
    target = output_path(out, option=option)
    refuse_inputs(target, inputs, option=option)
    _make_parent(target)
    with _sigterm_as_exit(), locked(target, option=option):
        check_existing(target, overwrite=overwrite, option=option, tool=tool, flag=flag)
        try:
            target.mkdir(exist_ok=True)
            write_marker(target, tool)
        except OSError as ex:
            raise InputError(f"cannot create the output folder ({ex.strerror})",
                             path=str(target), fix="check the path and its permissions") from ex
        for left in target.glob(".*.tmp-*"):
            _remove(left)
        yield target


def _make_parent(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as ex:
        raise InputError(f"cannot create the output folder ({ex.strerror})", path=str(target),
                         fix="check the path and its permissions") from ex


def _replace(tmp: Path, target: Path) -> None:
    old = None
    if os.path.lexists(target):
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        _remove(old)
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        _remove(old)


def _sweep_beside(target: Path) -> None:
    """Remove the staging a killed run left beside ``target`` (the caller holds its lock).

    Under the lock no live run owns ``.<name>.tmp-<pid>-*`` or ``.<name>.old-<pid>``:
    they go. Staging of the form of earlier versions (no pid) goes once a day old
    and is named in a warning before that.
    """
    name = re.escape(target.name)
    ours = re.compile(rf"\.{name}\.(?:tmp-\d+-[a-z0-9_]+|old-\d+)")
    earlier = re.compile(rf"\.{name}\.tmp-[a-z0-9_]{{8}}")
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if ours.fullmatch(entry.name):
            _remove(entry)
            log.info("removed %s, left by a redline run that was stopped", entry)
        elif earlier.fullmatch(entry.name):
            _remove_if_old(entry)


def _sweep_file_leftovers(target: Path) -> None:
    """Remove ``.<name>.tmp-<pid>`` beside a page, left by a write whose process is gone."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.tmp-(\d+)")
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_file() and not _pid_alive(int(match.group(1))):
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _remove_if_old(path: Path) -> None:
    """Remove a leftover whose owner cannot be known once a day old; name it before that."""
    age = _age(path)
    if age > STALE_AFTER_S:
        _remove(path)
        log.info("removed %s, left by a redline run more than a day ago", path)
    elif age > WARN_AFTER_S:
        log.warning("%s: left by a redline run that may have been stopped; remove it if no "
                    "redline run is going", path)


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


# --- locks ------------------------------------------------------------------------------------

#: Lock files held by this process (fd -> path): closed in a forked child, which must
#: not keep a lock alive after its parent is gone.
_HELD: dict[int, str] = {}


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def lock_path(target: Path) -> Path:
    """Return the lock file of an output: ``.<name>.lock`` beside it."""
    return target.parent / f".{target.name}.lock"


@contextlib.contextmanager
def locked(target: Path, *, option: str = "--out") -> Iterator[None]:
    """Hold the exclusive lock of an output for the block; fail at once if a run holds it.

    The lock is ``fcntl.flock`` on :func:`lock_path`, which holds the owner's pid and
    host; the kernel releases it when the process ends, however it ends. The file
    is removed when the block ends.

    Raises
    ------
    OutputBusyError
        Another run holds the lock.
    """
    path = lock_path(target)
    fd = _acquire(path, shown=target, option=option)
    try:
        yield
    finally:
        _release(fd, path)


def _acquire(path: Path, *, shown: Path, option: str) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as ex:
            raise InputError(f"cannot create the lock file {path.name} ({ex.strerror})",
                             path=str(shown), fix="check the folder's permissions") from ex
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            raise OutputBusyError(f"another redline run{holder} is writing this output",
                                  path=str(shown),
                                  fix=f"wait for it to end, or choose another {option}")
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)  # the run that held it removed the file: lock the one there now
    _HELD[fd] = str(path)
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "version": __version__,
             "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(owner).encode("utf-8"))
    return fd


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        owner = json.loads(os.read(fd, 4096).decode("utf-8"))
        return f" (pid {int(owner['pid'])} on {owner.get('host', '?')})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _release(fd: int, path: Path) -> None:
    _HELD.pop(fd, None)
    if sys.platform == "win32":
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        return
    try:
        # Removed while still held, and only if it is still this run's file.
        if os.path.samestat(os.fstat(fd), os.stat(path)):
            path.unlink()
    except OSError:
        pass
    finally:
        os.close(fd)


def _after_fork_in_child() -> None:
    """Give up, in a forked child (a helper, a pool worker), the parent's locks and handler."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()
    with contextlib.suppress(ValueError, OSError):
        if signal.getsignal(signal.SIGTERM) is _exit_on_signal:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# --- signals ----------------------------------------------------------------------------------


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit(143)`` for the block, so cleanup runs.

    Only in the main thread of the main process, and only where SIGTERM has its
    default action (a caller's own handler is left alone); nested blocks keep the
    outer one's.
    """
    if (threading.current_thread() is not threading.main_thread()
            or multiprocessing.parent_process() is not None
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


# --- temporary folders ------------------------------------------------------------------------


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """Yield a new folder in ``TMPDIR`` named ``<prefix>*``, removed however the block ends.

    It holds a ``.lock`` locked for its lifetime, so :func:`sweep_temp` (run first)
    can tell one whose run was killed from one in use.
    """
    sweep_temp()
    with _sigterm_as_exit():
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        fd = -1
        try:
            fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                         0o644)
            _try_lock(fd)
            _HELD[fd] = str(folder / ".lock")
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if fd >= 0:
                _HELD.pop(fd, None)
                os.close(fd)


def sweep_temp(base: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove redline's temporary folders left in ``TMPDIR`` by runs that were killed.

    A folder whose ``.lock`` nobody holds is removed (its run is gone); one with no
    ``.lock`` (an earlier version's) is removed once a day old and named in a
    warning before that (from an hour old). Returns the folders removed.
    """
    root = Path(base if base is not None else tempfile.gettempdir())
    try:
        entries = [e for e in root.iterdir() if e.name.startswith(TEMP_PREFIXES)]
    except OSError:
        return []
    removed = []
    for entry in entries:
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            fd = os.open(entry / ".lock", os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            _remove_if_old(entry)
            if not entry.exists():
                removed.append(entry)
            continue
        except OSError:
            continue
        try:
            if _try_lock(fd):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
                log.info("removed %s, left by a redline run that was stopped", entry)
        finally:
            os.close(fd)
    return removed
