"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, parsed by feedparser."""

from __future__ import annotations

import calendar
import logging
import re
from datetime import datetime, timezone
from typing import Any

import feedparser

from digest.errors import ItemError, SourceError
from digest.sources import FetchContext, Kind, Probe, RawItem, SourceResult, SourceSpec, register
from digest.sources.body_image import MIN_SIDE
from digest.sources.items import articles_from_items, convert
from digest.sources.jsondoc import looks_json, text_head

log = logging.getLogger(__name__)

FEED_MARKERS = ("<rss", "<feed", "<rdf:rdf", "<rdf ")
OPTION_KEYS = frozenset({"undated"})


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
    if header and declared and header.group(1).lower() in DEFAULT_CHARSETS \
            and declared.group(1).decode("ascii").lower() != header.group(1).lower():
        return content_type.split(";")[0].strip()
    return content_type


def parse(body: bytes, url: str, content_type: str = "") -> Any:
    """Parse a feed; relative links resolve against `url`, charset from `content_type` or the prolog."""
    headers = {"content-location": url} if url.startswith(("http://", "https://")) else {}
    content_type = _trusted_content_type(content_type, body)
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(body, response_headers=headers, resolve_relative_uris=True, sanitize_html=False)


def _date(entry: dict) -> datetime | None:
    # feedparser gives *_parsed as a UTC struct_time whatever the feed's format was.
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    return None


def _image(entry: dict) -> dict | None:
    for media in entry.get("media_content") or []:
        if media.get("url") and (media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")) \
                and not _tiny(media):
            return {"url": media["url"], "width": _int(media.get("width")), "height": _int(media.get("height"))}
    for thumb in entry.get("media_thumbnail") or []:
        if thumb.get("url") and not _tiny(thumb):
            return {"url": thumb["url"], "width": _int(thumb.get("width")), "height": _int(thumb.get("height"))}
    enclosures = (entry.get("enclosures") or []) + [
        ln for ln in entry.get("links") or [] if ln.get("rel") == "enclosure"]
    for link in enclosures:
        if str(link.get("type", "")).startswith("image/") and link.get("href"):
            return {"url": link["href"]}
    if isinstance(entry.get("image"), dict) and entry["image"].get("href"):
        return {"url": entry["image"]["href"]}
    return None


def _tiny(media: dict) -> bool:
    """True for media declared smaller than a picture (a 30 px avatar as GitHub's feeds give)."""
    sides = [_int(media.get("width")), _int(media.get("height"))]
    return any(side is not None and side < MIN_SIDE for side in sides)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


_EMAIL = re.compile(r"\S+@\S+\.\w+")


def _author(entry: dict, inherited: str | None = None) -> str | None:
    """The entry's author names; a bare e-mail address is not a name to print under a story."""
    names = [a.get("name") for a in entry.get("authors") or [] if isinstance(a, dict) and a.get("name")]
    if not names and entry.get("author"):
        names = [entry["author"]]
    names = [n for n in names if not _EMAIL.fullmatch(n.strip())]
    return ", ".join(dict.fromkeys(names)) if names else inherited


def _link(entry: dict, feed_url: str = "") -> str | None:
    # An empty href (<link href=""/>) comes back resolved to the feed's own URL: that is no permalink.
    def usable(href: Any) -> bool:
        return bool(href) and href != feed_url

    for link in entry.get("links") or []:
        if link.get("rel", "alternate") == "alternate" and usable(link.get("href")):
            return link["href"]
    if usable(entry.get("link")):
        return entry["link"]
    guid = entry.get("id") or ""
    # Without a link, a URL-shaped id is the best permalink left: Atom ids, and WordPress's
    # <guid isPermaLink="false">https://site/?p=123</guid>, which redirects to the post.
    return guid if guid.startswith(("http://", "https://")) and usable(guid) else None


def to_raw(entry: dict, language: str | None, undated: datetime | None = None,
           feed_author: str | None = None, feed_url: str = "") -> RawItem:
    """Pick one feedparser entry's fields."""
    link = _link(entry, feed_url)
    contents = entry.get("content") or []
    html_parts = [c.get("value", "") for c in contents if "html" in str(c.get("type", "html"))]
    body = max(html_parts, key=len) if html_parts else None
    summary = entry.get("summary")
    published = convert("published", _date, entry) or undated
    if not published:
        raise ItemError('no date (pubDate, dc:date, published or updated); set undated = "now" '
                        "on this source to date such items when they are read")
    return RawItem(
        title=entry.get("title"),
        url=link,
        published=published,
        author=_author(entry, feed_author),
        categories=[t.get("label") or t.get("term") for t in entry.get("tags") or []
                    if t.get("label") or t.get("term")],
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
        raise SourceError(f"{spec.location}: JSON, not an RSS or Atom feed; drop the feed: prefix "
                          '(or set kind = "auto") so its kind is detected')
    parsed = parse(fetched.body, fetched.url, fetched.content_type)
    if not parsed.entries:
        ctype = (fetched.content_type or "").split(";")[0].strip()
        if ctype.endswith("html") or (not parsed.get("version") and b"<html" in fetched.body[:1024].lower()):
            raise SourceError(f"{spec.location}: not an RSS or Atom feed ({ctype or 'an HTML page'})")
        if _channel_only(parsed, fetched.body):
            log.info("%s: a feed with no items", spec.location)
        elif parsed.get("bozo") and not _encoding_only(parsed):
            raise SourceError(f"{spec.location}: invalid XML, not a readable feed ({_reason(parsed.get('bozo_exception'))})")
        if not parsed.get("version"):
            raise SourceError(f"{spec.location}: not an RSS or Atom feed ({ctype or 'unknown content type'})")
    if parsed.get("bozo"):
        log.info("%s: parsed despite a problem: %s", spec.location, _reason(parsed.get("bozo_exception")))
    language = parsed.feed.get("language") or None
    # Some feeds (often RSS 1.0) date nothing; `undated = "now"` dates such items when read.
    undated = datetime.now(timezone.utc) if spec.options.get("undated") == "now" else None
    # An Atom entry without an author has the feed's (RFC 4287, 4.2.1); an RSS channel's
    # managingEditor or publisher is not the writer of each item, so RSS inherits nothing.
    feed_author = _author(parsed.feed) if str(parsed.get("version", "")).startswith("atom") else None
    title = parsed.feed.get("title") if isinstance(parsed.feed.get("title"), str) else None
    return articles_from_items(parsed.entries, spec,
                               lambda e: to_raw(e, language, undated, feed_author, fetched.url), title=title)


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
        exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType))


def _reason(exc: Any) -> str:
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    return text or exc.__class__.__name__


def sniff(probe: Probe) -> bool:
    """True for an RSS, RDF or Atom document."""
    return not probe.is_json and looks_feed(probe.body)


KIND = register(Kind("feed", read, sniff, aliases=("rss", "atom", "rdf"), options=OPTION_KEYS))
