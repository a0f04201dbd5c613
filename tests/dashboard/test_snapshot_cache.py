"""Dashboard queries are cached by the snapshot they read: repeated renders of one
snapshot reuse results, a new snapshot shows at once, and nothing is cached without one."""

from __future__ import annotations

import duckdb
import pytest

from dashboard import queries as q
from dashboard import snapshot_cache


@pytest.fixture
def con():
    snapshot_cache.clear()
    c = duckdb.connect(":memory:")
    c.execute("create table t (x int)")
    c.execute("insert into t values (1)")
    yield c
    c.close()
    snapshot_cache.clear()


def _count(con) -> int:
    return int(q._df(con, "select count(*) as n from t where x >= ?", [0])["n"].iloc[0])


def test_one_snapshot_is_read_once_and_a_new_one_shows_at_once(con):
    with snapshot_cache.reading("snap-1"):
        assert _count(con) == 1
        con.execute("insert into t values (2)")  # stands in for a change nobody publishes
        assert _count(con) == 1  # same snapshot: the cached result
    with snapshot_cache.reading("snap-2"):
        assert _count(con) == 2  # a new publish id: read again
    assert snapshot_cache.stats == {"hits": 1, "misses": 2}


def test_nothing_is_cached_without_a_snapshot_id(con):
    assert _count(con) == 1
    con.execute("insert into t values (2)")
    assert _count(con) == 2
    assert snapshot_cache.stats == {"hits": 0, "misses": 0}


def test_different_parameters_are_different_entries_and_copies_are_private(con):
    with snapshot_cache.reading("snap-1"):
        a = q._df(con, "select x from t where x >= ?", [0])
        a["x"] = 99  # a view reshaping its frame must not change the cache
        assert list(q._df(con, "select x from t where x >= ?", [0])["x"]) == [1]
        assert q._df(con, "select x from t where x >= ?", [5]).empty
