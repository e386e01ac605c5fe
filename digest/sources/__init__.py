"""Source readers: one module per kind, found through a registry.

A reader is a function ``read(spec, ctx) -> SourceResult``. `load_readers()`
(called by `reader_for`) registers the built-in kinds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from digest.models import Article, Skip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceSpec:
    """One configured source: a name, a kind and where to read it."""

    name: str
    location: str  # a file path or an http(s) URL
    kind: str = "auto"  # a registry key, or "auto" to detect from the content
    timezone: str = "UTC"  # for dates that carry no offset
    priority: int = 0
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class SourceResult:
    """What a reader returns: the usable articles and the items it skipped."""

    articles: tuple[Article, ...]
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True)
class FetchContext:
    """The edges a reader may use: a fetcher for files and URLs, and the window."""

    fetch: Callable[..., Any]  # digest.fetch.Fetcher.get
    since: datetime | None = None
    until: datetime | None = None
    # True when kind detection found the kind's own document at the location (a saved WordPress
    # posts response at some URL), not a site to find the API of.
    location_is_document: bool = False


Reader = Callable[[SourceSpec, FetchContext], SourceResult]
REGISTRY: dict[str, Reader] = {}
# Keys every [[sources]] table may have; any other key is an option of the source's kind.
SOURCE_KEYS = frozenset({"name", "url", "path", "kind", "timezone", "priority"})
# Options every kind reads (dates, sections), and the options each kind reads (checked when settings
# are read; "auto" accepts any kind's option).
COMMON_OPTIONS = frozenset({"undated", "dayfirst", "section", "category_map"})
KIND_OPTIONS: dict[str, frozenset[str]] = {
    "native": COMMON_OPTIONS,
    "jsonfeed": COMMON_OPTIONS,
    "wordpress": COMMON_OPTIONS | {"per_page", "max_pages"},
    "feed": COMMON_OPTIONS,
    "jsonapi": COMMON_OPTIONS | {"items", "fields", "params", "headers", "next", "page_param", "page_start",
                                 "page_size_param", "page_size", "max_pages"},
}
# Names editors reach for first: one reader (feedparser) reads all three.
KIND_ALIASES = {"rss": "feed", "atom": "feed", "rdf": "feed"}


def canonical_kind(kind: str) -> str:
    """The registered name of a kind as an editor may write it ("RSS" -> "feed")."""
    kind = kind.strip().lower()
    return KIND_ALIASES.get(kind, kind)


def register(kind: str) -> Callable[[Reader], Reader]:
    """Register a reader function under a kind name."""

    def deco(fn: Reader) -> Reader:
        REGISTRY[kind] = fn
        return fn

    return deco


def reader_for(kind: str) -> Reader:
    """Return the reader registered for a kind."""
    from digest.errors import ConfigError

    load_readers()
    try:
        return REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"unknown source kind {kind!r}; use one of: {known}") from None


def load_readers() -> None:
    """Import (and so register) the built-in readers; deferred because they pull in HTTP and XML libraries."""
    from digest.sources import native  # noqa: F401
    from digest.sources import jsonapi, jsonfeed, wordpress, feed  # noqa: F401
