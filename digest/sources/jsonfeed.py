"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from digest.errors import SourceError
from digest.normalize import clean_text, first_words, html_to_text, sanitize_html
from digest.sources import FetchContext, SourceResult, SourceSpec, register
from digest.sources.body_image import body_image
from digest.sources.jsonapi import load_json, plain
from digest.sources.native import articles_from_items

def looks_jsonfeed(doc: Any) -> bool:
    """True for a decoded JSON Feed document (any version, http or https version URL)."""
    return isinstance(doc, dict) and "jsonfeed.org/version/" in str(doc.get("version", "")) \
        and isinstance(doc.get("items"), list)


def _authors(item: dict, feed: dict) -> str | None:
    # 1.1 has "authors" (a list); 1.0 had "author" (one object); items inherit the feed's.
    for holder in (item, feed):
        people = holder.get("authors")
        if not isinstance(people, list):
            people = [holder["author"]] if isinstance(holder.get("author"), dict) else []
        names = [clean_text(p.get("name")) for p in people if isinstance(p, dict) and p.get("name")]
        if names:
            return ", ".join(names)
    return None


def _title(item: dict) -> str | None:
    if item.get("title"):
        return item["title"]
    text = clean_text(item.get("content_text")) or html_to_text(sanitize_html(str(item.get("content_html") or "")))
    return first_words(text or clean_text(item.get("summary")))


def to_native(item: Any, feed: dict, base: str) -> dict:
    """Map one JSON Feed item to the native item shape."""
    if not isinstance(item, dict):
        return {}
    url = item.get("url") or item.get("external_url")
    # Some feeds repeat their icon as every item's image: that is a logo, not the story's picture.
    icons = {feed.get("icon"), feed.get("favicon")} - {None}
    image = next((i for i in (item.get("image"), item.get("banner_image"))
                  if isinstance(i, str) and i and i not in icons), None)
    tags = item.get("tags") or []
    tags = [tags] if isinstance(tags, str) else [t for t in tags if isinstance(t, str)]
    # Some generators write all tags as one "a,b,c" string; a tag never holds a comma on purpose.
    tags = [part.strip() for t in tags for part in t.split(",") if part.strip()]
    if not url and str(item.get("id", "")).startswith(("http://", "https://")):
        url = item["id"]  # many feeds use the permalink as the item's id
    link_is_page = False
    if not url and item.get("id") not in (None, "") and feed.get("home_page_url"):
        url, link_is_page = feed["home_page_url"], True  # a note with only an id: its id names it
    return {
        "title": _title(item),
        "title_made": not item.get("title"),
        "guid": str(item.get("id") or ""),
        "link_is_page": link_is_page,
        "url": urljoin(base, str(url)) if url else None,
        "published": item.get("date_published") or item.get("date_modified"),
        "author": _authors(item, feed),
        # JSON Feed has only tags; they are the item's categories too, so sections can use them.
        "categories": tags,
        "tags": tags,
        "content_html": item.get("content_html"),
        "content_text": item.get("content_text"),
        "excerpt": plain(item.get("summary")),
        "image": urljoin(base, image) if image
        else body_image(item.get("content_html"), urljoin(base, str(url)) if url else base),
        "language": item.get("language") or feed.get("language"),
    }


@register("jsonfeed")
def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read a JSON Feed file or URL."""
    fetched = ctx.fetch(spec.location)
    doc = load_json(fetched, spec.location)
    if not looks_jsonfeed(doc):
        raise SourceError(f'{spec.location}: not a JSON Feed (no "version" naming jsonfeed.org or no "items" list)')
    # Relative item URLs resolve against where the feed was read, or the URL it says it lives at.
    remote = fetched.url.startswith(("http://", "https://"))
    base = fetched.url if remote else str(doc.get("feed_url") or doc.get("home_page_url") or "")
    items = [to_native(i, doc, base) for i in doc["items"]]
    return articles_from_items(items, spec)
