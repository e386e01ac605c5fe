"""Sending an issue to every subscriber exactly once: plan, lock, deliver, record, summarize.

Workers (one per SMTP connection) take recipients from a shared queue. Every outcome is
committed to the ledger before the next message: `sending` before transmission, `sent` only
after the server accepted. 4xx replies and dropped connections go back into the queue with
exponential backoff and a fresh connection; 5xx marks the recipient failed (a hard bounce
also suppresses the address); a rate limit, a rolling 24-hour cap and a stop event bound the run.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from digest.errors import SendError
from digest.issue_store import BuiltIssue
from digest.journal import record_started, refuse_if_lost
from digest.ledger import DEFERRED, FAILED, PENDING, SENDING, SENT, Ledger, issue_lock
from digest.message import MessageFactory
from digest.progress import ProgressFn, no_progress
from digest.subscribers import (
    HARD_BOUNCE,
    Subscriber,
    SubscriberStore,
)
from digest.transport import (
    Connection,
    ConnectionLost,
    DeliveryError,
    PermanentFailure,
    Reply,
    TemporaryFailure,
    Transport,
)
from digest.transports.base import is_batch

log = logging.getLogger(__name__)

EXIT_UNDELIVERED = 4
SUPPRESSION_REFRESH = 10.0  # seconds between re-reads of the suppression list during a run


@dataclass(frozen=True)
class SendOptions:
    """How a run may use the server: retries, backoff, rate, daily cap, connections."""

    retry_failed: bool = False
    rate: float = 0.0  # messages per second over all connections, 0 = unlimited
    daily_cap: int = 0  # messages per rolling 24 hours over all issues, 0 = unlimited
    connections: int = 1
    attempts: int = 5  # per recipient and run, the first try included
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    backoff_max: float = 300.0


@dataclass(frozen=True)
class Plan:
    """Who gets the issue in this run, and who does not and why."""

    issue: str
    todo: tuple[Subscriber, ...]
    already_sent: int
    suppressed: int
    failed_before: int  # failed in an earlier run and not retried
    in_doubt: int  # in flight when an earlier run stopped: sent again


@dataclass
class SendSummary:
    """What a run did; `undelivered` decides the exit status."""

    issue: str
    transport: str
    sent: int = 0
    skipped: int = 0  # accepted by the server in an earlier run
    suppressed: int = 0
    deferred: int = 0
    failed: int = 0
    resent_in_doubt: int = 0
    problems: list[str] = field(default_factory=list)  # one line per undelivered recipient
    notes: list[str] = field(default_factory=list)  # warnings for the editor (bad CSV rows, ...)
    preview: bool = False  # written to the outbox: nothing was delivered or recorded

    @property
    def undelivered(self) -> int:
        """Recipients who still have not received the issue."""
        return self.deferred + self.failed

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        if self.preview:
            return (
                f"{self.issue}: wrote {self.sent} preview(s), suppressed {self.suppressed} ({self.transport}); "
                "nothing was delivered or recorded as sent"
            )
        return (
            f"{self.issue}: sent {self.sent}, skipped {self.skipped}, deferred {self.deferred}, "
            f"failed {self.failed}, suppressed {self.suppressed} ({self.transport})"
        )


def plan_send(
    issue: str, recipients: list[Subscriber], states: dict[str, str], suppressed: set[str], retry_failed: bool = False
) -> Plan:
    """Split recipients by their ledger state; pure, so --dry-run and the real run agree."""
    todo, sent, blocked, failed, doubt = [], 0, 0, 0, 0
    for sub in recipients:
        state = states.get(sub.key, PENDING)
        if sub.key in suppressed:
            blocked += 1
        elif state == SENT:
            sent += 1
        elif state == FAILED and not retry_failed:
            failed += 1
        else:
            doubt += state == SENDING
            todo.append(sub)
    return Plan(issue, tuple(todo), sent, blocked, failed, doubt)


class RateLimiter:
    """Spaces messages at least 1/rate seconds apart across every worker."""

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, n: int = 1) -> None:
        """Block until this caller's slot comes (a batch of n messages takes n slots)."""
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + self.interval * n
        if slot > now:
            self.sleep(slot - now)


Item = TypeVar("Item")  # a recipient (SMTP) or a batch of recipients (an email API)


