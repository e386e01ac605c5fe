"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, parsed by feedparser."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from digest.dates import feed_date
from digest.errors import ItemError, SourceError
from digest.lazy import lazy_module
from digest.links import (
    best_alternate,
    identity_url,
    is_web_link,
    link_label,
    page_links,
)
from digest.normalize import clean_title, first_words
from digest.sources import (
    KIND_ALIASES,
    KIND_OPTIONS,
    FetchContext,
    Kind,
    Probe,
    RawItem,
    SourceResult,
    SourceSpec,
    register,
)
from digest.sources.images import is_story_picture, media_image
from digest.sources.items import articles_from_items, convert, plain
from digest.sources.jsondoc import looks_json, text_head
from digest.sources.sections import feed_categories

if TYPE_CHECKING:
    import feedparser
else:  # imported when a feed is first read: registering the kind costs a build of JSON sources nothing
    feedparser = lazy_module("feedparser")

log = logging.getLogger(__name__)

FEED_MARKERS = ("<rss", "<feed", "<rdf:rdf", "<rdf ")


def looks_feed(body: bytes) -> bool:
    """True when a body's start looks like an RSS, RDF or Atom document, in any Unicode encoding."""
    head = text_head(body, 4096).lower()
    return any(marker in head for marker in FEED_MARKERS) and "<html" not in head[:200]


# Charsets servers send by default rather than because they know (HTTP/1.1 made ISO-8859-1 the
# text/* default): when the document's own XML declaration names another, the declaration wins.
DEFAULT_CHARSETS = frozenset({"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"})
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']""")


def _trusted_content_type(content_type: str, body: bytes) -> str:
    """The Content-Type to parse with: without a default-looking charset that the prolog contradicts."""
    header = _CHARSET.search(content_type)
    mime = content_type.split(";")[0].strip().lower()
    if not header and mime.startswith("text/") and mime != "text/html":
        # feedparser follows RFC 3023 (text/xml without charset is US-ASCII); RFC 7303, which
        # replaced it, lets the BOM or XML declaration decide, as every browser does.
        return "application/xml"
    declared = _DECLARED.match(body.lstrip(b"\xef\xbb\xbf")[:300])
    if (
        header
        and declared
        and header.group(1).lower() in DEFAULT_CHARSETS
        and declared.group(1).decode("ascii").lower() != header.group(1).lower()
    ):
        return content_type.split(";")[0].strip()
    return content_type


def parse(body: bytes, url: str, content_type: str = "") -> Any:
    """Parse a feed; relative links resolve against `url`, charset from `content_type` or the prolog."""
    headers = {"content-location": url} if url.startswith(("http://", "https://")) else {}
    content_type = _trusted_content_type(content_type, body)
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(body, response_headers=headers, resolve_relative_uris=True, sanitize_html=False)


def _date(entry: dict, spec: SourceSpec) -> tuple[datetime | None, str]:
    """The entry's date and how it was read: feedparser's reading, checked against the raw string."""
    for key in ("published", "updated", "created"):
        raw, parsed = entry.get(key), entry.get(f"{key}_parsed")
        if raw or parsed:
            found, how = feed_date(
                raw if isinstance(raw, str) else None, parsed, spec.timezone, bool(spec.options.get("dayfirst"))
            )
            if found:
                return found, how
    return None, ""


def _image(entry: dict) -> dict | None:
    found = media_image(entry)
    if found:
        return found
    enclosures = (entry.get("enclosures") or []) + [
        ln for ln in entry.get("links") or [] if ln.get("rel") == "enclosure"
    ]
    for link in enclosures:
        if str(link.get("type", "")).startswith("image/") and link.get("href") and is_story_picture(link["href"]):
            return {"url": link["href"]}
    if isinstance(entry.get("image"), dict) and entry["image"].get("href"):
        return {"url": entry["image"]["href"]}
    return None


_EMAIL = re.compile(r"\S+@\S+\.\w+")


