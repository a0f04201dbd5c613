from __future__ import annotations

import dagster as dg

# DuckDB takes one writer: every step of the build runs in one process, one
# after another, and runs carrying this tag are limited to one at a time by
# the instance's run queue (.dagster_home/dagster.yaml).
WRITER_TAG = {"cx/warehouse-writer": "duckdb"}

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Load new landing files, then build every dbt model and run its tests.",
    executor_def=dg.in_process_executor,
    tags=WRITER_TAG,
)
