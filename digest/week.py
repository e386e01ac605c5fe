"""The issue's window: an ISO week in the configured timezone, or explicit dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from digest.errors import ConfigError
from digest.models import Week

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
# Windows stay well inside what datetime can hold, so timezones and carry-over days never overflow.
MIN_YEAR, MAX_YEAR = 1900, 9998


def _utc(day: date, tz: str) -> datetime:
    """Local midnight of a day in `tz`, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def week_id(year: int, week: int) -> str:
    """The id of an ISO week, e.g. 2026-W48."""
    return f"{year:04d}-W{week:02d}"


def iso_week(text: str, tz: str = "UTC") -> Week:
    """The window of an ISO week given as `2026-W48`."""
    match = _WEEK.match(text.strip())
    if not match:
        raise ConfigError(f"invalid week {text!r}: use the ISO form 2026-W48")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ConfigError(f"invalid week {text!r}: {year} has no week {number}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ConfigError(
            f"invalid week {text.strip().upper()!r}: out of range (use a week of the years {MIN_YEAR} to {MAX_YEAR})"
        )
    return Week(week_id(year, number), _utc(monday, tz), _utc(monday + timedelta(days=7), tz), tz)


def week_containing(moment: datetime, tz: str = "UTC") -> Week:
    """The ISO week (in `tz`) that contains an aware datetime."""
    try:
        local = moment.astimezone(ZoneInfo(tz)).date()
    except OverflowError:
        local = date.max if moment.year > MAX_YEAR else date.min
    year, number, _ = local.isocalendar()
    return iso_week(week_id(year, number), tz)


def previous_week(week: Week) -> Week:
    """The ISO week before a week."""
    return week_containing(week.start - timedelta(days=3), week.timezone)


def _day(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"invalid {option} {text!r}: use a date such as 2026-11-23") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ConfigError(f"invalid {option} {text!r}: out of range (use a date of the years {MIN_YEAR} to {MAX_YEAR})")
    return day


def date_window(since: str, until: str, tz: str, now: datetime) -> Week:
    """A custom window from --since to --until (both inclusive days; until defaults to today)."""
    start = _day(since, "--since")
    end = _day(until, "--until") if until else now.astimezone(ZoneInfo(tz)).date()
    if end < start:
        raise ConfigError(f"--until {end} is before --since {start}")
    return Week(f"{start.isoformat()}--{end.isoformat()}", _utc(start, tz), _utc(end + timedelta(days=1), tz), tz)


def resolve_window(week: str, since: str, until: str, tz: str, now: datetime, latest: datetime | None = None) -> Week:
    """Pick the window: --since/--until, an explicit week, 'latest' (newest article) or 'current'."""
    if since or until:
        if week and week not in ("current", "latest"):
            raise ConfigError("give either --week or --since/--until, not both")
        if not since:
            raise ConfigError("--until needs --since")
        return date_window(since, until, tz, now)
    choice = (week or "current").strip().lower()
    if choice == "current":
        return week_containing(now, tz)
    if choice == "previous":
        return previous_week(week_containing(now, tz))
    if choice == "latest":
        return week_containing(latest or now, tz)
    return iso_week(week, tz)
