"""The demo world's simulated alert handling lands on the warehouse's own alerts, so the
demo's breach rate is a measurement and not a constant (every alert open and breached)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.alert_store import read_store

pytestmark = pytest.mark.e2e


def test_simulated_actions_name_the_alerts_the_warehouse_raised(small_warehouse):
    store = read_store(small_warehouse["data"] / "operational" / "alert_actions.sqlite")
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        con.register("store_ids", store[["alert_id"]].drop_duplicates())
        unknown, alerts, acted, breached, resolved_in_time = con.execute(
            """
            select
                (select count(*) from store_ids
                 where alert_id not in (select alert_id from marts.fct_alerts)),
                count(*),
                count(*) filter (where first_action_at is not null),
                count(*) filter (where is_sla_breached),
                count(*) filter (where resolved_at <= sla_due_at)
            from marts.fct_alerts
            where alert_type in ('detractor', 'delivery_complaint')
            """
        ).fetchone()
    # Responses and confirmations quarantined as bad rows raise no alert.
    assert unknown <= 0.02 * len(store["alert_id"].unique())
    assert acted >= 0.9 * alerts
    assert 0.15 * alerts < breached < 0.6 * alerts
    assert resolved_in_time + breached <= alerts


def test_the_demo_handling_reaches_the_alert_mart_through_the_build(small_warehouse):
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        copied, store_rows = con.execute(
            "select count(*), count(*) filter (where note like 'store:demo%')"
            " from closed_loop.alert_actions"
        ).fetchone()
    assert (
        copied
        == store_rows
        == len(read_store(small_warehouse["data"] / "operational" / "alert_actions.sqlite"))
    )
