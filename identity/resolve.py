"""Single customer view: resolve accounts, contacts and survey respondents.

Each step reads the staging views, normalises the compared fields
(identity/normalise.py), runs Splink through identity/engine.py and writes its
results to the `identity` schema of the warehouse:

    identity.account_clusters   one row per CRM account -> customer_key
    identity.customer_keys      every customer key ever issued, active or retired
    identity.contact_clusters   one row per CRM contact -> person_key, customer_key
    identity.person_keys        every person key ever issued
    identity.response_links     one row per survey response -> person, contact, customer
    identity.clerical_review    uncertain pairs with their match weights, to confirm or split
    identity.clerical_decisions a person's decisions on pairs (never written by the pipeline)
    identity.match_models       the trained Splink models, reused across runs

The caller passes an open DuckDB connection to the warehouse (the one writer)
and closes it; Splink itself works in its own database (DuckDB in memory, or
Spark), so nothing here depends on the warehouse engine beyond reading and
writing tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from identity import normalise as nz
from identity import state
from identity.config import MatchingConfig, load_config
from identity.engine import (
    METHOD_CLERICAL,
    METHOD_DETERMINISTIC,
    METHOD_PROBABILISTIC,
    LinkResult,
    StoredModel,
    link,
)
from identity.keys import assign_stable_keys
from identity.respondents import (
    addressee_not_respondent,
    carry_links,
    is_in,
    own_address_links,
    respondent_groups,
)
from identity.review import ingest_decisions

SCHEMA = "identity"
ACCOUNT_CLUSTERS = f"{SCHEMA}.account_clusters"
CUSTOMER_KEYS = f"{SCHEMA}.customer_keys"
CONTACT_CLUSTERS = f"{SCHEMA}.contact_clusters"
PERSON_KEYS = f"{SCHEMA}.person_keys"
RESPONSE_LINKS = f"{SCHEMA}.response_links"
CLERICAL_REVIEW = f"{SCHEMA}.clerical_review"
CLERICAL_DECISIONS = f"{SCHEMA}.clerical_decisions"
MATCH_MODELS = f"{SCHEMA}.match_models"
METHOD_SINGLETON = "singleton"
SEP = "|"


# --------------------------------------------------------------------------
# Warehouse plumbing
# --------------------------------------------------------------------------


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"""create table if not exists {CLERICAL_DECISIONS} (
            entity varchar not null,          -- accounts | contacts | respondents
            record_id_l varchar not null,
            record_id_r varchar not null,
            decision varchar not null,        -- match | no_match
            decided_by varchar,
            decided_at timestamp default current_timestamp,
            note varchar
        )"""
    )
    con.execute(
        f"""create table if not exists {MATCH_MODELS} (
            entity varchar not null,
            fingerprint varchar not null,
            n_records bigint not null,
            trained_at timestamp not null,
            model_json varchar not null
        )"""
    )
    for table in (CUSTOMER_KEYS, PERSON_KEYS):
        con.execute(
            f"""create table if not exists {table} (
                key varchar not null,
                status varchar not null,          -- active | retired
                successor_key varchar,            -- where a retired key's members went
                n_members bigint,
                first_seen_at timestamp not null,
                last_seen_at timestamp not null
            )"""
        )


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def write_table(con: duckdb.DuckDBPyConnection, qualified: str, df: pd.DataFrame) -> None:
    """Replace a table with a frame (columns in frame order)."""
    con.register("_identity_frame", df)
    try:
        con.execute(f"create or replace table {qualified} as select * from _identity_frame")
    finally:
        con.unregister("_identity_frame")


def read_model(con: duckdb.DuckDBPyConnection, entity: str) -> StoredModel | None:
    row = con.execute(
        f"select fingerprint, n_records, model_json from {MATCH_MODELS} "
        "where entity = ? order by trained_at desc limit 1",
        [entity],
    ).fetchone()
    if row is None:
        return None
    return StoredModel(entity, row[0], int(row[1]), json.loads(row[2]))


def save_model(con: duckdb.DuckDBPyConnection, model: StoredModel) -> None:
    con.execute(
        f"insert into {MATCH_MODELS} values (?, ?, ?, ?, ?)",
        [
            model.entity,
            model.fingerprint,
            model.n_records,
            datetime.now(UTC).replace(tzinfo=None),
            json.dumps(model.model),
        ],
    )


def read_decisions(con: duckdb.DuckDBPyConnection, entity: str) -> pd.DataFrame:
    return con.execute(
        f"select record_id_l, record_id_r, decision from {CLERICAL_DECISIONS} "
        "where entity = ? and decision in ('match', 'no_match') order by decided_at",
        [entity],
    ).df()


def previous_keys(
    con: duckdb.DuckDBPyConnection, table: str, key_column: str
) -> pd.DataFrame | None:
    if not table_exists(con, table):
        return None
    return con.execute(f"select record_id, {key_column} as key from {table}").df()


def update_key_registry(
    con: duckdb.DuckDBPyConnection,
    table: str,
    keys: pd.DataFrame,
    retired: pd.DataFrame,
    now: datetime,
) -> None:
    """Upsert this run's keys as active; mark keys no longer issued as retired."""
    sizes = keys.groupby("key", as_index=False).size().rename(columns={"size": "n_members"})
    con.register("_keys_now", sizes)
    con.register("_keys_retired", retired.astype({"key": "string", "successor_key": "string"}))
    try:
        con.execute(
            f"""
            update {table} t set status = 'retired', successor_key = r.successor_key
            from _keys_retired r where t.key = r.key
            """
        )
        con.execute(
            f"""
            update {table} t set status = 'active', successor_key = null,
                n_members = k.n_members, last_seen_at = ?
            from _keys_now k where t.key = k.key
            """,
            [now],
        )
        con.execute(
            f"""
            insert into {table}
            select k.key, 'active', null, k.n_members, ?, ?
            from _keys_now k
            where not exists (select 1 from {table} t where t.key = k.key)
            """,
            [now, now],
        )
    finally:
        con.unregister("_keys_now")
        con.unregister("_keys_retired")


