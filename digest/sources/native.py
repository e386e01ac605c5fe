"""digest's native JSON format: a list of articles, or {"articles": [...]}."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ItemError, SourceError
from digest.models import Article, Image, Skip
from digest.normalize import (
    article_id,
    canonical_url,
    clean_text,
    clean_title,
    html_to_text,
    parse_datetime,
    reading_minutes,
    sanitize_html,
    script_language,
    text_direction,
)
from digest.sources import FetchContext, SourceResult, SourceSpec, register


def parse_json(body: bytes, where: str) -> Any:
    """Decode a JSON document or raise SourceError naming where it came from."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def items_of(doc: Any, where: str) -> list[Any]:
    """The article list of a native document."""
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        return doc["articles"]
    if isinstance(doc, list):
        return doc
    raise SourceError(f'{where}: expected a list of articles or an object with "articles"')


def looks_native(doc: Any) -> bool:
    """True when a decoded JSON document is in the native format."""
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        items = doc["articles"]
    elif isinstance(doc, list):
        items = doc
    else:
        return False
    return all(isinstance(i, dict) and "url" in i and "title" in i for i in items[:5])


def _image(value: Any, base: str) -> Image | None:
    if not value:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict) or not value.get("url"):
        raise ItemError("image must be a URL or an object with a url")
    url = canonical_url(value["url"], base) if not str(value["url"]).startswith("https://") else clean_text(value["url"])
    if not url.startswith("https://"):
        return None
    width = value.get("width")
    height = value.get("height")
    return Image(
        url=url,
        alt=clean_text(value.get("alt")),
        width=int(width) if isinstance(width, (int, float)) else None,
        height=int(height) if isinstance(height, (int, float)) else None,
    )


def article_from(item: Any, spec: SourceSpec) -> Article:
    """Build an Article from one native item, or raise ItemError naming the problem."""
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    for name in ("url", "title", "published"):
        if not item.get(name):
            raise ItemError(f'missing required field "{name}"')
    url = canonical_url(item["url"])
    body = sanitize_html(item.get("content_html"), base=url)
    if not body and item.get("content_text"):
        body = "".join(f"<p>{_escape(p)}</p>" for p in str(item["content_text"]).split("\n\n") if p.strip())
    text = html_to_text(body)
    title = clean_title(item["title"])
    if not title:
        raise ItemError('empty "title"')
    # A right-to-left post whose source names no language (WordPress's API never does) still gets a
    # lang attribute, so screen readers and fonts treat it as its language and not the newsletter's.
    language = clean_text(item.get("language")) or script_language(title + " " + text[:300])
    categories = item.get("categories") or []
    if isinstance(categories, str):
        categories = [c for c in categories.split(",")]
    minutes = item.get("reading_minutes")
    return Article(
        id=clean_text(item.get("id")) or article_id(url),
        url=url,
        title=title,
        published=parse_datetime(item["published"], spec.timezone),
        source=clean_text(item.get("source")) or spec.name,
        author=clean_text(item.get("author")) or None,
        categories=tuple(c for c in (clean_text(c) for c in categories) if c),
        tags=tuple(t for t in (clean_text(t) for t in item.get("tags") or []) if t),
        content_html=body,
        excerpt=clean_text(item.get("excerpt")) or None,
        image=_image(item.get("image"), url),
        reading_minutes=int(minutes) if isinstance(minutes, (int, float)) and minutes > 0 else (reading_minutes(text) if text else None),
        language=language,
        direction=text_direction(language, title + " " + text[:300]),
        priority=spec.priority,
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text.strip())


def articles_from_items(items: list[Any], spec: SourceSpec, builder=article_from) -> SourceResult:
    """Turn raw items into articles, skipping (and naming) the unusable ones."""
    articles, raw_urls, skipped = [], [], []
    for index, item in enumerate(items, start=1):
        label = f"item {index}"
        if isinstance(item, dict) and item.get("title"):
            label += f" ({clean_title(item.get('title'))[:60]!r})"
        try:
            articles.append(builder(item, spec))
            raw_urls.append(str(item.get("url")))
        except ItemError as exc:
            skipped.append(Skip(spec.name, label, str(exc)))
    return SourceResult(tuple(_fragment_permalinks(articles, raw_urls)), tuple(skipped))


def _fragment_permalinks(articles: list[Article], raw_urls: list[str]) -> list[Article]:
    """Give back the fragment to items of one source that share a page and differ only in it.

    Canonical URLs drop the fragment, but some sources (Scripting News, link blogs) publish
    every item as an anchor on one daily page: without the fragment they would all be one story.
    """
    fragments: dict[str, set[str]] = {}
    for article, raw in zip(articles, raw_urls):
        fragments.setdefault(article.url, set()).add(urlsplit(raw).fragment)
    out = []
    for article, raw in zip(articles, raw_urls):
        if len(fragments[article.url]) > 1 and urlsplit(raw).fragment:
            url = canonical_url(raw, keep_fragment=True)
            if url != article.url:
                own_id = article.id != article_id(article.url)  # an id the source gave is kept
                article = replace(article, url=url, id=article.id if own_id else article_id(url))
        out.append(article)
    return out


@register("native")
def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read a native JSON file or URL."""
    fetched = ctx.fetch(spec.location)
    doc = parse_json(fetched.body, spec.location)
    return articles_from_items(items_of(doc, spec.location), spec)
