"""Great Expectations suites on raw tables and the integrity marts.

GX 1.x cannot validate DuckDB through its SQL datasource (STACK_NOTES), and
pulling whole tables into pandas for it took minutes at a million orders. So
each suite's query computes in DuckDB what its expectations judge, and GX
validates that small frame:

- raw suites validate a *per-file profile*: one row per landing file with its
  row count and, per column, how many values are missing or malformed. An
  expectation is "0 missing in every file", and a failure names the files.
- `marts_fct_integrity_order_signals` gets `order_exists`, an `exists` probe
  against staging computed in DuckDB (an in-set of a million keys in GX took
  minutes);
- `marts_fct_integrity_region_months` is small (one row per reported cell)
  and is validated as it is.

`load_frames` runs the queries through one short-lived read-only connection
(open, read, close: a held connection would block the next writer);
`run_suites` validates them with a file-backed GX context (results stored,
Data Docs built once per run) in
`<docs_root>/gx/uncommitted/data_docs/local_site/index.html`.
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
    """One GX suite: the table it is about, the Dagster asset it belongs to, the
    DuckDB query whose result GX validates, whether a failure blocks publishing,
    and its expectations (built from key sets read with the same connection)."""

    name: str
    table: str
    asset_key: tuple[str, ...]
    sql: str
    expectations: Expectations
    blocking: bool = False
    key_sets: dict[str, str] = field(default_factory=dict)  # name -> SQL returning one column


# Per-file profile checks: (column, "missing" | regex the value must match).
ProfileRule = tuple[str, str]


def file_profile(table: str, rules: tuple[ProfileRule, ...], *extra: str) -> str:
    """One row per loaded file: `rows`, per rule `<column>_missing` (null or blank)
    or `<column>_malformed` (present but not matching the regex), then `extra`
    measures (SQL aggregate expressions with their alias)."""
    measures = ["count(*) as rows"]
    for column, rule in rules:
        if rule == "missing":
            measures.append(
                f"count(*) filter (where nullif(trim({column}), '') is null) as {column}_missing"
            )
        else:
            pattern = rule.replace("'", "''")
            measures.append(
                f"count(*) filter (where nullif(trim({column}), '') is not null"
                f" and not regexp_matches({column}, '{pattern}')) as {column}_malformed"
            )
    measures += extra
    return (
        "select _file_path as file_path, "
        + ", ".join(measures)
        + f" from {table} group by _file_path order by _file_path"
    )


def _profile_columns(rules: tuple[ProfileRule, ...]) -> list[str]:
    return [f"{c}_missing" if r == "missing" else f"{c}_malformed" for c, r in rules]


def _none_in_any_file(rules: tuple[ProfileRule, ...]) -> list:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0)
        for c in _profile_columns(rules)
    ]


def _some_rows() -> list:
    import great_expectations.expectations as gxe

    # At least one file, and no file loaded empty.
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="rows", min_value=1),
    ]


DATE = r"^\s*\d{4}-\d{2}-\d{2}"
ORDERS_RULES: tuple[ProfileRule, ...] = (
    ("source_system", "missing"),
    ("order_id", "missing"),
    ("promised_date", "missing"),
    ("promised_date", DATE),
    ("status", r"(?i)^\s*(open|delivered|cancelled)\s*$"),
)
DELIVERIES_RULES: tuple[ProfileRule, ...] = (
    ("order_id", "missing"),
    ("delivered_at", "missing"),
    ("entry_channel", r"(?i)^\s*(scan|manual)\s*$"),
)
CONFIRMATIONS_RULES: tuple[ProfileRule, ...] = (
    ("order_id", "missing"),
    ("received_date", "missing"),
    ("received_date", DATE),
)
PROMISE_CHANGES_RULES: tuple[ProfileRule, ...] = (
    ("order_id", "missing"),
    ("old_promised_date", "missing"),
    ("new_promised_date", "missing"),
    ("changed_at", "missing"),
)
REPORTS_RULES: tuple[ProfileRule, ...] = (
    ("region", "missing"),
    ("period_month", "missing"),
    ("period_month", r"^\s*\d{4}-\d{2}\s*$"),
    ("orders_due", "missing"),
    ("orders_due", r"^\s*\d+\s*$"),
)


def _raw_orders(_: dict[str, set]) -> list:
    return [*_some_rows(), *_none_in_any_file(ORDERS_RULES)]


DELIVERIES_SQL = file_profile(
    "raw.fulfillment__deliveries",
    DELIVERIES_RULES,
    "count(*) filter (where lower(trim(entry_channel)) = 'manual') as manual_rows",
    "count(*) filter (where lower(trim(entry_channel)) = 'scan') as scan_rows",
)


def _raw_deliveries(_: dict[str, set]) -> list:
    import great_expectations.expectations as gxe

    return [
        *_some_rows(),
        *_none_in_any_file(DELIVERIES_RULES),
        # Patterns 2 and "recorded long after due" live on manual entries, and the
        # verified history on scans: a feed that is all-manual or all-scan has changed
        # shape (a scanner integration gone, or manual entry switched off).
        gxe.ExpectColumnSumToBeBetween(column="manual_rows", min_value=1),
        gxe.ExpectColumnSumToBeBetween(column="scan_rows", min_value=1),
    ]


def _raw_confirmations(_: dict[str, set]) -> list:
    return _none_in_any_file(CONFIRMATIONS_RULES)


def _raw_promise_changes(_: dict[str, set]) -> list:
    return _none_in_any_file(PROMISE_CHANGES_RULES)


def _raw_reports(_: dict[str, set]) -> list:
    return [*_some_rows(), *_none_in_any_file(REPORTS_RULES)]


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
        # Every signal's order exists in staging (probed in DuckDB, see ORDER_SIGNALS_SQL).
        gxe.ExpectColumnValuesToBeInSet(column="order_exists", value_set=[True]),
    ]


REGION_MONTH_COLUMNS = (
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
)

ORDER_SIGNALS_SQL = """
select
    s.source_system,
    s.chain_order_id,
    s.signal_code,
    s.pattern_number,
    s.evidence,
    s.period_month_start,
    exists (
        select 1 from staging.stg_fulfillment__orders as o where o.order_id = s.chain_order_id
    ) as order_exists
