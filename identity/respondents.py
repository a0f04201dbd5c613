"""One respondent across several survey responses.

A person answers many surveys and leaves different traces each time: an email
on one form, a mobile number on the next, both on a third, or only the
invitation's address. The CRM often holds just one of them, so a response that
carries only the other cannot be matched to the contact on its own. Responses
that share a personal email or a mobile number, directly or through a chain
(A: email + phone, B: phone only), are one respondent; a response the model
left unlinked takes the person the group's linked responses agree on.

Pure functions over frames; identity/resolve.py applies them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

METHOD_SAME_RESPONDENT = "same_respondent"

# A Chinese mobile number (normalised digits). Landlines and switchboards are
# shared by many people, so they join nobody.
_MOBILE = r"1[3-9]\d{9}"


def is_in(values: pd.Series, among: pd.Series | set) -> np.ndarray:
    """values.isin(among) as a bool array, NA -> False. pandas' string isin builds a
    Python scalar per candidate value (2 s for 200k record ids); Arrow's takes 40 ms."""
    pool = pd.Series(list(among) if isinstance(among, set) else among, dtype="string").dropna()
    hit = pc.is_in(
        pa.array(values.astype("string"), type=pa.large_string()),
        value_set=pa.array(pool, type=pa.large_string()),
    )
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


def respondent_groups(email: pd.Series, phone: pd.Series) -> np.ndarray:
    """Group label per response (aligned with `email`): responses sharing a
    personal email or mobile number, transitively, get the same label; a response
    with neither is a group of its own.

    email: normalised personal email (shared mailboxes already NA); phone:
    normalised digits."""
    n = len(email)
    mobile = _mobile(phone)
    e_code, e_values = pd.factorize(email.astype("string"))
    p_code, _ = pd.factorize(mobile.astype("string"))
    rows, cols = [], []
    for code, offset in ((e_code, n), (p_code, n + len(e_values))):
        has = code >= 0
        rows.append(np.flatnonzero(has))
        cols.append(code[has] + offset)
    r, c = np.concatenate(rows), np.concatenate(cols)
    size = n + len(e_values) + int(p_code.max(initial=-1)) + 1
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return labels[:n]


def _names_agree(response_keys: pd.DataFrame, person_names: pd.DataFrame) -> pd.Series:
    """Per candidate (response_key, response_key_alt, person_key of the candidate
    person): True when the response gives no name, the person's records give none,
    or one of the response's name keys is one of the person's."""
    cand = response_keys.reset_index(names="_row")
    known = person_names.dropna(subset=["name_key"])
    hit = pd.concat(
        [
            cand.merge(known, left_on=["person_key", col], right_on=["person_key", "name_key"])
            for col in ("response_key", "response_key_alt")
        ]
    )["_row"].unique()
    no_name = (cand["response_key"].isna() & cand["response_key_alt"].isna()).to_numpy()
    nameless = ~is_in(cand["person_key"], known["person_key"])
    named_alike = np.isin(cand["_row"].to_numpy(), np.asarray(hit, dtype=np.int64))
    return pd.Series(no_name | nameless | named_alike, index=response_keys.index)


def addressee_not_respondent(
    pairs: pd.DataFrame, respondents: pd.DataFrame, person_names: pd.DataFrame
) -> np.ndarray:
    """Mask over `pairs` (record_id, person_key of the contact, method): the model's
    links that rest on the invitation's address while the form names someone else.

    An invitation's email or phone says who was asked, not who answered: a survey
    forwarded to a colleague carries the colleague's name on the form and the
    addressee's number on the invitation. A link is refused when the response gave
    no email or phone of its own, gave a name, and that name is none of the
    contact's person's names (whose records carry a name). A reviewer's decision
    (method clerical) stands.

    respondents: record_id, own_contact_details (bool), name_key, name_key_alt."""
    cand = pairs[["record_id", "person_key"]].merge(respondents, on="record_id", how="left")
    agree = _names_agree(
        cand[["name_key", "name_key_alt", "person_key"]].rename(
            columns={"name_key": "response_key", "name_key_alt": "response_key_alt"}
        ),
        person_names,
    ).to_numpy(dtype=bool)
    own = cand["own_contact_details"].fillna(False).to_numpy(dtype=bool)
    decided = (pairs["method"] == "clerical").to_numpy(dtype=bool)
    return ~own & ~agree & ~decided


