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


class RetractConfig(dg.Config):
    file_path: str  # relative to the landing root, as the ledger records it
    reason: str


@dg.op(pool="duckdb_writer", required_resource_keys={"warehouse"})
def retract_file(context: dg.OpExecutionContext, config: RetractConfig) -> None:
    """Withdraw a landing file and everything it loaded (ingest/retract.py); the next
    build is as if it never arrived."""
    from ingest.retract import retract

    with context.resources.warehouse.connect() as con:
        r = retract(con, config.file_path, config.reason)
    context.log.info(
        f"retracted {r.file_path}: {r.raw_rows_deleted} raw and {r.quarantine_rows_deleted} "
        f"quarantined rows deleted; released re-sends: {r.duplicates_released}"
    )


@dg.job(
    tags=WRITER_TAG,
    executor_def=dg.in_process_executor,
    description="Withdraw a landing file and every row it loaded, recorded in the ledger. "
    "Config: ops.retract_file.config.file_path / reason.",
)
def retract_landing_file() -> None:
    retract_file()
