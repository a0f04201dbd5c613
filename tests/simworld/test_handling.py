"""The demo's simulated alert handling: realistic, stable per alert, never in the future."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.alert_store import ROOT_CAUSES, read_store, record_actions
from simworld.demo.handling import Handling, simulate_handling

NOW = pd.Timestamp("2026-10-31")


def _alerts(n: int, owner: str = "AM-E001", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    raised = NOW - pd.to_timedelta(rng.uniform(1, 400, n), unit="D")
    return pd.DataFrame(
        {
            "alert_id": [f"detractor|R{seed}-{i}" for i in range(n)],
            "alert_type": rng.choice(["detractor", "delivery_complaint"], n),
            "raised_at": raised,
            "owner_id": owner,
        }
    )


def _resolved_within(actions: pd.DataFrame, alerts: pd.DataFrame, hours: float) -> float:
    done = actions[actions["action"] == "resolved"].merge(alerts, on="alert_id")
    return float(((done["acted_at"] - done["raised_at"]) <= pd.Timedelta(hours=hours)).sum()) / len(
        alerts
    )


def test_most_alerts_are_resolved_within_two_hours_and_the_cx_team_is_slower():
    h = Handling()
    own = _alerts(4000)
    shared = _alerts(4000, owner="cx_team", seed=1)
    got_own = _resolved_within(simulate_handling(own, 42, NOW), own, 2)
    got_cx = _resolved_within(simulate_handling(shared, 42, NOW), shared, 2)
    # P(log-normal delay <= 2 h) x P(handled at all), from the distribution's parameters
    from scipy.stats import norm

    def expected(median: float) -> float:
        return norm.cdf(np.log(2 / median) / h.sigma) * (1 - h.never_handled)

    assert got_own == pytest.approx(expected(h.median_hours_owner), abs=0.03)
    assert got_cx == pytest.approx(expected(h.median_hours_cx_team), abs=0.03)
    assert 0.5 < got_own < 0.85 and got_cx < got_own


def test_an_alerts_handling_depends_on_its_id_and_the_seed_only():
    alerts = _alerts(300)
    one = simulate_handling(alerts, 7, NOW)
    shuffled = simulate_handling(pd.concat([alerts.iloc[::-1], _alerts(50, seed=9)]), 7, NOW)
    key = ["alert_id", "action"]
    mine = shuffled[shuffled["alert_id"].isin(alerts["alert_id"])]
    pd.testing.assert_frame_equal(
        one.sort_values(key, ignore_index=True), mine.sort_values(key, ignore_index=True)
    )
    assert not simulate_handling(alerts, 8, NOW).equals(one)


def test_actions_follow_the_alert_in_order_and_resolutions_name_a_root_cause():
    alerts = _alerts(500)
    actions = simulate_handling(alerts, 3, NOW).merge(alerts, on="alert_id")
    assert (actions["acted_at"] > actions["raised_at"]).all()
    wide = actions.pivot(index="alert_id", columns="action", values="acted_at").dropna()
    assert (wide["acknowledged"] <= wide["contacted"]).all()
    assert (wide["contacted"] <= wide["resolved"]).all()
    resolved = actions[actions["action"] == "resolved"]
    assert resolved["root_cause"].isin(ROOT_CAUSES).all()
    complaints = resolved[resolved["alert_type"] == "delivery_complaint"]
    assert (complaints["root_cause"] == "fulfillment").all() and len(complaints)
    assert actions.loc[actions["action"] != "resolved", "root_cause"].isna().all()


def test_nothing_is_handled_after_the_worlds_clock_stops():
    recent = pd.DataFrame(
        {
            "alert_id": [f"detractor|N{i}" for i in range(200)],
            "alert_type": "detractor",
            "raised_at": NOW - pd.Timedelta(minutes=30),
            "owner_id": "AM-E001",
        }
    )
    actions = simulate_handling(recent, 1, NOW)
    assert (actions["acted_at"] <= NOW).all()
    assert len(actions[actions["action"] == "resolved"]) < 100  # most still open


def test_simulated_actions_pass_the_stores_rules(tmp_path):
    alerts = _alerts(100)
    actions = simulate_handling(alerts, 2, NOW)
    store = tmp_path / "a.sqlite"
    assert record_actions(actions, store) == len(actions)
    back = read_store(store)
    assert len(back) == len(actions) and set(back["alert_id"]) <= set(alerts["alert_id"])
    with pytest.raises(ValueError, match="break the rules"):
        record_actions(actions.assign(root_cause="weather"), store)
