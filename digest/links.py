"""Links as the publisher gave them; their canonical form (normalize.canonical_url) only identifies them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from digest.errors import ItemError
from digest.normalize import CLICK_TRACKING, NOISE_FRAGMENT, canonical_url, clean_text

CLICK_TRACKING_PREFIXES = ("utm_",)
WEB_SCHEMES = ("http", "https")


def is_click_tracking(name: str) -> bool:
    """True for a query parameter that only tracks the click (utm_*, fbclid, gclid, mc_cid, wt_mc, ...)."""
    low = unquote_plus(name).strip().lower()
    return low in CLICK_TRACKING or low.startswith(CLICK_TRACKING_PREFIXES)


def printed_link(url: str, base: str | None = None) -> str:
    """The link a reader clicks: absolute, scheme and query as given, click-tracking parameters removed."""
    text = clean_text(url)
    if base:
        text = urljoin(base, text)
    parts = urlsplit(text)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        raise ItemError(f"not an absolute http(s) URL: {text!r}")
    # Split by hand rather than parse and re-encode: the publisher's encoding and order stay as they were.
    kept = [pair for pair in parts.query.split("&") if pair and not is_click_tracking(pair.split("=", 1)[0])]
    # A comments or "read more" anchor jumps past the story's start: the story is the page itself.
    fragment = "" if NOISE_FRAGMENT.fullmatch(parts.fragment) else parts.fragment
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, "&".join(kept), fragment))


def identity_url(url: str) -> str:
    """The canonical form of a link for telling stories apart, or "" when it is no http(s) URL."""
    try:
        return canonical_url(url)
    except ItemError:
        return ""


def is_web_link(href: Any) -> bool:
    """True for an absolute or relative link that a browser opens (not gemini:, mailto:, ...)."""
    if not isinstance(href, str) or not href.strip():
        return False
    scheme = urlsplit(href.strip()).scheme.lower()
    return scheme in ("", *WEB_SCHEMES)


def best_alternate(links: Iterable[Mapping[str, Any]]) -> str | None:
    """Of a feed entry's alternate links, an http(s) text/html one first, then any http(s) one."""
    alternates = [ln for ln in links if ln.get("rel", "alternate") == "alternate" and is_web_link(ln.get("href"))]
    html = [
        ln
        for ln in alternates
        if str(ln.get("type") or "text/html").split(";")[0].strip() in ("text/html", "application/xhtml+xml")
    ]
    chosen = (html or alternates)[:1]
    return str(chosen[0]["href"]).strip() if chosen else None


def page_links(*urls: str | None) -> frozenset[str]:
    """Canonical forms of links that name a whole feed or site (home page, self link, the feed file)."""
    return frozenset(u for u in (identity_url(url) for url in urls if url) if u)


def link_label(url: str) -> str:
    """A readable stand-in title made from a link: host and path, no scheme (`example.org/notes/42`)."""
    parts = urlsplit(url)
    tail = parts.path.rstrip("/")
    return (parts.netloc + tail + (f"#{parts.fragment}" if parts.fragment else "")) or url
