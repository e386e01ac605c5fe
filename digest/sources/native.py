"""digest's native JSON format: a list of articles, or {"articles": [...]}."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from digest.dates import NOW, read_date
from digest.errors import ItemError, SourceError
from digest.links import link_label, printed_link
from digest.models import Article, Identity, Image, Skip
from digest.normalize import (
    article_id,
    canonical_url,
    clean_text,
    clean_title,
    html_to_text,
    reading_minutes,
    sanitize_html,
    script_language,
    text_direction,
)
from digest.sources import FetchContext, SourceResult, SourceSpec, register
from digest.sources.sections import section_categories


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
    for name in ("url", "title"):
        if not item.get(name):
            raise ItemError(f'missing required field "{name}"')
    published, dated = _published(item, spec)
    url = printed_link(item["url"])
    canonical = canonical_url(item["url"])
    guid = clean_text(item.get("guid"))
    link_is_page = bool(item.get("link_is_page"))
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
    # A link to the site's home page or the feed itself names no item: the source's guid does.
    own_id = clean_text(item.get("id")) or article_id(canonical + "\n" + guid if link_is_page and guid else canonical)
    return Article(
        id=own_id,
        url=url,
        title=title,
        published=published,
        source=clean_text(item.get("source")) or spec.name,
        author=clean_text(item.get("author")) or None,
        categories=section_categories(tuple(c for c in (clean_text(c) for c in categories) if c), spec),
        tags=tuple(t for t in (clean_text(t) for t in item.get("tags") or []) if t),
        content_html=body,
        excerpt=clean_text(item.get("excerpt")) or None,
        image=_image(item.get("image"), url),
        reading_minutes=int(minutes) if isinstance(minutes, (int, float)) and minutes > 0 else (reading_minutes(text) if text else None),
        language=language,
        direction=text_direction(language, title + " " + text[:300]),
        priority=spec.priority,
        identity=Identity(url="" if link_is_page else canonical, guid=guid, title_made=bool(item.get("title_made"))),
        dated=dated,
    )


def _published(item: dict, spec: SourceSpec) -> tuple[datetime, str]:
    """The item's date and how it was read; an undated item is dated now when the source says so."""
    value = item.get("published")
    if value in (None, ""):
        if spec.options.get("undated") == "now":
            return datetime.now(UTC), NOW
        raise ItemError('missing required field "published" (set undated = "now" on this source to date '
                        "undated items when they are read)")
    published, how = read_date(value, spec.timezone, bool(spec.options.get("dayfirst")))
    return published, str(item.get("dated") or how)  # a reader that checked the date says how


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
    return SourceResult(tuple(_distinct_within_source(_fragment_permalinks(articles, raw_urls))), tuple(skipped))


def _fragment_permalinks(articles: list[Article], raw_urls: list[str]) -> list[Article]:
    """Give back the fragment to the identity of items of one source that differ only in it.

    Canonical URLs drop the fragment, but some sources (Scripting News, link blogs) publish
    every item as an anchor on one daily page: without the fragment they would all be one story.
    """
    fragments: dict[str, set[str]] = {}
    for article, raw in zip(articles, raw_urls):
        fragments.setdefault(_identity_url(article), set()).add(urlsplit(raw).fragment)
    out = []
    for article, raw in zip(articles, raw_urls):
        key = _identity_url(article)
        if key and len(fragments[key]) > 1 and urlsplit(raw).fragment:
            url = canonical_url(raw, keep_fragment=True)
            if url != key:
                own_id = article.id != article_id(key)  # an id the source gave is kept
                identity = replace(article.identity or Identity(), url=url)
                article = replace(article, identity=identity, id=article.id if own_id else article_id(url))
        out.append(article)
    return out


def _identity_url(article: Article) -> str:
    return article.identity.url if article.identity else article.url


def _other_item(a: Article, b: Article) -> bool:
    """True when two items of one source are different items: their own guids differ, or a made-up title does."""
    ia, ib = a.identity or Identity(), b.identity or Identity()
    if ia.guid and ib.guid and ia.guid != ib.guid:
        return True
    return (ia.title_made or ib.title_made) and a.title != b.title


def _distinct_within_source(articles: list[Article]) -> list[Article]:
    """Items of one source with their own guids get their own ids, and made-up titles that repeat get their link.

    Two items that share a link (a weekly sponsor post, episodes linked to one page) are still two
    items when the source gives each its own guid.
    """
    seen: dict[str, Article] = {}
    made_titles: dict[str, int] = {}
    for article in articles:
        if article.identity and article.identity.title_made:
            made_titles[article.title] = made_titles.get(article.title, 0) + 1
    out = []
    for article in articles:
        if article.identity and article.identity.title_made and made_titles[article.title] > 1:
            article = replace(article, title=f"{article.title} ({link_label(article.url)})")
        guid = article.identity.guid if article.identity else ""
        salt = 0
        # A later item sharing an earlier one's link gets an id of its own when it is another item;
        # a true repeat keeps the id, and dedupe drops it.
        while article.id in seen and _other_item(seen[article.id], article):
            salt += 1
            article = replace(article, id=article_id(f"{_identity_url(article)}\n{guid}\n{article.title}\n{salt}"))
        seen.setdefault(article.id, article)
        out.append(article)
    return out


@register("native")
def read(spec: SourceSpec, ctx: FetchContext) -> SourceResult:
    """Read a native JSON file or URL."""
    fetched = ctx.fetch(spec.location)
    doc = parse_json(fetched.body, spec.location)
    return articles_from_items(items_of(doc, spec.location), spec)
