"""The editor's note: Markdown in, safe HTML out (raw HTML disabled, links limited to safe schemes)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.normalize import sanitize_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"https"})  # mail clients block plain-http images as insecure content


@cache
def _parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough; raw HTML shown as text; only absolute safe links.

    Made when the first note is rendered: most builds have no note, and markdown-it takes a while to load."""
    from markdown_it import MarkdownIt

    class NoteMarkdown(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            """Accept absolute http(s) and mailto links; everything else stays literal text."""
            scheme = urlsplit(url.strip()).scheme.lower()
            return scheme in LINK_SCHEMES

    md = NoteMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


def render_note(markdown: str) -> str:
    """The editor's note as sanitized HTML ("" for a blank note)."""
    if not markdown or not markdown.strip():
        return ""
    md = _parser()
    tokens = md.parse(markdown)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image" and urlsplit(str(child.attrGet("src") or "")).scheme.lower() not in IMAGE_SCHEMES:
                # An image the mail client would block becomes its alt text.
                child.type, child.tag, child.content, child.children = "text", "", child.content, None
    html = md.renderer.render(tokens, md.options, {})
    # Defence in depth: the same sanitizer as article HTML (drops anything markdown-it let through).
    return sanitize_html(html)
