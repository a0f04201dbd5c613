"""Fulfillment integrity end to end on the small demo data (seed 42), built by
the real Dagster job: verdicts and per-order signals against the generator's
ground truth, the subtle and the clean worlds, and the checks in the run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from quality.gx_suites import SUITES, data_docs_index
from quality.results import blocking_checks_passed
from simworld.scoring.integrity import evaluate
from tests.pipeline import check_results

pytestmark = pytest.mark.e2e

ORDER_PATTERNS = ("promise_moved", "delivery_recorded_early", "cancel_recreate")


def evaluations(result) -> dict[str, object]:
    return {e.check_name: e for e in check_results(result)}


@pytest.fixture(scope="module")
def scores(small_warehouse):
    return evaluate(Path(small_warehouse["data"]), Path(small_warehouse["db"]))


def test_beautified_region_months_are_flagged(scores):
    rm = scores["region_months"]
    assert rm["beautified"] >= 10
    assert rm["recall"] >= 0.95, rm["missed"]
    assert rm["clean_false_positive_rate"] <= 0.02, rm["clean_flagged_cells"]
    for name, p in rm["per_pattern"].items():
        assert p["recall"] >= 0.95 or p["region_months"] == 0, (name, p)


def test_verified_on_time_matches_what_customers_lived(scores):
    """Per region-month (whole region, complete months), against the ground truth."""
    rates = scores["rates"]["region_month"]
    assert rates["verified_honest"]["cells"] > 50
    assert rates["verified_honest"]["mae_points"] <= 1.0, rates
    assert rates["verified_manipulated"]["mae_points"] <= 1.5, rates
    cells = scores["rates"]["region_bu_month"]
    assert cells["record_all"]["mae_points"] <= 1.5, cells


@pytest.mark.parametrize("pattern", ORDER_PATTERNS)
def test_order_signals_precision_and_recall(scores, pattern):
    s = scores["orders"][pattern]
    assert s["truth"] > 0
    assert s["precision"] >= 0.95, s
    assert s["recall"] >= 0.95, s


def test_region_month_mart_marks_failed_figures(small_warehouse):
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        failed = con.execute(
            """select count(*),
                      count(*) filter (where rate_of_record is distinct from
                                       verified_on_time_rate),
                      count(*) filter (where coalesce(evidence, '') = '')
               from marts.fct_integrity_region_months where is_reported_figure_failed"""
        ).fetchone()
        # No region-month is published at its reported figure unless its verdict is ok.
        published_reported = con.execute(
            """select count(*) filter (where verdict <> 'ok'),
                      count(*) filter (where verdict = 'ok')
               from marts.fct_integrity_region_months
               where rate_of_record_source = 'reported'"""
        ).fetchone()
        explained = con.execute(
            """select sum(points_promise_moved + points_delivery_recorded_early
                          + points_cancel_recreate + points_cherry_picked_denominator)
               from marts.fct_integrity_region_months where verdict = 'beautified'"""
        ).fetchone()[0]
        staff = con.execute(
            "select count(distinct staff_id) from marts.fct_integrity_order_signals "
            "where is_proven_pattern and staff_role = 'actor'"
        ).fetchone()[0]
    assert failed[0] > 0 and failed[1] == 0 and failed[2] == 0
    assert published_reported[0] == 0 and published_reported[1] > 0
    assert explained > 0
    assert staff >= 1


def test_checks_in_the_run(small_warehouse):
    evals = evaluations(small_warehouse["second"])
    for suite in SUITES:
        assert evals[f"gx_{suite.name}"].passed, suite.name
    integrity_check = evals["reported_figures_integrity"]
    assert not integrity_check.passed  # the demo world beautifies: never a silent pass
    assert integrity_check.metadata["failed_region_months"].value > 0
    assert "|" in integrity_check.metadata["evidence"].value  # the evidence table
    assert evals["integrity_failures_marked"].passed
    run_id = small_warehouse["second"].run_id
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        status = blocking_checks_passed(con)
        rows = con.execute(
            "select count(*) from quality.check_results where run_id = ?", [run_id]
        ).fetchone()[0]
    assert status.run_id == run_id and status.passed
    assert rows == len(SUITES) + 2
    assert data_docs_index(Path(small_warehouse["data"]) / "quality").exists()


# The subtle and clean worlds each need a build of their own (~60 s): slow tier.
@pytest.mark.slow
def test_subtle_manipulation_is_detected(subtle_warehouse):
    s = evaluate(Path(subtle_warehouse["data"]), Path(subtle_warehouse["db"]))
    rm = s["region_months"]
    assert rm["beautified"] >= 1
    assert rm["recall"] >= 0.95, rm["missed"]
    assert rm["clean_false_positive_rate"] <= 0.02, rm["clean_flagged_cells"]
    for pattern in ORDER_PATTERNS:
        o = s["orders"][pattern]
        assert o["truth"] == 0 or (o["recall"] >= 0.95 and o["precision"] >= 0.95), o


@pytest.mark.slow
def test_clean_world_gives_no_alarm(clean_warehouse):
    s = evaluate(Path(clean_warehouse["data"]), Path(clean_warehouse["db"]))
    assert s["region_months"]["clean_flagged"] == 0, s["region_months"]["clean_flagged_cells"]
    with duckdb.connect(clean_warehouse["db"], read_only=True) as con:
        proven = con.execute(
            "select count(*) from marts.fct_integrity_order_signals where is_proven_pattern"
        ).fetchone()[0]
        verdicts = dict(
            con.execute(
                "select verdict, count(*) from marts.fct_integrity_region_months group by 1"
            ).fetchall()
        )
    assert proven == 0
    assert set(verdicts) == {"ok"}
    rates = s["rates"]["region_month"]
    assert rates["verified_all"]["mae_points"] <= 1.0, rates
    evals = evaluations(clean_warehouse["result"])
    assert evals["reported_figures_integrity"].passed
    assert evals["integrity_failures_marked"].passed
