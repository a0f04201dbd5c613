"""After each publish: new detractor alerts to their owner, SLA breaches to the owner's
manager (orchestration/notifications.py), on the robots and the SMTP server the settings
name. Reads the published alert queue, so a message says what the dashboard shows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from cx_settings import load_settings
from dashboard import access
from orchestration import notifications as n
from orchestration.assets.publish import PUBLISH_KEY
from orchestration.keys import CLOSED_LOOP_PREFIX

ALERTS_SQL = """
    select a.alert_id, a.alert_type, a.customer_key, c.customer_name, a.owner_id,
           a.raised_at, a.sla_due_at, a.resolved_at, a.evidence
    from marts.fct_alerts as a
    left join marts.dim_customer as c on c.customer_key = a.customer_key
"""


@dg.asset(
    key=dg.AssetKey([CLOSED_LOOP_PREFIX, "alert_notifications"]),
    deps=[PUBLISH_KEY],
    group_name="closed_loop",
    kinds={"python"},
    description=(
        "New detractor alerts pushed to their owner and SLA breaches escalated to the "
        "owner's manager: WeCom, DingTalk and Feishu robots and e-mail (settings "
        "operations.notify_webhooks, smtp_host), each message once (ledger in the alert "
        "store); only alerts raised or breached within operations.notify_window_hours."
    ),
)
def alert_notifications(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    s = load_settings()
    ops = s.operations
    # Alert times are the business's wall clock (zone-less, local).
    now = datetime.now(ZoneInfo(ops.local_timezone)).replace(tzinfo=None)
    con = duckdb.connect(str(s.paths.published_path), read_only=True)
    try:
        alerts = con.execute(ALERTS_SQL).df()
    finally:
        con.close()
    messages = n.due_messages(alerts, access.load(), now, ops.notify_window_hours)
    smtp = (ops.smtp_host, ops.smtp_port, ops.smtp_sender) if ops.smtp_host else None
    outcome = n.notify(
        messages,
        dict(ops.notify_webhooks),
        dict(ops.notify_webhook_secrets),
        smtp,
        s.paths.alert_store,
        now,
    )
    if not outcome.channels and messages:
        context.log.warning(
            f"{len(messages)} alert messages due but no channel configured "
            "(operations.notify_webhooks, operations.smtp_host)"
        )
    for failure in outcome.failed:
        context.log.error(f"notification not delivered (retried next run): {failure}")
    return dg.MaterializeResult(
        metadata={
            "messages_due": len(messages),
            "new_detractor": sum(m.kind == "new_detractor" for m in messages),
            "sla_breach": sum(m.kind == "sla_breach" for m in messages),
            "deliveries_sent": outcome.sent,
            "already_sent": outcome.already_sent,
            "deliveries_failed": len(outcome.failed),
            "channels": dg.MetadataValue.json(outcome.channels),
        }
    )


@dg.asset_check(asset=alert_notifications, blocking=False)
def every_notification_delivered(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """Fails (warn) when the last run left deliveries undelivered."""
    event = context.instance.get_latest_materialization_event(alert_notifications.key)
    meta = event.asset_materialization.metadata if event and event.asset_materialization else {}
    failed = meta.get("deliveries_failed")
    count = int(failed.value) if failed is not None else 0
    return dg.AssetCheckResult(
        passed=count == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"deliveries_failed": count},
    )
