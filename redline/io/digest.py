"""Digests of input files: the sha256 run.json records for each input, compared on resume.

A shapefile's source is hashed with its sidecar files (.dbf, .prj, .cpg...) by
:func:`source_sha256`, since a changed attribute table or CRS changes the layer as much as
a changed geometry.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any


def sha256_file(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks.

    A GDAL path into a zip, ``/vsizip/<archive>.zip/<member>``, is the member's bytes.
    """
    if os.path.isdir(path):
        return _tree_sha256(Path(path))
    digest = hashlib.sha256()
    with _open_bytes(os.fspath(path)) as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _tree_sha256(folder: Path) -> str:
    """sha256 of a folder's files (a FileGDB): of each one's relative name and digest, sorted."""
    digest = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        digest.update(p.relative_to(folder).as_posix().encode())
        digest.update(bytes.fromhex(sha256_file(p)))
    return digest.hexdigest()


def source_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a layer's source: of the file, or of a shapefile and its sidecars together.

    The sidecars (``<stem>.*``, sorted) are hashed each, and the digest is of their
    suffixes and digests in turn.

    Raises
    ------
    OSError
        The file is missing or unreadable.
    """
    p = Path(path)
    if p.suffix.lower() != ".shp":
        return sha256_file(p)
    digest = hashlib.sha256()
    for side in sorted(p.parent.glob(glob.escape(p.stem) + ".*")):
        digest.update(side.suffix.lower().encode())
        digest.update(bytes.fromhex(sha256_file(side)))
    return digest.hexdigest()


@contextlib.contextmanager
def _open_bytes(path: str) -> Iterator[Any]:
    prefix = "/vsizip/"
    cut = path.lower().find(".zip/", len(prefix)) if path.startswith(prefix) else -1
    if cut < 0:
        with open(path, "rb") as fh:
            yield fh
        return
    import zipfile

    archive, member = path[len(prefix):cut + 4], path[cut + 5:]
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as fh:
            yield fh
    except KeyError as ex:  # the member is not (or no longer) in the archive
        raise FileNotFoundError(f"{member} is not in {archive}") from ex


_DIGESTS: dict[tuple[int, str, int, int], Future[str]] = {}
#: Layers of one file read in two threads at once share one digest of it.
_DIGESTS_LOCK = threading.Lock()


def _after_fork() -> None:
    global _DIGESTS_LOCK  # noqa: PLW0603 - a child must not inherit a lock held in its parent
    _DIGESTS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def digest_later(path: Path) -> Future[str] | None:
    """Return the sha256 of a file, hashed once per version of it, in a background thread.

    A GeoPackage holding every layer of a county is hashed once, not once per
    layer; hashlib releases the GIL, so the hash runs beside the parsing.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    # The process id keeps a forked worker from waiting on its parent's thread.
    key = (os.getpid(), str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _DIGESTS_LOCK:
        if key in _DIGESTS:
            return _DIGESTS[key]
        if len(_DIGESTS) > 64:
            _DIGESTS.clear()
        future: Future[str] = Future()
        _DIGESTS[key] = future

    def run() -> None:
        try:
            future.set_result(sha256_file(path))
        except BaseException as ex:  # handed to whoever waits for the digest
            future.set_exception(ex)

    threading.Thread(target=run, name="redline-sha256", daemon=True).start()
    return future