def _nothing_against(
    cand: pd.DataFrame, person_names: pd.DataFrame, rejected: pd.DataFrame
) -> np.ndarray:
    """Mask over candidate links (record_id, contact_record_id, person_key,
    contact_customer_key, name_key, name_key_alt, order_customer_key) that a rule may
    make: the response's own name is the person's (or either has none), its order's
    customer is the person's (or it names none), and no reviewer rejected the pair.
    A person whose customer is unknown confirms no known order's customer."""
    same_customer = (
        cand["order_customer_key"].isna()
        | (cand["order_customer_key"] == cand["contact_customer_key"]).fillna(False)
    ).to_numpy(dtype=bool)
    names = _names_agree(
        cand[["name_key", "name_key_alt", "person_key"]].rename(
            columns={"name_key": "response_key", "name_key_alt": "response_key_alt"}
        ),
        person_names,
    ).to_numpy(dtype=bool)
    refused = (
        cand[["record_id", "contact_record_id"]]
        .merge(rejected.assign(_no=True), on=["record_id", "contact_record_id"], how="left")["_no"]
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    return same_customer & names & ~refused


def carry_links(
    responses: pd.DataFrame,
    best: pd.DataFrame,
    person_names: pd.DataFrame,
    rejected: pd.DataFrame,
) -> pd.DataFrame:
    """Links for responses the model left unlinked, taken from their group.

    responses: record_id, group, name_key, name_key_alt (the respondent's name as
      pinyin keys, NA when not given), order_customer_key.
    best: the model's link per linked response: record_id, contact_record_id,
      source_system, contact_id, person_key, contact_customer_key, match_weight.
    person_names: person_key, name_key (every name key of every contact record of
      the resolved person, both orders).
    rejected: record_id, contact_record_id pairs a reviewer decided are not a match.

    A group passes its person on when every linked response in it names the same
    person; the contact record is the one of its strongest link. A response keeps
    no link when its own name is another person's, its order's customer is not the
    person's customer, or a reviewer rejected the pair. -> rows shaped like `best`
    with method same_respondent and no weight of their own."""
    linked = responses.merge(best, on="record_id")
    persons_per_group = linked.groupby("group")["person_key"].nunique()
    agreeing = persons_per_group[persons_per_group == 1].index
    donors = (
        linked[np.isin(linked["group"].to_numpy(), agreeing.to_numpy())]
        .sort_values(["group", "match_weight", "contact_record_id"], ascending=[True, False, True])
        .drop_duplicates("group")
    )
    donor_cols = [
        "group",
        "contact_record_id",
        "source_system",
        "contact_id",
        "person_key",
        "contact_customer_key",
    ]
    cand = responses[~is_in(responses["record_id"], best["record_id"])].merge(
        donors[donor_cols], on="group"
    )
    if cand.empty:
        return cand.reindex(columns=[*best.columns])
    kept = cand[_nothing_against(cand, person_names, rejected)]
    out = kept[["record_id", *donor_cols[1:]]].assign(
        match_weight=np.nan,
        match_probability=np.nan,
        is_match=True,
        method=METHOD_SAME_RESPONDENT,
    )
    return out.reindex(columns=[*best.columns])


METHOD_OWN_ADDRESS = "own_address"


def _mobile(phone: pd.Series) -> pd.Series:
    return phone.where(phone.str.fullmatch(_MOBILE).fillna(False).astype(bool))


def _addresses(frame: pd.DataFrame, key: str, email: str, phone: str) -> pd.DataFrame:
    """(key, address) per personal email and mobile number of each row of `frame`."""
    return pd.concat(
        [
            pd.DataFrame({key: frame[key], "address": frame[email].astype("string")}),
            pd.DataFrame({key: frame[key], "address": _mobile(frame[phone].astype("string"))}),
        ],
        ignore_index=True,
    ).dropna()


def address_holders(contacts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every address with the person whose record holds it, the addresses that one
    person alone holds with that person's record holding it).

    contacts: contact_record_id, email (personal, normalised), phone (normalised),
    source_system, contact_id, person_key, contact_customer_key. An address on the
    records of two people (a shared mobile, a reused mailbox) names neither; of one
    person's records, the smallest record id holding it is the one linked."""
    held = _addresses(contacts, "contact_record_id", "email", "phone").merge(
        contacts.drop(columns=["email", "phone"]), on="contact_record_id"
    )
    held = held.dropna(subset=["person_key"])
    people = held.groupby("address")["person_key"].nunique()
    single = held[is_in(held["address"], people[people == 1].index.to_series())]
    single = single.sort_values(["address", "contact_record_id"]).drop_duplicates("address")
    return held[["address", "person_key"]].drop_duplicates(), single


def own_address_links(
    responses: pd.DataFrame,
    best: pd.DataFrame,
    contacts: pd.DataFrame,
    person_names: pd.DataFrame,
    rejected: pd.DataFrame,
) -> pd.DataFrame:
    """`best` with the links that the form's own email or mobile number decides.

    The form's own address is the respondent's: whoever filled it in typed it (the
    invitation's address says only who was asked). When the form's own personal
    email or mobile is on the CRM records of exactly one person, that person
    answered, whether the model left the response unlinked (a mobile number alone
    weighs less than the model's prior: 2.0 against a threshold of 4) or linked it
    to someone through the invitation's address (a survey forwarded to a colleague
    who gave their own number). A model's link stands when its person holds one of
    the form's own addresses too, or a reviewer decided it; the rule links nobody
    when the form's addresses name two people, the form's name is none of the
    person's names, the order's customer is not the person's customer, or a
    reviewer rejected the pair.

    responses: record_id, own_email, own_phone (normalised), name_key, name_key_alt
      (the form's own name), order_customer_key.
    best: one link per linked response (record_id, contact_record_id, source_system,
      contact_id, person_key, contact_customer_key, match_weight, match_probability,
      is_match, method).
    contacts, person_names, rejected: as for address_holders and carry_links."""
    held, single = address_holders(contacts)
    own = _addresses(responses, "record_id", "own_email", "own_phone")
    hits = own.merge(single, on="address")
    people = hits.groupby("record_id")["person_key"].nunique()
    hits = hits[is_in(hits["record_id"], people[people == 1].index.to_series())]
    cand = (
        hits.sort_values(["record_id", "contact_record_id"])
        .drop_duplicates("record_id")
        .drop(columns=["address"])
        .merge(
            responses[["record_id", "name_key", "name_key_alt", "order_customer_key"]],
            on="record_id",
        )
        .merge(
            best[["record_id", "person_key", "method"]].rename(
                columns={"person_key": "linked_person", "method": "linked_method"}
            ),
            on="record_id",
            how="left",
        )
    )
    if cand.empty:
        return best
    # Does the linked person hold one of the form's own addresses (shared ones too)?
    linked_holds = own.merge(held, on="address").rename(columns={"person_key": "linked_person"})
    linked_holds = (
        cand[["record_id", "linked_person"]]
        .merge(
            linked_holds.drop(columns=["address"]).assign(_holds=True).drop_duplicates(),
            on=["record_id", "linked_person"],
            how="left",
        )["_holds"]
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    unlinked = cand["linked_person"].isna().to_numpy()
    other = (cand["linked_person"] != cand["person_key"]).fillna(False).to_numpy(dtype=bool)
    decided = (cand["linked_method"] == "clerical").fillna(False).to_numpy(dtype=bool)
    take = (unlinked | (other & ~linked_holds & ~decided)) & _nothing_against(
        cand, person_names, rejected
    )
    links = cand[take][
        [
            "record_id",
            "contact_record_id",
            "source_system",
            "contact_id",
            "person_key",
            "contact_customer_key",
        ]
    ].assign(
        match_weight=np.nan, match_probability=np.nan, is_match=True, method=METHOD_OWN_ADDRESS
    )
    kept = best[~is_in(best["record_id"], links["record_id"])]
    return pd.concat([kept, links.reindex(columns=[*best.columns])], ignore_index=True)
