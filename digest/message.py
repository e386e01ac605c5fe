"""The built issue on disk, and the per-recipient multipart/alternative message made from it.

The issue's HTML is inlined once by the renderer; here only the per-recipient placeholders
(name, unsubscribe link) are substituted and the parts encoded, so a message costs well under
a millisecond of CPU instead of a premailer run.
"""

from __future__ import annotations

import email.policy
import html
import json
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.subscribers import Subscriber
from digest.tokens import make_token, message_key
from digest.transfer import encode, transfer_encoding

ISSUE_SUFFIXES = (".json", ".html", ".txt")
_ISSUE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# List-Unsubscribe is written by hand: the library's folding would turn a long URL into encoded words.
HEADER_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_PLACEHOLDER_SPLIT = re.compile(f"({re.escape(UNSUBSCRIBE_PLACEHOLDER)}|{re.escape(RECIPIENT_NAME_PLACEHOLDER)})")


@dataclass(frozen=True)
class BuiltIssue:
    """An issue as `digest build` wrote it: inlined HTML, text twin and manifest."""

    id: str
    html: str
    text: str
    manifest: dict[str, Any]
    directory: Path

    @property
    def newsletter_name(self) -> str:
        """The newsletter's name as the manifest records it."""
        return str((self.manifest.get("newsletter") or {}).get("name") or "")

    @property
    def week_id(self) -> str:
        """The issue's week id, e.g. 2026-W47."""
        return str((self.manifest.get("week") or {}).get("id") or self.id)

    @property
    def title(self) -> str:
        """The issue's title."""
        return str(self.manifest.get("title") or "")

    @property
    def lead_title(self) -> str:
        """The lead article's title, or the issue title when there is no lead."""
        lead = self.manifest.get("lead") or {}
        return str(lead.get("title") or self.title)


def issue_stem(ref: str, out_dir: Path) -> Path:
    """The path without suffix of the issue named by a file path or an id such as 2026-W48."""
    path = Path(ref).expanduser()
    if path.suffix in ISSUE_SUFFIXES:
        return path.with_suffix("")
    if not _ISSUE_ID.match(ref):
        raise ConfigError(f"{ref!r} is neither an issue id such as 2026-W48 nor a built issue's .json/.html/.txt file")
    return Path(out_dir) / ref


def load_issue(ref: str, out_dir: Path) -> BuiltIssue:
    """Read a built issue's three files, or raise ConfigError naming the missing or broken one."""
    stem = issue_stem(ref, out_dir)
    parts = {}
    for suffix in ISSUE_SUFFIXES:
        path = stem.with_suffix(suffix)
        try:
            parts[suffix] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file (build the issue first: digest build)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read ({exc})") from None
    try:
        manifest = json.loads(parts[".json"])
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise ConfigError(f"{stem.with_suffix('.json')}: not a valid issue manifest ({exc})") from None
    issue_id = str(manifest.get("id") or stem.name)
    if not _ISSUE_ID.match(issue_id):
        raise ConfigError(f"{stem.with_suffix('.json')}: invalid issue id {issue_id!r}")
    return BuiltIssue(issue_id, parts[".html"], parts[".txt"], manifest, stem.parent)


def clean_header(value: object) -> str:
    """A header value with CR, LF and every other control character removed, spaces folded."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def issue_dates(issue: BuiltIssue) -> str:
    """The issue's days in its language, from the manifest (the week id when they are not recorded)."""
    from digest.locale_text import (
        week_span,  # Babel's data loads only when a subject needs it
    )

    week = issue.manifest.get("week") or {}
    try:
        start, end = datetime.fromisoformat(week["start"]), datetime.fromisoformat(week["end"])
    except (KeyError, TypeError, ValueError):
        return issue.week_id
    language = str((issue.manifest.get("newsletter") or {}).get("language") or "en")
    return week_span(start, end, str(week.get("timezone") or "UTC"), language)


def default_subject(issue: BuiltIssue) -> str:
    """The subject when none is configured: name, dates and lead, with the language's comma."""
    from digest.locale_text import list_separator

    language = str((issue.manifest.get("newsletter") or {}).get("language") or "en")
    head = list_separator(language).join(p for p in (issue.newsletter_name, issue_dates(issue)) if p)
    return clean_header(f"{head}: {issue.lead_title}" if issue.lead_title else head)


def render_subject(template: str, issue: BuiltIssue) -> str:
    """The subject line: the manifest's override, else the template with {name}, {date}, {week}, {lead},
    {title}, {id}, else the default subject."""
    override = issue.manifest.get("subject")
    if override:
        return clean_header(override)
    if not template.strip():
        return default_subject(issue)
    values = {"name": issue.newsletter_name, "week": issue.week_id, "lead": issue.lead_title,
              "title": issue.title, "id": issue.id}
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        if "date" in fields:
            values["date"] = issue_dates(issue)
        unknown = sorted(f for f in fields if f not in values)
        if unknown:
            raise KeyError(unknown[0])
        subject = template.format(**values)
    except (KeyError, ValueError, IndexError) as exc:
        raise ConfigError(f"send.subject: cannot use {template!r} ({exc}); "
                          "available fields: {name}, {date}, {week}, {lead}, {title}, {id}") from None
    return clean_header(subject.rstrip(" :,-"))


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


class MessageFactory:
    """Makes each recipient's message from one built issue; headers and parts prepared once."""

    def __init__(self, issue: BuiltIssue, *, subject_template: str, sender: str, reply_to: str,
                 list_id: str, unsubscribe_url: str, unsubscribe_mailto: str, secret: bytes,
                 now: datetime, name_fallback: str = ""):
        self.issue = issue
        self.secret = secret
        self.sender = parse_sender(sender)
        self.subject = render_subject(subject_template, issue)
        self.reply_to = clean_header(reply_to)
        self.list_id = self._list_id(list_id, issue.newsletter_name or self.sender.display_name)
        self.unsubscribe_base = clean_header(unsubscribe_url).rstrip("/")
        if not self.unsubscribe_base.startswith(("https://", "http://")) or not self.unsubscribe_base.isascii():
            raise ConfigError("send.unsubscribe_url must be the public https:// address of `digest serve`, "
                              f"not {unsubscribe_url!r}")
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

    def build(self, subscriber: Subscriber, *, test_copy: bool = False) -> Envelope:
        """The complete message for one subscriber (a test copy gets a fresh Message-ID)."""
        key = secrets.token_hex(12) if test_copy else message_key(self.issue.id, subscriber.email, self.secret)
        message_id = f"<{self.issue.id}.{key}@{self.sender.domain}>"
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
            out.append(f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
                       f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode("ascii"))
            out.append(encode(self._fill(segments, link, name, subtype == "html"), encoding))
            out.append(b"\r\n")
        out.append(f"--{boundary}--\r\n".encode("ascii"))
        return Envelope(self.sender.addr_spec, subscriber.email, b"".join(out), message_id)
