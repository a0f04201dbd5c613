"""Fast tests of the integrity helpers: check outcomes, the publisher's status,
the scoring of verdicts against ground truth, and a GX suite on a DataFrame."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from quality import blocking, integrity, results
from simworld.scoring.integrity import order_scores, region_month_scores


def region_months(**overrides) -> pd.DataFrame:
    rows = [
        {
            "region": "East",
            "business_unit": "mro",
            "period_month": "2026-01",
            "verdict": "beautified",
            "is_reported_figure_failed": True,
            "reported_on_time_rate": 1.0,
            "verified_on_time_rate": 0.8,
            "rate_of_record": 0.8,
            "rate_of_record_source": "verified",
            "gap_points": 20.0,
            "p_value": 1e-6,
            "orders_due_reported": 50,
            "orders_due_verified": 50,
            "signal_staff_ids": "CLK-E01",
            "evidence": "reported 100% vs verified 80%",
        },
        {
            "region": "West",
            "business_unit": "mro",
            "period_month": "2026-01",
            "verdict": "ok",
            "is_reported_figure_failed": False,
            "reported_on_time_rate": 0.9,
            "verified_on_time_rate": 0.88,
            "rate_of_record": 0.9,
            "rate_of_record_source": "reported",
            "gap_points": 2.0,
            "p_value": 0.6,
            "orders_due_reported": 50,
            "orders_due_verified": 50,
            "signal_staff_ids": None,
            "evidence": "",
        },
    ]
    df = pd.DataFrame(rows)
    for col, value in overrides.items():
        df.loc[0, col] = value
    return df


def test_failed_figures_lists_beautified_with_evidence():
    failed = integrity.failed_figures(region_months())
    assert failed.region.tolist() == ["East"]
    assert failed.evidence.iloc[0].startswith("reported")
    assert integrity.verdict_counts(region_months()) == {"ok": 1, "suspect": 0, "beautified": 1}


def test_marked_failures_pass():
    assert integrity.unmarked_failures(region_months()).empty


@pytest.mark.parametrize(
    "overrides",
    [
        {"is_reported_figure_failed": False},
        {"evidence": ""},
        {"rate_of_record": 1.0},
        {"rate_of_record_source": "reported"},
    ],
)
def test_unmarked_failures_are_caught(overrides):
    unmarked = integrity.unmarked_failures(region_months(**overrides))
    assert unmarked.region.tolist() == ["East"]


def test_suspect_cell_published_at_its_reported_figure_is_caught():
    df = region_months()
    df.loc[1, "verdict"] = "suspect"
    assert integrity.unmarked_failures(df).region.tolist() == ["West"]
    df.loc[1, ["rate_of_record", "rate_of_record_source"]] = [0.88, "verified"]
    assert integrity.unmarked_failures(df).empty


def test_marked_failed_without_beautified_verdict_is_caught():
    df = region_months()
    df.loc[1, "is_reported_figure_failed"] = True
    assert integrity.unmarked_failures(df).region.tolist() == ["West"]


def test_markdown_table():
    md = integrity.markdown_table(integrity.failed_figures(region_months()))
    assert md.splitlines()[0].startswith("| region |")
    assert integrity.markdown_table(pd.DataFrame()) == "_none_"


def outcome(name: str, passed: bool, blocking_: bool) -> results.CheckOutcome:
    return results.CheckOutcome(name, "marts/x", passed, blocking_, "ERROR")


def test_evaluate_blocking_is_pure_and_fails_closed():
    assert results.evaluate_blocking([outcome("a", True, True), outcome("b", False, False)])
    assert not results.evaluate_blocking([outcome("a", False, True)])
    assert not results.evaluate_blocking([])


def test_check_results_table_and_blocking_status():
    con = duckdb.connect()
    assert not results.blocking_checks_passed(con).passed  # nothing recorded: not passed
    assert blocking.failed_blocking_checks(con) == []
    results.record(con, "run-1", [outcome("a", True, True), outcome("b", False, False)])
    status = results.blocking_checks_passed(con)
    assert status.run_id == "run-1" and status.passed and status.checks == 2
    results.record(con, "run-2", [outcome("a", False, True)])
    assert blocking.failed_blocking_checks(con) == ["marts/x:a"]
    assert results.blocking_checks_passed(con, "run-1").passed
    # Re-recording a run replaces its rows.
    results.record(con, "run-2", [outcome("a", True, True)])
    assert blocking.failed_blocking_checks(con) == []
    view = con.execute(
        "select run_id, blocking_passed from quality.blocking_status order by run_id"
    ).fetchall()
    assert view == [("run-1", True), ("run-2", True)]


def test_region_month_scores():
    truth = pd.DataFrame(
        {
            "region": ["E", "E", "W", "W"],
            "business_unit": ["mro"] * 4,
            "period_month": ["2026-01", "2026-02", "2026-01", "2026-02"],
            "patterns": ["promise_moved", "", "too_perfect_report", ""],
            "manipulation_active": [True, False, True, False],
            "survey_gaming": [False] * 4,
            "beautified": [True, False, True, False],
        }
    )
    verdicts = pd.DataFrame(
        {
            "region": ["E", "E", "W", "W"],
            "business_unit": ["mro"] * 4,
            "period_month": ["2026-01", "2026-02", "2026-01", "2026-02"],
            "verdict": ["beautified", "ok", "ok", "suspect"],
        }
    )
    s = region_month_scores(verdicts, truth)
    assert s["recall"] == 0.5 and s["clean_false_positive_rate"] == 0.5
    assert s["per_pattern"]["promise_moved"]["recall"] == 1.0
    assert s["per_pattern"]["too_perfect_report"]["recall"] == 0.0


def test_order_scores():
    truth = pd.DataFrame(
        {
            "source_system": ["o"] * 4,
            "order_id": ["1", "2", "3", "4"],
            "pattern": ["promise_moved", "promise_moved", "", "cancel_recreate"],
            "verifiable": [True, False, True, True],
        }
    )
    signals = pd.DataFrame(
        {
            "source_system": ["o", "o"],
            "chain_order_id": ["1", "3"],
            "signal_code": ["promise_moved_after_due", "promise_moved_after_due"],
        }
    )
    s = order_scores(signals, truth)
    assert s["promise_moved"]["precision"] == 0.5
    assert s["promise_moved"]["recall"] == 0.5
    assert s["promise_moved"]["recall_verifiable"] == 1.0
    assert s["cancel_recreate"]["recall"] == 0.0


def test_gx_suite_on_a_dataframe(tmp_path):
    from quality.gx_suites import SUITES, data_docs_index, run_suites

    suite = next(s for s in SUITES if s.name == "marts_fct_integrity_order_signals")
    good = pd.DataFrame(
        {
            "source_system": ["o", "o"],
            "chain_order_id": ["1", "2"],
            "signal_code": ["promise_moved_after_due", "cancel_recreate_late"],
            "pattern_number": [1, 3],
            "evidence": ["moved", "re-created"],
            "period_month_start": pd.to_datetime(["2026-01-01", "2026-01-01"]),
            "order_exists": [True, True],
        }
    )
    bad = good.assign(order_exists=[True, False], signal_code=["made_up", "cancel_recreate_late"])
    keys: dict = {}
    [ok] = run_suites({suite.name: good}, keys, tmp_path, suites=(suite,))
    assert ok.success and ok.evaluated >= 5
    [ko] = run_suites({suite.name: bad}, keys, tmp_path, suites=(suite,))
    assert not ko.success
    failed = {f["expectation"] for f in ko.failed}
    assert "expect_column_values_to_be_in_set" in failed
    assert data_docs_index(tmp_path).exists()


def _raw_orders_db(path, rows: list[tuple]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.fulfillment__orders (_file_path varchar, source_system varchar,"
            " order_id varchar, promised_date varchar, status varchar)"
        )
        con.executemany("insert into raw.fulfillment__orders values (?, ?, ?, ?, ?)", rows)


def test_raw_suite_judges_a_per_file_profile_computed_in_duckdb_and_names_the_bad_file(
    tmp_path,
):
    from quality.gx_suites import SUITES, load_frames, run_suites

    suite = next(s for s in SUITES if s.name == "raw_fulfillment_orders")
    good = [
        ("a.csv", "erp", "1", "2026-01-05", "open"),
        ("a.csv", "erp", "2", "2026-01-06 00:00:00", " Delivered "),
        ("b.csv", "erp", "3", "2026-02-01", None),
    ]
    _raw_orders_db(tmp_path / "ok.duckdb", good)
    frames, keys, errors = load_frames(tmp_path / "ok.duckdb", suites=(suite,))
    assert not errors
    # The frame GX sees is one row per file, not one row per order.
    assert sorted(frames[suite.name]["file_path"]) == ["a.csv", "b.csv"]
    [ok] = run_suites(frames, keys, tmp_path / "docs", suites=(suite,))
    assert ok.success, ok.failed

    bad = [*good, ("c.csv", "erp", None, "01/02/2026", "shipped")]
    _raw_orders_db(tmp_path / "bad.duckdb", bad)
    frames, keys, _ = load_frames(tmp_path / "bad.duckdb", suites=(suite,))
    [ko] = run_suites(frames, keys, tmp_path / "docs", suites=(suite,))
    assert not ko.success
    broken = {f["kwargs"]["column"]: f["files"] for f in ko.failed}
    assert broken == {
        "order_id_missing": ["c.csv"],
        "promised_date_malformed": ["c.csv"],
        "status_malformed": ["c.csv"],
    }


def test_deliveries_suite_fails_when_the_feed_has_no_scans(tmp_path):
    from quality.gx_suites import SUITES, load_frames, run_suites

    suite = next(s for s in SUITES if s.name == "raw_fulfillment_deliveries")

    def run(channels: list[str]) -> bool:
        db = tmp_path / f"{'-'.join(channels)}.duckdb"
        with duckdb.connect(str(db)) as con:
            con.execute("create schema raw")
            con.execute(
                "create table raw.fulfillment__deliveries (_file_path varchar,"
                " order_id varchar, delivered_at varchar, entry_channel varchar)"
            )
            con.executemany(
                "insert into raw.fulfillment__deliveries values ('d.csv', ?, '2026-01-05', ?)",
                [(str(i), c) for i, c in enumerate(channels)],
            )
        frames, keys, _ = load_frames(db, suites=(suite,))
        [r] = run_suites(frames, keys, tmp_path / "docs", suites=(suite,))
        return r.success

    assert run(["scan", "Manual", "scan"])
    assert not run(["manual", "manual"])
    assert not run(["scan", "scan"])


def _region_month_rows(n: int, verified: float | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["East"] * n,
            "business_unit": [f"bu{i}" for i in range(n)],
            "period_month_start": pd.to_datetime(["2026-01-01"] * n),
            "verdict": ["ok"] * n,
            "is_reported_figure_failed": [False] * n,
            "reported_on_time_rate": [0.9] * n,
            "verified_on_time_rate": [verified] * n,
            "defensible_on_time_rate": [verified] * n,
            "p_value": [0.5] * n,
            "gap_points": [1.0] * n,
            "orders_due_verified": [10] * n,
            "orders_due_reported": [10] * n,
        }
    )


def test_region_month_suite_holds_one_row_per_report_and_judges_distributions_at_scale(
    tmp_path,
):
    from quality.gx_suites import DISTRIBUTION_MIN_REPORTS, SUITES, run_suites

    suite = next(s for s in SUITES if s.name == "marts_fct_integrity_region_months")

    def run(df: pd.DataFrame, reported: int) -> bool:
        keys = {suite.name: {"regions": {"East"}, "reported_cells": set(range(reported))}}
        [r] = run_suites({suite.name: df}, keys, tmp_path, suites=(suite,))
        return r.success

    # No reports: an empty mart is right. A few reports with no orders behind them yet:
    # no distribution to judge.
    assert run(_region_month_rows(0, None), 0)
    assert run(_region_month_rows(2, None), 2)
    # A report missing from the mart fails.
    assert not run(_region_month_rows(2, 0.8), 3)
    # At scale, reports without a verified history, or a verified rate below one half
    # on average, fail.
    n = DISTRIBUTION_MIN_REPORTS
    assert run(_region_month_rows(n, 0.8), n)
    assert not run(_region_month_rows(n, None), n)
    assert not run(_region_month_rows(n, 0.3), n)


def test_stored_results_are_pruned_to_the_newest_per_suite(tmp_path):
    from quality.gx_suites import SUITES, data_docs_index, run_suites

    suite = next(s for s in SUITES if s.name == "marts_fct_integrity_order_signals")
    frame = pd.DataFrame(
        {
            "source_system": ["o"],
            "chain_order_id": ["1"],
            "signal_code": ["promise_moved_after_due"],
            "pattern_number": [1],
            "evidence": ["moved"],
            "period_month_start": pd.to_datetime(["2026-01-01"]),
            "order_exists": [True],
        }
    )
    import quality.gx_suites as gs

    keep = gs.KEEP_RESULTS
    gs.KEEP_RESULTS = 2
    try:
        for _ in range(4):
            run_suites({suite.name: frame}, {}, tmp_path, suites=(suite,))
    finally:
        gs.KEEP_RESULTS = keep
    stored = list((tmp_path / "gx" / "uncommitted" / "validations" / suite.name).rglob("*.json"))
    assert len(stored) == 2
    assert data_docs_index(tmp_path).exists()
