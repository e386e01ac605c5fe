"""Dates as the publisher wrote them: standard forms first, then the written string read by dateutil."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from digest.errors import ItemError

# How an item's date was read, as `digest sources` reports it.
STANDARD = "standard"  # ISO 8601, RFC 822 or a timestamp
WRITTEN = "as written"  # a free-form date ("2026/12/01 10:00", "1 December 2026") read by dateutil
CORRECTED = "corrected"  # the feed parser misread the written date; the written one was used
NOW = "undated, dated when read"  # no date at all; the source's undated = "now" dated it
WAYS = (STANDARD, WRITTEN, CORRECTED, NOW)

# Readings of one written date further apart than this are different days, not different time zones
# (an unknown zone name such as "EST" reads as UTC): the feed parser misread it.
MISREAD = timedelta(hours=26)


def _aware(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(tz))
    return dt.astimezone(UTC)


def written_date(text: str, tz: str = "UTC", dayfirst: bool = False) -> datetime | None:
    """A free-form date string read by dateutil (month first unless `dayfirst`), or None."""
    # Imported on the first free-form date (every feed entry's, none of a native file's ISO dates).
    from dateutil import parser as dateutil_parser

    try:
        # A fixed default: a date without a day or month never borrows today's.
        dt = dateutil_parser.parse(text, dayfirst=dayfirst, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    return _aware(dt, tz)


def read_date(value: object, tz: str = "UTC", dayfirst: bool = False) -> tuple[datetime, str]:
    """Parse an item's date: (aware UTC datetime, how it was read); naive values use `tz`."""
    if isinstance(value, datetime):
        return _aware(value, tz), STANDARD
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC), STANDARD
    if not isinstance(value, str) or not value.strip():
        raise ItemError(f"missing or invalid date {value!r}")
    text = value.strip()
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")), tz), STANDARD
    except ValueError:
        pass
    if not dayfirst:  # RFC 822 names its month; a day-first source's "01/02/2026" is not RFC 822 either way
        from email.utils import parsedate_to_datetime  # only past ISO 8601: it costs every start

        try:
            return _aware(parsedate_to_datetime(text), tz), STANDARD
        except (TypeError, ValueError, IndexError):
            pass
    written = written_date(text, tz, dayfirst)
    if written is None:
        raise ItemError(
            f"unparseable date {text!r} (use ISO 8601, e.g. 2026-11-24T09:30:00Z, or a date such as 1 December 2026)"
        )
    return written, WRITTEN


def feed_date(
    raw: str | None, parsed: time.struct_time | None, tz: str = "UTC", dayfirst: bool = False
) -> tuple[datetime | None, str]:
    """An entry's date from feedparser's reading, checked against the raw string it came from."""
    from_parser = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None
    written = written_date(raw, tz, dayfirst) if raw and raw.strip() else None
    if from_parser is None:
        return written, WRITTEN
    if written is not None and abs(written - from_parser) > MISREAD:
        return written, CORRECTED
    return from_parser, STANDARD
