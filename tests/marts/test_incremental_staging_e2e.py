"""The incremental staging tables (dbt_project/macros/staging/incremental.sql) on a copy
of the shared small warehouse: what an incremental pass cannot do in place (take rows
away, follow changed code) makes dbt rebuild the table whole, and the result is what a
full refresh gives. (Adding batches is the load-order test's business.) Five dbt runs
on a private copy, about 40 s beside the shared build: slow tier, which CI runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.retract import retract
from tests.pipeline import run_dbt

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INCREMENTAL = (
    "stg_fulfillment__orders",
    "stg_fulfillment__deliveries",
    "stg_fulfillment__confirmations",
    "stg_survey__invitations",
    "stg_survey__responses",
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    # One warehouse path for the module: dbt's profile (which holds the path) stays the
    # same, so only the first dbt run parses the project whole.
    return tmp_path_factory.mktemp("incremental")


@pytest.fixture
def copy(small_warehouse, workdir) -> dict:
    db = workdir / "warehouse.duckdb"
    Path(f"{db}.wal").unlink(missing_ok=True)
    shutil.copyfile(small_warehouse["db"], db)
    target = workdir / "target"
    target.mkdir(exist_ok=True)
    return {
        "db": db,
        "env": {**small_warehouse["env"], "CX_DUCKDB_PATH": str(db)},
        "target": target,
    }


def _run(copy: dict, *args: str) -> str:
    target = ["--target-path", str(copy["target"])]
    return run_dbt(["run", "--select", *INCREMENTAL, *target, *args], copy["env"]).stdout


def _rebuilt(log: str) -> dict[str, str]:
    """Table -> reason, from the lines `rebuilding "db"."staging"."table" whole: reason`."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'rebuilding "[^"]+"\."staging"\."(\w+)" whole: ([^\n]+)', log)
    }


def _staged(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: sorted(con.execute(f"select * from staging.{t}").fetchall(), key=repr)
            for t in INCREMENTAL
        }


def test_a_retracted_file_rebuilds_its_staging_table_as_a_full_refresh_would(copy):
    with duckdb.connect(str(copy["db"])) as con:
        (path,) = con.execute(
            "select min(file_path) from raw._load_ledger "
            "where table_name = 'responses' and status = 'loaded' and rows_loaded > 0"
        ).fetchone()
        staged_from_it = con.execute(
            "select count(*) from staging.stg_survey__responses where source_file_path = ?", [path]
        ).fetchone()[0]
        assert staged_from_it > 0
        retract(con, path, "test")
    rebuilt = _rebuilt(_run(copy))
    # Only the table that held the load.
    assert list(rebuilt) == ["stg_survey__responses"], rebuilt
    assert rebuilt["stg_survey__responses"].startswith("a load it holds is gone")
    after = _staged(copy["db"])
    with duckdb.connect(str(copy["db"]), read_only=True) as con:
        assert not con.execute(
            "select count(*) from staging.stg_survey__responses where source_file_path = ?", [path]
        ).fetchone()[0]
    _run(copy, "--full-refresh")
    assert after == _staged(copy["db"])


def test_a_table_built_by_other_code_is_rebuilt_whole_once(copy):
    before = _staged(copy["db"])
    with duckdb.connect(str(copy["db"])) as con:
        con.execute("comment on table staging.stg_fulfillment__orders is 'cx_code_version=old'")
    assert _rebuilt(_run(copy)) == {"stg_fulfillment__orders": "its code changed"}
    # Marked with the current version: incremental again.
    assert _rebuilt(_run(copy)) == {}
    assert _staged(copy["db"]) == before
