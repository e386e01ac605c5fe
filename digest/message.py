"""The per-recipient multipart/alternative message made from a built issue.

The issue's HTML is inlined once by the renderer; here only the per-recipient placeholders
(name, unsubscribe link) are substituted and the parts encoded, so a message costs well under
a millisecond of CPU instead of a premailer run.
"""

from __future__ import annotations

import email.policy
import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from digest.errors import ConfigError
from digest.issue_store import BuiltIssue, issue_stem, load_issue  # noqa: F401 (re-exported)
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.subject import clean_header, render_subject
from digest.subscribers import Subscriber
from digest.tokens import make_token, message_key
from digest.transfer import QuotedPrintableTemplate, encode, transfer_encoding

# List-Unsubscribe is written by hand: the library's folding would turn a long URL into encoded words.
HEADER_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_PLACEHOLDER_SPLIT = re.compile(f"({re.escape(UNSUBSCRIBE_PLACEHOLDER)}|{re.escape(RECIPIENT_NAME_PLACEHOLDER)})")


def parse_sender(value: str) -> Address:
    """The From address from the `sender` setting, e.g. `The Weekly <news@example.com>`."""
    name, addr = parseaddr(clean_header(value))
    if "@" not in addr or not addr.isascii():
        raise ConfigError(f"newsletter.sender: {value!r} is not an address such as 'The Weekly <news@example.com>'")
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


def _segments(body: str) -> list[str]:
    return _PLACEHOLDER_SPLIT.split(body)


@dataclass(frozen=True)
class Envelope:
    """One ready message: envelope addresses, the bytes to transmit and its Message-ID."""

    sender: str
    recipient: str
    data: bytes
    message_id: str


@dataclass(frozen=True)
class Letter:
    """One recipient's message as fields, for HTTP APIs that take parts and headers instead of MIME."""

    recipient: str
    to: str  # the To header's value, the name encoded as needed
    message_id: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...]  # Message-ID, List-Id, List-Unsubscribe, List-Unsubscribe-Post


