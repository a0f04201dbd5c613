"""One respondent across several survey responses (identity/respondents.py)."""

import numpy as np
import pandas as pd

from identity.normalise import person_names
from identity.respondents import (
    METHOD_OWN_ADDRESS,
    METHOD_SAME_RESPONDENT,
    addressee_not_respondent,
    carry_links,
    is_in,
    own_address_links,
    respondent_groups,
)


def _s(values: list) -> pd.Series:
    return pd.Series(values, dtype="string")


def test_responses_sharing_an_email_or_mobile_form_one_group_through_a_chain():
    email = _s(["a@x.cn", None, "a@x.cn", None, "b@y.cn", None, None])
    phone = _s(["13800000001", "13800000001", None, "13900000002", "13900000002", None, None])
    g = respondent_groups(email, phone)
    assert g[0] == g[1] == g[2]
    assert g[3] == g[4]
    assert g[0] != g[3]
    # No email or phone: a group of its own.
    assert len({g[5], g[6], g[0], g[3]}) == 4


def test_a_shared_landline_joins_nobody():
    g = respondent_groups(_s([None, None]), _s(["2162345678", "2162345678"]))
    assert g[0] != g[1]


BEST_COLUMNS = [
    "record_id",
    "contact_record_id",
    "match_weight",
    "match_probability",
    "is_match",
    "method",
    "source_system",
    "contact_id",
    "person_key",
    "contact_customer_key",
]


def _best(rows: list[tuple]) -> pd.DataFrame:
    """rows: (response record, contact record, weight, person, customer)."""
    return pd.DataFrame(
        [
            (r, c, w, 0.99, True, "probabilistic", "crm", c.split("|")[1], p, k)
            for r, c, w, p, k in rows
        ],
        columns=BEST_COLUMNS,
    )


def _responses(rows: list[tuple]) -> pd.DataFrame:
    """rows: (record, group, name key, order customer)."""
    frame = pd.DataFrame(rows, columns=["record_id", "group", "name_key", "order_customer_key"])
    frame["name_key_alt"] = frame["name_key"]
    return frame.astype({c: "string" for c in frame.columns if c != "group"})


PERSON_NAMES = pd.DataFrame(
    {"person_key": ["P1", "P2"], "name_key": ["wangtao", "lina"]}, dtype="string"
)
NO_DECISIONS = pd.DataFrame({"record_id": [], "contact_record_id": []}, dtype="string")


def test_an_unlinked_response_takes_the_person_its_group_agrees_on_without_a_weight():
    responses = _responses(
        [("r1", 1, "wangtao", "C1"), ("r2", 1, None, None), ("r3", 1, None, "C1")]
    )
    best = _best([("r1", "crm|c1", 12.0, "P1", "C1")])
    out = carry_links(responses, best, PERSON_NAMES, NO_DECISIONS)
    assert sorted(out["record_id"]) == ["r2", "r3"]
    assert set(out["person_key"]) == {"P1"}
    assert set(out["contact_record_id"]) == {"crm|c1"}
    assert set(out["method"]) == {METHOD_SAME_RESPONDENT}
    assert out["match_weight"].isna().all()
    assert list(out.columns) == BEST_COLUMNS


def test_the_contact_record_of_the_strongest_link_is_the_one_passed_on():
    responses = _responses([("r1", 1, None, None), ("r2", 1, None, None), ("r3", 1, None, None)])
    best = _best([("r1", "crm|c1", 5.0, "P1", "C1"), ("r2", "crm|c9", 15.0, "P1", "C1")])
    out = carry_links(responses, best, PERSON_NAMES, NO_DECISIONS)
    assert out.set_index("record_id").loc["r3", "contact_record_id"] == "crm|c9"


def test_a_group_whose_links_name_two_people_passes_on_nobody():
    """A forwarded survey: the colleague's own email and the addressee's number on one
    form join two people's responses; which one answered the bare response is unknown."""
    responses = _responses([("r1", 1, None, None), ("r2", 1, None, None), ("r3", 1, None, None)])
    best = _best([("r1", "crm|c1", 12.0, "P1", "C1"), ("r2", "crm|c2", 12.0, "P2", "C1")])
    assert carry_links(responses, best, PERSON_NAMES, NO_DECISIONS).empty


def test_no_link_passes_to_a_response_that_names_someone_else():
    responses = _responses([("r1", 1, None, None), ("r2", 1, "lina", None)])
    best = _best([("r1", "crm|c1", 12.0, "P1", "C1")])
    assert carry_links(responses, best, PERSON_NAMES, NO_DECISIONS).empty


