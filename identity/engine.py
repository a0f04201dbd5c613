"""Splink, driven by the configuration: train (or reuse) a model, score blocked
pairs, add deterministic links, cluster.

The backend is a setting (`engine.identity_backend`: duckdb | spark). Everything
here goes through Splink's API and its SQL dialect layer; the only SQL written
by hand is in matching.yml (DuckDB syntax, translated by Splink for Spark).
Inputs and outputs are pandas frames: the callers own the warehouse.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker, SettingsCreator
from splink.clustering import cluster_pairwise_predictions_at_threshold

from identity.config import (
    EntityConfig,
    MatchingConfig,
    blocking_rule,
    deterministic_settings,
    splink_settings,
)

log = logging.getLogger(__name__)

METHOD_DETERMINISTIC = "deterministic"
METHOD_PROBABILISTIC = "probabilistic"
METHOD_CLERICAL = "clerical"


@dataclass
class StoredModel:
    """A trained model as kept in identity.match_models."""

    entity: str
    fingerprint: str
    n_records: int
    model: dict[str, Any]


@dataclass
class LinkResult:
    entity: str
    pairs: pd.DataFrame  # scored pairs at or above the review weight, with the method
    clusters: pd.DataFrame | None  # unique id -> cluster_id (dedupe entities)
    model: StoredModel
    trained: bool
    stats: dict[str, Any] = field(default_factory=dict)


def make_db_api(cfg: MatchingConfig) -> Any:
    """A fresh Splink database API for the configured backend."""
    if cfg.backend == "duckdb":
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        from cx_settings import load_settings

        settings = load_settings()
        con = duckdb.connect(":memory:")
        # Bounded like the warehouse's connections; spills beside the warehouse.
        con.execute("set memory_limit = ?", [settings.engine.duckdb_memory_limit])
        spill = settings.paths.data_dir / "tmp" / "splink"
        spill.mkdir(parents=True, exist_ok=True)  # DuckDB creates one level only
        con.execute("set temp_directory = ?", [str(spill)])
        return DuckDBAPI(con)
    if cfg.backend == "spark":
        from pyspark.sql import SparkSession  # type: ignore[import-not-found]
        from splink.backends.spark import SparkAPI, similarity_jar_location

        own = {"app_name", "checkpoint_dir"}
        builder = SparkSession.builder.appName(cfg.spark.get("app_name", "cx-identity"))
        # Splink's string-similarity UDFs (Jaro, Jaro-Winkler) ship as a jar in the package.
        builder = builder.config("spark.jars", similarity_jar_location())
        for key, value in cfg.spark.items():
            if key not in own:
                builder = builder.config(key, value)
        spark = builder.getOrCreate()
        # Splink checkpoints intermediate tables to cut Spark's query lineage.
        checkpoint = cfg.spark.get("checkpoint_dir") or tempfile.mkdtemp(prefix="cx-spark-")
        spark.sparkContext.setCheckpointDir(str(checkpoint))
        return SparkAPI(spark_session=spark)
    raise ValueError(f"unknown backend {cfg.backend!r} (duckdb or spark)")


def _register(db_api: Any, frames: dict[str, pd.DataFrame]) -> list[Any]:
    return [db_api.register(df, dataset_display_name=name) for name, df in frames.items()]


def needs_training(
    entity: EntityConfig, stored: StoredModel | None, n_records: int, grow_by: float
) -> bool:
    """Retrain when there is no model, the configuration changed, or the data grew a lot.

    grow_by <= 0 retrains on every run: a kept model's weights come from the records of
    its training (values that arrived later, e.g. the orders a response's customer is
    read from, change no count), so only a model retrained on the records at hand gives
    the weights a rebuild from scratch gives."""
    if stored is None or stored.fingerprint != entity.fingerprint or grow_by <= 0:
        return True
    return n_records > stored.n_records * (1 + grow_by)


def deterministic_recall(entity: EntityConfig, frames: dict[str, pd.DataFrame]) -> float:
    """Recall of the deterministic rules, as configured or estimated.

    `auto`: a true pair is found by an exact-identifier rule only when both
    records carry the identifier, so recall is about (share of records that
    carry it)^2; with several rules, the best rule's share counts.
    """
    configured = entity.training.get("deterministic_recall", "auto")
    if configured != "auto":
        return float(configured)
    data = pd.concat(frames.values(), ignore_index=True)
    shares = []
    for rule in entity.deterministic_rules or entity.training.get("em_blocking_rules", [])[:1]:
        if isinstance(rule, list):
            shares.append(float(data[rule].notna().all(axis=1).mean()))
    share = max(shares, default=0.5)
    return min(max(share * share, 0.05), 1.0)


def can_pair(frames: dict[str, pd.DataFrame], link_type: str) -> bool:
    """Whether the records can form any pair: without one there is nothing to estimate
    (Splink's u sampling divides by the record count), and every record is its own cluster."""
    sizes = [len(f) for f in frames.values()]
    if link_type == "link_only":
        return len(sizes) >= 2 and all(n > 0 for n in sizes)
    return sum(sizes) >= 2


def train(
    linker: Linker, entity: EntityConfig, cfg: MatchingConfig, frames: dict[str, pd.DataFrame]
) -> None:
    seed = int(cfg.model.get("seed", 42))
    rules = entity.deterministic_rules or entity.training.get("em_blocking_rules", [])[:1]
    recall = deterministic_recall(entity, frames)
    settings = linker._settings_obj
    configured_prior = settings._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(
            [blocking_rule(r) for r in rules], recall=recall
        )
    except Exception as exc:  # noqa: BLE001 - keep the configured prior
        log.warning("%s: prior not estimated (%s); using the configured one", entity.name, exc)
    if not 0 < settings._probability_two_random_records_match < 1:
        # Few records: no (or only) matching pairs give a prior of 0 or 1, whose match
        # weight is infinite. Keep the configured prior.
        settings._probability_two_random_records_match = configured_prior
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(cfg.model["u_max_pairs"]), seed=seed
    )
    min_pairs = int(entity.training.get("em_min_pairs", 50))
    for rule in entity.training.get("em_blocking_rules", []):
        n_pairs = blocked_pairs(frames, rule, entity.link_type)
        if n_pairs < min_pairs:
            # A failed EM session leaves the linker's settings altered: skip it.
            log.warning("%s: EM on %s skipped: %d pairs", entity.name, rule, n_pairs)
            continue
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                blocking_rule(rule), estimate_without_term_frequencies=True
            )
        except Exception as exc:  # noqa: BLE001 - one rule may find no pairs on tiny data
            log.warning("%s: EM on %s skipped: %s", entity.name, rule, exc)
    if entity.training.get("u_without_matches", False):
        changed = correct_u_for_matches(linker, float(cfg.model["u_max_pairs"]))
        log.info("%s: u corrected for the sample's matches: %s", entity.name, changed)


