"""Asset keys shared by the ingest assets and the dbt translator, so a dbt
source and the Python asset that loads it are one node in the lineage graph."""

from __future__ import annotations

import dagster as dg

RAW_PREFIX = "raw"
# dbt sources named `identity` are the entity-resolution tables written by the
# Python assets in orchestration/assets/identity.py.
IDENTITY_PREFIX = "identity"
# dbt sources named `enrichment` are the text-enrichment tables written by
# orchestration/assets/enrichment.py.
ENRICHMENT_PREFIX = "enrichment"


def raw_asset_key(source: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_PREFIX, source, table])


CLOSED_LOOP_PREFIX = "closed_loop"


def identity_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([IDENTITY_PREFIX, table])


def enrichment_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([ENRICHMENT_PREFIX, table])


def source_asset_key(source: str, table: str) -> dg.AssetKey:
    """The key of the Python asset that writes a dbt source table."""
    if source == IDENTITY_PREFIX:
        return identity_asset_key(table)
    if source == ENRICHMENT_PREFIX:
        return enrichment_asset_key(table)
    if source == CLOSED_LOOP_PREFIX:
        # Written by people handling alerts, not by the pipeline.
        return dg.AssetKey([CLOSED_LOOP_PREFIX, table])
    return raw_asset_key(source, table)
