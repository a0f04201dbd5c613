"""Quality of a resolution against ground truth: pairwise precision/recall of
clusters, and the share of survey responses linked to the right customer.

Used by the end-to-end test and the benchmark; pure functions over frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd


@dataclass(frozen=True)
class PairwiseScore:
    precision: float
    recall: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    records: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "f1": self.f1}


def _pairs(sizes: pd.Series) -> int:
    s = sizes.astype("int64")
    return int((s * (s - 1) // 2).sum())


def pairwise_score(predicted: pd.Series, truth: pd.Series) -> PairwiseScore:
    """Clusters as two aligned label series (same index = same records).

    A pair of records is predicted when both have the same predicted label, true
    when both have the same true label. Records missing from either side are
    ignored.
    """
    frame = pd.DataFrame({"p": predicted, "t": truth}).dropna()
    predicted_pairs = _pairs(frame.groupby("p").size())
    true_pairs = _pairs(frame.groupby("t").size())
    correct = _pairs(frame.groupby(["p", "t"]).size())
    return PairwiseScore(
        precision=correct / predicted_pairs if predicted_pairs else 1.0,
        recall=correct / true_pairs if true_pairs else 1.0,
        predicted_pairs=predicted_pairs,
        true_pairs=true_pairs,
        correct_pairs=correct,
        records=len(frame),
    )


def read_truth(truth_dir: Path, name: str) -> pd.DataFrame:
    for suffix in (".parquet", ".csv"):
        path = truth_dir / f"{name}{suffix}"
        if path.exists():
            if suffix == ".parquet":
                return pd.read_parquet(path).astype("string")
            return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", pd.NA)
    raise FileNotFoundError(truth_dir / name)


def account_score(con: duckdb.DuckDBPyConnection, truth: pd.DataFrame) -> PairwiseScore:
    """truth: source_system, account_id, customer_id."""
    pred = con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()
    joined = pred.merge(truth, on=["source_system", "account_id"], how="inner")
    return pairwise_score(joined["customer_key"], joined["customer_id"])


def contact_score(con: duckdb.DuckDBPyConnection, truth: pd.DataFrame) -> PairwiseScore:
    """truth: source_system, contact_id, person_id."""
    pred = con.execute(
        "select source_system, contact_id, person_key from identity.contact_clusters"
    ).df()
    joined = pred.merge(truth, on=["source_system", "contact_id"], how="inner")
    return pairwise_score(joined["person_key"], joined["person_id"])


def response_customer_accuracy(
    con: duckdb.DuckDBPyConnection,
    responses_truth: pd.DataFrame,
    accounts_truth: pd.DataFrame,
) -> dict[str, float | int]:
    """Share of responses whose true customer is known that are linked to it.

    A predicted customer_key is right when it is the key most of that true
    customer's accounts were resolved to (so a customer split in two counts
    against the smaller part).
    """
    links = con.execute("select response_id, customer_key from identity.response_links").df()
    accounts = con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()
    majority = (
        accounts.merge(accounts_truth, on=["source_system", "account_id"])
        .groupby(["customer_id", "customer_key"], as_index=False)
        .size()
        .sort_values(["customer_id", "size", "customer_key"], ascending=[True, False, True])
        .drop_duplicates("customer_id")[["customer_id", "customer_key"]]
        .rename(columns={"customer_key": "expected_key"})
    )
    truth = responses_truth.dropna(subset=["customer_id"])[["response_id", "customer_id"]]
    scored = truth.merge(links, on="response_id", how="left").merge(
        majority, on="customer_id", how="left"
    )
    right = (scored["customer_key"] == scored["expected_key"]).fillna(False)
    linked = scored["customer_key"].notna()
    return {
        "responses_with_true_customer": len(scored),
        "linked": int(linked.sum()),
        "linked_right": int(right.sum()),
        "accuracy": float(right.mean()) if len(scored) else 1.0,
        "precision_of_links": float(right.sum() / linked.sum()) if linked.any() else 1.0,
    }


def response_person_accuracy(
    con: duckdb.DuckDBPyConnection, responses_truth: pd.DataFrame, contacts_truth: pd.DataFrame
) -> dict:
    """Responses -> the right person: recall over the responses whose respondent is
    known, precision over those linked to a contact; with the truth's `forwarded`
    column, also apart for surveys a colleague of the addressee answered."""
    links = con.execute(
        "select response_id, contact_source_system as source_system, contact_id "
        "from identity.response_links where contact_id is not null"
    ).df()
    truth = responses_truth.dropna(subset=["person_id"])[["response_id", "person_id"]]
    got = links.merge(
        contacts_truth[["source_system", "contact_id", "person_id"]].rename(
            columns={"person_id": "linked_person_id"}
        ),
        on=["source_system", "contact_id"],
        how="left",
    )
    scored = truth.merge(got, on="response_id", how="left")
    out = _person_scores(scored)
    # Apart: responses whose form and invitation carry no name, email or phone at all
    # (nothing says who answered; recall there is out of reach by construction).
    blind = set(_responses_without_personal_evidence(con))
    out["with_evidence"] = _person_scores(scored[~scored["response_id"].isin(blind)])
    # Apart: responses whose form or invitation carries an email or phone that a CRM
    # record of the true respondent holds (what a resolver can reach by address; a
    # miss here is the resolver's, not the data's).
    reachable = set(_responses_reachable_by_address(con, truth, contacts_truth))
    out["with_evidence_in_crm"] = _person_scores(scored[scored["response_id"].isin(reachable)])
    if "forwarded" in responses_truth:
        forwarded = scored["response_id"].map(
            responses_truth.set_index("response_id")["forwarded"].astype("string") == "True"
        )
        out["forwarded"] = _person_scores(scored[forwarded.fillna(False).to_numpy(dtype=bool)])
        out["not_forwarded"] = _person_scores(scored[~forwarded.fillna(False).to_numpy(dtype=bool)])
    return out


# Each response with the invitation it answers: the one it names, else the one
# invitation of the same survey about the same order sent before it (as identity does).
_RESPONSE_INVITATION = """
    with by_order as (
        select r.response_id, min(i.invitation_id) as invitation_id
        from staging.stg_survey__responses r
        join staging.stg_survey__invitations i
            on i.order_id = r.order_id and i.survey_id = r.survey_id
            and i.sent_at <= r.submitted_at
        where r.invitation_id is null and r.order_id is not null
        group by r.response_id
        having count(distinct i.invitation_id) = 1
    ),
    answered as (
        select
            r.response_id,
            r.respondent_name,
            r.respondent_email,
            r.respondent_phone,
            i.contact_email as invitation_email,
            i.contact_phone as invitation_phone
        from staging.stg_survey__responses r
        left join by_order b on b.response_id = r.response_id
        left join staging.stg_survey__invitations i
            on i.invitation_id = coalesce(r.invitation_id, b.invitation_id)
    )
