"""An article's picture taken from its body, for feeds that put it there and nowhere else."""

from __future__ import annotations

import html
import re

from digest.normalize import sanitize_html

MIN_SIDE = 100  # px; a declared side below this is an icon, emoji, avatar or tracking pixel
# Images in bodies that are never the story's picture: counters, share buttons, emoji, avatars.
NOT_A_PICTURE = re.compile(
    r"feedburner|feedsportal|gravatar\.com|s\.w\.org|/emoji/|avatar|/pixel(\.gif|\.png|/|\?|$)|/p\.gif|"
    r"doubleclick|^stats\.|[?&]idsite=|/share[-_]?button|1x1|spacer\.gif|/badge",
    re.I,
)

_IMG = re.compile(r"<img\b([^>]*)>", re.I)
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def _side(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def body_image(fragment: str | None, base: str | None) -> dict | None:
    """The first picture-like <img> of an HTML body as a native image object, or None."""
    from digest.sources.images import is_story_picture  # images imports this module's patterns

    if not fragment or "<img" not in fragment.lower():
        return None
    for match in _IMG.finditer(sanitize_html(fragment, base=base)):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(match.group(1))}
        src = attrs.get("src", "")
        if not is_story_picture(src):
            continue
        width, height = _side(attrs.get("width")), _side(attrs.get("height"))
        if (width is not None and width < MIN_SIDE) or (height is not None and height < MIN_SIDE):
            continue
        return {"url": src, "alt": attrs.get("alt", ""), "width": width, "height": height}
    return None
