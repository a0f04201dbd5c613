"""Executive: NPS and its trend, fulfillment verified vs reported, drivers, churn, sentiment;
drill-down to a region."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import fmt, metrics
from dashboard import queries as q
from dashboard.page import Page
from dashboard.safe import chart_frame
from dashboard.views.common import (
    FULFILLMENT_TILES,
    drill,
    fulfillment_tiles,
    gaming_pair,
    integrity_verdicts,
    mark_provisional,
    small_n_bars,
)


def render(p: Page) -> None:
    drill(p, "region_head", "drill_region", p.regions, "region", format_func=p.v)
    _nps(p)
    _nps_by_role(p)
    _nps_by_region(p)
    _loyalty(p)
    _fulfillment(p)
    st.subheader(p.t("drivers_section"))
    _drivers_ipa(p)
    _churn(p)
    st.subheader(p.t("sentiment_section"))
    _sentiment_overview(p)


def _nps(p: Page) -> None:
    st.subheader(p.t("nps_section"))
    try:
        trend = q.account_nps_trend(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        trend = None
    if trend is not None:
        p.not_applied("region", "business_unit")
        if trend.empty:
            st.warning(p.t("no_rows"))
        else:
            last = trend.iloc[-1]
            st.caption(p.t("latest_period", period=str(last["quarter_start"])[:10]))
            c = st.columns(5)
            c[0].metric(p.t("revenue_weighted_nps"), fmt.nps(last["revenue_weighted_nps"]))
            c[1].metric(p.t("role_weighted_nps"), fmt.nps(last["role_weighted_nps"]))
            c[2].metric(p.t("nps_unweighted"), fmt.nps(last["nps_unweighted"]))
            c[3].metric(p.t("nps_n"), fmt.count(last["n_voices"]))
            c[4].metric(p.t("revenue_coverage"), fmt.pct(last["revenue_coverage"]))
            long = trend.melt(
                id_vars=["quarter_start", "n_voices"],
                value_vars=["revenue_weighted_nps", "role_weighted_nps", "nps_unweighted"],
                var_name="measure",
                value_name="nps",
            )
            long["measure"] = long["measure"].map(p.t)
            fig = px.line(
                long,
                x="quarter_start",
                y="nps",
                color="measure",
                markers=True,
                hover_data={"n_voices": True},
                labels={"quarter_start": "", "nps": "NPS", "measure": "", "n_voices": "n"},
            )
            fig.update_yaxes(range=[-100, 100])
            p.chart(fig)
    try:
        figures = metrics.survey_nps(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    gaming_pair(p, st.columns(2), figures, "survey_nps")
    st.caption(p.t("gaming_note"))
    with st.expander(p.t("glossary")):
        st.markdown(p.t("glossary_text"))  # constant text, no data in it


def _nps_by_role(p: Page) -> None:
    st.subheader(p.t("nps_by_role_section"))
    try:
        roles = q.nps_by_role(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("region", "business_unit", "segment")
    if roles.empty:
        st.caption(p.t("no_rows"))
        return
    st.caption(p.t("latest_period", period=str(roles["quarter_start"].iloc[0])[:10]))
    fig = small_n_bars(
        p,
        roles,
        "buying_role",
        "nps",
        "n_answers",
        "NPS (95% CI)",
        (-100, 100),
        interval=("nps_ci_low", "nps_ci_high"),
    )
    p.chart(fig)
    p.table(roles, "nps_by_role")


def _nps_by_region(p: Page) -> None:
    st.subheader(p.t("nps_by_region_section"))
    try:
        regions = metrics.nps_by_region(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if regions.empty:
        st.caption(p.t("no_rows"))
        return
    fig = small_n_bars(
        p, regions, "region", "scene_nps", "n_answers", p.col("scene_nps"), (-100, 100)
    )
    p.chart(fig)
    st.caption(p.t("nps_by_region_note"))
    p.table(regions, "nps_by_region")


def _loyalty(p: Page) -> None:
    st.subheader(p.t("loyalty_section"))
    try:
        value = q.loyalty_value(p.con)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("period", "region", "business_unit", "segment")
    by = value.set_index("nps_category")
    if {"promoter", "detractor"} <= set(by.index):
        pro, det = by.loc["promoter"], by.loc["detractor"]
        c = st.columns(3)
        c[0].metric(p.t("loyalty_multiple"), f"{pro['lifetime_value_vs_detractor']:.2f}×")
        low, high = (
            pro["lifetime_value_vs_detractor_ci_low"],
            pro["lifetime_value_vs_detractor_ci_high"],
        )
        interval = "" if pd.isna(low) else f"95% CI {low:.2f}× – {high:.2f}× · "
        c[0].caption(
            f"{interval}n = {fmt.count(pro['n_customers'])} / {fmt.count(det['n_customers'])}"
        )
        for col, row, key in ((c[1], pro, "promoter_value"), (c[2], det, "detractor_value")):
            col.metric(p.t(key), fmt.money(row["mean_lifetime_value_cny"]))
            col.caption(
                f"95% CI {fmt.money(row['mean_lifetime_value_ci_low'])} – "
                f"{fmt.money(row['mean_lifetime_value_ci_high'])} · "
                f"n = {fmt.count(row['n_customers'])}"
            )
        st.caption(p.t("loyalty_note"))
    p.table(value, "loyalty_value")


def _fulfillment(p: Page) -> None:
    st.subheader(p.t("fulfillment_section"))
    try:
        monthly = metrics.fulfillment_monthly(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("segment")
        fulfillment_tiles(p, list(FULFILLMENT_TILES))
        st.caption(p.t("verified_note"))
        if not monthly.empty:
            long = monthly.melt(
                id_vars=["month", "orders_due"],
                value_vars=["verified_on_time_rate", "reported_on_time_rate", "verified_otif"],
                var_name="measure",
                value_name="rate",
            )
            names = {
                "verified_on_time_rate": p.t("verified_on_time"),
                "reported_on_time_rate": p.t("reported_on_time"),
                "verified_otif": p.t("verified_otif"),
            }
            long["measure"] = long["measure"].map(names)
            fig = px.line(
                long,
                x="month",
                y="rate",
                color="measure",
                markers=True,
                labels={"month": "", "rate": "", "measure": "", "orders_due": "n"},
                hover_data={"orders_due": True},
            )
            fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
            fig.update_xaxes(tickformat="%Y-%m")
            mark_provisional(p, fig, monthly)
            p.chart(fig)
    st.markdown(f"**{p.t('integrity_verdicts')}**")
    integrity_verdicts(p)


def _drivers_ipa(p: Page) -> None:
    lens = st.radio(
        p.t("lens"),
        ["forces_feelings", "competencies"],
        format_func=p.t,
        horizontal=True,
        key="lens",
    )
    try:
        drivers = q.top_drivers(p.con, p.f, lens)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("period", "region", "business_unit")
    if drivers.empty:
        st.caption(p.t("no_rows"))
        return
    drivers = drivers.assign(
        attribute=drivers["attribute"].map(p.v), quadrant=drivers["quadrant"].map(p.v)
    )
    st.metric(p.t("top_driver"), str(drivers.iloc[0]["attribute"]))
    fig = px.scatter(
        chart_frame(drivers),
        x="performance",
        y="importance",
        text="attribute",
        color="quadrant",
        size="n_answers",
        labels={
            "performance": p.t("performance"),
            "importance": p.t("importance"),
            "quadrant": "",
            "n_answers": "n",
        },
    )
    fig.add_hline(y=float(drivers["lens_mean_importance"].iloc[0]), line_dash="dot")
    fig.add_vline(x=float(drivers["lens_mean_performance"].iloc[0]), line_dash="dot")
    fig.update_traces(textposition="top center")
    fig.update_xaxes(range=[1, 5])  # the rating scale, so a small spread looks small
    p.chart(fig)


def _churn(p: Page) -> None:
    st.subheader(p.t("churn_section"))
    try:
        risky = q.churn_risk_customers(p.con, p.f)
        lost = q.lost_customers(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("period", "business_unit")
    c = st.columns(2)
    c[0].metric(p.t("high_risk_customers"), fmt.count(len(risky)))
    c[1].metric(p.t("lost_customers"), fmt.count(len(lost)))
    p.table(risky, "churn_risk_customers")
    # Lost customers apart: the churn has happened, they are not a risk to act on.
    st.markdown(f"**{p.t('lost_customers')}**")
    st.caption(p.t("lost_customers_note"))
    p.table(lost, "lost_customers")


def _sentiment_overview(p: Page) -> None:
    try:
        summary = metrics.sentiment_summary(p.con, p.f)
        monthly = metrics.sentiment_monthly(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("region", "business_unit", "segment")
    c = st.columns(4)
    c[0].metric(p.t("mentions"), fmt.count(summary["mentions"]))
    c[1].metric(p.t("net_sentiment"), fmt.pct(summary["net_sentiment"]))
    c[2].metric(p.t("negative_posts"), fmt.count(summary["negative"]))
    try:
        spikes = q.public_opinion_alerts(p.con, p.f)
    except q.NotAvailable:
        spikes = None
    c[3].metric(p.t("negative_spikes"), fmt.DASH if spikes is None else fmt.count(len(spikes)))
    st.caption(p.t("tile_metrics", metrics=", ".join(f"`{m}`" for m in summary["metrics"])))
    if not monthly.empty:
        fig = px.line(
            monthly,
            x="month",
            y="net_sentiment",
            markers=True,
            hover_data={"mentions": True},
            labels={"month": "", "net_sentiment": p.t("net_sentiment"), "mentions": "n"},
        )
        fig.update_yaxes(tickformat=".0%", range=[-1, 1])
        fig.update_xaxes(tickformat="%Y-%m")
        p.chart(fig)
