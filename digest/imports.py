"""Subscriber lists exported by other newsletter tools: which column holds what, and who must not be mailed.

Mailchimp, Substack, Buttondown, Ghost, listmonk and spreadsheets name their columns differently
and mark unsubscribed, cleaned, bounced or complaining addresses in their own way. Reading an
export turns each row into an `ImportRow`: the subscriber, and the status the export gives it
(active, unconfirmed, or a suppression reason). Writing the rows is the store's job.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digest.addresses import AddressError, Subscriber, clean_name, normalize_address
from digest.errors import ConfigError
from digest.subscribers import (
    ACTIVE,
    COMPLAINT,
    HARD_BOUNCE,
    REMOVED,
    UNCONFIRMED,
    UNSUBSCRIBED,
)

# Header names (compared lowercased, without spaces, '-' or '_') that hold the address, most usual first.
EMAIL_HEADERS = (
    "email",
    "emailaddress",
    "mail",
    "emailadresse",
    "correoelectronico",
    "courriel",
    "subscriberemail",
    "memberemail",
)
NAME_HEADERS = ("name", "fullname", "displayname", "subscribername")
FIRST_LAST_HEADERS = (
    ("firstname", "lastname"),
    ("fname", "lname"),
    ("givenname", "familyname"),
    ("vorname", "nachname"),
    ("prenom", "nom"),
)
# A column whose value says what the exporting tool thinks of the address.
STATUS_HEADERS = ("status", "subscribertype", "subscriptionstatus", "memberstatus")

# Status words of the exporting tools -> the suppression reason recorded for them.
SUPPRESSING = {
    "unsubscribed": UNSUBSCRIBED,
    "unsubscribe": UNSUBSCRIBED,
    "optedout": UNSUBSCRIBED,
    "blocklisted": UNSUBSCRIBED,
    "blacklisted": UNSUBSCRIBED,
    "blocked": UNSUBSCRIBED,
    "cleaned": "cleaned",
    "bounced": HARD_BOUNCE,
    "hardbounce": HARD_BOUNCE,
    "undeliverable": HARD_BOUNCE,
    "complained": COMPLAINT,
    "complaint": COMPLAINT,
    "spam": COMPLAINT,
    "spamcomplaint": COMPLAINT,
    "removed": REMOVED,
    "deleted": REMOVED,
}
# Status words meaning the person never confirmed (double opt-in not finished): kept, never mailed.
NOT_CONFIRMED = {"unconfirmed", "unactivated", "pending", "notconfirmed", "unverified", "spammy"}
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}


def _fold(header: str) -> str:
    return "".join(ch for ch in header.strip().lower() if ch not in " -_.")


@dataclass(frozen=True)
class ImportRow:
    """One usable row: the subscriber, the status the export gives it, and the file line it came from."""

    subscriber: Subscriber
    status: str  # ACTIVE, UNCONFIRMED, or a suppression reason
    line: int

    @property
    def suppressed(self) -> bool:
        """True when the export marks the address as one never to mail."""
        return self.status not in (ACTIVE, UNCONFIRMED)


@dataclass(frozen=True)
class ImportFile:
    """What an export holds: usable rows, rows skipped as invalid or repeated, and the columns chosen."""

    rows: tuple[ImportRow, ...]
    invalid: tuple[str, ...]
    duplicates: tuple[str, ...]
    email_column: str
    name_columns: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Columns:
    """Which header holds the address, the name (or first and last name) and the export's status."""

    email: str
    name: tuple[str, ...]
    known: frozenset[str]  # every header consumed (not kept as an attribute)


