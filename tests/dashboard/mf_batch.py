"""MetricFlow as `mf query` runs it (the dev target: the warehouse), kept in one process
for a test module's many queries: JSON requests on stdin, one JSON answer per line.

`cx-mf query` pays MetricFlow's start-up (4-8 s on two cores) on every call; the tile
tests ask it a dozen questions. The engine and the profile are the CLI's own
(`dbt_metricflow.cli.cli_configuration.CLIConfiguration`, environment from
`cx_settings.dbt.subprocess_env`, as `cx-mf` sets it). Point CX_DUCKDB_PATH at a copy
of the warehouse: the dev target opens its file for writing, and this process lives
for the whole module.
"""

from __future__ import annotations

import decimal
import json
import os
import sys


def _plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def main() -> int:
    from cx_settings import PROJECT_ROOT, load_settings
    from cx_settings.dbt import subprocess_env

    # MetricFlow loads the dbt profile from this process's environment.
    os.environ.update(subprocess_env(load_settings(), os.environ))
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    cfg = CLIConfiguration()
    cfg.setup(
        dbt_profiles_path=PROJECT_ROOT,
        dbt_project_path=PROJECT_ROOT,
        configure_file_logging=False,
    )
    engine = cfg.mf
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        try:
            table = engine.query(
                MetricFlowQueryRequest.create(
                    metric_names=ask["metrics"],
                    group_by_names=ask.get("group_by") or None,
                    where_constraints=ask.get("where") or None,
                )
            ).result_df
            answer = {
                "columns": list(table.column_names),
                "rows": [[_plain(v) for v in row] for row in table.rows],
            }
        except Exception as e:  # noqa: BLE001 - the test shows MetricFlow's reason
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