def test_no_link_passes_to_a_response_about_another_customers_order():
    responses = _responses([("r1", 1, None, "C1"), ("r2", 1, None, "C2")])
    best = _best([("r1", "crm|c1", 12.0, "P1", "C1")])
    assert carry_links(responses, best, PERSON_NAMES, NO_DECISIONS).empty


def test_a_pair_a_reviewer_rejected_is_not_linked_again():
    responses = _responses([("r1", 1, None, None), ("r2", 1, None, None)])
    best = _best([("r1", "crm|c1", 12.0, "P1", "C1")])
    rejected = pd.DataFrame({"record_id": ["r2"], "contact_record_id": ["crm|c1"]}, dtype="string")
    assert carry_links(responses, best, PERSON_NAMES, rejected).empty


def test_a_person_whose_records_carry_no_name_accepts_any_named_response():
    responses = _responses([("r1", 1, None, None), ("r2", 1, "zhoujie", None)])
    best = _best([("r1", "crm|c3", 12.0, "P3", "C1")])
    out = carry_links(responses, best, PERSON_NAMES, NO_DECISIONS)
    assert list(out["record_id"]) == ["r2"]


def test_the_name_set_is_the_same_whichever_word_is_read_as_the_family_name():
    p = person_names(pd.Series(["王涛", "Tao Wang", "Wang Tao", "WANG, Tao", "王 涛", None]))
    assert p["person_name_set"].iloc[:5].nunique() == 1
    # 'Tao' is a family name too (陶): the surname guess differs, the set does not.
    assert p["person_surname"].iloc[:3].nunique() == 2
    assert pd.isna(p["person_name_set"].iloc[5])
    assert np.all(p["person_name_set"].iloc[:5] == "tao wang")


def _respondents(rows: list[tuple]) -> pd.DataFrame:
    """rows: (record, own email or phone given, name key)."""
    frame = pd.DataFrame(rows, columns=["record_id", "own_contact_details", "name_key"])
    frame["name_key_alt"] = frame["name_key"]
    return frame.astype({"record_id": "string", "name_key": "string", "name_key_alt": "string"})


def test_a_link_on_the_invitations_address_is_refused_when_the_form_names_someone_else():
    """Forwarded: the colleague wrote their name, the invitation holds the addressee's
    number. Only that combination is refused."""
    pairs = pd.DataFrame(
        {
            "record_id": ["fwd", "same", "own", "anon", "steward"],
            "person_key": ["P1", "P1", "P1", "P1", "P1"],
            "method": ["probabilistic"] * 4 + ["clerical"],
        }
    )
    respondents = _respondents(
        [
            ("fwd", False, "lina"),  # names P2, only the invitation's address
            ("same", False, "wangtao"),  # names P1 itself
            ("own", True, "lina"),  # the form's own email or phone matched
            ("anon", False, None),  # no name: nothing says otherwise
            ("steward", False, "lina"),  # a reviewer accepted the pair
        ]
    )
    refused = addressee_not_respondent(pairs, respondents, PERSON_NAMES)
    assert list(pairs.loc[refused, "record_id"]) == ["fwd"]


def test_membership_is_pandas_isin_with_missing_values_never_members():
    values = _s(["a", None, "b", "c"])
    for among in (_s(["c", None, "a"]), {"a", "c"}):
        assert list(is_in(values, among)) == [True, False, False, True]
    assert list(is_in(values, _s([]))) == [False] * 4


# ---------------------------------------------------------------- the form's own address

CONTACTS = pd.DataFrame(
    [
        # contact record, personal email, phone, person, customer
        ("crm|c1", "wang.tao@163.com", "13800000001", "P1", "C1"),
        ("crm|c2", "li.na@qq.com", "13900000002", "P2", "C1"),
        ("crm|c3", None, "13900000002", "P2", "C1"),  # P2's second record, same mobile
        ("crm|c4", None, "13700000004", "P4", "C1"),
        ("crm|c5", None, "13700000004", "P5", "C1"),  # a mobile two people hold
        ("crm|c6", None, "02162345678", "P6", "C1"),  # a landline
    ],
    columns=["contact_record_id", "email", "phone", "person_key", "contact_customer_key"],
).astype("string")
CONTACTS["source_system"] = "crm"
CONTACTS["contact_id"] = CONTACTS["contact_record_id"].str.split("|").str[1]


def _own(rows: list[tuple]) -> pd.DataFrame:
    """rows: (record, own email, own phone, the form's name key, order customer)."""
    frame = pd.DataFrame(
        rows, columns=["record_id", "own_email", "own_phone", "name_key", "order_customer_key"]
    )
    frame["name_key_alt"] = frame["name_key"]
    return frame.astype("string")


