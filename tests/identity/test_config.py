"""Matching configuration -> Splink settings, portable across backends."""

import dataclasses

import pandas as pd
import pytest

from identity.config import load_config, splink_settings
from identity.engine import apply_decisions, blocked_pairs, deterministic_recall

ENTITIES = ("accounts", "contacts", "respondents")


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_settings_build_for_duckdb_and_spark(entity, dialect):
    settings = splink_settings(load_config()[entity]).create_settings_dict(dialect)
    assert settings["comparisons"] and settings["blocking_rules_to_generate_predictions"]
    if dialect == "spark":
        sql = str(settings)
        assert '"' not in sql.replace('\\"', "")  # identifiers quoted for Spark
        assert "regexp_matches" not in sql


def test_thresholds_come_from_configuration_and_are_ordered():
    cfg = load_config()
    for entity in ENTITIES:
        e = cfg[entity]
        assert e.review_min_match_weight <= e.threshold_match_weight


def test_changing_a_comparison_changes_the_model_fingerprint():
    e = load_config()["accounts"]
    changed = dataclasses.replace(e, comparisons=e.comparisons[:-1])
    assert e.fingerprint != changed.fingerprint
    assert dataclasses.replace(e, threshold_match_weight=1.0).fingerprint == e.fingerprint


def test_deterministic_recall_auto_is_the_squared_coverage():
    e = load_config()["accounts"]
    frame = pd.DataFrame(
        {"credit_code": ["A", None, "B", None], "registered_key": [None, None, None, None]}
    )
    assert deterministic_recall(e, {"accounts": frame}) == pytest.approx(0.25)


def test_blocked_pairs_counts_equal_non_null_values():
    frame = pd.DataFrame({"phone": ["1", "1", "1", "2", None, None]})
    assert blocked_pairs({"a": frame}, ["phone"], "dedupe_only") == 3
    right = pd.DataFrame({"phone": ["1", "2", "2"]})
    assert blocked_pairs({"l": frame, "r": right}, ["phone"], "link_only") == 3 + 2


def test_clerical_decisions_override_the_model():
    pairs = pd.DataFrame(
        {
            "record_id_l": ["a", "c"],
            "record_id_r": ["b", "d"],
            "match_weight": [9.0, 1.0],
            "method": ["probabilistic", "probabilistic"],
            "is_match": [True, False],
        }
    )
    decisions = pd.DataFrame(
        {"record_id_l": ["b", "c"], "record_id_r": ["a", "d"], "decision": ["no_match", "match"]}
    )
    out = apply_decisions(pairs, decisions, "record_id_l", "record_id_r").set_index("record_id_l")
    assert not out.loc["a", "is_match"] and out.loc["c", "is_match"]
    assert set(out["method"]) == {"clerical"}


def test_a_stored_model_is_kept_until_records_grow_by_the_share_and_zero_always_retrains():
    from identity.engine import StoredModel, needs_training

    e = load_config()["accounts"]
    stored = StoredModel(e.name, e.fingerprint, 1000, {})
    assert needs_training(e, None, 1000, 0.5)
    assert not needs_training(e, stored, 1000, 0.5)
    assert not needs_training(e, stored, 1500, 0.5)
    assert needs_training(e, stored, 1501, 0.5)
    assert needs_training(e, dataclasses.replace(stored, fingerprint="other"), 1000, 0.5)
    assert needs_training(e, stored, 1000, 0)  # same count, values may have changed


def test_splinks_database_is_bounded_and_spills_beside_the_data(tmp_path, monkeypatch):
    from identity.engine import make_db_api

    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CX_DUCKDB_MEMORY_LIMIT", "1GB")
    api = make_db_api(load_config())
    con = api.duckdb_con
    limit, spill = con.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert limit == "953.6 MiB"  # 1GB, as DuckDB prints it
    assert spill == str(tmp_path / "data" / "tmp" / "splink")
    assert (tmp_path / "data" / "tmp" / "splink").is_dir()  # DuckDB makes one level only
