"""Subscribers from a CSV file (an `email` column, `name` and others optional), and cells safe to export."""

from __future__ import annotations

import csv
from pathlib import Path

from digest.addresses import AddressError, Subscriber, clean_name, normalize_address
from digest.errors import ConfigError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
            rows = [
                (reader.line_num - sum(v.count("\n") for v in row.values() if isinstance(v, str)), row)
                for row in reader
            ]
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such subscribers file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read subscribers ({exc})") from None
    if header and "email" not in header:
        raise ConfigError(f"{path}: no `email` column (the first line must name the columns, e.g. email,name)")
    subscribers: list[Subscriber] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
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
        subscribers.append(Subscriber(email, clean_name(fields.get("name")), extra))
    return subscribers, problems


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @ (or tab, CR) would start a formula."""
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell
