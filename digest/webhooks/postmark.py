"""Postmark bounce and spam-complaint webhooks at /hooks/postmark, behind HTTP basic auth.

On when `DIGEST_POSTMARK_WEBHOOK_USER` and `_PASSWORD` (or `DIGEST_POSTMARK_WEBHOOK_AUTH`,
`user:password`) are set; Postmark sends them when the webhook URL carries them
(`https://user:password@news.example.com/hooks/postmark`).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from digest.bounces import COMPLAINED, DELIVERED, HARD, SOFT, Notice, classify
from digest.config import Settings
from digest.errors import ConfigError
from digest.webhooks import Fetch, HookRequest, Refused, bad_request, json_body

NAME = "postmark"
# Postmark's bounce types, by what they mean for the address; any other type (auto-responders,
# challenge mails, subscription changes) says nothing about it.
HARD_TYPES = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "AddressChange"}
SOFT_TYPES = {"SoftBounce", "Transient", "DnsError", "Blocked", "SMTPApiError", "InboundError"}
COMPLAINT_TYPES = {"SpamComplaint", "SpamNotification"}
CHALLENGE = [("WWW-Authenticate", 'Basic realm="digest webhooks", charset="UTF-8"')]


class PostmarkHook:
    """Postmark's Bounce, SpamComplaint and Delivery records, one per request."""

    name = NAME

    def __init__(self, credentials: bytes):
        self.credentials = credentials

    def notices(self, request: HookRequest) -> list[Notice]:
        """Check basic auth, then read the record."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        try:
            given = base64.b64decode(value.strip(), validate=True) if scheme.lower() == "basic" else b""
        except (binascii.Error, ValueError):
            given = b""
        if not given or not hmac.compare_digest(given, self.credentials):
            raise Refused("401 Unauthorized", "missing or wrong basic auth credentials", CHALLENGE)
        body = json_body(request.body)
        if not isinstance(body, dict):
            raise bad_request("not a Postmark record")
        return postmark_notices(body)


def postmark_notices(body: dict) -> list[Notice]:
    """What one Postmark webhook record says about its address."""
    record_type, kind = str(body.get("RecordType", "")), str(body.get("Type", ""))
    address = str(body.get("Email") or body.get("Recipient") or "")
    if not address:
        return []
    day = str(body.get("BouncedAt") or body.get("DeliveredAt") or "")[:10]
    issue = f"day:{day or 'unknown'}"
    detail = " ".join(str(body.get("Description") or body.get("Details") or kind).split())[:300]
    if record_type == "Delivery":
        return [Notice(DELIVERED, address, "", "", issue)]
    if record_type == "SpamComplaint" or kind in COMPLAINT_TYPES:
        return [Notice(COMPLAINED, address, "", f"feedback: {kind or 'SpamComplaint'}", issue)]
    if record_type != "Bounce":
        return []
    if kind in HARD_TYPES:
        found = classify("failed", "5.0.0", str(body.get("Details", "")))
        return [Notice(found or HARD, address, "", f"{kind}: {detail}", issue)]
    if kind in SOFT_TYPES:
        return [Notice(SOFT, address, "", f"{kind}: {detail}", issue)]
    return []


def make(settings: Settings, fetch: Fetch) -> PostmarkHook | None:
    """The Postmark webhook when its credentials are set; else None."""
    hooks = settings.hooks
    if hooks.postmark_auth:
        if ":" not in hooks.postmark_auth:
            raise ConfigError("DIGEST_POSTMARK_WEBHOOK_AUTH must be user:password")
        return PostmarkHook(hooks.postmark_auth.encode("utf-8"))
    if bool(hooks.postmark_user) != bool(hooks.postmark_password):
        raise ConfigError("set both DIGEST_POSTMARK_WEBHOOK_USER and DIGEST_POSTMARK_WEBHOOK_PASSWORD, or neither")
    if not hooks.postmark_user:
        return None
    return PostmarkHook(f"{hooks.postmark_user}:{hooks.postmark_password}".encode())
