"""Why a window has no articles, in one line an editor can act on (the empty build's error)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from zoneinfo import ZoneInfo

from digest.models import Collected, Skip, Week

WINDOW_KINDS = ("after the issue's window", "before the issue's window", "outside the issue's window")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def _reasons(skips: tuple[Skip, ...] | list[Skip], key: Callable[[Skip], str] = lambda s: s.reason) -> str:
    counts = Counter(key(s) for s in skips)
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{n} {reason}" for reason, n in counts.most_common(3)) + (
        f"; and {len(counts) - 3} other reasons" if len(counts) > 3 else ""
    )


def explain_empty(collected: Collected, selected_out: tuple[Skip, ...], window: Week) -> str:
    """`8 sources, 128 items, all outside 2026-W49 (newest 2018-01-11); try --week 2018-W02`, or the one reason."""
    from digest.select import skip_kind

    sources = _plural(len(collected.reports), "source")
    read = len(collected.articles) + len(collected.skipped)
    items = _plural(read, "item")
    if not read:
        return f"{sources}, no items"
    if not collected.articles:  # every item was unusable: name the reason, which says what to set
        return f"{sources}, {items}, every one skipped: {_reasons(collected.skipped)}"
    unusable = f"; {len(collected.skipped)} more unusable" if collected.skipped else ""
    kinds = Counter(skip_kind(s.reason) for s in selected_out)
    if set(kinds) <= set(WINDOW_KINDS):
        newest = max(a.published for a in collected.articles).astimezone(_zone(window.timezone))
        year, week, _ = newest.isocalendar()
        hint = f"; try --week {year}-W{week:02d}" if f"{year}-W{week:02d}" != window.id else ""
        return f"{sources}, {items}, all outside {window.id} (newest {newest:%Y-%m-%d}{unusable}){hint}"
    if len(kinds) == 1:
        return f"{sources}, {items}, every one {next(iter(kinds))}" + (f" ({unusable[2:]})" if unusable else "")
    return f"{sources}, {items}, none kept: {_reasons(selected_out, lambda s: skip_kind(s.reason))}" + (
        f" ({unusable[2:]})" if unusable else ""
    )
