"""Single customer view end to end: the shared small build (the real Dagster job,
twice) measured against the generator's ground truth; key stability on re-run and,
on a private copy, after adding one CRM file."""

import importlib.util
import shutil

import duckdb
import pandas as pd
import pytest

from orchestration.keys import identity_asset_key
from simworld.scoring import identity as ev
from tests.conftest import customer_keys
from tests.pipeline import build_instance, run_build, warehouse_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("simworld.generate") is None, reason="demo generator not present"
    ),
]

ACCOUNT_PRECISION, ACCOUNT_RECALL, RESPONSE_ACCURACY = 0.98, 0.95, 0.97
# Responses -> the right person (small seed 42 measured 0.991 / 0.956 on 2026-12-07).
# Irreducible misses: forms with no email, phone or name whose invitation carries
# none either, surveys forwarded to a colleague who left nothing of their own.
PERSON_PRECISION, PERSON_RECALL = 0.98, 0.94


@pytest.fixture(scope="module")
def built(small_warehouse):
    """Scores and keys of the shared build (the real job, run twice)."""
    db = small_warehouse["db"]
    with duckdb.connect(db, read_only=True) as con:
        truth = small_warehouse["truth"]
        accounts_truth = ev.read_truth(truth, "accounts")
        scores = {
            "accounts": ev.account_score(con, accounts_truth),
            "responses": ev.response_customer_accuracy(
                con, ev.read_truth(truth, "responses"), accounts_truth
            ),
            "persons": ev.response_person_accuracy(
                con, ev.read_truth(truth, "responses"), ev.read_truth(truth, "contacts")
            ),
        }
        carried = _links_by_method(con, truth, "same_respondent")
        own_address = _links_by_method(con, truth, "own_address")
        keys_second = customer_keys(con)
    return {
        "db": db,
        "scores": scores,
        "carried": carried,
        "own_address": own_address,
        "keys": (small_warehouse["customer_keys_after_first"], keys_second),
    }


def _links_by_method(con: duckdb.DuckDBPyConnection, truth, method: str) -> pd.DataFrame:
    """The response links of one method with the truth: forwarded, right."""
    responses = ev.read_truth(truth, "responses")
    contacts = ev.read_truth(truth, "contacts")
    links = con.execute(
        "select response_id, contact_source_system as source_system, contact_id "
        "from identity.response_links where contact_match_method = ?",
        [method],
    ).df()
    out = links.merge(contacts, on=["source_system", "contact_id"]).merge(
        responses[["response_id", "person_id", "forwarded"]],
        on="response_id",
        suffixes=("_linked", ""),
    )
    out["right"] = out["person_id_linked"] == out["person_id"]
    return out


@pytest.fixture(scope="module")
def one_more_crm_file(built, small_warehouse, tmp_path_factory):
    """One more run on a private copy of the shared build with one CRM file added: an
    existing account re-keyed in a new CRM instance (same customer) and a company
    nobody has seen. A build of its own (~50 s): slow tier."""
    data = tmp_path_factory.mktemp("identity") / "data"
    shutil.copytree(small_warehouse["data"], data)
    landing = data / "landing" / "crm" / "accounts"
    sample = next(p for p in sorted(landing.iterdir()) if p.suffix == ".csv")
    rows = pd.read_csv(sample, dtype=str, keep_default_na=False)
    known = rows.iloc[[0]].copy()
    known["source_system"], known["account_id"] = "crm_new", "NEW-0001"
    fresh = rows.iloc[[0]].copy()
    fresh["source_system"], fresh["account_id"] = "crm_new", "NEW-0002"
    fresh["account_name"] = "杭州一个从未见过的测试客户零号有限公司"
    for col in ("credit_code", "phone", "website", "parent_account_id"):
        if col in fresh:
            fresh[col] = ""
    pd.concat([known, fresh]).to_csv(landing / "zz_new_crm.csv", index=False)
    with warehouse_env(data) as env, build_instance() as instance:
        third = run_build(instance)
        assert third.success
        # The CRM changed: resolved again, not reused.
        assert _identity_metadata(third, "account_clusters")["reused"] is False
        with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
            keys_third = customer_keys(con)
    yield {
        "before": built["keys"][1],
        "after": keys_third,
        "known_source": rows.iloc[0][["source_system", "account_id"]].tolist(),
    }
    shutil.rmtree(data, ignore_errors=True)


def test_accounts_resolve_to_customers_with_high_precision_and_recall(built):
    score = built["scores"]["accounts"]
    assert score.precision >= ACCOUNT_PRECISION, score
    assert score.recall >= ACCOUNT_RECALL, score


def test_survey_responses_link_to_the_right_customer(built):
    result = built["scores"]["responses"]
    assert result["accuracy"] >= RESPONSE_ACCURACY, result


def test_survey_responses_link_to_the_right_person(built):
    result = built["scores"]["persons"]
    assert result["precision"] >= PERSON_PRECISION, result
    assert result["recall"] >= PERSON_RECALL, result
    # A survey nobody forwarded is never linked to the wrong person.
    assert result["not_forwarded"]["precision"] >= 0.995, result


