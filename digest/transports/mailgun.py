"""Mailgun's messages endpoint with batch sending: one body for up to 1,000 recipients, each
message personalised by Mailgun from `recipient-variables` (name, unsubscribe link, Message-ID).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

import requests

from digest.errors import ConfigError, SendError
from digest.message import Envelope, MessageFactory
from digest.subject import clean_header
from digest.subscribers import Subscriber
from digest.transport import PermanentFailure, Reply
from digest.transports.base import ACCEPTED, REJECTED, RETRY, Outcome, error_text, post

KEY_ENV = "DIGEST_MAILGUN_KEY"
ENDPOINTS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
BATCH_SIZE = 1000
VARS = ("unsubscribe", "name_text", "name_html", "message_id", "one_click")


def _var(name: str) -> str:
    return f"%recipient.{name}%"


class MailgunConnection:
    """One HTTP session posting to /v3/DOMAIN/messages."""

    def __init__(self, transport: MailgunTransport):
        self.transport = transport
        self.session = requests.Session()
        self.session.auth = ("api", transport.key)

    def _variables(self, factory: MessageFactory, sub: Subscriber, test_copy: bool) -> dict[str, str]:
        link = factory.unsubscribe_link(sub.email)
        name = clean_header(sub.name) or factory.name_fallback
        return {
            "unsubscribe": link,
            "name_text": name,
            "name_html": html.escape(name, quote=True),
            "message_id": factory.message_id(sub, test_copy),
            "one_click": factory.one_click(link),
        }

    def send_batch(
        self, factory: MessageFactory, batch: Sequence[Subscriber], test_copy: bool = False
    ) -> list[Outcome]:
        """POST one templated message for the whole batch; Mailgun accepts or refuses it as a whole."""
        t = self.transport
        text, body = factory.template(_var("unsubscribe"), _var("name_text"), _var("name_html"))
        form: list[tuple[str, str]] = [
            ("from", str(factory.sender)),
            ("subject", factory.subject),
            ("text", text),
            ("html", body),
        ]
        form += [("to", factory.letter_to(sub)) for sub in batch]
        form += [
            (
                "recipient-variables",
                json.dumps({sub.email: self._variables(factory, sub, test_copy) for sub in batch}, ensure_ascii=False),
            ),
            ("h:Message-Id", _var("message_id")),
            ("h:List-Id", factory.list_id),
            ("h:List-Unsubscribe", _var("one_click")),
            ("h:List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("o:tracking", "no"),
            ("o:tracking-clicks", "no"),
            ("o:tracking-opens", "no"),
        ]
        if factory.reply_to:
            form.append(("h:Reply-To", factory.reply_to))
        response = post(
            self.session,
            f"{t.endpoint}/v3/{t.domain}/messages",
            t.describe(),
            KEY_ENV,
            files=[(k, (None, v.encode("utf-8"))) for k, v in form],
        )
        if response.status_code == 200:
            return [Outcome(s.email, ACCEPTED, 200, error_text(response)) for s in batch]
        text = error_text(response)
        if response.status_code == 400:
            # Mailgun refuses the whole call for one bad address and names it: that one is rejected
            # (and suppressed); the others were not sent and go again at once.
            named = [s for s in batch if s.email.lower() in text.lower()]
            if named:
                bad = {s.key for s in named}
                return [
                    Outcome(s.email, REJECTED, 400, text, suppress=True)
                    if s.key in bad
                    else Outcome(s.email, RETRY, 0, "sent again without a rejected address")
                    for s in batch
                ]
        if response.status_code == 404:
            raise SendError(f"{t.describe()}: the domain {t.domain} is unknown to this account ({text})")
        raise SendError(f"{t.describe()} refused the batch ({response.status_code}: {text})")

    def send(self, envelope: Envelope) -> Reply:
        """Send one complete message (a signup confirmation) as it is written, through messages.mime."""
        t = self.transport
        response = post(
            self.session,
            f"{t.endpoint}/v3/{t.domain}/messages.mime",
            t.describe(),
            KEY_ENV,
            data={"to": envelope.recipient, "o:tracking": "no"},
            files={"message": ("message.eml", envelope.data)},
        )
        text = error_text(response)
        if response.status_code == 200:
            return Reply(250, text)
        if response.status_code == 400 and envelope.recipient.lower() in text.lower():
            raise PermanentFailure(550, text)
        raise SendError(f"{t.describe()} refused the message ({response.status_code}: {text})")

    def close(self) -> None:
        """Close the session."""
        self.session.close()


class MailgunTransport:
    """`mailgun://DOMAIN` (`?region=eu` for the EU service): the key comes from DIGEST_MAILGUN_KEY."""

    batch_size = BATCH_SIZE

    def __init__(self, url: str, endpoint: str, environ: Mapping[str, str]):
        parts = urlsplit(url)
        self.domain = parts.hostname or ""
        region = (parse_qs(parts.query).get("region") or ["us"])[0].lower()
        if not self.domain or "." not in self.domain or parts.path.strip("/"):
            raise ConfigError(f"send.api: {url!r}: write mailgun://YOUR-SENDING-DOMAIN (e.g. mailgun://mg.example.com)")
        if region not in ENDPOINTS:
            raise ConfigError(f"send.api: {url!r}: region must be us or eu, not {region!r}")
        self.endpoint = (endpoint or ENDPOINTS[region]).rstrip("/")
        self.key = environ.get(KEY_ENV, "")
        if not self.key:
            raise ConfigError(f"{KEY_ENV} is not set: it holds the Mailgun sending API key")

    def describe(self) -> str:
        """mailgun DOMAIN via ENDPOINT."""
        return f"mailgun {self.domain} via {self.endpoint}"

    def connect(self) -> MailgunConnection:
        """A new HTTP session."""
        return MailgunConnection(self)

    def max_rate(self) -> float:
        """Mailgun publishes no per-second limit; it answers 429 when it wants a pause."""
        return 0.0
