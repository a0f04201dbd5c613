"""Identity on the small world's messy names, scored per variation class of the
ground truth (reads the shared `small_warehouse` build; tuned on seed 42, so this
guards against regressions, it is not the reported figure)."""

import duckdb
import pytest

from simworld.scoring import identity as ev

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scored(small_warehouse):
    truth = ev.read_truth(small_warehouse["truth"], "accounts")
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        by_class = ev.account_score_by_class(con, truth)
        customers = con.execute("select count(*) from marts.dim_customer").fetchone()[0]
        queue = con.execute(
            "select count(*) from marts.fct_identity_review_queue where entity = 'accounts'"
        ).fetchone()[0]
    return {"by_class": by_class, "truth": truth, "customers": customers, "queue": queue}


def test_every_variation_class_is_scored(scored):
    classes = set(scored["by_class"]) - {"all"}
    assert classes >= {"zh_homophone", "zh_dropped", "latin_only", "cc_swap", "shared_trade_name"}
    assert all(v["true_pairs"] > 0 for k, v in scored["by_class"].items() if k in classes)


def test_accounts_link_precisely_in_every_class(scored):
    low = {k: v for k, v in scored["by_class"].items() if v["precision"] < 0.99}
    assert low == {}


def test_accounts_recall_overall_and_on_mistyped_credit_codes(scored):
    got = scored["by_class"]
    assert got["all"]["recall"] >= 0.95, got["all"]
    assert got["cc_swap"]["recall"] >= 0.9 and got["cc_substitution"]["recall"] >= 0.9


def test_dim_customer_counts_the_true_customers_within_three_percent(scored):
    true = scored["truth"]["customer_id"].nunique()
    assert abs(scored["customers"] - true) / true <= 0.03


def test_the_review_queue_is_published_for_the_data_steward(scored):
    assert scored["queue"] <= 150