"""


def _responses_without_personal_evidence(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Responses with no respondent name, email or phone, and none on their invitation."""
    return [
        r[0]
        for r in con.execute(
            _RESPONSE_INVITATION
            + """
            select response_id
            from answered
            where respondent_name is null and respondent_email is null
                and respondent_phone is null
                and invitation_email is null and invitation_phone is null
            """
        ).fetchall()
    ]


def _email_sql(column: str) -> str:
    return f"nullif(lower(trim(replace({column}, 'mailto:', ''))), '')"


def _phone_sql(column: str) -> str:
    return f"nullif(right(regexp_replace({column}, '[^0-9]', '', 'g'), 11), '')"


def _responses_reachable_by_address(
    con: duckdb.DuckDBPyConnection, responses_truth: pd.DataFrame, contacts_truth: pd.DataFrame
) -> list[str]:
    """Responses whose own or invitation email/phone is on a CRM contact record of the
    person who truly answered. Normalised here on purpose, not with identity's code:
    emails lower-cased without 'mailto:', phones as their last 11 digits, so a
    normaliser bug in identity shows up as a miss instead of shrinking this set.
    An empty value is NULL and matches nothing."""
    truth = contacts_truth[["source_system", "contact_id", "person_id"]].dropna()
    con.register("_truth_contacts", truth)
    con.register("_truth_responses", responses_truth[["response_id", "person_id"]].dropna())
    try:
        return [
            r[0]
            for r in con.execute(
                _RESPONSE_INVITATION
                + f"""
                , addr as (
                    select t.person_id, {_email_sql("c.email")} as email,
                        {_phone_sql("c.phone")} as phone
                    from staging.stg_crm__contacts c
                    join _truth_contacts t
                        on t.source_system = c.source_system and t.contact_id = c.contact_id
                ),
                evidence as (
                    select
                        response_id,
                        unnest([
                            {_email_sql("respondent_email")}, {_email_sql("invitation_email")}
                        ]) as email,
                        unnest([
                            {_phone_sql("respondent_phone")}, {_phone_sql("invitation_phone")}
                        ]) as phone
                    from answered
                )
                select distinct e.response_id
                from evidence e
                join _truth_responses tr on tr.response_id = e.response_id
                join addr a
                    on a.person_id = tr.person_id
                    and (e.email = a.email or e.phone = a.phone)
                """
            ).fetchall()
        ]
    finally:
        con.unregister("_truth_contacts")
        con.unregister("_truth_responses")


