"""SQL sources on a real SQLite database: incremental reads, ledger, quarantine, supersede."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from ingest import contract as c
from ingest.loader import LEDGER, QUARANTINE, STATUS_LOADED, ensure_schema
from ingest.sql_source import (
    EXTRACTIONS,
    STATUS_FAILED,
    STATUS_SUPERSEDED,
    SqlSourceConfigError,
    committed_watermark,
    extract_table,
    load_config,
    parse_config,
)
from quality.ledger import ledger_imbalances

ACCOUNTS = c.table("crm", "accounts")

# A CRM that names some columns its own way and has one column outside the contract.
CREATE = """create table crm_account (
    id integer primary key, source_system text, account_code text, name text,
    region text, segment text, created_at text, updated_at text, owner_team text)"""


def _row(i: int, updated: str, name: str | None = None, created: str = "2024-01-01 08:00:00"):
    return {
        "id": i,
        "source_system": "crm_pg",
        "account_code": f"A{i:04d}",
        "name": name if name is not None else f"Account {i}",
        "region": "East",
        "segment": "key",
        "created_at": created,
        "updated_at": updated,
        "owner_team": "team-a",
    }


CONFIG = {
    "sources": [
        {
            "name": "crm_db",
            "url": "sqlite:///${CRM_SQLITE_PATH}",
            "tables": [
                {
                    "contract": "crm.accounts",
                    "table": "crm_account",
                    "columns": {"account_id": "account_code", "account_name": "name"},
                    "order_by": ["updated_at", "id"],
                    "chunk_rows": 3,
                }
            ],
        }
    ]
}


@pytest.fixture
def source_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "crm.sqlite"
    monkeypatch.setenv("CRM_SQLITE_PATH", str(path))
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text(CREATE))
        conn.execute(
            sa.text(
                "insert into crm_account values (:id, :source_system, :account_code, :name, "
                ":region, :segment, :created_at, :updated_at, :owner_team)"
            ),
            [_row(i, f"2025-01-{i:02d} 10:00:00") for i in range(1, 11)],
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
    [src] = parse_config(CONFIG)
    return src


def _extract(con, source, engine, **kw):
    return extract_table(con, source, source.tables[0], engine, **kw)


def _raw(con) -> list[tuple]:
    return con.execute(
        "select account_id, account_name, updated_at from raw.crm__accounts order by account_id"
    ).fetchall()


def test_first_extraction_loads_every_row_with_lineage_and_a_balanced_ledger(
    warehouse, source, source_db
):
    res = _extract(warehouse, source, source_db)
    assert (res.status, res.rows_in, res.rows_loaded, res.rows_quarantined) == (
        STATUS_LOADED,
        10,
        10,
        0,
    )
    rows = warehouse.execute(
        "select account_id, account_name, _extra, _watermark, _extracted_at is not null, "
        "_file_path from raw.crm__accounts order by _row_number"
    ).fetchall()
    assert [r[0] for r in rows] == [f"A{i:04d}" for i in range(1, 11)]
    assert rows[0][1] == "Account 1"
    assert '"owner_team":"team-a"' in rows[0][2] and '"id":"1"' in rows[0][2]
    assert rows[-1][3] == "2025-01-10 10:00:00"
    assert all(r[4] for r in rows)
    assert rows[0][5] == "sql://crm_db/crm__accounts/crm_account"
    ledger = warehouse.execute(
        f"select status, rows_in, rows_loaded, rows_quarantined, file_format from {LEDGER}"
    ).fetchall()
    assert ledger == [("loaded", 10, 10, 0, "sql")]
    assert ledger_imbalances(warehouse, ACCOUNTS) == []
    assert committed_watermark(warehouse, source, source.tables[0]) == "2025-01-10 10:00:00"


def test_no_change_loads_zero_rows_and_one_changed_row_loads_one(warehouse, source, source_db):
    _extract(warehouse, source, source_db)
    again = _extract(warehouse, source, source_db)
    assert (again.status, again.rows_in, again.rows_loaded) == (STATUS_LOADED, 0, 0)
    with source_db.begin() as conn:
        conn.execute(
            sa.text(
                "update crm_account set name = 'Renamed', updated_at = '2025-02-01 09:00:00' "
                "where id = 4"
            )
        )
    changed = _extract(warehouse, source, source_db)
    assert (changed.rows_in, changed.rows_loaded) == (1, 1)
    assert changed.watermark_from == "2025-01-10 10:00:00"
    assert changed.watermark_to == "2025-02-01 09:00:00"
    versions = warehouse.execute(
        "select account_name from raw.crm__accounts where account_id = 'A0004' order by updated_at"
    ).fetchall()
    assert versions == [("Account 4",), ("Renamed",)]
    assert warehouse.execute(f"select count(*) from {LEDGER}").fetchone()[0] == 3
    assert ledger_imbalances(warehouse, ACCOUNTS) == []


def test_bad_rows_are_quarantined_with_the_file_loaders_reasons(warehouse, source, source_db):
    with source_db.begin() as conn:
        conn.execute(
            sa.text(
                "insert into crm_account values (:id, :source_system, :account_code, :name, "
                ":region, :segment, :created_at, :updated_at, :owner_team)"
            ),
            [
                _row(11, "2025-01-11 10:00:00", name=""),
                _row(12, "2025-01-12 10:00:00", created="yesterday"),
            ],
        )
    res = _extract(warehouse, source, source_db)
    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (12, 10, 2)
    reasons = warehouse.execute(
        f"select row_number, reason, column_name, bad_value, file_path from {QUARANTINE} "
        "order by row_number"
    ).fetchall()
    assert [r[1:4] for r in reasons] == [
        (c.REASON_MISSING_VALUE, "account_name", ""),
        (c.REASON_BAD_TYPE, "created_at", "yesterday"),
    ]
    assert reasons[0][4] == "sql://crm_db/crm__accounts/crm_account"
    assert ledger_imbalances(warehouse, ACCOUNTS) == []


def test_a_required_column_the_source_lacks_quarantines_every_row(warehouse, source_db):
    config = {
        "sources": [
            {
                "name": "crm_db",
                "url": "sqlite:///${CRM_SQLITE_PATH}",
                "tables": [
                    {
                        "contract": "crm.accounts",
                        "query": "select source_system, account_code as account_id, "
                        "created_at, updated_at from crm_account",
                    }
                ],
            }
        ]
    }
    [src] = parse_config(config)
    res = extract_table(warehouse, src, src.tables[0], source_db)
    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (10, 0, 10)
    assert warehouse.execute(f"select distinct reason from {QUARANTINE}").fetchall() == [
        (c.REASON_MISSING_COLUMN,)
    ]


def test_the_same_range_twice_loads_once_and_a_changed_range_supersedes(
    warehouse, source, source_db
):
    first = _extract(warehouse, source, source_db)
    same = _extract(warehouse, source, source_db, reextract=True)
    assert same.status == "duplicate" and same.rows_loaded == 0
    assert len(_raw(warehouse)) == 10
    # A fix in the source without touching updated_at (a back-office correction):
    # re-extracting the range replaces the earlier load instead of adding to it.
    with source_db.begin() as conn:
        conn.execute(sa.text("update crm_account set name = 'Fixed' where id = 2"))
    again = _extract(warehouse, source, source_db, reextract=True)
    assert again.status == STATUS_LOADED and again.rows_loaded == 10
    assert again.superseded == (first.load_id,)
    raw = _raw(warehouse)
    assert len(raw) == 10 and ("A0002", "Fixed", "2025-01-02 10:00:00") in raw
    statuses = dict(warehouse.execute(f"select load_id, status from {LEDGER}").fetchall())
    assert statuses[first.load_id] == STATUS_SUPERSEDED
    assert ledger_imbalances(warehouse, ACCOUNTS) == []
    # The committed watermark did not move back.
    assert committed_watermark(warehouse, source, source.tables[0]) == "2025-01-10 10:00:00"


def test_reextracting_part_of_the_history_widens_to_whole_loads(warehouse, source, source_db):
    first = _extract(warehouse, source, source_db)
    with source_db.begin() as conn:
        conn.execute(
            sa.text("update crm_account set updated_at = '2025-03-01 00:00:00' where id = 1")
        )
    second = _extract(warehouse, source, source_db)
    assert second.rows_loaded == 1
    # Re-reading from 2025-01-05 overlaps the first load (from the start), so it is
    # widened to the start and supersedes both loads; nothing is counted twice.
    again = _extract(warehouse, source, source_db, reextract=True, since="2025-01-05 00:00:00")
    assert set(again.superseded) == {first.load_id, second.load_id}
    assert again.rows_loaded == 10
    assert len(_raw(warehouse)) == 10
    assert ledger_imbalances(warehouse, ACCOUNTS) == []


def test_a_connection_lost_mid_extraction_leaves_nothing_and_the_next_run_resumes(
    warehouse, source, source_db
):
    _extract(warehouse, source, source_db)
    with source_db.begin() as conn:
        conn.execute(sa.text("update crm_account set updated_at = '2025-02-01 00:00:00'"))
    raw_before = _raw(warehouse)
    opened: list = []
    source_db.pool.dispose()
    sa.event.listen(source_db, "connect", lambda dbapi, _record: opened.append(dbapi))

    def kill(rows_so_far: int) -> None:
        # The DBAPI connection under the streaming cursor is closed after chunk 1.
        for dbapi in opened:
            dbapi.close()

    failed = _extract(warehouse, source, source_db, on_chunk=kill)
    assert failed.status == STATUS_FAILED and failed.error
    assert _raw(warehouse) == raw_before
    assert warehouse.execute("select count(*) from raw.crm__accounts").fetchone()[0] == 10
    assert ledger_imbalances(warehouse, ACCOUNTS) == []
    assert committed_watermark(warehouse, source, source.tables[0]) == "2025-01-10 10:00:00"
    source_db.pool.dispose()
    resumed = _extract(warehouse, source, source_db)
    assert (resumed.status, resumed.rows_loaded) == (STATUS_LOADED, 10)
    assert resumed.watermark_from == "2025-01-10 10:00:00"
    statuses = [
        r[0]
        for r in warehouse.execute(f"select status from {LEDGER} order by finished_at").fetchall()
    ]
    assert statuses == [STATUS_LOADED, STATUS_FAILED, STATUS_LOADED]


def test_a_snapshot_source_without_watermark_reloads_only_when_content_changes(
    warehouse, source_db
):
    config = {
        "sources": [
            {
                "name": "crm_db",
                "url": "sqlite:///${CRM_SQLITE_PATH}",
                "tables": [
                    {
                        "contract": "crm.accounts",
                        "table": "crm_account",
                        "columns": {"account_id": "account_code", "account_name": "name"},
                        "watermark": None,
                        "order_by": ["id"],
                    }
                ],
            }
        ]
    }
    [src] = parse_config(config)
    t = src.tables[0]
    first = extract_table(warehouse, src, t, source_db)
    same = extract_table(warehouse, src, t, source_db)
    assert (first.rows_loaded, same.status) == (10, "duplicate")
    with source_db.begin() as conn:
        conn.execute(sa.text("delete from crm_account where id = 10"))
    third = extract_table(warehouse, src, t, source_db)
    assert third.rows_loaded == 9 and third.superseded == (first.load_id,)
    assert len(_raw(warehouse)) == 9
    assert ledger_imbalances(warehouse, ACCOUNTS) == []


def test_extractions_table_records_the_watermark_range(warehouse, source, source_db):
    _extract(warehouse, source, source_db)
    _extract(warehouse, source, source_db)
    rows = warehouse.execute(
        f"select watermark_column, watermark_from, watermark_to, high_water from {EXTRACTIONS} "
        "order by extracted_at"
    ).fetchall()
    assert rows == [
        ("updated_at", None, "2025-01-10 10:00:00", "2025-01-10 10:00:00"),
        ("updated_at", "2025-01-10 10:00:00", "2025-01-10 10:00:00", "2025-01-10 10:00:00"),
    ]


def test_a_password_written_in_the_config_file_is_refused():
    with pytest.raises(SqlSourceConfigError, match="password"):
        parse_config(
            {
                "sources": [
                    {
                        "name": "crm",
                        "url": "postgresql+psycopg://reader:hunter2@db/crm",
                        "tables": [{"contract": "crm.accounts", "table": "accounts"}],
                    }
                ]
            }
        )
    [ok] = parse_config(
        {
            "sources": [
                {
                    "name": "crm",
                    "url": "postgresql+psycopg://reader:${CRM_DB_PASSWORD}@db/crm",
                    "tables": [{"contract": "crm.accounts", "table": "public.accounts"}],
                }
            ]
        }
    )
    assert (
        ok.resolve_url({"CRM_DB_PASSWORD": "s3cret"}) == "postgresql+psycopg://reader:s3cret@db/crm"
    )
    with pytest.raises(SqlSourceConfigError, match="CRM_DB_PASSWORD"):
        ok.resolve_url({})


def test_config_errors_name_the_problem(tmp_path: Path):
    bad = [
        (
            {"name": "x", "url": "sqlite://", "tables": [{"contract": "crm.nope", "table": "t"}]},
            "unknown contract table",
        ),
        (
            {"name": "x", "url": "sqlite://", "tables": [{"contract": "crm.accounts"}]},
            "`table` or `query`",
        ),
        ({"name": "x", "tables": []}, "`url` or `url_env`"),
        (
            {
                "name": "x",
                "url": "sqlite://",
                "tables": [{"contract": "crm.accounts", "table": "t", "columns": {"foo": "b"}}],
            },
            "not contract columns",
        ),
    ]
    for source, message in bad:
        with pytest.raises(SqlSourceConfigError, match=message):
            parse_config({"sources": [source]})
    assert load_config(tmp_path / "absent.yml") == []
    path = tmp_path / "sql_sources.yml"
    path.write_text(
        "sources:\n  - name: crm\n    url_env: CRM_URL\n    tables:\n"
        "      - {contract: crm.contacts, table: contacts}\n",
        encoding="utf-8",
    )
    [src] = load_config(path)
    assert src.tables[0].watermark == "updated_at"
    assert src.resolve_url({"CRM_URL": "sqlite://"}) == "sqlite://"
