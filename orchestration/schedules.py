from __future__ import annotations

import dagster as dg

from orchestration.jobs import build_warehouse_job

daily_build_schedule = dg.ScheduleDefinition(
    name="daily_build_warehouse",
    job=build_warehouse_job,
    # Before the working day in China, after overnight CRM and OMS exports.
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
