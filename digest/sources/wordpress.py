"""WordPress REST API: /wp-json/wp/v2/posts?_embed, from a site URL or an endpoint.

Options: ``per_page`` (1-100, default 100), ``max_pages`` (default 10).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.fetch import HTTPStatusError
from digest.sources import FetchContext, SourceResult, SourceSpec, register
from digest.sources.body_image import body_image
from digest.sources.jsonapi import load_json, plain
from digest.sources.native import articles_from_items

POSTS_PATH = "/wp-json/wp/v2/posts"
PLAIN_ROUTE = "/?rest_route=/wp/v2/posts"
IMAGE_TARGET_WIDTH = 1000  # the smallest size at least this wide is "best" for a 600 px email at 2x
# WordPress compares after/before with the site's local date: widen the query by a day
# each side so no post in the window is missed; the select stage applies the exact window.
QUERY_SLACK = timedelta(days=1)


def looks_wordpress(doc: Any) -> bool:
    """True for a decoded WordPress posts response (a list, or one post)."""
    items = doc if isinstance(doc, list) else [doc]
    return bool(items) and all(
        isinstance(p, dict) and isinstance(p.get("title"), dict) and "rendered" in p["title"] and "link" in p
        for p in items[:5]
    )


def is_api_location(location: str) -> bool:
    """True for a REST API URL (under /wp-json, or a ?rest_route= URL) rather than a site's."""
    parts = urlsplit(location)
    return "/wp-json" in parts.path or "rest_route=" in parts.query


def endpoints(location: str) -> list[str]:
    """Posts endpoints to try for a configured location, in order."""
    parts = urlsplit(location)
    if "rest_route=" in parts.query:
        return [location]
    if "/wp-json" in parts.path:
        head, _, tail = location.partition("/wp-json")
        return [location if tail.strip("/") else head + POSTS_PATH]
    site = location.split("?")[0].rstrip("/")
    return [site + POSTS_PATH, site + PLAIN_ROUTE]


def _best_image(post: dict) -> dict | None:
    media = (post.get("_embedded") or {}).get("wp:featuredmedia") or []
    if not media or not isinstance(media[0], dict) or not media[0].get("source_url"):
        return None
    item = media[0]
    sizes = [s for s in ((item.get("media_details") or {}).get("sizes") or {}).values()
             if isinstance(s, dict) and s.get("source_url") and isinstance(s.get("width"), int)]
    sizes.sort(key=lambda s: s["width"])
    wide = [s for s in sizes if s["width"] >= IMAGE_TARGET_WIDTH]
    best = wide[0] if wide else (sizes[-1] if sizes else {"source_url": item["source_url"]})
    return {"url": best["source_url"], "alt": item.get("alt_text") or "",
            "width": best.get("width"), "height": best.get("height")}


def _terms(post: dict, taxonomy: str) -> list[str]:
    groups = (post.get("_embedded") or {}).get("wp:term") or []
    return [t["name"] for group in groups if isinstance(group, list) for t in group
            if isinstance(t, dict) and t.get("taxonomy") == taxonomy and t.get("name")]


def _rendered(value: Any) -> Any:
    return value.get("rendered") if isinstance(value, dict) else value


def to_native(post: Any) -> dict:
    """Map one WordPress post to the native item shape."""
    if not isinstance(post, dict):
        return {}
    authors = (post.get("_embedded") or {}).get("author") or []
    author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
    categories = _terms(post, "category")
    if post.get("sticky"):
        categories.append("featured")  # a sticky post is the site's own pick
    gmt = post.get("date_gmt")
    return {
        "title": _rendered(post.get("title")),
        "url": post.get("link"),
        # date_gmt is UTC without a suffix; `date` is site-local (the source's timezone option).
        "published": (gmt + "Z" if isinstance(gmt, str) and gmt and not gmt.endswith("Z") else gmt)
        or post.get("date"),
        "author": author,
        "categories": categories,
        "tags": _terms(post, "post_tag"),
        "content_html": _rendered(post.get("content")),
        "excerpt": plain(_rendered(post.get("excerpt"))),
        # Without _embed (a saved response, a site that drops it) the body's first picture stands in.
        "image": _best_image(post) or body_image(_rendered(post.get("content")), post.get("link")),
    }


def _query(ctx: FetchContext, spec: SourceSpec, page: int) -> dict:
    params: dict[str, Any] = {"_embed": "1", "per_page": max(1, min(100, int(spec.options.get("per_page", 100)))),
                              "page": page, "orderby": "date", "order": "desc"}
    if ctx.since:
        params["after"] = (ctx.since - QUERY_SLACK).strftime("%Y-%m-%dT%H:%M:%S")
    if ctx.until:
        params["before"] = (ctx.until + QUERY_SLACK).strftime("%Y-%m-%dT%H:%M:%S")
    return params


def _first_page(spec: SourceSpec, ctx: FetchContext) -> tuple[str, Any, Any]:
    """Find the endpoint that answers with posts: (endpoint, fetched, posts)."""
    tried = endpoints(spec.location)
    last: SourceError | None = None
    for endpoint in tried:
        try:
            fetched = ctx.fetch(endpoint, params=_query(ctx, spec, 1))
        except HTTPStatusError as exc:
            if exc.status >= 500:
                raise  # the site is there but failing: trying another route would hide why
            last = exc
            continue
        # Timeouts and connection errors propagate: the next route is on the same host.
        try:
            doc = load_json(fetched, endpoint)
        except SourceError as exc:
            last = exc
            continue
        if isinstance(doc, list) and (not doc or looks_wordpress(doc)):
            return endpoint, fetched, doc
        last = SourceError(f"{endpoint}: JSON that is not a WordPress posts list")
    if len(tried) > 1:
        raise SourceError(f"{spec.location}: no WordPress REST API found at {' or '.join(tried)} ({last})")
    raise last or SourceError(f"{spec.location}: no WordPress posts")


@register("wordpress")
def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read posts from a WordPress site (or a saved posts response file)."""
    remote = spec.location.startswith(("http://", "https://"))
    if not remote or (not is_api_location(spec.location)
                      and (ctx.location_is_document or urlsplit(spec.location).path.endswith(".json"))):
        # A saved posts response (a file, or JSON served at a URL that is not the REST API): read as is.
        fetched = ctx.fetch(spec.location)
        doc = load_json(fetched, spec.location)
        posts = doc if isinstance(doc, list) else [doc]
        if not looks_wordpress(posts):
            raise SourceError(f"{spec.location}: not a WordPress posts response")
        return articles_from_items([to_native(p) for p in posts], spec)
    endpoint, fetched, posts = _first_page(spec, ctx)
    total = fetched.header("X-WP-TotalPages")
    last_page = min(int(total) if total.isdigit() else 1, int(spec.options.get("max_pages", 10)))
    for page in range(2, last_page + 1):
        try:
            more = load_json(ctx.fetch(endpoint, params=_query(ctx, spec, page)), f"{endpoint} (page {page})")
        except HTTPStatusError as exc:
            if exc.status == 400:
                break  # rest_post_invalid_page_number: the list shrank while we read it
            raise
        if not isinstance(more, list) or not more:
            break
        posts.extend(more)
    return articles_from_items([to_native(p) for p in posts], spec)
