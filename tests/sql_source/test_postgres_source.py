"""SQL sources on a real PostgreSQL 15 server (started in a temp dir for this module).

No warehouse build here (a few seconds in all): timestamptz watermarks, server-side
cursors, a backend terminated mid-extraction.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from ingest import contract as c
from ingest.loader import LEDGER, ensure_schema
from ingest.sql_source import (
    STATUS_FAILED,
    STATUS_LOADED,
    committed_watermark,
    extract_table,
    parse_config,
)
from quality.ledger import ledger_imbalances
from tests.sql_source.support import postgres_missing, postgres_server

pytestmark = pytest.mark.skipif(postgres_missing() is not None, reason=str(postgres_missing()))

ORDERS = c.table("fulfillment", "orders")
N = 2_000


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        yield server


@pytest.fixture
def oms(pg, monkeypatch: pytest.MonkeyPatch):
    """An order system's `orders` table with typed columns and 2,000 orders."""
    monkeypatch.setenv("OMS_PORT", str(pg.port))
    engine = sa.create_engine(pg.url())
    with engine.begin() as conn:
        conn.execute(sa.text("drop table if exists oms_orders"))
        conn.execute(
            sa.text(
                """create table oms_orders (
                    order_no text primary key, customer_no text not null, ordered_on date,
                    promised_on date, region text, qty numeric(12, 2), amount numeric(14, 2),
                    state text, last_modified timestamptz not null)"""
            )
        )
        conn.execute(
            sa.text(
                """insert into oms_orders
                select 'SO-' || lpad(i::text, 6, '0'), 'C' || (i % 97), date '2025-01-01' + i % 300,
                       date '2025-01-10' + i % 300, 'East', 1 + i % 5, 100.5 * (1 + i % 7),
                       case when i % 3 = 0 then 'delivered' else 'open' end,
                       timestamptz '2025-06-01 00:00:00+08' + i * interval '1 minute'
                from generate_series(1, :n) as i"""
            ),
            {"n": N},
        )
    yield engine
    engine.dispose()


@pytest.fixture
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    yield con
    con.close()


@pytest.fixture
def source():
    [src] = parse_config(
        {
            "sources": [
                {
                    "name": "oms",
                    "url": "postgresql+psycopg://postgres@127.0.0.1:${OMS_PORT}/postgres",
                    "tables": [
                        {
                            "contract": "fulfillment.orders",
                            # A query: constant and renamed columns, as a DBA would write it.
                            "query": "select 'oms_pg' as source_system, order_no as order_id, "
                            "'oms_pg' as account_source_system, customer_no as account_id, "
                            "ordered_on as order_date, promised_on as promised_date, region, "
                            "qty as quantity, amount, state as status, "
                            "last_modified as updated_at from oms_orders",
                            "chunk_rows": 250,
                        }
                    ],
                }
            ]
        }
    )
    return src


def test_typed_postgres_columns_land_as_contract_valid_text(warehouse, source, oms):
    res = extract_table(warehouse, source, source.tables[0], oms)
    assert (res.status, res.rows_in, res.rows_loaded, res.rows_quarantined) == (
        STATUS_LOADED,
        N,
        N,
        0,
    )
    row = warehouse.execute(
        "select order_id, order_date, quantity, amount, updated_at, _watermark "
        "from raw.fulfillment__orders where order_id = 'SO-000001'"
    ).fetchone()
    assert row[:4] == ("SO-000001", "2025-01-02", "2.00", "201.00")
    # The instant survives whatever zone it is written in.
    instant = warehouse.execute(
        "select cast(? as timestamptz) = timestamptz '2025-06-01 00:01:00+08'", [row[4]]
    ).fetchone()[0]
    assert instant and row[5] == row[4]
    assert ledger_imbalances(warehouse, ORDERS) == []


def test_postgres_incremental_reads_zero_then_exactly_the_changed_row(warehouse, source, oms):
    extract_table(warehouse, source, source.tables[0], oms)
    nothing = extract_table(warehouse, source, source.tables[0], oms)
    assert (nothing.status, nothing.rows_in) == (STATUS_LOADED, 0)
    with oms.begin() as conn:
        conn.execute(
            sa.text(
                "update oms_orders set state = 'cancelled', last_modified = now() "
                "where order_no = 'SO-000042'"
            )
        )
    one = extract_table(warehouse, source, source.tables[0], oms)
    assert (one.rows_in, one.rows_loaded) == (1, 1)
    assert warehouse.execute(
        "select status from raw.fulfillment__orders where _load_id = ?", [one.load_id]
    ).fetchall() == [("cancelled",)]


def test_backend_killed_mid_extraction_leaves_no_rows_and_the_next_run_completes(
    warehouse, source, oms, pg
):
    t = source.tables[0]
    first = extract_table(warehouse, source, t, oms)
    with oms.begin() as conn:
        conn.execute(sa.text("update oms_orders set last_modified = now()"))
    before = warehouse.execute("select count(*) from raw.fulfillment__orders").fetchone()[0]
    killer = sa.create_engine(pg.url())
    chunks: list[int] = []
    queries: list[str] = []

    def kill_the_reader(rows_so_far: int) -> None:
        chunks.append(rows_so_far)
        if len(chunks) == 2:
            with killer.connect() as conn:
                readers = conn.execute(
                    sa.text(
                        "select pid, query from pg_stat_activity "
                        "where pid <> pg_backend_pid() and backend_type = 'client backend'"
                    )
                ).fetchall()
                for pid, _ in readers:
                    conn.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
            queries.extend(q for _, q in readers)

    failed = extract_table(warehouse, source, t, oms, on_chunk=kill_the_reader)
    killer.dispose()
    assert failed.status == STATUS_FAILED, failed
    assert chunks == [250, 500]
    # A server-side cursor: the reader was fetching chunk by chunk from a declared cursor.
    assert any(q.lstrip().upper().startswith("FETCH") for q in queries), queries
    assert warehouse.execute("select count(*) from raw.fulfillment__orders").fetchone()[0] == before
    assert committed_watermark(warehouse, source, t) == first.watermark_to
    assert ledger_imbalances(warehouse, ORDERS) == []
    oms.dispose()
    resumed = extract_table(warehouse, source, t, oms)
    assert (resumed.status, resumed.rows_loaded) == (STATUS_LOADED, N)
    assert resumed.watermark_from == first.watermark_to
    statuses = [
        s
        for (s,) in warehouse.execute(
            f"select status from {LEDGER} order by finished_at"
        ).fetchall()
    ]
    assert statuses == [STATUS_LOADED, STATUS_FAILED, STATUS_LOADED]
    assert warehouse.execute("select count(*) from raw.fulfillment__orders").fetchone()[0] == 2 * N
