"""Dates, lists and punctuation in the newsletter's language, from the CLDR data Babel ships (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval
from babel.lists import format_list

FALLBACK = "en"


@lru_cache(maxsize=32)
def locale_of(language: str) -> Locale:
    """The Babel locale for a BCP 47 tag such as "ur" or "de-AT" (English when CLDR has no data for it)."""
    try:
        return Locale.parse((language or FALLBACK).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def date_span(first: date, last: date, language: str, skeleton: str = "yMMMd") -> str:
    """A day or span of days as the language writes it: "Nov 23 – 29, 2026", "23.–29. Nov. 2026"."""
    return format_interval(first, max(first, last), skeleton, locale=locale_of(language))


def join_list(items: list[str], language: str) -> str:
    """Items joined the language's way: "a, b and c" (English), "a، b اور c" (Urdu)."""
    return format_list(items, locale=locale_of(language)) if items else ""


def list_separator(language: str) -> str:
    """The comma between two items of a list, e.g. ", " (English) or "، " (Urdu); " · " where the
    language joins list items with a word instead (Arabic's "و")."""
    patterns = locale_of(language).list_patterns
    for style in ("or", "standard"):
        try:
            separator = patterns[style]["middle"].replace("{0}", "").replace("{1}", "")
        except KeyError:
            continue
        if separator.strip() and not any(ch.isalpha() for ch in separator):
            return separator
    return " · "


def week_span(start: datetime, end: datetime, timezone: str, language: str, skeleton: str = "yMMMd") -> str:
    """The days of an issue's window [start, end) in its own timezone, e.g. "Nov 23 – 29, 2026"."""
    zone = ZoneInfo(timezone or "UTC")
    first, last = start.astimezone(zone).date(), (end - timedelta(days=1)).astimezone(zone).date()
    return date_span(first, last, language, skeleton)
