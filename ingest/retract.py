"""Withdraw a landing file and everything it loaded: `python -m ingest.retract <file>`.

Retraction deletes the file's rows from its raw table and from the quarantine,
marks its ledger rows `retracted` (with when and why) and forgets the re-sends
that were skipped as its duplicates (they load at the next build, as they would
have had the file never arrived). A retracted file (same path and content) is
never loaded again, even if it stays in the landing zone; a corrected file (new
content) loads normally. The next build rebuilds staging and the marts from
raw, so they are as if the file had never arrived.

Run it while no build writes the warehouse (DuckDB takes one writer), or through
the Dagster job `retract_landing_file` (queued behind builds).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from ingest import contract as c
from ingest.loader import (
    LEDGER,
    QUARANTINE,
    STATUS_DUPLICATE,
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_RETRACTED,
    ensure_schema,
    raw_table_name,
)


@dataclass(frozen=True)
class Retraction:
    file_path: str
    loads: int
    raw_rows_deleted: int
    quarantine_rows_deleted: int
    duplicates_released: list[str]


class NothingToRetract(LookupError):
    pass


def retract(con: duckdb.DuckDBPyConnection, file_path: str, reason: str) -> Retraction:
    """Withdraw every load of `file_path` (relative to the landing root, as the ledger
    records it) in one transaction."""
    ensure_schema(con)
    loads = con.execute(
        f"select load_id, source, table_name from {LEDGER} where file_path = ? "
        f"and status in ('{STATUS_LOADED}', '{STATUS_DUPLICATE}', '{STATUS_REJECTED}')",
        [file_path],
    ).fetchall()
    if not loads:
        raise NothingToRetract(f"{file_path}: no loaded, duplicate or rejected file by that path")
    now = datetime.now(UTC).replace(tzinfo=None)
    raw_deleted = quarantine_deleted = 0
    con.execute("begin transaction")
    try:
        for load_id, source, table_name in loads:
            if (source, table_name) in {(t.source, t.name) for t in c.TABLES}:
                raw = raw_table_name(c.table(source, table_name))
                raw_deleted += con.execute(
                    f"delete from {raw} where _load_id = ?", [load_id]
                ).fetchone()[0]
            quarantine_deleted += con.execute(
                f"delete from {QUARANTINE} where load_id = ?", [load_id]
            ).fetchone()[0]
        released = [
            r[0]
            for r in con.execute(
                f"delete from {LEDGER} where status = '{STATUS_DUPLICATE}' and duplicate_of = ? "
                "returning file_path",
                [file_path],
            ).fetchall()
        ]
        con.execute(
            f"update {LEDGER} set status = '{STATUS_RETRACTED}', retracted_at = ?, "
            "retraction_reason = ? where file_path = ? "
            f"and status in ('{STATUS_LOADED}', '{STATUS_DUPLICATE}', '{STATUS_REJECTED}')",
            [now, reason, file_path],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Retraction(file_path, len(loads), raw_deleted, quarantine_deleted, released)


def main(argv: list[str] | None = None) -> int:
    from cx_settings import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m ingest.retract",
        description="Withdraw a landing file and every row it loaded (recorded in the ledger).",
    )
    parser.add_argument("file_path", help="relative to the landing root: crm/accounts/a.csv")
    parser.add_argument("--reason", required=True, help="why (kept in the ledger)")
    parser.add_argument("--warehouse", default=None, help="default: setting paths.duckdb_path")
    args = parser.parse_args(argv)
    path = args.warehouse or str(load_settings().paths.duckdb_path)
    with duckdb.connect(path) as con:
        try:
            r = retract(con, args.file_path, args.reason)
        except NothingToRetract as exc:
            print(exc, file=sys.stderr)
            return 1
    print(
        f"retracted {r.file_path}: {r.raw_rows_deleted} raw and {r.quarantine_rows_deleted} "
        f"quarantined rows deleted; re-sends to load at the next build: "
        f"{', '.join(r.duplicates_released) or 'none'}. Run `make run` to rebuild."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
