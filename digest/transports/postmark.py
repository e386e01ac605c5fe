"""Postmark's batch endpoint: up to 500 complete messages per call, one result per message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import parse_qs, urlsplit

import requests

from digest.errors import ConfigError, SendError
from digest.message import Envelope, MessageFactory
from digest.subscribers import Subscriber
from digest.transport import Reply
from digest.transports.base import (
    ACCEPTED,
    REJECTED,
    RETRY,
    Outcome,
    error_text,
    post,
    reply_for,
)

TOKEN_ENV = "DIGEST_POSTMARK_TOKEN"
DEFAULT_ENDPOINT = "https://api.postmarkapp.com"
BATCH_SIZE = 500
# Postmark takes up to 50 MB per call; a few MB keeps memory small with 8 calls in flight and
# costs nothing in speed.
BATCH_BYTES = 4 * 1024 * 1024
INACTIVE, INVALID_REQUEST, BAD_TOKEN = 406, 300, 10
# Codes about the account or the sender, the same for every message: no retry or suppression helps.
ACCOUNT_CODES = {10, 400, 401, 405, 412, 413}
# Single messages (signup confirmations) are transactional: Postmark wants them on a transactional
# stream, never on the broadcast stream an issue goes out on.
TRANSACTIONAL_STREAM = "outbound"
# Headers Postmark sets from fields of its own, or itself.
OWN_HEADERS = {"from", "to", "subject", "reply-to", "date", "mime-version", "content-type", "content-transfer-encoding"}


class PostmarkConnection:
    """One HTTP session posting to /email/batch."""

    def __init__(self, transport: PostmarkTransport):
        self.transport = transport
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "X-Postmark-Server-Token": transport.token})

    def _message(self, factory: MessageFactory, sub: Subscriber, test_copy: bool) -> dict:
        letter = factory.letter(sub, test_copy=test_copy)
        message = {
            "From": str(factory.sender),
            "To": letter.to,
            "Subject": factory.subject,
            "TextBody": letter.text,
            "HtmlBody": letter.html,
            "Headers": [{"Name": n, "Value": v} for n, v in letter.headers],
            "TrackOpens": False,
            "TrackLinks": "None",
            "MessageStream": self.transport.stream,
        }
        if factory.reply_to:
            message["ReplyTo"] = factory.reply_to
        return message

    def send(self, envelope: Envelope) -> Reply:
        """Send one complete message (its parts and headers as Postmark fields) on the transactional stream."""
        msg = message_from_bytes(envelope.data, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        text, html = msg.get_body(("plain",)), msg.get_body(("html",))
        body = {
            "From": str(msg["From"]),
            "To": str(msg["To"]),
            "Subject": str(msg["Subject"]),
            "TextBody": text.get_content() if text is not None else "",
            "HtmlBody": html.get_content() if html is not None else "",
            "Headers": [{"Name": k, "Value": str(v)} for k, v in msg.items() if k.lower() not in OWN_HEADERS],
            "TrackOpens": False,
            "TrackLinks": "None",
            "MessageStream": TRANSACTIONAL_STREAM,
        }
        if msg["Reply-To"]:
            body["ReplyTo"] = str(msg["Reply-To"])
        return reply_for(self._post([body], [envelope.recipient])[0])

    def send_batch(
        self, factory: MessageFactory, batch: Sequence[Subscriber], test_copy: bool = False
    ) -> list[Outcome]:
        """POST the batch; map each entry of the answer to its recipient (the answer keeps the order)."""
        return self._post([self._message(factory, sub, test_copy) for sub in batch], [s.email for s in batch])

    def _post(self, body: list[dict], recipients: list[str]) -> list[Outcome]:
        t = self.transport
        response = post(self.session, f"{t.endpoint}/email/batch", t.describe(), TOKEN_ENV, json=body)
        if response.status_code != 200:
            text = error_text(response)
            code = _error_code(response)
            if code == BAD_TOKEN:
                raise SendError(f"{t.describe()} rejected the token ({text}); check {TOKEN_ENV}")
            raise SendError(f"{t.describe()} refused the batch ({response.status_code}, code {code}: {text})")
        try:
            results = response.json()
        except ValueError:
            results = None
        if not isinstance(results, list) or len(results) != len(recipients):
            # Nothing says which messages were taken: retrying may double some, but never skips anyone.
            return [Outcome(r, RETRY, 0, "unreadable batch answer") for r in recipients]
        return [self._outcome(r, x if isinstance(x, dict) else {}) for r, x in zip(recipients, results, strict=True)]

    def _outcome(self, email: str, result: dict) -> Outcome:
        code = int(result.get("ErrorCode", -1)) if str(result.get("ErrorCode", "")).lstrip("-").isdigit() else -1
        text = " ".join(str(result.get("Message", "")).split())
        if code == 0:
            return Outcome(email, ACCEPTED, 200, f"{result.get('MessageID', '')} {text}".strip())
        if code in ACCOUNT_CODES:
            raise SendError(
                f"{self.transport.describe()} refused to send ({code}: {text}); check the sender "
                "signature and the account"
            )
        if code == 429:
            return Outcome(email, RETRY, 429, text)
        suppress = code == INACTIVE or (code == INVALID_REQUEST and "address" in text.lower())
        return Outcome(email, REJECTED, code, text, suppress=suppress)

    def close(self) -> None:
        """Close the session."""
        self.session.close()


def _error_code(response: requests.Response) -> int:
    try:
        return int(response.json().get("ErrorCode", -1))
    except (ValueError, AttributeError, TypeError):
        return -1


class PostmarkTransport:
    """`postmark://` (or `postmark://?stream=NAME`): the server token comes from DIGEST_POSTMARK_TOKEN."""

    batch_size = BATCH_SIZE
    batch_bytes = BATCH_BYTES

    def __init__(self, url: str, endpoint: str, environ: Mapping[str, str]):
        parts = urlsplit(url)
        if parts.netloc or parts.path.strip("/"):
            raise ConfigError(f"send.api: {url!r}: write postmark:// (the server is chosen by its token)")
        self.stream = (parse_qs(parts.query).get("stream") or ["broadcast"])[0]
        self.endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
        self.token = environ.get(TOKEN_ENV, "")
        if not self.token:
            raise ConfigError(f"{TOKEN_ENV} is not set: it holds the Postmark server token")

    def describe(self) -> str:
        """postmark ENDPOINT (stream NAME)."""
        return f"postmark {self.endpoint} ({self.stream} stream)"

    def connect(self) -> PostmarkConnection:
        """A new HTTP session."""
        return PostmarkConnection(self)

    def max_rate(self) -> float:
        """Postmark publishes no per-second limit; it answers 429 when it wants a pause."""
        return 0.0
