"""Bounces and complaints that arrive after a send: delivery status notifications and feedback reports.

A notification is read from an mbox, a maildir, a folder of .eml files or one .eml file and turned
into `Notice`s, one per recipient it names: a hard bounce, a soft bounce, a complaint (an ARF
feedback report) or a delivery. RFC 3464 reports (multipart/report; report-type=delivery-status)
are read field by field; the common non-standard ones (qmail, old Exim, Yahoo's plain text) by
their wording. Anything else is not a bounce. Parsing is pure; `apply` writes to the list.
"""

from __future__ import annotations

import email
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from digest.addresses import AddressError, normalize_address
from digest.errors import ConfigError
from digest.subscribers import COMPLAINT, HARD_BOUNCE, SubscriberStore

log = logging.getLogger(__name__)

HARD, SOFT, COMPLAINED, DELIVERED = "hard", "soft", "complaint", "delivered"
# Enhanced status codes that are permanent in form but pass with time: a full mailbox, a message too big.
TRANSIENT_PERMANENT = {"5.2.2", "5.3.4", "5.2.3"}
STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
REPLY_CODE = re.compile(r"\b([45])\d\d\b")
ANGLED = re.compile(r"<([^<>\s]+@[^<>\s]+)>:?")
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MESSAGE_ID = re.compile(r"^Message-ID:\s*<([^>\s]+)>", re.IGNORECASE | re.MULTILINE)
BOUNCE_SENDERS = re.compile(r"mailer-daemon|postmaster|mail delivery (sub)?system|bounce", re.IGNORECASE)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver|delivery (status notification|failure|has failed)|failure notice|"
    r"returned mail|mail delivery failed|could not be delivered|delivery problem",
    re.IGNORECASE,
)
PERMANENT_WORDS = re.compile(
    r"permanent|given up|does not exist|doesn't have|no such user|user unknown|"
    r"address rejected|recipient rejected|not found|failed permanently",
    re.IGNORECASE,
)
TEMPORARY_WORDS = re.compile(r"temporar|mailbox (is )?full|over quota|quota exceeded|try again|deferred", re.IGNORECASE)


@dataclass(frozen=True)
class Notice:
    """What a notification says about one recipient."""

    kind: str  # HARD, SOFT, COMPLAINED or DELIVERED
    recipient: str
    status: str = ""  # the enhanced status code, e.g. 5.1.1
    detail: str = ""  # the server's words, one line
    issue: str = ""  # the issue the bounced message carried (from its Message-ID), or the day of the report


@dataclass(frozen=True)
class BounceCounts:
    """What a run of `digest bounces` found and did."""

    read: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    delivered: int = 0
    ignored: int = 0
    unknown: int = 0
    suppressed: int = 0
    unreadable: tuple[str, ...] = field(default=())


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text or "").split())[:limit]


def _address(raw: str) -> str | None:
    # "rfc822; ann@example.com" or "<ann@example.com>" or a bare address.
    value = raw.split(";", 1)[1] if ";" in raw else raw
    value = value.strip().strip("<>").strip()
    try:
        return normalize_address(value)
    except AddressError:
        return None


def _enclosed(part: Message) -> Message | None:
    """The message a message/rfc822 part carries."""
    payload = part.get_payload()
    return payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None


def issue_from(message_id: str, day: str) -> str:
    """The issue a digest Message-ID (<ISSUE.KEY@domain>) names, else `day:<day>` (soft bounces count per issue)."""
    left = message_id.strip().strip("<>").split("@", 1)[0]
    if "@" in message_id and "." in left:
        return left.rsplit(".", 1)[0]
    return f"day:{day or 'unknown'}"


def _issue_of(message: Message) -> str:
    # digest's Message-IDs are <ISSUE.KEY@domain>: the issue is the part before the last dot.
    for part in message.walk():
        kind = part.get_content_type()
        text = ""
        enclosed = _enclosed(part) if kind == "message/rfc822" else None
        if enclosed is not None:
            text = f"Message-ID: {enclosed.get('Message-ID', '')}"
        elif kind in ("text/rfc822-headers", "text/plain"):
            text = _text(part)
        found = MESSAGE_ID.search(text)
        if found:
            left = found.group(1).split("@", 1)[0]
            return left.rsplit(".", 1)[0] if "." in left else left
    try:
        return "day:" + parsedate_to_datetime(str(message.get("Date", ""))).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return "day:unknown"


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return payload if isinstance(payload, str) else ""