def test_a_response_whose_address_is_on_its_respondents_crm_record_finds_that_person(built):
    """Where the form's or the invitation's email or phone is on a CRM record of the
    person who answered, nothing in the data stands in the way: the misses left
    elsewhere are the data's (no address, or one the CRM lacks), not the resolver's."""
    reachable = built["scores"]["persons"]["with_evidence_in_crm"]
    assert reachable["responses_with_true_person"] >= 1000, reachable
    assert reachable["recall"] >= 0.995, reachable


def test_a_response_without_matchable_evidence_takes_its_respondents_person(built):
    """Linked through other responses sharing an email or mobile number: all right
    when the addressee answered; forwarded surveys are where it can go wrong."""
    carried = built["carried"]
    own = carried[carried["forwarded"] != "True"]
    assert len(own) >= 50, len(own)
    assert own["right"].mean() >= 0.99, own[~own["right"]]


def test_a_response_linked_by_its_own_email_or_mobile_finds_who_filled_it_in(built):
    """The form's own address, on one person's CRM records: forwarded or not, the
    person who answered (forwarded surveys: the colleague, not the addressee)."""
    # Rare on the small world (seed 42: 1 such link, 2026-12-08); medium seed 42 has 75,
    # all right. The cases one by one: tests/identity/test_respondents.py.
    links = built["own_address"]
    assert len(links) >= 1, len(links)
    assert links["right"].mean() >= 0.99, links[~links["right"]]


def test_rerun_on_the_same_data_keeps_every_customer_key(built):
    first, second = built["keys"]
    merged = first.merge(second, on=["source_system", "account_id"], suffixes=("_1", "_2"))
    assert len(merged) == len(first) == len(second)
    assert (merged["customer_key_1"] == merged["customer_key_2"]).all()


def _identity_metadata(result, table: str) -> dict:
    (materialization,) = [
        m
        for m in result.asset_materializations_for_node("identity_resolution")
        if m.asset_key == identity_asset_key(table)
    ]
    return {k: v.value for k, v in materialization.metadata.items()}


def test_a_rerun_on_unchanged_crm_data_reuses_the_account_and_contact_resolutions(
    small_warehouse,
):
    for table in ("account_clusters", "contact_clusters"):
        first = _identity_metadata(small_warehouse["first"], table)
        second = _identity_metadata(small_warehouse["second"], table)
        assert first["reused"] is False and second["reused"] is True, (table, first, second)
        # Reused, not re-derived: the same statistics as the run that resolved.
        assert second["clusters"] == first["clusters"], table
        assert second["records"] == first["records"], table


@pytest.mark.slow
def test_adding_one_crm_file_changes_only_the_affected_customers(one_more_crm_file):
    before, after = one_more_crm_file["before"], one_more_crm_file["after"]
    merged = before.merge(after, on=["source_system", "account_id"], suffixes=("_b", "_a"))
    assert len(merged) == len(before)  # nothing lost
    changed = merged[merged["customer_key_b"] != merged["customer_key_a"]]
    assert changed.empty, changed
    new = after[after["source_system"] == "crm_new"].set_index("account_id")["customer_key"]
    src, acc = one_more_crm_file["known_source"]
    known_key = before.set_index(["source_system", "account_id"]).loc[(src, acc), "customer_key"]
    assert new["NEW-0001"] == known_key
    assert new["NEW-0002"] not in set(before["customer_key"])


def test_marts_have_one_row_per_customer_and_every_account_bridged(built):
    with duckdb.connect(built["db"], read_only=True) as con:
        customers, distinct_keys = con.execute(
            "select count(*), count(distinct customer_key) from marts.dim_customer"
        ).fetchone()
        clustered = con.execute(
            "select count(distinct customer_key) from identity.account_clusters"
        ).fetchone()[0]
        bridged, accounts = con.execute(
            "select (select count(*) from marts.bridge_customer_accounts), "
            "(select count(*) from staging.stg_crm__accounts)"
        ).fetchone()
        responses, linked = con.execute(
            "select count(*), count(customer_key) from marts.fct_survey_respondents"
        ).fetchone()
    assert customers == distinct_keys == clustered
    assert bridged == accounts
    assert responses > 0 and linked > 0


def test_clerical_review_explains_each_pair(built):
    with duckdb.connect(built["db"], read_only=True) as con:
        rows = con.execute(
            "select match_weight, explanation from identity.clerical_review limit 20"
        ).fetchall()
    assert all(w is not None and ("company_name" in e or "person_name" in e) for w, e in rows)


def test_the_match_weights_of_any_pair_can_be_shown(built):
    from identity.explain import explain_pair

    with duckdb.connect(built["db"], read_only=True) as con:
        a, b = (
            r[0]
            for r in con.execute(
                "select record_id from identity.account_clusters order by record_id limit 2"
            ).fetchall()
        )
        table = explain_pair(con, "accounts", a, b)
    assert {"company_name", "credit_code", "(prior)", "(total)"} <= set(table["comparison"])
    parts = table[~table["comparison"].str.startswith("(")]["match_weight"].sum()
    prior, total = table.set_index("comparison").loc[["(prior)", "(total)"], "match_weight"]
    assert abs(parts + prior - total) < 1e-6