def _person_scores(scored: pd.DataFrame) -> dict:
    linked = scored["contact_id"].notna()
    right = (scored["linked_person_id"] == scored["person_id"]).fillna(False)
    return {
        "responses_with_true_person": len(scored),
        "linked": int(linked.sum()),
        "recall": float(right.mean()) if len(scored) else 1.0,
        "precision": float(right.sum() / linked.sum()) if linked.any() else 1.0,
    }


def _pair_table(labels: pd.DataFrame, label: str) -> pd.DataFrame:
    """Every unordered pair of records (source_system|account_id ids) sharing `label`."""
    frame = labels[["rid", label]].dropna()
    pairs = frame.merge(frame, on=label, suffixes=("_l", "_r"))
    return pairs.loc[pairs["rid_l"] < pairs["rid_r"], ["rid_l", "rid_r"]]


def account_score_by_class(
    con: duckdb.DuckDBPyConnection, truth: pd.DataFrame
) -> dict[str, dict[str, float | int]]:
    """Pairwise precision and recall per variation class of the ground truth.

    truth: source_system, account_id, customer_id, variation ("+"-joined class
    names, or missing). A pair belongs to a class when either record carries it;
    recall is over the true pairs of the class, precision over the predicted pairs
    of the class. "all" is every pair.
    """
    pred = con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()
    joined = pred.merge(truth, on=["source_system", "account_id"], how="inner")
    joined["rid"] = joined["source_system"] + "|" + joined["account_id"]
    tags = joined.set_index("rid")["variation"].fillna("").astype(str).str.split("+")
    true_pairs = _pair_table(joined, "customer_id")
    pred_pairs = _pair_table(joined, "customer_key")
    true_pairs["hit"] = (
        true_pairs.merge(pred_pairs.assign(p=True), on=["rid_l", "rid_r"], how="left")["p"]
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    pred_pairs["hit"] = (
        pred_pairs.merge(
            true_pairs[["rid_l", "rid_r"]].assign(t=True), on=["rid_l", "rid_r"], how="left"
        )["t"]
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    classes = sorted({c for cs in tags for c in cs if c})
    out: dict[str, dict[str, float | int]] = {}
    for name in ["all", *classes]:
        has = tags.map(lambda cs, n=name: n == "all" or n in cs)
        t = true_pairs[true_pairs["rid_l"].map(has) | true_pairs["rid_r"].map(has)]
        p = pred_pairs[pred_pairs["rid_l"].map(has) | pred_pairs["rid_r"].map(has)]
        out[name] = {
            "true_pairs": len(t),
            "recall": float(t["hit"].mean()) if len(t) else 1.0,
            "predicted_pairs": len(p),
            "precision": float(p["hit"].mean()) if len(p) else 1.0,
        }
    return out


def customer_count(con: duckdb.DuckDBPyConnection, truth: pd.DataFrame) -> dict[str, float | int]:
    """Customers found vs true customers (over the accounts that reached identity)."""
    pred = con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()
    joined = pred.merge(truth, on=["source_system", "account_id"], how="inner")
    found, true = joined["customer_key"].nunique(), joined["customer_id"].nunique()
    return {"found": int(found), "true": int(true), "relative_error": (found - true) / true}
