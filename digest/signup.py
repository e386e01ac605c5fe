"""Double opt-in signup: the request, the confirmation mail, and confirming.

A request puts the address on the list as `unconfirmed` and mails it a signed link that expires;
only following the link (a POST, so mail scanners that fetch links confirm nothing) makes it
`active`. Every request gets the same answer whether the address is known, new, suppressed or
limited, so the form cannot be used to find out who is on the list. Abuse limits: a honeypot
field, requests per hour per client address and per email address, and at most one confirmation
mail per address per hour (kept in the list, so a restart does not reset it).
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import parse_qs

from digest.addresses import AddressError, Subscriber, clean_name, normalize_address
from digest.config import Settings
from digest.message import HEADER_POLICY, Envelope, parse_sender
from digest.subject import clean_header
from digest.subscribers import ACTIVE, UNSUBSCRIBED, SubscriberStore
from digest.tokens import make_confirm_token, verify_confirm_token
from digest.transport import Transport

log = logging.getLogger(__name__)

RESEND_AFTER = 3600  # seconds: at most one confirmation mail per address in this time
WINDOW = 3600  # seconds over which per_ip and per_address are counted
HONEYPOT = "website"  # a field people never see; bots fill it in
# Suppressions a signup may lift once confirmed: the person's own earlier choice. Bounces and
# complaints stay: the address cannot or must not receive mail.
_LIFTABLE = {UNSUBSCRIBED, "removed"}


class RateLimiter:
    """At most `limit` events per key in a sliding window (in memory, thread-safe)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False when the limit is already reached."""
        now = self.clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 100_000:  # bound memory under a flood of distinct keys
                self._events = defaultdict(deque, {k: v for k, v in self._events.items() if v})
            return True


@dataclass(frozen=True)
class SignupResult:
    """What a signup request comes to: `accepted` (the one public answer), `invalid` or `limited`."""

    outcome: str
    detail: str = ""


class Signup:
    """Signup requests and confirmations for one newsletter."""

    def __init__(
        self,
        settings: Settings,
        secrets_: list[bytes],
        store: SubscriberStore,
        transport: Callable[[], Transport],
        wall_clock: Callable[[], float] = time.time,
    ):
        self.settings, self.secrets, self.store = settings, secrets_, store
        self.transport, self.wall_clock = transport, wall_clock
        self.per_ip = RateLimiter(settings.signup.per_ip, WINDOW)
        self.per_address = RateLimiter(settings.signup.per_address, WINDOW)
        self.sender = parse_sender(settings.newsletter.sender)
        self.mailing: list[threading.Thread] = []

    def request(self, raw_email: str, name: str, honeypot: str, client: str, base_url: str) -> SignupResult:
        """Handle one form submission; the mail, if any, goes out in the background."""
        if not self.per_ip.allow(client):
            return SignupResult("limited")
        try:
            address = normalize_address(raw_email)
        except AddressError as exc:
            return SignupResult("invalid", str(exc))
        if honeypot.strip():
            log.info("signup refused: honeypot filled")
            return SignupResult("accepted")
        if not self.per_address.allow(address.lower()):
            return SignupResult("limited")
        reason = self.store.suppression(address)
        status = self.store.status(address)
        if (reason and reason not in _LIFTABLE) or (status == ACTIVE and not reason):
            return SignupResult("accepted")  # nothing to confirm; the same answer as for anyone
        self.store.add_unconfirmed(Subscriber(address, clean_name(name)[:200]), source="signup")
        if not self.store.claim_confirmation(address, RESEND_AFTER, self.wall_clock()):
            return SignupResult("accepted")
        thread = threading.Thread(target=self._mail, args=(address, base_url), daemon=True)
        self.mailing.append(thread)
        thread.start()
        return SignupResult("accepted")

    def confirm(self, token: str) -> str | None:
        """Make the token's address active (lifting its own earlier unsubscribe); the address, or None."""
        address = verify_confirm_token(token, self.secrets, self.wall_clock())
        if address is None:
            return None
        if self.store.suppression(address) in _LIFTABLE:
            self.store.unsuppress(address)
        elif self.store.suppression(address):
            return address  # a bounce or complaint since: confirmed, but still never mailed
        if not self.store.set_status(address, ACTIVE, "confirm"):
            self.store.add(Subscriber(address), status=ACTIVE, source="confirm")
        return address

    def confirm_link(self, address: str, base_url: str) -> str:
        """The signed, expiring confirmation link for an address."""
        expires = int(self.wall_clock()) + self.settings.signup.expiry_hours * 3600
        return f"{base_url.rstrip('/')}/confirm/{make_confirm_token(address, expires, self.secrets[0])}"

    def message(self, address: str, base_url: str) -> Envelope:
        """The multipart confirmation mail, in the newsletter's own words ([labels])."""
        labels, name = self.settings.labels, self.settings.newsletter.name
        link = self.confirm_link(address, base_url)
        intro = labels.confirm_intro.format(name=name, hours=self.settings.signup.expiry_hours)
        msg = EmailMessage(policy=HEADER_POLICY)
        msg["From"] = self.sender
        if self.settings.newsletter.reply_to:
            msg["Reply-To"] = clean_header(self.settings.newsletter.reply_to)
        msg["To"] = formataddr(("", address))
        msg["Subject"] = clean_header(labels.confirm_subject.format(name=name))
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = f"<confirm.{secrets.token_hex(12)}@{self.sender.domain}>"
        msg["Auto-Submitted"] = "auto-generated"
        text = f"{intro}\n\n{labels.confirm_button}: {link}\n\n{labels.confirm_ignore}\n\n{self.settings.newsletter.postal_address}\n"
        msg.set_content(text, cte="quoted-printable")
        esc = html.escape
        body = (
            f'<!doctype html><html lang="{esc(self.settings.newsletter.language)}"><body style="font-family:sans-serif">'
            f'<p>{esc(intro)}</p><p><a href="{esc(link, quote=True)}" style="display:inline-block;'
            f"padding:10px 18px;background:{esc(self.settings.theme.accent_color)};color:#ffffff;"
            f'text-decoration:none;border-radius:4px">{esc(labels.confirm_button)}</a></p>'
            f"<p>{esc(labels.confirm_ignore)}</p><p><small>{esc(self.settings.newsletter.postal_address)}</small></p>"
            "</body></html>"
        )
        msg.add_alternative(body, subtype="html", cte="quoted-printable")
        return Envelope(self.sender.addr_spec, address, msg.as_bytes(policy=HEADER_POLICY), msg["Message-ID"])

    def _mail(self, address: str, base_url: str) -> None:
        try:
            connection = self.transport().connect()
            try:
                connection.send(self.message(address, base_url))
            finally:
                connection.close()
            log.info("sent a confirmation mail")
        except Exception as exc:
            log.warning("could not send a confirmation mail: %s", exc)


def form_fields(body: bytes, is_json: bool) -> tuple[str, str, str]:
    """(email, name, honeypot) from a submitted form body or JSON object (anything else: empty)."""
    fields: Mapping[str, object]
    if is_json:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = None
        fields = data if isinstance(data, dict) else {}
    else:
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    return (str(fields.get("email", ""))[:320], str(fields.get("name", ""))[:200], str(fields.get(HONEYPOT, "")))
