"""An independent recomputation of the marts' metrics from the raw tables.

Written in pandas from the landing contract and docs/metrics.md's metric
definitions, without reading any dbt model: the e2e tests compare it with
the marts. Only entity resolution is taken as given (identity.* tables), since
re-deriving it is the identity tests' job.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

LOCAL_TZ = "Asia/Shanghai"
TRUE = {"true", "1", "是", "yes", "y", "t"}


def raw(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A raw table; an empty or blank value is missing (the contract's `?`),
    whichever way the file wrote it (an empty CSV field, JSON "" or null)."""
    df = con.execute(f"select * from raw.{table}").df()
    text = [col for col in df.columns if pd.api.types.is_string_dtype(df[col])]
    for col in text:
        blank = df[col].astype("string").str.strip().eq("").fillna(False)
        df[col] = df[col].mask(blank.to_numpy(bool))
    return df


def local_ts(s: pd.Series) -> pd.Series:
    """Landing timestamps: naive means local time; an offset or Z is converted to local."""
    s = s.astype("string").str.strip()
    aware = s.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if aware.any():
        out[aware] = (
            pd.to_datetime(s[aware], utc=True, format="mixed")
            .dt.tz_convert(LOCAL_TZ)
            .dt.tz_localize(None)
        )
    naive = ~aware & s.notna()
    if naive.any():
        out[naive] = pd.to_datetime(s[naive], format="mixed")
    return out


def to_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.astype("string").str.strip(), format="mixed").dt.normalize()


def to_bool(s: pd.Series) -> pd.Series:
    low = s.astype("string").str.strip().str.lower()
    return low.isin(TRUE).where(low.notna(), other=pd.NA)


def issue_reported(c: pd.DataFrame) -> pd.Series:
    """docs/landing-contract.md: the flag, else True when an issue type is given, else
    unknown."""
    flag = to_bool(c.issue_reported.astype("string").str.strip().replace("", pd.NA))
    typed = c.issue_type.astype("string").str.strip().replace("", pd.NA).notna()
    return flag.where(flag.notna(), typed.where(typed, pd.NA))


def latest(df: pd.DataFrame, keys: list[str], version: str | None) -> pd.DataFrame:
    """The latest version of each record: by version, then load time, file, row."""
    order = ([version] if version else []) + ["_loaded_at", "_file_path", "_row_number"]
    return (
        df.sort_values(order, na_position="first", kind="stable")
        .drop_duplicates(keys, keep="last")
        .reset_index(drop=True)
    )


