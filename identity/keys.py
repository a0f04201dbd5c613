"""Stable surrogate keys for resolved entities (customers, persons).

A cluster's key is carried over from the previous run's key that shares most
of its members, so re-running on the same data gives the same keys and adding
records changes only the clusters they touch. A cluster that inherits no key
gets one derived from its membership (a hash of its sorted member ids): a
rebuild from scratch of the same data gives the same keys too.

Carry-over is a mutual best match on member overlap: the previous key goes to
the new cluster holding most of its members, and a new cluster takes the
previous key covering most of its own. When clusters merge, the merged cluster
keeps the key of the larger part and the other key is retired with the merged
cluster as successor; when a cluster splits, the larger part keeps the key.
"""

from __future__ import annotations

import hashlib

import pandas as pd

MAX_ROUNDS = 20


def membership_key(member_ids: pd.Series, cluster_ids: pd.Series, prefix: str) -> pd.Series:
    """prefix + 16 hex digits of SHA-256 over each cluster's sorted member ids."""
    frame = pd.DataFrame({"m": member_ids.astype(str), "c": cluster_ids.astype(str)})
    joined = frame.sort_values(["c", "m"]).groupby("c", sort=False)["m"].agg("\x1f".join)
    digests = joined.map(lambda s: prefix + hashlib.sha256(s.encode()).hexdigest()[:16])
    return cluster_ids.astype(str).map(digests)


def assign_stable_keys(
    members: pd.DataFrame,
    previous: pd.DataFrame | None,
    prefix: str,
    retired_keys: set[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give every cluster a stable key.

    members: record_id, cluster_id (this run). previous: record_id, key (last
    run), or None. Returns (record_id -> key for this run, and the previous keys
    that were not carried over: key, successor_key).
    """
    m = members[["record_id", "cluster_id"]].astype(str)
    assigned: dict[str, str] = {}  # cluster_id -> key
    if previous is not None and len(previous):
        prev = previous[["record_id", "key"]].astype(str)
        overlap = (
            m.merge(prev, on="record_id")
            .groupby(["cluster_id", "key"], as_index=False)
            .size()
            .rename(columns={"size": "n"})
        )
        anchor = m.groupby("cluster_id")["record_id"].min().rename("anchor")
        overlap = overlap.merge(anchor, left_on="cluster_id", right_index=True)
        for _ in range(MAX_ROUNDS):
            free = overlap[
                ~overlap["cluster_id"].isin(assigned) & ~overlap["key"].isin(assigned.values())
            ]
            if free.empty:
                break
            best_key = free.sort_values(["cluster_id", "n", "key"], ascending=[True, False, True])
            best_key = best_key.drop_duplicates("cluster_id")
            best_cluster = free.sort_values(["key", "n", "anchor"], ascending=[True, False, True])
            best_cluster = best_cluster.drop_duplicates("key")
            mutual = best_key.merge(best_cluster, on=["cluster_id", "key"])
            if mutual.empty:
                break
            assigned.update(zip(mutual["cluster_id"], mutual["key"], strict=True))
    key = m["cluster_id"].map(assigned).astype("string")
    fresh = key.isna()
    if fresh.any():
        taken = set(assigned.values()) | (retired_keys or set())
        if previous is not None:
            taken |= set(previous["key"].astype(str))
        minted = membership_key(m.loc[fresh, "record_id"], m.loc[fresh, "cluster_id"], prefix)
        # A minted key that was used before (same membership, now held or retired)
        # is salted until it is new.
        clash = minted.isin(taken)
        salt = 1
        while clash.any():
            redo = membership_key(
                m.loc[fresh, "record_id"] + f"#{salt}", m.loc[fresh, "cluster_id"], prefix
            )
            minted = minted.where(~clash, redo)
            clash = minted.isin(taken) & clash
            salt += 1
        key.loc[fresh] = minted
    result = pd.DataFrame({"record_id": m["record_id"], "key": key.astype(str)})

    retired = pd.DataFrame(columns=["key", "successor_key"], dtype="string")
    if previous is not None and len(previous):
        prev = previous[["record_id", "key"]].astype(str)
        gone = sorted(set(prev["key"]) - set(result["key"]))
        if gone:
            moved = prev[prev["key"].isin(gone)].merge(
                result.rename(columns={"key": "successor_key"}), on="record_id", how="left"
            )
            succ = (
                moved.dropna(subset=["successor_key"])
                .groupby(["key", "successor_key"], as_index=False)
                .size()
                .sort_values(["key", "size", "successor_key"], ascending=[True, False, True])
                .drop_duplicates("key")[["key", "successor_key"]]
            )
            retired = pd.DataFrame({"key": gone}).merge(succ, on="key", how="left")
    return result, retired
