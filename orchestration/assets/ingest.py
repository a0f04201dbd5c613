"""One Dagster asset per landing table: landing files -> raw.<source>__<table>."""

from collections.abc import Sequence

import dagster as dg

from ingest import contract as c
from ingest.loader import (
    STATUS_DUPLICATE,
    STATUS_IGNORED,
    STATUS_IN_FLIGHT,
    STATUS_LOADED,
    STATUS_REJECTED,
    load_table,
    record_unknown,
)
from orchestration.keys import raw_asset_key
from orchestration.resources import WarehouseResource
from quality.ledger import ledger_imbalances, quarantine_reasons, rejected_files

WRITER_POOL = "duckdb_writer"
CHECK_LEDGER = "ledger_balanced"
CHECK_REJECTED = "no_unreadable_files"


def _markdown_table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def build_ingest_asset(table: c.Table, upstream: Sequence[dg.AssetKey] = ()) -> dg.AssetsDefinition:
    """`upstream`: SQL extraction assets writing the same raw table (run first)."""
    key = raw_asset_key(table.source, table.name)

    @dg.asset(
        key=key,
        group_name="raw",
        deps=list(upstream),
        kinds={"python", "duckdb"},
        pool=WRITER_POOL,
        description=(
            f"Loads `<landing>/{table.source}/{table.name}/*` into raw.{table.qualified}: "
            "each new file once (content hash), bad rows to raw._quarantine with the reason, "
            "one ledger row per file."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_LEDGER,
                asset=key,
                blocking=True,
                description="For every loaded file: rows_in = rows in raw + rows in quarantine.",
            ),
            dg.AssetCheckSpec(
                CHECK_REJECTED,
                asset=key,
                description="No landing file is left unreadable (wrong format, bad header...).",
            ),
        ],
    )
    def _ingest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            results = load_table(con, table, warehouse.landing_root)
            imbalances = ledger_imbalances(con, table)
            unreadable = rejected_files(con, table)
            reasons = quarantine_reasons(con, table)
            raw_rows = con.execute(f"select count(*) from raw.{table.qualified}").fetchone()[0]
        loaded = [r for r in results if r.status == STATUS_LOADED]
        for r in results:
            if r.status == STATUS_REJECTED:
                context.log.error(f"{r.file_path}: unreadable, not loaded: {r.error}")
            elif r.status == STATUS_DUPLICATE:
                context.log.info(f"{r.file_path}: same content as {r.duplicate_of}, skipped")
            elif r.status == STATUS_IGNORED:
                context.log.warning(f"{r.file_path}: ignored: {r.error}")
            elif r.status == STATUS_IN_FLIGHT:
                context.log.info(f"{r.file_path}: still being written ({r.error}), next build")
        metadata = {
            "files_loaded": len(loaded),
            "files_duplicate": sum(r.status == STATUS_DUPLICATE for r in results),
            "files_unreadable": sum(r.status == STATUS_REJECTED for r in results),
            "files_ignored": sum(r.status == STATUS_IGNORED for r in results),
            "files_in_flight": sum(r.status == STATUS_IN_FLIGHT for r in results),
            "rows_in": sum(r.rows_in for r in loaded),
            "rows_loaded": sum(r.rows_loaded for r in loaded),
            "rows_quarantined": sum(r.rows_quarantined for r in loaded),
            "raw_row_count": raw_rows,
            "quarantine_reasons_all_time": dg.MetadataValue.md(
                _markdown_table(("reason:column", "rows"), list(reasons.items()))
            ),
        }
        if results:
            metadata["files"] = dg.MetadataValue.md(
                _markdown_table(
                    ("file", "status", "encoding", "rows_in", "loaded", "quarantined"),
                    [
                        (
                            r.file_path,
                            r.status,
                            r.encoding,
                            r.rows_in,
                            r.rows_loaded,
                            r.rows_quarantined,
                        )
                        for r in results
                    ],
                )
            )
        checks = [
            dg.AssetCheckResult(
                check_name=CHECK_LEDGER,
                passed=not imbalances,
                metadata={"unbalanced_files": dg.MetadataValue.json(imbalances)},
            ),
            dg.AssetCheckResult(
                check_name=CHECK_REJECTED,
                passed=not unreadable,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"unreadable_files": dg.MetadataValue.json(unreadable)},
            ),
        ]
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _ingest


LANDING_UNKNOWN_KEY = dg.AssetKey(["landing", "unknown_entries"])
CHECK_UNKNOWN = "no_unknown_landing_entries"


@dg.asset(
    key=LANDING_UNKNOWN_KEY,
    group_name="raw",
    kinds={"python", "duckdb"},
    pool=WRITER_POOL,
    description=(
        "Records in the load ledger (status `ignored`, with why) everything under the "
        "landing root outside the contract's <source>/<table>/ folders: unknown folders, "
        "files at the wrong depth, hidden or symlinked entries. Nothing of it is read."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_UNKNOWN,
            asset=LANDING_UNKNOWN_KEY,
            description="Nothing newly found under the landing root outside the table folders.",
        )
    ],
)
def landing_unknown(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        results = record_unknown(con, warehouse.landing_root)
    for r in results:
        context.log.warning(f"{r.file_path}: ignored: {r.error}")
    return dg.MaterializeResult(
        metadata={"newly_ignored": len(results)},
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_UNKNOWN,
                passed=not results,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "ignored": dg.MetadataValue.json(
                        [{"file_path": r.file_path, "why": r.error} for r in results]
                    )
                },
            )
        ],
    )


ingest_assets = [*(build_ingest_asset(t) for t in c.TABLES), landing_unknown]
