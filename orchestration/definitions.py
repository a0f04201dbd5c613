"""The Dagster code location: assets, checks, job, schedule, sensor, resources."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from ingest import contract as c
from orchestration.settings import apply_defaults

apply_defaults()

from orchestration.assets.closed_loop import closed_loop_assets  # noqa: E402
from orchestration.assets.dbt import cx_dbt_models  # noqa: E402
from orchestration.assets.enrichment import enrichment_assets  # noqa: E402
from orchestration.assets.identity import identity_assets  # noqa: E402
from orchestration.assets.ingest import build_ingest_asset  # noqa: E402
from orchestration.assets.publish import with_publish  # noqa: E402
from orchestration.assets.quality import quality_asset_checks  # noqa: E402
from orchestration.assets.sql_sources import sql_source_definitions  # noqa: E402
from orchestration.dbt_project import cx_dbt_project  # noqa: E402
from orchestration.jobs import build_warehouse_job, retract_landing_file  # noqa: E402
from orchestration.resources import WarehouseResource  # noqa: E402
from orchestration.schedules import daily_build_schedule  # noqa: E402
from orchestration.sensors import landing_files_sensor  # noqa: E402


def _dbt_executable() -> str:
    """The dbt installed beside this interpreter, so it works without the venv on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


# SQL sources ($CX_SQL_SOURCES): extraction assets that write a raw table before its
# landing-file asset (the node dbt's source points at) runs; a schedule each.
sql_sources = sql_source_definitions(build_warehouse_job)
ingest_assets = [build_ingest_asset(t, sql_sources.upstream_of(t)) for t in c.TABLES]

defs = dg.Definitions(
    # with_publish: the read-only snapshot, published last and only if every check passed.
    assets=with_publish(
        [
            *sql_sources.assets,
            *ingest_assets,
            cx_dbt_models,
            *identity_assets,
            *enrichment_assets,
            *closed_loop_assets,
        ]
    ),
    asset_checks=quality_asset_checks,
    jobs=[build_warehouse_job, retract_landing_file],
    schedules=[daily_build_schedule, *sql_sources.schedules],
    sensors=[landing_files_sensor],
    resources={
        "warehouse": WarehouseResource(
            database_path=dg.EnvVar("CX_DUCKDB_PATH"),
            landing_dir=dg.EnvVar("CX_LANDING_DIR"),
        ),
        "dbt": DbtCliResource(
            project_dir=cx_dbt_project,
            profiles_dir=str(cx_dbt_project.profiles_dir),
            dbt_executable=_dbt_executable(),
        ),
    },
)
