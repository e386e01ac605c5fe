"""Subscribers from a CSV file or the SQLite list, each address's status, and the suppression list.

Every address on the list has a status: `unconfirmed` (signed up, link not yet followed),
`active`, or `paused` until a date; a suppression (unsubscribe, bounce, complaint, removal)
overrides it and records its reason, source and time. Only active addresses, and paused ones
whose date has passed, receive issues. The database carries its schema version in
`PRAGMA user_version`; an older list is migrated in place when opened.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest.addresses import AddressError, Subscriber, clean_name, dedupe, normalize_address
from digest.statedb import guard_state_errors, open_schema
from digest.subscriber_csv import read_csv

if TYPE_CHECKING:
    from digest.imports import ImportRow

log = logging.getLogger(__name__)

STORE_FILE = "subscribers.sqlite"
HARD_BOUNCE = "hard-bounce"
UNSUBSCRIBED = "unsubscribed"
REMOVED = "removed"
COMPLAINT = "complaint"
SOFT_BOUNCE = "soft-bounce"
UNCONFIRMED, ACTIVE, PAUSED, SUPPRESSED = "unconfirmed", "active", "paused", "suppressed"
STATUSES = (UNCONFIRMED, ACTIVE, PAUSED, SUPPRESSED)
SCHEMA_VERSION = 3

__all__ = ["AddressError", "Subscriber", "clean_name", "dedupe", "normalize_address"]  # re-exported


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ImportCounts:
    """What an import did: rows added, updated, left unchanged, suppressed as the export marked them,
    and how many of the mailable rows were already suppressed here."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: int = 0
    already_suppressed: int = 0


