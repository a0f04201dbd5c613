"""Retraction, order-independent loads and files in flight, at the loader."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import contract as c
from ingest import loader
from ingest.retract import NothingToRetract, retract
from quality.ledger import ledger_imbalances
from tests.conftest import write

CONTRACTS = c.table("crm", "contracts")
H = "source_system,contract_id,account_id,start_date,end_date,contract_value,status\n"


def body(*rows: tuple[str, str]) -> str:
    return H + "".join(f"crm_e,{cid},A1,2025-01-01,2025-12-31,10.00,{st}\n" for cid, st in rows)


def raw_content(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Raw rows without what depends on when and in which run they were loaded."""
    return con.execute(
        "select * exclude (_load_id, _loaded_at) from raw.crm__contracts order by all"
    ).fetchall()


def test_retraction_withdraws_a_file_and_the_next_load_is_as_if_it_never_arrived(
    con, landing: Path, tmp_path: Path
):
    write(landing, "crm/contracts/a.csv", body(("C1", "active"), ("C2", "bogus")))
    write(landing, "crm/contracts/b_resend_of_a.csv", body(("C1", "active"), ("C2", "bogus")))
    write(landing, "crm/contracts/c.csv", body(("C3", "churned")))
    loader.load_table(con, CONTRACTS, landing)

    r = retract(con, "crm/contracts/a.csv", "sent by mistake")

    assert (r.raw_rows_deleted, r.quarantine_rows_deleted) == (1, 1)
    assert r.duplicates_released == ["crm/contracts/b_resend_of_a.csv"]
    status, reason = con.execute(
        "select status, retraction_reason from raw._load_ledger "
        "where file_path = 'crm/contracts/a.csv'"
    ).fetchone()
    assert (status, reason) == ("retracted", "sent by mistake")
    # The file stays in the landing zone and is not loaded again; its re-send now loads.
    again = loader.load_table(con, CONTRACTS, landing)
    assert [(x.file_path, x.status) for x in again] == [
        ("crm/contracts/b_resend_of_a.csv", "loaded")
    ]
    assert ledger_imbalances(con, CONTRACTS) == []
    # As if a.csv never arrived: the same raw content as a warehouse that never saw it.
    other = tmp_path / "other"
    for name in ("b_resend_of_a.csv", "c.csv"):
        src = landing / "crm/contracts" / name
        dst = other / "crm/contracts" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
        st_ = src.stat()
        os.utime(dst, ns=(st_.st_atime_ns, st_.st_mtime_ns))
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    loader.ensure_schema(fresh)
    loader.load_table(fresh, CONTRACTS, other)
    assert raw_content(con) == raw_content(fresh)
    with pytest.raises(NothingToRetract):
        retract(con, "crm/contracts/never.csv", "x")


def test_export_time_comes_from_the_name_else_the_modification_time(landing: Path):
    assert loader.export_time_from_name("orders_20250131.csv") == datetime(2025, 1, 31)
    assert loader.export_time_from_name("orders_2025-01-31T08-30-00.csv") == datetime(
        2025, 1, 31, 8, 30
    )
    assert loader.export_time_from_name("confirmations_2024Q2.csv") is None
    assert loader.export_time_from_name("batch_12345678.csv") is None
    path = write(landing, "crm/contracts/x.csv", H)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert loader.export_time(path, path.stat()) == datetime(2023, 11, 14, 22, 13, 20)


# Three exports of the same contracts: the older export must never win over a newer one,
# whatever order or batches they arrive in.
EXPORTS = {
    "crm/contracts/export_20250101.csv": body(("C1", "active"), ("C2", "active")),
    "crm/contracts/export_20250301.csv": body(("C1", "churned"), ("C3", "pending")),
    "crm/contracts/zz_no_date.csv": body(("C2", "renewed")),
}
NO_DATE_MTIME = 1_740_000_000  # 2025-02-19: between the two dated exports

LATEST = """
    select contract_id, status from (
        select *, row_number() over (
            partition by source_system, contract_id
            order by _exported_at desc, _file_path desc, _row_number desc) as k
        from raw.crm__contracts)
    where k = 1 order by 1"""


def _land_and_load(tmp: Path, batches: list[list[str]]) -> duckdb.DuckDBPyConnection:
    root = tmp / "landing"
    con = duckdb.connect(str(tmp / "w.duckdb"))
    loader.ensure_schema(con)
    for batch in batches:
        for rel in batch:
            path = write(root, rel, EXPORTS[rel])
            if "no_date" in rel:
                os.utime(path, (NO_DATE_MTIME, NO_DATE_MTIME))
        loader.load_table(con, CONTRACTS, root)
    return con


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(sorted(EXPORTS)), cuts=st.sets(st.integers(1, 2), max_size=2))
def test_shuffled_orders_and_batches_load_the_same_content_and_latest_versions(
    tmp_path_factory, order: list[str], cuts: set[int]
):
    at_once = _land_and_load(tmp_path_factory.mktemp("once"), [sorted(EXPORTS)])
    bounds = [0, *sorted(cuts), len(order)]
    batches = [order[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if order[a:b]]
    shuffled = _land_and_load(tmp_path_factory.mktemp("shuffled"), batches)
    assert raw_content(shuffled) == raw_content(at_once)
    assert (
        shuffled.execute(LATEST).fetchall()
        == at_once.execute(LATEST).fetchall()
        == [
            ("C1", "churned"),
            ("C2", "renewed"),
            ("C3", "pending"),
        ]
    )


def test_staging_picks_versions_by_record_and_export_time_never_by_load_time():
    from orchestration.settings import PROJECT_ROOT

    macro = (PROJECT_ROOT / "dbt_project/macros/staging/latest_version.sql").read_text()
    order = macro.split("macro cx_version_order")[1].split("endmacro")[0]
    assert "exported_at desc" in order
    assert "loaded_at" not in order
    models = list((PROJECT_ROOT / "dbt_project/models/staging").rglob("stg_*.sql"))
    uses = [m for m in models if "cx_latest_version" in m.read_text()]
    assert uses and all("_exported_at as exported_at" in m.read_text() for m in uses)


def test_a_file_still_being_written_is_taken_only_once_complete(con, landing: Path, monkeypatch):
    monkeypatch.setenv("CX_LANDING_SETTLE_SECONDS", "1")
    rows = [(f"C{i}", "active") for i in range(400)]
    text = body(*rows)
    path = landing / "crm/contracts/slow.csv"
    path.parent.mkdir(parents=True)
    done = threading.Event()

    def writer() -> None:
        with path.open("w") as fh:
            for k in range(0, len(text), 200):
                fh.write(text[k : k + 200])
                fh.flush()
                time.sleep(0.01)
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    seen = []
    while not done.is_set():
        results = loader.load_table(con, CONTRACTS, landing)
        seen += [r.status for r in results]
        assert con.execute("select count(*) from raw.crm__contracts").fetchone()[0] == 0
        time.sleep(0.05)
    t.join()
    assert set(seen) <= {loader.STATUS_IN_FLIGHT} and seen
    assert con.execute("select count(*) from raw._load_ledger").fetchone()[0] == 0
    time.sleep(1.1)
    [res] = loader.load_table(con, CONTRACTS, landing)
    assert (res.status, res.rows_in, res.rows_loaded) == ("loaded", 400, 400)