def order_chains(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per order chain with its verified and reported outcome."""
    o = raw(con, "fulfillment__orders")
    o["updated_at"] = local_ts(o.updated_at)
    o = latest(o, ["source_system", "order_id"], "updated_at")
    o["promised_date"] = to_date(o.promised_date)
    o["order_date"] = to_date(o.order_date)
    o["quantity"] = o.quantity.astype(float)
    o["status"] = o.status.str.strip().str.lower()

    # Follow re-creations: the root of every order.
    key = o.source_system + "|" + o.order_id
    parent = (o.source_system + "|" + o.replaces_order_id.astype("string")).where(
        o.replaces_order_id.notna()
    )
    parent = parent.where(parent.isin(set(key)))
    parent_of = pd.Series(parent.to_numpy(), index=key.to_numpy())
    root = key.copy()
    for _ in range(20):  # chains are short; a cycle stops here
        up = root.map(parent_of)
        if up.isna().all():
            break
        root = up.fillna(root)
    o["key"] = key
    o["root"] = root
    # The final order of a chain is the one nobody replaces.
    replaced = set(parent.dropna())
    o["is_final"] = ~o.key.isin(replaced)

    pc = raw(con, "fulfillment__promise_changes")
    pc["changed_at"] = local_ts(pc.changed_at)
    pc["old_promised_date"] = to_date(pc.old_promised_date)
    pc["new_promised_date"] = to_date(pc.new_promised_date)
    pc = pc.drop_duplicates(["source_system", "order_id", "changed_at", "new_promised_date"])
    pc = pc.sort_values(["changed_at", "new_promised_date"])
    pc["key"] = pc.source_system + "|" + pc.order_id
    first = pc.drop_duplicates("key", keep="first").set_index("key").old_promised_date

    d = raw(con, "fulfillment__deliveries")
    d["recorded_at"] = local_ts(d.recorded_at)
    d = latest(d, ["source_system", "delivery_id"], "recorded_at")
    d["delivered_at"] = local_ts(d.delivered_at)
    d["quantity_delivered"] = d.quantity_delivered.astype(float)
    d["scan_at"] = d.delivered_at.where(d.entry_channel.str.strip().str.lower() == "scan")
    d["key"] = d.source_system + "|" + d.order_id
    dl = d.groupby("key").agg(
        recorded_at=("delivered_at", "max"),
        scan_at=("scan_at", "max"),
        qty=("quantity_delivered", "sum"),
    )
    # The first delivery recorded on any order of a chain.
    first_record = (
        d.assign(root=d.key.map(dict(zip(o.key, o.root, strict=True))))
        .groupby("root")
        .delivered_at.min()
    )

    c = raw(con, "fulfillment__confirmations")
    c["confirmed_at"] = local_ts(c.confirmed_at)
    c = latest(c, ["source_system", "confirmation_id"], "confirmed_at")
    c["received_date"] = to_date(c.received_date)
    c["in_full"] = to_bool(c.received_in_full)
    c["issue"] = issue_reported(c)
    cutoff = data_cutoff(o, d, c, pc)
    c = c.sort_values(["confirmed_at", "confirmation_id"]).drop_duplicates("order_id", keep="last")
    cf = c.set_index("order_id")[["received_date", "in_full", "issue", "confirmed_at"]]

    roots = o[o.key == o.root].set_index("key")
    finals = o[o.is_final].set_index("root")
    ch = pd.DataFrame(index=roots.index)
    ch["region"] = roots.region.str.strip()
    ch["business_unit"] = roots.business_unit.str.strip().replace("", np.nan).fillna("unknown")
    ch["first_promise"] = pd.to_datetime(first.reindex(ch.index).fillna(roots.promised_date))
    ch["valid_promise"] = valid_promises(pc, first_record).reindex(ch.index)
    ch["valid_promise"] = pd.to_datetime(ch.valid_promise.fillna(ch.first_promise))
    fin = finals.reindex(ch.index)
    ch["final_key"] = fin.key
    ch["final_order_id"] = fin.order_id
    ch["current_promise"] = fin.promised_date
    ch["quantity"] = fin.quantity
    ch["cancelled"] = fin.status == "cancelled"
    ch["open"] = fin.status == "open"
    dl_f = dl.reindex(ch.final_key.to_numpy())
    ch["recorded_date"] = dl_f.recorded_at.dt.normalize().to_numpy()
    ch["scan_date"] = dl_f.scan_at.dt.normalize().to_numpy()
    ch["qty_delivered"] = dl_f.qty.to_numpy()
    cf_f = cf.reindex(ch.final_order_id.to_numpy())
    ch["received_date"] = cf_f.received_date.to_numpy()
    ch["confirmed_in_full"] = cf_f.in_full.to_numpy()
    ch["issue"] = cf_f.issue.to_numpy()
    # The earlier of the customer's date and the scan.
    ch["verified_date"] = ch[["received_date", "scan_date"]].min(axis=1)
    ch["overdue_open"] = (
        ch.open
        & ch.verified_date.isna()
        & ch.recorded_date.isna()
        & (ch.valid_promise < cutoff - pd.Timedelta(days=CONFIRMATION_WINDOW_DAYS))
    )
    ch["verified"] = ch.verified_date.notna() | ch.overdue_open
    ch["due"] = ~ch.cancelled & (ch.valid_promise <= cutoff)
    ch["in_full_verified"] = np.where(
        ch.received_date.notna(),
        ch.confirmed_in_full.fillna(False).astype(bool),
        ch.scan_date.notna() & (ch.qty_delivered >= ch.quantity),
    )
    on_time = ch.verified_date <= ch.valid_promise
    # Unknown (None) when unverified: neither late nor on time.
    ch["on_time_verified"] = on_time.astype(object).where(ch.verified, None)
    ch["otif_verified"] = (on_time & ch.in_full_verified).astype(object).where(ch.verified, None)
    ch["on_time_system"] = ch.recorded_date.notna() & (ch.recorded_date <= ch.current_promise)
    ch["due_month"] = ch.valid_promise.dt.to_period("M").dt.to_timestamp()
    return ch.reset_index(names="order_key")


CONFIRMATION_WINDOW_DAYS = 14


def data_cutoff(*frames: pd.DataFrame) -> pd.Timestamp:
    """The latest fulfillment event loaded, as a date, never after today."""
    columns = ("updated_at", "recorded_at", "confirmed_at", "changed_at")
    latest_event = max(
        f[col].max() for f in frames for col in columns if col in f.columns and f[col].notna().any()
    )
    return min(latest_event, pd.Timestamp.now()).normalize()


def valid_promises(pc: pd.DataFrame, first_record: pd.Series) -> pd.Series:
    """Per order: the last revision of the run of in-time revisions from the first.

    In time = logged on a date before the promise it replaces, and before the
    first delivery recorded on the order's chain.
    """
    pc = pc.sort_values(["key", "changed_at", "new_promised_date"]).copy()
    recorded = pc.key.map(first_record)
    in_time = (pc.changed_at.dt.normalize() < pc.old_promised_date) & (
        recorded.isna() | (pc.changed_at < recorded)
    )
    pc["honoured"] = in_time.astype(int).groupby(pc.key).cummin().astype(bool)
    return pc[pc.honoured].groupby("key").new_promised_date.last()


def region_months(chains: pd.DataFrame) -> pd.DataFrame:
    due = chains[chains.due].assign(
        on_time=lambda c: c.on_time_verified.fillna(False).astype(bool),
        otif=lambda c: c.otif_verified.fillna(False).astype(bool),
    )
    g = due.groupby(["region", "business_unit", "due_month"])
    return g.agg(
        orders_due=("order_key", "size"),
        orders_verified=("verified", "sum"),
        orders_on_time_verified=("on_time", "sum"),
        orders_otif_verified=("otif", "sum"),
        orders_on_time_system=("on_time_system", "sum"),
    ).reset_index()


def responses(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    r = raw(con, "survey__responses")
    r["submitted_at"] = local_ts(r.submitted_at)
    r = latest(r, ["response_id"], "submitted_at")
    r["nps"] = pd.to_numeric(r.nps, errors="coerce")
    for col in ["ces", "csat"] + [c for c in r.columns if c.startswith("rate_")]:
        r[col] = pd.to_numeric(r[col], errors="coerce")
    r["month"] = r.submitted_at.dt.to_period("M").dt.to_timestamp()
    return r


def nps(scores: pd.Series) -> float:
    s = scores.dropna()
    return 100.0 * ((s >= 9).sum() - (s <= 6).sum()) / len(s) if len(s) else float("nan")


def contact_roles(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """person_key -> buying role of the person's latest-updated active CRM record."""
    c = raw(con, "crm__contacts")
    c["updated_at"] = local_ts(c.updated_at)
    c = latest(c, ["source_system", "contact_id"], "updated_at")
    c["active"] = to_bool(c.is_active).fillna(True).astype(bool)
    clusters = con.execute(
        "select source_system, contact_id, person_key from identity.contact_clusters"
    ).df()
    c = c.merge(clusters, on=["source_system", "contact_id"])
    c = c.sort_values(
        ["person_key", "active", "updated_at", "source_system", "contact_id"],
        ascending=[True, False, False, True, True],
        na_position="last",
    ).drop_duplicates("person_key")
    role = c.buying_role.astype("string").str.strip().str.lower()
    return role.fillna("other").set_axis(c.person_key.to_numpy())


def account_nps_quarters(
    con: duckdb.DuckDBPyConnection, responses: pd.DataFrame, weights: dict[str, float]
) -> pd.DataFrame:
    """Per quarter: voices, unweighted and role-weighted NPS, revenue coverage and
    revenue-weighted account NPS, from raw responses and contracts."""
    links = con.execute(
        "select response_id, person_key, customer_key from identity.response_links"
    ).df()
    r = responses[(responses.survey_type == "relationship") & responses.nps.notna()]
    r = r.merge(links, on="response_id")
    r = r[r.customer_key.notna()].copy()
    roles = contact_roles(con)
    declared = r.respondent_role.astype("string").str.strip().str.lower()
    r["role"] = r.person_key.map(roles).fillna(declared).fillna("unknown")
    r["voice"] = r.person_key.fillna("response:" + r.response_id)
    r["quarter"] = r.submitted_at.dt.to_period("Q").dt.to_timestamp()
    r = r.sort_values(["submitted_at", "response_id"]).drop_duplicates(
        ["customer_key", "voice", "quarter"], keep="last"
    )
    r["w"] = r.role.map(weights).fillna(weights["unknown"])
    r["points"] = np.where(r.nps >= 9, 100.0, np.where(r.nps <= 6, -100.0, 0.0))
    acc = (
        r.assign(wp=r.w * r.points)
        .groupby(["quarter", "customer_key"])
        .agg(wp=("wp", "sum"), w=("w", "sum"))
    )
    acc["account_nps"] = acc.wp / acc.w

    k = raw(con, "crm__contracts")
    k = latest(k, ["source_system", "contract_id"], None)
    k = k.merge(
        con.execute(
            "select source_system, account_id, customer_key from identity.account_clusters"
        ).df(),
        on=["source_system", "account_id"],
    )
    k["start"] = to_date(k.start_date)
    k["end"] = to_date(k.end_date)
    k["value"] = k.contract_value.astype(float)
    rows = []
    for q in sorted(r.quarter.unique()):
        q_end = q + pd.DateOffset(months=3)
        inforce = k[(k.start < q_end) & (k.end >= q)].groupby("customer_key").value.sum()
        answered = acc.loc[q]
        value_answered = inforce.reindex(answered.index).fillna(0)
        rq = r[r.quarter == q]
        rows.append(
            {
                "quarter": q,
                "n_voices": len(rq),
                "nps_unweighted": nps(rq.nps),
                "role_weighted_nps": (rq.w * rq.points).sum() / rq.w.sum(),
                "revenue_coverage": value_answered.sum() / inforce.sum(),
                "revenue_weighted_nps": (answered.account_nps * value_answered).sum()
                / value_answered.sum(),
            }
        )
    return pd.DataFrame(rows)