def u_without_matches(u: float, m: float, prior: float, floor: float) -> float:
    """P(level | non-match) from the share of random pairs at the level.

    Random sampling measures P(level | random pair) = prior·m + (1 − prior)·u, which
    Splink takes for u. That is close when matches are rare among the sampled pairs,
    but a CRM holds most companies two or three times: on a medium world every random
    pair with the same credit code, phone, website or core name was a match (the
    sampled share was 0.78–0.96 × prior·m: matches only, within sampling noise), so u
    equalled prior·m, the level's weight equalled −log2(prior), and a pair with one
    such agreement scored ≈ 0 whatever the evidence. The matches' share is taken
    out; `floor` (one pair of the sample) bounds the estimate where nothing is left,
    since the sample cannot tell rarer from zero.
    """
    return min(u, max((u - prior * m) / (1 - prior), floor))


def correct_u_for_matches(linker: Linker, max_pairs: float) -> dict[str, float]:
    """Apply u_without_matches to every level with estimated m and u; returns the
    changed levels' new u by 'comparison: level'."""
    settings = linker._settings_obj
    prior = settings._probability_two_random_records_match
    floor = 1.0 / max_pairs
    changed: dict[str, float] = {}
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m, u = level._m_probability, level._u_probability
            if not isinstance(m, float) or not isinstance(u, float):
                continue  # not observed in training: Splink's defaults stand
            new = u_without_matches(u, m, prior, floor)
            if new != u:
                level.u_probability = new
                changed[f"{comparison.output_column_name}: {level.label_for_charts}"] = new
    return changed


