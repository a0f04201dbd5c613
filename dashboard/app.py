"""Role dashboards on the published snapshot: `make dashboard` (http://localhost:8501).

Reads only the published snapshot (CX_PUBLISHED_PATH, default
data/published/cx_published.duckdb), read-only, one short connection per page
render: a pipeline run never blocks it, and a new snapshot shows on the next
render. All SQL is in dashboard/queries.py with bound parameters.

URL parameters: ?view=executive|region_head|account_manager|cx_team&lang=en|zh, and
optionally region=, business_unit=, segment= to preselect a filter.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

from dashboard import fmt  # noqa: E402
from dashboard import queries as q  # noqa: E402
from dashboard.i18n import t, value  # noqa: E402

VIEWS = ("executive", "region_head", "account_manager", "cx_team")
SENTIMENT_COLORS = {"positive": "#27ae60", "neutral": "#95a5a6", "negative": "#c0392b"}


def snapshot_path() -> Path:
    explicit = os.environ.get("CX_PUBLISHED_PATH")
    if explicit:
        return Path(explicit)
    data = os.environ.get("CX_DATA_DIR", str(ROOT / "data"))
    return Path(data) / "published" / "cx_published.duckdb"


class Page:
    """One render: the language, the filters and the connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        lang: str,
        filters: q.Filters,
        as_of: object = None,
    ):
        self.con, self.lang, self.f, self.as_of = con, lang, filters, as_of

    def t(self, key: str, **kw) -> str:
        return t(key, self.lang, **kw)

    def v(self, data_value):
        return value(data_value, self.lang)

    def unavailable(self, exc: q.NotAvailable) -> None:
        st.info(self.t("not_available", tables=", ".join(exc.missing)))

    def not_applied(self, *names: str) -> None:
        st.caption(self.t("filters_not_applied", names=", ".join(self.t(n) for n in names)))


# --------------------------------------------------------------------------- views


