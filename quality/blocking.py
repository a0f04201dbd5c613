"""The signal the publisher (orchestration/assets/publish.py) asks for.

`failed_blocking_checks(con)` lists the blocking checks that failed in the
latest run recorded in quality.check_results (see quality/results.py), as
"asset_key:check_name". An empty list means none failed. When no run was ever
recorded it returns nothing: the publisher's own gate already refuses to
publish when an expected blocking check did not run in its run.
"""

from __future__ import annotations

import duckdb

from quality.results import blocking_checks_passed


def failed_blocking_checks(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[str]:
    status = blocking_checks_passed(con, run_id)
    if status.run_id is None:
        return []
    return list(status.failed_blocking)
