from __future__ import annotations

import dagster as dg

from cx_settings import load_settings
from orchestration.jobs import build_warehouse_job

daily_build_schedule = dg.ScheduleDefinition(
    name="daily_build_warehouse",
    job=build_warehouse_job,
    # Settings operations.build_schedule / local_timezone: before the working day,
    # after overnight CRM and OMS exports.
    cron_schedule=load_settings().operations.build_schedule,
    execution_timezone=load_settings().operations.local_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
