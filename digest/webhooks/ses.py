"""Amazon SES bounce and complaint notifications, delivered by SNS to /hooks/ses.

On when `[hooks] ses_topics` names at least one topic: a signed message from any other topic is
refused, since anyone can make an SNS topic and have SNS sign what it posts. A
SubscriptionConfirmation is confirmed by fetching its SubscribeURL (only on an SNS host).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from digest.bounces import COMPLAINED, DELIVERED, SOFT, Notice, classify, issue_from
from digest.config import Settings
from digest.webhooks import (
    Fetch,
    HookRequest,
    Refused,
    bad_request,
    forbidden,
    json_body,
    table,
)
from digest.webhooks.sns import NotAuthentic, Verifier, on_sns_host

NAME = "ses"
log = logging.getLogger(__name__)


class SesHook:
    """SES notifications over SNS, checked against the configured topics and SNS's signature."""

    name = NAME

    def __init__(self, topics: tuple[str, ...], verifier: Verifier, fetch: Fetch):
        self.topics = set(topics)
        self.verifier = verifier
        self.fetch = fetch

    def notices(self, request: HookRequest) -> list[Notice]:
        """Verify the SNS envelope, confirm a subscription, or read the SES notification it carries."""
        message = json_body(request.body)
        if not isinstance(message, dict):
            raise bad_request("not an SNS message")
        if message.get("TopicArn") not in self.topics:
            raise forbidden("a topic not in [hooks] ses_topics")
        try:
            self.verifier.verify(message, datetime.fromtimestamp(request.now, UTC))
        except NotAuthentic as exc:
            raise forbidden(str(exc)) from None
        except ConnectionError as exc:
            raise Refused("503 Service Unavailable", str(exc)) from None
        kind = message["Type"]
        if kind == "SubscriptionConfirmation":
            self._confirm(str(message.get("SubscribeURL", "")))
            return []
        if kind != "Notification":
            return []
        try:
            body = json.loads(str(message.get("Message", "")))
        except ValueError:
            raise bad_request("the notification's Message is not JSON") from None
        return ses_notices(body) if isinstance(body, dict) else []

    def _confirm(self, url: str) -> None:
        if not on_sns_host(url, self.verifier.extra_hosts):
            raise forbidden("SubscribeURL is not an https URL on an SNS host")
        try:
            self.fetch(url)
        except Exception as exc:
            raise Refused("502 Bad Gateway", f"cannot confirm the subscription ({type(exc).__name__})") from None
        log.info("webhook:ses: subscription to the topic confirmed")


def _issue(mail: dict, when: str) -> str:
    headers = table(mail.get("commonHeaders"))
    message_id = str(headers.get("messageId", ""))
    for header in mail.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id":
            message_id = str(header.get("value", ""))
    return issue_from(message_id, when[:10])


def ses_notices(body: dict[str, Any]) -> list[Notice]:
    """The notices in one SES notification (a Bounce, Complaint or Delivery; event publishing too)."""
    kind = str(body.get("notificationType") or body.get("eventType") or "")
    mail = table(body.get("mail"))
    if kind == "Bounce" and isinstance(body.get("bounce"), dict):
        bounce = body["bounce"]
        issue = _issue(mail, str(bounce.get("timestamp", "")))
        permanent = bounce.get("bounceType") == "Permanent"
        notices = []
        for person in bounce.get("bouncedRecipients") or []:
            if not isinstance(person, dict) or not person.get("emailAddress"):
                continue
            status = str(person.get("status") or ("5.0.0" if permanent else "4.0.0"))
            detail = " ".join(str(person.get("diagnosticCode") or bounce.get("bounceSubType", "")).split())[:300]
            found = classify("failed", status, detail) if permanent else SOFT
            notices.append(Notice(found or SOFT, str(person["emailAddress"]), status, detail, issue))
        return notices
    if kind == "Complaint" and isinstance(body.get("complaint"), dict):
        complaint = body["complaint"]
        feedback = str(complaint.get("complaintFeedbackType") or "abuse")
        if feedback == "not-spam":
            return []
        issue = _issue(mail, str(complaint.get("timestamp", "")))
        return [
            Notice(COMPLAINED, str(p["emailAddress"]), "", f"feedback: {feedback}"[:300], issue)
            for p in complaint.get("complainedRecipients") or []
            if isinstance(p, dict) and p.get("emailAddress")
        ]
    if kind == "Delivery" and isinstance(body.get("delivery"), dict):
        return [Notice(DELIVERED, str(r), "", "", "") for r in body["delivery"].get("recipients") or [] if r]
    return []


def make(settings: Settings, fetch: Fetch) -> SesHook | None:
    """The SES webhook when [hooks] ses_topics names a topic; else None."""
    hooks = settings.hooks
    if not hooks.ses_topics:
        return None
    return SesHook(hooks.ses_topics, Verifier(fetch, hooks.sns_hosts, hooks.sns_trusted_cert), fetch)
