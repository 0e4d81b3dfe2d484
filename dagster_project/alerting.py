"""Alerts: every failed check or run is written to ops.alerts and, when
FINOPS_SLACK_WEBHOOK_URL is set, posted to Slack. The URL is a secret: it never appears in
logs, errors or the warehouse; delivery failures are retried, recorded, and never raised."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import duckdb

SEVERITIES = ("info", "warn", "error")
_URL_RE = re.compile(r"https?://[^\s'\"]+")


@dataclass
class Alert:
    check_name: str
    severity: str
    message: str
    subject: str | None = None
    details: dict = field(default_factory=dict)
    run_id: str | None = None


# API keys in use by this process (the pull's admin keys): redact() removes them too
_SECRETS: set[str] = set()


def secret_forms(value: str) -> set[str]:
    """Every printable form a secret can take in a message: as is, stripped, as Python's repr
    shows it (a key read with its trailing newline), percent-encoded, and base64 (alone or in a
    basic-auth header)."""
    import base64
    from urllib.parse import quote

    forms = set()
    for v in {value, value.strip()}:
        if len(v) < 4:
            continue
        forms |= {v, repr(v)[1:-1], quote(v, safe=""), quote(v)}
        for raw in (v, f"{v}:", f":{v}"):
            forms.add(base64.b64encode(raw.encode()).decode().rstrip("="))
    return forms


def register_secret(value: str | None) -> None:
    if value and len(value.strip()) >= 4:
        _SECRETS.update(secret_forms(value))


def redact_secrets(text: str, secrets=()) -> str:
    """Remove the given secrets and every registered one (longest first) from a message."""
    for secret in sorted({*(s for s in secrets if s), *_SECRETS}, key=len, reverse=True):
        text = text.replace(secret, "<redacted-key>")
    return text


def redact(text: str) -> str:
    """Remove the webhook URL (and any URL), and registered API keys, from a message meant for logs."""
    url = os.environ.get("FINOPS_SLACK_WEBHOOK_URL")
    if url:
        text = text.replace(url, "<redacted>")
    text = redact_secrets(text)
    return _URL_RE.sub("<redacted-url>", text)


def _slack_escape(text: str) -> str:
    """Slack reads <...> as a link and & as an entity: escape them so SQL like `a <> b` shows as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(alert: Alert) -> dict:
    icon = {"error": ":red_circle:", "warn": ":warning:", "info": ":information_source:"}.get(alert.severity, "")
    lines = [f"{icon} *{alert.check_name}* ({alert.severity})", _slack_escape(redact(alert.message))]
    if alert.subject:
        lines.append(f"Subject: {_slack_escape(alert.subject)}")
    lines.append("Look: `select * from ops.alerts order by raised_at desc` in the warehouse, or the Dagster UI run.")
    return {"text": "\n".join(lines)}


def post_to_slack(alert: Alert, retries: int = 3, timeout: float = 5.0) -> tuple[str, str | None]:
    url = os.environ.get("FINOPS_SLACK_WEBHOOK_URL")
    if not url:
        return "not_configured", None
    body = json.dumps(slack_payload(alert), ensure_ascii=False).encode()
    error = None
    for attempt in range(1, retries + 1):
        try:
            req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                if 200 <= resp.status < 300:
                    return "delivered", None
                error = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded, not raised
            error = redact(f"{type(exc).__name__}: {exc}")
        if attempt < retries:
            time.sleep(0.2 * attempt)
    return "failed", f"{error} after {retries} attempts"


def raise_alert(conn: duckdb.DuckDBPyConnection, alert: Alert) -> str:
    status, error = post_to_slack(alert)
    alert_id = uuid.uuid4().hex[:16]
    conn.execute(
        """
        insert into ops.alerts
            (alert_id, raised_at, run_id, check_name, severity, subject, message, details_json, delivery_status, delivery_error)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [alert_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), alert.run_id, alert.check_name,
         alert.severity, alert.subject, redact(alert.message), json.dumps(alert.details, default=str, ensure_ascii=False),
         status, error],
    )
    return status
