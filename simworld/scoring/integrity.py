"""Score the fulfillment-integrity marts against the demo generator's ground truth.

    python -m simworld.scoring.integrity --data-dir DIR [--db WAREHOUSE] [--json OUT]

DIR is a directory written by `python -m simworld.generate` (its `ground_truth/`
is read here, never by the pipeline) on which the warehouse was built. Reports:

- region-months: recall of beautified region-months (verdict suspect or
  beautified), false-positive rate on clean region-months (no actor at work),
  both overall and per pattern;
- orders: precision and recall of the per-order signals of patterns 1-3
  (recall also over verifiable orders only: confirmed or scanned).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import pandas as pd

from cx_settings import load_settings

FLAGGED = ("suspect", "beautified")
# Ground-truth pattern -> the mart's own flag for it (is the right reason given?).
PATTERN_FLAGS = {
    "promise_moved": "flag_promise_moved",
    "delivery_recorded_early": "flag_delivery_recorded_early",
    "cancel_recreate": "flag_cancel_recreate",
    "cherry_picked_denominator": "flag_cherry_picked_denominator",
    "too_perfect_report": "flag_too_perfect_report",
    "survey_gaming": "flag_survey_gaming",
}
ORDER_SIGNALS = {
    "promise_moved": "promise_moved_after_due",
    "delivery_recorded_early": "delivery_recorded_early",
    "cancel_recreate": "cancel_recreate_late",
}


def ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def region_month_scores(verdicts: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """verdicts: region, business_unit, period_month, verdict; truth: region_months.parquet."""
    flags = [c for c in PATTERN_FLAGS.values() if c in verdicts.columns]
    v = verdicts[["region", "business_unit", "period_month", "verdict", *flags]]
    t = truth.merge(v, on=["region", "business_unit", "period_month"], how="left")
    t["flagged"] = t.verdict.isin(FLAGGED)
    clean = t[t.patterns.fillna("") == ""]
    beautified = t[t.beautified]
    out = {
        "region_months": len(t),
        "beautified": len(beautified),
        "beautified_flagged": int(beautified.flagged.sum()),
        "recall": ratio(beautified.flagged.sum(), len(beautified)),
        "beautified_verdict_beautified": ratio(
            (beautified.verdict == "beautified").sum(), len(beautified)
        ),
        "clean": len(clean),
        "clean_flagged": int(clean.flagged.sum()),
        "clean_false_positive_rate": ratio(clean.flagged.sum(), len(clean)),
        "actor_months_unchanged": int((t.manipulation_active & ~t.beautified).sum()),
        "missed": beautified.loc[
            ~beautified.flagged, ["region", "business_unit", "period_month", "patterns"]
        ].to_dict("records"),
        "clean_flagged_cells": clean.loc[
            clean.flagged, ["region", "business_unit", "period_month", "verdict"]
        ].to_dict("records"),
        "per_pattern": {},
    }
    names = sorted({p for ps in t.patterns.fillna("") for p in ps.split(",") if p})
    for name in names:
        cells = beautified[beautified.patterns.str.split(",").apply(lambda ps, n=name: n in ps)]
        if name == "survey_gaming":
            cells = t[t.survey_gaming]
        out["per_pattern"][name] = {
            "region_months": len(cells),
            "flagged": int(cells.flagged.sum()),
            "recall": ratio(cells.flagged.sum(), len(cells)),
        }
        flag = PATTERN_FLAGS.get(name)
        if flag in t.columns:
            hit = cells[flag].fillna(False).astype(bool)
            out["per_pattern"][name]["own_flag_recall"] = ratio(hit.sum(), len(cells))
            out["per_pattern"][name]["own_flag_clean_rate"] = ratio(
                clean[flag].fillna(False).astype(bool).sum(), len(clean)
            )
    return out


def order_scores(signals: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """signals: source_system, chain_order_id, signal_code; truth: orders.parquet."""
    out = {}
    t = truth[["source_system", "order_id", "pattern", "verifiable"]]
    for pattern, code in ORDER_SIGNALS.items():
        s = signals.loc[signals.signal_code == code, ["source_system", "chain_order_id"]]
        s = s.drop_duplicates().rename(columns={"chain_order_id": "order_id"})
        f = s.merge(t, on=["source_system", "order_id"], how="left")
        tp = int((f.pattern == pattern).sum())
        positives = t[t.pattern == pattern]
        verifiable = positives[positives.verifiable]
        tp_verifiable = int(
            f.loc[f.pattern == pattern]
            .merge(verifiable[["source_system", "order_id"]], on=["source_system", "order_id"])
            .shape[0]
        )
        out[pattern] = {
            "truth": len(positives),
            "flagged": len(f),
            "true_positives": tp,
            "precision": ratio(tp, len(f)) if len(f) else (1.0 if not len(positives) else None),
            "recall": ratio(tp, len(positives)) if len(positives) else None,
            "recall_verifiable": ratio(tp_verifiable, len(verifiable)) if len(verifiable) else None,
        }
    return out


def _mae(cells: pd.DataFrame, column: str) -> dict:
    """Mean absolute error in points of `column` against the true on-time rate."""
    both = cells.dropna(subset=[column, "true_on_time_rate"])
    err = 100 * (both[column] - both.true_on_time_rate).abs()
    return {
        "cells": len(both),
        "mae_points": round(float(err.mean()), 3) if len(both) else None,
        "p90_points": round(float(err.quantile(0.9)), 3) if len(both) else None,
        "max_points": round(float(err.max()), 3) if len(both) else None,
    }


def landed_cells(orders: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The true on-time rate per region x business unit x month as the warehouse can
    file it: by the business unit that reached the landing zone (an order whose
    latest export left it empty is filed under 'unknown'), orders by their valid
    promise's month, customer cancellations out. Touched = a pattern touched the
    world's cell."""
    o = orders[~orders.customer_cancelled].assign(
        business_unit=orders.landed_business_unit.fillna("unknown"),
        period_month=pd.to_datetime(orders.valid_promised_date).dt.strftime("%Y-%m"),
    )
    cells = o.groupby(["region", "business_unit", "period_month"], as_index=False).agg(
        orders_due_true=("order_id", "size"), orders_on_time_true=("true_on_time", "sum")
    )
    cells["true_on_time_rate"] = cells.orders_on_time_true / cells.orders_due_true
    touched = truth.assign(touched=truth.patterns.fillna("") != "")[
        ["region", "business_unit", "period_month", "touched"]
    ]
    cells = cells.merge(touched, on=["region", "business_unit", "period_month"], how="left")
    return cells.assign(touched=cells.touched.fillna(False).astype(bool))


