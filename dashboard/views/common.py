"""Sections shared by several views."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import fmt, metrics
from dashboard import queries as q
from dashboard.page import Page
from dashboard.safe import chart_frame, chart_text

SMALL_N = 10  # fewer answers than this: greyed, with the n shown
VERDICT_COLORS = {"ok": "#27ae60", "suspect": "#f39c12", "beautified": "#c0392b"}

# Fulfillment tiles: label key and format of each MetricFlow metric (dashboard/metrics.py).
FULFILLMENT_TILES = {
    "verified_on_time_rate": ("verified_on_time", fmt.pct),
    "reported_on_time_rate": ("reported_on_time", fmt.pct),
    "integrity_gap": ("integrity_gap", fmt.points),
    "verified_otif": ("verified_otif", fmt.pct),
    "verification_coverage": ("verification_coverage", fmt.pct),
    "orders_due": ("orders_due", fmt.count),
}


def small_n_bars(
    p: Page,
    frame: pd.DataFrame,
    category: str,
    value: str,
    n: str,
    value_label: str,
    y_range: tuple[float, float],
    interval: tuple[str, str] | None = None,
):
    """One bar per category labelled with its n; bars with n < SMALL_N grey; an
    optional (low, high) interval as error bars; the axis spans the whole scale."""
    shown = frame.assign(
        _label=[
            chart_text(f"{p.v(c)} (n={k})")
            for c, k in zip(frame[category].fillna("unknown"), frame[n], strict=True)
        ],
        _colour=[p.t("small_n") if k < SMALL_N else value_label for k in frame[n]],
    )
    extra = {}
    if interval is not None:
        low, high = interval
        shown = shown.assign(_hi=shown[high] - shown[value], _lo=shown[value] - shown[low])
        extra = {"error_y": "_hi", "error_y_minus": "_lo"}
    fig = px.bar(
        shown,
        x="_label",
        y=value,
        color="_colour",
        color_discrete_map={value_label: "#2c7fb8", p.t("small_n"): "#cccccc"},
        labels={"_label": "", value: value_label, "_colour": ""},
        **extra,
    )
    fig.update_yaxes(range=list(y_range))
    return fig


def fulfillment_tiles(p: Page, keys: list[str]) -> bool:
    """The fulfillment tiles, each from its MetricFlow metric, with the metric's name and
    its n under it. False (and a notice) when the metrics cannot be computed."""
    try:
        tiles = metrics.fulfillment_tiles(p.con, p.f)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return False
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        label, show = FULFILLMENT_TILES[key]
        tile = tiles[key]
        col.metric(p.t(label), show(tile.value))
        col.caption(p.t("tile_source", metric=tile.metric, n=fmt.count(tile.n)))
    return True


def mark_provisional(p: Page, fig, monthly: pd.DataFrame) -> None:
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


def gaming_pair(p: Page, cols, figures: dict, label: str) -> None:
    """The honest NPS (survey-gaming suspects left out) with its n; beside it, when the
    suspects change it, the NPS including them, labelled, with its n."""
    cols[0].metric(p.t(label), fmt.nps(figures["nps"]))
    cols[0].caption(p.t("tile_source", metric=figures["metric"], n=fmt.count(figures["n"])))
    if figures["n_gaming_suspect"]:
        cols[1].metric(p.t(f"{label}_including_gamed"), fmt.nps(figures["nps_including_gamed"]))
        cols[1].caption(
            p.t(
                "tile_source",
                metric=figures["metric_including_gamed"],
                n=fmt.count(figures["n_including_gamed"]),
            )
            + " · "
            + p.t("gaming_suspects_n", n=fmt.count(figures["n_gaming_suspect"]))
        )
    else:
        cols[1].caption(p.t("no_gaming_suspects"))


def integrity_verdicts(p: Page) -> None:
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
    per_month["verdict_label"] = per_month["verdict"].map(p.v)
    fig = px.bar(
        chart_frame(per_month),
        x="period_month_start",
        y="n",
        color="verdict_label",
        color_discrete_map={p.v(k): c for k, c in VERDICT_COLORS.items()},
        labels={"period_month_start": "", "n": p.t("region_months"), "verdict_label": ""},
    )
    fig.update_xaxes(tickformat="%Y-%m")
    p.chart(fig)
    p.table(verdicts[verdicts["verdict"] != "ok"], "integrity_verdicts")


def _go(view: str, state: dict) -> None:
    st.session_state["view"] = view
    for key, value in state.items():
        st.session_state[key] = value


def drill(p: Page, view: str, label: str, options: list, key: str, format_func=str) -> None:
    """Drill-down: pick a region (or customer) and open it in the next view (only when the
    viewer may open that view; the options are already in the viewer's scope)."""
    if not options or not p.viewer.may_open(view):
        return
    c = st.columns([3, 1])
    choice = c[0].selectbox(p.t(label), options, format_func=format_func, key=f"drill_{key}_{view}")
    c[1].button(
        p.t("open"),
        key=f"drill_btn_{key}_{view}",
        on_click=_go,
        args=(view, {key: choice}),
    )


ACTING_ROLES = ("account_manager", "cx_team")


def alert_action_form(p: Page, alerts: pd.DataFrame, key: str) -> None:
    """Acknowledge, log a call or resolve (with a root cause) one of these open alerts.
    Written to the closed loop's operational store; the next build applies it."""
    from orchestration import alert_store

    if p.viewer.role not in ACTING_ROLES or alerts.empty:
        return
    with st.form(f"alert_action_{key}", clear_on_submit=True):
        st.markdown(f"**{p.t('act_on_alert')}**")
        c = st.columns([3, 2, 2])
        alert_id = c[0].selectbox(p.t("alert_id"), list(alerts["alert_id"]))
        action = c[1].selectbox(p.t("action"), alert_store.ACTIONS, format_func=p.v)
        cause = c[2].selectbox(
            p.t("root_cause"), [None, *alert_store.ROOT_CAUSES], format_func=_cause_label(p)
        )
        note = st.text_input(p.t("action_note"))
        if st.form_submit_button(p.t("record_action")):
            try:
                alert_store.record_action(alert_id, action, p.viewer.username, cause, note or None)
            except ValueError as exc:
                st.error(p.t("action_refused", reason=str(exc)))
            else:
                st.success(p.t("action_recorded"))
    pending = alert_store.read_store()
    pending = pending[pending["alert_id"].isin(alerts["alert_id"])]
    if not pending.empty:
        st.caption(p.t("actions_pending"))
        p.table(pending, f"actions_{key}")


def _cause_label(p: Page):
    return lambda c: p.t("no_root_cause") if c is None else p.v(c)
