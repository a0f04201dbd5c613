"""Query results cached by the published snapshot they were read from.

A snapshot never changes once published (a new build publishes a new file and swaps it
in), so a result read from snapshot S is valid for as long as S is served. The app sets
the id of the snapshot it opened for this render (its manifest's run id and publish
time); every query through `dashboard.queries._df` and `dashboard.metrics.query` is then
keyed by (snapshot id, the query, its parameters). A new snapshot has a new id, so it
shows at the next render with nothing to invalidate. Without an id (tests, scripts)
nothing is cached.

The key holds the full SQL (or metric request) and parameters, the viewer's scope
included, so viewers with different scopes never share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pandas as pd

MAX_ENTRIES = 1024

_snapshot_id: ContextVar[str | None] = ContextVar("cx_snapshot_id", default=None)
_entries: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


@contextmanager
def reading(snapshot_id: str | None) -> Iterator[None]:
    """Cache what is read inside this block under `snapshot_id` (None: no caching)."""
    token = _snapshot_id.set(snapshot_id)
    try:
        yield
    finally:
        _snapshot_id.reset(token)


def _copy(value: Any) -> Any:
    # Views reshape frames in place now and then: each caller gets its own copy.
    return value.copy() if isinstance(value, pd.DataFrame) else value


def cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    snapshot = _snapshot_id.get()
    if snapshot is None:
        return compute()
    full = (snapshot, key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            stats["hits"] += 1
            return _copy(_entries[full])
    value = compute()
    with _lock:
        stats["misses"] += 1
        _entries[full] = _copy(value)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
        stats.update(hits=0, misses=0)
