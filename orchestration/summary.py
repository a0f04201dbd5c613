"""Print what the last build left in the warehouse: `python -m orchestration.summary`."""

from __future__ import annotations

import sys

import duckdb

from cx_settings import load_settings
from ingest import contract as c
from ingest.loader import LEDGER, QUARANTINE, raw_table_name


def warehouse_summary(con: duckdb.DuckDBPyConnection) -> dict:
    raw = {
        t.qualified: con.execute(f"select count(*) from {raw_table_name(t)}").fetchone()[0]
        for t in c.TABLES
    }
    staging = {}
    for (view,) in con.execute(
        "select view_name from duckdb_views() where schema_name = 'staging' order by 1"
    ).fetchall():
        staging[view] = con.execute(f"select count(*) from staging.{view}").fetchone()[0]
    # Python-built (identity, enrichment) and dbt-built (marts) tables after staging.
    later = {}
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where schema_name not in ('raw', 'staging', 'main') and not temporary "
        "order by schema_name = 'marts', 1, 2"
    ).fetchall():
        later[(schema, table)] = con.execute(
            f'select count(*) from "{schema}"."{table}"'
        ).fetchone()[0]
    files = dict(con.execute(f"select status, count(*) from {LEDGER} group by 1").fetchall())
    ledger = con.execute(
        f"select coalesce(sum(rows_in), 0), coalesce(sum(rows_loaded), 0), "
        f"coalesce(sum(rows_quarantined), 0) from {LEDGER}"
    ).fetchone()
    not_loaded = con.execute(
        f"select status, file_path, error from {LEDGER} "
        "where status in ('rejected', 'ignored') order by status, file_path"
    ).fetchall()
    reasons = dict(
        con.execute(f"select reason, count(*) from {QUARANTINE} group by 1 order by 1").fetchall()
    )
    integrity = {}
    if ("marts", "fct_integrity_region_months") in later:
        integrity = dict(
            con.execute(
                "select verdict, count(*) from marts.fct_integrity_region_months group by 1"
            ).fetchall()
        )
    return {
        "raw": raw,
        "staging": staging,
        "later": later,
        "integrity": integrity,
        "files": files,
        "rows_in": ledger[0],
        "rows_loaded": ledger[1],
        "rows_quarantined": ledger[2],
        "quarantine_reasons": reasons,
        "not_loaded": not_loaded,
    }


def format_summary(s: dict, database_path: str) -> str:
    lines = ["", "CX warehouse build summary", "=" * 26]
    lines.append("files: " + ", ".join(f"{k} {v}" for k, v in sorted(s["files"].items())))
    lines.append(
        f"rows in {s['rows_in']:,} = loaded {s['rows_loaded']:,} + quarantined "
        f"{s['rows_quarantined']:,}"
    )
    for status, path, error in s.get("not_loaded", [])[:20]:
        lines.append(f"  {status}: {path}: {error}")
    if len(s.get("not_loaded", [])) > 20:
        lines.append(f"  ... {len(s['not_loaded']) - 20} more (raw._load_ledger)")
    if s["quarantine_reasons"]:
        lines.append(
            "quarantined by reason: "
            + ", ".join(f"{k} {v}" for k, v in s["quarantine_reasons"].items())
        )
    lines.append(f"\n{'layer':<10} {'table':<42} {'rows':>12}")
    for name, n in s["raw"].items():
        lines.append(f"{'raw':<10} {name:<42} {n:>12,}")
    for name, n in s["staging"].items():
        lines.append(f"{'staging':<10} {name:<42} {n:>12,}")
    for (schema, name), n in s.get("later", {}).items():
        lines.append(f"{schema:<10} {name:<42} {n:>12,}")
    if s.get("integrity"):
        v = s["integrity"]
        lines.append(
            f"\nfulfillment integrity: {v.get('beautified', 0)} reported figure(s) failed, "
            f"{v.get('suspect', 0)} suspect, {v.get('ok', 0)} ok region-months "
            '(marts.fct_integrity_region_months; README "Fulfillment integrity")'
        )
    lines += [
        "",
        f"warehouse: {database_path}",
        'query it:  .venv/bin/python -c "import duckdb; '
        f"print(duckdb.connect('{database_path}', read_only=True)"
        ".sql('from staging.stg_fulfillment__orders limit 5'))\"",
        "open the UI: make ui   (then http://localhost:3000)",
    ]
    return "\n".join(lines)


def main() -> int:
    path = load_settings().paths.duckdb_path
    if not path.exists():
        print(f"no warehouse at {path}: run `make run` first", file=sys.stderr)
        return 1
    with duckdb.connect(str(path), read_only=True) as con:
        print(format_summary(warehouse_summary(con), str(path)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
