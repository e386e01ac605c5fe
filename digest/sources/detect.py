"""Detecting a source's kind from its content when it is configured as "auto"."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from digest.errors import SourceError
from digest.sources import SourceSpec
from digest.sources.feed import looks_feed
from digest.sources.jsonapi import body_head, load_json, looks_json
from digest.sources.jsonfeed import looks_jsonfeed
from digest.sources.native import looks_native
from digest.sources.wordpress import endpoints, looks_wordpress

log = logging.getLogger(__name__)

WP_API_MARKER = b"https://api.w.org/"  # the <link rel> every WordPress page carries


def kind_of_json(doc: Any) -> str | None:
    """The kind of a decoded JSON document, or None when no reader recognizes it."""
    if looks_jsonfeed(doc):
        return "jsonfeed"
    if looks_wordpress(doc):
        return "wordpress"
    if looks_native(doc):
        return "native"
    return None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def _is_wordpress_site(location: str, fetch: Callable[..., Any]) -> bool:
    """Probe a site URL for the WordPress posts endpoint (pretty, then plain permalinks)."""
    for endpoint in endpoints(location):
        try:
            probe = fetch(endpoint, params={"per_page": 1})
        except SourceError:
            continue
        doc = _json(probe.body)
        if isinstance(doc, list) and (not doc or looks_wordpress(doc)):
            return True
    return False


def detect(spec: SourceSpec, fetch: Callable[..., Any]) -> tuple[str, Any]:
    """Return (kind, fetched document) for a source, or raise SourceError saying what was found."""
    fetched = fetch(spec.location)
    head = body_head(fetched.body)
    if looks_json(fetched.body):
        doc = load_json(fetched, spec.location)  # names the line and column of broken JSON
        kind = kind_of_json(doc)
        if kind:
            return kind, fetched
        raise SourceError(f'{spec.location}: JSON in no known shape; set kind = "jsonapi" with a field '
                          f"mapping (see README, Sources) or a kind prefix such as jsonapi:{spec.location}")
    if looks_feed(fetched.body):
        return "feed", fetched
    remote = spec.location.startswith(("http://", "https://"))
    low = head.lower()
    is_html = b"<html" in low or b"<!doctype html" in low or "html" in (fetched.content_type or "").lower()
    if remote and is_html:
        # A site URL: WordPress pages name their API; otherwise probe for it.
        if WP_API_MARKER in fetched.body or _is_wordpress_site(spec.location, fetch):
            return "wordpress", None
        raise SourceError(f"{spec.location}: an HTML page, not a feed or JSON; use the site's feed URL "
                          "or a kind prefix such as feed:URL")
    if is_html:
        raise SourceError(f"{spec.location}: an HTML page, not a feed or JSON")
    raise SourceError(f"{spec.location}: unrecognized content (not JSON, RSS or Atom); "
                      "use a kind prefix such as feed:, jsonfeed:, wordpress: or jsonapi:")
