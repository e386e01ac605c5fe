"""Source readers: one small module per kind, each behind the `SourceKind` contract, found through a registry.

A kind has a name, the aliases editors may write, the option names it accepts, a `sniff` that
recognizes its documents (kind detection loops over the registry) and a `read` that turns a source
into a `SourceResult`. Readers only pick values out of their documents into `RawItem`s;
`digest.sources.items` converts every field under one guard. `load_readers()` (called by
`kind_for` and detection) registers the built-in kinds; it is deferred because they pull in HTTP
and XML libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol

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
    named: bool = True  # False when `name` was not configured (it is the location until a title is found)


@dataclass(frozen=True)
class RawItem:
    """One item as a reader found it: each field as the source gave it, not yet trusted or converted.

    Values are typed `object` on purpose: a source may put anything anywhere, and only the guarded
    conversion in `digest.sources.items` decides what is usable (a bad value skips this item alone).
    """

    title: object = None  # text or HTML; a title-less item gets its first words
    url: object = None  # absolute, or relative to `base`
    published: object = None  # an ISO 8601 / RFC 822 string, a datetime or a Unix time
    id: object = None  # the source's own id for the item, if any
    author: object = None  # a name, a list of names, or objects with a "name"
    categories: object = None  # a comma-separated string, or a list of names / objects with a "name"
    tags: object = None
    content_html: object = None
    content_text: object = None
    excerpt: object = None  # plain text or HTML, shown as plain text
    image: object = None  # a URL, or an object with url (or src), alt, width, height
    reading_minutes: object = None
    language: object = None
    source: object = None  # the item's own source name (the native format allows one)
    guid: object = None  # the item's own id for telling items apart (RSS guid, Atom id, JSON Feed id)
    base: str = ""  # what relative URLs resolve against
    image_from_body: bool = False  # without an image, use the body's first real picture
    title_made: bool = False  # the reader made the title from the body's first words
    link_is_page: bool = False  # the link is the site's home page, not the item's own (its guid names it)
    dated: str = ""  # how the reader read the date, when it checked it (digest.dates names the ways)


@dataclass(frozen=True)
class SourceResult:
    """What a reader returns: the usable articles, the items it skipped and the source's own title."""

    articles: tuple[Article, ...]
    skipped: tuple[Skip, ...] = ()
    title: str | None = None  # the feed's or site's title, used as a label when no name is configured


@dataclass(frozen=True)
class FetchContext:
    """The edges a reader may use: a fetcher for files and URLs, and the window."""

    fetch: Callable[..., Any]  # digest.fetch.Fetcher.get
    since: datetime | None = None
    until: datetime | None = None
    # True when kind detection found the kind's own document at the location (a saved WordPress
    # posts response at some URL), not a site to find the API of.
    location_is_document: bool = False


@dataclass(frozen=True)
class Probe:
    """A fetched document as kind detection sees it: its bytes, and its JSON when it is JSON."""

    fetched: Any  # digest.fetch.Fetched
    location: str

    @property
    def body(self) -> bytes:
        """The document's bytes."""
        return bytes(self.fetched.body)

    @cached_property
    def is_json(self) -> bool:
        """True when the body starts like a JSON object or array."""
        from digest.sources.jsondoc import looks_json

        return looks_json(self.body)

    @cached_property
    def doc(self) -> Any:
        """The decoded JSON document (raises SourceError for broken JSON); None when not JSON."""
        from digest.sources.jsondoc import decode_json

        return decode_json(self.fetched, self.location) if self.is_json else None


Reader = Callable[[SourceSpec, FetchContext], SourceResult]


class SourceKind(Protocol):
    """The contract every source kind fulfils."""

    @property
    def name(self) -> str:
        """The registered name ("feed")."""
        ...

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other names an editor may write ("rss", "atom")."""
        ...

    @property
    def options(self) -> frozenset[str]:
        """The `[[sources]]` keys this kind reads besides the common ones."""
        ...

    def sniff(self, probe: Probe) -> bool:
        """True when a fetched document is this kind's; may raise SourceError for one it recognizes but refuses."""
        ...

    def read(self, spec: SourceSpec, ctx: FetchContext) -> SourceResult:
        """Read the source into articles; raises SourceError when the source as a whole is unusable."""
        ...


def never(probe: Probe) -> bool:
    """A sniff for kinds that are only ever chosen by name."""
    return False


@dataclass(frozen=True)
class Kind:
    """A source kind built from its functions (the built-in kinds are these)."""

    name: str
    read: Reader
    sniff: Callable[[Probe], bool] = never
    aliases: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()


# In registration order, which is the order detection tries them in.
REGISTRY: dict[str, SourceKind] = {}
# Keys every [[sources]] table may have; any other key is an option of the source's kind.
SOURCE_KEYS = frozenset({"name", "url", "path", "kind", "timezone", "priority"})
# Options every kind reads (dates, sections), and the options each kind reads: a plain mapping, so that
# settings are checked without importing the readers; each kind's `options` is its entry here.
COMMON_OPTIONS = frozenset({"undated", "dayfirst", "section", "category_map"})
KIND_OPTIONS: dict[str, frozenset[str]] = {
    "native": COMMON_OPTIONS,
    "jsonfeed": COMMON_OPTIONS,
    "wordpress": COMMON_OPTIONS | {"per_page", "max_pages"},
    "feed": COMMON_OPTIONS,
    "jsonapi": COMMON_OPTIONS
    | {
        "items",
        "fields",
        "params",
        "headers",
        "next",
        "page_param",
        "page_start",
        "page_size_param",
        "page_size",
        "max_pages",
    },
}
# Names editors reach for first: one reader (feedparser) reads all three.
KIND_ALIASES = {"rss": "feed", "atom": "feed", "rdf": "feed"}


def register(kind: SourceKind) -> SourceKind:
    """Add a kind to the registry (a later kind of the same name replaces it)."""
    REGISTRY[kind.name] = kind
    return kind


def canonical_kind(kind: str) -> str:
    """The registered name of a kind as an editor may write it ("RSS" -> "feed")."""
    kind = kind.strip().lower()
    return KIND_ALIASES.get(kind, kind)  # static, so that reading settings imports no reader


def kind_for(name: str) -> SourceKind:
    """The registered kind of a name, or raise ConfigError listing the known ones."""
    from digest.errors import ConfigError

    load_readers()
    try:
        return REGISTRY[canonical_kind(name)]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"unknown source kind {name!r}; use one of: {known}") from None


def reader_for(kind: str) -> Reader:
    """Return the read function of a kind."""
    return kind_for(kind).read


def load_readers() -> None:
    """Import (and so register) the built-in kinds; registration order is detection order."""
    from digest.sources import jsonfeed, wordpress, native, feed, jsonapi  # noqa: F401,I001
