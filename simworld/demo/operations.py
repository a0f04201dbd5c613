"""Contracts, orders and fulfilment: what really happened, what the systems
recorded, and how some regions beautified it (the contract's six patterns).

All arrays are column-wise over orders; nothing loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from simworld.demo.world import (
    BU_CRM,
    BU_LATE_LOGIT,
    BUS,
    CRMS,
    END,
    MONTH_STARTS,
    N_MONTHS,
    REGION_LATE,
    REGION_MANUAL,
    REGIONS,
    Scale,
    logit,
    sigmoid,
)

DAY = np.timedelta64(1, "D")
HOUR = np.timedelta64(3600, "s")
N_CELLS = len(REGIONS) * len(BUS) * N_MONTHS

# Pattern codes (contract, "Known ways fulfillment figures get beautified").
PROMISE_MOVED, EARLY_RECORD, CANCEL_RECREATE, DENOMINATOR, TOO_PERFECT, SURVEY_GAMING = (
    1,
    2,
    3,
    4,
    5,
    6,
)
PATTERN_NAMES = {
    PROMISE_MOVED: "promise_moved",
    EARLY_RECORD: "delivery_recorded_early",
    CANCEL_RECREATE: "cancel_recreate",
    DENOMINATOR: "cherry_picked_denominator",
    TOO_PERFECT: "too_perfect_report",
    SURVEY_GAMING: "survey_gaming",
}
ORDER_PATTERNS = (PROMISE_MOVED, EARLY_RECORD, CANCEL_RECREATE)


def cell_index(region: np.ndarray, bu: np.ndarray, month: np.ndarray) -> np.ndarray:
    return (region * len(BUS) + bu) * N_MONTHS + month


def month_of(dates: np.ndarray) -> np.ndarray:
    """Index into MONTH_STARTS (-1 before, N_MONTHS after the window)."""
    m = dates.astype("datetime64[M]") - MONTH_STARTS[0].astype("datetime64[M]")
    return m.astype(np.int64)


# --------------------------------------------------------------------------- satisfaction


def satisfaction(cust: pd.DataFrame) -> pd.DataFrame:
    """Customer-level standardised drivers; fulfilment from true late propensity."""
    base = cust.home_region.map({r: logit(p) for r, p in REGION_LATE.items()}).to_numpy()
    raw = -(base + cust.late_effect.to_numpy())
    cust["z_fulfillment"] = (raw - raw.mean()) / raw.std()
    cust["satisfaction"] = (
        0.40 * cust.z_fulfillment
        + 0.22 * cust.z_trust
        + 0.16 * cust.z_product
        + 0.12 * cust.z_ease
        + 0.06 * cust.z_price
        + 0.04 * cust.z_recognition
    )
    return cust


# --------------------------------------------------------------------------- contracts


def make_contracts(rng: np.random.Generator, cust: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """Yearly contract chains per primary account; renewal depends on satisfaction."""
    prim = acc[acc.primary].reset_index(drop=True)
    n = len(prim)
    sat = cust.satisfaction.to_numpy()[prim.c_idx]
    seg = cust.segment_idx.to_numpy()[prim.c_idx]
    value = np.array([3_000_000, 800_000, 150_000, 30_000])[seg] * rng.lognormal(0, 0.4, n)
    start = np.datetime64("2023-01-01") + rng.integers(0, 900, n) * DAY
    alive = np.ones(n, dtype=bool)
    churn_date = np.full(n, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    rows = []
    k = 0
    while alive.any():
        idx = np.flatnonzero(alive)
        end = start[idx] + 364 * DAY
        ended = end < END
        renew = rng.random(len(idx)) < sigmoid(1.7 + 1.4 * sat[idx])
        status = np.where(~ended, "active", np.where(renew, "renewed", "churned"))
        rows.append(
            pd.DataFrame(
                {
                    "a_idx": idx,
                    "k": k,
                    "start": start[idx],
                    "end": end,
                    "status": status,
                    "value": np.round(value[idx] * (1 + 0.05 * k), -2),
                }
            )
        )
        churned = idx[ended & ~renew]
        churn_date[churned] = end[ended & ~renew]
        alive[idx[~ended | ~renew]] = False
        start[idx] = end + DAY
        k += 1
    con = pd.concat(rows, ignore_index=True).sort_values(["a_idx", "k"]).reset_index(drop=True)
    pending = rng.random(n) < 0.03
    pend = pd.DataFrame(
        {"a_idx": np.flatnonzero(pending & (churn_date > END)), "k": 99, "status": "pending"}
    )
    pend["start"] = END + rng.integers(5, 60, len(pend)) * DAY
    pend["end"] = pend.start + 364 * DAY
    pend["value"] = np.round(value[pend.a_idx] * 1.1, -2)
    con = (
        pd.concat([con, pend], ignore_index=True).sort_values(["a_idx", "k"]).reset_index(drop=True)
    )
    con["source_system"] = prim.source_system.to_numpy()[con.a_idx]
    con["account_id"] = prim.account_id.to_numpy()[con.a_idx]
    con["customer_id"] = prim.customer_id.to_numpy()[con.a_idx]
    prefix = {c: f"K{i}" for i, c in enumerate(CRMS)}
    con["contract_id"] = (
        con.source_system.map(prefix) + "-" + pd.Series(np.arange(len(con)) + 500_001).astype(str)
    )
    nxt = con.groupby("a_idx").contract_id.shift(-1)
    con["renewed_by_contract_id"] = np.where(con.status == "renewed", nxt, None)
    acc["churn_date"] = np.datetime64("2100-01-01")
    prim_pos = acc.index[acc.primary].to_numpy()
    acc.loc[prim_pos, "churn_date"] = churn_date
    # A duplicate account dies with its primary.
    key = acc[acc.primary].set_index(["c_idx", "crm_idx"]).churn_date
    dup = ~acc.primary
    acc.loc[dup, "churn_date"] = key.reindex(
        pd.MultiIndex.from_arrays([acc.c_idx[dup], acc.crm_idx[dup]])
    ).to_numpy()
    return con


# --------------------------------------------------------------------------- manipulation plan


@dataclass(frozen=True)
class Actor:
    region: int
    bu: int
    months: tuple[int, ...]
    patterns: tuple[int, ...]
    staff: str
    intensity: float


def plan_manipulation(rng: np.random.Generator, mode: str) -> list[Actor]:
    """Who beautifies what, where and when. `mode`: normal | subtle | none."""
    if mode == "none":
        return []
    pairs = [(r, b) for r in range(len(REGIONS)) for b in (0, 1)]  # high-volume units
    pick = rng.permutation(len(pairs))
    if mode == "subtle":
        r, b = pairs[pick[0]]
        m0 = int(rng.integers(6, N_MONTHS - 4))
        return [Actor(r, b, (m0, m0 + 1, m0 + 2), ORDER_PATTERNS, _staff(r, 7), 0.3)]
    plans = [
        ((PROMISE_MOVED, SURVEY_GAMING), (5, 9)),
        ((EARLY_RECORD, DENOMINATOR), (4, 7)),
        ((CANCEL_RECREATE,), (3, 6)),
        ((TOO_PERFECT,), (4, 8)),
        ((PROMISE_MOVED, EARLY_RECORD, CANCEL_RECREATE), (3, 5)),
    ]
    actors = []
    for k, (patterns, (lo, hi)) in enumerate(plans):
        r, b = pairs[pick[k]]
        length = int(rng.integers(lo, hi + 1))
        m0 = int(rng.integers(1, N_MONTHS - length - 1))
        actors.append(
            Actor(
                r,
                b,
                tuple(range(m0, m0 + length)),
                patterns,
                _staff(r, k + 1),
                float(rng.uniform(0.65, 0.95)),
            )
        )
    return actors


def _staff(region: int, k: int) -> str:
    return f"CLK-{REGIONS[region][0]}{k:02d}"


def actor_cells(actors: list[Actor]) -> pd.DataFrame:
    rows = [
        {"cell": int(cell_index(np.array(a.region), np.array(a.bu), np.array(m))), "actor": i}
        for i, a in enumerate(actors)
        for m in a.months
    ]
    return pd.DataFrame(rows, columns=["cell", "actor"])


# --------------------------------------------------------------------------- orders


def _lookup(acc: pd.DataFrame, n_cust: int, primary: bool) -> np.ndarray:
    table = np.full((n_cust, len(CRMS)), -1, dtype=np.int64)
    sub = acc[acc.primary == primary]
    table[sub.c_idx.to_numpy(), sub.crm_idx.to_numpy()] = sub.index.to_numpy()
    return table


def simulate_orders(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    acc: pd.DataFrame,
    persons: pd.DataFrame,
    scale: Scale,
    actors: list[Actor],
    cell_noise: np.ndarray | None = None,
) -> pd.DataFrame:
    """Orders of the customers in `cust` (indices into `acc` and `persons`).

    `cell_noise`: the region x BU x month effect on lateness. A world simulated in
    shards of customers draws it once and passes it to every shard (it belongs to
    the cell, not to a customer); drawn here otherwise."""
    n_c = len(cust)
    weight = cust.order_weight.to_numpy()
    season = 1 + 0.15 * np.sin(np.arange(N_MONTHS) / 12 * 2 * np.pi) + np.linspace(0, 0.2, N_MONTHS)
    lam = weight[:, None] * season[None, :]
    lam *= scale.orders * 1.22 / lam.sum()  # ~18% of demand is lost to churn
    counts = rng.poisson(lam)
    c_idx = np.repeat(np.repeat(np.arange(n_c), N_MONTHS), counts.ravel())
    month = np.repeat(np.tile(np.arange(N_MONTHS), n_c), counts.ravel())
    n = len(c_idx)

    regions = np.stack(cust.regions.to_numpy())
    n_reg = (regions >= 0).sum(axis=1)
    pick = np.where(rng.random(n) < 0.6, 0, rng.integers(0, 4, n) % np.maximum(n_reg[c_idx], 1))
    region = regions[c_idx, pick]
    region = np.where(region < 0, regions[c_idx, 0], region)
    bus = np.stack(cust.bus.to_numpy())
    bu_w = bus[c_idx] * np.array([0.6, 0.25, 0.1, 0.05])
    cum = np.cumsum(bu_w / bu_w.sum(axis=1, keepdims=True), axis=1)
    bu = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 3)

    prim, dup = _lookup(acc, n_c, True), _lookup(acc, n_c, False)
    crm = np.where(
        bu >= 2,
        np.where(bu == 2, CRMS.index(BU_CRM["welfare"]), CRMS.index(BU_CRM["digital"])),
        region,
    )
    a_idx = prim[c_idx, crm]
    home_crm = regions[c_idx, 0]
    a_idx = np.where(a_idx < 0, prim[c_idx, region], a_idx)
    a_idx = np.where(a_idx < 0, prim[c_idx, home_crm], a_idx)
    any_acc = prim.max(axis=1)
    a_idx = np.where(a_idx < 0, any_acc[c_idx], a_idx)
    d_idx = dup[c_idx, acc.crm_idx.to_numpy()[a_idx]]
    use_dup = (d_idx >= 0) & (rng.random(n) < 0.35)
    a_idx = np.where(use_dup, d_idx, a_idx)

    days_in = (np.append(MONTH_STARTS[1:], END + DAY) - MONTH_STARTS).astype(np.int64)
    order_date = MONTH_STARTS[month] + (rng.random(n) * days_in[month]).astype(np.int64) * DAY
    alive = order_date < acc.churn_date.to_numpy().astype("datetime64[D]")[a_idx]
    keep = np.flatnonzero(alive)
    c_idx, month, region, bu, a_idx, order_date = (
        x[keep] for x in (c_idx, month, region, bu, a_idx, order_date)
    )
    n = len(c_idx)
    order = np.argsort(order_date, kind="stable")
    c_idx, month, region, bu, a_idx, order_date = (
        x[order] for x in (c_idx, month, region, bu, a_idx, order_date)
    )

    o = pd.DataFrame(
        {"c_idx": c_idx, "region": region, "bu": bu, "a_idx": a_idx, "order_date": order_date}
    )
    lead = np.minimum(2 + rng.geometric(0.25, n), 21)
    o["requested_date"] = order_date + lead * DAY
    o["first_promise"] = o.requested_date.to_numpy() + rng.choice([0, 0, 0, 1, 2, 3], n) * DAY
    o["due_month"] = month_of(o.first_promise.to_numpy())

    # True outcome.
    if cell_noise is None:
        cell_noise = rng.normal(0, 0.25, N_CELLS)
    due_m = np.clip(o.due_month.to_numpy(), 0, N_MONTHS - 1)
    cell = cell_index(region, bu, due_m)
    base = (
        np.array([logit(REGION_LATE[r]) for r in REGIONS])[region]
        + np.array([BU_LATE_LOGIT[b] for b in BUS])[bu]
    )
    p_late = sigmoid(base + cust.late_effect.to_numpy()[c_idx] + cell_noise[cell])
    late = rng.random(n) < p_late
    delay = np.minimum(rng.geometric(0.3, n), 25)
    early = rng.choice([0, 1, 2, 3], n, p=[0.5, 0.25, 0.15, 0.1])
    o["customer_cancel"] = rng.random(n) < 0.015
    deferred = (~o.customer_cancel.to_numpy()) & (rng.random(n) < 0.01)
    defer_at = o.first_promise.to_numpy() - rng.integers(2, 7, n) * DAY
    deferred &= defer_at > order_date + DAY
    new_promise = o.first_promise.to_numpy() + rng.integers(3, 11, n) * DAY
    reference = np.where(deferred, new_promise, o.first_promise.to_numpy())
    late_vs_ref = np.where(deferred, rng.random(n) < 0.1, late)
    true_date = np.where(late_vs_ref, reference + delay * DAY, reference - early * DAY)
    true_date = np.maximum(true_date, order_date + DAY)
    o["true_date"] = true_date
    o["true_ts"] = true_date.astype("datetime64[s]") + rng.integers(
        8 * 3600, 19 * 3600, n
    ) * np.timedelta64(1, "s")
    o["delivered"] = (~o.customer_cancel.to_numpy()) & (true_date <= END)
    # Late against the valid promise: a deferral the customer asked for in time
    # moves the date the order is judged by, and the month it is due in.
    valid_promise = np.where(deferred, new_promise, o.first_promise.to_numpy())
    o["valid_promise"] = valid_promise
    o["valid_due_month"] = month_of(valid_promise)
    o["true_late"] = true_date > valid_promise
    # In days: pandas 3 stores first_promise as datetime64[s], so a bare int64 cast of the
    # difference counted seconds and pushed pattern 1/3 timestamps centuries ahead.
    o["late_days"] = np.maximum(
        (true_date - o.first_promise.to_numpy()).astype("timedelta64[D]").astype(np.int64), 0
    )
    o["quantity"] = np.maximum(1, np.round(rng.lognormal(3, 1, n)))
    o["in_full"] = rng.random(n) < np.where(o.true_late, 0.9, 0.965)
    short = np.floor(o.quantity.to_numpy() * rng.uniform(0.4, 0.95, n))
    o["qty_delivered"] = np.where(o.in_full, o.quantity, np.maximum(short, 0))
    o.loc[~o.in_full & (o.qty_delivered >= o.quantity), "in_full"] = True
    unit = np.array([80, 45, 300, 2500])[bu] * rng.lognormal(0, 0.6, n)
    o["amount"] = np.round(o.quantity.to_numpy() * unit, 2)
    o["deferred"] = deferred
    o["defer_at"] = defer_at.astype("datetime64[s]") + rng.integers(
        9 * 3600, 18 * 3600, n
    ) * np.timedelta64(1, "s")
    o["promise"] = np.where(deferred, new_promise, o.first_promise.to_numpy())
    o["cancel_at"] = np.where(
        o.customer_cancel,
        (order_date + rng.integers(1, 4, n) * DAY).astype("datetime64[s]") + 10 * HOUR,
        np.datetime64("NaT"),
    )

    # What the systems recorded, before anyone beautifies it.
    manual = rng.random(n) < np.array([REGION_MANUAL[r] for r in REGIONS])[region]
    typed_hour = rng.choice([9, 10, 14, 17, 18], n)
    o["manual"] = manual
    o["delivered_at"] = np.where(
        manual, true_date.astype("datetime64[s]") + typed_hour * HOUR, o.true_ts.to_numpy()
    )
    o["recorded_at"] = np.where(
        manual,
        o.true_ts.to_numpy() + rng.integers(1, 48, n) * HOUR,
        o.true_ts.to_numpy() + rng.integers(5, 600, n) * np.timedelta64(1, "s"),
    )
    clerks = rng.integers(1, 13, n)
    clerk_names = np.array(
        [[_staff(r, k) for k in range(13)] for r in range(len(REGIONS))], dtype=object
    )
    o["recorded_by"] = np.where(manual, clerk_names[region, clerks], None)
    o["pattern"] = 0
    o["staff"] = None

    # Beautification at order level.
    cells = actor_cells(actors)
    o["cell"] = cell
    o["actor"] = -1
    if len(cells):
        amap = np.full(N_CELLS, -1)
        amap[cells.cell.to_numpy()] = cells.actor.to_numpy()
        act = amap[cell]
        in_window = (o.due_month.to_numpy() >= 0) & (o.due_month.to_numpy() < N_MONTHS)
        act = np.where(in_window, act, -1)
        o["actor"] = act
        eligible = (act >= 0) & o.true_late.to_numpy() & o.delivered.to_numpy() & ~deferred
        for i, a in enumerate(actors):
            pats = [p for p in a.patterns if p in ORDER_PATTERNS]
            if not pats:
                continue
            sel = np.flatnonzero(eligible & (act == i) & (rng.random(n) < a.intensity))
            o.loc[sel, "pattern"] = np.array(pats)[rng.integers(0, len(pats), len(sel))]
            o.loc[sel, "staff"] = a.staff
    pat = o.pattern.to_numpy()
    fp = o.first_promise.to_numpy()
    ld = o.late_days.to_numpy()
    # 1: promise moved on/after the original due date to the delivery date.
    p1 = pat == PROMISE_MOVED
    o.loc[p1, "promise"] = true_date[p1] + rng.integers(0, 2, p1.sum()) * DAY
    o["p1_changed_at"] = np.where(
        p1,
        (fp + (rng.random(n) * ld).astype(np.int64) * DAY).astype("datetime64[s]")
        + rng.integers(9, 20, n) * HOUR,
        np.datetime64("NaT"),
    )
    # 2: a manual entry dated at or before the promise; the customer says otherwise.
    p2 = pat == EARLY_RECORD
    o.loc[p2, "manual"] = True
    o.loc[p2, "delivered_at"] = (fp[p2] - rng.integers(0, 2, p2.sum()) * DAY).astype(
        "datetime64[s]"
    ) + 17 * HOUR
    o.loc[p2, "recorded_at"] = o.true_ts.to_numpy()[p2] + rng.integers(1, 30, p2.sum()) * HOUR
    o.loc[p2, "recorded_by"] = o.staff[p2]
    # 3: cancelled on/after the due date and re-created with a fresh promise.
    p3 = pat == CANCEL_RECREATE
    o["p3_cancel_at"] = np.where(
        p3,
        (fp + (rng.random(n) * np.maximum(ld - 1, 0)).astype(np.int64) * DAY).astype(
            "datetime64[s]"
        )
        + 16 * HOUR,
        np.datetime64("NaT"),
    )

    # Confirmations: the customer's word, which nobody in the region can edit.
    o["confirmed"] = o.delivered.to_numpy() & (
        rng.random(n) < cust.confirm_rate.to_numpy()[c_idx] * np.where(manual, 0.92, 0.97)
    )
    o["confirmed_at"] = o.true_ts.to_numpy() + rng.integers(1, 72, n) * HOUR
    o["received_date"] = true_date + (rng.random(n) < 0.03) * DAY
    o["issue_type"] = np.select(
        [
            o.true_late & (rng.random(n) < 0.55),
            ~o.in_full & (rng.random(n) < 0.7),
            rng.random(n) < 0.015,
        ],
        ["late", "short", rng.choice(np.array(["damaged", "wrong_item", "paperwork", "other"]), n)],
        "",
    )
    # Contact who confirms / receives surveys: one of the customer's people.
    counts_p = np.bincount(persons.c_idx.to_numpy(), minlength=n_c)
    offsets = np.concatenate([[0], np.cumsum(counts_p)[:-1]])
    o["person_idx"] = offsets[c_idx] + (rng.random(n) * counts_p[c_idx]).astype(np.int64)

    o["actor"] = o.actor.astype(int)
    return o


def recreated_orders(rng: np.random.Generator, o: pd.DataFrame) -> pd.DataFrame:
    """The new orders of pattern 3, one per cancelled original."""
    src = o[o.pattern == CANCEL_RECREATE]
    new = src.copy()
    new["replaces_idx"] = src.index.to_numpy()
    cancel = src.p3_cancel_at.to_numpy().astype("datetime64[D]")
    new["order_date"] = cancel
    new["promise"] = src.true_date.to_numpy() + rng.integers(0, 2, len(src)) * DAY
    # The re-created order is a new order in the OMS: its own (first) promise is the
    # fresh one. The customer's original promise lives on the cancelled order only.
    new["first_promise"] = new["promise"].to_numpy()
    new["pattern"] = 0
    return new


# --------------------------------------------------------------------------- verification truth


def order_truth(o: pd.DataFrame) -> pd.DataFrame:
    """Per original order: the truth the warehouse should recover."""
    # The warehouse's verified date: the earlier of the customer's receipt date
    # and the scan (device events carry the true date), whichever exist.
    scan = np.where(~o.manual.to_numpy(), o.true_date.to_numpy(), np.datetime64("NaT"))
    received = np.where(o.confirmed, o.received_date.to_numpy(), np.datetime64("NaT"))
    verified_date = np.where(
        o.confirmed & ~o.manual.to_numpy(),
        np.minimum(received, scan),
        np.where(o.confirmed, received, scan),
    )
    return pd.DataFrame(
        {
            "first_promised_date": o.first_promise.to_numpy(),
            "valid_promised_date": o.valid_promise.to_numpy(),
            "true_delivery_date": np.where(
                o.delivered, o.true_date.to_numpy(), np.datetime64("NaT")
            ),
            "delivered": o.delivered.to_numpy(),
            "customer_cancelled": o.customer_cancel.to_numpy(),
            "true_on_time": o.delivered.to_numpy() & ~o.true_late.to_numpy(),
            "in_full": o.in_full.to_numpy() & o.delivered.to_numpy(),
            "verifiable": o.delivered.to_numpy() & (o.confirmed.to_numpy() | ~o.manual.to_numpy()),
            "verified_on_time": o.delivered.to_numpy()
            & (verified_date <= o.valid_promise.to_numpy()),
            "legit_deferral": o.deferred.to_numpy(),
            "pattern": o.pattern.map(
                {0: "", 1: "promise_moved", 2: "delivery_recorded_early", 3: "cancel_recreate"}
            ).to_numpy(),
            "staff_id": o.staff.to_numpy(),
        }
    )


@dataclass
class CellCounts:
    """Order counts per region x BU x month cell: as recorded (by the current promise,
    from what the systems hold) and true (by the valid promise, over order chains,
    customer cancellations excluded). Counts of disjoint sets of customers add up, so
    a world simulated in shards sums its shards' counts instead of keeping orders."""

    due: np.ndarray
    on_time: np.ndarray
    otif: np.ndarray
    true_due: np.ndarray
    true_on_time: np.ndarray
    verifiable: np.ndarray
    verified_on_time: np.ndarray
    manipulated: np.ndarray

    def __add__(self, other: CellCounts) -> CellCounts:
        return CellCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def cell_counts(o: pd.DataFrame, new: pd.DataFrame) -> CellCounts:
    """The cell counts of orders `o` and their re-created orders `new`."""
    final = pd.concat(
        [o[(o.pattern != CANCEL_RECREATE) & ~o.customer_cancel], new], ignore_index=True
    )
    promise = final.promise.to_numpy()
    m = month_of(promise)
    inwin = (m >= 0) & (m < N_MONTHS)
    rec_date = final.delivered_at.to_numpy().astype("datetime64[D]")
    delivered = final.delivered.to_numpy()
    on_time = delivered & (rec_date <= promise)
    otif = on_time & (final.qty_delivered.to_numpy() >= final.quantity.to_numpy())
    cell = cell_index(final.region.to_numpy(), final.bu.to_numpy(), np.clip(m, 0, N_MONTHS - 1))
    due = np.bincount(cell[inwin], minlength=N_CELLS)
    ot = np.bincount(cell[inwin], weights=on_time[inwin], minlength=N_CELLS).astype(np.int64)
    of = np.bincount(cell[inwin], weights=otif[inwin], minlength=N_CELLS).astype(np.int64)

    # Truth by first promise over order chains (customer cancellations excluded).
    t = o[~o.customer_cancel]
    tm = t.valid_due_month.to_numpy()
    tin = (tm >= 0) & (tm < N_MONTHS)
    tcell = cell_index(t.region.to_numpy(), t.bu.to_numpy(), np.clip(tm, 0, N_MONTHS - 1))
    tr = order_truth(t)
    return CellCounts(
        due=due,
        on_time=ot,
        otif=of,
        true_due=np.bincount(tcell[tin], minlength=N_CELLS),
        true_on_time=np.bincount(
            tcell[tin], weights=tr.true_on_time.to_numpy()[tin], minlength=N_CELLS
        ),
        verifiable=np.bincount(
            tcell[tin], weights=tr.verifiable.to_numpy()[tin], minlength=N_CELLS
        ),
        verified_on_time=np.bincount(
            tcell[tin], weights=tr.verified_on_time.to_numpy()[tin], minlength=N_CELLS
        ),
        manipulated=np.bincount(
            tcell[tin], weights=(t.pattern.to_numpy()[tin] > 0), minlength=N_CELLS
        ),
    )