def retired_key_set(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(f"select key from {table}").fetchall()}


# --------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------


def record_id(*parts: pd.Series) -> pd.Series:
    out = parts[0].astype("string")
    for p in parts[1:]:
        out = out + SEP + p.astype("string")
    return out


def account_contact_keys(accounts: pd.DataFrame, contacts: pd.DataFrame) -> pd.Series:
    """Per account (aligned with `accounts`), its contacts' personal emails and phones
    ('e:…', 'p:…'), sorted; NULL for an account without any. Two CRM accounts that
    reach the same person are most likely one company (medium seed 7: 7,340 account
    pairs share a contact's email and 6,042 a phone; one of them is two companies).
    Shared mailboxes are no person's and are left out (identity/lexicon.yml)."""
    values = pd.concat(
        [
            contacts[["source_system", "account_id"]].assign(
                v="e:" + nz.personal_email(contacts["email"]).astype("string")
            ),
            contacts[["source_system", "account_id"]].assign(
                v="p:" + nz.phone(contacts["phone"]).astype("string")
            ),
        ],
        ignore_index=True,
    ).dropna(subset=["v"])
    per_account = (
        values.drop_duplicates()
        .sort_values("v")
        .groupby(["source_system", "account_id"], sort=False)["v"]
        .agg(list)
        .rename("contact_keys")
        .reset_index()
    )
    keyed = accounts[["source_system", "account_id"]].merge(
        per_account, on=["source_system", "account_id"], how="left"
    )
    lists = [list(v) if isinstance(v, list) else None for v in keyed["contact_keys"]]
    return pd.Series(lists, index=accounts.index, dtype=object)


# What resolve_accounts reads: the accounts, and their contacts' emails and phones.
ACCOUNT_INPUTS = (
    """select source_system, account_id, account_name, credit_code, city, phone, website
       from staging.stg_crm__accounts""",
    "select source_system, account_id, email, phone from staging.stg_crm__contacts",
)
# What resolve_contacts reads: the contacts, and their accounts' customers as resolved.
CONTACT_INPUTS = (
    """select source_system, contact_id, account_id, full_name, email, phone
       from staging.stg_crm__contacts""",
    f"select source_system, account_id, customer_key, name_key from {ACCOUNT_CLUSTERS}",
)


def reuse_resolution(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    digest: str,
    clusters: str,
    key_column: str,
    registry: str,
    now: datetime,
) -> dict[str, Any] | None:
    """The last resolution's statistics, its tables marked current, if it read the
    same inputs (identity/state.py); else None."""
    stats = state.reusable(con, entity, digest, [clusters, registry])
    if stats is None:
        return None
    # Source freshness reads these: the resolution is as current as this run.
    con.execute(f"update {clusters} set resolved_at = ?", [now])
    con.execute(
        f"""update {registry} set last_seen_at = ?
            where status = 'active' and key in (select {key_column} from {clusters})""",
        [now],
    )
    return {**stats, "reused": True, "seconds_training": 0.0, "seconds_predict": 0.0}


