"""Publishing helpers on a tiny warehouse: the gate (fail closed) and the atomic swap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import publishing as pub
from orchestration.publishing import CheckOutcome


def _reader_sees(path: Path) -> dict:
    """What a brand-new reader process sees (own process: no DuckDB instance cache)."""
    code = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "m = json.loads(con.execute('select manifest_json from meta.manifest').fetchone()[0])\n"
        "n = con.execute('select count(*) from marts.fct_a').fetchone()[0]\n"
        "print(json.dumps({'run_id': m['run_id'], 'rows': n}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema staging; create schema raw")
    con.execute("create table marts.fct_a as select range as id from range(10)")
    con.execute("create table marts.dim_b as select 'x' as name")
    con.execute("create view marts.v_a as select * from marts.fct_a where id < 3")
    con.execute("create table raw.secret as select 1 as x")
    con.close()
    return path


def _grow(warehouse: Path, rows: int) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("create or replace table marts.fct_a as select range as id from range(?)", [rows])
    con.close()


def test_snapshot_copies_marts_only_with_manifest(warehouse: Path, tmp_path: Path):
    target = tmp_path / "published" / "cx_published.duckdb"
    manifest = pub.publish_snapshot(warehouse, target, {"run_id": "r1"})
    assert manifest["row_counts"] == {"marts.dim_b": 1, "marts.fct_a": 10, "marts.v_a": 3}
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.execute("select schema_name from information_schema.schemata").fetchall()
        schemas = {r[0] for r in rows}
        assert "raw" not in schemas and "staging" not in schemas
        assert pub.read_manifest(con)["run_id"] == "r1"
        assert con.execute("select count(*) from marts.v_a").fetchone()[0] == 3
        assert dict(con.execute("select * from meta.row_counts").fetchall())["marts.fct_a"] == 10
        # the catalog readers see is the file's stem, not clashing with schema names
        assert con.execute("select current_database()").fetchone()[0] == "cx_published"
    finally:
        con.close()
    side = json.loads(pub.manifest_path(target).read_text())
    assert side["run_id"] == "r1" and side["row_counts"]["marts.fct_a"] == 10
    # no temp files left beside it
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "cx_published.duckdb",
        "cx_published.manifest.json",
    ]


def test_snapshot_is_readable_by_duckdb_1x_storage(warehouse: Path, tmp_path: Path):
    target = tmp_path / "snap.duckdb"
    pub.publish_snapshot(warehouse, target, {"run_id": "r1"})
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{target}' as s (read_only)")
        version = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 's'"
        ).fetchone()
        assert version is not None and version[0].startswith("v1.4.0")
    finally:
        con.close()


def test_reader_holding_old_snapshot_keeps_it_and_new_readers_see_new(
    warehouse: Path, tmp_path: Path
):
    target = tmp_path / "cx_published.duckdb"
    pub.publish_snapshot(warehouse, target, {"run_id": "r1"})
    old_inode = os.stat(target).st_ino
    reader = duckdb.connect(str(target), read_only=True)
    try:
        _grow(warehouse, 25)
        pub.publish_snapshot(warehouse, target, {"run_id": "r2"})  # not blocked by the reader
        assert os.stat(target).st_ino != old_inode
        # the open reader still sees the complete old snapshot
        assert reader.execute("select count(*) from marts.fct_a").fetchone()[0] == 10
        assert pub.read_manifest(reader)["run_id"] == "r1"
        # a new reader (new process) sees the new one
        assert _reader_sees(target) == {"run_id": "r2", "rows": 25}
    finally:
        reader.close()


def test_failed_publish_keeps_previous_snapshot(warehouse: Path, tmp_path: Path, monkeypatch):
    target = tmp_path / "cx_published.duckdb"
    pub.publish_snapshot(warehouse, target, {"run_id": "good"})
    before = (os.stat(target).st_ino, target.read_bytes())
    _grow(warehouse, 99)

    def broken(path, counts):
        raise pub.PublishError("verification failed (simulated)")

    monkeypatch.setattr(pub, "verify_snapshot", broken)
    with pytest.raises(pub.PublishError):
        pub.publish_snapshot(warehouse, target, {"run_id": "bad"})
    assert (os.stat(target).st_ino, target.read_bytes()) == before
    assert _reader_sees(target) == {"run_id": "good", "rows": 10}
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    assert json.loads(pub.manifest_path(target).read_text())["run_id"] == "good"


@pytest.mark.parametrize("name", ["marts.duckdb", "meta.duckdb", "warehouse.duckdb"])
def test_published_name_must_not_clash(warehouse: Path, tmp_path: Path, name: str):
    with pytest.raises(pub.PublishError):
        pub.publish_snapshot(warehouse, tmp_path / "out" / name, {})


def test_missing_warehouse_or_empty_marts_refused(tmp_path: Path):
    with pytest.raises(pub.PublishError):
        pub.publish_snapshot(tmp_path / "nope.duckdb", tmp_path / "cx_published.duckdb", {})
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(pub.PublishError, match="nothing to publish"):
        pub.publish_snapshot(empty, tmp_path / "cx_published.duckdb", {})
    assert not (tmp_path / "cx_published.duckdb").exists()


# --------------------------------------------------------------------------- gate

OK = [CheckOutcome("marts/a", "unique", True), CheckOutcome("raw/x", "ledger", True)]
EXPECTED = ["marts/a:unique", "raw/x:ledger"]


def test_gate_publishes_when_all_expected_checks_passed():
    d = pub.gate(OK, EXPECTED, ["marts/a"], ["marts/a", "raw/x"])
    assert d.publish and d.checks_passed == 2 and not d.reasons


def test_gate_blocks_on_error_failure_but_not_on_warning():
    failed = [*OK[:1], CheckOutcome("raw/x", "ledger", False, "ERROR", True)]
    d = pub.gate(failed, EXPECTED, ["marts/a"], ["marts/a"])
    assert not d.publish and d.checks_failed_blocking == ["raw/x:ledger"]
    warned = [*OK, CheckOutcome("marts/a", "not_null", False, "WARN")]
    d = pub.gate(warned, EXPECTED, ["marts/a"], ["marts/a"])
    assert d.publish and d.checks_failed_warn == ["marts/a:not_null"]


def test_gate_blocks_on_blocking_check_even_with_warn_severity():
    failed = [*OK, CheckOutcome("marts/a", "custom", False, "WARN", blocking=True)]
    assert not pub.gate(failed, EXPECTED, ["marts/a"], ["marts/a"]).publish


def test_gate_fails_closed_on_missing_evidence():
    # a check that did not run is not a pass
    d = pub.gate(OK[:1], EXPECTED, ["marts/a"], ["marts/a"])
    assert not d.publish and d.checks_missing == ["raw/x:ledger"]
    # a mart not built in this run
    d = pub.gate(OK, EXPECTED, ["marts/a", "marts/b"], ["marts/a"])
    assert not d.publish and "marts/b" in d.reasons[0]
    # nothing at all
    assert not pub.gate([], [], [], []).publish
    # an external blocking signal
    assert not pub.gate(OK, EXPECTED, [], [], external_failures=["integrity"]).publish


def test_gate_uses_the_latest_evaluation_of_a_check():
    retried = [CheckOutcome("marts/a", "unique", False), *OK]
    assert pub.gate(retried, EXPECTED, [], []).publish


def test_metricflow_inputs_outside_marts_are_published(warehouse: Path, tmp_path: Path):
    sm = tmp_path / "semantic_manifest.json"
    rel = {"schema_name": "raw", "alias": "secret"}
    sm.write_text(
        json.dumps(
            {
                "semantic_models": [{"node_relation": rel}],
                "project_configuration": {
                    "time_spines": [{"node_relation": {"schema_name": "marts", "alias": "x"}}]
                },
            }
        )
    )
    extra = pub.metricflow_relations(sm)
    assert extra == [("marts", "x"), ("raw", "secret")]
    m = pub.publish_snapshot(warehouse, tmp_path / "cx_published.duckdb", {}, extra_relations=extra)
    assert "raw.secret" in m["row_counts"] and "marts.x" not in m["row_counts"]  # x: not built
    assert pub.metricflow_relations(tmp_path / "missing.json") == []
