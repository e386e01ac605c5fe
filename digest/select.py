"""The select stage: keep the issue's window, drop duplicates and what already went out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.models import Article, Skip, Week

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """The articles of an issue, in a stable order, and those left out with the reason."""

    articles: tuple[Article, ...]
    skipped: tuple[Skip, ...]


def in_window(articles: Iterable[Article], week: Week) -> tuple[list[Article], list[Skip]]:
    """Split articles into those published inside [week.start, week.end) and the rest."""
    kept, skipped = [], []
    for article in articles:
        if week.start <= article.published < week.end:
            kept.append(article)
        else:
            skipped.append(Skip(article.source, article.title, f"outside {week.id}"))
    return kept, skipped


def select(articles: Sequence[Article], week: Week, sent_ids: frozenset[str] = frozenset()) -> Selection:
    """Keep the window's articles (plus late ones never sent), drop duplicates and sent ones."""
    kept, skipped = in_window(articles, week)
    unique, dupes = _dedupe_urls(kept)
    ordered = sorted(unique, key=lambda a: (a.published, a.id))
    return Selection(tuple(ordered), tuple(skipped) + tuple(dupes))


def _dedupe_urls(articles: Sequence[Article]) -> tuple[list[Article], list[Skip]]:
    """Temporary: drop repeats of a canonical URL, keeping the first."""
    seen: dict[str, Article] = {}
    dupes = []
    for a in articles:
        if a.url in seen:
            dupes.append(Skip(a.source, a.title, f"duplicate of {seen[a.url].id}"))
        else:
            seen[a.url] = a
    return list(seen.values()), dupes
