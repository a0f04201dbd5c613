"""Show why two records are (or are not) the same entity: the match weight of
each comparison under the stored model, and the total.

    python -m identity.explain accounts "crm_east|A001" "crm_south|B002"
    python -m identity.explain contacts "crm_east|C01" "bu_welfare|C77"

Record ids are `source_system|id` as in identity.account_clusters.record_id /
identity.contact_clusters.record_id. Prints both records' values side by side,
each comparison's level and match weight, the prior and total, and the decision:
whether the last run put the two records in one entity, how (the method of each
record's link), and any clerical decision on the pair. Reads the warehouse
read-only (CX_DUCKDB_PATH), so run it when no build holds the file.
"""

from __future__ import annotations

import argparse
import logging

import duckdb
import pandas as pd
from splink import Linker, SettingsCreator

from cx_settings import load_settings
from identity import resolve as r
from identity.config import load_config
from identity.engine import make_db_api


def _features(con: duckdb.DuckDBPyConnection, entity: str) -> pd.DataFrame:
    if entity == "accounts":
        return r.read_account_features(con)[1]
    if entity == "contacts":
        return r.read_contact_features(con).drop(columns=["company_key"])
    raise SystemExit("entity must be accounts or contacts")


def explain_pair(
    con: duckdb.DuckDBPyConnection, entity: str, record_l: str, record_r: str
) -> pd.DataFrame:
    """One row per comparison: values compared, level, match weight; plus the prior
    and the total."""
    stored = r.read_model(con, entity)
    if stored is None:
        raise SystemExit(f"no stored model for {entity}: run the identity_resolution asset")
    features = _features(con, entity)
    pair = features[features["record_id"].isin([record_l, record_r])]
    if len(pair) != 2:
        raise SystemExit(f"records not found: {record_l}, {record_r}")
    db_api = make_db_api(load_config())
    linker = Linker(
        db_api.register(features, dataset_display_name=entity),
        SettingsCreator.from_path_or_dict(stored.model),
        log_level=logging.WARNING,
    )
    left = pair[pair["record_id"] == record_l].iloc[0].to_dict()
    right = pair[pair["record_id"] == record_r].iloc[0].to_dict()
    scored = linker.inference.score_pair(left, right).as_pandas_dataframe()
    labels = r.level_labels(stored.model)
    rows = []
    for name, by_gamma in labels.items():
        gamma = int(scored[f"gamma_{name}"].iloc[0])
        rows.append(
            {
                "comparison": name,
                "level": by_gamma.get(gamma, "?"),
                "match_weight": float(scored[f"mw_{name}"].iloc[0])
                if f"mw_{name}" in scored
                else None,
            }
        )
    out = pd.DataFrame(rows)
    total = float(scored["match_weight"].iloc[0])
    prior = total - out["match_weight"].fillna(0).sum()
    tail = pd.DataFrame(
        [
            {"comparison": "(prior)", "level": "", "match_weight": prior},
            {
                "comparison": "(total)",
                "level": f"p={float(scored['match_probability'].iloc[0]):.4f}",
                "match_weight": total,
            },
        ]
    )
    return pd.concat([out, tail], ignore_index=True)


RAW = {
    "accounts": (
        "staging.stg_crm__accounts",
        "source_system || '|' || account_id",
        "account_name, credit_code, city, phone, website",
    ),
    "contacts": (
        "staging.stg_crm__contacts",
        "source_system || '|' || contact_id",
        "full_name, account_id, email, phone",
    ),
}
CLUSTERS = {
    "accounts": ("identity.account_clusters", "customer_key"),
    "contacts": ("identity.contact_clusters", "person_key"),
}


def record_values(
    con: duckdb.DuckDBPyConnection, entity: str, record_l: str, record_r: str
) -> pd.DataFrame:
    """The two records' values as they arrived: field | left | right."""
    table, rid, cols = RAW[entity]
    rows = con.execute(
        f"select {rid} as record_id, {cols} from {table} where {rid} in (?, ?)",
        [record_l, record_r],
    ).df()
    rows = rows.set_index("record_id").reindex([record_l, record_r]).astype("string")
    out = rows.T.reset_index()
    out.columns = ["field", "left", "right"]
    return out


def decision(con: duckdb.DuckDBPyConnection, entity: str, record_l: str, record_r: str) -> str:
    """What the last run decided for the pair, in one line."""
    table, key = CLUSTERS[entity]
    got = con.execute(
        f"select record_id, {key}, match_method from {table} where record_id in (?, ?)",
        [record_l, record_r],
    ).fetchall()
    keys = {r[0]: (r[1], r[2]) for r in got}
    if len(keys) < 2:
        return "not resolved yet (run the identity_resolution asset)"
    (key_l, how_l), (key_r, how_r) = keys[record_l], keys[record_r]
    same = "same entity" if key_l == key_r else "different entities"
    line = f"{same} ({key} {key_l} / {key_r}; links: {how_l} / {how_r})"
    clerical = con.execute(
        f"select decision, decided_by, decided_at from {r.CLERICAL_DECISIONS} "
        "where entity = ? and ((record_id_l = ? and record_id_r = ?) "
        "or (record_id_l = ? and record_id_r = ?)) order by decided_at desc limit 1",
        [entity, record_l, record_r, record_r, record_l],
    ).fetchone()
    if clerical:
        line += f"; clerical decision: {clerical[0]} by {clerical[1] or '?'} at {clerical[2]}"
    in_review = con.execute(
        f"select count(*) from {r.CLERICAL_REVIEW} where entity = ? and "
        "((record_id_l = ? and record_id_r = ?) or (record_id_l = ? and record_id_r = ?))",
        [entity, record_l, record_r, record_r, record_l],
    ).fetchone()[0]
    if in_review:
        line += "; in the clerical review queue"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entity", choices=["accounts", "contacts"])
    parser.add_argument("record_l")
    parser.add_argument("record_r")
    args = parser.parse_args()
    path = str(load_settings().paths.duckdb_path)
    with duckdb.connect(path, read_only=True) as con:
        values = record_values(con, args.entity, args.record_l, args.record_r)
        table = explain_pair(con, args.entity, args.record_l, args.record_r)
        verdict = decision(con, args.entity, args.record_l, args.record_r)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(values.to_string(index=False))
        print()
        print(table.to_string(index=False))
        print()
        print(f"decision: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
