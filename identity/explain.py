"""Show why two records are (or are not) the same entity: the match weight of
each comparison under the stored model, and the total.

    python -m identity.explain accounts "crm_east|A001" "crm_south|B002"
    python -m identity.explain contacts "crm_east|C01" "bu_welfare|C77"

Record ids are `source_system|id` as in identity.account_clusters.record_id /
identity.contact_clusters.record_id. Reads the warehouse read-only
(CX_DUCKDB_PATH), so run it when no build holds the file.
"""

from __future__ import annotations

import argparse
import logging
import os

import duckdb
import pandas as pd
from splink import Linker, SettingsCreator

from identity import resolve as r
from identity.config import load_config
from identity.engine import make_db_api


def _features(con: duckdb.DuckDBPyConnection, entity: str) -> pd.DataFrame:
    if entity == "accounts":
        accounts = con.execute(
            """select source_system, account_id, account_name, credit_code, city, phone, website
               from staging.stg_crm__accounts"""
        ).df()
        return r.account_features(accounts)
    if entity == "contacts":
        contacts = con.execute(
            """select source_system, contact_id, account_id, full_name, email, phone
               from staging.stg_crm__contacts"""
        ).df()
        keys = con.execute(
            f"select source_system, account_id, customer_key, name_key from {r.ACCOUNT_CLUSTERS}"
        ).df()
        return r.contact_features(contacts, keys).drop(columns=["company_key"])
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("entity", choices=["accounts", "contacts"])
    parser.add_argument("record_l")
    parser.add_argument("record_r")
    args = parser.parse_args()
    path = os.environ.get("CX_DUCKDB_PATH", "data/warehouse.duckdb")
    with duckdb.connect(path, read_only=True) as con:
        table = explain_pair(con, args.entity, args.record_l, args.record_r)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
