"""New detractor alerts reach their owner and SLA breaches their owner's manager, through
WeCom, DingTalk and Feishu robot webhooks and e-mail, received by local test servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cx_settings import defaults
from dashboard import access
from orchestration import notifications as n
from tests.closed_loop.conftest import _Hook, _Smtp

NOW = datetime(2026, 3, 10, 12, 0)


@pytest.fixture(scope="module")
def users():
    # the shipped demo users: am.east0 reports to head.east
    return access.load(defaults().paths.dashboard_access)


def _alerts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alert_id": ["detractor|R1", "detractor|R2", "complaint|O3", "detractor|R4"],
            "alert_type": ["detractor", "detractor", "delivery_complaint", "detractor"],
            "customer_key": ["C1", "C2", "C3", "C4"],
            "customer_name": ['<a href="http://evil.test">X</a>', "乙公司", "丙公司", "丁"],
            "owner_id": ["AM-E000", "AM-E000", "AM-N000", "AM-Z999"],
            "raised_at": pd.to_datetime(
                [
                    NOW - timedelta(minutes=5),
                    NOW - timedelta(hours=3),
                    NOW - timedelta(hours=5),
                    NOW - timedelta(minutes=1),
                ]
            ),
            "sla_due_at": pd.to_datetime(
                [
                    NOW + timedelta(minutes=115),
                    NOW - timedelta(hours=1),
                    NOW - timedelta(hours=3),
                    NOW + timedelta(minutes=119),
                ]
            ),
            "resolved_at": pd.to_datetime([None, None, NOW - timedelta(hours=4), None]),
            "evidence": ["NPS 2 on a delivery survey", "NPS 5", "late", "NPS 0"],
        }
    )


def test_a_new_detractor_reaches_its_owner_on_every_channel(users, servers):
    url, smtp_port = servers
    messages = n.new_detractor_messages(_alerts(), users, since=NOW - timedelta(minutes=30))
    # R1 is new and AM-E000's (am.east0); R4's owner is in no configuration; R2 is old
    assert [(m.alert_id, m.recipient) for m in messages] == [("detractor|R1", "am.east0")]
    text = messages[0].text
    for kind in n.WEBHOOK_KINDS:
        assert n.post_webhook(f"{url}/{kind}", kind, text, secret="s3") == 200
    assert n.send_email(messages, "127.0.0.1", smtp_port, "cx-alerts@example.test") == 1

    got = {path.split("?")[0].strip("/"): (path, body) for path, body in _Hook.received}
    assert got["wecom"][1] == {"msgtype": "text", "text": {"content": text}}
    assert got["dingtalk"][1] == {"msgtype": "text", "text": {"content": text}}
    assert got["feishu"][1]["msg_type"] == "text"
    assert got["feishu"][1]["content"] == {"text": text}
    # signatures as each robot checks them
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(got["dingtalk"][0]).query)
    ts = q["timestamp"][0]
    expect = hmac.new(b"s3", f"{ts}\ns3".encode(), hashlib.sha256).digest()
    assert q["sign"][0] == base64.b64encode(expect).decode()
    fs = got["feishu"][1]
    expect = hmac.new(f"{fs['timestamp']}\ns3".encode(), b"", hashlib.sha256).digest()
    assert fs["sign"] == base64.b64encode(expect).decode()
    # the customer's name travels as plain text, never as markup
    assert '<a href="http://evil.test">X</a>' in got["wecom"][1]["text"]["content"]

    ((rcpt, mail),) = _Smtp.received
    assert rcpt == ["am.east0@example.test"]
    assert mail["Subject"] == "New detractor alert detractor|R1"
    assert "NPS 2 on a delivery survey" in mail.get_payload(decode=True).decode()


def test_a_simulated_breach_escalates_to_the_owners_manager(users, servers):
    url, smtp_port = servers
    escalations = n.breach_escalations(_alerts(), users, now=NOW)
    # R2 raised 3 h ago and unresolved: its owner am.east0 reports to head.east.
    # O3 breached but was resolved; R1 and R4 are inside their 2 hours.
    assert [(m.alert_id, m.recipient, m.kind) for m in escalations] == [
        ("detractor|R2", "head.east", "sla_breach")
    ]
    assert n.post_webhook(f"{url}/wecom", "wecom", escalations[0].text) == 200
    assert "escalated from AM-E000" in _Hook.received[0][1]["text"]["content"]
    # head.east has no e-mail configured: nothing is sent, and nothing fails
    assert n.send_email(escalations, "127.0.0.1", smtp_port, "cx@example.test") == 0
    earlier = n.breach_escalations(_alerts(), users, now=NOW - timedelta(hours=2))
    assert earlier == []  # two hours earlier nothing had breached yet


def test_an_unknown_robot_is_refused():
    with pytest.raises(ValueError, match="unknown webhook kind"):
        n.payload("slack", "x")
