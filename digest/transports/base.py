"""The contract every HTTP email API transport meets: connections that send a batch and say, per
recipient, what became of each message.

A batch call either raises for the whole batch (Throttled, TemporaryFailure, ConnectionLost from
digest.transport; SendError for problems no retry fixes, such as a rejected key) or returns one
Outcome per recipient: accepted, rejected for good (`suppress` when the address itself is bad or
inactive), or to be retried later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeGuard

import requests

from digest.errors import SendError
from digest.message import Envelope, MessageFactory
from digest.subscribers import Subscriber
from digest.transport import ConnectionLost, PermanentFailure, Reply, TemporaryFailure

log = logging.getLogger(__name__)

ACCEPTED, REJECTED, RETRY = "accepted", "rejected", "retry"
TIMEOUT = (10.0, 120.0)  # (connect, read) seconds for one API call; a 500-message batch takes a while


@dataclass(frozen=True)
class Outcome:
    """What the API said about one recipient of a batch."""

    recipient: str
    status: str  # ACCEPTED, REJECTED or RETRY
    code: int = 200
    text: str = ""
    suppress: bool = False  # a rejection because of the address itself: never mail it again


class Throttled(TemporaryFailure):
    """The API asked the client to slow down (HTTP 429, SES throttling): wait, then resume."""

    def __init__(self, code: int, text: str, retry_after: float = 0.0):
        super().__init__(code, text)
        self.retry_after = retry_after


class BatchConnection(Protocol):
    """One client of an API (its own HTTP session), used by one sending thread."""

    def send_batch(
        self, factory: MessageFactory, batch: Sequence[Subscriber], test_copy: bool = False
    ) -> list[Outcome]:
        """Send one message per subscriber in as few calls as the API allows; one Outcome each."""

    def send(self, envelope: Envelope) -> Reply:
        """Send one complete message (a signup confirmation); raise a DeliveryError when it is refused."""

    def close(self) -> None:
        """Release the session (never raises)."""


class BatchTransport(Protocol):
    """An email API: how many recipients a call takes, its own rate limit, and connections."""

    batch_size: int

    def connect(self) -> BatchConnection:
        """A new client for one sending thread."""

    def describe(self) -> str:
        """Which API and endpoint, without credentials."""

    def max_rate(self) -> float:
        """The account's messages-per-second limit as the API reports it (0 = none known)."""


def is_batch(transport: object) -> TypeGuard[BatchTransport]:
    """True for transports that send batches through an API."""
    return hasattr(transport, "batch_size")


def retry_after(headers: Mapping[str, str], default: float = 1.0) -> float:
    """Seconds from a Retry-After header (a number), else the default."""
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return default


def post(session: requests.Session, url: str, where: str, credential: str, **kw: Any) -> requests.Response:
    """POST and map what no body can explain: network errors, 401/403, 429 and 5xx."""
    try:
        response = session.post(url, timeout=TIMEOUT, **kw)
    except requests.RequestException as exc:
        raise ConnectionLost(f"{where}: {exc.__class__.__name__}") from None
    if response.status_code in (401, 403):
        raise SendError(f"{where} rejected the credentials ({response.status_code}); check {credential}")
    if response.status_code == 429:
        raise Throttled(429, f"{where} is throttling ({_short(response.text)})", retry_after(response.headers))
    if response.status_code >= 500:
        raise TemporaryFailure(response.status_code, f"{where}: {_short(response.text)}")
    return response


def _short(text: str) -> str:
    return " ".join(text.split())[:200]


def error_text(response: requests.Response) -> str:
    """The API's error message from a JSON body, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return _short(response.text)
    if isinstance(body, dict):
        return _short(str(body.get("Message") or body.get("message") or body))
    return _short(str(body))


def reply_for(outcome: Outcome) -> Reply:
    """The Reply for one accepted message, or the DeliveryError its refusal means."""
    if outcome.status == ACCEPTED:
        return Reply(250, outcome.text or "accepted")
    if outcome.status == RETRY:
        raise TemporaryFailure(outcome.code, outcome.text)
    raise PermanentFailure(outcome.code or 550, outcome.text)
