"""Asset keys shared by the ingest assets and the dbt translator, so a dbt
source and the Python asset that loads it are one node in the lineage graph."""

from __future__ import annotations

import dagster as dg

RAW_PREFIX = "raw"


def raw_asset_key(source: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_PREFIX, source, table])
