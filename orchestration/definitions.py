"""The Dagster code location: assets, checks, job, schedule, sensor, resources."""

from __future__ import annotations

import dagster as dg

from cx_settings import dbt as cx_dbt
from ingest import contract as c
from orchestration.assets.closed_loop import closed_loop_assets
from orchestration.assets.dbt import cx_dbt_models
from orchestration.assets.enrichment import enrichment_assets
from orchestration.assets.identity import identity_assets
from orchestration.assets.ingest import build_ingest_asset
from orchestration.assets.notify import alert_notifications, every_notification_delivered
from orchestration.assets.publish import with_publish
from orchestration.assets.quality import quality_asset_checks
from orchestration.assets.sql_sources import sql_source_definitions
from orchestration.dbt_project import CxDbtCliResource, cx_dbt_project
from orchestration.jobs import build_warehouse_job, retract_landing_file
from orchestration.resources import WarehouseResource
from orchestration.schedules import daily_build_schedule
from orchestration.sensors import landing_files_sensor

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
    )
    # After the publish: it reads the published alert queue.
    + [alert_notifications],
    asset_checks=[*quality_asset_checks, every_notification_delivered],
    jobs=[build_warehouse_job, retract_landing_file],
    schedules=[daily_build_schedule, *sql_sources.schedules],
    sensors=[landing_files_sensor],
    resources={
        # Paths are read from cx_settings when a step runs, not frozen here.
        "warehouse": WarehouseResource(),
        # cx-dbt: dbt with the settings as its environment (profiles.yml) and --vars.
        "dbt": CxDbtCliResource(
            project_dir=cx_dbt_project,
            profiles_dir=str(cx_dbt_project.profiles_dir),
            dbt_executable=cx_dbt.executable(),
        ),
    },
)
