"""The text_enrichment asset in the code location, and the evaluation helpers."""

import dagster as dg
import pandas as pd

from orchestration.assets.enrichment import ENRICHMENT_TABLES, text_enrichment
from orchestration.assets.ingest import WRITER_POOL
from orchestration.definitions import defs
from orchestration.keys import enrichment_asset_key, source_asset_key
from simworld.scoring.enrichment import classification_report


def test_enrichment_tables_sit_between_staging_and_the_public_opinion_marts():
    graph = defs.resolve_asset_graph()
    for table in ENRICHMENT_TABLES:
        key = enrichment_asset_key(table)
        assert graph.has(key), key
        parents = {k.to_user_string() for k in graph.get(key).parent_keys}
        assert "staging/stg_public_opinion__posts" in parents
        assert "identity/account_clusters" in parents
    children = {
        k.to_user_string()
        for t in ENRICHMENT_TABLES
        for k in graph.get(enrichment_asset_key(t)).child_keys
    }
    staged = {f"staging/stg_enrichment__{t}" for t in ENRICHMENT_TABLES}
    assert staged <= children  # every Python-written table enters dbt through staging
    marts = {
        k.to_user_string() for s in staged for k in graph.get(dg.AssetKey(s.split("/"))).child_keys
    }
    assert {"marts/fct_posts", "marts/fct_post_keywords_monthly"} <= marts
    # The dbt source `enrichment` is the same node as the Python asset.
    assert source_asset_key("enrichment", "post_scores") == enrichment_asset_key("post_scores")
    assert not any(
        k.path[0] == "enrichment" and len(k.path) > 2 for k in graph.get_all_asset_keys()
    )


def test_enrichment_is_a_serialised_writer_in_the_build_job():
    assert text_enrichment.op.pool == WRITER_POOL
    job = defs.resolve_job_def("build_warehouse")
    assert "text_enrichment" in {n.name for n in job.nodes_in_topological_order}
    assert isinstance(text_enrichment, dg.AssetsDefinition)


def test_classification_report_per_class():
    truth = ["positive", "positive", "negative", "negative", "neutral"]
    pred = ["positive", "neutral", "negative", "positive", "neutral"]
    r = classification_report(pd.Series(truth), pd.Series(pred))
    assert r["n"] == 5 and r["accuracy"] == 0.6
    assert r["positive"]["precision"] == 0.5 and r["positive"]["recall"] == 0.5
    assert r["negative"]["precision"] == 1.0 and r["negative"]["recall"] == 0.5
    assert r["neutral"]["precision"] == 0.5 and r["neutral"]["recall"] == 1.0