@dataclass(frozen=True)
class Entry:
    """One address as the list sees it: its status and, when suppressed, why, by what, and when."""

    email: str
    name: str
    status: str
    reason: str | None
    source: str
    changed_at: str
    paused_until: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The documented JSON form (see docs/subscribers.md)."""
        return {
            "email": self.email,
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "source": self.source or None,
            "changed_at": self.changed_at or None,
            "paused_until": self.paused_until,
        }


_CREATE = """
CREATE TABLE IF NOT EXISTS subscribers (
    key TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active', paused_until TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '', changed_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS suppressions (
    key TEXT PRIMARY KEY, email TEXT NOT NULL, reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', at TEXT NOT NULL, source TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS soft_bounces (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS confirmations (key TEXT PRIMARY KEY, sent_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS soft_bounce_issues (key TEXT NOT NULL, issue TEXT NOT NULL, PRIMARY KEY (key, issue));
"""
# Version 1 (no user_version set) had subscribers and suppressions without status, source or times.
_FROM_V1 = """
ALTER TABLE subscribers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE subscribers ADD COLUMN paused_until TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN changed_at TEXT NOT NULL DEFAULT '';
UPDATE subscribers SET changed_at = added_at, source = 'list';
ALTER TABLE suppressions ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE suppressions SET source = CASE reason WHEN 'hard-bounce' THEN 'smtp' WHEN 'removed' THEN 'cli'
    WHEN 'unsubscribed' THEN 'one-click' ELSE '' END;
"""


@guard_state_errors(
    "subscriber list",
    "restore it from a backup, or move it aside and import your list again "
    "(the suppression list in it is lost then: keep the old file)",
)
class SubscriberStore:
    """The SQLite subscriber list and suppression list under the state directory."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            open_schema(
                db,
                path,
                "subscriber list",
                version=SCHEMA_VERSION,
                tables=("subscribers", "suppressions"),
                create_sql=_CREATE,
                migrations={1: _FROM_V1, 2: "SELECT 1"},
            )  # 2 -> 3 only adds a table

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> SubscriberStore:
        """The store kept in the configured state directory."""
        return cls(Path(state_dir) / STORE_FILE)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, subscriber: Subscriber, status: str = ACTIVE, source: str = "cli") -> bool:
        """Add or update a subscriber; True when the address is new to the list.

        An existing address keeps its status, except that an editor's add (status active)
        confirms an unconfirmed one.
        """
        with closing(self._connect()) as db, db:
            return self._upsert(db, subscriber, status, source, _now())

    def _upsert(self, db: sqlite3.Connection, subscriber: Subscriber, status: str, source: str, now: str) -> bool:
        cur = db.execute(
            "INSERT INTO subscribers (key, email, name, attributes, added_at, status, source, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (
                subscriber.key,
                subscriber.email,
                subscriber.name,
                json.dumps(subscriber.attributes),
                now,
                status,
                source,
                now,
            ),
        )
        if cur.rowcount:
            return True
        db.execute(
            "UPDATE subscribers SET name=?, attributes=? WHERE key=?",
            (subscriber.name, json.dumps(subscriber.attributes), subscriber.key),
        )
        if status == ACTIVE:
            db.execute(
                "UPDATE subscribers SET status=?, source=?, changed_at=? WHERE key=? AND status=?",
                (ACTIVE, source, now, subscriber.key, UNCONFIRMED),
            )
        return False

    def import_rows(self, rows: Iterable[ImportRow], source: str) -> ImportCounts:
        """Write an export's rows in one transaction; marked rows go straight to suppression."""
        now = _now()
        inserts, updates, confirms, suppress = [], [], [], []
        added = updated = unchanged = 0
        with closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")  # one transaction: one fsync, and nobody sees half an import
            existing = {
                k: (n, a, s) for k, n, a, s in db.execute("SELECT key, name, attributes, status FROM subscribers")
            }
            blocked = {k for (k,) in db.execute("SELECT key FROM suppressions")}
            already = 0
            for row in rows:
                sub = row.subscriber
                if row.suppressed:
                    suppress.append((sub.key, sub.email, row.status, f"line {row.line}", now, source))
                    continue
                already += sub.key in blocked
                attributes = json.dumps(sub.attributes, ensure_ascii=False)
                old = existing.get(sub.key)
                if old is None:
                    existing[sub.key] = (sub.name, attributes, row.status)
                    inserts.append((sub.key, sub.email, sub.name, attributes, now, row.status, source, now))
                    added += 1
                    continue
                confirm = row.status == ACTIVE and old[2] == UNCONFIRMED
                if old[0] == sub.name and json.loads(old[1]) == sub.attributes and not confirm:
                    unchanged += 1
                    continue
                updates.append((sub.name, attributes, sub.key))
                if confirm:
                    confirms.append((ACTIVE, source, now, sub.key, UNCONFIRMED))
                updated += 1
            db.executemany(
                "INSERT INTO subscribers (key, email, name, attributes, added_at, status, source, "
                "changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            db.executemany("UPDATE subscribers SET name=?, attributes=? WHERE key=?", updates)
            db.executemany("UPDATE subscribers SET status=?, source=?, changed_at=? WHERE key=? AND status=?", confirms)
            db.executemany(
                "INSERT OR IGNORE INTO suppressions (key, email, reason, detail, at, source) VALUES (?, ?, ?, ?, ?, ?)",
                suppress,
            )
        return ImportCounts(added, updated, unchanged, len(suppress), already)

    def add_unconfirmed(self, subscriber: Subscriber, source: str = "signup") -> bool:
        """Put a signup on the list as unconfirmed; an address already there is left as it is."""
        now = _now()
        with closing(self._connect()) as db, db:
            return (
                db.execute(
                    "INSERT INTO subscribers (key, email, name, attributes, added_at, status, source, changed_at)"
                    " VALUES (?, ?, ?, '{}', ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                    (subscriber.key, subscriber.email, subscriber.name, now, UNCONFIRMED, source, now),
                ).rowcount
                > 0
            )

    def set_status(self, email: str, status: str, source: str, paused_until: datetime | None = None) -> bool:
        """Change an address's status (active, unconfirmed or paused until a date); True when it is listed."""
        until = _stamp(paused_until) if status == PAUSED and paused_until else ""
        with closing(self._connect()) as db, db:
            return (
                db.execute(
                    "UPDATE subscribers SET status=?, paused_until=?, source=?, changed_at=? WHERE key=?",
                    (status, until, source, _now(), email.lower()),
                ).rowcount
                > 0
            )

    def status(self, email: str, now: datetime | None = None) -> str | None:
        """The address's status now (suppressed wins), or None when it is unknown."""
        for entry in self.entries(now, only=email.lower()):
            return entry.status
        return None

    def claim_confirmation(self, email: str, interval: float, now: float) -> bool:
        """True (and the time recorded) when no confirmation mail went to the address in `interval` s."""
        with closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")  # two requests at once cannot both claim it
            row = db.execute("SELECT sent_at FROM confirmations WHERE key=?", (email.lower(),)).fetchone()
            if row and now - float(row[0]) < interval:
                return False
            db.execute("INSERT OR REPLACE INTO confirmations (key, sent_at) VALUES (?, ?)", (email.lower(), str(now)))
            return True

    def contains(self, email: str) -> bool:
        """True when the address is on the list."""
        with closing(self._connect()) as db:
            return db.execute("SELECT 1 FROM subscribers WHERE key=?", (email.lower(),)).fetchone() is not None

    def remove(self, email: str) -> bool:
        """Delete an address from the list; True when it was there."""
        with closing(self._connect()) as db, db:
            return db.execute("DELETE FROM subscribers WHERE key=?", (email.lower(),)).rowcount > 0

    def all(self) -> list[Subscriber]:
        """Every subscriber on the list whatever its status, in the order they were added."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT email, name, attributes FROM subscribers ORDER BY added_at, rowid").fetchall()
        return [Subscriber(e, n, json.loads(a)) for e, n, a in rows]

    def receiving(self, now: datetime | None = None, with_suppressed: bool = False) -> list[Subscriber]:
        """The subscribers an issue goes to: active, or paused until a time already past; not suppressed
        (unless `with_suppressed`, for counting them)."""
        unsuppressed = "" if with_suppressed else " AND key NOT IN (SELECT key FROM suppressions)"
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT email, name, attributes FROM subscribers WHERE (status=? OR (status=? AND paused_until<=?))"
                f"{unsuppressed} ORDER BY added_at, rowid",
                (ACTIVE, PAUSED, _stamp(now)),
            ).fetchall()
        return [Subscriber(e, n, json.loads(a)) for e, n, a in rows]

    def held_keys(self, now: datetime | None = None) -> set[str]:
        """Addresses that asked for a pause still running (honoured for a CSV list too)."""
        with closing(self._connect()) as db:
            return {
                k
                for (k,) in db.execute(
                    "SELECT key FROM subscribers WHERE status=? AND paused_until>?", (PAUSED, _stamp(now))
                )
            }

    def entries(self, now: datetime | None = None, only: str | None = None) -> list[Entry]:
        """Every known address (listed or suppressed) with its status now, in the order they appeared."""
        stamp = _stamp(now)
        where = "WHERE key=?" if only else ""
        args = (only,) if only else ()
        with closing(self._connect()) as db:
            listed = db.execute(
                f"SELECT key, email, name, status, paused_until, source, changed_at, added_at "
                f"FROM subscribers {where} ORDER BY added_at, rowid",
                args,
            ).fetchall()
            blocked = {
                row[0]: row[1:]
                for row in db.execute(
                    f"SELECT key, email, reason, source, at FROM suppressions {where} ORDER BY at, rowid", args
                )
            }
        out = []
        for key, email, name, status, until, source, changed, added in listed:
            if key in blocked:
                _, reason, by, at = blocked.pop(key)
                out.append(Entry(email, name, SUPPRESSED, reason, by, at))
            elif status == PAUSED and until and until <= stamp:
                out.append(Entry(email, name, ACTIVE, None, source, until))  # the pause is over
            else:
                out.append(
                    Entry(email, name, status, None, source, changed or added, until if status == PAUSED else None)
                )
        out.extend(Entry(email, "", SUPPRESSED, reason, by, at) for email, reason, by, at in blocked.values())
        return out

    def suppress(self, email: str, reason: str, detail: str = "", source: str = "") -> bool:
        """Record that an address must never be mailed again; True when it is newly suppressed."""
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT OR IGNORE INTO suppressions (key, email, reason, detail, at, source) VALUES (?, ?, ?, ?, ?, ?)",
                (email.lower(), email, reason, detail[:500], _now(), source or detail[:100]),
            )
            return cur.rowcount > 0

    def soft_bounce(self, email: str, issue: str, limit: int, detail: str, source: str) -> bool:
        """Count a soft bounce of one issue (repeats of that issue count once); True when it is the
        `limit`-th issue in a row and the address is now suppressed."""
        key, now = email.lower(), _now()
        with closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT OR IGNORE INTO soft_bounce_issues (key, issue) VALUES (?, ?)", (key, issue))
            (count,) = db.execute("SELECT count(*) FROM soft_bounce_issues WHERE key=?", (key,)).fetchone()
            db.execute("INSERT OR REPLACE INTO soft_bounces (key, count, last_at) VALUES (?, ?, ?)", (key, count, now))
            if count < limit:
                return False
            return (
                db.execute(
                    "INSERT OR IGNORE INTO suppressions (key, email, reason, detail, at, source) VALUES (?, ?, ?, ?, ?, ?)",
                    (key, email, SOFT_BOUNCE, detail[:500], now, source),
                ).rowcount
                > 0
            )

    def delivered(self, email: str) -> None:
        """An issue reached the address: its run of soft bounces starts again from zero."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM soft_bounce_issues WHERE key=?", (email.lower(),))
            db.execute("DELETE FROM soft_bounces WHERE key=?", (email.lower(),))

    def soft_bounces(self, email: str) -> int:
        """How many issues in a row soft-bounced for the address."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT count FROM soft_bounces WHERE key=?", (email.lower(),)).fetchone()
        return row[0] if row else 0

    def knows(self, email: str) -> bool:
        """True when the address is on the list or on the suppression list."""
        key = email.lower()
        with closing(self._connect()) as db:
            return (
                db.execute(
                    "SELECT 1 FROM subscribers WHERE key=? UNION SELECT 1 FROM suppressions WHERE key=?", (key, key)
                ).fetchone()
                is not None
            )

    def unsuppress(self, email: str) -> bool:
        """Lift a suppression (an explicit re-subscription); True when there was one."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM soft_bounces WHERE key=?", (email.lower(),))
            db.execute("DELETE FROM soft_bounce_issues WHERE key=?", (email.lower(),))
            return db.execute("DELETE FROM suppressions WHERE key=?", (email.lower(),)).rowcount > 0

    def suppression(self, email: str) -> str | None:
        """Why an address is suppressed, or None."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT reason FROM suppressions WHERE key=?", (email.lower(),)).fetchone()
        return row[0] if row else None

    def suppressed_keys(self) -> set[str]:
        """Every suppressed address key."""
        with closing(self._connect()) as db:
            return {k for (k,) in db.execute("SELECT key FROM suppressions")}

    def suppressions(self) -> Iterator[tuple[str, str, str]]:
        """(email, reason, when) for every suppressed address."""
        with closing(self._connect()) as db:
            yield from db.execute("SELECT email, reason, at FROM suppressions ORDER BY at").fetchall()


def load_recipients(
    csv_path: Path | None, store: SubscriberStore, now: datetime | None = None
) -> tuple[list[Subscriber], list[str]]:
    """The subscribers to mail (CSV when given, else the list's receiving ones), plus problems found reading them."""
    if csv_path is not None:
        people, problems = read_csv(csv_path)
        held = store.held_keys(now)  # a pause asked for on the unsubscribe page holds for a CSV list too
        return [p for p in people if p.key not in held], problems
    return dedupe(store.receiving(now)), []
