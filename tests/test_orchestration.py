"""Wiring of the Dagster code location: lineage, checks, serialised writes, sensor."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from ingest import contract as c
from orchestration.definitions import defs
from orchestration.keys import raw_asset_key
from orchestration.sensors import changed_files, landing_files_sensor, run_key_for
from tests.conftest import write
from tests.pipeline import build_instance


def _graph() -> dg.AssetGraph:
    return defs.resolve_asset_graph()


def test_every_landing_table_has_an_ingest_asset_that_feeds_its_staging_model():
    graph = _graph()
    for table in c.TABLES:
        key = raw_asset_key(table.source, table.name)
        assert graph.has(key), key
        children = {k.path[-1] for k in graph.get(key).child_keys}
        assert f"stg_{table.source}__{table.name}" in children, (key, children)


def test_dbt_sources_are_not_duplicated_as_external_assets():
    keys = {k.to_user_string() for k in _graph().get_all_asset_keys()}
    # One node per landing table: the translator maps each dbt source onto its ingest asset.
    assert len([k for k in keys if k.startswith("raw/")]) == len(c.TABLES)


def test_dbt_tests_and_ledger_checks_are_asset_checks():
    check_keys = _graph().asset_check_keys
    names = {k.name for k in check_keys}
    assert "ledger_balanced" in names
    assert any(n.startswith("unique_combination_of_columns_stg_fulfillment__orders") for n in names)
    ledger = [k for k in check_keys if k.name == "ledger_balanced"]
    assert len(ledger) == len(c.TABLES)


def test_build_job_writes_one_step_at_a_time():
    job = defs.resolve_job_def("build_warehouse")
    assert job.executor_def.name == "in_process"
    assert job.tags.get("cx/warehouse-writer") == "duckdb"
    instance_yaml = Path("./.dagster_home/dagster.yaml").read_text()
    assert "cx/warehouse-writer" in instance_yaml


def test_changed_files_reports_new_and_modified_files_only():
    previous = {"crm/accounts/a.csv": "10:1", "crm/accounts/b.csv": "10:1"}
    current = {**previous, "crm/accounts/b.csv": "12:2", "crm/accounts/c.csv": "5:3"}
    assert changed_files(previous, current) == ["crm/accounts/b.csv", "crm/accounts/c.csv"]
    # A different set of changes is a different run; the same set is deduplicated by Dagster.
    assert run_key_for(current, ["crm/accounts/c.csv"]) != run_key_for(
        current, ["crm/accounts/b.csv"]
    )


def test_sensor_requests_a_run_for_new_files_then_stays_quiet(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "crm/accounts/a.csv", "source_system\n")
    os.environ["CX_LANDING_DIR"] = str(landing)
    try:
        with build_instance() as instance:
            ctx = dg.build_sensor_context(
                instance=instance, resources={"warehouse": defs.resources["warehouse"]}
            )
            first = landing_files_sensor(ctx)
            assert len(first.run_requests) == 1
            ctx2 = dg.build_sensor_context(
                instance=instance,
                cursor=first.cursor,
                resources={"warehouse": defs.resources["warehouse"]},
            )
            assert isinstance(landing_files_sensor(ctx2), dg.SkipReason)
            write(landing, "crm/contacts/b.csv", "x\n")
            ctx3 = dg.build_sensor_context(
                instance=instance,
                cursor=first.cursor,
                resources={"warehouse": defs.resources["warehouse"]},
            )
            third = landing_files_sensor(ctx3)
            assert "crm/contacts/b.csv" in json.loads(third.cursor)
    finally:
        os.environ.pop("CX_LANDING_DIR")


def test_the_background_preload_imports_and_never_raises():
    import sys

    from orchestration.build import preload

    sys.modules.pop("colorsys", None)
    preload(("no_such_module_cx", "colorsys")).join(timeout=30)
    # The missing module did not stop the one after it.
    assert "colorsys" in sys.modules


def _fake_dbt(tmp_path: Path, warehouse: Path, seconds: float, target: str = "dev"):
    """A process that looks like a dbt left on `warehouse`: its program is named *dbt*
    and its environment names the warehouse, as cx-dbt's does."""
    import subprocess
    import sys

    script = tmp_path / "cx-dbt"
    script.write_text(f"import time\ntime.sleep({seconds})\n")
    env = {**os.environ, "CX_DUCKDB_PATH": str(warehouse), "CX_DBT_TARGET": target}
    return subprocess.Popen([sys.executable, str(script), "build"], env=env)


def test_a_dbt_left_on_the_warehouse_is_found_and_waited_for_though_the_file_is_unlocked(
    tmp_path,
):
    """dbt-duckdb closes the database between models, so the lock alone lets a new
    build start while a killed build's dbt still runs; the build waits for the process."""
    import time

    import duckdb

    from orchestration.build import leftover_dbt, wait_for_warehouse

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    other = _fake_dbt(tmp_path, tmp_path / "another.duckdb", 30)
    docs = _fake_dbt(tmp_path, warehouse, 30, target="reader")  # `make docs`: the snapshot
    left = _fake_dbt(tmp_path, warehouse, 4)
    try:
        time.sleep(0.5)  # exec'd
        assert leftover_dbt(warehouse) == [left.pid]
        started = time.monotonic()
        wait_for_warehouse(warehouse)
        assert left.poll() is not None  # returned only once the dbt had exited
        assert time.monotonic() - started >= 2
        assert leftover_dbt(warehouse) == []
    finally:
        for p in (left, other, docs):
            p.kill()
            p.wait()


def test_without_proc_only_the_lock_is_waited_on(tmp_path):
    from orchestration.build import leftover_dbt

    assert leftover_dbt(tmp_path / "w.duckdb", proc=tmp_path / "no-proc") == []
