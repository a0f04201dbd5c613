"""Integrity of the load ledger: nothing that arrived is lost or counted twice.

These read the warehouse as it is, independent of what the loader believed it
wrote, so a bug in the loader (or a hand edit of raw) shows up as a failure.
"""

from __future__ import annotations

import duckdb

from ingest import contract as c
from ingest.loader import LEDGER, QUARANTINE, STATUS_LOADED, STATUS_REJECTED, raw_table_name


def ledger_imbalances(con: duckdb.DuckDBPyConnection, table: c.Table) -> list[dict]:
    """Loaded files whose rows_in differs from the rows actually in raw + quarantine."""
    rows = con.execute(
        f"""
        with raw_counts as (
            select _load_id as load_id, count(*) as n from {raw_table_name(table)} group by 1
        ),
        quarantine_counts as (
            select load_id, count(*) as n from {QUARANTINE}
            where source = ? and table_name = ? group by 1
        )
        select l.file_path, l.rows_in, l.rows_loaded, l.rows_quarantined,
               coalesce(r.n, 0) as rows_in_raw, coalesce(q.n, 0) as rows_in_quarantine
        from {LEDGER} l
        left join raw_counts r using (load_id)
        left join quarantine_counts q using (load_id)
        where l.source = ? and l.table_name = ? and l.status = '{STATUS_LOADED}'
          and (l.rows_in != coalesce(r.n, 0) + coalesce(q.n, 0)
               or l.rows_loaded != coalesce(r.n, 0)
               or l.rows_quarantined != coalesce(q.n, 0))
        order by l.file_path
        """,
        [table.source, table.name, table.source, table.name],
    ).fetchall()
    keys = (
        "file_path",
        "rows_in",
        "rows_loaded",
        "rows_quarantined",
        "rows_in_raw",
        "rows_in_quarantine",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def rejected_files(con: duckdb.DuckDBPyConnection, table: c.Table) -> list[dict]:
    """Files that could not be read at all and have not been loaded since (same path)."""
    rows = con.execute(
        f"""
        select file_path, error from {LEDGER} l
        where source = ? and table_name = ? and status = '{STATUS_REJECTED}'
          and not exists (
              select 1 from {LEDGER} ok
              where ok.file_path = l.file_path and ok.status = '{STATUS_LOADED}'
                and ok.finished_at > l.finished_at)
        order by file_path
        """,
        [table.source, table.name],
    ).fetchall()
    return [{"file_path": p, "error": e} for p, e in rows]


def quarantine_reasons(con: duckdb.DuckDBPyConnection, table: c.Table) -> dict[str, int]:
    rows = con.execute(
        f"""select reason || coalesce(':' || column_name, ''), count(*) from {QUARANTINE}
        where source = ? and table_name = ? group by 1 order by 1""",
        [table.source, table.name],
    ).fetchall()
    return dict(rows)