class _Queue(Generic[Item]):
    """Recipients due now or later (after a backoff); ends when empty and nothing is in flight."""

    def __init__(self, items: list[Item], clock: Callable[[], float], stop: threading.Event):
        self._seq = itertools.count()
        self._heap = [(0.0, next(self._seq), sub, 0) for sub in items]
        self._busy = 0
        self._cond = threading.Condition()
        self.clock = clock
        self.stop = stop

    def get(self) -> tuple[Item, int] | None:
        """The next due (subscriber, attempt), waiting for backoffs; None when the run is over."""
        with self._cond:
            while True:
                if self.stop.is_set() or (not self._heap and not self._busy):
                    self._cond.notify_all()
                    return None
                if self._heap:
                    due, _, sub, attempt = self._heap[0]
                    wait = due - self.clock()
                    if wait <= 0:
                        heapq.heappop(self._heap)
                        self._busy += 1
                        return sub, attempt
                    self._cond.wait(min(wait, 0.5))
                else:
                    self._cond.wait(0.5)

    def done(self, retry: tuple[Item, int, float] | None = None) -> None:
        """Finish an item, optionally putting it back (subscriber, next attempt, delay)."""
        with self._cond:
            self._busy -= 1
            if retry:
                sub, attempt, delay = retry
                heapq.heappush(self._heap, (self.clock() + delay, next(self._seq), sub, attempt))
            self._cond.notify_all()

    def left(self) -> int:
        """How many recipients were still waiting when the run ended."""
        with self._cond:
            return len(self._heap)

    def items(self) -> list[Item]:
        """The items still waiting when the run ended."""
        with self._cond:
            return [entry[2] for entry in self._heap]


def open_run(summary: SendSummary, plan: Plan, ledger: Ledger, daily_cap: int, now: datetime) -> int:
    """Count what the plan leaves out into the summary; return how many messages the daily cap allows now."""
    summary.skipped, summary.suppressed, summary.failed, summary.resent_in_doubt = (
        plan.already_sent,
        plan.suppressed,
        plan.failed_before,
        plan.in_doubt,
    )
    if plan.in_doubt:
        summary.notes.append(
            f"{plan.issue}: {plan.in_doubt} recipient(s) were in flight when an earlier run stopped; sending again"
        )
    return daily_cap - ledger.sent_in_last_day(now) if daily_cap else len(plan.todo) + 1


class Sender:
    """One run of one issue: the workers, their connections and the shared counters."""

    def __init__(
        self,
        issue: BuiltIssue,
        factory: MessageFactory,
        transport: Transport,
        ledger: Ledger,
        store: SubscriberStore,
        options: SendOptions,
        *,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: ProgressFn = no_progress,
    ):
        self.issue, self.factory, self.transport = issue, factory, transport
        self.progress, self._settled, self._total = progress, 0, 0  # recipients done (sent, failed, ...) of total
        self.ledger, self.store, self.options = ledger, store, options
        self.stop = stop or threading.Event()
        self.clock, self.sleep, self.now = clock, sleep, now
        self.limiter = RateLimiter(options.rate, clock, sleep)
        self.summary = SendSummary(issue.id, transport.describe())
        self._lock = threading.Lock()
        self._fatal: BaseException | None = None
        self._cap_left = 0
        self._suppressed: set[str] = set()
        self._suppressed_at = float("-inf")
        self._connect_fails = 0  # connection attempts that failed in a row, over all workers

    def run(self, plan: Plan) -> SendSummary:
        """Deliver to everyone in the plan and return the summary (the caller holds the issue lock)."""
        s = self.summary
        self._cap_left = open_run(s, plan, self.ledger, self.options.daily_cap, self.now())
        if not plan.todo:
            return s
        self._total = len(plan.todo)
        first = self._connect_first()
        self.progress(0, self._total)
        queue: _Queue[Subscriber] = _Queue(list(plan.todo), self.clock, self.stop)
        workers = [
            threading.Thread(
                target=self._work, args=(queue, first if i == 0 else None), name=f"digest-send-{i}", daemon=True
            )
            for i in range(max(1, min(self.options.connections, len(plan.todo))))
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        s.deferred += queue.left()  # the run stopped early: they keep their state for the next run
        if self._fatal:
            raise self._fatal
        return s

    def _connect_first(self) -> Connection:
        # A server that cannot be reached at all is a configuration problem: stop before sending anything.
        try:
            return self.transport.connect()
        except DeliveryError as exc:
            raise SendError(f"cannot start sending via {self.transport.describe()}: {exc}") from None

    def _unsubscribed_meanwhile(self, sub: Subscriber) -> bool:
        # A long run re-reads the suppression list now and then: an unsubscribe takes effect mid-run.
        with self._lock:
            if self.clock() - self._suppressed_at > SUPPRESSION_REFRESH:
                self._suppressed = self.store.suppressed_keys()
                self._suppressed_at = self.clock()
            return sub.key in self._suppressed

    def _take_cap(self) -> bool:
        with self._lock:
            if self._cap_left <= 0:
                return False
            self._cap_left -= 1
            return True

    def _settle(self) -> None:
        with self._lock:
            self._settled += 1
            done = self._settled
        self.progress(done, self._total)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.summary, name, getattr(self.summary, name) + n)

    def _work(self, queue: _Queue[Subscriber], conn: Connection | None) -> None:
        try:
            while (item := queue.get()) is not None:
                sub, attempt = item
                conn, retry = self._deliver(conn, sub, attempt)
                queue.done(retry)
                if retry is None:
                    self._settle()
        except BaseException as exc:  # a fatal error stops every worker; run() re-raises it
            self._fatal = self._fatal or exc
            self.stop.set()
            queue.done()
        finally:
            if conn is not None:
                conn.close()

    def _deliver(
        self, conn: Connection | None, sub: Subscriber, attempt: int
    ) -> tuple[Connection | None, tuple[Subscriber, int, float] | None]:
        issue = self.issue.id
        if self._unsubscribed_meanwhile(sub):
            self._count("suppressed")
            return conn, None
        if not self._take_cap():
            self.ledger.mark(issue, sub.key, DEFERRED, reply="daily cap reached; the next run continues")
            self._count("deferred")
            return conn, None
        self.limiter.wait()
        envelope = None
        try:
            if conn is None:
                conn = self._reconnect()
            envelope = self.factory.build(sub)
            self.ledger.mark(issue, sub.key, SENDING, message_id=envelope.message_id, attempted=True)
            reply: Reply = conn.send(envelope)
        except PermanentFailure as exc:
            self.ledger.mark(issue, sub.key, FAILED, code=exc.code, reply=exc.text)
            if exc.hard_bounce:
                self.store.suppress(sub.email, HARD_BOUNCE, f"{exc.code} {exc.text}")
            log.info("%s: failed (%s)", sub.email, exc)
            self._count("failed")
            return conn, None
        except (TemporaryFailure, ConnectionLost) as exc:
            self._give_back_cap()
            if isinstance(exc, ConnectionLost) or exc.code == 421:  # the server is closing: start afresh
                if conn is not None:
                    conn.close()
                conn = None
            # Deferred, not pending: a kill during the backoff leaves an honest state behind.
            self.ledger.mark(issue, sub.key, DEFERRED, code=exc.code or None, reply=str(exc))
            if attempt + 1 < self.options.attempts and not self.stop.is_set():
                delay = min(self.options.backoff * 2**attempt, self.options.backoff_max)
                log.info("%s: %s; retrying in %.1fs", sub.email, exc, delay)
                return conn, (sub, attempt + 1, delay)
            log.info("%s: deferred after %d attempts (%s)", sub.email, attempt + 1, exc)
            self._count("deferred")
            return conn, None
        except BaseException:
            if envelope is not None:  # not transmitted (fatal error): leave no false "sending" behind
                self.ledger.mark(issue, sub.key, PENDING, reply="run stopped by an error")
            raise
        self.ledger.mark(issue, sub.key, SENT, code=reply.code, reply=reply.text)
        self._count("sent")
        return conn, None

    def _reconnect(self) -> Connection:
        # Failed connections back off like retries do, and `attempts` of them in a row stop the run:
        # an outage (or a firewall that swallows packets) must not cost every recipient its own
        # timeouts and retries. What is left stays deferred/pending for the next run.
        with self._lock:
            fails = self._connect_fails
        if fails:
            self.stop.wait(min(self.options.backoff * 2 ** (fails - 1), self.options.backoff_max))
            if self.stop.is_set():
                raise ConnectionLost("run stopped before reconnecting")
        try:
            conn = self.transport.connect()
        except (TemporaryFailure, ConnectionLost) as exc:
            with self._lock:
                self._connect_fails += 1
                give_up = self._connect_fails >= self.options.attempts and not self.stop.is_set()
                if give_up:
                    self.summary.notes.append(
                        f"{self.issue.id}: could not connect to {self.transport.describe()} "
                        f"{self._connect_fails} times in a row ({exc}); stopped, the next run continues"
                    )
                    self.stop.set()
            raise
        with self._lock:
            self._connect_fails = 0
        return conn

    def _give_back_cap(self) -> None:
        with self._lock:
            self._cap_left += 1


