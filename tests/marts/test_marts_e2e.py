"""The marts against an independent recomputation from raw data, the
relationships the generator built in, and MetricFlow against the marts
(small demo data, built once by the session fixture)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cx_settings import load_settings
from orchestration.settings import PROJECT_ROOT
from tests.marts import recompute as rc

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(small_warehouse):
    return load(small_warehouse)


def load(small_warehouse: dict) -> dict:
    """The recomputation and the marts, read once through a short-lived reader."""
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        chains = rc.order_chains(con)
        responses = rc.responses(con)
        marts = {
            name: con.execute(f"select * from marts.{name}").df()
            for name in (
                "fct_orders",
                "fct_fulfillment_nps_region_months",
                "fct_fulfillment_nps_correlation",
                "fct_journey_scores",
                "fct_driver_importance",
                "fct_loyalty_value",
                "fct_alerts",
                "fct_survey_responses",
                "fct_account_nps_quarters",
            )
        }
    return {"chains": chains, "responses": responses, "marts": marts, **small_warehouse}


def test_one_order_row_per_chain_with_the_same_verified_outcome(built):
    mine = built["chains"].set_index("order_key")
    mart = built["marts"]["fct_orders"].set_index("order_key")
    assert len(mart) == len(mine)
    joined = mart.join(mine, rsuffix="_rc", how="inner")
    assert len(joined) == len(mart)
    for mart_col, mine_col in (
        ("is_on_time_verified", "on_time_verified"),
        ("is_otif_verified", "otif_verified"),
    ):
        # Unverified orders are unknown (NULL) on both sides, never late or on time.
        assert (joined[mart_col].isna() == joined[mine_col].isna()).all(), mart_col
        known = joined[mart_col].notna()
        assert (joined.loc[known, mart_col] == joined.loc[known, mine_col]).all(), mart_col
    assert joined.is_on_time_verified.isna().any()
    assert (joined.is_cancelled == joined.cancelled).all()
    assert (joined.is_due == joined.due).all()
    assert (joined.is_verified == joined.verified).all()
    assert (pd.to_datetime(joined.valid_promised_date) == joined.valid_promise).all()
    # The demo world holds customers' in-time deferrals and late revisions both.
    assert (joined.valid_promise != joined.first_promise).any()
    assert (joined.valid_promise != pd.to_datetime(joined.current_promised_date)).any()


def test_region_month_fulfillment_equals_the_recomputation(built):
    mine = rc.region_months(built["chains"])
    mart = built["marts"]["fct_fulfillment_nps_region_months"]
    mart = mart[mart.business_unit != "all"].copy()
    mart["due_month"] = pd.to_datetime(mart.period_month_start)
    joined = mine.merge(mart, on=["region", "business_unit", "due_month"], suffixes=("_rc", ""))
    assert len(joined) == len(mine) > 100
    for col in (
        "orders_due",
        "orders_verified",
        "orders_on_time_verified",
        "orders_otif_verified",
        "orders_on_time_system",
    ):
        assert (joined[f"{col}_rc"] == joined[col]).all(), col


def test_reported_rate_and_integrity_gap_equal_the_raw_reports(built):
    with duckdb.connect(built["db"], read_only=True) as con:
        reports = rc.raw(con, "fulfillment__regional_reports")
    reports["submitted_at"] = rc.local_ts(reports.submitted_at)
    reports = rc.latest(reports, ["region", "business_unit", "period_month"], "submitted_at")
    reports["due_month"] = pd.to_datetime(reports.period_month + "-01")
    reports["rate"] = reports.on_time_rate.astype(float)
    reports = reports[["region", "business_unit", "due_month", "rate"]]
    mine = rc.region_months(built["chains"]).merge(
        reports, on=["region", "business_unit", "due_month"]
    )
    mine["gap"] = 100 * (mine.rate - mine.orders_on_time_verified / mine.orders_verified)
    mart = built["marts"]["fct_fulfillment_nps_region_months"].copy()
    mart["due_month"] = pd.to_datetime(mart.period_month_start)
    joined = mine.merge(mart, on=["region", "business_unit", "due_month"])
    assert len(joined) == len(mine) > 100
    assert np.allclose(joined.gap, joined.integrity_gap_points)
    assert np.allclose(joined.rate, joined.reported_on_time_rate)


def _scene(built) -> pd.DataFrame:
    r = built["responses"]
    ch = built["chains"]
    ch = ch.assign(final_order_id=ch.final_order_id.astype(str))
    # A response may name the chain's first order or its re-creation.
    by_order = {
        **dict(zip(ch.order_key.str.split("|", n=1).str[1], ch.order_key, strict=True)),
        **dict(zip(ch.final_order_id, ch.order_key, strict=True)),
    }
    d = r[(r.survey_type == "delivery") & r.nps.notna() & r.order_id.notna()].copy()
    # Scene NPS leaves survey-gaming suspects out; the marking itself is pinned by
    # test_gaming_suspects_are_the_clerk_sent_delivery_surveys_and_lift_nps and the dbt
    # unit tests, so it is taken from the mart here.
    marked = built["marts"]["fct_survey_responses"]
    suspects = set(marked.loc[marked.is_gaming_suspect, "response_id"])
    d = d[~d.response_id.isin(suspects)]
    d["order_key"] = d.order_id.map(by_order)
    d = d.merge(ch[["order_key", "verified", "on_time_verified", "region"]], on="order_key")
    d["outcome"] = np.where(
        ~d.verified, "unverified", np.where(d.on_time_verified, "on_time", "late")
    )
    return d


def test_scene_nps_of_late_and_on_time_orders_equals_the_recomputation(built):
    d = _scene(built)
    row = built["marts"]["fct_fulfillment_nps_correlation"].set_index("region").loc["all"]
    late, on_time = d[d.outcome == "late"], d[d.outcome == "on_time"]
    assert row.n_late == len(late) and row.n_on_time == len(on_time)
    assert row.scene_nps_late == pytest.approx(rc.nps(late.nps))
    assert row.scene_nps_on_time == pytest.approx(rc.nps(on_time.nps))
    known = d[d.outcome != "unverified"]
    r = np.corrcoef(known.nps, (known.outcome == "on_time").astype(float))[0, 1]
    assert row.score_on_time_correlation == pytest.approx(r, abs=1e-9)


def test_journey_nps_ces_and_csat_equal_the_recomputation(built):
    r = built["responses"].copy()
    r["journey_stage"] = r.journey_stage.fillna("unknown")
    r["touchpoint"] = r.touchpoint.fillna("unknown")
    responses = built["marts"]["fct_survey_responses"]
    suspects = set(responses.response_id[responses.is_gaming_suspect])
    r["suspect"] = r.response_id.isin(suspects)
    keys = ["month", "journey_stage", "touchpoint", "survey_type"]
    honest = r[~r.suspect]
    mine = (
        honest.groupby(keys)
        .agg(
            n=("response_id", "size"),
            nps=("nps", rc.nps),
            ces=("ces", "mean"),
            csat=("csat", "mean"),
        )
        .reset_index()
    )
    set_aside = r[r.suspect & r.nps.notna()].groupby(keys).size().rename("n_suspect")
    mine = mine.merge(set_aside.reset_index(), on=keys, how="outer")
    mine["n"] = mine.n.fillna(0)
    mine["n_suspect"] = mine.n_suspect.fillna(0)
    mart = built["marts"]["fct_journey_scores"].copy()
    mart["month"] = pd.to_datetime(mart.submitted_month)
    joined = mine.merge(mart, on=keys)
    assert len(joined) == len(mine) == len(mart)
    assert (joined.n == joined.n_responses).all()
    assert (joined.n_suspect == joined.n_nps_answers_gaming_suspect).all()
    answered = set(responses.response_id[responses.has_nps == 1])
    assert joined.n_suspect.sum() == len(suspects & answered) > 0
    assert np.allclose(joined.nps_x, joined.nps_y, equal_nan=True)
    assert np.allclose(joined.ces, joined.ces_mean, equal_nan=True)
    assert np.allclose(joined.csat, joined.csat_mean, equal_nan=True)


def test_gaming_suspects_are_the_clerk_sent_delivery_surveys_and_lift_nps(built):
    """The demo world games surveys in a few region-months: a clerk sends the
    delivery surveys himself (sent_by), on-time orders only, and most answers
    are 10s. Suspects are such responses only (no system-sent survey marked),
    nearly all of them are found, every forced 10 among them, and NPS without
    them is lower than with them in the months they answered."""
    r = built["marts"]["fct_survey_responses"]
    truth = pd.read_parquet(built["truth"] / "responses.parquet")
    suspect = r[r.is_gaming_suspect]
    staff_sent = r[r.invitation_sent_by.notna()]
    assert len(suspect) > 20
    assert (suspect.survey_type == "delivery").all()
    assert suspect.invitation_sent_by.notna().all()  # precision 1 on the demo world
    assert len(suspect) >= 0.8 * len(staff_sent)
    forced_tens = set(truth.response_id[truth.gamed])
    assert len(forced_tens) > 10
    assert len(forced_tens & set(suspect.response_id)) >= 0.8 * len(forced_tens)
    months = r[r.submitted_month.isin(suspect.submitted_month.unique()) & (r.has_nps == 1)]
    honest = months[~months.is_gaming_suspect]
    assert honest.nps_points.mean() < months.nps_points.mean()


def test_driver_importance_equals_the_correlation_recomputed_from_raw(built):
    r = built["responses"]
    rel = r[(r.survey_type == "relationship") & r.nps.notna()]
    mart = built["marts"]["fct_driver_importance"]
    overall = mart[(mart.scope_type == "all") & (mart.lens == "forces_feelings")]
    for _, row in overall.iterrows():
        pair = rel[["nps", f"rate_{row.attribute}"]].dropna()
        assert row.n_answers == len(pair)
        assert row.performance == pytest.approx(pair.iloc[:, 1].mean(), abs=1e-9)
        # The mart rounds correlations to 9 places (macro cx_corr).
        r = np.corrcoef(pair.nps, pair.iloc[:, 1])[0, 1]
        assert row.importance == pytest.approx(r, abs=1e-9)


def test_alert_queue_holds_every_detractor_and_every_delivery_complaint(built):
    r = built["responses"]
    with duckdb.connect(built["db"], read_only=True) as con:
        c = rc.raw(con, "fulfillment__confirmations")
    c["confirmed_at"] = rc.local_ts(c.confirmed_at)
    c = rc.latest(c, ["source_system", "confirmation_id"], "confirmed_at")
    c = c.sort_values(["confirmed_at", "confirmation_id"]).drop_duplicates("order_id", keep="last")
    finals = set(built["chains"].final_order_id.astype(str))
    complaints = c[rc.issue_reported(c).fillna(False).astype(bool) & c.order_id.isin(finals)]
    alerts = built["marts"]["fct_alerts"]
    assert (alerts.alert_type == "detractor").sum() == (r.nps <= 6).sum()
    assert (alerts.alert_type == "delivery_complaint").sum() == len(complaints)
    due = pd.to_datetime(alerts.sla_due_at) - pd.to_datetime(alerts.raised_at)
    assert (due == pd.Timedelta(hours=2)).all()


def test_loyalty_renewal_rates_equal_the_recomputation(built):
    """Customer categories from the identity links; renewals from raw contracts."""
    with duckdb.connect(built["db"], read_only=True) as con:
        k = rc.raw(con, "crm__contracts")
        clusters = con.execute(
            "select source_system, account_id, customer_key from identity.account_clusters"
        ).df()
        answers = con.execute(
            "select customer_key, voice_key, nps_score, submitted_at, response_id "
            "from intermediate.int_survey__account_answers"
        ).df()
    k = rc.latest(k, ["source_system", "contract_id"], None)
    k = k.merge(clusters, on=["source_system", "account_id"])
    status = k.status.str.strip().str.lower()
    k["decided"] = status.isin(["renewed", "churned"]) | k.renewed_by_contract_id.notna()
    k["renewed"] = (status == "renewed") | k.renewed_by_contract_id.notna()
    last = answers.sort_values(["submitted_at", "response_id"]).drop_duplicates(
        ["customer_key", "voice_key"], keep="last"
    )
    mean = last.groupby("customer_key").nps_score.mean()
    # Half-up rounding as SQL's round().
    category = pd.cut(
        np.floor(mean + 0.5), [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"]
    )
    k["category"] = k.customer_key.map(category)
    dec = k[k.decided & k.category.notna()]
    rate = dec.groupby("category", observed=True).renewed.mean()
    mart = built["marts"]["fct_loyalty_value"].set_index("nps_category")
    for cat, value in rate.items():
        assert mart.loc[cat, "renewal_rate"] == pytest.approx(value)


# ----------------------------------------------------------- what the generator built in


def test_late_orders_get_a_lower_scene_nps_beyond_the_margin(built):
    row = built["marts"]["fct_fulfillment_nps_correlation"].set_index("region").loc["all"]
    assert row.n_late >= 30 and row.n_on_time >= 30
    assert row.scene_nps_late < row.scene_nps_on_time
    assert row.scene_nps_difference - row.scene_nps_difference_margin > 0
    assert row.correlation_ci_low > 0


def test_promoters_renew_more_and_lifetime_value_equals_the_recomputation(built):
    """Renewal follows satisfaction in the demo world, so promoters renew more and churn
    less. Lifetime value is recomputed, not given a direction: the world draws a
    customer's size independently of its satisfaction, so with some twenty detractor
    accounts the multiple falls on either side of 1 from seed to seed."""
    lv = built["marts"]["fct_loyalty_value"].set_index("nps_category")
    assert lv.loc["promoter", "renewal_rate"] > lv.loc["detractor", "renewal_rate"]
    assert lv.loc["promoter", "churn_rate"] < lv.loc["detractor", "churn_rate"]
    assert (
        lv.loc["promoter", "n_decided_contracts"] > 0
        and lv.loc["detractor", "n_decided_contracts"] > 0
    )
    with duckdb.connect(built["db"], read_only=True) as con:
        answers = con.execute(
            "select customer_key, voice_key, nps_score, submitted_at, response_id "
            "from intermediate.int_survey__account_answers"
        ).df()
        contracts = con.execute(
            "select customer_key, contract_value_cny from marts.fct_contracts "
            "where customer_key is not null"
        ).df()
    latest = answers.sort_values(["submitted_at", "response_id"]).drop_duplicates(
        ["customer_key", "voice_key"], keep="last"
    )
    mean_score = latest.groupby("customer_key").nps_score.mean()
    # Rounded half away from zero, as SQL round() does.
    rounded = np.floor(mean_score.astype(float) + 0.5)
    category = pd.cut(rounded, [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"])
    value = contracts.groupby("customer_key").contract_value_cny.sum().astype(float)
    mine = value.to_frame("ltv").join(category.rename("cat"), how="inner").groupby("cat").ltv.mean()
    for cat in ("detractor", "passive", "promoter"):
        assert lv.loc[cat, "mean_lifetime_value_cny"] == pytest.approx(mine[cat]), cat
    assert lv.loc["promoter", "lifetime_value_vs_detractor"] == pytest.approx(
        mine["promoter"] / mine["detractor"]
    )


def test_the_driver_the_generator_made_matter_most_ranks_first(built):
    manifest = json.loads((Path(built["truth"]) / "manifest.json").read_text())
    weights = manifest["driver_weights"]
    strongest = max(weights, key=weights.get)
    mart = built["marts"]["fct_driver_importance"]
    top = mart[
        (mart.scope_type == "all") & (mart.lens == "forces_feelings") & (mart.importance_rank == 1)
    ]
    assert top.attribute.item() == strongest
    assert top.importance_ci_low.item() > 0


def test_lost_customers_recomputed_and_never_in_the_high_risk_list(built):
    """Lost = at least one contract, none live (not churned, ending on or after the
    cutoff), and no order, confirmation or survey response in the 180 days up to the
    cutoff - the latest such event loaded, not today."""
    days = load_settings().marts.lost_inactive_days
    with duckdb.connect(built["db"], read_only=True) as con:
        health = con.execute("select * from marts.fct_customer_health").df()
        contracts = con.execute(
            "select customer_key, end_date, is_churned from marts.fct_contracts "
            "where customer_key is not null"
        ).df()
        events = con.execute(
            """
            select customer_key, order_date as d from marts.fct_orders
            union all select customer_key, cast(confirmed_at as date) from marts.fct_orders
            union all select customer_key, cast(submitted_at as date)
            from marts.fct_survey_responses
            """
        ).df()
    events["d"] = pd.to_datetime(events.d)
    cutoff = events.d.max()
    assert (pd.to_datetime(health.data_cutoff_date) == cutoff).all()
    contracts["live"] = ~contracts.is_churned & ~(pd.to_datetime(contracts.end_date) < cutoff)
    has_contract = set(contracts.customer_key)
    live = set(contracts.customer_key[contracts.live])
    last = events.dropna().groupby("customer_key").d.max()
    active = set(last.index[last >= cutoff - pd.Timedelta(days=days)])
    mine = {c for c in health.customer_key if c in has_contract - live - active}
    lost = set(health.customer_key[health.is_lost])
    assert lost == mine and len(lost) > 10
    assert set(health.customer_key[health.churn_risk_tier == "lost"]) == lost
    assert not lost & set(health.customer_key[health.churn_risk_tier == "high"])
    assert (health.contract_count[health.is_lost] > 0).all()


# ----------------------------------------------------------------------- MetricFlow


def _mf_query(env: dict, metrics: str, group_by: str) -> pd.DataFrame:
    out = Path(env["CX_DATA_DIR"]) / f"mf_{metrics.replace(',', '_')}.csv"
    mf = Path(sys.executable).parent / "cx-mf"
    subprocess.run(
        [str(mf), "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)],
        check=True,
        cwd=PROJECT_ROOT,
        env={**env, "PATH": str(mf.parent)},
        capture_output=True,
    )
    return pd.read_csv(out)


def _mf_env(built) -> dict:
    import os

    return {**os.environ, **built["env"], "DBT_PROFILES_DIR": str(PROJECT_ROOT)}


def test_metricflow_nps_by_month_and_segment_equals_the_marts(built):
    """nps (the headline) leaves survey-gaming suspects out; nps_including_gamed
    keeps them; each with its n."""
    got = _mf_query(
        _mf_env(built),
        "nps,nps_answer_count,nps_including_gamed,nps_answer_count_including_gamed",
        "metric_time__month,customer__segment",
    )
    with duckdb.connect(built["db"], read_only=True) as con:
        want = con.execute(
            """
            select r.submitted_month as month, c.segment,
                   sum(r.has_nps) filter (where not r.is_gaming_suspect) as n,
                   avg(r.nps_points) filter (where not r.is_gaming_suspect) as nps,
                   sum(r.has_nps) as n_all, avg(r.nps_points) as nps_all
            from marts.fct_survey_responses as r
            left join marts.dim_customer as c on r.customer_key = c.customer_key
            group by all
            """
        ).df()
    got["month"] = pd.to_datetime(got.metric_time__month).dt.tz_localize(None)
    got = got.rename(columns={"customer__segment": "segment"})
    want["month"] = pd.to_datetime(want.month)
    joined = want.merge(got, on=["month", "segment"], how="inner")
    assert len(joined) == len(want) == len(got) > 20  # unresolved respondents: no segment
    assert (joined.n == joined.nps_answer_count).all()
    assert np.allclose(joined.nps_x, joined.nps_y, equal_nan=True)
    assert (joined.n_all == joined.nps_answer_count_including_gamed).all()
    assert np.allclose(joined.nps_all, joined.nps_including_gamed, equal_nan=True)
    assert (joined.n < joined.n_all).any()


def test_metricflow_fulfillment_and_coverage_equal_the_marts(built):
    env = _mf_env(built)
    got = _mf_query(
        env,
        "verified_otif,verified_on_time_rate,verification_coverage,reported_on_time_rate",
        "metric_time__month",
    )
    got["month"] = pd.to_datetime(got.metric_time__month).dt.tz_localize(None)
    cov = _mf_query(env, "revenue_coverage", "metric_time__quarter")
    cov["quarter"] = pd.to_datetime(cov.metric_time__quarter).dt.tz_localize(None)
    with duckdb.connect(built["db"], read_only=True) as con:
        months = con.execute(
            """
            select period_month_start as month,
                   sum(orders_otif_verified) / sum(orders_verified) as verified_otif,
                   sum(orders_on_time_verified) / sum(orders_verified) as verified_on_time,
                   sum(orders_verified) / sum(orders_due) as coverage,
                   sum(reported_orders_on_time) / sum(reported_orders_due) as reported
            from marts.fct_fulfillment_nps_region_months
            where business_unit != 'all'
            group by 1
            """
        ).df()
        quarters = con.execute(
            "select quarter_start as quarter, revenue_coverage from marts.fct_account_nps_quarters "
            "where segment = 'all'"
        ).df()
    months["month"] = pd.to_datetime(months.month)
    joined = months.merge(got, on="month")
    assert len(joined) == len(months) > 12
    assert np.allclose(joined.verified_otif_x, joined.verified_otif_y, equal_nan=True)
    assert np.allclose(joined.verified_on_time, joined.verified_on_time_rate, equal_nan=True)
    assert np.allclose(joined.coverage, joined.verification_coverage, equal_nan=True)
    assert (joined.coverage < 1).any()
    assert np.allclose(joined.reported, joined.reported_on_time_rate, equal_nan=True)
    quarters["quarter"] = pd.to_datetime(quarters.quarter)
    jq = quarters.merge(cov, on="quarter")
    assert len(jq) == len(quarters) > 0
    assert np.allclose(jq.revenue_coverage_x, jq.revenue_coverage_y)


def test_account_nps_and_revenue_coverage_equal_the_recomputation(built):
    weights = dict(load_settings().marts.buying_role_weights)
    with duckdb.connect(built["db"], read_only=True) as con:
        mine = rc.account_nps_quarters(con, built["responses"], weights)
    mart = built["marts"]["fct_account_nps_quarters"]
    mart = mart[mart.segment == "all"].assign(quarter=lambda d: pd.to_datetime(d.quarter_start))
    joined = mine.merge(mart, on="quarter", suffixes=("_rc", ""))
    assert len(joined) == len(mine) == len(mart) > 0
    assert (joined.n_voices_rc == joined.n_voices).all()
    for col in ("nps_unweighted", "role_weighted_nps", "revenue_coverage", "revenue_weighted_nps"):
        assert np.allclose(joined[f"{col}_rc"], joined[col].astype(float)), col


def test_the_loyalty_multiple_has_the_delta_method_interval_of_a_ratio_of_means(built):
    """From each category's mean and its standard error (the mean's own 95% interval)."""
    lv = built["marts"]["fct_loyalty_value"].set_index("nps_category")
    det = lv.loc["detractor"]
    assert pd.isna(det.lifetime_value_vs_detractor_ci_low)
    se_det = (det.mean_lifetime_value_ci_high - det.mean_lifetime_value_cny) / 1.96
    for category in ("promoter", "passive"):
        row = lv.loc[category]
        se = (row.mean_lifetime_value_ci_high - row.mean_lifetime_value_cny) / 1.96
        ratio = row.mean_lifetime_value_cny / det.mean_lifetime_value_cny
        half = 1.96 * np.sqrt(
            (se / row.mean_lifetime_value_cny) ** 2 + (se_det / det.mean_lifetime_value_cny) ** 2
        )
        assert row.lifetime_value_vs_detractor == pytest.approx(ratio)
        assert row.lifetime_value_vs_detractor_ci_low == pytest.approx(ratio * np.exp(-half))
        assert row.lifetime_value_vs_detractor_ci_high == pytest.approx(ratio * np.exp(half))
