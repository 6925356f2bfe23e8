"""Results worked out once inside a block: a per-thread cache keyed by the objects used.

A check overlays the farmland many times and the ledger measures the same layers
for several admin levels. Inside ``with cache.scope():`` each such result is
computed once; outside a scope nothing is kept and every call computes.

Keys name the objects a result was computed from by their ``id()``, and those
objects are held with the result, so no new object can take one of those ids
while the scope lasts. A scope belongs to the thread that opened it: threads (the
tiles of a county, two counties on one dask worker) never see each other's
results. A scope opened inside another sees the outer one's results; what it adds
is dropped when it ends.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class ScopedCache:
    """A cache live only inside :meth:`scope`, in the thread that opened it.

    Examples
    --------
    >>> areas = ScopedCache()
    >>> data = [1.0, 2.0]
    >>> with areas.scope():
    ...     first = areas.get("total", (data,), lambda: sum(data))
    ...     again = areas.get("total", (data,), lambda: -1.0)
    >>> first, again, areas.get("total", (data,), lambda: -1.0)
    (3.0, 3.0, -1.0)
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _memo(self) -> dict[tuple[Hashable, ...], tuple[tuple[object, ...], Any]] | None:
        memo: dict[tuple[Hashable, ...], tuple[tuple[object, ...], Any]] | None = getattr(
            self._local, "memo", None)
        return memo

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Keep results until the block ends."""
        outer = self._memo()
        self._local.memo = {} if outer is None else dict(outer)
        try:
            yield
        finally:
            self._local.memo = outer

    def get(self, name: str, of: tuple[object, ...], compute: Callable[[], T],
            *extra: Hashable) -> T:
        """Return the result named ``name`` for the objects ``of`` (and ``extra`` values).

        ``compute()`` runs when the result is not kept yet, or outside a scope.
        """
        memo = self._memo()
        if memo is None:
            return compute()
        key = (name, *(id(o) for o in of), *extra)
        entry = memo.get(key)
        if entry is None:
            entry = memo[key] = (of, compute())
        return entry[1]

    def has(self, name: str, of: tuple[object, ...], *extra: Hashable) -> bool:
        """Whether the result named ``name`` for ``of`` is kept in this thread's scope."""
        memo = self._memo()
        return memo is not None and (name, *(id(o) for o in of), *extra) in memo

    def put(self, name: str, of: tuple[object, ...], value: object, *extra: Hashable) -> None:
        """Keep ``value`` as the result named ``name`` for ``of``; nothing outside a scope."""
        memo = self._memo()
        if memo is not None:
            memo[(name, *(id(o) for o in of), *extra)] = (of, value)