def regional_reports(
    rng: np.random.Generator, o: pd.DataFrame, new: pd.DataFrame, actors: list[Actor]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each region head reports (by current promise, from recorded data),
    and the truth per region x BU x month."""
    return reports_from_counts(rng, cell_counts(o, new), actors)


def reports_from_counts(
    rng: np.random.Generator, counts: CellCounts, actors: list[Actor]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regional reports and the region-month truth from the cell counts of all orders."""
    due, ot, of = counts.due, counts.on_time, counts.otif
    t_due, t_ot, t_ver = counts.true_due, counts.true_on_time, counts.verifiable
    t_vot, manip = counts.verified_on_time, counts.manipulated

    rep_due, rep_ot, rep_of = due.copy(), ot.copy(), of.copy()
    patterns = [[] for _ in range(N_CELLS)]
    staff = [None] * N_CELLS
    for a in actors:
        for mth in a.months:
            c = int(cell_index(np.array(a.region), np.array(a.bu), np.array(mth)))
            patterns[c] = sorted(a.patterns)
            staff[c] = a.staff
            if DENOMINATOR in a.patterns:
                drop = int(round((due[c] - ot[c]) * a.intensity))
                rep_due[c] -= drop
            if TOO_PERFECT in a.patterns:
                rep_ot[c] = rep_due[c] if rng.random() < 0.7 else int(round(rep_due[c] * 0.995))
                rep_of[c] = rep_ot[c]
    cells = np.flatnonzero(rep_due > 0)
    r, rest = np.divmod(cells, len(BUS) * N_MONTHS)
    b, mth = np.divmod(rest, N_MONTHS)
    month_txt = np.datetime_as_string(MONTH_STARTS[mth].astype("datetime64[M]"))
    month_end = np.append(MONTH_STARTS[1:], END + DAY)[mth]
    reports = pd.DataFrame(
        {
            "region": np.array(REGIONS, dtype=object)[r],
            "business_unit": np.array(BUS, dtype=object)[b],
            "period_month": month_txt,
            "orders_due": rep_due[cells],
            "orders_on_time": np.minimum(rep_ot[cells], rep_due[cells]),
            "otif_rate": np.round(np.minimum(rep_of[cells], rep_due[cells]) / rep_due[cells], 4),
            "submitted_by": ["RH-" + REGIONS[x][0] for x in r],
            "submitted_at": month_end.astype("datetime64[s]")
            + 2 * 24 * HOUR
            + rng.integers(9, 18, len(cells)) * HOUR,
        }
    )
    reports["on_time_rate"] = np.round(reports.orders_on_time / reports.orders_due, 4)
    all_cells = np.flatnonzero((t_due > 0) | (due > 0))
    r2, rest2 = np.divmod(all_cells, len(BUS) * N_MONTHS)
    b2, m2 = np.divmod(rest2, N_MONTHS)
    truth = pd.DataFrame(
        {
            "region": np.array(REGIONS, dtype=object)[r2],
            "business_unit": np.array(BUS, dtype=object)[b2],
            "period_month": np.datetime_as_string(MONTH_STARTS[m2].astype("datetime64[M]")),
            "patterns": [",".join(PATTERN_NAMES[p] for p in patterns[c]) for c in all_cells],
            "manipulation_active": [
                any(p != SURVEY_GAMING for p in patterns[c]) for c in all_cells
            ],
            "survey_gaming": [SURVEY_GAMING in patterns[c] for c in all_cells],
            "staff_id": [staff[c] for c in all_cells],
            "orders_due_true": t_due[all_cells],
            "orders_on_time_true": t_ot[all_cells].astype(np.int64),
            "orders_verifiable": t_ver[all_cells].astype(np.int64),
            "orders_verified_on_time": t_vot[all_cells].astype(np.int64),
            "orders_manipulated": manip[all_cells].astype(np.int64),
            "orders_due_recorded": due[all_cells],
            "orders_on_time_recorded": ot[all_cells],
            "orders_due_reported": rep_due[all_cells],
            "orders_on_time_reported": np.minimum(rep_ot, rep_due)[all_cells],
        }
    )
    # Beautified = an actor was at work AND it changed something: orders touched, or a
    # report that differs from what the honest report would have said. An actor's month
    # with no late order to hide left the figure true.
    truth["beautified"] = truth.manipulation_active & (
        (truth.orders_manipulated > 0)
        | (truth.orders_due_reported != truth.orders_due_recorded)
        | (truth.orders_on_time_reported != truth.orders_on_time_recorded)
    )
    truth["true_on_time_rate"] = np.round(
        truth.orders_on_time_true / truth.orders_due_true.where(truth.orders_due_true > 0), 4
    )
    truth["reported_on_time_rate"] = np.round(
        truth.orders_on_time_reported
        / truth.orders_due_reported.where(truth.orders_due_reported > 0),
        4,
    )
    return reports, truth
