"""Pure-Python text work spread over the machine's cores.

Parsing company names (identity), linking and scoring posts (enrichment) are Python
loops over each value: one core works while the others wait, and DuckDB is idle
meanwhile. The
work is split into contiguous chunks, one per forked process; a forked child
inherits what the parent built (the customer dictionary, the segmenter, the
lexicons) without pickling it, and results come back in input order, so a run
gives the same rows whatever the number of processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from cx_settings import load_settings

# Fewer items than this per process are not worth a fork (and the pickled results).
MIN_CHUNK = 2_000
# A thread that imports libraries ahead of the step needing them (orchestration/build.py).
# A fork while it holds an import lock would leave the child a lock nobody releases:
# chunked_map waits for it first.
PRELOAD_THREAD = "cx-preload"

_job: tuple[Callable[[Sequence[Any]], list[Any]], Sequence[Any]] | None = None


def workers() -> int:
    """Processes to use (setting engine.python_workers; 0: one per core)."""
    configured = load_settings().engine.python_workers
    return configured if configured > 0 else max(1, os.cpu_count() or 1)


def _child_signals() -> None:
    """Default signal handling in a child. It inherits the parent's Python handlers:
    Dagster's hold SIGTERM and SIGINT back while a step runs, so a child told to
    stop kept waiting on its queue and the build waited for it forever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _job is not None
    task, items = _job
    return list(task(items[bounds[0] : bounds[1]]))


def chunked_map(
    task: Callable[[Sequence[Any]], list[Any]],
    items: Sequence[Any],
    min_chunk: int | None = None,
    processes: int | None = None,
) -> list[Any]:
    """task(chunk) over contiguous chunks of items, concatenated in order. `task`
    maps a chunk to one result per item. It runs in forked children, which see the
    parent's memory as it was at the call (only the chunk bounds and the results
    are pickled). Chunks under `min_chunk` items (default MIN_CHUNK) are not worth a
    process."""
    n = workers() if processes is None else processes
    n = min(n, len(items) // max(1, MIN_CHUNK if min_chunk is None else min_chunk))
    if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return list(task(items))
    global _job
    _job = (task, items)
    for thread in threading.enumerate():
        if thread.name == PRELOAD_THREAD:
            thread.join()
    # A forked child holds copies of objects other threads (DuckDB's, Splink's) were
    # changing at the fork; the cyclic collector walks every object and crashed on
    # them (medium build, SIGSEGV while collecting). The children's work frees its
    # memory by reference counting, so they run with the collector off.
    collecting = gc.isenabled()
    gc.disable()
    try:
        step = -(-len(items) // n)
        bounds = [(i, min(i + step, len(items))) for i in range(0, len(items), step)]
        # concurrent.futures, not multiprocessing.Pool: a child that dies raises
        # BrokenProcessPool here instead of leaving the map waiting for its result.
        with ProcessPoolExecutor(
            len(bounds), mp_context=multiprocessing.get_context("fork"), initializer=_child_signals
        ) as pool:
            parts = list(pool.map(_run_chunk, bounds))
    finally:
        _job = None
        if collecting:
            gc.enable()
    return [result for part in parts for result in part]
