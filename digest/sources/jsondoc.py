"""The one JSON decoder every JSON kind reads through, so one problem gets one message in every kind."""

from __future__ import annotations

import json
from typing import Any

from digest.errors import SourceError

UTF_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
)


def text_head(body: bytes, size: int = 4096) -> str:
    """The start of a body as text, whatever its Unicode encoding (BOM or NUL pattern), for sniffing."""
    head = body[:size]
    for bom, codec in UTF_BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="ignore").lstrip("\ufeff")
    if head[:4].count(0) >= 2:  # UTF-16/32 without a BOM: "<\0?\0" or "\0\0\0<"
        for codec in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
            text = head[: len(head) - len(head) % 4].decode(codec, errors="ignore")
            if text.lstrip()[:1] in ("<", "{", "["):
                return text
    return head.decode("utf-8", errors="ignore")


def body_head(body: bytes, size: int = 2048) -> bytes:
    """The first bytes of a body past a UTF-8 byte-order mark and leading whitespace."""
    return body[:size].lstrip(b"\xef\xbb\xbf \t\r\n")


def looks_json(body: bytes) -> bool:
    """True when a body starts like a JSON object or array."""
    return body_head(body)[:1] in (b"{", b"[")


def _markup(body: bytes, head: bytes) -> tuple[str, str]:
    """What a markup body is, and what to do about it."""
    from digest.sources.feed import looks_feed  # feed imports this module

    if looks_feed(body):
        return "an RSS or Atom feed", 'read it with kind = "feed" (or the feed: prefix), or let the kind be detected'
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:1024]:
        return "an HTML page", "point the source at the JSON document itself (the API or feed URL, not a web page)"
    return "XML or other markup", "check the source's URL, or give it the kind of document it serves"


def decode_json(fetched: Any, where: str) -> Any:
    """Decode a fetched JSON body, or raise SourceError saying what the body is and what to do."""
    return parse_json(json_text(fetched, where), where)


def json_text(fetched: Any, where: str) -> str:
    """A fetched JSON body as text, or SourceError saying what the body is instead and what to do.

    With `parse_json`, a reader of large documents can let the bytes go before the parse allocates the document.
    """
    body: bytes = fetched.body
    ctype = (fetched.content_type or "").split(";")[0].strip().lower()
    head = body_head(body, 2048).lower()
    if not looks_json(body):
        # A JSON document served as text/html (a misconfigured PHP endpoint) is still read: the body decides.
        shown = f" ({ctype})" if ctype else ""
        if head.startswith(b"<"):
            what, fix = _markup(body, head)
            raise SourceError(f"{where}: expected JSON but got {what}{shown}; {fix}")
        if not head:
            raise SourceError(f"{where}: expected JSON but the document is empty")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{where}: not UTF-8 text, so not JSON; check the source's URL and kind") from None


def parse_json(text: str, where: str) -> Any:
    """The document a JSON text holds, or SourceError naming where it is broken."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise SourceError(f"{where}: JSON nested too deeply to read") from None
