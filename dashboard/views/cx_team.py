"""CX team: journey-stage heat map, drivers by segment and role, the alert queue, the word
cloud and the sentiment distribution."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from cx_settings import load_settings
from dashboard import fmt, metrics
from dashboard import queries as q
from dashboard.page import Page
from dashboard.safe import chart_frame, chart_text
from dashboard.views.common import SMALL_N, alert_action_form, small_n_bars

SENTIMENT_COLORS = {"positive": "#27ae60", "neutral": "#95a5a6", "negative": "#c0392b"}
JOURNEY = (
    "awareness",
    "search",
    "communication",
    "decision",
    "purchase",
    "delivery",
    "repurchase",
    "unknown",
)


def stage_rank(stage: str) -> int:
    return JOURNEY.index(stage) if stage in JOURNEY else len(JOURNEY)


def journey_figure(p: Page, heat) -> go.Figure:
    """Stages in journey order (awareness first, top), months across; a cell's NPS coloured
    only from SMALL_N answers up, smaller cells grey, every cell labelled with its n."""
    stages = sorted(heat["journey_stage"].unique(), key=stage_rank)
    months = sorted(heat["month"].unique())
    nps = heat.pivot(index="journey_stage", columns="month", values="nps").reindex(
        index=stages, columns=months
    )
    n = heat.pivot(index="journey_stage", columns="month", values="n").reindex(
        index=stages, columns=months
    )
    small = n.fillna(0) < SMALL_N
    y = [chart_text(p.v(s)) for s in stages]
    x = [str(m)[:7] for m in months]
    label = [
        [
            "" if pd.isna(c) else (f"n={int(c)}" if sm else f"{v:.0f}<br>n={int(c)}")
            for v, c, sm in zip(vr, cr, smr, strict=True)
        ]
        for vr, cr, smr in zip(nps.to_numpy(), n.to_numpy(), small.to_numpy(), strict=True)
    ]
    fig = go.Figure()
    fig.add_heatmap(
        z=small.where(small).astype(float).to_numpy(),
        x=x,
        y=y,
        colorscale=[[0, "#dddddd"], [1, "#dddddd"]],
        showscale=False,
        hoverinfo="skip",
    )
    fig.add_heatmap(
        z=nps.where(~small).to_numpy(),
        x=x,
        y=y,
        zmin=-100,
        zmax=100,
        colorscale="RdYlGn",
        text=label,
        texttemplate="%{text}",
        colorbar={"title": {"text": "NPS"}},
        hovertemplate="%{y} %{x}: NPS %{z:.0f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", title=p.t("stage"))
    fig.update_xaxes(title=p.t("month"))
    return fig


def render(p: Page) -> None:
    _journey(p)
    _survey_funnel(p)
    _drivers_by_scope(p)
    _alert_queue(p)
    st.subheader(p.t("wordcloud_section"))
    p.not_applied("region", "business_unit", "segment")
    _word_cloud(p)
    _sentiment_distribution(p)


def _journey(p: Page) -> None:
    st.subheader(p.t("journey_section"))
    try:
        heat = metrics.journey_heatmap(p.con, p.f)
        stages = metrics.journey_stage_nps(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("region", "business_unit")
    if not heat.empty:
        p.chart(journey_figure(p, heat))
        st.caption(p.t("small_n_note", n=SMALL_N))
    st.caption(p.t("tile_metrics", metrics="`nps`, `nps_answer_count`, `ces`"))
    stages = stages.assign(order=stages["journey_stage"].map(stage_rank)).sort_values("order")
    stages = stages.drop(columns="order").assign(journey_stage=stages["journey_stage"].map(p.v))
    p.table(stages, "journey_stages")


def _survey_funnel(p: Page) -> None:
    st.subheader(p.t("funnel_section"))
    by = st.radio(
        p.t("funnel_by"), list(metrics.FUNNEL_BY), format_func=p.col, horizontal=True, key="funnel"
    )
    try:
        funnel = metrics.survey_funnel(p.con, p.f, by)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("business_unit")
    if funnel.empty:
        st.caption(p.t("no_rows"))
        return
    fig = small_n_bars(
        p, funnel, by, "response_rate", "invitations_sent", p.col("response_rate"), (0, 1)
    )
    fig.update_yaxes(tickformat=".0%")
    p.chart(fig)
    st.caption(p.t("funnel_note"))
    p.table(funnel, f"survey_funnel_{by}")


def _drivers_by_scope(p: Page) -> None:
    st.subheader(p.t("driver_scope_section"))
    lens = st.radio(
        p.t("lens"),
        ["forces_feelings", "competencies"],
        format_func=p.t,
        horizontal=True,
        key="cx_lens",
    )
    tabs = st.tabs([p.t("by_segment"), p.t("by_role")])
    for tab, scope in zip(tabs, ("segment", "buying_role"), strict=True):
        with tab:
            try:
                d = q.drivers_by_scope(p.con, scope, lens)
            except q.NotAvailable as exc:
                p.unavailable(exc)
                continue
            if d.empty:
                st.caption(p.t("no_rows"))
                continue
            d = d.assign(attribute=d["attribute"].map(p.v), scope_value=d["scope_value"].map(p.v))
            grid = d.pivot(index="scope_value", columns="attribute", values="importance")
            grid.index = [chart_text(i) for i in grid.index]
            grid.columns = [chart_text(c) for c in grid.columns]
            fig = px.imshow(
                grid,
                aspect="auto",
                color_continuous_scale="Blues",
                text_auto=".2f",
                labels={"color": p.t("importance")},
            )
            p.chart(fig)


def _alert_queue(p: Page) -> None:
    st.subheader(p.t("alert_queue_section"))
    try:
        summary = metrics.alert_summary(p.con, p.f)
        breakdown = metrics.alert_breakdown(p.con, p.f)
        queue = q.alert_queue(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("business_unit")
    c = st.columns(4)
    c[0].metric(p.t("alerts_total"), fmt.count(summary["alerts"]))
    c[1].metric(p.t("open_alerts"), fmt.count(summary["open"]))
    c[2].metric(p.t("breached"), fmt.count(summary["breached"]))
    c[3].metric(p.t("breach_rate"), fmt.pct(summary["breach_rate"]))
    st.caption(
        p.t(
            "alert_metrics",
            metrics=", ".join(f"`{m}`" for m in summary["metrics"]),
            hours=load_settings().marts.alert_sla_hours,
        )
    )
    if not breakdown.empty:
        breakdown = breakdown.assign(
            alert_type=breakdown["alert_type"].map(p.v),
            severity=breakdown["severity"].map(p.v),
            is_sla_breached=breakdown["is_sla_breached"].map(
                lambda b: p.t("breached") if b else p.v("no")
            ),
        )
        fig = px.bar(
            chart_frame(breakdown),
            x="alert_type",
            y="alerts",
            color="severity",
            pattern_shape="is_sla_breached",
            labels={"alert_type": "", "severity": "", "is_sla_breached": "", "alerts": "n"},
        )
        p.chart(fig)
    clock = fmt.sla_clocks(queue["sla_due_at"], datetime.now(), p.lang)
    p.table(queue.assign(sla_clock=clock), "alert_queue")
    alert_action_form(p, queue, "queue")


def _word_cloud(p: Page) -> None:
    kw_lang = st.radio(p.t("keyword_language"), ["zh", "en"], horizontal=True, key="kw_lang")
    try:
        words = q.top_keywords(p.con, p.f, kw_lang)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if words.empty:
        st.caption(p.t("no_rows"))
        return
    # A word cloud: words on a golden-angle spiral, biggest in the middle, size ~ weight.
    n = len(words)
    angle = [i * 2.39996 for i in range(n)]
    radius = [math.sqrt(i + 0.5) for i in range(n)]
    top = float(words["weight"].max()) or 1.0
    share = words["negative_posts"] / words["posts"].where(words["posts"] > 0)
    keywords = [chart_text(k) for k in words["keyword"]]
    fig = go.Figure(
        go.Scatter(
            x=[r * math.cos(a) for r, a in zip(radius, angle, strict=True)],
            y=[r * math.sin(a) for r, a in zip(radius, angle, strict=True)],
            mode="text",
            text=keywords,
            textfont={
                "size": [12 + 30 * float(w) / top for w in words["weight"]],
                "color": ["#c0392b" if (s_ or 0) > 0.5 else "#2c3e50" for s_ in share],
            },
            hovertext=[f"{k}: n = {int(c)}" for k, c in zip(keywords, words["posts"], strict=True)],
            hoverinfo="text",
        )
    )
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=420)
    p.chart(fig)
    st.caption(p.t("word_cloud_note"))


def _sentiment_distribution(p: Page) -> None:
    try:
        scores = q.sentiment_scores(p.con, p.f)
        monthly = metrics.sentiment_monthly(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    colors = {p.v(k): c for k, c in SENTIMENT_COLORS.items()}
    c = st.columns(2)
    if not scores.empty:
        scores = scores.assign(sentiment_label=scores["sentiment_label"].map(p.v))
        fig = px.histogram(
            chart_frame(scores, ["sentiment_label"]),
            x="sentiment_score",
            color="sentiment_label",
            color_discrete_map=colors,
            nbins=40,
            labels={"sentiment_score": p.t("sentiment_score"), "sentiment_label": ""},
        )
        fig.update_xaxes(range=[-1, 1])
        p.chart(fig, c[0])
    if not monthly.empty:
        long = monthly.melt(
            id_vars=["month"],
            value_vars=["positive", "neutral", "negative"],
            var_name="label",
            value_name="posts",
        )
        long["label"] = long["label"].map(p.v)
        fig = px.bar(
            long,
            x="month",
            y="posts",
            color="label",
            labels={"month": "", "label": "", "posts": "n"},
            color_discrete_map=colors,
        )
        fig.update_xaxes(tickformat="%Y-%m")
        p.chart(fig, c[1])