def _fields(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return [HeaderParser().parsestr(block) for block in re.split(r"\r?\n\r?\n", _text(part)) if block.strip()]


def classify(action: str, status: str, detail: str) -> str | None:
    """HARD, SOFT or DELIVERED for a recipient's action, status code and diagnostic; None for a delay."""
    action = action.strip().lower()
    if action in ("delivered", "relayed", "expanded"):
        return DELIVERED
    if action == "delayed":
        return None  # the server is still trying; the final report follows
    code = STATUS_CODE.search(status) or STATUS_CODE.search(detail)
    if code and code.group(0) in TRANSIENT_PERMANENT:
        return SOFT
    if code:
        return HARD if code.group(1) == "5" else SOFT
    return SOFT if TEMPORARY_WORDS.search(detail) else HARD


def _complaints(message: Message, issue: str) -> list[Notice]:
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        blocks = _fields(part)
        report = blocks[0] if blocks else Message()
        recipient = _address(str(report.get("Original-Rcpt-To", "")))
        if recipient is None:
            recipient = _original_to(message)
        feedback = _one_line(str(report.get("Feedback-Type", "abuse")))
        return [Notice(COMPLAINED, recipient, "", f"feedback: {feedback}", issue)] if recipient else []
    return []


def _original_to(message: Message) -> str | None:
    for part in message.walk():
        kind = part.get_content_type()
        enclosed = _enclosed(part) if kind == "message/rfc822" else None
        if enclosed is not None:
            headers = enclosed
        elif kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_text(part))
        else:
            continue
        found = ADDRESS.search(str(headers.get("To", "")))
        if found:
            return _address(found.group(0))
    return None


def _delivery_status(message: Message, issue: str) -> list[Notice] | None:
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        notices = []
        for block in _fields(part)[1:] or _fields(part):
            raw = str(block.get("Original-Recipient", "") or block.get("Final-Recipient", ""))
            recipient = _address(raw) if raw else None
            if recipient is None:
                continue
            status = _one_line(str(block.get("Status", "")), 20)
            detail = _one_line(str(block.get("Diagnostic-Code", "")) or status)
            kind = classify(str(block.get("Action", "")), status, detail)
            if kind:
                notices.append(Notice(kind, recipient, status, detail, issue))
        return notices
    return None


def _plain_text(message: Message, issue: str) -> list[Notice]:
    """qmail, old Exim, Yahoo and the like: a bounce told in words, recipients in the text."""
    sender, subject = str(message.get("From", "")), str(message.get("Subject", ""))
    failed = str(message.get("X-Failed-Recipients", ""))
    if not (failed or BOUNCE_SENDERS.search(sender) or BOUNCE_SUBJECTS.search(subject)):
        return []
    body = next((_text(p) for p in message.walk() if p.get_content_type() == "text/plain"), "")
    # The report ends where the returned message begins.
    body = re.split(
        r"^-+ ?(Below this line is a copy|This is a copy|Original message|The headers)|"
        r"^--- Below this line",
        body,
        maxsplit=1,
        flags=re.IGNORECASE | re.MULTILINE,
    )[0]
    candidates = [a.strip() for a in failed.split(",") if a.strip()]
    candidates += ANGLED.findall(body)
    if not candidates:
        after = re.split(
            r"following (address\(es\)|addresses|recipients?)[^\n]*:", body, maxsplit=1, flags=re.IGNORECASE
        )
        candidates = ADDRESS.findall(after[-1])[:1] if len(after) > 1 else []
    notices: list[Notice] = []
    seen: set[str] = set()
    for raw in candidates:
        recipient = _address(raw)
        if recipient is None or recipient.lower() in seen:
            continue
        seen.add(recipient.lower())
        where = body.find(raw)
        nearby = body[where : where + 600] if where >= 0 else body
        code = STATUS_CODE.search(nearby)
        reply = REPLY_CODE.search(nearby)
        status = code.group(0) if code else ""
        kind: str | None
        if code:
            kind = classify("failed", status, nearby)
        elif TEMPORARY_WORDS.search(body) and not PERMANENT_WORDS.search(body):
            kind = SOFT
        elif reply:
            kind = HARD if reply.group(1) == "5" else SOFT
        else:
            kind = HARD
        notices.append(Notice(kind or SOFT, recipient, status, _one_line(nearby[len(raw) :].lstrip(">: "), 200), issue))
    return notices