def _author(entry: dict, inherited: str | None = None) -> str | None:
    """The entry's author names; a bare e-mail address is not a name to print under a story."""
    names: list[str] = [a["name"] for a in entry.get("authors") or [] if isinstance(a, dict) and a.get("name")]
    if not names and entry.get("author"):
        names = [entry["author"]]
    names = [n for n in names if not _EMAIL.fullmatch(n.strip())]
    return ", ".join(dict.fromkeys(names)) if names else inherited


@dataclass(frozen=True)
class FeedPlace:
    """Where a feed lives, for resolving its entries' links and telling item links from page links."""

    base: str  # what relative links resolve against: the URL read, else the feed's self or home link
    documents: frozenset[str]  # canonical links of the feed document itself (read URL, self, xml:base)
    home: frozenset[str]  # canonical links of the site's home page


def feed_place(parsed: Any, read_url: str) -> FeedPlace:
    """The feed's base URL and its own links, from where it was read and what it says of itself."""
    links = [ln for ln in parsed.feed.get("links") or [] if isinstance(ln, dict) and is_web_link(ln.get("href"))]
    self_links = [ln["href"] for ln in links if ln.get("rel") == "self"]
    home = best_alternate(links) or parsed.feed.get("link")
    remote = read_url.startswith(("http://", "https://"))
    # A saved feed (a file) has no URL of its own: its self or home link is where its relative links point.
    base = read_url if remote else next((u for u in [*self_links, home] if u and urlsplit(u).scheme), "")
    return FeedPlace(base, page_links(read_url if remote else None, *self_links), page_links(home))


def _link(entry: dict, place: FeedPlace) -> tuple[str | None, bool]:
    """The entry's permalink, resolved, and whether it is only the site's home page: (link, is_page)."""
    # An empty href (<link href=""/>) resolves to the feed document (its URL or xml:base): no permalink.
    detail = entry.get("title_detail") or entry.get("summary_detail") or {}
    documents = place.documents | page_links(detail.get("base") if isinstance(detail, dict) else None)

    def resolved(href: Any) -> str | None:
        if not is_web_link(href):
            return None
        url = urljoin(place.base, str(href).strip())
        return url if urlsplit(url).scheme in ("http", "https") and identity_url(url) not in documents else None

    candidates = [entry.get("feedburner_origlink"), best_alternate(entry.get("links") or []), entry.get("link")]
    guid = entry.get("id") or ""
    # Without a link, a URL-shaped id is the best permalink left: Atom ids, and WordPress's
    # <guid isPermaLink="false">https://site/?p=123</guid>, which redirects to the post.
    if str(guid).startswith(("http://", "https://")):
        candidates.append(guid)
    for href in candidates:
        url = resolved(href)
        if url:
            return url, identity_url(url) in place.home
    home = next(iter(place.home), None)
    return (home, True) if home and guid else (None, False)  # a podcast episode: its guid names it


def _guid(entry: dict) -> str:
    """The entry's own id: its guid or Atom id, else its first enclosure (a podcast's audio file)."""
    if entry.get("id"):
        return str(entry["id"])
    enclosures = [ln.get("href") for ln in entry.get("links") or [] if ln.get("rel") == "enclosure"]
    return str(next((e for e in enclosures if e), ""))


def to_raw(
    entry: dict, language: str | None, spec: SourceSpec, place: FeedPlace, feed_author: str | None = None
) -> RawItem:
    """Pick one feedparser entry's fields."""
    guid = _guid(entry)
    link, link_is_page = convert("url", lambda _: _link(dict(entry, id=guid), place), entry.get("link"))
    contents = entry.get("content") or []
    html_parts = [c.get("value", "") for c in contents if "html" in str(c.get("type", "html"))]
    body = max(html_parts, key=len) if html_parts else None
    summary = entry.get("summary")
    published, dated = convert("published", lambda e: _date(e, spec), entry)
    # Some feeds (often RSS 1.0) date nothing; `undated = "now"` dates such items when read.
    if not published and spec.options.get("undated") != "now":
        raise ItemError(
            'no date (pubDate, dc:date, published or updated); set undated = "now" '
            "on this source to date such items when they are read"
        )
    given = convert("title", clean_title, entry.get("title"))
    title = given or first_words(plain(body or summary) or "") or (link_label(link) if link else None)
    categories, keywords = feed_categories(entry.get("tags") or [])
    return RawItem(
        title=title,
        title_made=not given,
        url=link,
        link_is_page=link_is_page,
        guid=guid,
        published=published,
        dated=dated,
        author=_author(entry, feed_author),
        categories=categories,
        tags=keywords,
        # Without full content the summary is the body; with it, the summary is the excerpt.
        content_html=body if body else summary,
        excerpt=summary if body else None,
        image=_image(entry),
        image_from_body=True,
        language=(contents[0].get("language") if contents else None) or language,
    )


