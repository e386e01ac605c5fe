"""A feed item's picture from its Media RSS elements: the largest that fits the email, never an icon."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from digest.sources.body_image import MIN_SIDE, NOT_A_PICTURE

EMAIL_WIDTH = 600  # px, the email's content width
# The widest picture worth taking: twice the email width, so it stays sharp on 2x (retina) screens.
MAX_WIDTH = 2 * EMAIL_WIDTH
IMAGE_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
# File-type icons ("pdf.gif", "jpg.gif", WordPress's media icons) stand for a download, not the story.
FILE_ICON = re.compile(
    r"(?:^|[/.])(?:jpe?g|png|gif|pdf|docx?|xlsx?|pptx?|zip|mp3|mp4|txt)\.(?:gif|png)$|"
    r"/wp-includes/images/|/icons?/",
    re.IGNORECASE,
)


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def is_story_picture(url: str) -> bool:
    """False for tracking pixels, counters, avatars and file-type icons."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    return not NOT_A_PICTURE.search(parts.netloc + parts.path + "?" + parts.query) and not FILE_ICON.search(parts.path)


def _is_image(media: Mapping[str, Any]) -> bool:
    """A media:content that is an image: by medium or type, else by its URL's extension or a width."""
    medium, kind = str(media.get("medium") or "").lower(), str(media.get("type") or "").lower()
    if medium or kind:
        return medium == "image" or kind.startswith("image/")
    return bool(IMAGE_EXTENSION.search(urlsplit(str(media.get("url"))).path)) or _int(media.get("width")) is not None


def _usable(media: Mapping[str, Any]) -> bool:
    sides = [_int(media.get("width")), _int(media.get("height"))]
    return (
        bool(media.get("url"))
        and is_story_picture(str(media["url"]))
        and not any(side is not None and side < MIN_SIDE for side in sides)
    )


def choose(candidates: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The largest candidate not wider than MAX_WIDTH; else the narrowest; else (no widths) the first."""
    sized = [c for c in candidates if _int(c.get("width")) is not None]
    if not sized:
        return candidates[0] if candidates else None
    fitting = [c for c in sized if (_int(c.get("width")) or 0) <= MAX_WIDTH]
    if fitting:
        return max(fitting, key=lambda c: _int(c.get("width")) or 0)
    return min(sized, key=lambda c: _int(c.get("width")) or 0)


def media_image(entry: Mapping[str, Any]) -> dict | None:
    """The story's picture from media:content, else media:thumbnail, as a native image object."""
    contents = [m for m in entry.get("media_content") or [] if isinstance(m, Mapping) and _is_image(m) and _usable(m)]
    thumbs = [m for m in entry.get("media_thumbnail") or [] if isinstance(m, Mapping) and _usable(m)]
    best = choose(contents) or choose(thumbs)
    if best is None:
        return None
    return {"url": best["url"], "width": _int(best.get("width")), "height": _int(best.get("height"))}
