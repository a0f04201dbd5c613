"""Integrity of the reported fulfillment figures, as Dagster check outcomes.

Pure functions over the rows of marts.fct_integrity_region_months (a pandas
DataFrame), so they are unit-tested without a warehouse:

- `failed_figures`: region-months whose reported figure failed integrity
  (verdict beautified), with the evidence an auditor needs;
- `unmarked_failures`: figures the mart does not mark for publishing as it
  must (a beautified verdict not marked failed or without evidence; a
  verdict other than ok whose rate of record is the reported figure rather
  than the verified estimate). Publishing must stop on any of these: an
  integrity failure would pass silently.
"""

from __future__ import annotations

import pandas as pd

EVIDENCE_COLUMNS = [
    "region",
    "business_unit",
    "period_month",
    "orders_due_reported",
    "orders_due_verified",
    "reported_on_time_rate",
    "verified_on_time_rate",
    "gap_points",
    "p_value",
    "signal_staff_ids",
    "evidence",
]


def failed_figures(region_months: pd.DataFrame) -> pd.DataFrame:
    """Rows whose reported figure failed integrity, largest gap first."""
    failed = region_months[region_months.verdict == "beautified"]
    cols = [c for c in EVIDENCE_COLUMNS if c in failed.columns]
    return failed.sort_values("gap_points", ascending=False)[cols].reset_index(drop=True)


def verdict_counts(region_months: pd.DataFrame) -> dict[str, int]:
    counts = region_months.verdict.value_counts().to_dict()
    return {v: int(counts.get(v, 0)) for v in ("ok", "suspect", "beautified")}


def unmarked_failures(region_months: pd.DataFrame, tolerance: float = 1e-9) -> pd.DataFrame:
    """Region-months whose figure would reach readers wrongly marked.

    - a beautified verdict not marked failed, or without evidence;
    - a verdict other than ok whose rate of record is not the verified
      estimate (the reported figure published although something speaks
      against it);
    - a figure marked failed whose verdict is not beautified.
    """
    df = region_months
    not_ok = df.verdict != "ok"
    beautified = df.verdict == "beautified"
    failed_flag = df.is_reported_figure_failed.fillna(False).astype(bool)
    evidence = df.evidence.fillna("").astype(str).str.strip() != ""
    record = pd.to_numeric(df.rate_of_record, errors="coerce")
    verified = pd.to_numeric(df.verified_on_time_rate, errors="coerce")
    record_is_verified = (record.isna() & verified.isna()) | (
        (record - verified).abs() <= tolerance
    )
    wrong = (
        (beautified & (~failed_flag | ~evidence))
        | (not_ok & (~record_is_verified | (df.rate_of_record_source != "verified")))
        | (~beautified & failed_flag)
    )
    return df.loc[wrong, ["region", "business_unit", "period_month", "verdict"]].reset_index(
        drop=True
    )


def markdown_table(df: pd.DataFrame, limit: int = 50) -> str:
    """A markdown table of the first `limit` rows (Dagster metadata)."""
    if df.empty:
        return "_none_"
    shown = df.head(limit)

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v).replace("|", "/")

    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in shown.itertuples(False)]
    if len(df) > limit:
        lines.append(f"\n… and {len(df) - limit} more")
    return "\n".join(lines)