def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read an RSS, RDF or Atom feed from a file or URL."""
    fetched = ctx.fetch(spec.location)
    if looks_json(fetched.body):
        raise SourceError(
            f"{spec.location}: JSON, not an RSS or Atom feed; drop the feed: prefix "
            '(or set kind = "auto") so its kind is detected'
        )
    parsed = parse(fetched.body, fetched.url, fetched.content_type)
    if not parsed.entries:
        ctype = (fetched.content_type or "").split(";")[0].strip()
        if ctype.endswith("html") or (not parsed.get("version") and b"<html" in fetched.body[:1024].lower()):
            raise SourceError(f"{spec.location}: not an RSS or Atom feed ({ctype or 'an HTML page'})")
        if _channel_only(parsed, fetched.body):
            log.info("%s: a feed with no items", spec.location)
        elif parsed.get("bozo") and not _encoding_only(parsed):
            raise SourceError(
                f"{spec.location}: invalid XML, not a readable feed ({_reason(parsed.get('bozo_exception'))})"
            )
        if not parsed.get("version"):
            raise SourceError(f"{spec.location}: not an RSS or Atom feed ({ctype or 'unknown content type'})")
    if parsed.get("bozo"):
        log.info("%s: parsed despite a problem: %s", spec.location, _reason(parsed.get("bozo_exception")))
    language = parsed.feed.get("language") or None
    # An Atom entry without an author has the feed's (RFC 4287, 4.2.1); an RSS channel's
    # managingEditor or publisher is not the writer of each item, so RSS inherits nothing.
    feed_author = _author(parsed.feed) if str(parsed.get("version", "")).startswith("atom") else None
    place = feed_place(parsed, fetched.url)
    title = parsed.feed.get("title") if isinstance(parsed.feed.get("title"), str) else None
    return articles_from_items(
        parsed.entries, spec, lambda e: to_raw(e, language, spec, place, feed_author), title=title
    )


_ROOT_END = re.compile(r"</(rss|feed|rdf:rdf)>\s*$")


def _channel_only(parsed: Any, body: bytes) -> bool:
    """True for a whole feed (a version, a channel title or link, its root element closed) with no items.

    feedparser reads such a channel even past a small XML fault (an undefined entity); a truncated
    document, which lacks its closing root tag, stays "invalid XML".
    """
    feed = parsed.get("feed") or {}
    whole = bool(_ROOT_END.search(text_head(body[-200:], 200).lower()))
    return bool(parsed.get("version")) and bool(feed.get("title") or feed.get("link")) and whole


def _encoding_only(parsed: Any) -> bool:
    """True when feedparser's complaint is only about the declared charset: the XML itself parsed."""
    exc = parsed.get("bozo_exception")
    return bool(parsed.get("version")) and isinstance(
        exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    )


def _reason(exc: Any) -> str:
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    return text or exc.__class__.__name__


def sniff(probe: Probe) -> bool:
    """True for an RSS, RDF or Atom document."""
    return not probe.is_json and looks_feed(probe.body)


KIND = register(
    Kind(
        "feed",
        read,
        sniff,
        aliases=tuple(a for a, k in KIND_ALIASES.items() if k == "feed"),
        options=KIND_OPTIONS["feed"],
    )
)