def _own_links(responses: pd.DataFrame, best: pd.DataFrame, rejected=NO_DECISIONS):
    out = own_address_links(responses, best, CONTACTS, PERSON_NAMES, rejected)
    return out.set_index("record_id")


def test_a_form_whose_only_evidence_is_a_mobile_one_person_holds_is_linked_to_that_person():
    out = _own_links(_own([("r1", None, "13900000002", None, None)]), _best([]))
    assert out.loc["r1", "person_key"] == "P2"
    assert out.loc["r1", "contact_record_id"] == "crm|c2"  # the smallest record holding it
    assert out.loc["r1", "method"] == METHOD_OWN_ADDRESS
    assert pd.isna(out.loc["r1", "match_weight"])
    assert list(out.reset_index().columns) == BEST_COLUMNS


def test_a_forwarded_form_with_the_colleagues_own_number_replaces_the_addressees_link():
    """The model linked on the invitation's email (the addressee, P1); the form carries
    the colleague's own mobile, which P2 alone holds."""
    responses = _own([("r1", None, "13900000002", "lina", "C1")])
    out = _own_links(responses, _best([("r1", "crm|c1", 14.0, "P1", "C1")]))
    assert out.loc["r1", "person_key"] == "P2"
    assert out.loc["r1", "method"] == METHOD_OWN_ADDRESS


def test_a_model_link_stands_when_its_person_holds_one_of_the_forms_own_addresses():
    # P1 holds the form's email; the mobile (P2's) is another person's: which one answered
    # is not decided by the rule.
    responses = _own([("r1", "wang.tao@163.com", "13900000002", None, None)])
    out = _own_links(responses, _best([("r1", "crm|c1", 14.0, "P1", "C1")]))
    assert out.loc["r1", "person_key"] == "P1"
    assert out.loc["r1", "method"] == "probabilistic"


def test_a_clerical_decision_stands_against_the_forms_own_address():
    best = _best([("r1", "crm|c1", 14.0, "P1", "C1")]).assign(method="clerical")
    out = _own_links(_own([("r1", None, "13900000002", None, None)]), best)
    assert out.loc["r1", "person_key"] == "P1"


def test_a_mobile_two_people_hold_or_a_landline_links_nobody():
    responses = _own(
        [("r1", None, "13700000004", None, None), ("r2", None, "02162345678", None, None)]
    )
    assert _own_links(responses, _best([])).empty


def test_the_own_address_rule_refuses_another_name_another_customer_or_a_rejected_pair():
    responses = _own(
        [
            ("r1", None, "13900000002", "wangtao", None),  # the form names P1, the mobile is P2's
            ("r2", None, "13900000002", None, "C9"),  # the order is another customer's
            ("r3", None, "13900000002", None, None),  # a reviewer rejected r3 - crm|c2
        ]
    )
    rejected = pd.DataFrame({"record_id": ["r3"], "contact_record_id": ["crm|c2"]}, dtype="string")
    assert _own_links(responses, _best([]), rejected).empty


def test_a_form_whose_own_addresses_name_two_people_is_left_to_the_model():
    responses = _own([("r1", "wang.tao@163.com", "13900000002", None, None)])
    assert _own_links(responses, _best([])).empty


def test_a_person_whose_customer_is_unknown_is_linked_only_where_no_order_names_one():
    contacts = pd.concat(
        [
            CONTACTS,
            pd.DataFrame(
                {
                    "contact_record_id": ["crm|c7"],
                    "email": [None],
                    "phone": ["13600000007"],
                    "person_key": ["P7"],
                    "contact_customer_key": [None],
                    "source_system": ["crm"],
                    "contact_id": ["c7"],
                },
                dtype="string",
            ),
        ],
        ignore_index=True,
    )
    responses = _own(
        [("r1", None, "13600000007", None, "C1"), ("r2", None, "13600000007", None, None)]
    )
    out = own_address_links(responses, _best([]), contacts, PERSON_NAMES, NO_DECISIONS)
    assert list(out["record_id"]) == ["r2"]


def test_a_group_whose_person_has_no_known_customer_passes_on_only_where_no_order_names_one():
    responses = _responses([("r1", 1, None, None), ("r2", 1, None, "C1"), ("r3", 1, None, None)])
    best = _best([("r1", "crm|c1", 12.0, "P1", None)]).astype({"contact_customer_key": "string"})
    out = carry_links(responses, best, PERSON_NAMES, NO_DECISIONS)
    assert list(out["record_id"]) == ["r3"]
