"""A helper process: zero-argument jobs run in a forked child beside the caller.

A large county's check runs the supply rules and draws the map's farmland images
here while the overlap rules run in the caller (:func:`redline.tools.check.check`).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class SideJobs:
    """Run zero-argument jobs one after another beside the caller, in a forked process.

    A forked child inherits the layers without copying or pickling them and has
    its own interpreter lock, so its Python-heavy work does not slow the caller
    down; one child for all the jobs, so the two cores are not asked for three
    things at once. Each result is sent back as soon as its job ends. Where fork
    is missing (Windows, macOS) or not allowed (a daemonic worker process, as
    dask's) the jobs run in a thread; with ``now`` they run at once, in line.
    A job that fails in the child is done again in the caller, so a result never
    depends on where it was made. The child is stopped if the caller gives up.
    """

    def __init__(self, jobs: list[Callable[[], Any]], *, now: bool = False) -> None:
        self.jobs, self.now = jobs, now
        self.got: dict[int, tuple[bool, Any]] = {}
        self.proc: Any = None
        self.conn: Any = None
        self.futures: list[Future[Any]] = []
        if now:  # too little to be worth a process or a thread
            self.got = {i: (True, timed(job)) for i, job in enumerate(jobs)}
            return
        if "fork" in mp.get_all_start_methods() and not mp.current_process().daemon:
            try:
                ctx = mp.get_context("fork")
                self.conn, child = ctx.Pipe(duplex=False)
                self.proc = ctx.Process(target=_child, args=(child, jobs),
                                        daemon=True, name="redline-fork")
                self.proc.start()
                child.close()
                return
            except OSError as ex:
                log.debug("cannot fork (%s): working in a thread", ex)
                self.proc = None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redline-fork")
        self.futures = [pool.submit(timed, job) for job in jobs]
        pool.shutdown(wait=False)

    def result(self, k: int) -> tuple[Any, float]:
        """Return job ``k``'s value and the seconds it took."""
        if self.futures:
            return self.futures[k].result()
        while k not in self.got and self.conn is not None:
            try:
                i, ok, value = self.conn.recv()
                self.got[i] = (ok, value)
            except (EOFError, OSError) as ex:  # the child died (e.g. out of memory)
                log.debug("work beside the rules stopped (%r)", ex)
                self._close()
        ok, value = self.got.get(k, (False, "no answer"))
        if len(self.got) == len(self.jobs):
            self._close()
        if ok:
            return value
        log.debug("work beside the rules failed (%s): doing it here", value)
        return timed(self.jobs[k])

    def timed_result(self, k: int, timings: dict[str, float], label: str) -> Any:
        """Return job ``k``'s value; its seconds go to ``timings[label]`` if it ran beside."""
        value, seconds = self.result(k)
        if not self.now:
            timings[label] = round(seconds, 3)
        return value

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
            self.proc.join()

    def __del__(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None and proc.is_alive():
            proc.terminate()


def _child(conn: Any, jobs: list[Callable[[], Any]]) -> None:
    # Ctrl-C is the parent's to handle: it stops this process with the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A result waits in the pipe until the parent asks for it; a thread sends
    # them, so the next job starts at once instead of waiting for the parent.
    outbox: queue.Queue[tuple[int, bool, Any] | None] = queue.Queue()

    def send() -> None:
        try:
            while (message := outbox.get()) is not None:
                conn.send(message)
        except OSError:  # the parent has gone
            pass

    sender = threading.Thread(target=send, name="redline-fork-send")
    sender.start()
    try:
        for i, job in enumerate(jobs):
            try:
                outbox.put((i, True, timed(job)))
            except Exception as ex:  # reported to the parent, which does the job itself
                outbox.put((i, False, f"{type(ex).__name__}: {ex}"))
    finally:
        outbox.put(None)
        sender.join()
        conn.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``fn``; return its value and the seconds it took."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start