def pick_columns(
    headers: Sequence[str], email_column: str | None = None, name_column: str | None = None, where: str = ""
) -> Columns:
    """Choose the columns of an export from its headers (or the ones the editor named)."""
    by_fold: dict[str, str] = {}
    for header in headers:
        by_fold.setdefault(_fold(header), header)

    def named(wanted: str, what: str) -> str:
        for header in headers:
            if header == wanted or _fold(header) == _fold(wanted):
                return header
        raise ConfigError(f"{where}: no column {wanted!r} for {what} (columns: {', '.join(headers)})")

    if email_column:
        email = named(email_column, "--email-column")
    else:
        found = next((by_fold[h] for h in EMAIL_HEADERS if h in by_fold), None)
        if found is None:
            raise ConfigError(
                f"{where}: no email column (found {', '.join(headers) or 'no header'}); name it with --email-column"
            )
        email = found
    if name_column:
        name: tuple[str, ...] = (named(name_column, "--name-column"),)
    else:
        name = next(((by_fold[h],) for h in NAME_HEADERS if h in by_fold), ())
        if not name:
            name = next(((by_fold[a], by_fold[b]) for a, b in FIRST_LAST_HEADERS if a in by_fold and b in by_fold), ())
    return Columns(email, name, frozenset((email, *name)))


def row_status(fields: dict[str, str]) -> str:
    """The status an export gives a row (fields keyed by folded header): active, unconfirmed or a reason."""
    for header in STATUS_HEADERS:
        word = _fold(fields.get(header, ""))
        if word in SUPPRESSING:
            return SUPPRESSING[word]
        if word in NOT_CONFIRMED:
            return UNCONFIRMED
    # Mailchimp's unsubscribed and cleaned exports carry the time it happened.
    if fields.get("unsubtime"):
        return UNSUBSCRIBED
    if fields.get("cleantime"):
        return "cleaned"
    # Ghost: subscribed_to_emails false; Substack: email_disabled true.
    if _fold(fields.get("subscribedtoemails", "")) in FALSE_WORDS:
        return UNSUBSCRIBED
    if _fold(fields.get("emaildisabled", "")) in TRUE_WORDS:
        return UNSUBSCRIBED
    return ACTIVE


def _delimiter(header_line: str) -> str:
    # Spreadsheets in many locales export ';' (or tabs); the header line tells which one a file uses.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=_delimiter(first))
            headers = [h.strip() for h in next(reader, [])]
            # (physical line where the row starts, cells): quoted cells may span lines.
            rows = [(reader.line_num - sum(c.count("\n") for c in cells), cells) for cells in reader]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such subscribers file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a CSV file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read subscribers ({exc})") from None
    return headers, rows


def read_export(path: Path, email_column: str | None = None, name_column: str | None = None) -> ImportFile:
    """Read a CSV export of any usual tool: every row's subscriber and status, and what was skipped."""
    headers, raw = _rows(path)
    columns = pick_columns(headers, email_column, name_column, where=str(path))
    email_at = headers.index(columns.email)
    name_at = [headers.index(h) for h in columns.name]
    folded = [_fold(h) for h in headers]
    rows: list[ImportRow] = []
    invalid: list[str] = []
    duplicates: list[str] = []
    first_line: dict[str, int] = {}
    for line, cells in raw:
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue  # a blank line (or a row of empty cells) is no subscriber and no mistake
        cells += [""] * (len(headers) - len(cells))
        raw_email = cells[email_at]
        try:
            email = normalize_address(raw_email)
        except AddressError as exc:
            invalid.append(f"{path}:{line}: skipped {raw_email!r}: {exc}")
            continue
        if email.lower() in first_line:
            duplicates.append(f"{path}:{line}: skipped {email}: already on line {first_line[email.lower()]}")
            continue
        first_line[email.lower()] = line
        name = clean_name(" ".join(cells[i] for i in name_at))
        by_fold = {f: v for f, v in zip(folded, cells, strict=False) if f and v}
        rows.append(ImportRow(Subscriber(email, name, _attributes(headers, cells, columns)), row_status(by_fold), line))
    return ImportFile(tuple(rows), tuple(invalid), tuple(duplicates), columns.email, columns.name)


def _attributes(headers: Iterable[str], cells: Iterable[str], columns: Columns) -> dict[str, str]:
    return {
        h.strip().lower(): v for h, v in zip(headers, cells, strict=False) if h.strip() and v and h not in columns.known
    }
