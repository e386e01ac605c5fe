"""SendGrid's signed event webhook at /hooks/sendgrid: bounce, dropped, spamreport and deferred events.

On when `DIGEST_SENDGRID_WEBHOOK_KEY` holds the verification key SendGrid shows (base64 DER of
an ECDSA P-256 public key). A request is accepted when its signature header verifies over the
timestamp header followed by the raw body, and its timestamp is neither in the future nor older than
SendGrid's retry period. Each event's `sg_event_id` is acted on once: a batch replayed within that
period changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import threading
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from digest.bounces import COMPLAINED, DELIVERED, SOFT, Notice, classify, issue_from
from digest.config import Settings
from digest.errors import ConfigError
from digest.webhooks import Fetch, HookRequest, bad_request, forbidden, json_body

NAME = "sendgrid"
SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
# Why SendGrid dropped a message (it never tried), by what that means for the address.
# "Invalid" alone is an invalid address; "Invalid SMTPAPI header" is the sender's mistake, not the address's.
DROPPED_HARD = {"bounced address", "invalid"}
DROPPED_COMPLAINT = {"spam reporting address"}
# SendGrid retries events for up to 24 hours after they occur; an older signature is a replay.
MAX_AGE = 25 * 3600.0
CLOCK_SKEW = 300.0  # seconds a timestamp may run ahead of this server's clock
MAX_SEEN = 200_000  # event ids remembered at most (oldest forgotten first)


class SendGridHook:
    """SendGrid's batches of events, checked against its ECDSA signature."""

    name = NAME

    def __init__(self, key: ec.EllipticCurvePublicKey):
        self.key = key
        self._seen: dict[str, float] = {}  # sg_event_id -> when it stops mattering (insertion ordered)
        self._lock = threading.Lock()

    def notices(self, request: HookRequest) -> list[Notice]:
        """Check the signature, then read every event of the batch."""
        signature, timestamp = request.headers.get(SIGNATURE, ""), request.headers.get(TIMESTAMP, "")
        if not signature or not timestamp:
            raise forbidden("no signature")
        try:
            self.key.verify(
                base64.b64decode(signature, validate=True),
                timestamp.encode("utf-8") + request.body,
                ec.ECDSA(hashes.SHA256()),
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise forbidden("bad signature") from None
        try:
            age = request.now - float(timestamp)
        except ValueError:
            raise forbidden("bad timestamp") from None
        if not -CLOCK_SKEW <= age <= MAX_AGE:
            raise forbidden("timestamp outside SendGrid's retry period")
        events = json_body(request.body)
        if not isinstance(events, list):
            raise bad_request("not a list of events")
        fresh = self._first_seen([e for e in events if isinstance(e, dict)], request.now)
        return [n for event in fresh for n in sendgrid_notices(event)]

    def _first_seen(self, events: list[dict], now: float) -> list[dict]:
        """The events whose `sg_event_id` was not seen in the retry period (events without one all count)."""
        fresh = []
        with self._lock:
            self._seen = {i: until for i, until in self._seen.items() if until > now}
            for event in events:
                event_id = str(event.get("sg_event_id") or "")
                if event_id and event_id in self._seen:
                    continue
                if event_id:
                    self._seen[event_id] = now + MAX_AGE
                fresh.append(event)
            while len(self._seen) > MAX_SEEN:
                del self._seen[next(iter(self._seen))]
        return fresh


def sendgrid_notices(event: dict) -> list[Notice]:
    """What one SendGrid event says about its address."""
    address, kind = str(event.get("email", "")), str(event.get("event", ""))
    if not address:
        return []
    try:
        day = datetime.fromtimestamp(float(event.get("timestamp", 0)), UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        day = ""
    issue = issue_from(str(event.get("smtp-id", "")), day)
    status = str(event.get("status", ""))
    detail = " ".join(str(event.get("reason") or event.get("response") or kind).split())[:300]
    if kind == "spamreport":
        return [Notice(COMPLAINED, address, "", "feedback: spamreport", issue)]
    if kind == "delivered":
        return [Notice(DELIVERED, address, "", "", issue)]
    if kind == "deferred":
        return [Notice(SOFT, address, status, detail, issue)]
    if kind == "bounce":
        if event.get("type") == "blocked":  # refused for the sender's reputation or content, not the address
            return [Notice(SOFT, address, status, detail, issue)]
        return [Notice(classify("failed", status, detail) or SOFT, address, status, detail, issue)]
    if kind == "dropped":
        reason = detail.lower().rstrip(".")
        if reason in DROPPED_COMPLAINT:
            return [Notice(COMPLAINED, address, "", f"dropped: {detail}", issue)]
        if reason in DROPPED_HARD:
            return [Notice(classify("failed", "5.0.0", detail) or SOFT, address, "", f"dropped: {detail}", issue)]
    return []


def make(settings: Settings, fetch: Fetch) -> SendGridHook | None:
    """The SendGrid webhook when its verification key is set (and is an ECDSA P-256 key); else None."""
    text = settings.hooks.sendgrid_key.strip()
    if not text:
        return None
    try:
        key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ConfigError(
            "DIGEST_SENDGRID_WEBHOOK_KEY is not SendGrid's verification key (base64 DER of an "
            "ECDSA P-256 public key): copy it again from the event webhook's settings"
        )
    return SendGridHook(key)
