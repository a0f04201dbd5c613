"""Integrity of the reported fulfillment figures, as Dagster check outcomes.

Pure functions over the rows of marts.fct_integrity_region_months (a pandas
DataFrame), so they are unit-tested without a warehouse:

- `failed_figures`: region-months whose reported figure failed integrity
  (verdict beautified), with the evidence an auditor needs;
- `unmarked_failures`: failed figures the mart does not mark for publishing
  (is_reported_figure_failed false, trusted rate not the verified one, no
  evidence). Publishing must stop on any of these: an integrity failure
  would pass silently.
"""

from __future__ import annotations

import math

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
    """Failed figures that would not reach readers marked as failed."""
    failed = region_months[region_months.verdict == "beautified"]

    def unmarked(row) -> bool:
        if not bool(row.is_reported_figure_failed):
            return True
        if not isinstance(row.evidence, str) or not row.evidence.strip():
            return True
        trusted, verified = row.trusted_on_time_rate, row.verified_on_time_rate
        if verified is None or (isinstance(verified, float) and math.isnan(verified)):
            return False  # nothing verified to publish instead; marked failed is enough
        return abs(float(trusted) - float(verified)) > tolerance

    mask = failed.apply(unmarked, axis=1) if len(failed) else pd.Series([], dtype=bool)
    marked_ok = region_months[
        (region_months.verdict != "beautified") & region_months.is_reported_figure_failed
    ]
    out = pd.concat([failed[mask.astype(bool)], marked_ok])
    return out[["region", "business_unit", "period_month", "verdict"]].reset_index(drop=True)


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
