"""Data-quality and fulfillment-integrity checks, after dbt has finished.

One check step (`quality_checks`) targets the raw fulfillment tables and the
integrity marts, so Dagster runs it once their ops are done - after the dbt
subprocess released the warehouse. It reads DataFrames through a short-lived
read-only connection, validates them with the Great Expectations suites of
quality/gx_suites.py (Data Docs: <CX_DATA_DIR>/quality/gx/uncommitted/
data_docs/local_site/index.html), judges the reported fulfillment figures
(quality/integrity.py), records every outcome in quality.check_results for the
publisher (quality/results.py) and reports each as an asset check:

- gx_<suite>: one per suite; raw suites warn, mart suites are blocking errors;
- reported_figures_integrity: fails when any region's reported figure failed
  integrity, with the region-months, gaps, p-values, staff and evidence as
  metadata (and an ERROR log line). Severity WARN by default, not blocking:
  the issue wants the published marts to show the verified figure as the
  truth with the reported one marked failed, and the publisher's gate stops
  on any ERROR. Set CX_INTEGRITY_FAILURE_SEVERITY=ERROR to stop publishing
  altogether while any reported figure fails;
- integrity_failures_marked (ERROR, blocking): every failed figure is marked
  in the mart (is_reported_figure_failed, trusted rate = verified, evidence),
  so nothing reaches readers as if it had passed.
"""

import os
from collections.abc import Iterator

import dagster as dg
import duckdb

from cx_settings import load_settings
from orchestration.assets.ingest import WRITER_POOL
from orchestration.resources import WarehouseResource
from quality import integrity
from quality.gx_suites import SUITES, SuiteResult, data_docs_index, load_frames, run_suites
from quality.results import CheckOutcome, evaluate_blocking, record

REGION_MONTHS = dg.AssetKey(["marts", "fct_integrity_region_months"])
CHECK_INTEGRITY = "reported_figures_integrity"
CHECK_MARKED = "integrity_failures_marked"


def integrity_failure_severity() -> dg.AssetCheckSeverity:
    """WARN (publish the verified figure, reported one marked failed) or ERROR (stop)."""
    value = load_settings().operations.integrity_failure_severity
    return dg.AssetCheckSeverity.ERROR if value == "ERROR" else dg.AssetCheckSeverity.WARN


def gx_check_name(suite: str) -> str:
    return f"gx_{suite}"


def docs_root() -> os.PathLike:
    return load_settings().paths.quality_dir


SPECS = [
    *[
        dg.AssetCheckSpec(
            gx_check_name(s.name),
            asset=dg.AssetKey(list(s.asset_key)),
            blocking=s.blocking,
            description=f"Great Expectations suite `{s.name}` on {s.table}"
            + (" (blocking)." if s.blocking else "."),
        )
        for s in SUITES
    ],
    dg.AssetCheckSpec(
        CHECK_INTEGRITY,
        asset=REGION_MONTHS,
        description="No region's reported on-time figure failed integrity (verdict beautified). "
        "Failures carry the region-months, gap, p-value, staff and evidence.",
    ),
    dg.AssetCheckSpec(
        CHECK_MARKED,
        asset=REGION_MONTHS,
        blocking=True,
        description="Every failed reported figure is marked failed, with evidence, and its "
        "trusted rate is the verified one: no integrity failure passes silently.",
    ),
]


def _asset_key_str(key: tuple[str, ...] | dg.AssetKey) -> str:
    return key.to_user_string() if isinstance(key, dg.AssetKey) else "/".join(key)


def _read_region_months(database_path: str):
    with duckdb.connect(database_path, read_only=True) as con:
        return con.execute(f"select * from {REGION_MONTHS.to_user_string().replace('/', '.')}").df()


