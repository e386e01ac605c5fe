"""WordPress REST API: /wp-json/wp/v2/posts?_embed, from a site URL or an endpoint.

Options: ``per_page`` (1-100, default 100), ``max_pages`` (default 10).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.fetch import HTTPStatusError
from digest.sources import KIND_OPTIONS, FetchContext, Kind, Probe, RawItem, SourceResult, SourceSpec, register
from digest.sources.items import articles_from_items
from digest.sources.jsondoc import decode_json

POSTS_PATH = "/wp-json/wp/v2/posts"
PLAIN_ROUTE = "/?rest_route=/wp/v2/posts"
IMAGE_TARGET_WIDTH = 1000  # the smallest size at least this wide is "best" for a 600 px email at 2x
# WordPress compares after/before with the site's local date: widen the query by a day
# each side so no post in the window is missed; the select stage applies the exact window.
QUERY_SLACK = timedelta(days=1)


def looks_wordpress(doc: Any) -> bool:
    """True for a decoded WordPress REST response of posts (or media): a list, or one item.

    Most of the first five items decide, so that one malformed post does not hide the source's kind.
    """
    head = (doc if isinstance(doc, list) else [doc])[:5]
    shaped = [
        p
        for p in head
        if isinstance(p, dict) and isinstance(p.get("title"), dict) and "rendered" in p["title"] and "link" in p
    ]
    return bool(shaped) and len(shaped) * 2 >= len(head)


def is_media(doc: Any) -> bool:
    """True for a /wp/v2/media response: attachments (images, files), not posts."""
    items = doc if isinstance(doc, list) else [doc]
    return bool(items) and all(isinstance(p, dict) and "media_type" in p and "source_url" in p for p in items[:5])


def refuse_media(doc: Any, where: str) -> None:
    """Raise SourceError for a media listing, which would otherwise read as articles named after files."""
    if is_media(doc):
        raise SourceError(
            f"{where}: a WordPress media listing (/wp/v2/media: images and files), not posts; "
            "point the source at the site or its /wp-json/wp/v2/posts endpoint"
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
    sizes = [
        s
        for s in ((item.get("media_details") or {}).get("sizes") or {}).values()
        if isinstance(s, dict) and s.get("source_url") and isinstance(s.get("width"), int)
    ]
    sizes.sort(key=lambda s: s["width"])
    wide = [s for s in sizes if s["width"] >= IMAGE_TARGET_WIDTH]
    best = wide[0] if wide else (sizes[-1] if sizes else {"source_url": item["source_url"]})
    return {
        "url": best["source_url"],
        "alt": item.get("alt_text") or "",
        "width": best.get("width"),
        "height": best.get("height"),
    }


def _terms(post: dict, taxonomy: str) -> list[str]:
    groups = (post.get("_embedded") or {}).get("wp:term") or []
    return [
        t["name"]
        for group in groups
        if isinstance(group, list)
        for t in group
        if isinstance(t, dict) and t.get("taxonomy") == taxonomy and t.get("name")
    ]


def _rendered(value: Any) -> Any:
    return value.get("rendered") if isinstance(value, dict) else value


def to_raw(post: dict) -> RawItem:
    """Pick one WordPress post's fields."""
    authors = (post.get("_embedded") or {}).get("author") or []
    author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
    categories = _terms(post, "category")
    if post.get("sticky"):
        categories.append("featured")  # a sticky post is the site's own pick
    gmt = post.get("date_gmt")
    return RawItem(
        title=_rendered(post.get("title")),
        url=post.get("link"),
        # date_gmt is UTC without a suffix; `date` is site-local (the source's timezone option).
        published=(gmt + "Z" if isinstance(gmt, str) and gmt and not gmt.endswith("Z") else gmt) or post.get("date"),
        author=author,
        categories=categories,
        tags=_terms(post, "post_tag"),
        content_html=_rendered(post.get("content")),
        excerpt=_rendered(post.get("excerpt")),
        image=_best_image(post),
        # Without _embed (a saved response, a site that drops it) the body's first picture stands in.
        image_from_body=True,
    )


def _query(ctx: FetchContext, spec: SourceSpec, page: int) -> dict:
    params: dict[str, Any] = {
        "_embed": "1",
        "per_page": max(1, min(100, int(spec.options.get("per_page", 100)))),
        "page": page,
        "orderby": "date",
        "order": "desc",
    }
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
            doc = decode_json(fetched, endpoint)
        except SourceError as exc:
            last = exc
            continue
        refuse_media(doc, endpoint)
        if isinstance(doc, list) and (not doc or looks_wordpress(doc)):
            return endpoint, fetched, doc
        last = SourceError(f"{endpoint}: JSON that is not a WordPress posts list")
    if len(tried) > 1:
        raise SourceError(f"{spec.location}: no WordPress REST API found at {' or '.join(tried)} ({last})")
    raise last or SourceError(f"{spec.location}: no WordPress posts")


def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read posts from a WordPress site (or a saved posts response file)."""
    remote = spec.location.startswith(("http://", "https://"))
    if not remote or (
        not is_api_location(spec.location)
        and (ctx.location_is_document or urlsplit(spec.location).path.endswith(".json"))
    ):
        # A saved posts response (a file, or JSON served at a URL that is not the REST API): read as is.
        fetched = ctx.fetch(spec.location)
        doc = decode_json(fetched, spec.location)
        refuse_media(doc, spec.location)
        posts = doc if isinstance(doc, list) else [doc]
        if not looks_wordpress(posts):
            raise SourceError(
                f"{spec.location}: not a WordPress posts response; point the source at the "
                "site or its /wp-json/wp/v2/posts endpoint"
            )
        return articles_from_items(posts, spec, to_raw)
    endpoint, fetched, posts = _first_page(spec, ctx)
    total = fetched.header("X-WP-TotalPages")
    last_page = min(int(total) if total.isdigit() else 1, int(spec.options.get("max_pages", 10)))
    for page in range(2, last_page + 1):
        try:
            more = decode_json(ctx.fetch(endpoint, params=_query(ctx, spec, page)), f"{endpoint} (page {page})")
        except HTTPStatusError as exc:
            if exc.status == 400:
                break  # rest_post_invalid_page_number: the list shrank while we read it
            raise
        if not isinstance(more, list) or not more:
            break
        posts.extend(more)
    # The site's name labels a source that has none configured (one more request, only then).
    title = None if spec.named else site_title(endpoint, ctx)
    return articles_from_items(posts, spec, to_raw, title=title)


def site_title(endpoint: str, ctx: FetchContext) -> str | None:
    """The site's name from the API index (/wp-json/ or ?rest_route=/), when it answers; None otherwise."""
    if "rest_route=" in endpoint:
        index = endpoint.split("?")[0] + "?rest_route=/"
    else:
        index = endpoint.partition("/wp-json")[0].rstrip("/") + "/wp-json/"
    try:
        doc = decode_json(ctx.fetch(index), index)
    except SourceError:
        return None
    name = doc.get("name") if isinstance(doc, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def sniff(probe: Probe) -> bool:
    """True for a saved or served WordPress posts response; a media listing is refused with the fix."""
    if not probe.is_json:
        return False
    refuse_media(probe.doc, probe.location)
    return looks_wordpress(probe.doc)


KIND = register(Kind("wordpress", read, sniff, options=KIND_OPTIONS["wordpress"]))
