"""Fulfillment tiles are MetricFlow metrics: each equals `mf query` with the same filters.

Reads the shared small build (tests/conftest.py): the tiles are computed on the published
snapshot as the dashboard opens it, MetricFlow answers as `mf query` does for an analyst
(dev target, the warehouse: the CLI itself once, its engine kept in one process for the
rest), and the filter semantics are checked once more against the orders mart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import metrics
from dashboard import queries as q
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def snapshot(small_warehouse):
    con = duckdb.connect(small_warehouse["env"]["CX_PUBLISHED_PATH"], read_only=True)
    yield con
    con.close()


class MetricFlowBatch:
    """`mf query` on the dev target, one MetricFlow process for the module
    (tests/dashboard/mf_batch.py): the same engine and profile as the CLI without its
    start-up per question. One test still runs the CLI itself (the monthly chart)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.dashboard.mf_batch"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self.proc.stdout.readline()
        assert ready.strip() == '{"ready": true}', f"MetricFlow did not start: {ready!r}"

    def query(self, names: tuple[str, ...], where: list[str]) -> dict:
        self.proc.stdin.write(json.dumps({"metrics": list(names), "where": where}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert "error" not in answer, answer.get("error")
        row = dict(zip(answer["columns"], answer["rows"][0], strict=True))
        return {n: (None if row[n] is None else float(row[n])) for n in names}

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def mf(small_warehouse, tmp_path_factory):
    # A copy: the dev target opens its file for writing, and this process lives for
    # the whole module beside the tests that read the warehouse.
    warehouse = tmp_path_factory.mktemp("mf") / Path(small_warehouse["db"]).name
    shutil.copy(small_warehouse["db"], warehouse)
    env = {
        **os.environ,
        **small_warehouse["env"],
        "CX_DUCKDB_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }
    batch = MetricFlowBatch(env)
    yield batch
    batch.close()


def _mf_query(mf: MetricFlowBatch, names: tuple[str, ...], where: list[str]) -> dict:
    return mf.query(names, where)


def _cases(con: duckdb.DuckDBPyConnection) -> list[q.Filters]:
    opts = q.filter_options(con)
    months, regions, bus = opts["months"], opts["regions"], opts["business_units"]
    return [
        q.Filters(months[0], months[-1]),
        q.Filters(months[-6], months[-2], regions[1], bus[0]),
    ]


def test_every_fulfillment_tile_equals_mf_query_with_the_same_filters(snapshot, mf):
    for f in _cases(snapshot):
        tiles = metrics.fulfillment_tiles(snapshot, f)
        period = metrics.period_where(f)
        by_order = metrics.dimension_where(
            {"order__region": f.region, "order__business_unit": f.business_unit}
        )
        by_cell = metrics.dimension_where(
            {"region_month__region": f.region, "region_month__business_unit": f.business_unit}
        )
        want = _mf_query(mf, metrics.ORDER_METRICS, [period, *by_order]) | _mf_query(
            mf, metrics.REPORTED_METRICS, [period, *by_cell]
        )
        for name, tile in tiles.items():
            assert tile.metric == name
            assert tile.value == pytest.approx(want[name], rel=1e-9), (f, name)
        assert tiles["orders_due"].value > 0
        assert tiles["verified_on_time_rate"].n <= tiles["orders_due"].n


def test_tile_filters_mean_what_the_view_says(snapshot):
    """Region, business unit and months of the valid promise, as fct_orders has them."""
    f = _cases(snapshot)[1]
    tiles = metrics.fulfillment_tiles(snapshot, f)
    due, verified, on_time = snapshot.execute(
        """
        select count(*) filter (where is_due),
               count(*) filter (where is_due and is_verified),
               count(*) filter (where is_due and is_on_time_verified)
        from marts.fct_orders
        where region = ? and business_unit = ?
          and date_trunc('month', valid_promised_date) between ? and ?
        """,
        [f.region, f.business_unit, f.start, f.end],
    ).fetchone()
    assert tiles["orders_due"].n == due > 0
    assert tiles["verified_on_time_rate"].n == verified
    assert tiles["verified_on_time_rate"].value == pytest.approx(on_time / verified)
    reported_due, reported_on_time = snapshot.execute(
        """
        select sum(reported_orders_due), sum(reported_orders_on_time)
        from marts.fct_fulfillment_nps_region_months
        where region = ? and business_unit = ? and period_month_start between ? and ?
        """,
        [f.region, f.business_unit, f.start, f.end],
    ).fetchone()
    assert tiles["reported_on_time_rate"].n == reported_due > 0
    assert tiles["reported_on_time_rate"].value == pytest.approx(reported_on_time / reported_due)


def test_a_quote_in_a_filter_value_matches_nothing_instead_of_widening_the_query(snapshot):
    f = _cases(snapshot)[0]
    evil = q.Filters(f.start, f.end, "East' or '1'='1", q.ALL)
    tiles = metrics.fulfillment_tiles(snapshot, evil)
    assert tiles["orders_due"].n == 0
    assert tiles["verified_on_time_rate"].value is None


def test_the_metric_client_refuses_to_write(snapshot):
    client = metrics.DuckDBConnectionClient()
    client.con = snapshot
    with pytest.raises(PermissionError):
        client.execute("create table marts.x as select 1")


def _survey_cases(con: duckdb.DuckDBPyConnection) -> list[q.Filters]:
    opts = q.filter_options(con)
    months, regions, bus = opts["months"], opts["regions"], opts["business_units"]
    assert "unknown" in opts["segments"]  # unresolved respondents: no segment
    return [
        q.Filters(months[0], months[-1]),
        q.Filters(months[-6], months[-1], segment="unknown"),
        q.Filters(months[0], months[-1], regions[1], bus[0], opts["segments"][0]),
    ]


def test_survey_and_scene_nps_tiles_equal_mf_query_with_the_same_filters(snapshot, mf):
    for f in _survey_cases(snapshot):
        for figures, names, where in (
            (
                metrics.survey_nps(snapshot, f),
                metrics.SURVEY_METRICS,
                metrics.survey_nps_where(f),
            ),
            (
                metrics.scene_nps(snapshot, f),
                metrics.SCENE_METRICS,
                metrics.scene_nps_where(f),
            ),
        ):
            want = _mf_query(mf, names, where)
            nps, n, nps_all, n_all = names
            assert figures["metric"] == nps and figures["metric_including_gamed"] == nps_all
            assert figures["n"] == want[n] and figures["n_including_gamed"] == want[n_all]
            if figures["n"]:
                assert figures["nps"] == pytest.approx(want[nps], rel=1e-9)
            if figures["n_including_gamed"]:
                assert figures["nps_including_gamed"] == pytest.approx(want[nps_all], rel=1e-9)


def test_survey_tiles_leave_gaming_suspects_out_and_count_unresolved_as_unknown(snapshot):
    for f in _survey_cases(snapshot):
        n, nps, n_all, nps_all = snapshot.execute(
            """
            select count(*) filter (where not r.is_gaming_suspect),
                   avg(r.nps_points) filter (where not r.is_gaming_suspect),
                   count(*), avg(r.nps_points)
            from marts.fct_survey_responses as r
            left join marts.dim_customer as c on r.customer_key = c.customer_key
            where r.has_nps = 1 and r.submitted_month between ? and ?
              and (? = 'all' or coalesce(c.segment, 'unknown') = ?)
            """,
            [f.start, f.end, f.segment, f.segment],
        ).fetchone()
        got = metrics.survey_nps(snapshot, f)
        assert (got["n"], got["n_including_gamed"]) == (n, n_all) and n > 0
        assert got["nps"] == pytest.approx(nps)
        assert got["nps_including_gamed"] == pytest.approx(nps_all)
    assert any(metrics.survey_nps(snapshot, f)["n_gaming_suspect"] for f in _survey_cases(snapshot))


def test_the_monthly_fulfillment_chart_equals_mf_query_by_month_and_the_tiles(
    snapshot, small_warehouse, tmp_path
):
    f = _cases(snapshot)[1]
    monthly = metrics.fulfillment_monthly(snapshot, f).set_index("month")
    assert len(monthly) == 5
    where = [
        metrics.period_where(f),
        *metrics.dimension_where(
            {"order__region": f.region, "order__business_unit": f.business_unit}
        ),
    ]
    out = tmp_path / "monthly.csv"
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "cx-mf"),
            "query",
            "--metrics",
            ",".join(metrics.MONTHLY_ORDER_METRICS),
            "--group-by",
            metrics.MONTH,
            "--where",
            " and ".join(where),
            "--csv",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **small_warehouse["env"], "DBT_PROFILES_DIR": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    want = pd.read_csv(out)
    want.index = pd.to_datetime(want[metrics.MONTH]).dt.date
    for month, row in want.iterrows():
        for name in metrics.MONTHLY_ORDER_METRICS:
            assert monthly.loc[month, name] == pytest.approx(row[name], rel=1e-9), (month, name)
    # A month on the chart is the tile over that month.
    for month in monthly.index[[0, -1]]:
        tiles = metrics.fulfillment_tiles(
            snapshot, q.Filters(month, month, f.region, f.business_unit)
        )
        for name in ("verified_on_time_rate", "verified_otif", "reported_on_time_rate"):
            assert monthly.loc[month, name] == pytest.approx(tiles[name].value, rel=1e-9)
    assert monthly["orders_due"].sum() == metrics.fulfillment_tiles(snapshot, f)["orders_due"].n


def test_monthly_chart_marks_the_months_the_mart_calls_provisional(snapshot):
    f = _cases(snapshot)[0]
    monthly = metrics.fulfillment_monthly(snapshot, f)
    mart = dict(
        snapshot.execute(
            "select period_month_start, bool_or(is_provisional) "
            "from marts.fct_fulfillment_nps_region_months group by 1"
        ).fetchall()
    )
    flagged = {m for m, p in zip(monthly["month"], monthly["is_provisional"], strict=True) if p}
    assert flagged and flagged == {m for m in monthly["month"] if mart.get(m)}
    evil = q.Filters(f.start, f.end, "East' or '1'='1", q.ALL)
    assert metrics.fulfillment_monthly(snapshot, evil)["orders_due"].fillna(0).sum() == 0


def test_survey_funnel_counts_invitations_and_answers_as_the_mart_has_them(snapshot, mf):
    opts = q.filter_options(snapshot)
    f = q.Filters(opts["months"][0], opts["months"][-1], region=opts["regions"][1])
    for by in metrics.FUNNEL_BY:
        got = metrics.survey_funnel(snapshot, f, by).set_index(by)
        want = (
            snapshot.execute(
                f"""
            select {by}, count(*) as sent, count(*) filter (where is_answered) as answered
            from marts.fct_survey_invitations
            where sent_month between ? and ? and region = ?
            group by 1
            """,
                [f.start, f.end, f.region],
            )
            .df()
            .set_index(by)
        )
        assert set(got.index) == set(want.index) and len(want) > 0, by
        for key, row in want.iterrows():
            assert got.loc[key, "invitations_sent"] == row["sent"], (by, key)
            assert got.loc[key, "invitations_answered"] == row["answered"], (by, key)
            assert got.loc[key, "response_rate"] == pytest.approx(row["answered"] / row["sent"])
    total = _mf_query(
        mf,
        metrics.FUNNEL_METRICS,
        metrics.funnel_where(f),
    )
    by_role = metrics.survey_funnel(snapshot, f, "buying_role")
    assert total["invitations_sent"] == by_role["invitations_sent"].sum()
    assert total["response_rate"] == pytest.approx(
        by_role["invitations_answered"].sum() / by_role["invitations_sent"].sum(), rel=1e-9
    )
    with pytest.raises(ValueError):
        metrics.survey_funnel(snapshot, f, "1; drop table x")


def test_scene_nps_by_region_is_the_scene_nps_tile_of_each_region(snapshot):
    opts = q.filter_options(snapshot)
    f = q.Filters(opts["months"][0], opts["months"][-1])
    regions = metrics.nps_by_region(snapshot, f)
    assert len(regions) >= 2
    for _, row in regions.iterrows():
        tile = metrics.scene_nps(snapshot, q.Filters(f.start, f.end, region=row["region"]))
        assert tile["n"] == row["n_answers"]
        assert tile["nps"] == pytest.approx(row["scene_nps"], rel=1e-9)
    assert regions["n_answers"].sum() <= metrics.scene_nps(snapshot, f)["n"]


def test_alert_tiles_equal_the_alert_mart_and_mf_query_with_the_same_filters(snapshot, mf):
    opts = q.filter_options(snapshot)
    months, regions, segments = opts["months"], opts["regions"], opts["segments"]
    cases = [
        q.Filters(months[0], months[-1]),
        q.Filters(months[-6], months[-2], region=regions[0]),
        q.Filters(months[0], months[-1], region=regions[1], segment=segments[0]),
    ]
    for f in cases:
        want = snapshot.execute(
            """
            select count(*), count(*) filter (where a.alert_status = 'open'),
                   count(*) filter (where a.is_sla_breached)
            from marts.fct_alerts a
            left join marts.dim_customer c using (customer_key)
            where cast(a.raised_at as date) between ? and last_day(?)
              and (? = 'all' or coalesce(c.segment, 'unknown') = ?)
              and (? = 'all'
                   or list_contains(string_split(coalesce(c.order_regions, ''), ', '), ?)
                   or list_contains(string_split(coalesce(c.crm_regions, ''), ', '), ?))
            """,
            [f.start, f.end, f.segment, f.segment, f.region, f.region, f.region],
        ).fetchone()
        got = metrics.alert_summary(snapshot, f)
        assert (got["alerts"], got["open"], got["breached"]) == want and want[0] > 0, f
        assert got["breach_rate"] == pytest.approx(want[2] / want[0])
    f = cases[2]
    cli = _mf_query(
        mf,
        metrics.ALERT_METRICS,
        metrics.alert_where(f),
    )
    got = metrics.alert_summary(snapshot, f)
    assert cli["alert_count"] == got["alerts"] and cli["alerts_open"] == got["open"]
    assert cli["alert_sla_breach_rate"] == pytest.approx(got["breach_rate"], rel=1e-9)


def test_sentiment_tiles_and_chart_equal_the_daily_mart_and_mf_query(snapshot, mf):
    opts = q.filter_options(snapshot)
    f = q.Filters(opts["months"][-6], opts["months"][-1])
    daily = snapshot.execute(
        """
        select date_trunc('month', published_date)::date as month, sum(n_mentions) as mentions,
               sum(n_positive) as positive, sum(n_neutral) as neutral,
               sum(n_negative) as negative
        from marts.fct_public_opinion_daily
        where published_date between ? and last_day(?)
        group by 1 order by 1
        """,
        [f.start, f.end],
    ).df()
    daily["month"] = pd.to_datetime(daily["month"]).dt.date
    monthly = metrics.sentiment_monthly(snapshot, f)
    cols = ["month", "mentions", "positive", "neutral", "negative"]
    daily[cols[1:]] = daily[cols[1:]].astype("int64")
    assert monthly[cols].values.tolist() == daily[cols].values.tolist() and len(daily) > 0
    summary = metrics.sentiment_summary(snapshot, f)
    assert summary["mentions"] == daily["mentions"].sum()
    net = (daily["positive"].sum() - daily["negative"].sum()) / daily["mentions"].sum()
    assert summary["net_sentiment"] == pytest.approx(net)
    cli = _mf_query(
        mf,
        metrics.SENTIMENT_METRICS,
        [metrics.period_where(f)],
    )
    assert cli["mention_count"] == summary["mentions"]
    assert cli["net_sentiment"] == pytest.approx(summary["net_sentiment"], rel=1e-9)


def _period_cases(snapshot) -> list[q.Filters]:
    opts = q.filter_options(snapshot)
    months, regions, bus, segments = (
        opts["months"],
        opts["regions"],
        opts["business_units"],
        opts["segments"],
    )
    return [
        q.Filters(months[0], months[-1]),
        q.Filters(months[-9], months[-2], regions[0], bus[0], segments[0]),
        q.Filters(months[0], months[-1], region=regions[1], segment="unknown"),
    ]


def test_alert_breakdown_bars_are_the_alert_mart_counts_and_add_up_to_the_tiles(snapshot):
    for f in _period_cases(snapshot):
        bars = metrics.alert_breakdown(snapshot, f)
        want = snapshot.execute(
            """
            select a.alert_type, a.severity, a.is_sla_breached, count(*) as alerts
            from marts.fct_alerts a
            left join marts.dim_customer c using (customer_key)
            where cast(a.raised_at as date) between ? and last_day(?)
              and (? = 'all' or coalesce(c.segment, 'unknown') = ?)
              and (? = 'all'
                   or list_contains(string_split(coalesce(c.order_regions, ''), ', '), ?)
                   or list_contains(string_split(coalesce(c.crm_regions, ''), ', '), ?))
            group by all order by all
            """,
            [f.start, f.end, f.segment, f.segment, f.region, f.region, f.region],
        ).fetchall()
        cols = ["alert_type", "severity", "is_sla_breached", "alerts"]
        got = bars[cols].astype({"is_sla_breached": bool, "alerts": int}).itertuples(index=False)
        assert sorted(map(tuple, got)) == sorted(want), f
        tiles = metrics.alert_summary(snapshot, f)
        assert bars["alerts"].sum() == tiles["alerts"]
        assert bars.loc[bars["is_sla_breached"].astype(bool), "alerts"].sum() == tiles["breached"]


def test_scene_nps_of_late_and_on_time_orders_is_computed_from_the_answers_mart(snapshot):
    nonempty = 0
    for f in _period_cases(snapshot):
        got = metrics.scene_nps_by_outcome(snapshot, f)
        for outcome in ("on_time", "late"):
            n, nps = snapshot.execute(
                """
                select sum(r.has_nps),
                       100.0 * (sum(r.is_promoter) - sum(r.is_detractor))
                           / nullif(sum(r.has_nps), 0)
                from marts.fct_survey_responses r
                left join marts.dim_customer c using (customer_key)
                where r.survey_type = 'delivery' and not r.is_gaming_suspect
                  and r.order_outcome = ?
                  and cast(r.submitted_at as date) between ? and last_day(?)
                  and (? = 'all' or r.order_region = ?)
                  and (? = 'all' or r.order_business_unit = ?)
                  and (? = 'all' or coalesce(c.segment, 'unknown') = ?)
                """,
                [outcome, f.start, f.end, f.region, f.region]
                + [f.business_unit, f.business_unit, f.segment, f.segment],
            ).fetchone()
            assert got[f"n_{outcome}"] == int(n or 0), (f, outcome)
            if n:
                nonempty += 1
                assert got[f"nps_{outcome}"] == pytest.approx(float(nps), rel=1e-9)
            else:
                assert got[f"nps_{outcome}"] is None
        # Parts of the scene NPS tile beside them (with unverified and unresolved orders).
        assert got["n_on_time"] + got["n_late"] <= metrics.scene_nps(snapshot, f)["n"]
    assert nonempty >= 3  # both outcomes over every month, and more


def test_journey_nps_and_ces_by_stage_equal_the_journey_scores_mart(snapshot):
    opts = q.filter_options(snapshot)
    f = q.Filters(opts["months"][0], opts["months"][-1])
    stages = metrics.journey_stage_nps(snapshot, f).set_index("journey_stage")
    heat = metrics.journey_heatmap(snapshot, f)
    want = snapshot.execute(
        """
        select journey_stage, sum(n_nps_answers),
               100.0 * (sum(n_promoters) - sum(n_detractors)) / nullif(sum(n_nps_answers), 0),
               sum(ces_sum) / nullif(sum(n_ces_answers), 0)
        from marts.fct_journey_scores
        where submitted_month between ? and ?
        group by 1
        """,
        [f.start, f.end],
    ).fetchall()
    assert len(want) >= 3 and set(stages.index) == {w[0] for w in want}
    for stage, n, nps, ces in want:
        assert stages.loc[stage, "n"] == n
        if n:
            assert stages.loc[stage, "nps"] == pytest.approx(float(nps), rel=1e-9)
        if ces is not None:
            assert stages.loc[stage, "ces_mean"] == pytest.approx(float(ces), rel=1e-9)
    assert heat.groupby("journey_stage")["n"].sum().to_dict() == stages["n"].to_dict()
    cells = snapshot.execute(
        """
        select journey_stage, submitted_month, sum(n_nps_answers)
        from marts.fct_journey_scores where submitted_month between ? and ? group by all
        """,
        [f.start, f.end],
    ).fetchall()
    got = {(r.journey_stage, r.month): r.n for r in heat.itertuples()}
    assert got == {
        (
            s,
            m,
        ): n
        for s, m, n in cells
    }
    # The segment filter applies (the mart has no segment): a segment's n is a part.
    segment = q.Filters(f.start, f.end, segment=opts["segments"][0])
    part = metrics.journey_stage_nps(snapshot, segment)
    assert 0 < part["n"].sum() < stages["n"].sum()


def _busiest(snapshot, sql: str) -> str:
    return snapshot.execute(sql).fetchone()[0]


def test_a_customers_order_tiles_equal_the_orders_mart_and_mf_query(snapshot, mf):
    key = _busiest(
        snapshot,
        "select customer_key from marts.fct_orders where is_due and customer_key is not null "
        "group by 1 order by count(*) desc, 1 limit 1",
    )
    opts = q.filter_options(snapshot)
    months = opts["months"]
    cases = [q.Filters(months[0], months[-1]), q.Filters(months[-8], months[-3])]
    for f in cases:
        got = metrics.customer_order_summary(snapshot, f, key)
        want = snapshot.execute(
            """
            select count(*) filter (where is_due),
                   count(*) filter (where is_due and is_on_time_verified),
                   count(*) filter (where is_due and is_on_time_reported),
                   count(*) filter (where is_due and confirmed_received_date is not null),
                   count(*) filter (where is_due and is_confirmation_issue_reported)
            from marts.fct_orders
            where customer_key = ? and valid_promised_date between ? and last_day(?)
            """,
            [key, f.start, f.end],
        ).fetchone()
        names = ("orders_due", "on_time_verified", "on_time_reported", "confirmed", "complaints")
        assert tuple(got[n] for n in names) == want, f
    assert got["orders_due"] > 0
    cli = _mf_query(
        mf,
        metrics.CUSTOMER_ORDER_METRICS,
        [metrics.period_where(cases[1]), *metrics.entity_where("customer", key)],
    )
    assert cli["orders_due"] == got["orders_due"]
    assert cli["orders_on_time_reported"] == got["on_time_reported"]


def test_a_customers_mention_tiles_equal_the_customer_sentiment_mart(snapshot):
    key = _busiest(
        snapshot,
        "select customer_key from marts.fct_posts where customer_key is not null "
        "group by 1 order by count(*) desc, 1 limit 1",
    )
    opts = q.filter_options(snapshot)
    f = q.Filters(opts["months"][0], opts["months"][-1])
    got = metrics.customer_mentions(snapshot, f, key)
    n, negative, net = snapshot.execute(
        """
        select sum(n_mentions), sum(n_negative),
               (sum(n_positive) - sum(n_negative)) / nullif(sum(n_mentions), 0)
        from marts.fct_customer_public_sentiment
        where customer_key = ? and period_month between ? and ?
        """,
        [key, f.start, f.end],
    ).fetchone()
    assert n and n > 1
    assert (got["mentions"], got["negative"]) == (n, negative)
    assert got["net_sentiment"] == pytest.approx(float(net), rel=1e-9)
    nobody = metrics.customer_mentions(snapshot, f, "no such customer")
    assert nobody["mentions"] == 0 and nobody["net_sentiment"] is None
