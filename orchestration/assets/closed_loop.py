"""The closed loop's actions enter the warehouse: the operational store (what people did in
the dashboard) copied into closed_loop.alert_actions before fct_alerts is built."""

import dagster as dg

from orchestration.alert_store import ingest_actions, store_path
from orchestration.assets.ingest import WRITER_POOL
from orchestration.keys import CLOSED_LOOP_PREFIX
from orchestration.resources import WarehouseResource


@dg.asset(
    key=dg.AssetKey([CLOSED_LOOP_PREFIX, "alert_actions"]),
    group_name="closed_loop",
    pool=WRITER_POOL,
    kinds={"python", "sqlite", "duckdb"},
    description=(
        "Alert actions (acknowledged, contacted, resolved with a root cause) recorded from the "
        "dashboard in the operational store ($CX_ALERT_STORE), copied into "
        "closed_loop.alert_actions; fct_alerts reads them."
    ),
)
def alert_actions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        copied = ingest_actions(con)
    context.log.info(f"closed loop: {copied} actions from {store_path()}")
    return dg.MaterializeResult(metadata={"actions_copied": copied, "store": str(store_path())})


closed_loop_assets = [alert_actions]
