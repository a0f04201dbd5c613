"""Great Expectations suites on raw tables and the integrity marts.

GX 1.x cannot validate DuckDB through its SQL datasource (STACK_NOTES), so
every suite validates a pandas DataFrame: `load_frames` reads what the suites
need through one short-lived read-only connection (open, read, close: a held
connection would block the next writer), then `run_suites` validates them
with a file-backed GX context (results stored, Data Docs built once per run) in
`<docs_root>/gx/uncommitted/data_docs/local_site/index.html`.

Referential links (every signal's order exists in staging, every verdict's
region was reported) are `expect_column_values_to_be_in_set` against the key
set read from the parent table in the same connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

VERDICTS = ["ok", "suspect", "beautified"]
SIGNAL_CODES = [
    "promise_moved_after_due",
    "delivery_recorded_early",
    "cancel_recreate_late",
    "late_record_no_scan",
    "in_full_contradicted",
]

Expectations = Callable[[dict[str, set]], list]


@dataclass(frozen=True)
class Suite:
    """One GX suite: the table it validates, the Dagster asset it belongs to,
    whether a failure blocks publishing, and its expectations (built from the
    key sets of parent tables for referential links)."""

    name: str
    table: str
    asset_key: tuple[str, ...]
    columns: tuple[str, ...]
    expectations: Expectations
    blocking: bool = False
    key_sets: dict[str, str] = field(default_factory=dict)  # name -> SQL returning one column


def _raw_orders(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="source_system"),
        gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="promised_date"),
        gxe.ExpectColumnValuesToMatchRegex(column="promised_date", regex=r"^\d{4}-\d{2}-\d{2}"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="status", regex=r"(?i)^\s*(open|delivered|cancelled)\s*$"
        ),
    ]


def _raw_deliveries(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="delivered_at"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="entry_channel", regex=r"(?i)^\s*(scan|manual)\s*$"
        ),
        # Manual entries are what patterns 2 and "recorded long after due" live on;
        # a feed that suddenly is all-manual (or all-scan) has changed shape.
        gxe.ExpectColumnProportionOfUniqueValuesToBeBetween(column="entry_channel", max_value=1.0),
    ]


def _raw_confirmations(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="received_date"),
        gxe.ExpectColumnValuesToMatchRegex(column="received_date", regex=r"^\d{4}-\d{2}-\d{2}"),
    ]


def _raw_promise_changes(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="old_promised_date"),
        gxe.ExpectColumnValuesToNotBeNull(column="new_promised_date"),
        gxe.ExpectColumnValuesToNotBeNull(column="changed_at"),
    ]


def _raw_reports(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="region"),
        gxe.ExpectColumnValuesToMatchRegex(column="period_month", regex=r"^\d{4}-\d{2}$"),
        gxe.ExpectColumnValuesToNotBeNull(column="orders_due"),
        gxe.ExpectColumnValuesToMatchRegex(column="orders_due", regex=r"^\s*\d+\s*$"),
    ]


# Reported cells below which the region-month distribution expectations are not
# applied (the demo worlds have hundreds; a customer's first export may have a few).
DISTRIBUTION_MIN_REPORTS = 30


def _region_months(keys: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    rates = ["reported_on_time_rate", "verified_on_time_rate", "defensible_on_time_rate"]
    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["region", "business_unit", "period_month_start"]
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="verdict"),
        gxe.ExpectColumnValuesToBeInSet(column="verdict", value_set=VERDICTS),
        gxe.ExpectColumnValuesToNotBeNull(column="is_reported_figure_failed"),
        gxe.ExpectColumnValuesToNotBeNull(column="period_month_start"),
        gxe.ExpectColumnValuesToBeInSet(column="region", value_set=sorted(keys["regions"])),
        *[gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1) for c in rates],
        gxe.ExpectColumnValuesToBeBetween(column="p_value", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="gap_points", min_value=-100, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="orders_due_verified", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="orders_due_reported", min_value=0),
        # One row per reported cell: a report never goes missing from the mart.
        gxe.ExpectTableRowCountToEqual(value=len(keys["reported_cells"])),
        # Distribution, once there are enough reports for one to mean anything: most
        # reports have a verified history behind them, and the verified on-time rate
        # is not below one half on average. A handful of reports (a new region, a
        # small export) may legitimately have no orders loaded yet.
        *(
            [
                gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                    column="verified_on_time_rate", min_value=0.9
                ),
                gxe.ExpectColumnMeanToBeBetween(
                    column="verified_on_time_rate", min_value=0.5, max_value=1
                ),
            ]
            if len(keys["reported_cells"]) >= DISTRIBUTION_MIN_REPORTS
            else []
        ),
    ]


def _order_signals(keys: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["source_system", "chain_order_id", "signal_code"]
        ),
        gxe.ExpectColumnValuesToBeInSet(column="signal_code", value_set=SIGNAL_CODES),
        gxe.ExpectColumnValuesToBeInSet(column="pattern_number", value_set=[1, 2, 3]),
        gxe.ExpectColumnValuesToNotBeNull(column="evidence"),
        gxe.ExpectColumnValuesToNotBeNull(column="period_month_start"),
        gxe.ExpectColumnValuesToBeInSet(column="chain_order_id", value_set=sorted(keys["orders"])),
    ]


SUITES: tuple[Suite, ...] = (
    Suite(
        "raw_fulfillment_orders",
        "raw.fulfillment__orders",
        ("raw", "fulfillment", "orders"),
        ("source_system", "order_id", "promised_date", "status"),
        _raw_orders,
    ),
    Suite(
        "raw_fulfillment_deliveries",
        "raw.fulfillment__deliveries",
        ("raw", "fulfillment", "deliveries"),
        ("order_id", "delivered_at", "entry_channel"),
        _raw_deliveries,
    ),
    Suite(
        "raw_fulfillment_confirmations",
        "raw.fulfillment__confirmations",
        ("raw", "fulfillment", "confirmations"),
        ("order_id", "received_date"),
        _raw_confirmations,
    ),
    Suite(
        "raw_fulfillment_promise_changes",
        "raw.fulfillment__promise_changes",
        ("raw", "fulfillment", "promise_changes"),
        ("order_id", "old_promised_date", "new_promised_date", "changed_at"),
        _raw_promise_changes,
    ),
    Suite(
        "raw_fulfillment_regional_reports",
        "raw.fulfillment__regional_reports",
        ("raw", "fulfillment", "regional_reports"),
        ("region", "period_month", "orders_due"),
        _raw_reports,
    ),
    Suite(
        "marts_fct_integrity_region_months",
        "marts.fct_integrity_region_months",
        ("marts", "fct_integrity_region_months"),
        (
            "region",
            "business_unit",
            "period_month_start",
            "verdict",
            "is_reported_figure_failed",
            "reported_on_time_rate",
            "verified_on_time_rate",
            "defensible_on_time_rate",
            "p_value",
            "gap_points",
            "orders_due_verified",
            "orders_due_reported",
        ),
        _region_months,
        blocking=True,
        key_sets={
            "regions": "select distinct region from staging.stg_fulfillment__regional_reports",
            "reported_cells": (
                "select distinct region || '|' || business_unit || '|' || period_month"
                " from staging.stg_fulfillment__regional_reports"
                " where reported_orders_due is not null"
            ),
        },
    ),
    Suite(
        "marts_fct_integrity_order_signals",
        "marts.fct_integrity_order_signals",
        ("marts", "fct_integrity_order_signals"),
        (
            "source_system",
            "chain_order_id",
            "signal_code",
            "pattern_number",
            "evidence",
            "period_month_start",
        ),
        _order_signals,
        blocking=True,
        key_sets={"orders": "select distinct order_id from staging.stg_fulfillment__orders"},
    ),
)


@dataclass
class SuiteResult:
    suite: str
    asset_key: tuple[str, ...]
    blocking: bool
    success: bool
    rows: int
    evaluated: int
    failed: list[dict]
    error: str | None = None


def load_frames(
    database_path: str | Path, suites: tuple[Suite, ...] = SUITES
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, set]], dict[str, str]]:
    """Read every suite's columns and key sets through one read-only connection,
    closed before returning. A table that cannot be read is reported as an error."""
    frames: dict[str, pd.DataFrame] = {}
    keys: dict[str, dict[str, set]] = {}
    errors: dict[str, str] = {}
    with duckdb.connect(str(database_path), read_only=True) as con:
        for s in suites:
            try:
                cols = ", ".join(s.columns)
                frames[s.name] = con.execute(f"select {cols} from {s.table}").df()
                keys[s.name] = {
                    k: {r[0] for r in con.execute(sql).fetchall()} for k, sql in s.key_sets.items()
                }
            except duckdb.Error as e:
                errors[s.name] = f"{type(e).__name__}: {e}"
    return frames, keys, errors


def _context(docs_root: Path):
    import great_expectations as gx

    docs_root.mkdir(parents=True, exist_ok=True)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="file", project_root_dir=str(docs_root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def data_docs_index(docs_root: Path) -> Path:
    return docs_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def run_suites(
    frames: dict[str, pd.DataFrame],
    keys: dict[str, dict[str, set]],
    docs_root: Path,
    suites: tuple[Suite, ...] = SUITES,
    errors: dict[str, str] | None = None,
) -> list[SuiteResult]:
    """Validate each suite's DataFrame, store the results, then build the Data Docs once."""
    import great_expectations as gx

    ctx = _context(docs_root)
    source = ctx.data_sources.add_or_update_pandas("cx_warehouse")
    out = []
    for s in suites:
        if s.name not in frames:
            out.append(
                SuiteResult(
                    s.name,
                    s.asset_key,
                    s.blocking,
                    False,
                    0,
                    0,
                    [],
                    (errors or {}).get(s.name, "table not read"),
                )
            )
            continue
        df = frames[s.name]
        try:
            asset = source.get_asset(s.name)
        except LookupError:
            asset = source.add_dataframe_asset(s.name)
        try:
            batch = asset.get_batch_definition("whole")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(name=s.name, expectations=s.expectations(keys.get(s.name, {})))
        )
        validation = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=s.name, data=batch, suite=suite)
        )
        # Results are stored in the context; Data Docs are built once at the end.
        result = validation.run(
            batch_parameters={"dataframe": df}, result_format={"result_format": "SUMMARY"}
        )
        failed = []
        evaluated = 0
        for r in result.results:
            evaluated += 1
            if r.success:
                continue
            cfg = r.expectation_config
            failed.append(
                {
                    "expectation": cfg.type,
                    "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "value_set"},
                    "unexpected_count": (r.result or {}).get("unexpected_count"),
                    "observed_value": str((r.result or {}).get("observed_value"))[:200],
                    "exception": (r.exception_info or {}).get("exception_message"),
                }
            )
        out.append(
            SuiteResult(
                s.name, s.asset_key, s.blocking, bool(result.success), len(df), evaluated, failed
            )
        )
    ctx.build_data_docs()
    return out
