"""Sending through an email API in batches, with the same exactly-once ledger as SMTP.

Each sending thread owns one API client and takes whole batches from a shared queue. A batch's
recipients are committed as `sending` in one transaction before the call and their per-recipient
results in one transaction after it, so a process killed during a call leaves exactly that batch
in `sending`: the next run sends it again (at most one repeated batch per concurrent call, each
message with its original Message-ID) and never skips anyone. Rejections of an address suppress
it; throttling pauses every thread and resumes; the rate and the daily cap hold across threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from digest.errors import SendError
from digest.issue_store import BuiltIssue
from digest.ledger import DEFERRED, FAILED, PENDING, SENDING, SENT, Ledger
from digest.message import MessageFactory
from digest.progress import ProgressFn, no_progress
from digest.send import (
    SUPPRESSION_REFRESH,
    Plan,
    RateLimiter,
    SendOptions,
    SendSummary,
    _Queue,
    open_run,
)
from digest.subscribers import HARD_BOUNCE, Subscriber, SubscriberStore
from digest.transport import ConnectionLost, TemporaryFailure
from digest.transports.base import (
    ACCEPTED,
    REJECTED,
    BatchConnection,
    BatchTransport,
    Outcome,
    Throttled,
)

log = logging.getLogger(__name__)

Batch = tuple[Subscriber, ...]


class BatchSender:
    """One run of one issue through an API: threads, their clients, the shared limits and counters."""

    def __init__(
        self,
        issue: BuiltIssue,
        factory: MessageFactory,
        transport: BatchTransport,
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
        self.clock, self.now = clock, now
        self.summary = SendSummary(issue.id, transport.describe())
        account_rate = transport.max_rate()  # read before anything is sent: a bad key stops here
        rates = [r for r in (options.rate, account_rate) if r > 0]
        self.rate = min(rates) if rates else 0.0
        if account_rate and (not options.rate or account_rate < options.rate):
            log.info("%s: the account allows %g messages per second", transport.describe(), account_rate)
        self.limiter = RateLimiter(self.rate, clock, sleep)
        self._lock = threading.Lock()
        self._fatal: BaseException | None = None
        self._cap_left = 0
        self._paused_until = 0.0
        self._failures = 0  # calls that failed in a row, over all threads
        self._suppressed: set[str] = set()
        self._suppressed_at = float("-inf")

    def _batches(self, todo: Sequence[Subscriber]) -> list[Batch]:
        size = max(1, self.transport.batch_size)
        budget = getattr(self.transport, "batch_bytes", 0)
        if budget:  # APIs that take whole messages: a call's body stays small whatever the issue's size
            per_message = len(self.issue.html.encode()) + len(self.issue.text.encode()) + 2048
            size = max(1, min(size, budget // per_message))
        if self.rate:  # a batch never holds more than one second's worth of the allowed rate
            size = max(1, min(size, int(self.rate)))
        return [tuple(todo[i : i + size]) for i in range(0, len(todo), size)]

    def run(self, plan: Plan) -> SendSummary:
        """Deliver to everyone in the plan and return the summary (the caller holds the issue lock)."""
        s = self.summary
        self._cap_left = open_run(s, plan, self.ledger, self.options.daily_cap, self.now())
        if not plan.todo:
            return s
        batches = self._batches(plan.todo)
        self._total = len(plan.todo)
        self.progress(0, self._total)
        queue: _Queue[Batch] = _Queue(batches, self.clock, self.stop)
        threads = [
            threading.Thread(target=self._work, args=(queue,), name=f"digest-api-{i}", daemon=True)
            for i in range(max(1, min(self.options.connections, len(batches))))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s.deferred += sum(len(b) for b in queue.items())
        if self._fatal:
            raise self._fatal
        return s

    def _work(self, queue: _Queue[Batch]) -> None:
        conn = self.transport.connect()
        try:
            while (item := queue.get()) is not None:
                batch, attempt = item
                retry = self._deliver(conn, batch, attempt)
                queue.done(retry)
                self._settle(len(batch) - (len(retry[0]) if retry else 0))
        except BaseException as exc:
            self._fatal = self._fatal or exc
            self.stop.set()
            queue.done()
        finally:
            conn.close()

    def _settle(self, n: int) -> None:
        with self._lock:
            self._settled += n
            done = self._settled
        self.progress(done, self._total)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.summary, name, getattr(self.summary, name) + n)

    def _still_wanted(self, batch: Batch) -> Batch:
        with self._lock:
            if self.clock() - self._suppressed_at > SUPPRESSION_REFRESH:
                self._suppressed = self.store.suppressed_keys()
                self._suppressed_at = self.clock()
            gone = [s for s in batch if s.key in self._suppressed]
            self.summary.suppressed += len(gone)
            return tuple(s for s in batch if s.key not in self._suppressed) if gone else batch

    def _take_cap(self, n: int) -> int:
        with self._lock:
            granted = max(0, min(n, self._cap_left))
            self._cap_left -= granted
            return granted

    def _wait_for_pause(self) -> None:
        while not self.stop.is_set():
            with self._lock:
                left = self._paused_until - self.clock()
            if left <= 0:
                return
            self.stop.wait(min(left, 0.5))

    def _deliver(self, conn: BatchConnection, batch: Batch, attempt: int) -> tuple[Batch, int, float] | None:
        issue = self.issue.id
        batch = self._still_wanted(batch)
        granted = self._take_cap(len(batch))
        if granted < len(batch):
            over = batch[granted:]
            self.ledger.mark_many(
                issue, ((s.key, DEFERRED, None, "daily cap reached; the next run continues", None) for s in over)
            )
            self._count("deferred", len(over))
            batch = batch[:granted]
        if not batch:
            return None
        self._wait_for_pause()
        if self.stop.is_set():
            self._give_back_cap(len(batch))
            return batch, attempt, 0.0  # counted as deferred by run()
        self.limiter.wait(len(batch))
        self.ledger.mark_many(
            issue, ((s.key, SENDING, None, "", self.factory.message_id(s)) for s in batch), attempted=True
        )
        try:
            outcomes = conn.send_batch(self.factory, batch)
        except (TemporaryFailure, ConnectionLost) as exc:
            return self._retry_later(batch, attempt, exc)
        except BaseException:
            # Not transmitted (a fatal error such as a rejected key): leave no false "sending" behind.
            self.ledger.mark_many(issue, ((s.key, PENDING, None, "run stopped by an error", None) for s in batch))
            raise
        with self._lock:
            self._failures = 0
        return self._record(batch, outcomes, attempt)

    def _record(self, batch: Batch, outcomes: list[Outcome], attempt: int) -> tuple[Batch, int, float] | None:
        issue = self.issue.id
        by_email = {o.recipient.lower(): o for o in outcomes}
        results = [(s, by_email.get(s.key)) for s in batch]
        rejected = [(s, o) for s, o in results if o is not None and o.status == REJECTED]
        if len(batch) > 1 and len(rejected) == len(batch) and len({o.text for _, o in rejected}) == 1:
            # Everyone refused for the same reason is about the sender or the content, not the addresses.
            self.ledger.mark_many(issue, ((s.key, PENDING, None, "run stopped by an error", None) for s in batch))
            raise SendError(
                f"{self.transport.describe()} refused every message of a batch "
                f"({rejected[0][1].code} {rejected[0][1].text}); nothing was suppressed"
            )
        rows: list[tuple[str, str, int | None, str, str | None]] = []
        again: list[Subscriber] = []
        for sub, outcome in results:
            if outcome is not None and outcome.status == ACCEPTED:
                rows.append((sub.key, SENT, outcome.code, outcome.text, None))
            elif outcome is not None and outcome.status == REJECTED:
                rows.append((sub.key, FAILED, outcome.code, outcome.text, None))
            else:
                why = outcome.text if outcome is not None else "no result for this recipient"
                rows.append((sub.key, DEFERRED, outcome.code if outcome else None, why, None))
                again.append(sub)
        self.ledger.mark_many(issue, rows)
        for sub, outcome in rejected:
            if outcome.suppress:
                self.store.suppress(sub.email, HARD_BOUNCE, f"{outcome.code} {outcome.text}")
            log.info("%s: failed (%s %s)", sub.email, outcome.code, outcome.text)
        self._count("sent", sum(1 for r in rows if r[1] == SENT))
        self._count("failed", len(rejected))
        if not again:
            return None
        self._give_back_cap(len(again))
        if attempt + 1 < self.options.attempts and not self.stop.is_set():
            return tuple(again), attempt + 1, min(self.options.backoff * 2**attempt, self.options.backoff_max)
        self._count("deferred", len(again))
        return None

    def _retry_later(self, batch: Batch, attempt: int, exc: Exception) -> tuple[Batch, int, float] | None:
        self._give_back_cap(len(batch))
        code = getattr(exc, "code", 0) or None
        self.ledger.mark_many(self.issue.id, ((s.key, DEFERRED, code, str(exc), None) for s in batch))
        delay = min(self.options.backoff * 2**attempt, self.options.backoff_max)
        with self._lock:
            self._failures += not isinstance(exc, Throttled)
            failures = self._failures
            if isinstance(exc, Throttled):  # every thread pauses, then the run resumes
                delay = min(max(delay, exc.retry_after), self.options.backoff_max)
                self._paused_until = max(self._paused_until, self.clock() + delay)
        if failures >= self.options.attempts * max(1, self.options.connections) and not self.stop.is_set():
            with self._lock:
                self.summary.notes.append(
                    f"{self.issue.id}: {self.transport.describe()} failed {failures} "
                    f"calls in a row ({exc}); stopped, the next run continues"
                )
            self.stop.set()
        if attempt + 1 < self.options.attempts and not self.stop.is_set():
            log.info("%d recipient(s): %s; retrying in %.1fs", len(batch), exc, delay)
            return batch, attempt + 1, delay
        log.info("%d recipient(s): deferred after %d attempts (%s)", len(batch), attempt + 1, exc)
        self._count("deferred", len(batch))
        return None

    def _give_back_cap(self, n: int) -> None:
        with self._lock:
            self._cap_left += n
