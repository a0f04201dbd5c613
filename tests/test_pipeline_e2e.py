"""The real pipeline on the small demo data: generator -> landing -> raw -> staging,
through the Dagster job, measured against the generator's ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ingest import contract as c
from quality.ledger import ledger_imbalances
from tests.conftest import raw_counts
from tests.pipeline import check_results

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(small_warehouse):
    return small_warehouse


@pytest.fixture
def con(built):
    with duckdb.connect(built["db"], read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def truth(built) -> Path:
    return built["data"] / "ground_truth"


def _read_truth(truth: Path, name: str) -> pd.DataFrame:
    for suffix in (".parquet", ".csv"):
        path = truth / f"{name}{suffix}"
        if path.exists():
            return (
                pd.read_parquet(path)
                if suffix == ".parquet"
                else pd.read_csv(path, dtype=str, keep_default_na=False)
            )
    raise FileNotFoundError(truth / name)


def test_the_build_succeeds_and_no_blocking_check_fails(built):
    assert built["first"].success
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in check_results(built["first"])
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed == []


def test_every_file_balances_rows_in_against_loaded_plus_quarantined(con):
    ledger = con.execute(
        "select file_path, rows_in, rows_loaded, rows_quarantined from raw._load_ledger "
        "where status = 'loaded'"
    ).df()
    assert len(ledger) > len(c.TABLES)
    assert (ledger.rows_in == ledger.rows_loaded + ledger.rows_quarantined).all()
    assert all(ledger_imbalances(con, t) == [] for t in c.TABLES)


def test_every_landed_row_is_accounted_for(con, built):
    manifest = json.loads((built["data"] / "ground_truth/manifest.json").read_text())
    rows_per_file = manifest.get("rows_per_file") or manifest.get("files")
    if not isinstance(rows_per_file, dict):
        pytest.skip("manifest has no rows per file")
    ledger = dict(
        con.execute(
            "select file_path, rows_in from raw._load_ledger where status = 'loaded'"
        ).fetchall()
    )
    duplicate = manifest["duplicate_file"]
    duplicate = duplicate["path"] if isinstance(duplicate, dict) else duplicate
    expected = {p: n for p, n in rows_per_file.items() if not str(duplicate).endswith(p)}
    assert ledger == expected


def test_quarantine_holds_exactly_the_injected_bad_rows(con, truth):
    bad = _read_truth(truth, "bad_rows")
    expected = {
        (r.file, int(r.row_number), r.reason, r.column or None)
        for r in bad.rename(columns={"file_path": "file"}).itertuples()
    }
    actual = set(
        con.execute(
            "select file_path, row_number, reason, column_name from raw._quarantine"
        ).fetchall()
    )
    assert actual == expected
    assert {reason for _, _, reason, _ in actual} >= {
        c.REASON_MISSING_VALUE,
        c.REASON_BAD_TYPE,
        c.REASON_OUT_OF_RANGE,
        c.REASON_NOT_ACCEPTED,
        c.REASON_MALFORMED_JSON,
        c.REASON_MALFORMED_CSV,
    }


def test_all_landing_tables_have_raw_and_staging_rows(con):
    for t in c.TABLES:
        raw = con.execute(f"select count(*) from raw.{t.qualified}").fetchone()[0]
        stg = con.execute(f"select count(*) from staging.stg_{t.qualified}").fetchone()[0]
        assert raw > 0 and stg > 0, t.qualified


def test_the_resent_file_is_recorded_as_a_duplicate_and_not_loaded(con, truth):
    manifest = json.loads((truth / "manifest.json").read_text())
    dup = manifest["duplicate_file"]
    dup_path = dup["path"] if isinstance(dup, dict) else dup
    rows = con.execute(
        "select file_path, status, duplicate_of, rows_loaded from raw._load_ledger "
        "where status = 'duplicate'"
    ).fetchall()
    assert len(rows) == 1
    file_path, _, duplicate_of, loaded = rows[0]
    assert str(dup_path).endswith(file_path) and loaded == 0
    assert duplicate_of is not None


def test_the_gbk_export_is_decoded(con, truth):
    manifest = json.loads((truth / "manifest.json").read_text())
    gbk = manifest["gbk_file"]
    gbk = gbk["path"] if isinstance(gbk, dict) else gbk
    file_path, encoding, loaded = con.execute(
        "select file_path, encoding, rows_loaded from raw._load_ledger where encoding = 'gb18030'"
    ).fetchone()
    assert str(gbk).endswith(file_path) and loaded > 0
    names = con.execute(
        "select account_name from raw.crm__accounts where _file_path = ?", [file_path]
    ).fetchall()
    assert any("公司" in n for (n,) in names)


def test_staging_keeps_one_latest_version_per_record(con):
    raw, distinct, staged = con.execute(
        """select count(*), count(distinct (source_system, order_id)),
                  (select count(*) from staging.stg_fulfillment__orders)
           from raw.fulfillment__orders"""
    ).fetchone()
    assert staged == distinct
    assert raw > distinct, "the demo data re-exports some orders; staging must collapse them"
    stale = con.execute(
        """select count(*) from raw.fulfillment__orders r
           join staging.stg_fulfillment__orders s using (source_system, order_id)
           where r.status = 'delivered' and s.order_status != 'delivered'"""
    ).fetchone()[0]
    assert stale == 0


def test_a_second_run_loads_nothing_twice(built):
    assert built["second"].success
    with duckdb.connect(built["db"], read_only=True) as con:
        assert raw_counts(con) == built["counts_after_first"]
