"""Check outcomes of every run, for the publisher (issue 7) and auditors.

`quality.check_results` holds one row per run x check (Great Expectations
suites and integrity checks), written by the Dagster check step after dbt has
finished. `quality.blocking_status` is a view with one row per run: whether
every blocking check passed. The publisher asks:

    from quality.results import blocking_checks_passed
    with duckdb.connect(path, read_only=True) as con:
        status = blocking_checks_passed(con)          # latest run, or run_id=...
    if status.passed: publish()

A run with no recorded results is NOT passed: no evidence, no publishing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

SCHEMA = "quality"
TABLE = f"{SCHEMA}.check_results"
STATUS_VIEW = f"{SCHEMA}.blocking_status"


@dataclass(frozen=True)
class CheckOutcome:
    check_name: str
    asset_key: str
    passed: bool
    blocking: bool
    severity: str  # ERROR | WARN
    summary: str = ""
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BlockingStatus:
    run_id: str | None
    passed: bool
    checks: int
    failed_blocking: list[str]
    checked_at: datetime | None = None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""create table if not exists {TABLE} (
            run_id varchar not null,
            check_name varchar not null,
            asset_key varchar not null,
            passed boolean not null,
            blocking boolean not null,
            severity varchar not null,
            summary varchar,
            details_json varchar,
            checked_at timestamp not null,
            primary key (run_id, check_name, asset_key)
        )"""
    )
    con.execute(
        f"""create or replace view {STATUS_VIEW} as
        select
            run_id,
            max(checked_at) as checked_at,
            count(*) as checks,
            count(*) filter (where blocking and not passed) as blocking_failed,
            count(*) filter (where blocking and not passed) = 0 as blocking_passed,
            count(*) filter (where not passed) as failed
        from {TABLE}
        group by run_id"""
    )


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: list[CheckOutcome]) -> None:
    """Replace this run's rows with `outcomes` (one transaction)."""
    ensure_tables(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin")
    try:
        con.execute(f"delete from {TABLE} where run_id = ?", [run_id])
        con.executemany(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    run_id,
                    o.check_name,
                    o.asset_key,
                    o.passed,
                    o.blocking,
                    o.severity,
                    o.summary,
                    json.dumps(o.details, default=str),
                    now,
                ]
                for o in outcomes
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def evaluate_blocking(outcomes: list[CheckOutcome]) -> bool:
    """Pure: do these outcomes allow publishing? (At least one check, no blocking failure.)"""
    return bool(outcomes) and all(o.passed for o in outcomes if o.blocking)


def blocking_checks_passed(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None
) -> BlockingStatus:
    """Whether every blocking check of `run_id` (default: the latest recorded run) passed."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'check_results'",
        [SCHEMA],
    ).fetchone()[0]
    if not exists:
        return BlockingStatus(run_id, False, 0, [])
    if run_id is None:
        row = con.execute(
            f"select run_id from {TABLE} group by run_id order by max(checked_at) desc limit 1"
        ).fetchone()
        if row is None:
            return BlockingStatus(None, False, 0, [])
        run_id = row[0]
    rows = con.execute(
        f"select check_name, asset_key, passed, blocking, checked_at from {TABLE} where run_id = ?",
        [run_id],
    ).fetchall()
    failed = [f"{a}:{c}" for c, a, p, b, _ in rows if b and not p]
    checked_at = max((r[4] for r in rows), default=None)
    return BlockingStatus(run_id, bool(rows) and not failed, len(rows), failed, checked_at)
