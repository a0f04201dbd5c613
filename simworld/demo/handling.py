"""How the demo world's people handle alerts: account managers and the CX team
acknowledge, call and resolve them after realistic delays, so the closed loop's
breach rate on the demo data means something.

Delays are log-normal (most alerts are handled within the hour or two, a long tail
is not), slower for the CX team (a shared queue) than for an account manager (their
own customers), and a few alerts are never handled. Every draw is keyed by the alert
id and the seed, so re-running adds the actions of new alerts only and never moves
an old one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.alert_store import ROOT_CAUSES


@dataclass(frozen=True)
class Handling:
    """Hours from the alert to its resolution: log-normal with this median and sigma."""

    median_hours_owner: float = 1.2
    median_hours_cx_team: float = 2.5
    sigma: float = 0.9
    never_handled: float = 0.05
    # Root causes of detractors, in the experience model's terms (complaints are
    # fulfillment, public-opinion spikes product).
    detractor_causes: tuple[tuple[str, float], ...] = (
        ("fulfillment", 0.34),
        ("product", 0.2),
        ("price", 0.14),
        ("trust", 0.12),
        ("ease", 0.12),
        ("recognition", 0.08),
    )


def _uniforms(alert_ids: pd.Series, seed: int, k: int) -> np.ndarray:
    """k uniforms per alert, a function of (alert id, seed) only."""
    base = pd.util.hash_pandas_object(alert_ids, index=False).to_numpy(np.uint64)
    out = np.empty((len(alert_ids), k))
    for j in range(k):  # k is a handful of draws, not the rows
        mixed = base ^ np.uint64((seed * 1_000_003 + j * 7_919) & 0xFFFFFFFFFFFFFFFF)
        out[:, j] = pd.util.hash_array(mixed).astype(np.float64) / np.float64(2**64)
    return out


def simulate_handling(
    alerts: pd.DataFrame, seed: int, now: pd.Timestamp, h: Handling | None = None
) -> pd.DataFrame:
    """Actions (alert_id, action, acted_at, acted_by, root_cause, note) for `alerts`
    (alert_id, alert_type, raised_at, owner_id), none later than `now`."""
    from scipy.stats import norm

    h = h or Handling()
    a = alerts.reset_index(drop=True)
    u = _uniforms(a["alert_id"], seed, 4)
    cx = (a["owner_id"] == "cx_team").to_numpy()
    median = np.where(cx, h.median_hours_cx_team, h.median_hours_owner)
    hours = median * np.exp(h.sigma * norm.ppf(np.clip(u[:, 0], 1e-9, 1 - 1e-9)))
    handled = u[:, 1] >= h.never_handled
    raised = pd.to_datetime(a["raised_at"]).to_numpy("datetime64[s]")
    resolve = raised + (hours * 3600).astype("timedelta64[s]")
    # Acknowledged at a tenth of the way, the call logged at half of it.
    ack = raised + (hours * 360).astype("timedelta64[s]")
    call = raised + (hours * 1800).astype("timedelta64[s]")
    names, weights = zip(*h.detractor_causes, strict=True)
    cum = np.cumsum(weights) / np.sum(weights)
    cause = np.array(names, dtype=object)[np.searchsorted(cum, u[:, 2], side="right").clip(0, 5)]
    cause = np.where(a["alert_type"] == "delivery_complaint", "fulfillment", cause)
    cause = np.where(a["alert_type"] == "negative_spike", "product", cause)
    assert set(cause) <= set(ROOT_CAUSES)
    frames = []
    for action, when, root in (
        ("acknowledged", ack, None),
        ("contacted", call, None),
        ("resolved", resolve, cause),
    ):
        keep = handled & (when <= np.datetime64(pd.Timestamp(now).to_datetime64(), "s"))
        frames.append(
            pd.DataFrame(
                {
                    "alert_id": a["alert_id"].to_numpy()[keep],
                    "action": action,
                    "acted_at": pd.to_datetime(when[keep]),
                    "acted_by": a["owner_id"].to_numpy()[keep],
                    "root_cause": None if root is None else root[keep],
                    "note": "demo: simulated handling",
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(
        ["acted_at", "alert_id"], ignore_index=True
    )


def world_alerts(
    resp: pd.DataFrame,
    allo: pd.DataFrame,
    cust: pd.DataFrame,
    oms: tuple[str, ...],
    end: pd.Timestamp,
) -> pd.DataFrame:
    """The alerts the warehouse will raise on this world's data, with the ids fct_alerts
    gives them: a detractor answer is `detractor|<response_id>`, a delivery issue the
    customer reported on confirmation `complaint|<order system>|<first order of the
    chain>`. Owner: the customer's account manager (the CX team for prospects)."""
    am = pd.Series(cust["am_id"].to_numpy(), index=cust["customer_id"].to_numpy())
    det = resp[resp["nps"].notna() & (resp["nps"] <= 6)]
    detractors = pd.DataFrame(
        {
            "alert_id": "detractor|" + det["response_id"].astype(str),
            "alert_type": "detractor",
            "raised_at": pd.to_datetime(det["submitted_at"]).to_numpy(),
            "owner_id": det["customer_id"].map(am).fillna("cx_team").to_numpy(),
        }
    )
    issue = allo["issue_type"].fillna("").astype(str) != ""
    landed = pd.to_datetime(allo["confirmed_at"]) < pd.Timestamp(end)
    cf = allo[allo["confirmed"] & ~allo["cancelled_final"] & issue & landed]
    root = cf["replaces_order_id"].where(cf["replaces_order_id"].notna(), cf["order_id"])
    system = np.array(oms, dtype=object)[cf["region"].to_numpy()]
    complaints = pd.DataFrame(
        {
            "alert_id": "complaint|" + system + "|" + root.astype(str).to_numpy(),
            "alert_type": "delivery_complaint",
            "raised_at": pd.to_datetime(cf["confirmed_at"]).to_numpy(),
            "owner_id": cust["am_id"].to_numpy()[cf["c_idx"].to_numpy()],
        }
    )
    both = pd.concat([detractors, complaints], ignore_index=True)
    return both.drop_duplicates("alert_id", ignore_index=True)
