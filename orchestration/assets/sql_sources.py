"""One Dagster asset per configured SQL source table, plus a job and schedule per source.

The configuration is `$CX_SQL_SOURCES` (a YAML file; default `sql_sources.yml` at
the project root, none when absent). An extraction asset writes the same raw
table as the landing files of its contract table; that table's file asset
(`raw/<source>/<table>`, the node dbt's source points at) runs after it, so dbt
models read both and the lineage graph shows database -> raw -> staging.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from cx_settings import load_settings
from ingest import contract as c
from ingest.sql_source import (
    STATUS_DUPLICATE,
    STATUS_FAILED,
    SqlSource,
    SqlTable,
    extract_table,
    load_config,
)
from orchestration.assets.ingest import CHECK_LEDGER, WRITER_POOL
from orchestration.resources import WarehouseResource
from quality.ledger import ledger_imbalances

SQL_PREFIX = "sql"


def config_path() -> Path:
    return load_settings().paths.sql_sources


def sql_asset_key(source: SqlSource, t: SqlTable) -> dg.AssetKey:
    return dg.AssetKey([SQL_PREFIX, source.name, t.contract.source, t.contract.name])


def build_sql_asset(source: SqlSource, t: SqlTable) -> dg.AssetsDefinition:
    key = sql_asset_key(source, t)
    where = t.table or "a configured query"
    watermark = f"`{t.watermark}`" if t.watermark else "none (full snapshot each run)"

    @dg.asset(
        key=key,
        group_name="raw",
        kinds={"python", "sql", "duckdb"},
        pool=WRITER_POOL,
        description=(
            f"Extracts {where} from SQL source `{source.name}` into raw.{t.contract.qualified}: "
            f"rows changed since the last committed watermark ({watermark}), in chunks of "
            f"{t.chunk_rows}, through the landing contract's rules; one ledger entry per run."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_LEDGER,
                asset=key,
                blocking=True,
                description="For every load: rows_in = rows in raw + rows in quarantine.",
            )
        ],
    )
    def _extract(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        engine = sa.create_engine(source.resolve_url())
        try:
            with warehouse.connect() as con:
                res = extract_table(
                    con,
                    source,
                    t,
                    engine,
                    on_chunk=lambda n: context.log.debug(f"{n} rows read"),
                )
                imbalances = ledger_imbalances(con, t.contract)
        finally:
            engine.dispose()
        if res.status == STATUS_FAILED:
            # Nothing of this run is in raw; the next run starts from the committed watermark.
            raise dg.Failure(
                description=f"extraction from {source.name} failed: {res.error}",
                metadata={"load_id": res.load_id, "watermark_from": str(res.watermark_from)},
            )
        if res.status == STATUS_DUPLICATE:
            context.log.info("same range and content as the committed load: nothing loaded")
        return dg.MaterializeResult(
            metadata={
                "load_id": res.load_id,
                "status": res.status,
                "watermark_from": str(res.watermark_from),
                "watermark_to": str(res.watermark_to),
                "rows_in": res.rows_in,
                "rows_loaded": res.rows_loaded,
                "rows_quarantined": res.rows_quarantined,
                "superseded_loads": len(res.superseded),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=CHECK_LEDGER,
                    passed=not imbalances,
                    metadata={"unbalanced_loads": dg.MetadataValue.json(imbalances)},
                )
            ],
        )

    return _extract


@dataclass(frozen=True)
class SqlSourceDefinitions:
    assets: list[dg.AssetsDefinition]
    schedules: list[dg.ScheduleDefinition]
    # Contract table (qualified) -> keys of the extraction assets writing its raw table.
    upstream: dict[str, list[dg.AssetKey]]

    def upstream_of(self, table: c.Table) -> list[dg.AssetKey]:
        return self.upstream.get(table.qualified, [])


def sql_source_definitions(
    build_job: Any, sources: list[SqlSource] | None = None
) -> SqlSourceDefinitions:
    """The extraction assets, and a schedule per source at its own cadence (`build_job`:
    the build job, as `define_asset_job` returns it).

    A tick runs the whole build (`build_job`), not only this source's assets: the
    publish step only publishes a run in which every upstream blocking check ran,
    and every other extraction is incremental (a source with no changes loads 0 rows).
    """
    if sources is None:
        sources = load_config(config_path())
    assets, schedules = [], []
    upstream: dict[str, list[dg.AssetKey]] = {}
    for source in sources:
        for t in source.tables:
            assets.append(build_sql_asset(source, t))
            upstream.setdefault(t.contract.qualified, []).append(sql_asset_key(source, t))
        schedules.append(
            dg.ScheduleDefinition(
                name=f"extract_{source.name}_schedule",
                job=build_job,
                cron_schedule=source.schedule,
                execution_timezone=load_settings().operations.local_timezone,
                tags={"cx/sql-source": source.name},
                default_status=dg.DefaultScheduleStatus.RUNNING,
            )
        )
    return SqlSourceDefinitions(assets, schedules, upstream)
