"""The select stage: keep the issue's window, drop duplicates and what already went out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from digest.dedupe import dedupe
from digest.models import Article, Skip, Week
from digest.state import DEFAULT_GRACE, new_since_last

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """The articles of an issue, in a stable order, and those left out with the reason."""

    articles: tuple[Article, ...]
    skipped: tuple[Skip, ...]


def before_end(articles: Iterable[Article], week: Week) -> tuple[list[Article], list[Skip]]:
    """Split articles into those published before the window's end and the later ones."""
    kept, skipped = [], []
    for article in articles:
        if article.published < week.end:
            kept.append(article)
        else:
            skipped.append(Skip(article.source, article.title, f"after {week.id}"))
    return kept, skipped


def select(
    articles: Sequence[Article], week: Week, sent_ids: Iterable[str] = (), grace: timedelta = DEFAULT_GRACE
) -> Selection:
    """Keep the window's articles plus late ones never sent; drop duplicates and sent ones.

    With no record of earlier issues, the window is strict; see README "New since the last issue".
    """
    early, skipped_early = new_since_last(articles, set(sent_ids), week.start, grace)
    kept, skipped_late = before_end(early, week)
    unique, dupes = dedupe(kept)
    ordered = sorted(unique, key=lambda a: (a.published, a.id))
    return Selection(tuple(ordered), tuple(skipped_early) + tuple(skipped_late) + tuple(dupes))


def skip_kind(reason: str) -> str:
    """A short label for grouping skip reasons in the build summary."""
    for prefix, label in (
        ("duplicate", "duplicate"),
        ("already sent", "already sent in an earlier issue"),
        ("after ", "after the issue's window"),
        ("published ", "before the issue's window"),
        ("outside ", "outside the issue's window"),
    ):
        if reason.startswith(prefix):
            return label
    return "unusable item"
