"""Text enrichment as a Dagster step: staged posts -> enrichment.* tables -> dbt marts.

Thin: enrichment/run.py does the work; this module declares what it reads
(the staged posts, and the single customer view for the name dictionary), what
it writes (the enrichment tables, which the public-opinion marts read as the
dbt source `enrichment`), and reports run statistics as metadata.
"""

from collections.abc import Iterator

import dagster as dg

from enrichment.run import enrich_posts
from orchestration.assets.ingest import WRITER_POOL
from orchestration.keys import enrichment_asset_key, identity_asset_key
from orchestration.resources import WarehouseResource

POSTS = dg.AssetKey(["staging", "stg_public_opinion__posts"])
ACCOUNTS = dg.AssetKey(["staging", "stg_crm__accounts"])

# enrichment table -> (description, upstream assets)
ENRICHMENT_TABLES: dict[str, tuple[str, tuple[dg.AssetKey, ...]]] = {
    "post_scores": (
        "One row per staged post: language (declared, verified), sentiment score in [-1, 1] "
        "and label, primary topic of the experience model and all topics hit, the text hash "
        "and scorer version it was scored with (incremental: unchanged posts are not rescored).",
        (POSTS, ACCOUNTS, identity_asset_key("account_clusters")),
    ),
    "post_keywords": (
        "Top keywords of each post (jieba segmentation with the domain dictionary, TF-IDF "
        "weights), for word clouds.",
        (POSTS, ACCOUNTS, identity_asset_key("account_clusters")),
    ),
    "post_mentions": (
        "One row per (post, customer) or (post, brand) the post mentions: customer names "
        "from the single customer view (any variant), how the link was made.",
        (POSTS, ACCOUNTS, identity_asset_key("account_clusters")),
    ),
}


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            enrichment_asset_key(table),
            description=description,
            deps=list(deps),
            group_name="enrichment",
            kinds={"python", "jieba", "duckdb"},
        )
        for table, (description, deps) in ENRICHMENT_TABLES.items()
    ]


def _md_stats(stats: dict) -> dg.MetadataValue:
    rows = "\n".join(f"| {k} | {v} |" for k, v in stats.items())
    return dg.MetadataValue.md("| statistic | value |\n|---|---|\n" + rows)


@dg.multi_asset(
    specs=_specs(),
    name="text_enrichment",
    pool=WRITER_POOL,
    description=(
        "Scores public-opinion posts offline (language, sentiment, topics, keywords; "
        "enrichment/lexicon.yml) and links them to customers and our brand."
    ),
)
def text_enrichment(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    with warehouse.connect() as con:
        stats = enrich_posts(con)
        counts = {
            t: con.execute(f"select count(*) from enrichment.{t}").fetchone()[0]
            for t in ENRICHMENT_TABLES
        }
    context.log.info(f"text enrichment: {stats}")
    common = {
        "seconds_enrichment_step": stats["seconds_total"],
        "scorer_version": stats["scorer_version"],
    }
    per_table = {
        "post_scores": {
            "posts": stats["posts"],
            "posts_scored": stats["posts_scored"],
            "posts_skipped": stats["posts_skipped"],
            "posts_rescored_new_version": stats["posts_rescored_new_version"],
            "posts_per_second": stats["posts_per_second"] or 0.0,
            "details": _md_stats(stats),
        },
        "post_keywords": {"posts_scored": stats["posts_scored"]},
        "post_mentions": {
            "mentions": stats["mentions"],
            "posts_mentioning_customer": stats["posts_mentioning_customer"],
            "posts_mentioning_brand": stats["posts_mentioning_brand"],
            "customers_mentioned": stats["customers_mentioned"],
            "dictionary_customers": stats["dictionary_customers"],
        },
    }
    for table in ENRICHMENT_TABLES:
        yield dg.MaterializeResult(
            asset_key=enrichment_asset_key(table),
            metadata={"row_count": counts[table], **common, **per_table[table]},
        )


enrichment_assets = [text_enrichment]