from marts.fct_integrity_order_signals as s
"""

SUITES: tuple[Suite, ...] = (
    Suite(
        "raw_fulfillment_orders",
        "raw.fulfillment__orders",
        ("raw", "fulfillment", "orders"),
        file_profile("raw.fulfillment__orders", ORDERS_RULES),
        _raw_orders,
    ),
    Suite(
        "raw_fulfillment_deliveries",
        "raw.fulfillment__deliveries",
        ("raw", "fulfillment", "deliveries"),
        DELIVERIES_SQL,
        _raw_deliveries,
    ),
    Suite(
        "raw_fulfillment_confirmations",
        "raw.fulfillment__confirmations",
        ("raw", "fulfillment", "confirmations"),
        file_profile("raw.fulfillment__confirmations", CONFIRMATIONS_RULES),
        _raw_confirmations,
    ),
    Suite(
        "raw_fulfillment_promise_changes",
        "raw.fulfillment__promise_changes",
        ("raw", "fulfillment", "promise_changes"),
        file_profile("raw.fulfillment__promise_changes", PROMISE_CHANGES_RULES),
        _raw_promise_changes,
    ),
    Suite(
        "raw_fulfillment_regional_reports",
        "raw.fulfillment__regional_reports",
        ("raw", "fulfillment", "regional_reports"),
        file_profile("raw.fulfillment__regional_reports", REPORTS_RULES),
        _raw_reports,
    ),
    Suite(
        "marts_fct_integrity_region_months",
        "marts.fct_integrity_region_months",
        ("marts", "fct_integrity_region_months"),
        f"select {', '.join(REGION_MONTH_COLUMNS)} from marts.fct_integrity_region_months",
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
        ORDER_SIGNALS_SQL,
        _order_signals,
        blocking=True,
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
    """Run every suite's query and read its key sets through one read-only
    connection, closed before returning. A query that fails is reported as an error."""
    frames: dict[str, pd.DataFrame] = {}
    keys: dict[str, dict[str, set]] = {}
    errors: dict[str, str] = {}
    with duckdb.connect(str(database_path), read_only=True) as con:
        for s in suites:
            try:
                frames[s.name] = con.execute(s.sql).df()
                keys[s.name] = {
                    k: {r[0] for r in con.execute(sql).fetchall()} for k, sql in s.key_sets.items()
                }
            except duckdb.Error as e:
                errors[s.name] = f"{type(e).__name__}: {e}"
    return frames, keys, errors


def offending_files(df: pd.DataFrame, expectation: str, kwargs: dict) -> list[str]:
    """For a per-file profile, the files whose measure broke a between-expectation
    (the first 20), so a warning says which export to look at."""
    column = kwargs.get("column")
    if (
        expectation != "expect_column_values_to_be_between"
        or "file_path" not in df.columns
        or column not in df.columns
    ):
        return []
    values = df[column]
    bad = pd.Series(False, index=df.index)
    if kwargs.get("min_value") is not None:
        bad |= values < kwargs["min_value"]
    if kwargs.get("max_value") is not None:
        bad |= values > kwargs["max_value"]
    return df.loc[bad, "file_path"].head(20).astype(str).tolist()


def _context(docs_root: Path):
    import great_expectations as gx

    docs_root.mkdir(parents=True, exist_ok=True)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="file", project_root_dir=str(docs_root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


# Validation results (and their Data Docs pages) kept per suite: an hourly build
# would otherwise add seven files an hour, and every Data Docs build re-renders them all.
KEEP_RESULTS = 48


def prune_results(docs_root: Path, keep: int = KEEP_RESULTS) -> int:
    """Delete all but the newest `keep` stored results of each suite, in the store
    and in the Data Docs site; returns how many files were deleted."""
    base = docs_root / "gx" / "uncommitted"
    deleted = 0
    for root in (base / "validations", base / "data_docs" / "local_site" / "validations"):
        if not root.is_dir():
            continue
        for suite_dir in (d for d in root.iterdir() if d.is_dir()):
            runs = sorted(
                (f for f in suite_dir.rglob("*") if f.is_file()),
                key=lambda f: f.stat().st_mtime_ns,
                reverse=True,
            )
            for f in runs[keep:]:
                f.unlink()
                deleted += 1
            for d in sorted(suite_dir.rglob("*"), key=lambda d: len(d.parts), reverse=True):
                if d.is_dir() and not any(d.iterdir()):
                    d.rmdir()
    return deleted


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
                    "files": offending_files(df, cfg.type, cfg.kwargs),
                }
            )
        out.append(
            SuiteResult(
                s.name, s.asset_key, s.blocking, bool(result.success), len(df), evaluated, failed
            )
        )
    prune_results(docs_root, KEEP_RESULTS)
    ctx.build_data_docs()
    return out
