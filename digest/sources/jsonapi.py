"""Any JSON API, read through a field mapping given in the source's options.

Options (keys of the `[[sources]]` table, see README "Sources"):
``items`` dotted path to the item list; ``fields`` a table of dotted paths for
title, url, published, author, categories, tags, content, content_text,
excerpt, image, language; ``params`` extra query parameters and ``headers``
extra request headers (a value "env:NAME" is read from the environment); pagination by
``next`` (dotted path to the next page's URL) or ``page_param`` (with
``page_start``, ``page_size_param``/``page_size``); ``max_pages`` bounds both.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import urljoin

from digest.errors import ConfigError, SourceError
from digest.fetch import HTTPStatusError
from digest.models import Article, Skip
from digest.sources import KIND_OPTIONS, FetchContext, Kind, RawItem, SourceResult, SourceSpec, register
from digest.sources.items import articles_from_items
from digest.sources.jsondoc import decode_json

# Used when the mapping names no path for a field: the first key present wins.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "url": ("url", "link", "permalink", "href", "webUrl"),
    "published": (
        "published",
        "publishedAt",
        "published_at",
        "date",
        "created_at",
        "pubDate",
        "webPublicationDate",
        "time",
    ),
    "author": ("author", "by", "byline", "creator"),
    "categories": ("categories", "category", "section", "sectionName"),
    "tags": ("tags", "keywords"),
    "content": ("content_html", "content", "body", "html"),
    "content_text": ("content_text", "text"),
    "excerpt": ("excerpt", "summary", "description", "abstract"),
    "image": ("image", "urlToImage", "image_url", "thumbnail"),
    "language": ("language", "lang"),
}


def dig(doc: Any, path: str) -> Any:
    """The value at a dotted path (`data.children.0.title`), or None when any step is missing."""
    if path in ("", "."):
        return doc
    current = doc
    for step in path.split("."):
        if isinstance(current, dict):
            current = current.get(step)
        elif isinstance(current, list) and step.lstrip("-").isdigit():
            index = int(step)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


def _field(item: dict, name: str, mapping: dict[str, str]) -> Any:
    if name in mapping:
        return dig(item, mapping[name])
    for key in DEFAULT_FIELDS[name]:
        if item.get(key) not in (None, "", []):
            return item[key]
    return None


def to_raw(item: dict, mapping: dict[str, str], base: str) -> RawItem:
    """Pick one API item's fields through the mapping; the conversion layer reads the values."""
    author = _field(item, "author", mapping)
    if isinstance(author, dict):
        author = author.get("name")
    image = _field(item, "image", mapping)
    if isinstance(image, dict):
        image = image.get("url") or image.get("src")
    return RawItem(
        title=_field(item, "title", mapping),
        url=_field(item, "url", mapping),
        published=_field(item, "published", mapping),
        author=author,
        categories=_field(item, "categories", mapping),
        tags=_field(item, "tags", mapping),
        content_html=_field(item, "content", mapping),
        content_text=_field(item, "content_text", mapping),
        excerpt=_field(item, "excerpt", mapping),
        image=image,
        language=_field(item, "language", mapping),
        base=base,
    )


def _mapping(spec: SourceSpec) -> dict[str, str]:
    unknown_options = sorted(set(spec.options) - KIND_OPTIONS["jsonapi"])
    if unknown_options:
        raise ConfigError(
            f"source {spec.name!r}: unknown option {unknown_options[0]!r} for kind jsonapi "
            f"(use {', '.join(sorted(KIND_OPTIONS['jsonapi']))})"
        )
    fields = spec.options.get("fields") or {}
    if not isinstance(fields, dict):
        raise ConfigError(f"source {spec.name!r}: fields must be a table of dotted paths")
    unknown = sorted(set(fields) - set(DEFAULT_FIELDS))
    if unknown:
        raise ConfigError(
            f"source {spec.name!r}: unknown field {unknown[0]!r} in fields (use {', '.join(DEFAULT_FIELDS)})"
        )
    return {k: str(v) for k, v in fields.items()}


def _items(doc: Any, path: str | None, where: str) -> list[Any]:
    if path:
        found = dig(doc, path)
        if not isinstance(found, list):
            raise SourceError(f"{where}: no item list at {path!r} (check the source's items option)")
        return found
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("items", "articles", "data", "results", "hits", "posts", "entries", "stories"):
            if isinstance(doc.get(key), list):
                return doc[key]
    raise SourceError(f'{where}: cannot find the item list; set items = "path.to.list" for this source')


def from_env(table: Any, spec: SourceSpec, option: str) -> dict[str, str]:
    """A table of strings where "env:NAME" values are read from the environment (secrets stay out of files)."""
    if not table:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"source {spec.name!r}: {option} must be a table")
    out = {}
    for key, value in table.items():
        value = str(value)
        if value.startswith("env:"):
            name = value[4:]
            if not os.environ.get(name):
                raise ConfigError(f"source {spec.name!r}: {option}.{key} needs the environment variable {name}")
            value = os.environ[name]
        out[str(key)] = value
    return out


def pages(spec: SourceSpec, ctx: FetchContext) -> list[tuple[Any, Any]]:
    """Fetch every page the pagination options allow: [(fetched, decoded JSON), ...]."""
    opts = spec.options
    max_pages = int(opts.get("max_pages", 10))
    params: dict[str, Any] = from_env(opts.get("params"), spec, "params")
    headers = from_env(opts.get("headers"), spec, "headers")
    page_param = opts.get("page_param")
    page = int(opts.get("page_start", 1))
    if page_param and opts.get("page_size_param"):
        params[str(opts["page_size_param"])] = opts.get("page_size", 100)
    url: str | None = spec.location
    out: list[tuple[Any, Any]] = []
    while url and len(out) < max_pages:
        query = dict(params)
        if page_param:
            query[str(page_param)] = page
        try:
            fetched = ctx.fetch(url, params=query or None, **({"headers": headers} if headers else {}))
        except HTTPStatusError as exc:
            if out and page_param and exc.status in (400, 404):
                break  # some APIs answer a page past the last with an error
            raise
        where = spec.location if not out else f"{spec.location} (page {len(out) + 1})"
        doc = decode_json(fetched, where)
        out.append((fetched, doc))
        if opts.get("next"):
            nxt = dig(doc, str(opts["next"]))
            url = urljoin(fetched.url, nxt) if isinstance(nxt, str) and nxt else None
            params = {}  # a next link carries its own query
        elif page_param:
            if not _items(doc, opts.get("items"), where):
                break  # an empty page ends the list
            page += 1
        else:
            url = None
    return out


def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read any JSON API through the field mapping in the source's options."""
    mapping = _mapping(spec)
    articles: list[Article] = []
    skipped: list[Skip] = []
    for index, (fetched, doc) in enumerate(pages(spec, ctx), start=1):
        items = _items(doc, spec.options.get("items"), spec.location)
        base: str = fetched.url
        result = articles_from_items(items, spec, functools.partial(to_raw, mapping=mapping, base=base))
        articles.extend(result.articles)
        skipped.extend(
            s if index == 1 else type(s)(s.source, f"page {index} {s.item}", s.reason) for s in result.skipped
        )
    return SourceResult(tuple(articles), tuple(skipped))


KIND = register(Kind("jsonapi", read, options=KIND_OPTIONS["jsonapi"]))