@dg.multi_asset_check(
    specs=SPECS,
    name="quality_checks",
    pool=WRITER_POOL,
    description="Great Expectations suites and fulfillment-integrity checks, after dbt.",
)
def quality_checks(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    run_id = context.op_execution_context.run_id
    # Never raise: a check that cannot run reports itself failed, with the reason.
    try:
        frames, keys, errors = load_frames(warehouse.database)
        suites = run_suites(frames, keys, docs_root(), errors=errors)
    except Exception as e:  # noqa: BLE001 - reported as failed checks
        context.log.error(f"Great Expectations suites could not run: {e!r}")
        suites = [
            SuiteResult(s.name, s.asset_key, s.blocking, False, 0, 0, [], f"{e!r}") for s in SUITES
        ]
    docs = str(data_docs_index(docs_root()))
    outcomes: list[CheckOutcome] = []
    results: list[dg.AssetCheckResult] = []
    for r in suites:
        severity = dg.AssetCheckSeverity.ERROR if r.blocking else dg.AssetCheckSeverity.WARN
        summary = r.error or f"{r.evaluated - len(r.failed)}/{r.evaluated} expectations met"
        outcomes.append(
            CheckOutcome(
                gx_check_name(r.suite),
                _asset_key_str(r.asset_key),
                r.success,
                r.blocking,
                severity.value,
                summary,
                {"failed": r.failed, "rows": r.rows, "error": r.error},
            )
        )
        results.append(
            dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(r.asset_key)),
                check_name=gx_check_name(r.suite),
                passed=r.success,
                severity=severity,
                metadata={
                    "rows": r.rows,
                    "expectations": r.evaluated,
                    "failed_expectations": dg.MetadataValue.json(r.failed),
                    "error": r.error or "",
                    "data_docs": dg.MetadataValue.path(docs),
                },
            )
        )

    try:
        region_months = _read_region_months(warehouse.database)
        read_error = None
    except Exception as e:  # noqa: BLE001 - reported as failed checks
        region_months, read_error = None, f"{type(e).__name__}: {e}"
    if region_months is None:
        failed = unmarked = None
        counts: dict[str, int] = {}
        integrity_passed = marked_passed = False
    else:
        try:
            failed = integrity.failed_figures(region_months)
            unmarked = integrity.unmarked_failures(region_months)
            counts = integrity.verdict_counts(region_months)
            integrity_passed, marked_passed = failed.empty, unmarked.empty
        except Exception as e:  # noqa: BLE001 - reported as failed checks
            read_error = f"{type(e).__name__}: {e}"
            failed = unmarked = None
            counts = {}
            integrity_passed = marked_passed = False
    summary = read_error or (
        f"{counts.get('beautified', 0)} failed, {counts.get('suspect', 0)} suspect, "
        f"{counts.get('ok', 0)} ok region-months"
    )
    if failed is not None and not failed.empty:
        context.log.error(
            f"{len(failed)} region-month reported figure(s) failed integrity: "
            + "; ".join(
                f"{r.region}/{r.business_unit}/{r.period_month} gap {r.gap_points:.1f} pts"
                for r in failed.head(10).itertuples()
            )
        )
    failed_records = [] if failed is None else failed.to_dict("records")
    integrity_severity = integrity_failure_severity()
    outcomes += [
        CheckOutcome(
            CHECK_INTEGRITY,
            REGION_MONTHS.to_user_string(),
            integrity_passed,
            False,
            integrity_severity.value,
            summary,
            {"failed_region_months": failed_records, "verdicts": counts},
        ),
        CheckOutcome(
            CHECK_MARKED,
            REGION_MONTHS.to_user_string(),
            marked_passed,
            True,
            "ERROR",
            read_error or f"{0 if unmarked is None else len(unmarked)} unmarked failure(s)",
            {"unmarked": [] if unmarked is None else unmarked.to_dict("records")},
        ),
    ]
    results += [
        dg.AssetCheckResult(
            asset_key=REGION_MONTHS,
            check_name=CHECK_INTEGRITY,
            passed=integrity_passed,
            severity=integrity_severity,
            description=summary,
            metadata={
                "failed_region_months": len(failed_records),
                "suspect_region_months": counts.get("suspect", 0),
                "ok_region_months": counts.get("ok", 0),
                "evidence": dg.MetadataValue.md(read_error or integrity.markdown_table(failed)),
                "how_to_read": "marts.fct_integrity_region_months (verdict, evidence, points_*) "
                "and marts.fct_integrity_order_signals (orders, staff, evidence)",
            },
        ),
        dg.AssetCheckResult(
            asset_key=REGION_MONTHS,
            check_name=CHECK_MARKED,
            passed=marked_passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "unmarked_failures": dg.MetadataValue.md(
                    read_error or integrity.markdown_table(unmarked)
                ),
            },
        ),
    ]
    # Read-only connections are closed; dbt is done: record for the publisher.
    try:
        with warehouse.connect() as con:
            record(con, run_id, outcomes)
    except Exception as e:  # noqa: BLE001 - the checks below still report
        context.log.error(f"could not record quality.check_results: {e!r}")
    context.log.info(
        f"quality checks recorded in quality.check_results for run {run_id}: "
        f"blocking passed = {evaluate_blocking(outcomes)}; Data Docs: {docs}"
    )
    yield from results


quality_asset_checks = [quality_checks]
