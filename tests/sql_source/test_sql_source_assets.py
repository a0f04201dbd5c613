"""Dagster side of SQL sources: assets beside the file ones, schedules, a materialisation."""

from pathlib import Path

import dagster as dg
import duckdb
import sqlalchemy as sa

from ingest import contract as c
from ingest.sql_source import parse_config
from orchestration.assets.ingest import build_ingest_asset
from orchestration.assets.sql_sources import sql_source_definitions
from orchestration.jobs import build_warehouse_job
from orchestration.resources import WarehouseResource

CONFIG = {
    "sources": [
        {
            "name": "crm_db",
            "url": "sqlite:///${CRM_SQLITE_PATH}",
            "schedule": "*/20 * * * *",
            "tables": [
                {"contract": "crm.contacts", "table": "contacts"},
            ],
        }
    ]
}


def test_each_sql_table_is_an_asset_upstream_of_its_raw_table_with_a_schedule_per_source():
    sql = sql_source_definitions(build_warehouse_job, parse_config(CONFIG))
    key = dg.AssetKey(["sql", "crm_db", "crm", "contacts"])
    contacts = c.table("crm", "contacts")
    assert [a.key for a in sql.assets] == [key]
    assert sql.upstream_of(contacts) == [key]
    assert sql.upstream_of(c.table("crm", "accounts")) == []
    raw = build_ingest_asset(contacts, sql.upstream_of(contacts))
    assert key in raw.asset_deps[raw.key]
    [schedule] = sql.schedules
    assert (schedule.name, schedule.cron_schedule) == ("extract_crm_db_schedule", "*/20 * * * *")
    assert schedule.job_name == "build_warehouse"


def test_materialising_the_sql_asset_fills_the_raw_table_and_passes_its_ledger_check(
    tmp_path: Path, monkeypatch
):
    db = tmp_path / "crm.sqlite"
    monkeypatch.setenv("CRM_SQLITE_PATH", str(db))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "create table contacts (source_system text, contact_id text, account_id text, "
                "full_name text, email text, updated_at text)"
            )
        )
        conn.execute(
            sa.text(
                "insert into contacts values ('crm_x', 'P1', 'A1', '王伟', 'w@x.cn', "
                "'2025-03-01 10:00:00'), ('crm_x', 'P2', 'A1', '', null, '2025-03-02 10:00:00')"
            )
        )
    engine.dispose()
    sql = sql_source_definitions(build_warehouse_job, parse_config(CONFIG))
    warehouse = WarehouseResource(
        database_path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "landing")
    )
    result = dg.materialize(sql.assets, resources={"warehouse": warehouse})
    assert result.success
    [mat] = result.asset_materializations_for_node(sql.assets[0].op.name)
    assert mat.metadata["rows_in"].value == 2
    assert mat.metadata["rows_loaded"].value == 1
    assert mat.metadata["rows_quarantined"].value == 1
    [check] = result.get_asset_check_evaluations()
    assert check.passed
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select contact_id, full_name from raw.crm__contacts").fetchall() == [
            ("P1", "王伟")
        ]
