"""Start a build when new or changed files appear in the landing zone."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from ingest import contract as c
from ingest.loader import landing_files
from orchestration.jobs import build_warehouse_job
from orchestration.resources import WarehouseResource


def landing_fingerprint(landing_root: Path) -> dict[str, str]:
    """Relative path -> 'size:mtime_ns' for every file of every landing table.

    Size and mtime, not a content hash: the sensor ticks every 30 s and must stay
    cheap; the loader hashes content and skips files it has already loaded.
    """
    out: dict[str, str] = {}
    for table in c.TABLES:
        for path in landing_files(landing_root, table):
            st = path.stat()
            out[path.relative_to(landing_root).as_posix()] = f"{st.st_size}:{st.st_mtime_ns}"
    return out


def changed_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    return sorted(p for p, fp in current.items() if previous.get(p) != fp)


def run_key_for(current: dict[str, str], changed: list[str]) -> str:
    payload = json.dumps({p: current[p] for p in changed}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


@dg.sensor(
    name="landing_files_sensor",
    job=build_warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a warehouse build when landing files are added or changed.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    previous = json.loads(context.cursor) if context.cursor else {}
    current = landing_fingerprint(warehouse.landing_root)
    changed = changed_files(previous, current)
    if not changed:
        return dg.SkipReason("no new or changed landing files")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key_for(current, changed),
                tags={"cx/changed-files": str(len(changed))},
            )
        ],
        cursor=json.dumps(current, sort_keys=True),
    )
