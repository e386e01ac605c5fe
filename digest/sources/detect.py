"""Detecting a source's kind from its content when it is configured as "auto": each registered kind sniffs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from digest.errors import SourceError
from digest.sources import REGISTRY, Probe, SourceSpec, load_readers
from digest.sources.jsondoc import decode_json, text_head
from digest.sources.wordpress import endpoints, looks_wordpress

log = logging.getLogger(__name__)

WP_API_MARKER = b"https://api.w.org/"  # the <link rel> every WordPress page carries


def kind_of(probe: Probe) -> str | None:
    """The first registered kind whose sniff claims the document, or None."""
    load_readers()
    for kind in REGISTRY.values():
        if kind.sniff(probe):
            return kind.name
    return None


def _is_wordpress_site(location: str, fetch: Callable[..., Any]) -> bool:
    """Probe a site URL for the WordPress posts endpoint (pretty, then plain permalinks)."""
    for endpoint in endpoints(location):
        try:
            doc = decode_json(fetch(endpoint, params={"per_page": 1}), endpoint)
        except SourceError:
            continue
        if isinstance(doc, list) and (not doc or looks_wordpress(doc)):
            return True
    return False


def detect(spec: SourceSpec, fetch: Callable[..., Any]) -> tuple[str, Any]:
    """Return (kind, fetched document) for a source, or raise SourceError saying what was found and what to do."""
    fetched = fetch(spec.location)
    probe = Probe(fetched, spec.location)
    kind = kind_of(probe)  # a JSON document is decoded here: broken JSON is named by line and column
    if kind:
        return kind, fetched
    if probe.is_json:
        raise SourceError(
            f'{spec.location}: JSON in no known shape; set kind = "jsonapi" with a field '
            f"mapping (see README, Sources) or a kind prefix such as jsonapi:{spec.location}"
        )
    remote = spec.location.startswith(("http://", "https://"))
    low = text_head(fetched.body, 2048).lower()
    is_html = "<html" in low or "<!doctype html" in low or "html" in (fetched.content_type or "").lower()
    if remote and is_html:
        # A site URL: WordPress pages name their API; otherwise probe for it.
        if WP_API_MARKER in fetched.body or _is_wordpress_site(spec.location, fetch):
            return "wordpress", None
        raise SourceError(
            f"{spec.location}: an HTML page, not a feed or JSON; use the site's feed URL "
            "or a kind prefix such as feed:URL"
        )
    if is_html:
        raise SourceError(
            f"{spec.location}: an HTML page, not a feed or JSON; point the source at a feed or JSON file instead"
        )
    raise SourceError(
        f"{spec.location}: unrecognized content (not JSON, RSS or Atom); "
        "use a kind prefix such as feed:, jsonfeed:, wordpress: or jsonapi:"
    )