def read_account_features(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every staged CRM account as loaded, and its account_features (with its contacts)."""
    accounts = con.execute(ACCOUNT_INPUTS[0]).df()
    contacts = con.execute(ACCOUNT_INPUTS[1]).df()
    return accounts, account_features(accounts, contacts)


def account_features(accounts: pd.DataFrame, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compared fields of CRM accounts (one row per account); contacts: source_system,
    account_id, email, phone of the CRM contacts (their shared people)."""
    names = nz.company_names(accounts["account_name"], accounts["city"])
    if contacts is None:
        contacts = pd.DataFrame(columns=["source_system", "account_id", "email", "phone"])
    valid_code = nz.credit_code(accounts["credit_code"]).astype("string")
    shaped_code = nz.credit_code_shaped(accounts["credit_code"]).astype("string")
    body_zh = names["name_body"].where(names["name_script"] == "zh").astype("string")
    return pd.DataFrame(
        {
            "record_id": record_id(accounts["source_system"], accounts["account_id"]),
            "source_system": accounts["source_system"].astype("string"),
            "account_id": accounts["account_id"].astype("string"),
            "name_clean": names["name_clean"],
            "name_key": names["name_key"],
            "name_industry": names["name_industry"],
            "name_script": names["name_script"],
            # Chinese trade name + industry as written, for one-character typos.
            "name_body_zh": body_zh,
            "name_body_dels": nz.deletion_keys(body_zh),
            "name_body_undoubled": nz.undoubled_keys(body_zh),
            "credit_code": valid_code,
            # As keyed (check character may fail), and valid-or-repaired.
            "credit_code_shaped": shaped_code,
            "credit_code_any": valid_code.fillna(nz.repair_credit_codes(shaped_code, valid_code)),
            "phone": nz.phone(accounts["phone"]).astype("string"),
            "phone_local": nz.phone_local(accounts["phone"]).astype("string"),
            "website_domain": nz.website_domain(accounts["website"]).astype("string"),
            # The city column, else the place the name carries ('上海…', '…(Shanghai)').
            "city_key": nz.city_key(accounts["city"])
            .fillna(nz.name_places(accounts["account_name"]))
            .astype("string"),
            "registered_key": nz.registered_name_keys(
                accounts["account_name"], accounts["city"], parts=names
            ),
            "contact_keys": account_contact_keys(accounts, contacts),
        }
    )


def person_features(names: pd.Series) -> pd.DataFrame:
    p = nz.person_names(names)
    return p.rename(
        columns={
            "person_key": "person_key",
            "person_key_alt": "person_key_alt",
            "person_surname": "person_surname",
            "person_name_set": "person_name_set",
        }
    )[["person_key", "person_key_alt", "person_surname", "person_name_set"]]


def contact_features(contacts: pd.DataFrame, account_keys: pd.DataFrame) -> pd.DataFrame:
    """Compared fields of CRM contacts; account_keys: source_system, account_id,
    customer_key, name_key (of the contact's account)."""
    frame = contacts.merge(account_keys, on=["source_system", "account_id"], how="left")
    people = person_features(frame["full_name"])
    return pd.DataFrame(
        {
            "record_id": record_id(frame["source_system"], frame["contact_id"]),
            "source_system": frame["source_system"].astype("string"),
            "contact_id": frame["contact_id"].astype("string"),
            "customer_key": frame["customer_key"].astype("string"),
            "company_key": frame["name_key"].astype("string"),
            **{c: people[c] for c in people.columns},
            "email": nz.personal_email(frame["email"]).astype("string"),
            "phone": nz.phone(frame["phone"]).astype("string"),
        }
    )


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


def best_edge_per_record(pairs: pd.DataFrame, uid: str) -> pd.DataFrame:
    """For each record, its strongest accepted link: method, weight, probability."""
    matched = pairs[pairs["is_match"]]
    cols = ["match_weight", "match_probability", "method"]
    both = pd.concat(
        [
            matched[[f"{uid}_l", *cols]].rename(columns={f"{uid}_l": uid}),
            matched[[f"{uid}_r", *cols]].rename(columns={f"{uid}_r": uid}),
        ],
        ignore_index=True,
    )
    rank = {METHOD_CLERICAL: 0, METHOD_DETERMINISTIC: 1, METHOD_PROBABILISTIC: 2}
    both["_rank"] = both["method"].map(rank)
    best = both.sort_values([uid, "_rank", "match_weight"], ascending=[True, True, False])
    best = best.drop_duplicates(uid).drop(columns="_rank")
    certain = best["method"].isin([METHOD_CLERICAL, METHOD_DETERMINISTIC])
    best.loc[certain, "match_probability"] = 1.0
    return best


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison output column -> gamma value -> level label, from a Splink model."""
    out: dict[str, dict[int, str]] = {}
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        levels = comp["comparison_levels"]
        n = len([lv for lv in levels if not lv.get("is_null_level")])
        labels: dict[int, str] = {}
        value = n - 1
        for lv in levels:
            label = lv.get("label_for_charts") or lv.get("sql_condition", "")
            if lv.get("is_null_level"):
                labels[-1] = "missing"
            else:
                labels[value] = label
                value -= 1
        out[name] = labels
    return out


def explain_pairs(pairs: pd.DataFrame, model: dict[str, Any]) -> pd.Series:
    """One readable line per pair: each comparison's level and its match weight."""
    parts = []
    for name, labels in level_labels(model).items():
        gamma, weight = f"gamma_{name}", f"mw_{name}"
        if gamma not in pairs.columns:
            continue
        label = pairs[gamma].map(labels).fillna("?").astype("string")
        w = pairs[weight].round(1).astype("string") if weight in pairs.columns else ""
        parts.append(name + ": " + label + " (" + w + ")")
    if not parts:
        return pd.Series("", index=pairs.index, dtype="string")
    out = parts[0]
    for p in parts[1:]:
        out = out + "; " + p
    return out


def review_rows(
    entity: str,
    pairs: pd.DataFrame,
    model: dict[str, Any],
    uid: str,
    label_column: str,
    key_of: pd.Series | None,
) -> pd.DataFrame:
    """Uncertain pairs (review band) for identity.clerical_review."""
    band = pairs[~pairs["is_match"] & pairs["match_weight"].notna()]
    lab_l, lab_r = f"{label_column}_l", f"{label_column}_r"
    out = pd.DataFrame(
        {
            "entity": entity,
            "record_id_l": band[f"{uid}_l"].astype("string"),
            "record_id_r": band[f"{uid}_r"].astype("string"),
            "label_l": band[lab_l].astype("string") if lab_l in band else pd.NA,
            "label_r": band[lab_r].astype("string") if lab_r in band else pd.NA,
            "match_weight": band["match_weight"].astype("float64"),
            "match_probability": band["match_probability"].astype("float64"),
            "explanation": explain_pairs(band, model),
        }
    )
    if key_of is not None:
        out["entity_key_l"] = out["record_id_l"].map(key_of).astype("string")
        out["entity_key_r"] = out["record_id_r"].map(key_of).astype("string")
    else:
        out["entity_key_l"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["entity_key_r"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out.sort_values("match_weight", ascending=False)


def record_values(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's `columns` as one JSON object (for showing records side by side)."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="string")
    text = frame[columns].astype("string").to_json(orient="records", lines=True, force_ascii=False)
    return pd.Series(text.strip().split("\n"), index=frame.index, dtype="string")


def attach_values(review: pd.DataFrame, records: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Add values_l / values_r (JSON of the records' compared fields) to review rows.
    records: record_id plus `columns`."""
    values = records.set_index("record_id")
    as_json = record_values(values, columns)
    review["values_l"] = review["record_id_l"].map(as_json).astype("string")
    review["values_r"] = review["record_id_r"].map(as_json).astype("string")
    return review


def write_review(con: duckdb.DuckDBPyConnection, entity: str, rows: pd.DataFrame) -> None:
    """Replace one entity's rows in identity.clerical_review."""
    if not table_exists(con, CLERICAL_REVIEW):
        con.execute(
            f"""create table {CLERICAL_REVIEW} (
                entity varchar, record_id_l varchar, record_id_r varchar,
                label_l varchar, label_r varchar, match_weight double,
                match_probability double, explanation varchar,
                entity_key_l varchar, entity_key_r varchar, reviewed_at timestamp
            )"""
        )
    for column in ("values_l", "values_r"):
        con.execute(f"alter table {CLERICAL_REVIEW} add column if not exists {column} varchar")
    if "values_l" not in rows:
        rows = rows.assign(values_l=pd.NA, values_r=pd.NA)
    con.execute(f"delete from {CLERICAL_REVIEW} where entity = ?", [entity])
    con.register("_review", rows)
    try:
        con.execute(
            f"""insert into {CLERICAL_REVIEW}
            select entity, record_id_l, record_id_r, label_l, label_r, match_weight,
                   match_probability, explanation, entity_key_l, entity_key_r,
                   current_timestamp::timestamp, values_l, values_r
            from _review"""
        )
    finally:
        con.unregister("_review")


@dataclass
class StepResult:
    stats: dict[str, Any]


def _cluster_keys(
    con: duckdb.DuckDBPyConnection,
    result: LinkResult,
    table: str,
    key_column: str,
    registry: str,
    prefix: str,
    now: datetime,
) -> pd.DataFrame:
    assert result.clusters is not None
    members = result.clusters.rename(columns={"record_id": "record_id"})
    prev = previous_keys(con, table, key_column)
    keys, retired = assign_stable_keys(members, prev, prefix, retired_key_set(con, registry))
    update_key_registry(con, registry, keys, retired, now)
    return keys


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


def resolve_accounts(
    con: duckdb.DuckDBPyConnection, cfg: MatchingConfig | None = None
) -> dict[str, Any]:
    """CRM accounts -> customers: identity.account_clusters, customer_keys, review."""
    cfg = cfg or load_config()
    entity = cfg["accounts"]
    ensure_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    digest = state.inputs_digest(con, entity.name, cfg, list(ACCOUNT_INPUTS))
    reused = reuse_resolution(
        con, entity.name, digest, ACCOUNT_CLUSTERS, "customer_key", CUSTOMER_KEYS, now
    )
    if reused is not None:
        return reused
    accounts, features = read_account_features(con)
    result = link(
        {"accounts": features},
        entity,
        cfg,
        stored=read_model(con, entity.name),
        decisions=read_decisions(con, entity.name),
    )
    if result.trained:
        save_model(con, result.model)
    keys = _cluster_keys(con, result, ACCOUNT_CLUSTERS, "customer_key", CUSTOMER_KEYS, "C", now)
    best = best_edge_per_record(result.pairs, "record_id")
    out = (
        features[
            [
                "record_id",
                "source_system",
                "account_id",
                "name_key",
                "name_industry",
                "name_script",
                "credit_code",
                "website_domain",
            ]
        ]
        .merge(keys.rename(columns={"key": "customer_key"}), on="record_id")
        .merge(best, on="record_id", how="left")
    )
    out["method"] = out["method"].fillna(METHOD_SINGLETON)
    out["cluster_size"] = out.groupby("customer_key")["record_id"].transform("size")
    out = out.rename(
        columns={
            "method": "match_method",
            "credit_code": "valid_credit_code",
        }
    )[
        [
            "source_system",
            "account_id",
            "record_id",
            "customer_key",
            "cluster_size",
            "match_method",
            "match_weight",
            "match_probability",
            "name_key",
            "name_industry",
            "name_script",
            "valid_credit_code",
            "website_domain",
        ]
    ]
    out["resolved_at"] = now
    write_table(con, ACCOUNT_CLUSTERS, out)
    key_of = keys.set_index("record_id")["key"]
    review = review_rows(
        entity.name, result.pairs, result.model.model, "record_id", "name_clean", key_of
    )
    shown = ["account_name", "credit_code", "city", "phone", "website"]
    raw = accounts.assign(record_id=features["record_id"].to_numpy())
    review = attach_values(review, raw[["record_id", *shown]], shown)
    write_review(con, entity.name, review)
    stats = {**result.stats, "customers": int(out["customer_key"].nunique())}
    stats["review_queue"] = len(review)
    state.record(con, entity.name, digest, stats, now)
    return stats


def read_contact_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """contact_features of every staged CRM contact, with its account's customer as
    resolved (identity.account_clusters)."""
    contacts = con.execute(CONTACT_INPUTS[0]).df()
    account_keys = con.execute(CONTACT_INPUTS[1]).df()
    return contact_features(contacts, account_keys)


def resolve_contacts(
    con: duckdb.DuckDBPyConnection,
    cfg: MatchingConfig | None = None,
    features: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """CRM contacts -> persons: identity.contact_clusters, person_keys, review.
    features: read_contact_features(con), when the caller has them."""
    cfg = cfg or load_config()
    entity = cfg["contacts"]
    ensure_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    digest = state.inputs_digest(con, entity.name, cfg, list(CONTACT_INPUTS))
    reused = reuse_resolution(
        con, entity.name, digest, CONTACT_CLUSTERS, "person_key", PERSON_KEYS, now
    )
    if reused is not None:
        return reused
    if features is None:
        features = read_contact_features(con)
    result = link(
        {"contacts": features.drop(columns=["company_key"])},
        entity,
        cfg,
        stored=read_model(con, entity.name),
        decisions=read_decisions(con, entity.name),
    )
    if result.trained:
        save_model(con, result.model)
    keys = _cluster_keys(con, result, CONTACT_CLUSTERS, "person_key", PERSON_KEYS, "P", now)
    best = best_edge_per_record(result.pairs, "record_id")
    out = (
        features[["record_id", "source_system", "contact_id", "customer_key"]]
        .merge(keys.rename(columns={"key": "person_key"}), on="record_id")
        .merge(best, on="record_id", how="left")
    )
    out["method"] = out["method"].fillna(METHOD_SINGLETON)
    out["cluster_size"] = out.groupby("person_key")["record_id"].transform("size")
    out = out.rename(columns={"method": "match_method"})[
        [
            "source_system",
            "contact_id",
            "record_id",
            "person_key",
            "customer_key",
            "cluster_size",
            "match_method",
            "match_weight",
            "match_probability",
        ]
    ]
    out["resolved_at"] = now
    write_table(con, CONTACT_CLUSTERS, out)
    key_of = keys.set_index("record_id")["key"]
    contacts_named = result.pairs
    review = review_rows(
        entity.name, contacts_named, result.model.model, "record_id", "person_key", key_of
    )
    write_review(con, entity.name, review)
    stats = {**result.stats, "persons": int(out["person_key"].nunique())}
    stats["review_queue"] = len(review)
    state.record(con, entity.name, digest, stats, now)
    return stats


COMPANY_NAME_PARTS = f"{SCHEMA}.company_name_parts"
_NAME_PARTS = ["name_clean", "name_core", "name_key", "name_industry", "name_script", "name_body"]


def remembered_company_names(con: duckdb.DuckDBPyConnection, names: pd.Series) -> pd.DataFrame:
    """nz.company_names(names) (no city), each distinct name parsed once across runs:
    the parts are kept in identity.company_name_parts under the code version that
    made them (identity/state.py), so an hourly build parses only the names its new
    survey responses bring. The same frame as nz.company_names gives."""
    version = state.code_version()
    con.execute(
        f"""create table if not exists {COMPANY_NAME_PARTS} (
            code_version varchar not null, name varchar not null,
            {", ".join(f"{c} varchar" for c in _NAME_PARTS)})"""
    )
    con.execute(f"delete from {COMPANY_NAME_PARTS} where code_version <> ?", [version])
    wanted = pd.DataFrame({"name": names.astype("string")})
    con.register("_names_wanted", wanted.dropna().drop_duplicates())
    try:
        missing = con.execute(
            f"""select w.name from _names_wanted w
                where not exists (select 1 from {COMPANY_NAME_PARTS} k where k.name = w.name)"""
        ).df()["name"]
        if len(missing):
            parsed = nz.company_names(missing.astype("string").reset_index(drop=True))
            con.register(
                "_names_parsed", parsed.assign(name=missing.to_numpy(), code_version=version)
            )
            try:
                con.execute(
                    f"""insert into {COMPANY_NAME_PARTS}
                        select code_version, name, {", ".join(_NAME_PARTS)} from _names_parsed"""
                )
            finally:
                con.unregister("_names_parsed")
        known = con.execute(
            f"""select k.name, {", ".join(f"k.{c}" for c in _NAME_PARTS)}
                from {COMPANY_NAME_PARTS} k semi join _names_wanted w on k.name = w.name"""
        ).df()
    finally:
        con.unregister("_names_wanted")
    out = wanted.merge(known.astype("string"), on="name", how="left")
    out.index = names.index
    return out[_NAME_PARTS].astype("string")


def response_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Survey responses with the evidence about who answered: their own fields,
    else their invitation's, and the customer of the order they are about.

    group_email / group_phone, which say which responses are one respondent
    (identity/respondents.py), do not mix the two: a forwarded survey can carry the
    colleague's own number beside the addressee's email, two people, and one such
    form would join their responses. The model weighs each pair on its own and
    gains more from the mixed evidence than it loses.

    A response that names no invitation (the column left empty, or left out of the
    export) is matched to the invitation of the same survey about the same order
    sent before it, when there is exactly one."""
    df = con.execute(
        f"""
        with invitation_by_order as (
            select r.response_id, min(i.invitation_id) as invitation_id
            from staging.stg_survey__responses r
            join staging.stg_survey__invitations i
                on i.order_id = r.order_id
                and i.survey_id = r.survey_id
                and i.sent_at <= r.submitted_at
            where r.invitation_id is null and r.order_id is not null
            group by r.response_id
            having count(distinct i.invitation_id) = 1
        )
        select
            r.response_id,
            r.respondent_name,
            coalesce(r.respondent_email, i.contact_email) as email,
            r.respondent_email as own_email,
            r.respondent_phone as own_phone,
            i.contact_email as invitation_email,
            i.contact_phone as invitation_phone,
            r.respondent_company_name,
            coalesce(r.order_id, i.order_id) as order_id,
            a.customer_key as order_customer_key
        from staging.stg_survey__responses r
        left join invitation_by_order b on b.response_id = r.response_id
        left join staging.stg_survey__invitations i
            on i.invitation_id = coalesce(r.invitation_id, b.invitation_id)
        left join staging.stg_fulfillment__orders o on o.order_id = coalesce(r.order_id, i.order_id)
        left join {ACCOUNT_CLUSTERS} a
            on a.source_system = o.account_source_system and a.account_id = o.account_id
        qualify row_number() over (partition by r.response_id order by o.updated_at desc) = 1
        """
    ).df()
    company = remembered_company_names(con, df["respondent_company_name"])
    own_email = nz.personal_email(df["own_email"]).astype("string")
    own_phone = nz.phone(df["own_phone"]).astype("string")
    invitation_email = nz.personal_email(df["invitation_email"]).astype("string")
    invitation_phone = nz.phone(df["invitation_phone"]).astype("string")
    # The form's own email or phone (the invitation's say who was asked).
    own = own_email.notna() | own_phone.notna()
    email = own_email.fillna(invitation_email)
    # The name the form gives, else the one its address spells ('hao.tang@'): compared
    # by the model. The rules beside it (respondents.py) read the form's own name.
    own_name = person_features(df["respondent_name"])
    people = person_features(df["respondent_name"].fillna(nz.email_person_name(email)))
    return pd.DataFrame(
        {
            "record_id": ("resp" + SEP + df["response_id"].astype("string")),
            "response_id": df["response_id"].astype("string"),
            "order_customer_key": df["order_customer_key"].astype("string"),
            "customer_key": df["order_customer_key"].astype("string"),
            "company_key": company["name_key"],
            "company_industry": company["name_industry"],
            "email_domain": nz.corporate_email_domain(df["email"]).astype("string"),
            **{c: people[c] for c in people.columns},
            "email": email,
            "phone": own_phone.fillna(invitation_phone),
            "group_email": own_email.where(own, invitation_email),
            "group_phone": own_phone.where(own, invitation_phone),
            "own_contact_details": own.to_numpy(dtype=bool),
            "own_email": own_email,
            "own_phone": own_phone,
            "own_name_key": own_name["person_key"],
            "own_name_key_alt": own_name["person_key_alt"],
        }
    )


def unique_customer_lookup(
    con: duckdb.DuckDBPyConnection, columns: list[str], alias: list[str], name: str
) -> pd.DataFrame:
    """Values of `columns` in identity.account_clusters that belong to exactly one
    customer -> that customer (ambiguous values link nothing)."""
    cols = ", ".join(f"{c} as {a}" for c, a in zip(columns, alias, strict=True))
    where = " and ".join(f"{c} is not null" for c in columns)
    group = ", ".join(columns)
    return con.execute(
        f"""
        select {cols}, min(customer_key) as {name}
        from {ACCOUNT_CLUSTERS}
        where {where}
        group by {group}
        having count(distinct customer_key) = 1
        """
    ).df()


def contact_email_domains(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Corporate email domains used by the CRM contacts of exactly one customer ->
    that customer (a domain shared by several customers, e.g. a group's, links nothing)."""
    emails = con.execute(
        f"""select c.email, k.customer_key
            from staging.stg_crm__contacts c
            join {CONTACT_CLUSTERS} k
              on k.source_system = c.source_system and k.contact_id = c.contact_id
            where c.email is not null and k.customer_key is not null"""
    ).df()
    emails["email_domain"] = nz.corporate_email_domain(emails["email"]).astype("string")
    per_domain = emails.dropna(subset=["email_domain"]).groupby("email_domain")["customer_key"]
    stats = per_domain.agg(["nunique", "min"]).reset_index()
    unique = stats[stats["nunique"] == 1]
    return unique[["email_domain", "min"]].rename(columns={"min": "ck_contact_domain"})


def contact_person_names(contact_side: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """Every name key (both orders) of every CRM record of each resolved person.
    persons: contact_record_id -> person_key (identity.contact_clusters)."""
    names = contact_side[["record_id", "person_key", "person_key_alt"]].rename(
        columns={"record_id": "contact_record_id"}
    )
    names = names.merge(
        persons[["contact_record_id", "person_key"]], on="contact_record_id", suffixes=("_name", "")
    )
    return pd.concat(
        [
            names[["person_key", col]].rename(columns={col: "name_key"})
            for col in ("person_key_name", "person_key_alt")
        ]
    ).drop_duplicates()


def same_respondent_links(
    responses: pd.DataFrame,
    best: pd.DataFrame,
    person_names: pd.DataFrame,
    decisions: pd.DataFrame,
) -> pd.DataFrame:
    """Links for the responses the model left unlinked, from other responses of the
    same respondent (identity/respondents.py)."""
    groups = responses[["record_id", "order_customer_key"]].assign(
        group=respondent_groups(responses["group_email"], responses["group_phone"]),
        name_key=responses["own_name_key"],
        name_key_alt=responses["own_name_key_alt"],
    )
    return carry_links(groups, best, person_names, rejected_pairs(decisions))


def rejected_pairs(decisions: pd.DataFrame) -> pd.DataFrame:
    """(record_id of the response, contact_record_id) pairs a reviewer said are no match."""
    no = decisions[decisions["decision"] == "no_match"]
    l_is_resp = no["record_id_l"].str.startswith("resp" + SEP)
    return pd.DataFrame(
        {
            "record_id": no["record_id_l"].where(l_is_resp, no["record_id_r"]),
            "contact_record_id": no["record_id_r"].where(l_is_resp, no["record_id_l"]),
        }
    )


def link_responses(
    con: duckdb.DuckDBPyConnection,
    cfg: MatchingConfig | None = None,
    contact_side: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Survey responses -> contact, person and customer: identity.response_links.
    contact_side: read_contact_features(con), when the caller has them."""
    cfg = cfg or load_config()
    entity = cfg["respondents"]
    ensure_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    responses = response_features(con)
    if contact_side is None:
        contact_side = read_contact_features(con)
    compared = [
        "record_id",
        "customer_key",
        "company_key",
        "person_key",
        "person_key_alt",
        "person_surname",
        "person_name_set",
        "email",
        "phone",
    ]
    left = responses[compared].assign(
        source_dataset="responses",
        response_id=responses["response_id"],
        contact_id=pd.NA,
        source_system=pd.NA,
    )
    right = contact_side[compared].assign(
        source_dataset="contacts",
        response_id=pd.NA,
        contact_id=contact_side["contact_id"],
        source_system=contact_side["source_system"],
    )
    for frame in (left, right):
        for c in ("response_id", "contact_id", "source_system"):
            frame[c] = frame[c].astype("string")
    result = link(
        {"responses": left, "contacts": right},
        entity,
        cfg,
        stored=read_model(con, entity.name),
        decisions=read_decisions(con, entity.name),
        cluster=False,
    )
    if result.trained:
        save_model(con, result.model)
    pairs = result.pairs
    # Splink puts the first dataset on the left in link_only; be explicit anyway.
    l_is_resp = pairs["source_dataset_l"] == "responses"
    resp_id = pairs["record_id_l"].where(l_is_resp, pairs["record_id_r"])
    contact_rid = pairs["record_id_r"].where(l_is_resp, pairs["record_id_l"])
    scored = pd.DataFrame(
        {
            "record_id": resp_id,
            "contact_record_id": contact_rid,
            "match_weight": pairs["match_weight"],
            "match_probability": pairs["match_probability"],
            "is_match": pairs["is_match"],
            "method": pairs["method"],
        }
    )
    persons = con.execute(
        f"select record_id as contact_record_id, source_system, contact_id, person_key, "
        f"customer_key as contact_customer_key from {CONTACT_CLUSTERS}"
    ).df()
    names = contact_person_names(contact_side, persons)
    respondents = responses[["record_id", "own_contact_details"]].assign(
        name_key=responses["own_name_key"], name_key_alt=responses["own_name_key_alt"]
    )
    asked = addressee_not_respondent(
        scored.merge(
            persons[["contact_record_id", "person_key"]], on="contact_record_id", how="left"
        ),
        respondents,
        names,
    )
    scored.loc[asked, "is_match"] = False
    best = (
        scored[scored["is_match"]]
        .sort_values(
            ["record_id", "match_weight", "contact_record_id"], ascending=[True, False, True]
        )
        .drop_duplicates("record_id")
    )
    best = best.merge(persons, on="contact_record_id", how="left")
    decisions = read_decisions(con, entity.name)
    best = own_address_links(
        responses[["record_id", "own_email", "own_phone", "order_customer_key"]].assign(
            name_key=responses["own_name_key"], name_key_alt=responses["own_name_key_alt"]
        ),
        best,
        contact_side[["record_id", "email", "phone"]]
        .rename(columns={"record_id": "contact_record_id"})
        .merge(persons, on="contact_record_id"),
        names,
        rejected_pairs(decisions),
    )
    best = pd.concat(
        [best, same_respondent_links(responses, best, names, decisions)], ignore_index=True
    )
    out = responses[
        [
            "record_id",
            "response_id",
            "order_customer_key",
            "company_key",
            "company_industry",
            "email_domain",
        ]
    ].merge(best, on="record_id", how="left")
    by_name_industry = unique_customer_lookup(
        con, ["name_key", "name_industry"], ["company_key", "company_industry"], "ck_industry"
    )
    by_name = unique_customer_lookup(con, ["name_key"], ["company_key"], "ck_name")
    by_domain = unique_customer_lookup(con, ["website_domain"], ["email_domain"], "ck_domain")
    by_domain_name = unique_customer_lookup(con, ["name_key"], ["domain_key"], "ck_domain_name")
    out["domain_key"] = nz.domain_name_key(out["email_domain"])
    out = (
        out.merge(by_name_industry, on=["company_key", "company_industry"], how="left")
        .merge(by_name, on="company_key", how="left")
        .merge(by_domain, on="email_domain", how="left")
        .merge(contact_email_domains(con), on="email_domain", how="left")
        .merge(by_domain_name, on="domain_key", how="left")
    )
    out["ck_domain"] = out["ck_domain"].fillna(out["ck_contact_domain"])
    out["company_customer_key"] = out["ck_industry"].fillna(out["ck_name"])
    # Customer: the order the response is about, else the matched contact's
    # customer, else a company name (core and industry, else core) that belongs
    # to one customer only, else a corporate email domain that is one
    # customer's website or used by one customer's CRM contacts only, else a
    # domain that spells one customer's name ('hualan-group.com.cn', 华蓝能源).
    out["customer_key"] = (
        out["order_customer_key"]
        .fillna(out["contact_customer_key"])
        .fillna(out["company_customer_key"])
        .fillna(out["ck_domain"])
        .fillna(out["ck_domain_name"])
    )
    out["customer_method"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[out["ck_domain_name"].notna(), "customer_method"] = "email_domain_name"
    out.loc[out["ck_domain"].notna(), "customer_method"] = "email_domain"
    out.loc[out["company_customer_key"].notna(), "customer_method"] = "company_name"
    out.loc[out["contact_customer_key"].notna(), "customer_method"] = "contact"
    out.loc[out["order_customer_key"].notna(), "customer_method"] = "order"
    out = out.rename(
        columns={
            "source_system": "contact_source_system",
            "match_weight": "contact_match_weight",
            "match_probability": "contact_match_probability",
            "method": "contact_match_method",
        }
    )[
        [
            "response_id",
            "person_key",
            "contact_source_system",
            "contact_id",
            "contact_match_method",
            "contact_match_weight",
            "contact_match_probability",
            "customer_key",
            "customer_method",
        ]
    ]
    # Typed even when no response found a contact (all-empty columns would be NULL-typed).
    out = out.astype(
        {
            "response_id": "string",
            "person_key": "string",
            "contact_source_system": "string",
            "contact_id": "string",
            "contact_match_method": "string",
            "contact_match_weight": "float64",
            "contact_match_probability": "float64",
            "customer_key": "string",
            "customer_method": "string",
        }
    )
    out["linked_at"] = now
    write_table(con, RESPONSE_LINKS, out)
    review = review_rows(entity.name, pairs, result.model.model, "record_id", "person_key", None)
    # A response already linked above the threshold needs no review of its weaker candidates.
    linked = set(best["record_id"])
    resp_in_review = review["record_id_l"].where(
        review["record_id_l"].str.startswith("resp" + SEP), review["record_id_r"]
    )
    review = review[~is_in(resp_in_review, linked)]
    write_review(con, entity.name, review)
    stats = {
        **result.stats,
        "responses": len(out),
        "responses_with_contact": int(out["contact_id"].notna().sum()),
        "responses_with_customer": int(out["customer_key"].notna().sum()),
        "review_queue": len(review),
    }
    return stats


@contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every write of a resolution in one transaction. The key registries, the stored
    models and the cluster tables must move together: a run killed after the registry
    took this run's keys but before the clusters carried them would leave keys the next
    run steers around, so it would name the same clusters differently from a clean
    build."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def resolve_entities(con: duckdb.DuckDBPyConnection, cfg: MatchingConfig) -> dict[str, dict]:
    """Accounts, then contacts, then respondents (each reads the step before); the
    statistics of each."""
    accounts = resolve_accounts(con, cfg)
    # Contacts carry their account's customer: read once the accounts are resolved.
    contacts = read_contact_features(con)
    return {
        "accounts": accounts,
        "contacts": resolve_contacts(con, cfg, contacts),
        "respondents": link_responses(con, cfg, contacts),
    }


def resolve_all(con: duckdb.DuckDBPyConnection, cfg: MatchingConfig | None = None) -> dict:
    cfg = cfg or load_config()
    with one_transaction(con):
        ingest_decisions(con)
        return resolve_entities(con, cfg)
