"""Subscribers from a CSV file or the SQLite list, and the suppression list both always honour."""

from __future__ import annotations

import csv
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from digest.errors import ConfigError
from digest.statedb import guard_state_errors, open_schema

log = logging.getLogger(__name__)

STORE_FILE = "subscribers.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
    CREATE TABLE IF NOT EXISTS subscribers (
        key TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
        attributes TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS suppressions (
        key TEXT PRIMARY KEY, email TEXT NOT NULL, reason TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '', at TEXT NOT NULL)
"""
HARD_BOUNCE = "hard-bounce"
UNSUBSCRIBED = "unsubscribed"
REMOVED = "removed"


class AddressError(ValueError):
    """An address that is not a deliverable email address (the message says why)."""


@dataclass(frozen=True)
class Subscriber:
    """One recipient: normalized address, display name and optional attributes."""

    email: str
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """The case-insensitive identity used for deduplication, the ledger and suppression."""
        return self.email.lower()


def normalize_address(raw: str) -> str:
    """The normalized address (syntax only, no DNS), or AddressError with the reason."""
    text = (raw or "").strip()
    if not text:
        raise AddressError("empty address")
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from None
    # The ASCII form (punycode domain) goes into SMTP envelopes and headers unchanged.
    return result.ascii_email or result.normalized


def _clean_name(value: str | None) -> str:
    # Names end up in headers: control characters (CR/LF included) never survive.
    return " ".join("".join(c if c.isprintable() else " " for c in (value or "")).split())


def dedupe(subscribers: Iterable[Subscriber]) -> list[Subscriber]:
    """Keep the first occurrence of each address, compared case-insensitively."""
    seen: set[str] = set()
    out = []
    for sub in subscribers:
        if sub.key not in seen:
            seen.add(sub.key)
            out.append(sub)
    return out


def _delimiter(sample: str) -> str:
    # Spreadsheets in many locales export ';' (or tabs); the header line tells which one a file uses.
    header = sample.splitlines()[0] if sample else ""
    for delimiter in (",", ";", "\t"):
        if "email" in (h.strip().strip('"').lower() for h in header.split(delimiter)):
            return delimiter
    return ","


def read_csv(path: Path) -> tuple[list[Subscriber], list[str]]:
    """Subscribers from a CSV with an `email` column (`name` and others optional), plus problems."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            delimiter = _delimiter(handle.read(4096))
            handle.seek(0)
            reader = csv.DictReader(handle, delimiter=delimiter)
            # (physical line where the row starts, row): quoted fields may span lines, and the
            # reader skips blank lines, so count back from where the row ended.
            rows = [(reader.line_num - sum(v.count("\n") for v in row.values() if isinstance(v, str)), row)
                    for row in reader]
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such subscribers file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read subscribers ({exc})") from None
    if header and "email" not in header:
        raise ConfigError(f"{path}: no `email` column (the first line must name the columns, e.g. email,name)")
    subscribers, problems, first_line = [], [], {}
    for line, row in rows:
        fields = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        if not any(fields.values()):
            continue  # a blank line (or a row of empty cells) is no subscriber and no mistake
        try:
            email = normalize_address(fields.get("email", ""))
        except AddressError as exc:
            problems.append(f"{path}:{line}: skipped {fields.get('email', '')!r}: {exc}")
            continue
        if email.lower() in first_line:
            problems.append(f"{path}:{line}: skipped {email}: already on line {first_line[email.lower()]}")
            continue
        first_line[email.lower()] = line
        extra = {k: v for k, v in fields.items() if k not in ("email", "name") and k}
        subscribers.append(Subscriber(email, _clean_name(fields.get("name")), extra))
    return subscribers, problems


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@guard_state_errors("subscriber list", "restore it from a backup, or move it aside and import your list again "
                    "(the suppression list in it is lost then: keep the old file)")
class SubscriberStore:
    """The SQLite subscriber list and suppression list under the state directory."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            open_schema(db, path, "subscriber list", version=SCHEMA_VERSION,
                        tables=("subscribers", "suppressions"), create_sql=_SCHEMA)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> "SubscriberStore":
        """The store kept in the configured state directory."""
        return cls(Path(state_dir) / STORE_FILE)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, subscriber: Subscriber) -> bool:
        """Add or update a subscriber; True when the address is new to the list."""
        with closing(self._connect()) as db, db:
            known = db.execute("SELECT 1 FROM subscribers WHERE key=?", (subscriber.key,)).fetchone()
            db.execute(
                "INSERT INTO subscribers (key, email, name, attributes, added_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET name=excluded.name, attributes=excluded.attributes",
                (subscriber.key, subscriber.email, subscriber.name, json.dumps(subscriber.attributes), _now()),
            )
        return known is None

    def contains(self, email: str) -> bool:
        """True when the address is on the list."""
        with closing(self._connect()) as db:
            return db.execute("SELECT 1 FROM subscribers WHERE key=?", (email.lower(),)).fetchone() is not None

    def remove(self, email: str) -> bool:
        """Delete an address from the list; True when it was there."""
        with closing(self._connect()) as db, db:
            return db.execute("DELETE FROM subscribers WHERE key=?", (email.lower(),)).rowcount > 0

    def all(self) -> list[Subscriber]:
        """Every subscriber on the list, in the order they were added."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT email, name, attributes FROM subscribers ORDER BY added_at, rowid").fetchall()
        return [Subscriber(e, n, json.loads(a)) for e, n, a in rows]

    def suppress(self, email: str, reason: str, detail: str = "") -> bool:
        """Record that an address must never be mailed again; True when it is newly suppressed."""
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT OR IGNORE INTO suppressions (key, email, reason, detail, at) VALUES (?, ?, ?, ?, ?)",
                (email.lower(), email, reason, detail[:500], _now()),
            )
            return cur.rowcount > 0

    def unsuppress(self, email: str) -> bool:
        """Lift a suppression (an explicit re-subscription); True when there was one."""
        with closing(self._connect()) as db, db:
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


def load_recipients(csv_path: Path | None, store: SubscriberStore) -> tuple[list[Subscriber], list[str]]:
    """The subscribers to mail (CSV when given, else the SQLite list), plus problems found reading them."""
    if csv_path is not None:
        return read_csv(csv_path)
    return dedupe(store.all()), []
