"""Entity resolution as a Dagster step: staging -> identity.* tables -> dbt marts.

Thin: identity/resolve.py does the work; this module declares what it reads
(staging models), what it writes (the identity tables, which the dbt marts
read as the `identity` source), and reports run statistics as metadata.
"""

import time
from collections.abc import Iterator

import dagster as dg

from identity.config import load_config
from identity.resolve import one_transaction, resolve_entities
from identity.review import ingest_decisions
from orchestration.assets.ingest import WRITER_POOL
from orchestration.keys import identity_asset_key
from orchestration.resources import WarehouseResource

STAGING = "staging"


def _staging(model: str) -> dg.AssetKey:
    return dg.AssetKey([STAGING, model])


# identity table -> (description, staging models it reads)
IDENTITY_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "account_clusters": (
        "One row per CRM account (source_system, account_id) with its resolved customer_key, "
        "the match method (deterministic/probabilistic/clerical/singleton), weight and "
        "probability of its strongest link.",
        ("stg_crm__accounts",),
    ),
    "customer_keys": (
        "Every customer key ever issued: active, or retired with the key its accounts moved to.",
        ("stg_crm__accounts",),
    ),
    "contact_clusters": (
        "One row per CRM contact with its resolved person_key and customer_key.",
        ("stg_crm__contacts", "stg_crm__accounts"),
    ),
    "person_keys": (
        "Every person key ever issued: active, or retired with its successor.",
        ("stg_crm__contacts",),
    ),
    "response_links": (
        "One row per survey response: the contact and person who answered (if found), the "
        "customer, and how each link was made.",
        (
            "stg_survey__responses",
            "stg_survey__invitations",
            "stg_fulfillment__orders",
            "stg_crm__contacts",
        ),
    ),
    "clerical_review": (
        "Pairs whose match weight falls in the review band, with per-comparison weights. "
        "A data steward accepts or rejects them in the dashboard (identity/review.py); the "
        "decisions are kept outside the warehouse and applied by the next run.",
        ("stg_crm__accounts", "stg_crm__contacts", "stg_survey__responses"),
    ),
}


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            identity_asset_key(table),
            description=description,
            deps=[_staging(m) for m in models],
            group_name="identity",
            kinds={"python", "splink", "duckdb"},
        )
        for table, (description, models) in IDENTITY_TABLES.items()
    ]


def _md_stats(stats: dict) -> dg.MetadataValue:
    rows = "\n".join(f"| {k} | {v} |" for k, v in stats.items())
    return dg.MetadataValue.md("| statistic | value |\n|---|---|\n" + rows)


@dg.multi_asset(
    specs=_specs(),
    name="identity_resolution",
    pool=WRITER_POOL,
    description=(
        "Resolves CRM accounts to customers, contacts to persons and survey respondents to "
        "contacts and customers with Splink (identity/matching.yml), keeping keys stable "
        "across runs."
    ),
)
def identity_resolution(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    cfg = load_config()
    started = time.perf_counter()
    with warehouse.connect() as con, one_transaction(con):
        decisions = ingest_decisions(con)  # clerical decisions from the operational store
        steps = resolve_entities(con, cfg)
        accounts, contacts, respondents = (
            steps["accounts"],
            steps["contacts"],
            steps["respondents"],
        )
        counts = {
            t: con.execute(f"select count(*) from identity.{t}").fetchone()[0]
            for t in IDENTITY_TABLES
        }
        review = dict(
            con.execute(
                "select entity, count(*) from identity.clerical_review group by entity"
            ).fetchall()
        )
    seconds = round(time.perf_counter() - started, 2)
    context.log.info(f"identity resolution in {seconds} s: {accounts=} {contacts=} {respondents=}")
    per_table = {
        "account_clusters": {
            "records": accounts["records"],
            "comparisons": accounts["comparisons"],
            "links": accounts["links"],
            "deterministic_links": accounts["deterministic_links"],
            "clusters": accounts["clusters"],
            "customers": accounts["customers"],
            "review_queue": accounts["review_queue"],
            "model_trained": accounts["model_trained"],
            # Inputs unchanged since the last resolution: its tables kept (identity/state.py).
            "reused": bool(accounts.get("reused", False)),
            "details": _md_stats(accounts),
        },
        "customer_keys": {"active_customers": accounts["customers"]},
        "contact_clusters": {
            "records": contacts["records"],
            "comparisons": contacts["comparisons"],
            "links": contacts["links"],
            "clusters": contacts["clusters"],
            "persons": contacts["persons"],
            "review_queue": contacts["review_queue"],
            "reused": bool(contacts.get("reused", False)),
            "details": _md_stats(contacts),
        },
        "person_keys": {"active_persons": contacts["persons"]},
        "response_links": {
            "responses": respondents["responses"],
            "comparisons": respondents["comparisons"],
            "responses_with_contact": respondents["responses_with_contact"],
            "responses_with_customer": respondents["responses_with_customer"],
            "review_queue": respondents["review_queue"],
            "details": _md_stats(respondents),
        },
        "clerical_review": {
            **{f"review_queue_{k}": v for k, v in review.items()},
            "decisions_applied": decisions,
            "threshold_match_weight_accounts": accounts.get("threshold_match_weight"),
        },
    }
    for table in IDENTITY_TABLES:
        yield dg.MaterializeResult(
            asset_key=identity_asset_key(table),
            metadata={
                "row_count": counts[table],
                "seconds_resolution_step": seconds,
                **per_table[table],
            },
        )


identity_assets = [identity_resolution]