def parse(message: Message) -> list[Notice]:
    """Every recipient a notification speaks of, with what happened; [] when it is no bounce at all."""
    issue = _issue_of(message)
    complaints = _complaints(message, issue)
    if complaints:
        return complaints
    standard = _delivery_status(message, issue)
    if standard is not None:
        return standard
    return _plain_text(message, issue)


def _load(path: Path) -> Message:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle)


def read_messages(path: Path) -> Iterator[tuple[str, Message | None]]:
    """(where, message) for every message in an mbox, a maildir, a folder of .eml files or one file;
    None for a message that cannot be read."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file or folder")
    if path.is_dir() and ((path / "cur").is_dir() or (path / "new").is_dir()):
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            try:
                yield f"{path}:{key}", box[key]
            except (OSError, ValueError) as exc:
                log.warning("%s:%s: unreadable (%s)", path, key, exc)
                yield f"{path}:{key}", None
        return
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        try:
            with file.open("rb") as handle:
                is_mbox = handle.read(5) == b"From "
            if is_mbox:
                for index, message in enumerate(mailbox.mbox(file, create=False)):
                    yield f"{file}#{index + 1}", message
            else:
                yield str(file), _load(file)
        except (OSError, ValueError, UnicodeError) as exc:
            yield f"{file}: {exc}", None


def record(store: SubscriberStore, notice: Notice, soft_limit: int, source: str) -> bool:
    """Act on one notice about a known address: suppress, count a soft bounce, or reset the count.
    True when the address is newly suppressed."""
    detail = f"{notice.status} {notice.detail}".strip()
    if notice.kind == DELIVERED:
        store.delivered(notice.recipient)
        return False
    if notice.kind == SOFT:
        return store.soft_bounce(notice.recipient, notice.issue, soft_limit, detail, source)
    reason = HARD_BOUNCE if notice.kind == HARD else COMPLAINT
    return store.suppress(notice.recipient, reason, detail, source)


class Tally:
    """Counts what `digest bounces` reads and does, one message at a time."""

    def __init__(self, store: SubscriberStore, soft_limit: int, source: str):
        self.store, self.soft_limit, self.source = store, soft_limit, source
        self.counts = {
            "read": 0,
            HARD: 0,
            SOFT: 0,
            COMPLAINED: 0,
            DELIVERED: 0,
            "ignored": 0,
            "unknown": 0,
            "suppressed": 0,
        }
        self.unreadable: list[str] = []

    def take(self, where: str, message: Message | None) -> bool:
        """Act on one message (each change committed as it is made); True when it was a report."""
        self.counts["read"] += 1
        notices = parse(message) if message is not None else []
        if message is None:
            self.unreadable.append(where)
        if not notices:
            self.counts["ignored"] += 1
            return False
        for notice in notices:
            if not self.store.knows(notice.recipient):
                self.counts["unknown"] += 1
                continue
            self.counts[notice.kind] += 1
            self.counts["suppressed"] += record(self.store, notice, self.soft_limit, self.source)
        return True

    def result(self) -> BounceCounts:
        """The counts so far."""
        c = self.counts
        return BounceCounts(
            c["read"],
            c[HARD],
            c[SOFT],
            c[COMPLAINED],
            c[DELIVERED],
            c["ignored"],
            c["unknown"],
            c["suppressed"],
            tuple(self.unreadable),
        )


def apply(store: SubscriberStore, path: Path, soft_limit: int) -> BounceCounts:
    """Read every notification under `path` and suppress (or count, or reset) the addresses they name."""
    tally = Tally(store, soft_limit, f"bounces:{path.name}")
    for where, message in read_messages(path):
        tally.take(where, message)
    return tally.result()
