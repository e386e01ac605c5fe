"""Mailgun `failed` and `complained` events at /hooks/mailgun, signed with the webhook signing key.

On when `DIGEST_MAILGUN_WEBHOOK_KEY` is set. A request is accepted when its signature is the
HMAC-SHA256 of timestamp + token under that key, its timestamp is within five minutes of now, and
its token has not been seen in that time (a replayed request is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime

from digest.bounces import COMPLAINED, DELIVERED, SOFT, Notice, classify, issue_from
from digest.config import Settings
from digest.webhooks import Fetch, HookRequest, forbidden, json_body, table

NAME = "mailgun"
WINDOW = 300.0  # seconds a signed request stays acceptable


class MailgunHook:
    """Mailgun's JSON webhooks: `signature` plus `event-data`."""

    name = NAME

    def __init__(self, key: bytes):
        self.key = key
        self._seen: dict[str, float] = {}  # token -> when it stops mattering
        self._lock = threading.Lock()

    def notices(self, request: HookRequest) -> list[Notice]:
        """Check the signature, the timestamp and the token, then read the event."""
        body = json_body(request.body)
        signed = body.get("signature") if isinstance(body, dict) else None
        if not isinstance(signed, dict):
            raise forbidden("no signature")
        timestamp, token = str(signed.get("timestamp", "")), str(signed.get("token", ""))
        expected = hmac.new(self.key, (timestamp + token).encode("utf-8"), hashlib.sha256).hexdigest()
        if not token or not hmac.compare_digest(expected, str(signed.get("signature", ""))):
            raise forbidden("bad signature")
        try:
            age = abs(request.now - float(timestamp))
        except ValueError:
            raise forbidden("bad timestamp") from None
        if age > WINDOW:
            raise forbidden("timestamp outside the five-minute window")
        with self._lock:
            self._seen = {t: until for t, until in self._seen.items() if until > request.now}
            if token in self._seen:
                raise forbidden("token already used")
            self._seen[token] = request.now + 2 * WINDOW
        event = body.get("event-data")
        return mailgun_notices(event) if isinstance(event, dict) else []


def mailgun_notices(event: dict) -> list[Notice]:
    """What one Mailgun event says about its recipient."""
    address, kind = str(event.get("recipient", "")), str(event.get("event", ""))
    if not address:
        return []
    message = table(event.get("message"))
    headers = table(message.get("headers"))
    try:
        day = datetime.fromtimestamp(float(event.get("timestamp", 0)), UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        day = ""
    issue = issue_from(str(headers.get("message-id", "")), day)
    if kind == "complained":
        return [Notice(COMPLAINED, address, "", "feedback: complained", issue)]
    if kind == "delivered":
        return [Notice(DELIVERED, address, "", "", issue)]
    if kind != "failed":
        return []
    status = table(event.get("delivery-status"))
    code = str(status.get("code", ""))
    detail = " ".join(
        f"{code} {status.get('message') or status.get('description') or event.get('reason', '')}".split()
    )[:300]
    if event.get("severity") == "permanent":
        found = classify("failed", str(status.get("enhanced-code", "") or "5.0.0"), detail)
        return [Notice(found or SOFT, address, str(status.get("enhanced-code", "")), detail, issue)]
    return [Notice(SOFT, address, str(status.get("enhanced-code", "")), detail, issue)]


def make(settings: Settings, fetch: Fetch) -> MailgunHook | None:
    """The Mailgun webhook when its signing key is set; else None."""
    key = settings.hooks.mailgun_key
    return MailgunHook(key.encode("utf-8")) if key else None
