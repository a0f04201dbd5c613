"""Contract fuzzing through the real pipeline.

Each example is a small contract-valid landing zone drawn by tests/fuzz/strategies.py
(random empties, every timestamp and boolean form, shuffled and re-cased columns,
extra columns, csv/jsonl/parquet, UTF-8 or GBK, edge dates, one-row, empty and
missing tables, links that resolve or don't). It is written to a fresh data dir
and built by the real Dagster job `build_warehouse`, in process. Every draw must:

- build: the run succeeds (every dbt model and test, every blocking check);
- balance its ledger: every file recorded once (a re-sent copy as a duplicate),
  rows_in = rows_loaded + rows_quarantined, and since every row is
  contract-valid, all of them loaded and none quarantined, text intact;
- publish the snapshot of this run.

`make test` runs ten examples (the same ones every run); `make test-slow` runs a
hundred. A failure prints the landing set (its files, how each is written, its rows).
The data dir is the same path for every build (tests/fixed_data_dir.py: dbt then parses
incrementally, as in production): ~45 s a build on two shared cores.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings

from ingest import contract as c
from orchestration.publishing import read_manifest
from quality.ledger import ledger_imbalances
from tests.fixed_data_dir import FixedDataDir
from tests.fuzz.strategies import CONTRACT, ID, TEXT, LandingSet, landing_sets, sort_rows
from tests.pipeline import build_instance, run_build, run_failures, warehouse_env

pytestmark = pytest.mark.e2e

HEALTH_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]
BUILD_SECONDS: list[float] = []


def _raw_text(con: duckdb.DuckDBPyConnection, table: str, file_path: str, cols: list[str]):
    if not cols:
        return []
    select = ", ".join(f"nullif(\"{col}\", '')" for col in cols)
    rows = con.execute(
        f"select {select} from raw.{table.replace('/', '__')} where _file_path = ?", [file_path]
    ).fetchall()
    return sort_rows(rows)


def build_and_check(landing: LandingSet, fuzz: FixedDataDir) -> None:
    with fuzz.fresh() as data:
        landing.write(data / "landing")
        started = time.perf_counter()
        with warehouse_env(data) as env, build_instance() as instance:
            result = run_build(instance)
        BUILD_SECONDS.append(time.perf_counter() - started)
        note(f"build took {BUILD_SECONDS[-1]:.1f} s")
        assert result.success, "\n".join(run_failures(result))

        with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
            ledger = {
                path: (status, rows_in, loaded, quarantined)
                for path, status, rows_in, loaded, quarantined in con.execute(
                    "select file_path, status, rows_in, rows_loaded, rows_quarantined "
                    "from raw._load_ledger"
                ).fetchall()
            }
            assert sorted(ledger) == sorted(f.rel_path for f in landing.files)
            for f in landing.files:
                status, rows_in, loaded, quarantined = ledger[f.rel_path]
                if f.resent_of:
                    assert status == "duplicate", (f.rel_path, status)
                    continue
                assert status == "loaded", (f.rel_path, status)
                assert rows_in == loaded + quarantined, f.rel_path
                quarantine = con.execute(
                    "select row_number, column_name, reason, bad_value from raw._quarantine "
                    "where file_path = ?",
                    [f.rel_path],
                ).fetchall()
                # Every row is contract-valid: none may be quarantined or lost.
                assert (rows_in, loaded, quarantine) == (len(f.rows), len(f.rows), []), f.rel_path
                text_cols = [col for col in f.columns() if _type(f.table, col) in (ID, TEXT)]
                assert _raw_text(con, f.table, f.rel_path, text_cols) == f.expected_text(), (
                    f.rel_path
                )
            assert {t.qualified: ledger_imbalances(con, t) for t in c.TABLES} == {
                t.qualified: [] for t in c.TABLES
            }

        published = Path(env["CX_PUBLISHED_PATH"])
        assert published.exists(), "no snapshot published"
        with duckdb.connect(str(published), read_only=True) as snap:
            assert read_manifest(snap)["run_id"] == result.run_id


def _type(table: str, column: str) -> str:
    return next(col.type for col in CONTRACT[table] if col.name == column)


# Two fixed landing sets, then 40-100 drawn ones below; both in the slow tier (each
# build takes ~35 s), which CI runs. A failure here prints its landing set unshrunk;
# `make test-slow`'s draws shrink (Hypothesis caps shrinking at five minutes).
@pytest.mark.slow
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=HEALTH_CHECKS,
)
@given(landing=landing_sets())
def test_every_contract_valid_landing_set_builds_balances_and_publishes(fuzz_data_dir, landing):
    build_and_check(landing, fuzz_data_dir)


# CI's 90-minute budget holds `make test` and a share of this tier: .ci/run sets
# CX_FUZZ_SLOW_EXAMPLES (each build ~45 s); `make test-slow` alone runs all 100.
SLOW_EXAMPLES = int(os.environ.get("CX_FUZZ_SLOW_EXAMPLES", "100"))


@pytest.mark.slow
@settings(
    max_examples=SLOW_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=HEALTH_CHECKS,
)
@given(landing=landing_sets())
def test_many_contract_valid_landing_sets_build_balance_and_publish(fuzz_data_dir, landing):
    build_and_check(landing, fuzz_data_dir)
