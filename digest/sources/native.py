"""digest's native JSON format: a list of articles, or {"articles": [...]}."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from digest.errors import SourceError
from digest.sources import KIND_OPTIONS, FetchContext, Kind, Probe, RawItem, SourceResult, SourceSpec, register
from digest.sources.items import articles_from_items
from digest.sources.jsondoc import json_text, parse_json

FIELDS = (
    "title",
    "url",
    "published",
    "id",
    "author",
    "categories",
    "tags",
    "content_html",
    "content_text",
    "excerpt",
    "image",
    "reading_minutes",
    "language",
    "source",
)


def items_of(doc: Any, where: str) -> list[Any]:
    """The article list of a native document."""
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        return doc["articles"]
    if isinstance(doc, list):
        return doc
    raise SourceError(f'{where}: expected a list of articles or an object with "articles"')


def looks_native(doc: Any) -> bool:
    """True when a decoded JSON document is in the native format: most of its first items have url and title."""
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        items = doc["articles"]
    elif isinstance(doc, list):
        items = doc
    else:
        return False
    # One malformed item among the first five must not hide the source's kind: the others decide.
    head = items[:5]
    shaped = [i for i in head if isinstance(i, dict) and "url" in i and "title" in i]
    return not head or len(shaped) * 2 >= len(head)


def to_raw(item: dict) -> RawItem:
    """One native item as a raw item: the format's fields are the raw item's own."""
    values: dict[str, Any] = {name: item.get(name) for name in FIELDS}  # RawItem takes any value as given
    return RawItem(**values)


def _doc_title(doc: Any) -> str | None:
    source = doc.get("source") if isinstance(doc, dict) else None
    name = source.get("name") if isinstance(source, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read a native JSON file or URL."""
    # Nothing keeps the fetched bytes once they are text, nor the text once it is parsed, and each item
    # leaves the document as it is converted: a large week's bodies are never in memory two or three times.
    doc = parse_json(json_text(ctx.fetch(spec.location), spec.location), spec.location)
    return articles_from_items(_taken(items_of(doc, spec.location)), spec, to_raw, title=_doc_title(doc))


def _taken(items: list[Any]) -> Iterator[Any]:
    """The items in order, each removed from the list as it is handed out."""
    items.reverse()  # popping from the end is cheap
    while items:
        yield items.pop()


def sniff(probe: Probe) -> bool:
    """True for a JSON list of articles (or an object with "articles")."""
    return probe.is_json and looks_native(probe.doc)


KIND = register(Kind("native", read, sniff, options=KIND_OPTIONS["native"]))
