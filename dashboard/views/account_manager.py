"""Customer page: profile and health, contacts by buying role, orders and confirmations,
open alerts with their SLA clock, public mentions.

Scope: an account manager sees only the customers they manage; a region head the customers
in their regions; the executive and the CX team every customer. Contacts' phones and
e-mails are shown only to the customer's own account manager (masked for everyone else)."""

from __future__ import annotations

from datetime import datetime

import plotly.express as px
import streamlit as st

from dashboard import fmt, metrics
from dashboard import queries as q
from dashboard.access import mask_email, mask_phone
from dashboard.page import Page
from dashboard.safe import chart_frame
from dashboard.views.common import alert_action_form


def customers_in_scope(p: Page):
    """The customers this viewer may open, in the current filters."""
    if p.viewer.role == "account_manager":
        return q.customers_of(p.con, p.f, p.viewer.manager_id or "")
    return q.customers_in(p.con, p.f)


def render(p: Page) -> None:
    try:
        customers = customers_in_scope(p)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if customers.empty:
        st.warning(p.t("no_customers"))
        return
    labels = dict(zip(customers["customer_key"], customers["customer_name"], strict=True))
    if st.session_state.get("customer") not in labels:
        st.session_state.pop("customer", None)  # a drill-down or link outside the scope
    key = st.selectbox(
        p.t("customer"),
        list(labels),
        format_func=lambda k: f"{labels[k]} ({k})",
        key="customer",
    )
    prof = q.customer_profile(p.con, key)
    p.heading(
        f"{prof.get('customer_name')} · {p.v(prof.get('segment') or 'unknown')} · "
        f"{prof.get('industry') or fmt.DASH}"
    )
    c = st.columns(3)
    c[0].metric(p.t("health_score"), fmt.score(prof.get("health_score")))
    c[1].metric(p.t("churn_risk_tier"), str(p.v(prof.get("churn_risk_tier")) or fmt.DASH))
    c[2].metric(p.t("active_contract_value"), fmt.money(prof.get("active_contract_value_cny")))
    _contacts(p, key, owner=p.viewer.owns(prof.get("account_manager_ids")))
    _orders(p, key)
    _alerts(p, key)
    st.subheader(p.t("mentions_section"))
    _mentions(p, key)


def _contacts(p: Page, key: str, owner: bool) -> None:
    st.subheader(p.t("contacts_section"))
    try:
        contacts = q.customer_contacts(p.con, p.f, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    if not owner:
        contacts = contacts.assign(
            email=contacts["email"].map(mask_email), phone=contacts["phone"].map(mask_phone)
        )
        st.caption(p.t("contacts_masked"))
    contacts = contacts.assign(buying_role=contacts["buying_role"].map(p.v))
    p.table(contacts, "contacts")
    answered = contacts.dropna(subset=["latest_nps"])
    if not answered.empty:
        fig = px.bar(
            chart_frame(answered),
            x="full_name",
            y="latest_nps",
            color="buying_role",
            range_y=[0, 10],
            labels={"full_name": "", "latest_nps": "NPS 0-10", "buying_role": ""},
        )
        p.chart(fig)


def _orders(p: Page, key: str) -> None:
    st.subheader(p.t("orders_section"))
    try:
        summary = metrics.customer_order_summary(p.con, p.f, key)
        orders = q.customer_orders(p.con, p.f, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(5)
    c[0].metric(p.t("orders_due"), fmt.count(summary["orders_due"]))
    c[1].metric(p.t("on_time_verified_orders"), fmt.count(summary["on_time_verified"]))
    c[2].metric(p.t("on_time_reported_orders"), fmt.count(summary["on_time_reported"]))
    c[3].metric(p.t("confirmed"), fmt.count(summary["confirmed"]))
    c[4].metric(p.t("complaints"), fmt.count(summary["complaints"]))
    st.caption(p.t("tile_metrics", metrics=", ".join(f"`{m}`" for m in summary["metrics"])))
    p.table(orders, "orders")


def _alerts(p: Page, key: str) -> None:
    st.subheader(p.t("alerts_section"))
    try:
        alerts = q.customer_open_alerts(p.con, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(2)
    c[0].metric(p.t("open_alerts"), fmt.count(len(alerts)))
    c[1].metric(p.t("breached"), fmt.count(int(alerts["is_sla_breached"].sum())))
    clock = fmt.sla_clocks(alerts["sla_due_at"], datetime.now(), p.lang)
    p.table(alerts.assign(sla_clock=clock), "open_alerts")
    alert_action_form(p, alerts, "customer")


def _mentions(p: Page, key: str) -> None:
    try:
        m = metrics.customer_mentions(p.con, p.f, key)
        posts = q.customer_posts(p.con, p.f, key)
    except q.NotAvailable as exc:
        p.unavailable(exc)
        return
    c = st.columns(3)
    c[0].metric(p.t("mentions"), fmt.count(m["mentions"]))
    c[1].metric(p.t("negative_posts"), fmt.count(m["negative"]))
    c[2].metric(p.t("net_sentiment"), fmt.pct(m["net_sentiment"]))
    st.caption(p.t("tile_metrics", metrics=", ".join(f"`{m}`" for m in m["metrics"])))
    p.table(posts, "mentions")
