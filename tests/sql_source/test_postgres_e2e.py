"""End to end: the CRM and order-system tables of the small demo world read from PostgreSQL.

Slow tier (`make test-slow`): it builds a second warehouse through the real Dagster job
(a few minutes) beside the session's file-built one (`small_warehouse`), which it only
reads. The source database holds every row the file build received for the seven CRM
and order tables (loaded or quarantined by a rule), in load order, with real
`timestamptz` watermark columns; survey, regional reports and posts stay files.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from ingest import contract as c
from ingest.sql_source import EXTRACTIONS
from tests.pipeline import build_instance, copy_operational, run_failures, warehouse_env
from tests.sql_source.support import (
    SQL_TABLES,
    fill_source_database,
    postgres_missing,
    postgres_server,
    sql_sources_config,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(postgres_missing() is not None, reason=str(postgres_missing())),
]

# Lineage of how a row arrived (file path and row, load time) and when a step scored it:
# differs by construction.
LINEAGE = {"source_file_path", "source_row_number", "loaded_at", "scored_at", "queued_at"}


def _reload_definitions():
    import orchestration.definitions

    return importlib.reload(orchestration.definitions)


@pytest.fixture(scope="module")
def from_postgres(small_warehouse, tmp_path_factory):
    data = tmp_path_factory.mktemp("pg_world") / "data"
    landing = data / "landing"
    shutil.copytree(small_warehouse["data"] / "landing", landing)
    copy_operational(small_warehouse["data"], data)
    for source, name in SQL_TABLES:
        shutil.rmtree(landing / source / name)
    with postgres_server() as pg:
        counts = fill_source_database(Path(small_warehouse["db"]), pg.conninfo())
        config = data / "sql_sources.yml"
        config.write_text(
            yaml.safe_dump(
                sql_sources_config(
                    "postgresql+psycopg://postgres@127.0.0.1:${CX_TEST_PG_PORT}/postgres"
                )
            ),
            encoding="utf-8",
        )
        mp = pytest.MonkeyPatch()
        mp.setenv("CX_SQL_SOURCES", str(config))
        mp.setenv("CX_TEST_PG_PORT", str(pg.port))
        try:
            defs_module = _reload_definitions()
            with warehouse_env(data) as env, build_instance() as instance:
                result = defs_module.defs.resolve_job_def("build_warehouse").execute_in_process(
                    instance=instance, raise_on_error=False
                )
                yield {
                    "pg": pg,
                    "counts": counts,
                    "db": env["CX_DUCKDB_PATH"],
                    "env": env,
                    "result": result,
                    "defs": defs_module.defs,
                    "instance": instance,
                }
        finally:
            mp.undo()
            _reload_definitions()


def _mart_names(db: str) -> list[str]:
    with duckdb.connect(db, read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]


def test_the_build_from_postgres_succeeds_with_every_check_passing(from_postgres):
    assert from_postgres["result"].success, run_failures(from_postgres["result"])
    assert min(from_postgres["counts"].values()) > 0


def _comparable(name: str, data_type: str) -> str:
    """A column as compared: floating-point values to 10 significant digits (the two
    builds read rows in a different physical order, and a float sum depends on its
    order in the last bits); everything else exactly."""
    col = f'"{name}"'
    if data_type not in ("DOUBLE", "FLOAT", "REAL"):
        return col
    return (
        f"case when {col} is null or {col} = 0 or isnan({col}) or isinf({col}) then {col} "
        f"else round({col}, 10 - cast(ceil(log10(abs({col}))) as integer)) end as {col}"
    )


def test_marts_from_postgres_equal_marts_from_files_row_for_row(from_postgres, small_warehouse):
    names = _mart_names(small_warehouse["db"])
    assert names == _mart_names(from_postgres["db"]) and "fct_orders" in names
    con = duckdb.connect()
    con.execute(f"attach '{small_warehouse['db']}' as files (read_only)")
    con.execute(f"attach '{from_postgres['db']}' as pg (read_only)")
    differing = {}
    for name in names:
        cols = [
            _comparable(column, data_type)
            for column, data_type in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'files' and table_schema = 'marts' and table_name = ? "
                "order by ordinal_position",
                [name],
            ).fetchall()
            if column not in LINEAGE
        ]
        col_list = ", ".join(cols)

        def only_in(a: str, b: str, name: str = name, col_list: str = col_list) -> str:
            return (
                f"select {col_list} from {a}.marts.{name} "
                f"except all select {col_list} from {b}.marts.{name}"
            )

        n_files, n_pg = con.execute(
            f"select (select count(*) from files.marts.{name}), "
            f"(select count(*) from pg.marts.{name})"
        ).fetchone()
        only_files = con.execute(only_in("files", "pg")).fetchall()
        only_pg = con.execute(only_in("pg", "files")).fetchall()
        if only_files or only_pg or n_files != n_pg:
            differing[name] = {
                "rows": (n_files, n_pg),
                "only_from_files": only_files[:3],
                "only_from_postgres": only_pg[:3],
            }
    con.close()
    assert differing == {}


def test_every_extraction_is_a_balanced_ledger_entry_with_its_watermark_range(from_postgres):
    with duckdb.connect(from_postgres["db"], read_only=True) as con:
        rows = con.execute(
            f"""select l.source || '.' || l.table_name, l.status, l.rows_in,
                       l.rows_loaded + l.rows_quarantined, e.watermark_column, e.watermark_to
                from raw._load_ledger l join {EXTRACTIONS} e using (load_id)"""
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(f"{s}.{n}" for s, n in SQL_TABLES)
    for table, status, rows_in, accounted, watermark, high in rows:
        assert status == "loaded" and rows_in == accounted and rows_in > 0, table
        source, name = table.split(".")
        assert (watermark is None) == (c.table(source, name).version_by is None), table
        assert (high is None) == (watermark is None)
    expected = from_postgres["counts"]
    assert {r[0].split(".")[1]: r[2] for r in rows} == expected


def test_a_second_extraction_loads_nothing_and_one_changed_order_loads_one(from_postgres):
    import psycopg

    defs = from_postgres["defs"]
    sql_assets = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition) and any(k.path[0] == "sql" for k in a.keys)
    ]
    assert len(sql_assets) == len(SQL_TABLES)

    def extract() -> dict[str, int]:
        with warehouse_env(Path(from_postgres["db"]).parent):
            result = dg.materialize(
                sql_assets,
                resources={"warehouse": defs.resources["warehouse"]},
                instance=from_postgres["instance"],
            )
        assert result.success
        return {
            a.key.path[-1]: result.asset_materializations_for_node(a.op.name)[0]
            .metadata["rows_loaded"]
            .value
            for a in sql_assets
        }

    mp = pytest.MonkeyPatch()
    mp.setenv("CX_TEST_PG_PORT", str(from_postgres["pg"].port))
    try:
        assert extract() == {name: 0 for _, name in SQL_TABLES}
        with psycopg.connect(from_postgres["pg"].conninfo(), autocommit=True) as pg:
            pg.execute(
                "update orders set status = 'cancelled', updated_at = now() "
                "where seq = (select max(seq) from orders where status = 'open')"
            )
        assert extract() == {name: int(name == "orders") for _, name in SQL_TABLES}
    finally:
        mp.undo()
