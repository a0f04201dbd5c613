"""Alert notifications: new detractor alerts to their owner, SLA breaches to the owner's manager.

The build runs them after each publish (orchestration/assets/notify.py, asset
closed_loop/alert_notifications) on the published alert queue; `notify` delivers what
is due and keeps a ledger in the operational alert store, so a message goes out once.
Messages go out as the chat robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书)
expect them (plain text messages: nothing in a customer's text can become a link or
markup), and by e-mail (SMTP). Who gets what comes from dashboard/access.yml: an alert's
`owner_id` is a user's `manager_id`; a breach escalates to that user's `reports_to`.

- `new_detractor_messages(alerts, access, since)`: one message per detractor alert raised
  after `since`, to its owner.
- `breach_escalations(alerts, access, now)`: one message per alert still unresolved at
  its `sla_due_at` (fct_alerts: the one SLA setting, marts.alert_sla_hours), to the
  owner's manager.
- `payload(kind, text, secret, now)`: the JSON body of each robot (signed when a secret is
  given, as DingTalk and Feishu sign); `post_webhook` and `send_email` deliver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

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
    alerts: pd.DataFrame, access: Access, now: datetime, since: datetime | None = None
) -> list[Message]:
    """A message to the owner's manager for each alert unresolved past its SLA due time
    (and due after `since`, when given)."""
    due = pd.to_datetime(alerts["sla_due_at"])
    breached = alerts[alerts["resolved_at"].isna() & (due < now)]
    if since is not None:
        breached = breached[pd.to_datetime(breached["sla_due_at"]) >= since]
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


# --------------------------------------------------------------------------- delivery

LEDGER = "notifications_sent"


def _ledger(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(
        f"""create table if not exists {LEDGER} (
            alert_id text not null, kind text not null, recipient text not null,
            channel text not null, sent_at text not null, status text not null,
            detail text
        )"""
    )
    return con


def sent_before(path: Path) -> set[tuple[str, str, str]]:
    """(alert_id, kind, channel) of every message delivered so far."""
    with closing(_ledger(path)) as con:
        rows = con.execute(
            f"select alert_id, kind, channel from {LEDGER} where status = 'sent'"
        ).fetchall()
    return {tuple(r) for r in rows}


def due_messages(
    alerts: pd.DataFrame, access: Access, now: datetime, window_hours: float
) -> list[Message]:
    """New detractors raised and breaches come due within the window before `now`."""
    since = now - timedelta(hours=window_hours)
    recent = alerts[pd.to_datetime(alerts["raised_at"]) <= now]
    return new_detractor_messages(recent, access, since) + breach_escalations(
        alerts, access, now, since
    )


@dataclass(frozen=True)
class Outcome:
    sent: int
    already_sent: int
    failed: list[str]
    channels: list[str]


def notify(
    messages: list[Message],
    webhooks: dict[str, str],
    secrets: dict[str, str],
    smtp: tuple[str, int, str] | None,
    ledger: Path,
    now: datetime,
) -> Outcome:
    """Deliver each message on every configured channel it has not gone out on yet; each
    delivery (or failure, retried next time) is written to the ledger."""
    channels = [f"webhook:{k}" for k in WEBHOOK_KINDS if webhooks.get(k)]
    if smtp:
        channels.append("email")
    done = sent_before(ledger)
    rows, failed, skipped = [], [], 0
    for m in messages:  # a few per run: the window keeps old alerts out
        for channel in channels:
            if (m.alert_id, m.kind, channel) in done:
                skipped += 1
                continue
            if channel == "email" and not m.email:
                continue
            try:
                if channel == "email":
                    assert smtp is not None
                    send_email([m], *smtp)
                else:
                    kind = channel.split(":", 1)[1]
                    text = f"@{m.recipient}\n{m.text}"
                    post_webhook(webhooks[kind], kind, text, secrets.get(kind) or None)
                rows.append((m.alert_id, m.kind, m.recipient, channel, "sent", None))
            except (OSError, smtplib.SMTPException) as exc:
                failed.append(f"{m.alert_id} {channel}: {exc}")
                rows.append((m.alert_id, m.kind, m.recipient, channel, "failed", str(exc)))
    when = now.isoformat(timespec="seconds")
    with closing(_ledger(ledger)) as con, con:
        con.executemany(
            f"insert into {LEDGER} values (?, ?, ?, ?, ?, ?, ?)",
            [(a, k, r, c, when, st, d) for a, k, r, c, st, d in rows],
        )
    sent = sum(1 for r in rows if r[4] == "sent")
    return Outcome(sent=sent, already_sent=skipped, failed=failed, channels=channels)