def view_executive(p: Page) -> None:
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
                labels={"quarter_start": "", "nps": "NPS"},
            )
            st.plotly_chart(fig, width="stretch")
    _survey_nps_headline(p)

    st.subheader(p.t("fulfillment_section"))
    try:
        tot = q.fulfillment_totals(p.con, p.f)
        monthly = q.fulfillment_monthly(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("segment")
        c = st.columns(6)
        c[0].metric(p.t("verified_on_time"), fmt.pct(tot["verified_on_time_rate"]))
        c[1].metric(p.t("reported_on_time"), fmt.pct(tot["reported_on_time_rate"]))
        c[2].metric(p.t("integrity_gap"), fmt.points(tot["gap_points"]))
        c[3].metric(p.t("verified_otif"), fmt.pct(tot["verified_otif_rate"]))
        c[4].metric(p.t("verification_coverage"), fmt.pct(tot["verification_coverage"]))
        c[5].metric(p.t("orders_due"), fmt.count(tot["orders_due"]))
        st.caption(p.t("verified_note"))
        if not monthly.empty:
            long = monthly.melt(
                id_vars=["month", "orders_due"],
                value_vars=["verified_on_time_rate", "reported_on_time_rate", "verified_otif_rate"],
                var_name="measure",
                value_name="rate",
            )
            names = {
                "verified_on_time_rate": p.t("verified_on_time"),
                "reported_on_time_rate": p.t("reported_on_time"),
                "verified_otif_rate": p.t("verified_otif"),
            }
            long["measure"] = long["measure"].map(names)
            fig = px.line(
                long,
                x="month",
                y="rate",
                color="measure",
                markers=True,
                labels={"month": "", "rate": ""},
            )
            fig.update_yaxes(tickformat=".0%")
            _mark_provisional(p, fig, monthly)
            st.plotly_chart(fig, width="stretch")
    st.markdown(f"**{p.t('integrity_verdicts')}**")
    _integrity_verdicts(p)

    st.subheader(p.t("drivers_section"))
    _drivers_ipa(p)

    st.subheader(p.t("churn_section"))
    try:
        risky = q.churn_risk_customers(p.con, p.f)
        lost = q.lost_customers(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("period", "business_unit")
        c = st.columns(2)
        c[0].metric(p.t("high_risk_customers"), fmt.count(len(risky)))
        c[1].metric(p.t("lost_customers"), fmt.count(len(lost)))
        st.dataframe(risky, hide_index=True, width="stretch")
        # Lost customers apart: the churn has happened, they are not a risk to act on.
        st.markdown(f"**{p.t('lost_customers')}**")
        st.caption(p.t("lost_customers_note"))
        st.dataframe(lost, hide_index=True, width="stretch")

    st.subheader(p.t("sentiment_section"))
    _sentiment_overview(p)


def _mark_provisional(p: Page, fig, monthly) -> None:
    """Shade the months still inside the confirmation window, and say why."""
    provisional = monthly[monthly["is_provisional"].fillna(False).astype(bool)]
    if provisional.empty:
        return
    for month in provisional["month"]:
        start = pd.Timestamp(month)
        fig.add_vrect(
            x0=start - pd.Timedelta(days=15),
            x1=start + pd.Timedelta(days=15),
            fillcolor="#999999",
            opacity=0.15,
            line_width=0,
            annotation_text=p.t("provisional"),
            annotation_position="top left",
        )
    st.caption(p.t("provisional_note", cutoff=p.as_of or "?"))


def _gaming_pair(p: Page, cols, figures: dict, label: str) -> None:
    """The honest NPS (survey-gaming suspects left out) with its n; beside it, when the
    suspects change it, the NPS including them, labelled, with its n."""
    cols[0].metric(p.t(label), fmt.nps(figures["nps"]))
    cols[0].caption(f"n = {fmt.count(figures['n'])}")
    if figures["n_gaming_suspect"]:
        cols[1].metric(p.t(f"{label}_including_gamed"), fmt.nps(figures["nps_including_gamed"]))
        cols[1].caption(
            f"n = {fmt.count(figures['n_including_gamed'])} · "
            + p.t("gaming_suspects_n", n=fmt.count(figures["n_gaming_suspect"]))
        )
    else:
        cols[1].caption(p.t("no_gaming_suspects"))


def _survey_nps_headline(p: Page) -> None:
    try:
        figures = q.survey_nps(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    _gaming_pair(p, st.columns(2), figures, "survey_nps")
    st.caption(p.t("gaming_note"))


def _integrity_verdicts(p: Page) -> None:
    try:
        verdicts = q.integrity_verdicts(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if verdicts.empty:
        st.caption(p.t("no_rows"))
        return
    counts = verdicts["verdict"].value_counts()
    c = st.columns(3)
    c[0].metric(p.t("verdict_beautified"), fmt.count(counts.get("beautified", 0)))
    c[1].metric(p.t("verdict_suspect"), fmt.count(counts.get("suspect", 0)))
    c[2].metric(p.t("verdict_ok"), fmt.count(counts.get("ok", 0)))
    per_month = verdicts.groupby(["period_month_start", "verdict"]).size().reset_index(name="n")
    fig = px.bar(
        per_month,
        x="period_month_start",
        y="n",
        color="verdict",
        color_discrete_map={"ok": "#27ae60", "suspect": "#f39c12", "beautified": "#c0392b"},
        labels={"period_month_start": "", "n": p.t("region_months")},
    )
    st.plotly_chart(fig, width="stretch")
    flagged = verdicts[verdicts["verdict"] != "ok"]
    st.dataframe(flagged, hide_index=True, width="stretch")


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
        drivers,
        x="performance",
        y="importance",
        text="attribute",
        color="quadrant",
        size="n_answers",
        labels={"performance": p.t("performance"), "importance": p.t("importance")},
    )
    fig.add_hline(y=float(drivers["lens_mean_importance"].iloc[0]), line_dash="dot")
    fig.add_vline(x=float(drivers["lens_mean_performance"].iloc[0]), line_dash="dot")
    fig.update_traces(textposition="top center")
    st.plotly_chart(fig, width="stretch")


def _sentiment_overview(p: Page) -> None:
    try:
        summary = q.sentiment_summary(p.con, p.f)
        monthly = q.sentiment_monthly(p.con, p.f)
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
    if not monthly.empty:
        fig = px.line(
            monthly,
            x="month",
            y="net_sentiment",
            markers=True,
            hover_data={"mentions": True},
            labels={"month": "", "net_sentiment": ""},
        )
        fig.update_yaxes(tickformat=".0%")
        st.plotly_chart(fig, width="stretch")


def _customer_mentions(p: Page, customer_key: str) -> None:
    try:
        m = q.customer_mentions(p.con, p.f, customer_key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(3)
    c[0].metric(p.t("mentions"), fmt.count(m["mentions"]))
    c[1].metric(p.t("negative_posts"), fmt.count(m["negative"]))
    c[2].metric(p.t("net_sentiment"), fmt.pct(m["net_sentiment"]))
    st.dataframe(m["posts"], hide_index=True, width="stretch")


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
    fig = go.Figure(
        go.Scatter(
            x=[r * math.cos(a) for r, a in zip(radius, angle, strict=True)],
            y=[r * math.sin(a) for r, a in zip(radius, angle, strict=True)],
            mode="text",
            text=words["keyword"],
            textfont={
                "size": [12 + 30 * float(w) / top for w in words["weight"]],
                "color": ["#c0392b" if (s_ or 0) > 0.5 else "#2c3e50" for s_ in share],
            },
            hovertext=[
                f"{k}: {int(c)} posts"
                for k, c in zip(words["keyword"], words["posts"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=420)
    st.plotly_chart(fig, width="stretch")
    st.caption(p.t("word_cloud_note"))


def _sentiment_distribution(p: Page) -> None:
    try:
        scores = q.sentiment_scores(p.con, p.f)
        monthly = q.sentiment_monthly(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(2)
    if not scores.empty:
        c[0].plotly_chart(
            px.histogram(
                scores,
                x="sentiment_score",
                color="sentiment_label",
                color_discrete_map=SENTIMENT_COLORS,
                nbins=40,
                labels={"sentiment_score": p.t("sentiment_score")},
            ),
            width="stretch",
        )
    if not monthly.empty:
        long = monthly.melt(
            id_vars=["month"],
            value_vars=["positive", "neutral", "negative"],
            var_name="label",
            value_name="posts",
        )
        c[1].plotly_chart(
            px.bar(
                long,
                x="month",
                y="posts",
                color="label",
                labels={"month": ""},
                color_discrete_map=SENTIMENT_COLORS,
            ),
            width="stretch",
        )


def view_region_head(p: Page) -> None:
    if p.f.region == q.ALL:
        st.info(p.t("region_hint"))
    st.subheader(p.t("otif_section"))
    try:
        tot = q.fulfillment_totals(p.con, p.f)
        monthly = q.fulfillment_monthly(p.con, p.f)
        rows = q.region_months(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("segment")
        c = st.columns(4)
        c[0].metric(p.t("verified_otif"), fmt.pct(tot["verified_otif_rate"]))
        c[1].metric(p.t("verified_on_time"), fmt.pct(tot["verified_on_time_rate"]))
        c[2].metric(p.t("reported_on_time"), fmt.pct(tot["reported_on_time_rate"]))
        c[3].metric(p.t("integrity_gap"), fmt.points(tot["gap_points"]))
        if not monthly.empty:
            fig = go.Figure()
            fig.add_scatter(
                x=monthly["month"],
                y=monthly["verified_otif_rate"],
                mode="lines+markers",
                name=p.t("verified_otif"),
            )
            fig.add_scatter(
                x=monthly["month"],
                y=monthly["reported_on_time_rate"],
                mode="lines+markers",
                name=p.t("reported_on_time"),
                line={"dash": "dash"},
            )
            if p.f.business_unit != q.ALL and p.f.region != q.ALL and not rows.empty:
                fig.add_scatter(
                    x=rows["month"],
                    y=rows["verified_otif_ci_high"],
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                )
                fig.add_scatter(
                    x=rows["month"],
                    y=rows["verified_otif_ci_low"],
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    name="95% CI",
                )
            fig.update_yaxes(tickformat=".0%")
            _mark_provisional(p, fig, monthly)
            st.plotly_chart(fig, width="stretch")
        st.dataframe(rows, hide_index=True, width="stretch")

    st.subheader(p.t("flags_section"))
    _integrity_verdicts(p)
    try:
        signals = q.integrity_order_signals(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        c = st.columns(2)
        c[0].metric(p.t("flagged_orders"), fmt.count(signals["chain_order_id"].nunique()))
        c[1].metric(p.t("staff_involved"), fmt.count(signals["staff_id"].dropna().nunique()))
        try:
            staff = q.integrity_staff(p.con, p.f)
        except q.NotAvailable:
            staff = None
        if staff is not None and not staff.empty:
            fig = px.bar(
                staff,
                x="staff_id",
                y="orders_hidden_late",
                color="pattern",
                hover_data=["orders_signalled", "points_of_reported_rate", "verdicts"],
                labels={"staff_id": "", "orders_hidden_late": p.t("hidden_late")},
            )
            st.plotly_chart(fig, width="stretch")
            st.dataframe(staff, hide_index=True, width="stretch")
        elif not signals.empty:
            by_staff = (
                signals.groupby(["staff_id", "pattern"], dropna=False)["chain_order_id"]
                .nunique()
                .reset_index(name="orders")
            )
            fig = px.bar(
                by_staff, x="staff_id", y="orders", color="pattern", labels={"staff_id": ""}
            )
            st.plotly_chart(fig, width="stretch")
        st.dataframe(signals, hide_index=True, width="stretch")

    st.subheader(p.t("scene_section"))
    try:
        scene = q.scene_nps_late_vs_on_time(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        c = st.columns(3)
        c[0].metric(p.t("scene_nps_on_time"), fmt.nps(scene["nps_on_time"]))
        c[0].caption(f"n = {fmt.count(scene['n_on_time'])}")
        c[1].metric(p.t("scene_nps_late"), fmt.nps(scene["nps_late"]))
        c[1].caption(f"n = {fmt.count(scene['n_late'])}")
        diff = None
        if scene["nps_late"] is not None and scene["nps_on_time"] is not None:
            diff = scene["nps_late"] - scene["nps_on_time"]
        c[2].metric(p.t("scene_nps_difference"), fmt.points(diff))
        bars = pd.DataFrame(
            {
                "group": [p.t("scene_nps_on_time"), p.t("scene_nps_late")],
                "nps": [scene["nps_on_time"], scene["nps_late"]],
                "n": [scene["n_on_time"], scene["n_late"]],
            }
        )
        st.plotly_chart(
            px.bar(bars, x="group", y="nps", text="n", labels={"group": ""}), width="stretch"
        )
    try:
        gaming = q.scene_nps_gaming(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        _gaming_pair(p, st.columns(2), gaming, "scene_nps")
        st.caption(p.t("gaming_note"))


def view_account_manager(p: Page) -> None:
    try:
        managers = q.account_managers(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if not managers:
        st.warning(p.t("no_rows"))
        return
    manager = st.selectbox(p.t("manager"), managers, key="manager")
    customers = q.customers_of(p.con, p.f, manager)
    if customers.empty:
        st.warning(p.t("no_customers"))
        return
    labels = dict(zip(customers["customer_key"], customers["customer_name"], strict=True))
    key = st.selectbox(
        p.t("customer"),
        list(labels),
        format_func=lambda k: f"{labels[k]} ({k})",
        key="customer",
    )
    prof = q.customer_profile(p.con, key)
    st.subheader(
        f"{prof.get('customer_name')} · {prof.get('segment') or '-'} · "
        f"{prof.get('industry') or '-'}"
    )
    c = st.columns(3)
    c[0].metric(p.t("health_score"), fmt.score(prof.get("health_score")))
    c[1].metric(p.t("churn_risk_tier"), str(prof.get("churn_risk_tier") or fmt.DASH))
    c[2].metric(p.t("active_contract_value"), fmt.money(prof.get("active_contract_value_cny")))

    st.subheader(p.t("contacts_section"))
    try:
        contacts = q.customer_contacts(p.con, p.f, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        st.dataframe(contacts, hide_index=True, width="stretch")
        answered = contacts.dropna(subset=["latest_nps"])
        if not answered.empty:
            fig = px.bar(
                answered,
                x="full_name",
                y="latest_nps",
                color="buying_role",
                range_y=[0, 10],
                labels={"full_name": "", "latest_nps": "NPS 0-10"},
            )
            st.plotly_chart(fig, width="stretch")

    st.subheader(p.t("orders_section"))
    try:
        summary = q.customer_order_summary(p.con, p.f, key)
        orders = q.customer_orders(p.con, p.f, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        c = st.columns(5)
        c[0].metric(p.t("orders_due"), fmt.count(summary["orders_due"]))
        c[1].metric(p.t("on_time_verified_orders"), fmt.count(summary["on_time_verified"]))
        c[2].metric(p.t("on_time_reported_orders"), fmt.count(summary["on_time_reported"]))
        c[3].metric(p.t("confirmed"), fmt.count(summary["confirmed"]))
        c[4].metric(p.t("complaints"), fmt.count(summary["complaints"]))
        st.dataframe(orders, hide_index=True, width="stretch")

    st.subheader(p.t("alerts_section"))
    try:
        alerts = q.customer_open_alerts(p.con, key, datetime.now())
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        c = st.columns(2)
        c[0].metric(p.t("open_alerts"), fmt.count(len(alerts)))
        c[1].metric(p.t("breached"), fmt.count(int(alerts["is_sla_breached"].sum())))
        st.dataframe(alerts, hide_index=True, width="stretch")

    st.subheader(p.t("mentions_section"))
    _customer_mentions(p, key)


def view_cx_team(p: Page) -> None:
    st.subheader(p.t("journey_section"))
    try:
        heat = q.journey_heatmap(p.con, p.f)
        stages = q.journey_stage_nps(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("region", "business_unit", "segment")
        if not heat.empty:
            grid = heat.pivot(index="journey_stage", columns="month", values="nps")
            fig = px.imshow(
                grid,
                aspect="auto",
                color_continuous_scale="RdYlGn",
                zmin=-100,
                zmax=100,
                labels={"x": p.t("month"), "y": p.t("stage"), "color": "NPS"},
            )
            st.plotly_chart(fig, width="stretch")
        st.dataframe(stages, hide_index=True, width="stretch")

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
            d = d.assign(attribute=d["attribute"].map(p.v))
            grid = d.pivot(index="scope_value", columns="attribute", values="importance")
            fig = px.imshow(
                grid,
                aspect="auto",
                color_continuous_scale="Blues",
                text_auto=".2f",
                labels={"color": p.t("importance")},
            )
            st.plotly_chart(fig, width="stretch")

    st.subheader(p.t("alert_queue_section"))
    try:
        summary = q.alert_summary(p.con, p.f)
        breakdown = q.alert_breakdown(p.con, p.f)
        queue = q.alert_queue(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        p.not_applied("business_unit")
        c = st.columns(4)
        c[0].metric(p.t("alerts_total"), fmt.count(summary["alerts"]))
        c[1].metric(p.t("open_alerts"), fmt.count(summary["open"]))
        c[2].metric(p.t("breached"), fmt.count(summary["breached"]))
        c[3].metric(p.t("breach_rate"), fmt.pct(summary["breach_rate"]))
        if not breakdown.empty:
            fig = px.bar(
                breakdown,
                x="alert_type",
                y="alerts",
                color="severity",
                pattern_shape="is_sla_breached",
                labels={"alert_type": ""},
            )
            st.plotly_chart(fig, width="stretch")
        st.dataframe(queue, hide_index=True, width="stretch")

    st.subheader(p.t("wordcloud_section"))
    p.not_applied("region", "business_unit", "segment")
    _word_cloud(p)
    _sentiment_distribution(p)


RENDER = {
    "executive": view_executive,
    "region_head": view_region_head,
    "account_manager": view_account_manager,
    "cx_team": view_cx_team,
}


# --------------------------------------------------------------------------- page


def _param(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = st.query_params.get(name, default)
    return value if value in allowed else default


def main() -> None:
    st.set_page_config(page_title="CX dashboards", layout="wide")
    lang = st.sidebar.radio(
        t("language"),
        ["en", "zh"],
        format_func=lambda v: "English" if v == "en" else "中文",
        index=0 if _param("lang", ("en", "zh"), "en") == "en" else 1,
        horizontal=True,
        key="lang",
    )
    st.query_params["lang"] = lang
    view = st.sidebar.radio(
        t("view", lang),
        VIEWS,
        format_func=lambda v: t(v, lang),
        index=VIEWS.index(_param("view", VIEWS, "executive")),
        key="view",
    )
    st.query_params["view"] = view
    st.title(f"{t('title', lang)} · {t(view, lang)}")

    path = snapshot_path()
    if not path.exists():
        st.error(t("no_snapshot", lang, path=path))
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = q.manifest(con)
        st.sidebar.caption(
            f"{t('snapshot', lang)}: {t('published_at', lang)} {meta.get('published_at', '?')}"
            f" · {t('run', lang)} {str(meta.get('run_id', '?'))[:8]}"
        )
        opts = q.filter_options(con)
        st.sidebar.header(t("filters", lang))
        months = opts["months"]
        if months:
            start, end = st.sidebar.select_slider(
                t("period", lang),
                options=months,
                value=q.default_period(months, opts["last_complete_month"]),
                format_func=lambda d: d.strftime("%Y-%m"),
                key="period",
            )
        else:
            start = end = datetime.now().date()

        def pick(label: str, values: list[str], key: str) -> str:
            # ?region=East etc. preselects a filter (deep links); unknown values are ignored.
            options = [q.ALL, *values]
            wanted = st.query_params.get(key, q.ALL)
            return st.sidebar.selectbox(
                t(label, lang),
                options,
                index=options.index(wanted) if wanted in options else 0,
                format_func=lambda v: t("all", lang) if v == q.ALL else v,
                key=key,
            )

        region = pick("region", opts["regions"], "region")
        bu = pick("business_unit", opts["business_units"], "business_unit")
        segment = pick("segment", opts["segments"], "segment")
        filters = q.Filters(start, end, region, bu, segment)
        RENDER[view](Page(con, lang, filters, opts.get("as_of")))
    finally:
        con.close()


main()
