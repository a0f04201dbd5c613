"""The build's notification step, on the small world's published alert queue: new
detractors reach their owner and breaches the owner's manager, on robots and e-mail run
by local test servers, each message once; a channel that is down is retried next run."""

import json
import sqlite3
from contextlib import closing
from datetime import datetime

import dagster as dg
import duckdb
import pytest

from orchestration.assets.notify import alert_notifications
from orchestration.assets.publish import PUBLISH_KEY
from tests.closed_loop.conftest import _Hook, _Smtp
from tests.pipeline import build_instance

pytestmark = pytest.mark.e2e


def _run(instance) -> dict:
    result = dg.materialize(
        [alert_notifications, dg.AssetSpec(PUBLISH_KEY)],
        selection=[alert_notifications.key],
        instance=instance,
    )
    assert result.success
    (mat,) = result.asset_materializations_for_node(alert_notifications.op.name)
    return {k: v.value for k, v in mat.metadata.items()}


def test_the_build_pushes_new_detractors_and_breaches_once(
    small_warehouse,
    servers,
    tmp_path,
    monkeypatch,
):
    url, smtp_port = servers
    snapshot = small_warehouse["env"]["CX_PUBLISHED_PATH"]
    with duckdb.connect(snapshot, read_only=True) as con:
        first_alert = con.execute("select min(raised_at) from marts.fct_alerts").fetchone()[0]
    # The demo's alerts are months old: a window reaching back to them makes them news.
    hours = int((datetime.now() - first_alert).total_seconds() // 3600) + 24
    store = tmp_path / "alerts.sqlite"
    for name, value in {
        "CX_PUBLISHED_PATH": snapshot,
        "CX_ALERT_STORE": str(store),
        "CX_NOTIFY_WINDOW_HOURS": str(hours),
        "CX_NOTIFY_WEBHOOKS": json.dumps({"wecom": f"{url}/wecom", "feishu": f"{url}/feishu"}),
        "CX_NOTIFY_WEBHOOK_SECRETS": json.dumps({"feishu": "s3"}),
        "CX_SMTP_HOST": "127.0.0.1",
        "CX_SMTP_PORT": str(smtp_port),
    }.items():
        monkeypatch.setenv(name, value)

    with build_instance() as instance:
        first = _run(instance)
        assert first["new_detractor"] > 0 and first["sla_breach"] > 0
        assert first["deliveries_failed"] == 0
        assert first["channels"] == ["webhook:wecom", "webhook:feishu", "email"]
        hooks = [body for _, body in _Hook.received]
        assert len(hooks) == 2 * first["messages_due"]
        texts = [b["text"]["content"] for b in hooks if "text" in b and "content" in b["text"]]
        assert any(t.startswith("@am.east0\nNew detractor") for t in texts)
        assert any("SLA breached, escalated from" in t for t in texts)
        signed = [b for b in hooks if b.get("msg_type") == "text"]
        assert signed and all("sign" in b for b in signed)
        assert _Smtp.received and all(
            rcpt[0].endswith("@example.test") for rcpt, _ in _Smtp.received
        )
        with closing(sqlite3.connect(store)) as con:
            ledger = con.execute(
                "select count(*), count(distinct alert_id) from notifications_sent"
                " where status = 'sent'"
            ).fetchone()
        assert ledger[0] == first["deliveries_sent"] > 0

        # The next build finds nothing new to say.
        _Hook.received.clear()
        again = _run(instance)
        assert again["deliveries_sent"] == 0 and again["already_sent"] == first["deliveries_sent"]
        assert _Hook.received == []


def test_a_channel_that_is_down_is_recorded_and_retried(
    small_warehouse,
    servers,
    tmp_path,
    monkeypatch,
):
    url, _ = servers
    snapshot = small_warehouse["env"]["CX_PUBLISHED_PATH"]
    store = tmp_path / "alerts.sqlite"
    monkeypatch.setenv("CX_PUBLISHED_PATH", snapshot)
    monkeypatch.setenv("CX_ALERT_STORE", str(store))
    monkeypatch.setenv("CX_NOTIFY_WINDOW_HOURS", str(24 * 3000))
    monkeypatch.setenv("CX_NOTIFY_WEBHOOKS", json.dumps({"dingtalk": "http://127.0.0.1:9/down"}))
    with build_instance() as instance:
        down = _run(instance)
        assert down["deliveries_failed"] == down["messages_due"] > 0
        assert down["deliveries_sent"] == 0
        check = instance.get_latest_materialization_event(alert_notifications.key)
        assert check is not None
        monkeypatch.setenv("CX_NOTIFY_WEBHOOKS", json.dumps({"dingtalk": f"{url}/dingtalk"}))
        up = _run(instance)
    assert up["deliveries_sent"] == down["messages_due"]
    assert len(_Hook.received) == down["messages_due"]
