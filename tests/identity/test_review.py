"""Clerical review: decisions go to the operational store outside the warehouse, the
next run ingests them into identity.clerical_decisions, and the queue drops them."""

import duckdb
import pandas as pd
import pytest

from identity import review
from identity.engine import apply_decisions


@pytest.fixture
def store(tmp_path):
    return tmp_path / "operational" / "review.sqlite"


def queue_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entity": ["accounts", "accounts"],
            "record_id_l": ["a|1", "a|2"],
            "record_id_r": ["b|1", "b|2"],
            "match_weight": [1.0, 2.5],
            "explanation": ["company_name: same core (9.1); city: missing (0.0)", ""],
            "values_l": ['{"account_name": "上海精测电子有限公司", "city": null}', "{}"],
            "values_r": ['{"account_name": "Jingce Electronics", "city": "Shanghai"}', "{}"],
        }
    )


def test_a_decision_is_stored_outside_the_warehouse_with_one_spelling_per_pair(store):
    review.record_decision("accounts", "b|1", "a|1", "match", "steward", path=store)
    got = review.read_store(store)
    assert store.exists()
    assert got[["record_id_l", "record_id_r", "decision"]].values.tolist() == [
        ["a|1", "b|1", "match"]
    ]


def test_an_unknown_decision_is_refused(store):
    with pytest.raises(ValueError):
        review.record_decision("accounts", "a|1", "b|1", "maybe", path=store)


def test_the_next_run_ingests_the_latest_decision_and_the_matcher_applies_it(store):
    review.record_decision("accounts", "a|1", "b|1", "match", path=store)
    review.record_decision("accounts", "a|1", "b|1", "no_match", path=store)
    con = duckdb.connect()
    assert review.ingest_decisions(con, store) == 2
    assert review.ingest_decisions(con, store) == 2  # re-ingesting replaces, never doubles
    decisions = con.execute(
        "select record_id_l, record_id_r, decision from identity.clerical_decisions "
        "order by decided_at"
    ).df()
    assert len(decisions) == 2
    pairs = pd.DataFrame(
        {"record_id_l": ["a|1"], "record_id_r": ["b|1"], "match_weight": [9.0], "is_match": [True]}
    ).assign(method="probabilistic")
    applied = apply_decisions(pairs, decisions, "record_id_l", "record_id_r")
    assert applied["is_match"].tolist() == [False]
    assert applied["method"].tolist() == ["clerical"]


def test_the_queue_leaves_out_decided_pairs_and_puts_the_strongest_first(store):
    review.record_decision("accounts", "a|1", "b|1", "no_match", path=store)
    q = review.queue(queue_rows(), review.read_store(store))
    assert q["record_id_l"].tolist() == ["a|2"]
    assert review.queue(queue_rows(), None)["match_weight"].tolist() == [2.5, 1.0]


def test_a_review_row_shows_both_records_and_each_comparison():
    row = queue_rows().iloc[0]
    side = review.side_by_side(row)
    assert side.set_index("field").loc["account_name"].tolist() == [
        "上海精测电子有限公司",
        "Jingce Electronics",
    ]
    comps = review.comparisons(row)
    assert comps["comparison"].tolist() == ["company_name", "city"]
    assert comps["match_weight"].tolist() == [9.1, 0.0]
