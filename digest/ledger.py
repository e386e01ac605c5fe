"""The delivery ledger (SQLite, WAL): one row per (issue, recipient), and the per-issue send lock.

A row moves pending -> sending -> sent | deferred | failed. `sending` is committed before the
message is transmitted and `sent` only after the server's 250, so a run killed in between leaves
exactly the in-flight recipients in `sending`: the next run sends them again (at most one repeated
message per connection) and never skips anyone.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.errors import DigestError
from digest.statedb import guard_state_errors, open_schema, state_failure

LEDGER_FILE = "ledger.sqlite"
PENDING, SENDING, SENT, DEFERRED, FAILED = "pending", "sending", "sent", "deferred", "failed"
STATES = (PENDING, SENDING, SENT, DEFERRED, FAILED)
SCHEMA_VERSION = 1
_SCHEMA = """
    CREATE TABLE IF NOT EXISTS deliveries (
        issue TEXT NOT NULL, key TEXT NOT NULL, email TEXT NOT NULL,
        state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        code INTEGER, reply TEXT NOT NULL DEFAULT '', message_id TEXT,
        updated_at TEXT NOT NULL, sent_at TEXT,
        PRIMARY KEY (issue, key));
    CREATE INDEX IF NOT EXISTS deliveries_sent_at ON deliveries (sent_at)
"""
LEDGER_REMEDY = 'restore it from a backup (see "Damaged state" in docs/sending.md)'


class LockedError(DigestError):
    """Another process is already sending this issue (or running `digest run`)."""

    exit_code = 5


def _utc(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


@guard_state_errors("delivery ledger", LEDGER_REMEDY)
class Ledger:
    """Delivery states per (issue, recipient); safe to share between sender threads.

    `create=False` opens for reading only: nothing is written, and an empty file reads as no rows.
    """

    def __init__(self, path: Path, create: bool = True):
        self.path = path
        self._lock = threading.Lock()
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            if create:
                self._db.execute("PRAGMA journal_mode=WAL")
                # NORMAL: a commit survives the process being killed; only power loss can undo the last ones.
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._ready = open_schema(
                self._db,
                path,
                "delivery ledger",
                version=SCHEMA_VERSION,
                tables=("deliveries",),
                create_sql=_SCHEMA,
                create=create,
            )
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Ledger:
        """The ledger kept in the configured state directory."""
        return cls(Path(state_dir) / LEDGER_FILE)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def states(self, issue: str) -> dict[str, str]:
        """{recipient key: state} for every row of an issue."""
        if not self._ready:
            return {}
        with self._lock:
            return dict(self._db.execute("SELECT key, state FROM deliveries WHERE issue=?", (issue,)))

    def ensure(self, issue: str, recipients: Iterable[tuple[str, str]]) -> None:
        """Add a pending row for each (key, email) that has none yet."""
        now = _utc()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (issue, key, email, state, updated_at) VALUES (?, ?, ?, ?, ?)",
                ((issue, key, email, PENDING, now) for key, email in recipients),
            )
            self._db.execute("COMMIT")

    def mark(
        self,
        issue: str,
        key: str,
        state: str,
        *,
        code: int | None = None,
        reply: str = "",
        message_id: str | None = None,
        attempted: bool = False,
    ) -> None:
        """Record a recipient's new state (committed before returning)."""
        if state not in STATES:
            raise ValueError(state)
        now = _utc()
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET state=?, code=COALESCE(?, code), reply=?, "
                "message_id=COALESCE(?, message_id), attempts=attempts+?, updated_at=?, "
                "sent_at=CASE WHEN ?='sent' THEN ? ELSE sent_at END WHERE issue=? AND key=?",
                (state, code, _clean_reply(reply), message_id, int(attempted), now, state, now, issue, key),
            )

    def mark_many(
        self, issue: str, rows: Iterable[tuple[str, str, int | None, str, str | None]], *, attempted: bool = False
    ) -> None:
        """Record (key, state, code, reply, message_id) for many recipients in one commit (a batch)."""
        now = _utc()
        params = []
        for key, state, code, reply, message_id in rows:
            if state not in STATES:
                raise ValueError(state)
            params.append((state, code, _clean_reply(reply), message_id, int(attempted), now, state, now, issue, key))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "UPDATE deliveries SET state=?, code=COALESCE(?, code), reply=?, "
                "message_id=COALESCE(?, message_id), attempts=attempts+?, updated_at=?, "
                "sent_at=CASE WHEN ?='sent' THEN ? ELSE sent_at END WHERE issue=? AND key=?",
                params,
            )
            self._db.execute("COMMIT")

    def sent_since(self, since: datetime) -> int:
        """How many messages (any issue) were accepted since a moment: the daily cap's count."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM deliveries WHERE sent_at >= ?", (_utc(since),)).fetchone()[0]

    def sent_in_last_day(self, now: datetime) -> int:
        """Messages accepted in the 24 hours before `now` (a rolling window, as providers count)."""
        return self.sent_since(now - timedelta(days=1))

    def counts(self, issue: str) -> dict[str, int]:
        """{state: number of recipients} for an issue."""
        if not self._ready:
            return {}
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM deliveries WHERE issue=? GROUP BY state", (issue,))
            return {state: n for state, n in rows}

    def clear(self, issue: str) -> dict[str, int]:
        """Delete every row of an issue (starting it over); returns the {state: rows} that were removed."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "SELECT state, COUNT(*) FROM deliveries WHERE issue=? GROUP BY state", (issue,)
                ).fetchall()
                self._db.execute("DELETE FROM deliveries WHERE issue=?", (issue,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return {state: n for state, n in rows}

    def rows(self, issue: str, states: Iterable[str] = STATES) -> list[tuple[str, str, int | None, str]]:
        """(email, state, code, reply) for an issue's rows in the given states."""
        wanted = tuple(states)
        marks = ",".join("?" * len(wanted))
        with self._lock:
            return self._db.execute(
                f"SELECT email, state, code, reply FROM deliveries WHERE issue=? AND state IN ({marks}) ORDER BY rowid",
                (issue, *wanted),
            ).fetchall()


def read_states(state_dir: Path, issue: str) -> dict[str, str]:
    """An issue's {key: state} without creating or changing anything (for status and --dry-run)."""
    path = Path(state_dir) / LEDGER_FILE
    if not path.exists():
        return {}
    ledger = Ledger(path, create=False)
    try:
        return ledger.states(issue)
    finally:
        ledger.close()


def _clean_reply(reply: str) -> str:
    return " ".join(str(reply).split())[:500]


class FileLock:
    """An exclusive, non-blocking flock on a file; the kernel releases it even after SIGKILL."""

    def __init__(self, path: Path, what: str):
        self.path = path
        self.what = what
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise state_failure(self.path, "lock file", exc, "check the state directory") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise LockedError(
                f"{self.what} is already in progress (process {holder}, lock {self.path}); nothing was done"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except OSError as exc:
            os.close(fd)
            raise state_failure(self.path, "lock file", exc, "check the state directory") from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def issue_lock(state_dir: Path, issue: str) -> FileLock:
    """The lock that keeps two processes from sending the same issue at once."""
    safe = re.sub(r"[^0-9A-Za-z_-]", "_", issue)
    return FileLock(Path(state_dir) / "locks" / f"send-{safe}.lock", f"sending {issue}")
