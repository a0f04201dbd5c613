"""Python text work spread over processes gives what one process gives, in order."""

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import duckdb
import pandas as pd
import pytest

from identity import normalise as nz
from identity.parallel import chunked_map


def _squares(values):
    return [v * v for v in values]


def test_chunks_come_back_in_input_order_whatever_the_number_of_processes():
    values = list(range(1_001))
    expected = _squares(values)
    for processes in (1, 2, 3):
        assert chunked_map(_squares, values, min_chunk=1, processes=processes) == expected


def test_too_few_items_for_a_process_run_in_this_one():
    seen_pids = chunked_map(lambda xs: [os.getpid() for _ in xs], [1, 2, 3], 10, 2)
    assert set(seen_pids) == {os.getpid()}


def test_forked_workers_survive_a_busy_duckdb_connection_and_parse_names_alike():
    # The children are forked with DuckDB's threads alive (in a build, a child's cyclic
    # collector crashed on such state and the pool waited forever: the children now run
    # without it). This does not reproduce that crash every time; it pins down that the
    # fork works beside an open connection and that the parsed names are the same.
    con = duckdb.connect()
    con.execute("create table t as select range as i, md5(range::varchar) as s from range(200000)")
    con.execute("select count(distinct s) from t").fetchall()
    names = ["上海精测电子有限公司", "Shanghai Jingce Electronics Co., Ltd.", "宇恒医医药公司"]
    names = names * 400
    pairs = [(n, None) for n in names]
    one = nz._company_name_parts(pairs)
    assert chunked_map(nz._company_name_parts, pairs, min_chunk=1, processes=2) == one
    con.close()


def test_column_functions_on_repeated_values_equal_the_function_per_value():
    raw = pd.Series(
        ["Li.Na@Hualan.com ", "info@hualan.com", None, "Li.Na@Hualan.com ", "x", None, "x"] * 3,
        index=range(100, 121),
    )
    for fn in (nz.email, nz.personal_email, nz.corporate_email_domain, nz.is_role_mailbox):
        out = fn(raw)
        assert out.index.equals(raw.index)
        one_by_one = [fn(pd.Series([v])).iloc[0] for v in raw]
        assert [None if pd.isna(v) else v for v in out] == [
            None if pd.isna(v) else v for v in one_by_one
        ], fn.__name__
    phones = pd.Series(["+86 138-0013-8000", "(021) 6234 5678", None] * 4)
    assert list(nz.phone(phones).fillna("")) == ["13800138000", "2162345678", ""] * 4


def _die_on_three(values):
    if 3 in values:
        os._exit(1)  # a child that dies (a crash in an extension) without a word
    return list(values)


def test_a_child_that_dies_fails_the_map_instead_of_hanging_it():
    with pytest.raises(BrokenProcessPool):
        chunked_map(_die_on_three, list(range(8)), min_chunk=1, processes=2)


def test_children_stop_on_sigterm_even_when_the_parent_holds_it_back():
    # Dagster's step handlers hold SIGTERM back; a child that inherited them ignored
    # the pool's stop and the build hung. The children get the default handling.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        pids = chunked_map(_pid_and_handler, list(range(4)), min_chunk=1, processes=2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert {handler for _, handler in pids} == {signal.SIG_DFL}
    assert os.getpid() not in {pid for pid, _ in pids}


def _pid_and_handler(values):
    return [(os.getpid(), signal.getsignal(signal.SIGTERM)) for _ in values]


def test_a_fork_waits_for_the_background_import_thread_to_finish():
    import threading
    import time

    from identity.parallel import PRELOAD_THREAD

    finished = threading.Event()

    def slow_import() -> None:
        time.sleep(0.5)
        finished.set()

    thread = threading.Thread(target=slow_import, name=PRELOAD_THREAD, daemon=True)
    thread.start()
    assert chunked_map(_squares, list(range(6)), min_chunk=1, processes=2) == [
        v * v for v in range(6)
    ]
    # Joined before forking: a child never starts while the import may hold a lock.
    assert finished.is_set() and not thread.is_alive()
