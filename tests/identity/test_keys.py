"""Stable surrogate keys across runs."""

import pandas as pd

from identity.keys import assign_stable_keys


def members(pairs):
    return pd.DataFrame(pairs, columns=["record_id", "cluster_id"])


def as_map(keys):
    return dict(zip(keys["record_id"], keys["key"], strict=True))


def test_same_membership_gives_the_same_keys_without_history():
    m = members([("a", "1"), ("b", "1"), ("c", "2")])
    again = members([("a", "x"), ("b", "x"), ("c", "y")])  # cluster ids are arbitrary
    assert as_map(assign_stable_keys(m, None, "C")[0]) == as_map(
        assign_stable_keys(again, None, "C")[0]
    )


def test_keys_carry_over_when_records_join():
    first, _ = assign_stable_keys(members([("a", "1"), ("b", "1"), ("c", "2")]), None, "C")
    second, retired = assign_stable_keys(
        members([("a", "p"), ("b", "p"), ("c", "q"), ("d", "q"), ("e", "r")]), first, "C"
    )
    k1, k2 = as_map(first), as_map(second)
    assert k2["a"] == k1["a"] and k2["c"] == k1["c"] and k2["d"] == k1["c"]
    assert k2["e"] not in set(k1.values())
    assert retired.empty


def test_merge_keeps_the_larger_key_and_retires_the_other_with_successor():
    first, _ = assign_stable_keys(members([("a", "1"), ("b", "1"), ("c", "2")]), None, "C")
    second, retired = assign_stable_keys(members([("a", "m"), ("b", "m"), ("c", "m")]), first, "C")
    k1 = as_map(first)
    assert set(second["key"]) == {k1["a"]}
    assert retired.to_dict("records") == [{"key": k1["c"], "successor_key": k1["a"]}]


def test_split_keeps_the_key_on_the_larger_part():
    first, _ = assign_stable_keys(members([("a", "1"), ("b", "1"), ("c", "1")]), None, "C")
    second, _ = assign_stable_keys(members([("a", "x"), ("b", "x"), ("c", "y")]), first, "C")
    k1, k2 = as_map(first), as_map(second)
    assert k2["a"] == k2["b"] == k1["a"]
    assert k2["c"] != k1["a"]


def test_a_minted_key_never_reuses_a_retired_one():
    first, _ = assign_stable_keys(members([("a", "1")]), None, "C")
    retired = set(first["key"])
    second, _ = assign_stable_keys(members([("a", "1")]), None, "C", retired_keys=retired)
    assert set(second["key"]).isdisjoint(retired)