def blocked_pairs(frames: dict[str, pd.DataFrame], rule: Any, link_type: str) -> int:
    """Pairs an equality blocking rule (a list of columns) generates; SQL rules: -1."""
    if not isinstance(rule, list):
        return -1
    counts = [f.dropna(subset=rule).groupby(rule).size() for f in frames.values()]
    if link_type == "link_only":
        if len(counts) != 2:
            return -1
        joined = pd.concat(counts, axis=1, join="inner").fillna(0)
        return int((joined.iloc[:, 0] * joined.iloc[:, 1]).sum())
    total = pd.concat(counts).groupby(level=list(range(len(rule)))).sum()
    return int((total * (total - 1) // 2).sum())


def trough(histogram: pd.Series, lo: float, hi: float) -> float:
    """The match weight between the non-match and the match mode where the fewest
    pairs fall: the middle of the longest run of least-populated unit bins in
    [lo, hi). histogram: pair count per unit bin, indexed by the bin's lower edge.

    The non-match mass falls as the weight rises: a bin of the window fuller than
    every bin below it is a pile of matches, and the search ends at the window's
    fullest bin. A dip above that pile is no boundary: on one medium world the bins
    either side of a 4,000-pair bin held 16 and 15 pairs, and which was emptier turned
    on the random u sample, putting the threshold at 2.5 or 5.5 (recall 0.970 or 0.874).
    When the fullest bin is the window's first (the non-match tail), the whole window
    is searched."""
    first = np.floor(lo)
    window = histogram[(histogram.index >= first) & (histogram.index < np.ceil(hi))]
    fullest = float(window.idxmax()) if len(window) else first
    if fullest > first:
        hi = fullest
    bins = pd.Series(0, index=np.arange(first, np.ceil(hi)), dtype="int64")
    counts = bins.add(histogram.reindex(bins.index).fillna(0), fill_value=0)
    low = counts == counts.min()
    runs = (low != low.shift()).cumsum()[low]
    longest = runs.value_counts().sort_index(kind="stable").idxmax()
    run = runs.index[runs == longest]
    return float((run.min() + run.max() + 1) / 2)


def search_window(entity: EntityConfig) -> tuple[float, float]:
    lo, hi = (float(x) for x in entity.threshold_selection.get("search", (0.0, 8.0)))
    return lo, hi


def lowest_kept_weight(entity: EntityConfig) -> float:
    """Scored pairs below this weight are dropped: the review floor, or the threshold
    search's lower end when that is lower (the histogram must cover the window)."""
    if not entity.threshold_selection:
        return entity.review_min_match_weight
    return min(entity.review_min_match_weight, search_window(entity)[0])


def choose_thresholds(
    entity: EntityConfig, histogram: pd.Series, below: pd.Series
) -> tuple[float, float]:
    """(link threshold, review floor) from the match-weight distribution.

    Without `threshold_selection` the configured weights. Otherwise the threshold is
    the trough of the distribution inside `search`, and the review floor the weight
    of the `review_capacity`-th pair below it (never under review_min_match_weight):
    the clerical band holds what a person can review in one run.
    histogram: pair count per unit bin of the pairs the threshold decides (not the
    deterministic links), from the search window's lower end up.
    below: match weights of the scored pairs (any order).
    """
    sel = entity.threshold_selection
    if not sel:
        return entity.threshold_match_weight, entity.review_min_match_weight
    lo, hi = search_window(entity)
    threshold = trough(histogram, lo, hi) if len(histogram) else entity.threshold_match_weight
    capacity = int(sel["review_capacity"])
    under = below[below < threshold].sort_values(ascending=False)
    floor = entity.review_min_match_weight
    if len(under) > capacity:
        floor = max(floor, float(under.iloc[capacity - 1]))
    return threshold, min(floor, threshold)


def _pairs_frame(splink_df: Any) -> pd.DataFrame:
    return splink_df.as_pandas_dataframe()


def link(
    frames: dict[str, pd.DataFrame],
    entity: EntityConfig,
    cfg: MatchingConfig,
    stored: StoredModel | None = None,
    decisions: pd.DataFrame | None = None,
    cluster: bool = True,
) -> LinkResult:
    """Score and (for dedupe entities) cluster the records of `frames`.

    frames: dataset name -> records (one frame for dedupe, two for link_only),
    each with the entity's unique id column and the compared columns.
    decisions: clerical decisions (record_id_l, record_id_r, decision in
    'match'/'no_match') that override the model for those pairs.
    """
    uid = entity.unique_id_column
    started = time.perf_counter()
    n_records = int(sum(len(f) for f in frames.values()))
    grow_by = float(cfg.model["retrain_when_records_grow_by"])
    retrain = needs_training(entity, stored, n_records, grow_by)
    db_api = make_db_api(cfg)
    inputs = _register(db_api, frames)
    if retrain:
        linker = Linker(inputs, splink_settings(entity), log_level=logging.WARNING)
        if can_pair(frames, entity.link_type):
            train(linker, entity, cfg, frames)
        model = StoredModel(
            entity.name, entity.fingerprint, n_records, linker.misc.save_model_to_json()
        )
    else:
        assert stored is not None
        linker = Linker(inputs, SettingsCreator.from_path_or_dict(stored.model))
        model = stored
    trained_at = time.perf_counter()

    predictions = linker.inference.predict(warning_mode="never")
    n_comparisons = int(
        linker.misc.query_sql(
            f"select count(*) as n from {predictions.physical_name}", output_type="pandas"
        )["n"].iloc[0]
    )
    pairs = linker.misc.query_sql(
        f"select * from {predictions.physical_name} "
        f"where match_weight >= {lowest_kept_weight(entity)}",
        output_type="pandas",
    )
    pairs["method"] = METHOD_PROBABILISTIC
    left, right = f"{uid}_l", f"{uid}_r"
    dedupe = entity.link_type != "link_only"

    det_settings = deterministic_settings(entity)
    if det_settings is not None:
        det_linker = Linker(inputs, det_settings, log_level=logging.WARNING)
        det = _pairs_frame(det_linker.inference.deterministic_link())[[left, right]]
        det = _ordered(det, left, right).drop_duplicates()
        det["is_deterministic"] = True
        pairs = (_ordered(pairs, left, right) if dedupe else pairs).merge(
            det, on=[left, right], how="outer"
        )
        is_det = pairs["is_deterministic"].fillna(False).astype(bool)
        pairs.loc[is_det, "method"] = METHOD_DETERMINISTIC
        pairs = pairs.drop(columns="is_deterministic")
    elif dedupe:
        pairs = _ordered(pairs, left, right)

    # The review band counts only pairs a person would see: not the deterministic links.
    scored = pairs.loc[pairs["method"] != METHOD_DETERMINISTIC, "match_weight"].dropna()
    # The threshold decides only these pairs: the deterministic links are linked at any
    # weight, and they pile up where a cancelled prior puts them (identical registered
    # names score ≈ 0 to 2): counted, they hid the trough below the matches.
    histogram = scored.floordiv(1).value_counts()
    threshold, review_floor = choose_thresholds(entity, histogram, scored)
    keep = (pairs["match_weight"] >= review_floor) | (pairs["method"] == METHOD_DETERMINISTIC)
    pairs = pairs[keep].reset_index(drop=True)
    pairs["is_match"] = (pairs["match_weight"] >= threshold) | (
        pairs["method"] == METHOD_DETERMINISTIC
    )
    if decisions is not None and len(decisions):
        pairs = apply_decisions(pairs, decisions, left, right)
    predicted_at = time.perf_counter()

    clusters = None
    if cluster and dedupe:
        nodes = pd.concat([f[[uid]] for f in frames.values()], ignore_index=True)
        edges = pairs.loc[pairs["is_match"], [left, right]]
        clusters = (
            cluster_pairwise_predictions_at_threshold(
                nodes,
                edges,
                db_api=db_api,
                node_id_column_name=uid,
                edge_id_column_name_left=left,
                edge_id_column_name_right=right,
            )
            .as_pandas_dataframe()[["cluster_id", uid]]
            .astype({"cluster_id": "string", uid: "string"})
        )
    finished = time.perf_counter()

    n_match = int(pairs["is_match"].sum())
    stats = {
        "records": n_records,
        "comparisons": n_comparisons,
        "links": n_match,
        "deterministic_links": int(
            (pairs["is_match"] & (pairs["method"] == "deterministic")).sum()
        ),
        "review_pairs": int((~pairs["is_match"]).sum()),
        "model_trained": retrain,
        "threshold_match_weight": threshold,
        "review_min_match_weight": review_floor,
        "seconds_training": round(trained_at - started, 2),
        "seconds_predict": round(predicted_at - trained_at, 2),
        "seconds_clustering": round(finished - predicted_at, 2),
    }
    if clusters is not None:
        stats["clusters"] = int(clusters["cluster_id"].nunique())
    return LinkResult(entity.name, pairs, clusters, model, retrain, stats)


def _ordered(pairs: pd.DataFrame, left: str, right: str) -> pd.DataFrame:
    """Put the smaller id on the left so a pair has one spelling."""
    swap = pairs[left].astype(str) > pairs[right].astype(str)
    if swap.any():
        swapped = pairs.loc[swap].copy()
        rename = {}
        for col in pairs.columns:
            if col.endswith("_l") and col[:-2] + "_r" in pairs.columns:
                rename[col] = col[:-2] + "_r"
                rename[col[:-2] + "_r"] = col
        pairs = pd.concat([pairs.loc[~swap], swapped.rename(columns=rename)], ignore_index=True)
    return pairs


def apply_decisions(
    pairs: pd.DataFrame, decisions: pd.DataFrame, left: str, right: str
) -> pd.DataFrame:
    """Clerical decisions win: 'match' adds or confirms a link, 'no_match' removes it."""
    d = _ordered(
        decisions.rename(columns={"record_id_l": left, "record_id_r": right})[
            [left, right, "decision"]
        ],
        left,
        right,
    ).drop_duplicates([left, right], keep="last")
    out = pairs.merge(d, on=[left, right], how="outer")
    decided = out["decision"].notna()
    out.loc[decided, "is_match"] = out.loc[decided, "decision"].eq("match")
    out.loc[decided, "method"] = METHOD_CLERICAL
    return out.drop(columns="decision")
