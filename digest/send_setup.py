"""A send from settings: what `digest send` and `digest run` call.

Resolves the issue, the recipients, the transport, the unsubscribe base and the message factory from
settings and the environment, then hands them to digest.send (the delivery engine). Also the dry run
(who would get what, nothing written) and the test copy (one message, no ledger).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from digest.config import Settings
from digest.errors import ConfigError, SendError, StateError
from digest.issue_store import BuiltIssue, load_issue
from digest.journal import lost_evidence
from digest.ledger import Ledger, read_states
from digest.message import MessageFactory
from digest.outbox import write_previews
from digest.progress import ProgressFn, no_progress
from digest.send import Plan, SendOptions, SendSummary, plan_send, send_issue
from digest.state import record_sent
from digest.subject import render_subject
from digest.subscribers import AddressError, Subscriber, SubscriberStore, load_recipients, normalize_address
from digest.tokens import SECRET_ENV, secret_from_env
from digest.transport import DeliveryError, OutboxTransport, Transport, make_transport
from digest.transports.base import ACCEPTED, is_batch

log = logging.getLogger(__name__)

LOCAL_UNSUBSCRIBE = "http://127.0.0.1:8080"  # `digest serve`'s default address, for outbox-only use


def options_from(settings: Settings, retry_failed: bool = False) -> SendOptions:
    """The run's limits from settings, validated."""
    if (
        settings.send.connections < 1
        or settings.send.attempts < 1
        or settings.send.rate < 0
        or settings.send.daily_cap < 0
    ):
        raise ConfigError("send.connections and send.attempts must be at least 1; rate and daily_cap 0 or more")
    return SendOptions(
        retry_failed=retry_failed,
        rate=settings.send.rate,
        daily_cap=settings.send.daily_cap,
        connections=settings.send.connections,
        attempts=settings.send.attempts,
        backoff=settings.send.backoff,
    )


def unsubscribe_base(settings: Settings, transport: Transport) -> str:
    """The public base URL of the unsubscribe endpoint; SMTP needs a real one."""
    url = settings.send.unsubscribe_url.strip()
    if not isinstance(transport, OutboxTransport):  # real mail: SMTP or an API
        if not url:
            raise ConfigError(
                "send.unsubscribe_url is not set: give the public https:// address of "
                "`digest serve` (one-click unsubscribe is required for bulk mail)"
            )
        host = urlsplit(url).hostname or ""
        if not url.startswith("https://") and host not in ("localhost", "127.0.0.1", "::1"):
            raise ConfigError(f"send.unsubscribe_url must use https:// (RFC 8058), not {url!r}")
    if not url:
        log.warning("send.unsubscribe_url is not set; outbox messages link to %s", LOCAL_UNSUBSCRIBE)
    return url or LOCAL_UNSUBSCRIBE


@dataclass(frozen=True)
class Prepared:
    """Everything one send needs, resolved from settings and the environment."""

    issue: BuiltIssue
    recipients: list[Subscriber]
    problems: list[str]
    factory: MessageFactory | None  # None for a dry run without DIGEST_SECRET
    transport: Transport
    store: SubscriberStore


def prepare(
    settings: Settings, ref: str, environ: Mapping[str, str], now: datetime, need_secret: bool = True
) -> Prepared:
    """Load the issue, the recipients and the transport, and check the secret and addresses."""
    issue = load_issue(ref, settings.build.out)
    send = settings.send
    transport = make_transport(
        send.smtp,
        send.outbox / issue.id,
        environ,
        api=send.api,
        api_endpoint=send.api_endpoint,
        connections=send.connections,
    )
    base = unsubscribe_base(settings, transport)
    secret = secret_from_env(environ) if need_secret or environ.get(SECRET_ENV) else None
    factory = None
    if secret is not None:
        factory = MessageFactory(
            issue,
            subject_template=settings.send.subject,
            sender=settings.newsletter.sender,
            reply_to=settings.newsletter.reply_to,
            list_id=settings.send.list_id,
            unsubscribe_url=base,
            unsubscribe_mailto=settings.send.unsubscribe_mailto,
            secret=secret,
            now=now,
        )
    store = SubscriberStore.in_state_dir(settings.build.state_dir)
    recipients, problems = load_recipients(settings.send.subscribers, store, now)
    return Prepared(issue, recipients, problems, factory, transport, store)