def send_issue(
    issue: BuiltIssue,
    recipients: list[Subscriber],
    factory: MessageFactory,
    transport: Transport,
    ledger: Ledger,
    store: SubscriberStore,
    options: SendOptions,
    state_dir: Path,
    started: datetime | None = None,
    **kw: Any,
) -> SendSummary:
    """Lock the issue, plan from the ledger and suppression list, deliver, and summarize."""
    with issue_lock(state_dir, issue.id):
        # Before any row is added: an issue with no rows that other records show as sent lost its ledger.
        refuse_if_lost(state_dir, issue.id, len(ledger.states(issue.id)))
        suppressed = store.suppressed_keys()
        allowed = [s for s in recipients if s.key not in suppressed]
        ledger.ensure(issue.id, ((s.key, s.email) for s in allowed))
        plan = plan_send(issue.id, recipients, ledger.states(issue.id), suppressed, options.retry_failed)
        if plan.todo:
            record_started(state_dir, issue.id, started or datetime.now(UTC))
        if is_batch(transport):
            from digest.batch_send import BatchSender

            summary = BatchSender(issue, factory, transport, ledger, store, options, **kw).run(plan)
        else:
            summary = Sender(issue, factory, transport, ledger, store, options, **kw).run(plan)
    wanted = {s.key for s in allowed}
    gone = store.suppressed_keys()  # unsubscribed during the run: no longer owed the issue
    summary.problems = [
        f"{email}: {state} ({code or '-'} {reply})".rstrip()
        for email, state, code, reply in ledger.rows(issue.id, (DEFERRED, FAILED, PENDING, SENDING))
        if email.lower() in wanted and (state == FAILED or email.lower() not in gone)
    ]
    return summary