def rate_scores(rates: pd.DataFrame, truth: pd.DataFrame, orders: pd.DataFrame) -> dict:
    """Verified on-time rate and rate of record against what customers lived.

    rates: fct_fulfillment_nps_region_months (region, business_unit,
    period_month, verified_on_time_rate, on_time_rate_of_record,
    is_provisional), with business_unit 'all' rows for whole regions.
    truth: region_months.parquet. Scored per region x month (whole region)
    and per region x business unit x month, on complete months; a cell is
    "honest" when no pattern touched it, "manipulated" otherwise. Provisional
    months are scored apart.
    """
    t = truth.assign(touched=truth.patterns.fillna("") != "")
    whole = (
        t.groupby(["region", "period_month"], as_index=False)
        .agg(
            orders_due_true=("orders_due_true", "sum"),
            orders_on_time_true=("orders_on_time_true", "sum"),
            touched=("touched", "max"),
        )
        .assign(business_unit="all")
    )
    whole["true_on_time_rate"] = whole.orders_on_time_true / whole.orders_due_true.where(
        whole.orders_due_true > 0
    )
    keys = ["region", "business_unit", "period_month"]
    cols = [*keys, "true_on_time_rate", "touched"]

    def scored(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        m = cells[cols].merge(rates, on=keys, how="inner")
        provisional = m.is_provisional.fillna(False).astype(bool)
        return m[~provisional], m[provisional]

    def scores(verified_cells: pd.DataFrame, record_cells: pd.DataFrame) -> dict:
        complete, provisional = scored(verified_cells)
        record, _ = scored(record_cells)
        return {
            "verified_honest": _mae(complete[~complete.touched], "verified_on_time_rate"),
            "verified_manipulated": _mae(complete[complete.touched], "verified_on_time_rate"),
            "verified_all": _mae(complete, "verified_on_time_rate"),
            "record_all": _mae(record, "on_time_rate_of_record"),
            "record_manipulated": _mae(record[record.touched], "on_time_rate_of_record"),
            "verified_provisional": _mae(provisional, "verified_on_time_rate"),
        }

    # The verified rate is computed from the orders as they landed, so it is scored
    # against the truth of the same orders; the rate of record speaks for the
    # world's cell (a region reports its business units whole), so it is scored
    # against the world's cells.
    return {
        "region_month": scores(whole, whole),
        "region_bu_month": scores(landed_cells(orders, t), t),
    }


def evaluate(data_dir: Path, db: Path) -> dict:
    truth = data_dir / "ground_truth"
    with duckdb.connect(str(db), read_only=True) as con:
        verdicts = con.execute(
            "select region, business_unit, period_month, verdict, "
            + ", ".join(PATTERN_FLAGS.values())
            + " from marts.fct_integrity_region_months"
        ).df()
        signals = con.execute(
            "select source_system, chain_order_id, signal_code "
            "from marts.fct_integrity_order_signals"
        ).df()
        rates = con.execute(
            "select region, business_unit, strftime(period_month_start, '%Y-%m') as period_month, "
            "verified_on_time_rate, on_time_rate_of_record, is_provisional "
            "from marts.fct_fulfillment_nps_region_months"
        ).df()
    region_truth = pd.read_parquet(truth / "region_months.parquet")
    orders = pd.read_parquet(truth / "orders.parquet")
    return {
        "data_dir": str(data_dir),
        "region_months": region_month_scores(verdicts, region_truth),
        "rates": rate_scores(rates, region_truth, orders),
        "orders": order_scores(signals, orders),
    }


def render(result: dict) -> str:
    rm = result["region_months"]
    lines = [
        f"region-months: {rm['region_months']}  beautified {rm['beautified']}  clean {rm['clean']}",
        f"  recall (suspect|beautified) {rm['recall']}  "
        f"clean false-positive rate {rm['clean_false_positive_rate']} "
        f"({rm['clean_flagged']}/{rm['clean']})",
    ]
    for name, p in rm["per_pattern"].items():
        lines.append(
            f"  {name:<28} recall {p['recall']}  ({p['flagged']}/{p['region_months']})"
            f"  own flag recall {p.get('own_flag_recall')}"
            f"  own flag on clean {p.get('own_flag_clean_rate')}"
        )
    lines.append("on-time rates vs truth (complete months, MAE / p90 / max in points, cells):")
    for level, scores in result.get("rates", {}).items():
        for name, sc in scores.items():
            lines.append(
                f"  {level:<16} {name:<22} {sc['mae_points']} / {sc['p90_points']} / "
                f"{sc['max_points']}  ({sc['cells']})"
            )
    lines.append("orders:")
    for name, o in result["orders"].items():
        lines.append(
            f"  {name:<28} precision {o['precision']}  recall {o['recall']}  "
            f"recall_verifiable {o['recall_verifiable']}  (flagged {o['flagged']}, "
            f"truth {o['truth']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--db", type=Path, default=None, help="default: setting paths.duckdb_path")
    ap.add_argument("--json", type=Path, default=None, help="also write the scores as JSON")
    args = ap.parse_args(argv)
    result = evaluate(args.data_dir, args.db or load_settings().paths.duckdb_path)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