def dry_run(
    settings: Settings, ref: str, environ: Mapping[str, str], now: datetime, retry_failed: bool = False
) -> tuple[Prepared, Plan, str]:
    """Who would get what, without sending or writing anything: (prepared, plan, subject)."""
    prep = prepare(settings, ref, environ, now, need_secret=False)
    states = read_states(settings.build.state_dir, prep.issue.id)
    lost = (
        ""
        if states or isinstance(prep.transport, OutboxTransport)
        else lost_evidence(settings.build.state_dir, prep.issue.id)
    )
    if lost:
        prep.problems.append(
            f"the ledger has no record of {prep.issue.id}, but {lost}: a real send would stop "
            f"(restore the ledger, or `digest send {prep.issue.id} --reset`)"
        )
    plan = plan_send(prep.issue.id, prep.recipients, states, prep.store.suppressed_keys(), retry_failed)
    return prep, plan, render_subject(settings.send.subject, prep.issue)


def send_test_copy(settings: Settings, ref: str, to: str, environ: Mapping[str, str], now: datetime) -> str:
    """Send one copy to `to` without touching the ledger; return where it went."""
    prep = prepare(settings, ref, environ, now)
    try:
        address = normalize_address(to)
    except AddressError as exc:
        raise ConfigError(f"--to {to!r}: {exc}") from None
    known = {s.key: s for s in prep.recipients}
    sub = known.get(address.lower(), Subscriber(address))
    assert prep.factory is not None
    envelope = prep.factory.build(sub, test_copy=True)
    transport = prep.transport
    if is_batch(transport):
        batch_conn = transport.connect()
        try:
            outcome = batch_conn.send_batch(prep.factory, [sub], test_copy=True)[0]
        except DeliveryError as exc:
            raise SendError(f"test copy to {address} not accepted via {transport.describe()}: {exc}") from None
        finally:
            batch_conn.close()
        if outcome.status != ACCEPTED:
            raise SendError(
                f"test copy to {address} not accepted via {transport.describe()}: {outcome.code} {outcome.text}"
            )
        return f"test copy of {prep.issue.id} sent to {address} ({transport.describe()}: {outcome.text})"
    if isinstance(transport, OutboxTransport):  # never overwrite the real message for that address
        transport = OutboxTransport(transport.folder / "test")
    try:
        conn = transport.connect()
        try:
            reply = conn.send(envelope)
        finally:
            conn.close()
    except DeliveryError as exc:
        raise SendError(f"test copy to {address} not accepted via {transport.describe()}: {exc}") from None
    return f"test copy of {prep.issue.id} sent to {address} ({transport.describe()}: {reply.code} {reply.text})"


def send_from_settings(
    settings: Settings,
    ref: str,
    environ: Mapping[str, str],
    now: datetime,
    *,
    retry_failed: bool = False,
    stop: threading.Event | None = None,
    progress: ProgressFn = no_progress,
) -> SendSummary:
    """The whole `digest send`: prepare, lock, deliver, record and summarize; progress per recipient."""
    options = options_from(settings, retry_failed)
    prep = prepare(settings, ref, environ, now)
    assert prep.factory is not None
    if not prep.recipients:
        prep.problems.append("no subscribers: add some with `digest subscribers add` or pass --subscribers FILE")
    if isinstance(prep.transport, OutboxTransport):  # a preview: no ledger, nothing counts as sent
        summary = SendSummary(prep.issue.id, prep.transport.describe(), preview=True, notes=prep.problems)
        summary.sent, summary.suppressed = write_previews(
            prep.recipients, prep.factory, prep.transport, prep.store.suppressed_keys()
        )
        return summary
    ledger = Ledger.in_state_dir(settings.build.state_dir)
    try:
        summary = send_issue(
            prep.issue,
            prep.recipients,
            prep.factory,
            prep.transport,
            ledger,
            prep.store,
            options,
            settings.build.state_dir,
            started=now,
            stop=stop,
            progress=progress,
        )
    finally:
        ledger.close()
    if summary.sent or summary.skipped:
        # The issue has gone out: its articles must not appear in a later issue (see "New since the last issue").
        # Articles left out of the email to stay under the clip have not gone out: a later issue may carry them.
        try:
            record_sent(settings.build.state_dir, prep.issue.id, prep.issue.record.delivered_article_ids)
        except OSError as exc:
            raise StateError(
                f"{settings.build.state_dir}: {prep.issue.id} was sent, but its articles could not be "
                f"recorded ({exc.strerror or exc}); free space or fix permissions and rerun "
                "`digest send` to record them"
            ) from None
    summary.notes[:0] = prep.problems
    return summary
