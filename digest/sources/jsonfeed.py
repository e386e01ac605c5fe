"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

from typing import Any

from digest.errors import SourceError
from digest.sources import KIND_OPTIONS, FetchContext, Kind, Probe, RawItem, SourceResult, SourceSpec, register
from digest.sources.items import articles_from_items
from digest.sources.jsondoc import decode_json

# Some generators write the bare number instead of the spec's URL.
BARE_VERSIONS = frozenset({"1", "1.0", "1.1"})
FEED_KEYS = ("title", "home_page_url", "feed_url")
ITEM_KEYS = ("id", "content_html", "content_text", "date_published")


def looks_jsonfeed(doc: Any) -> bool:
    """True for a decoded JSON Feed document (any version: a spec URL over http or https, or "1.0"/"1.1")."""
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return False
    version = doc.get("version")
    if isinstance(version, str) and "jsonfeed.org/version/" in version:
        return True
    if str(version).strip() not in BARE_VERSIONS:
        return False
    # A bare version number is common in any API: ask for a feed's own keys too.
    first = next((i for i in doc["items"] if isinstance(i, dict)), {})
    return any(k in doc for k in FEED_KEYS) and (not first or any(k in first for k in ITEM_KEYS))


def _authors(item: dict, feed: dict) -> list[Any] | None:
    # 1.1 has "authors" (a list); 1.0 had "author" (one object); items inherit the feed's.
    for holder in (item, feed):
        people = holder.get("authors")
        if not isinstance(people, list):
            people = [holder["author"]] if isinstance(holder.get("author"), dict) else []
        if any(isinstance(p, dict) and p.get("name") for p in people):
            return people
    return None


def _tags(value: Any) -> Any:
    # Some generators write all tags as one "a,b,c" string; a tag never holds a comma on purpose.
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return ",".join(value)
    return value


def to_raw(item: dict, feed: dict, base: str) -> RawItem:
    """Pick one JSON Feed item's fields."""
    url = item.get("url") or item.get("external_url")
    if not url and str(item.get("id", "")).startswith(("http://", "https://")):
        url = item["id"]  # many feeds use the permalink as the item's id
    link_is_page = False
    if not url and item.get("id") not in (None, "") and feed.get("home_page_url"):
        url, link_is_page = feed["home_page_url"], True  # a note with only an id: its id names it
    # Some feeds repeat their icon as every item's image: that is a logo, not the story's picture.
    icons = [feed.get("icon"), feed.get("favicon")]
    image = next(
        (i for i in (item.get("image"), item.get("banner_image")) if isinstance(i, str) and i and i not in icons), None
    )
    tags = _tags(item.get("tags"))
    return RawItem(
        title=item.get("title"),
        url=url,
        published=item.get("date_published") or item.get("date_modified"),
        author=_authors(item, feed),
        categories=tags,  # JSON Feed has only tags; they are the item's categories too, so sections can use them
        tags=tags,
        content_html=item.get("content_html"),
        content_text=item.get("content_text"),
        excerpt=item.get("summary"),
        image=image,
        language=item.get("language") or feed.get("language"),
        guid=item.get("id"),
        link_is_page=link_is_page,
        base=base,
        image_from_body=True,
    )


def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read a JSON Feed file or URL."""
    fetched = ctx.fetch(spec.location)
    doc = decode_json(fetched, spec.location)
    if not looks_jsonfeed(doc):
        raise SourceError(
            f'{spec.location}: not a JSON Feed (no "version" naming jsonfeed.org or no "items" '
            "list); check the URL, or drop the jsonfeed: prefix so the kind is detected"
        )
    # Relative item URLs resolve against where the feed was read, or the URL it says it lives at.
    remote = fetched.url.startswith(("http://", "https://"))
    base = fetched.url if remote else str(doc.get("feed_url") or doc.get("home_page_url") or "")
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    return articles_from_items(doc["items"], spec, lambda i: to_raw(i, doc, base), title=title)


def sniff(probe: Probe) -> bool:
    """True for a JSON Feed document."""
    return probe.is_json and looks_jsonfeed(probe.doc)


KIND = register(Kind("jsonfeed", read, sniff, options=KIND_OPTIONS["jsonfeed"]))
