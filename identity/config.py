"""Matching configuration (identity/matching.yml) and the Splink settings built from it.

The YAML is the matching model: blocking rules, deterministic rules, comparisons
and their levels, training options. The engine (backend) and the operating
thresholds (link weight, review band, retraining) are settings (cx_settings,
sections `engine` and `identity`), merged in by load_config. Comparison levels
are written as small dicts (`{type: exact, column: email}`) or as SQL in DuckDB
syntax, which Splink transpiles (sqlglot) when the backend is Spark.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from splink import SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink.internals.comparison_library import CustomComparison

from cx_settings import load_settings

CONFIG_PATH = Path(__file__).with_name("matching.yml")
BASE_DIALECT = "duckdb"


@dataclass(frozen=True)
class EntityConfig:
    """How one kind of record is matched (accounts, contacts, respondents)."""

    name: str
    link_type: str
    unique_id_column: str
    threshold_match_weight: float
    review_min_match_weight: float
    comparisons: list[dict[str, Any]]
    blocking_rules: list[Any]
    deterministic_rules: list[Any] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    source_dataset_column: str | None = None
    # Optional: choose the threshold from the match-weight distribution
    # (engine.choose_thresholds): {search: [lo, hi], review_capacity: n}.
    threshold_selection: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Hash of what determines the model: a change means the model is retrained."""
        payload = json.dumps(
            {
                "link_type": self.link_type,
                "comparisons": self.comparisons,
                "blocking_rules": self.blocking_rules,
                "deterministic_rules": self.deterministic_rules,
                "training": self.training,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MatchingConfig:
    backend: str
    spark: dict[str, Any]
    model: dict[str, Any]
    entities: dict[str, EntityConfig]
    survivorship: dict[str, Any]

    def __getitem__(self, name: str) -> EntityConfig:
        return self.entities[name]


def load_config(path: Path | str = CONFIG_PATH) -> MatchingConfig:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    settings = load_settings()
    thresholds = settings.identity
    entities = {}
    for name, spec in raw["entities"].items():
        selection = spec.get("threshold_selection", {})
        entities[name] = EntityConfig(
            name=name,
            link_type=spec.get("link_type", "dedupe_only"),
            unique_id_column=spec.get("unique_id_column", "unique_id"),
            threshold_match_weight=thresholds.threshold_match_weight,
            review_min_match_weight=thresholds.review_min_match_weight,
            comparisons=spec["comparisons"],
            blocking_rules=spec["blocking_rules"],
            deterministic_rules=spec.get("deterministic_rules", []),
            training=spec.get("training", {}),
            options=spec.get("options", {}),
            source_dataset_column=spec.get("source_dataset_column"),
            threshold_selection=(
                {**selection, "review_capacity": thresholds.review_capacity} if selection else {}
            ),
        )
        if entities[name].review_min_match_weight > entities[name].threshold_match_weight:
            raise ValueError(f"{name}: review_min_match_weight above threshold_match_weight")
    return MatchingConfig(
        backend=settings.engine.identity_backend,
        spark=raw.get("spark", {}),
        model={
            **raw.get("model", {}),
            "retrain_when_records_grow_by": thresholds.retrain_when_records_grow_by,
        },
        entities=entities,
        survivorship=raw.get("survivorship", {}),
    )


def blocking_rule(spec: Any) -> Any:
    """A list of columns -> block_on(...); {columns: [...], arrays_to_explode: [...]}
    -> block_on on list columns, pairs sharing an element; a string -> SQL rule
    (DuckDB syntax)."""
    if isinstance(spec, list):
        return block_on(*spec)
    if isinstance(spec, dict):
        return block_on(*spec["columns"], arrays_to_explode=spec.get("arrays_to_explode"))
    if isinstance(spec, str):
        return {"blocking_rule": spec, "sql_dialect": BASE_DIALECT}
    raise TypeError(f"blocking rule must be a list of columns or SQL: {spec!r}")


def comparison_level(spec: dict[str, Any]) -> cll.ComparisonLevelCreator:
    # YAML reads a bare `null` as None.
    kind = "null" if spec["type"] is None else spec["type"]
    label = spec.get("label")
    if kind == "null":
        columns = spec["column"] if isinstance(spec["column"], list) else [spec["column"]]
        levels = [cll.NullLevel(c) for c in columns]
        level = levels[0] if len(levels) == 1 else cll.Or(*levels)
    elif kind == "exact":
        level = cll.ExactMatchLevel(
            spec["column"],
            term_frequency_adjustments=bool(spec.get("term_frequency_adjustments", False)),
        )
    elif kind == "jaro_winkler":
        level = cll.JaroWinklerLevel(spec["column"], float(spec["threshold"]))
    elif kind == "levenshtein":
        level = cll.LevenshteinLevel(spec["column"], int(spec["threshold"]))
    elif kind == "custom":
        level = cll.CustomLevel(spec["sql"], label, base_dialect_str=BASE_DIALECT)
        label = None
    elif kind == "else":
        level = cll.ElseLevel()
    else:
        raise ValueError(f"unknown comparison level type {kind!r}")
    if label:
        level = level.configure(label_for_charts=label)
    if "m_probability" in spec or "u_probability" in spec:
        level = level.configure(
            m_probability=spec.get("m_probability"), u_probability=spec.get("u_probability")
        )
    if kind == "null":
        level = level.configure(is_null_level=True)
    return level


def comparison(spec: dict[str, Any]) -> CustomComparison:
    return CustomComparison(
        comparison_levels=[comparison_level(lv) for lv in spec["levels"]],
        output_column_name=spec["name"],
        comparison_description=spec.get("description", spec["name"]),
    )


def splink_settings(entity: EntityConfig) -> SettingsCreator:
    """Settings for the probabilistic model of one entity."""
    kwargs: dict[str, Any] = {}
    if entity.source_dataset_column:
        kwargs["source_dataset_column_name"] = entity.source_dataset_column
    return SettingsCreator(
        link_type=entity.link_type,
        unique_id_column_name=entity.unique_id_column,
        comparisons=[comparison(c) for c in entity.comparisons],
        blocking_rules_to_generate_predictions=[
            blocking_rule(b) for b in [*entity.deterministic_rules, *entity.blocking_rules]
        ],
        probability_two_random_records_match=float(
            entity.training.get("probability_two_random_records_match", 0.0001)
        ),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=list(entity.options.get("retain_columns", [])),
        **kwargs,
    )


def deterministic_settings(entity: EntityConfig) -> SettingsCreator | None:
    """Settings whose blocking rules are the deterministic rules: every pair they
    find is a match, whatever the model says."""
    if not entity.deterministic_rules:
        return None
    kwargs: dict[str, Any] = {}
    if entity.source_dataset_column:
        kwargs["source_dataset_column_name"] = entity.source_dataset_column
    return SettingsCreator(
        link_type=entity.link_type,
        unique_id_column_name=entity.unique_id_column,
        blocking_rules_to_generate_predictions=[
            blocking_rule(b) for b in entity.deterministic_rules
        ],
        retain_matching_columns=False,
        **kwargs,
    )