class MessageFactory:
    """Makes each recipient's message from one built issue; headers and parts prepared once."""

    def __init__(
        self,
        issue: BuiltIssue,
        *,
        subject_template: str,
        sender: str,
        reply_to: str,
        list_id: str,
        unsubscribe_url: str,
        unsubscribe_mailto: str,
        secret: bytes,
        now: datetime,
        name_fallback: str = "",
    ):
        self.issue = issue
        self.secret = secret
        self.sender = parse_sender(sender)
        self.subject = render_subject(subject_template, issue)
        self.reply_to = clean_header(reply_to)
        self.list_id = self._list_id(list_id, issue.newsletter_name or self.sender.display_name)
        self.unsubscribe_base = clean_header(unsubscribe_url).rstrip("/")
        if not self.unsubscribe_base.startswith(("https://", "http://")) or not self.unsubscribe_base.isascii():
            raise ConfigError(
                f"send.unsubscribe_url must be the public https:// address of `digest serve`, not {unsubscribe_url!r}"
            )
        mailto = clean_header(unsubscribe_mailto).removeprefix("mailto:")
        if mailto and ("@" not in mailto or not mailto.isascii() or any(c in mailto for c in "<>, ")):
            raise ConfigError(f"send.unsubscribe_mailto: {unsubscribe_mailto!r} is not a plain address")
        self.mailto = mailto
        self.date = format_datetime(now)
        self.name_fallback = name_fallback
        self._common = self._common_headers()
        self._html = _segments(issue.html)
        self._text = _segments(issue.text)
        # Chosen once per issue, as the fit stage measured it: a subscriber's link changes little.
        self._encoding = {"html": transfer_encoding(issue.html), "plain": transfer_encoding(issue.text)}
        # Quoted-printable parts are encoded once; each message re-encodes only its placeholder lines.
        self._qp = {
            subtype: QuotedPrintableTemplate(segments)
            for subtype, segments in (("plain", self._text), ("html", self._html))
            if self._encoding[subtype] == "quoted-printable"
        }

    def _list_id(self, configured: str, name: str) -> str:
        value = clean_header(configured)
        if not value:
            label = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "digest"
            return f"{name} <{label}.{self.sender.domain}>"
        return value if "<" in value else f"<{value}>"

    def unsubscribe_link(self, address: str) -> str:
        """The recipient's one-click unsubscribe URL."""
        return f"{self.unsubscribe_base}/u/{make_token(address, self.secret)}"

    def _fill(self, segments: list[str], link: str, name: str, for_html: bool) -> str:
        values = {UNSUBSCRIBE_PLACEHOLDER: link, RECIPIENT_NAME_PLACEHOLDER: name}
        if for_html:
            values = {k: html.escape(v, quote=True) for k, v in values.items()}
        return "".join(values.get(s, s) if i % 2 else s for i, s in enumerate(segments))

    def _encoded(self, subtype: str, segments: list[str], link: str, name: str) -> bytes:
        """One part filled for a recipient, in its transfer encoding."""
        template = self._qp.get(subtype)
        if template is not None:
            encoded = template.encode(lambda line: self._fill(_segments(line), link, name, subtype == "html"))
            if encoded is not None:
                return encoded
        return encode(self._fill(segments, link, name, subtype == "html"), self._encoding[subtype])

    def _common_headers(self) -> bytes:
        # Everything but To and Message-ID is the same for every recipient: encoded once.
        msg = EmailMessage(policy=HEADER_POLICY)
        msg["From"] = self.sender
        if self.reply_to:
            msg["Reply-To"] = self.reply_to
        msg["Subject"] = self.subject
        msg["Date"] = self.date
        msg["List-Id"] = self.list_id
        msg["MIME-Version"] = "1.0"
        return msg.as_bytes(policy=HEADER_POLICY).rstrip(b"\r\n") + b"\r\n"

    def headers(self, subscriber: Subscriber, message_id: str) -> bytes:
        """The library-encoded headers for one recipient (List-Unsubscribe and MIME headers follow)."""
        to = formataddr((clean_header(subscriber.name), subscriber.email), charset="utf-8")
        return f"To: {to}\r\nMessage-ID: {message_id}\r\n".encode("ascii") + self._common

    def message_id(self, subscriber: Subscriber, test_copy: bool = False) -> str:
        """The recipient's Message-ID: the same in every run, so a repeated message can be folded."""
        key = secrets.token_hex(12) if test_copy else message_key(self.issue.id, subscriber.email, self.secret)
        return f"<{self.issue.id}.{key}@{self.sender.domain}>"

    def one_click(self, link: str) -> str:
        """The List-Unsubscribe value (RFC 8058): the https link, then the optional mailto."""
        return f"<{link}>" + (f", <mailto:{self.mailto}?subject=unsubscribe>" if self.mailto else "")

    def letter_to(self, subscriber: Subscriber) -> str:
        """The To value for an API: `Name <address>`, the name quoted as needed."""
        return formataddr((clean_header(subscriber.name), subscriber.email))

    def letter(self, subscriber: Subscriber, *, test_copy: bool = False) -> Letter:
        """The recipient's message as parts and headers (the same content `build` encodes as MIME)."""
        message_id = self.message_id(subscriber, test_copy)
        link = self.unsubscribe_link(subscriber.email)
        name = clean_header(subscriber.name) or self.name_fallback
        to = self.letter_to(subscriber)
        headers = (
            ("Message-ID", message_id),
            ("List-Id", self.list_id),
            ("List-Unsubscribe", self.one_click(link)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
        return Letter(
            subscriber.email,
            to,
            message_id,
            self._fill(self._text, link, name, False),
            self._fill(self._html, link, name, True),
            headers,
        )

    def template(self, link: str, name_text: str, name_html: str) -> tuple[str, str]:
        """(text, html) with the per-recipient values replaced by the given (already safe) strings."""

        def fill(segments: list[str], name: str) -> str:
            values = {UNSUBSCRIBE_PLACEHOLDER: link, RECIPIENT_NAME_PLACEHOLDER: name}
            return "".join(values.get(s, s) if i % 2 else s for i, s in enumerate(segments))

        return fill(self._text, name_text), fill(self._html, name_html)

    def build(self, subscriber: Subscriber, *, test_copy: bool = False) -> Envelope:
        """The complete message for one subscriber (a test copy gets a fresh Message-ID)."""
        message_id = self.message_id(subscriber, test_copy)
        link = self.unsubscribe_link(subscriber.email)
        name = clean_header(subscriber.name) or self.name_fallback
        one_click = f"<{link}>" + (f",\r\n <mailto:{self.mailto}?subject=unsubscribe>" if self.mailto else "")
        boundary = "=_digest_" + secrets.token_hex(12)  # "=_" occurs in neither quoted-printable nor base64
        out = [
            self.headers(subscriber, message_id),
            f"List-Unsubscribe: {one_click}\r\n".encode("ascii"),
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii"),
        ]
        for subtype, segments in (("plain", self._text), ("html", self._html)):
            encoding = self._encoding[subtype]
            out.append(
                f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
                f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode("ascii")
            )
            out.append(self._encoded(subtype, segments, link, name))
            out.append(b"\r\n")
        out.append(f"--{boundary}--\r\n".encode("ascii"))
        return Envelope(self.sender.addr_spec, subscriber.email, b"".join(out), message_id)
