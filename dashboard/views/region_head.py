"""Region head: verified OTIF by month with its interval, the orders and staff behind
integrity flags, scene NPS of late vs on-time orders; drill-down to a customer.
A region head's filter offers only their own regions (dashboard/access.yml)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import fmt, metrics
from dashboard import queries as q
from dashboard.page import Page
from dashboard.safe import chart_frame, chart_text
from dashboard.views.common import (
    drill,
    fulfillment_tiles,
    gaming_pair,
    integrity_verdicts,
    mark_provisional,
)


def render(p: Page) -> None:
    if p.f.region == q.ALL:
        st.info(p.t("region_hint"))
    else:
        _drill_customer(p)
    _otif(p)
    _flags(p)
    _scene(p)


def _drill_customer(p: Page) -> None:
    try:
        customers = q.customers_in(p.con, p.f)
    except q.NotAvailable:
        return
    names = dict(zip(customers["customer_key"], customers["customer_name"], strict=True))
    drill(
        p,
        "account_manager",
        "drill_customer",
        list(names),
        "customer",
        format_func=lambda k: f"{names[k]} ({k})",
    )


def _otif(p: Page) -> None:
    st.subheader(p.t("otif_section"))
    try:
        monthly = metrics.fulfillment_monthly(p.con, p.f)
        rows = q.region_months(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    p.not_applied("segment")
    fulfillment_tiles(
        p, ["verified_otif", "verified_on_time_rate", "reported_on_time_rate", "integrity_gap"]
    )
    if not monthly.empty:
        fig = go.Figure()
        fig.add_scatter(
            x=monthly["month"],
            y=monthly["verified_otif"],
            mode="lines+markers",
            name=chart_text(p.t("verified_otif")),
        )
        fig.add_scatter(
            x=monthly["month"],
            y=monthly["reported_on_time_rate"],
            mode="lines+markers",
            name=chart_text(p.t("reported_on_time")),
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
        fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
        fig.update_xaxes(tickformat="%Y-%m")
        mark_provisional(p, fig, monthly)
        p.chart(fig)
    p.table(rows, "region_months")


def _flags(p: Page) -> None:
    st.subheader(p.t("flags_section"))
    integrity_verdicts(p)
    try:
        signals = q.integrity_order_signals(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(2)
    c[0].metric(p.t("flagged_orders"), fmt.count(signals["chain_order_id"].nunique()))
    c[1].metric(p.t("staff_involved"), fmt.count(signals["staff_id"].dropna().nunique()))
    try:
        staff = q.integrity_staff(p.con, p.f)
    except q.NotAvailable:
        staff = None
    if staff is not None and not staff.empty:
        fig = px.bar(
            chart_frame(staff),
            x="staff_id",
            y="orders_hidden_late",
            color="pattern",
            hover_data=["orders_signalled", "points_of_reported_rate", "verdicts"],
            labels={"staff_id": "", "orders_hidden_late": p.t("hidden_late"), "pattern": ""},
        )
        p.chart(fig)
        p.table(staff, "integrity_staff")
    elif not signals.empty:
        by_staff = (
            signals.groupby(["staff_id", "pattern"], dropna=False)["chain_order_id"]
            .nunique()
            .reset_index(name="orders")
        )
        fig = px.bar(
            chart_frame(by_staff),
            x="staff_id",
            y="orders",
            color="pattern",
            labels={"staff_id": "", "pattern": ""},
        )
        p.chart(fig)
    p.table(signals, "integrity_order_signals")


def _scene(p: Page) -> None:
    st.subheader(p.t("scene_section"))
    try:
        scene = metrics.scene_nps_by_outcome(p.con, p.f)
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
        st.caption(p.t("tile_metrics", metrics=", ".join(f"`{m}`" for m in scene["metrics"])))
        bars = pd.DataFrame(
            {
                "group": [p.t("scene_nps_on_time"), p.t("scene_nps_late")],
                "nps": [scene["nps_on_time"], scene["nps_late"]],
                "n": [f"n = {scene['n_on_time']}", f"n = {scene['n_late']}"],
            }
        )
        fig = px.bar(bars, x="group", y="nps", text="n", labels={"group": "", "nps": "NPS"})
        fig.update_yaxes(range=[-100, 100])
        p.chart(fig)
    try:
        gaming = metrics.scene_nps(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
    else:
        gaming_pair(p, st.columns(2), gaming, "scene_nps")
        st.caption(p.t("gaming_note"))
