"""Alert notifications: new detractor alerts to their owner, SLA breaches to the owner's manager.

Pure helpers, no Dagster (not yet wired into the build: see the closing note of issue 15).
Messages go out as the chat robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书)
expect them (plain text messages: nothing in a customer's text can become a link or
markup), and by e-mail (SMTP). Who gets what comes from dashboard/access.yml: an alert's
`owner_id` is a user's `manager_id`; a breach escalates to that user's `reports_to`.

- `new_detractor_messages(alerts, access, since)`: one message per detractor alert raised
  after `since`, to its owner.
- `breach_escalations(alerts, access, now, sla_hours)`: one message per alert still
  unresolved `sla_hours` after it was raised, to the owner's manager.
- `payload(kind, text, secret, now)`: the JSON body of each robot (signed when a secret is
  given, as DingTalk and Feishu sign); `post_webhook` and `send_email` deliver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import pandas as pd

from dashboard.access import Access

WEBHOOK_KINDS = ("wecom", "dingtalk", "feishu")


@dataclass(frozen=True)
class Message:
    alert_id: str
    recipient: str  # user name in access.yml
    email: str | None
    subject: str
    text: str
    kind: str  # new_detractor | sla_breach


def _text(alert: pd.Series, headline: str) -> str:
    return (
        f"{headline}\n"
        f"alert: {alert['alert_id']}\n"
        f"customer: {alert.get('customer_name') or alert.get('customer_key')}\n"
        f"raised: {pd.Timestamp(alert['raised_at']):%Y-%m-%d %H:%M}\n"
        f"SLA due: {pd.Timestamp(alert['sla_due_at']):%Y-%m-%d %H:%M}\n"
        f"evidence: {alert.get('evidence') or ''}"
    )


def new_detractor_messages(alerts: pd.DataFrame, access: Access, since: datetime) -> list[Message]:
    """A message to the owner of each detractor alert raised after `since`."""
    new = alerts[(alerts["alert_type"] == "detractor") & (alerts["raised_at"] > since)]
    out = []
    for _, a in new.iterrows():  # a handful per run: new alerts only
        owner = access.owner(str(a["owner_id"]))
        if owner is None:
            continue
        out.append(
            Message(
                alert_id=a["alert_id"],
                recipient=owner.username,
                email=owner.email,
                subject=f"New detractor alert {a['alert_id']}",
                text=_text(a, "New detractor: call back within the SLA"),
                kind="new_detractor",
            )
        )
    return out


def breach_escalations(
    alerts: pd.DataFrame, access: Access, now: datetime, sla_hours: float
) -> list[Message]:
    """A message to the owner's manager for each alert unresolved past its SLA."""
    due = alerts["raised_at"] + timedelta(hours=sla_hours)
    breached = alerts[alerts["resolved_at"].isna() & (due < now)]
    out = []
    for _, a in breached.iterrows():
        manager = access.manager_of(str(a["owner_id"]))
        if manager is None:
            continue
        out.append(
            Message(
                alert_id=a["alert_id"],
                recipient=manager.username,
                email=manager.email,
                subject=f"SLA breached: {a['alert_id']} (owner {a['owner_id']})",
                text=_text(a, f"SLA breached, escalated from {a['owner_id']}"),
                kind="sla_breach",
            )
        )
    return out


def _sign(secret: str, timestamp: str, dingtalk: bool) -> str:
    to_sign = f"{timestamp}\n{secret}".encode()
    if dingtalk:  # HMAC-SHA256 keyed by the secret over "timestamp\nsecret"
        digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    else:  # Feishu: keyed by "timestamp\nsecret" over an empty message
        digest = hmac.new(to_sign, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(kind: str, text: str, secret: str | None = None, now: datetime | None = None):
    """(query string to add to the URL, JSON body) of a plain-text robot message."""
    if kind == "wecom":
        return "", {"msgtype": "text", "text": {"content": text}}
    if kind == "dingtalk":
        body = {"msgtype": "text", "text": {"content": text}}
        if not secret:
            return "", body
        ts = str(int((now or datetime.now()).timestamp() * 1000))
        query = urllib.parse.urlencode({"timestamp": ts, "sign": _sign(secret, ts, True)})
        return query, body
    if kind == "feishu":
        body = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = str(int((now or datetime.now()).timestamp()))
            body = {"timestamp": ts, "sign": _sign(secret, ts, False), **body}
        return "", body
    raise ValueError(f"unknown webhook kind {kind!r} (one of {WEBHOOK_KINDS})")


def post_webhook(
    url: str, kind: str, text: str, secret: str | None = None, timeout: float = 10
) -> int:
    query, body = payload(kind, text, secret)
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (configured URL)
        return resp.status


def send_email(
    messages: Iterable[Message], host: str, port: int, sender: str, timeout: float = 10
) -> int:
    """Send each message that has an e-mail address; returns how many were sent."""
    sent = 0
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        for m in messages:
            if not m.email:
                continue
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, m.email, m.subject
            msg.set_content(m.text)
            smtp.send_message(msg)
            sent += 1
    return sent
