"""The guarded conversion layer: raw items from every reader become Articles here, or are skipped.

Every field of a `RawItem` is converted by one small function called through `convert`, which turns
any failure of that conversion (a wrong type, an out-of-range date, an unreadable URL, text that is
not valid Unicode) into an `ItemError` naming the field. One bad value costs its item, never the source.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from digest.dates import NOW, read_date
from digest.errors import DigestError, ItemError
from digest.links import link_label, printed_link
from digest.models import Article, Identity, Image, Skip
from digest.normalize import (
    article_id,
    body_word_count,
    canonical_url,
    clean_text,
    clean_title,
    first_words,
    html_to_text,
    reading_minutes,
    sanitize_html,
    script_language,
    text_direction,
)
from digest.sources import RawItem, SourceResult, SourceSpec
from digest.sources.body_image import body_image
from digest.sources.sections import section_categories

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_MINUTES = 24 * 60  # a stated reading time longer than a day is not a reading time
MAX_SIDE = 100_000  # px; a stated image side beyond this is not a size


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def convert(name: str, fn: Callable[[Any], T], value: object) -> T:
    """Run one field's conversion; any failure becomes an ItemError naming the field and the value."""
    try:
        return fn(value)
    except ItemError as exc:
        if str(exc).startswith('field "'):
            raise  # an inner field already named itself
        raise ItemError(f'field "{name}": {exc}') from None
    except DigestError:
        raise  # a configuration problem (a source's category_map) is the source's, not the item's
    except UnicodeError:
        raise ItemError(f'field "{name}": not valid Unicode text (a lone surrogate?)') from None
    except (OverflowError, OSError):
        raise ItemError(f'field "{name}": {_shown(value)} is out of range') from None
    except Exception as exc:
        why = f"{exc.__class__.__name__}: {str(exc)[:80]}" if str(exc) else exc.__class__.__name__
        raise ItemError(f'field "{name}": unusable value {_shown(value)} ({why})') from None


def _checked(text: str) -> str:
    text.encode("utf-8")  # a lone surrogate (JSON "\ud800") cannot be written anywhere: refuse it here
    return text


def text(value: object) -> str:
    """Plain text from a string or a number (an id, a year), folded; '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ItemError(f"expected text, got {type(value).__name__} {_shown(value)}")
    return clean_text(_checked(str(value)))


def markup(value: object) -> str:
    """An HTML string, unsanitized; '' for nothing."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ItemError(f"expected HTML text, got {type(value).__name__} {_shown(value)}")
    return _checked(value)


def names(value: object) -> list[str]:
    """Category-like values as names: "a, b", a list of strings, or objects with a name."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [n for n in (clean_text(_checked(p)) for p in value.split(",")) if n]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ItemError(f"expected a list of names, got {type(value).__name__} {_shown(value)}")
    out = []
    for entry in value:
        if isinstance(entry, dict):
            entry = next((entry[k] for k in ("name", "title", "label", "term") if entry.get(k)), None)
        if entry is None or entry == "":
            continue
        if not isinstance(entry, str):
            raise ItemError(f"expected names, got {type(entry).__name__} {_shown(entry)}")
        name = clean_text(_checked(entry))
        if name:
            out.append(name)
    return out


def author(value: object) -> str | None:
    """An author line from a name, a list of names or objects with a name."""
    if isinstance(value, (list, tuple, dict)):
        return ", ".join(dict.fromkeys(names(value))) or None
    return text(value) or None


def links(value: object, base: str = "") -> tuple[str, str]:
    """(the link as printed, its canonical form for identity) of an absolute or base-relative http(s) URL."""
    if not isinstance(value, str):
        raise ItemError(f"expected a URL, got {type(value).__name__} {_shown(value)}")
    _checked(value)
    return printed_link(value, base or None), canonical_url(value, base or None)


def published(value: object, timezone: str, dayfirst: bool = False) -> tuple[datetime, str]:
    """An aware UTC datetime from a date string, a datetime or a Unix time, and how it was read."""
    if isinstance(value, bool):
        raise ItemError(f"expected a date, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ItemError(f"{value!r} is not a date")
    if isinstance(value, str):
        _checked(value)
    found, how = read_date(value, timezone, dayfirst)
    found.astimezone(UTC).isoformat()  # a date at the edge of the calendar fails here, not when written
    return found, how


def _side(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 < value <= MAX_SIDE
    ):
        raise ItemError(f"image size {_shown(value)} is not a number of pixels")
    return int(value)


def image(value: object, base: str) -> Image | None:
    """An https image from a URL or an object with url (or src), alt, width and height."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        value = {"url": value}
    url = (value.get("url") or value.get("src")) if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(url, str):
        raise ItemError("expected a URL or an object with a url")
    raw = _checked(url)
    link = canonical_url(raw, base or None) if not raw.startswith("https://") else clean_text(raw)
    if not link.startswith("https://"):
        return None  # an http image would be blocked or warned about by mail clients
    return Image(
        url=link, alt=text(value.get("alt")), width=_side(value.get("width")), height=_side(value.get("height"))
    )


def minutes(value: object) -> int | None:
    """A stated reading time in whole minutes, or None to estimate it."""
    if value is None or value == "":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 < value <= MAX_MINUTES
    ):
        raise ItemError(f"{_shown(value)} is not a number of minutes")
    return max(1, int(value))


def scoped_id(spec: SourceSpec, given: str, canonical: str, guid: str = "", link_is_page: bool = False) -> str:
    """An id unique inside the pipeline: a source's own ids are scoped by the source and the URL."""
    if given:
        return article_id(f"{spec.location}\n{given}\n{canonical}")
    # A link to the site's home page or the feed itself names no item: the source's guid does.
    return article_id(canonical + "\n" + guid if link_is_page and guid else canonical)


def _body(raw: RawItem, base: str) -> str:
    body = sanitize_html(markup(raw.content_html), base=base)
    if not body:
        plain_text = convert("content_text", markup, raw.content_text)
        body = "".join(f"<p>{html.escape(p.strip())}</p>" for p in plain_text.split("\n\n") if p.strip())
    return body


def plain(value: object) -> str | None:
    """Plain text of a value that may hold HTML (an excerpt or description), or None."""
    if value is None or value == "":
        return None
    return html_to_text(sanitize_html(markup(value))) or None


def article_from(raw: RawItem, spec: SourceSpec) -> Article:
    """Build an Article from one raw item, or raise ItemError naming the field at fault."""
    if raw.url in (None, ""):
        raise ItemError('missing required field "url"')
    link, canonical = convert("url", lambda v: links(v, raw.base), raw.url)
    body = convert("content_html", lambda _: _body(raw, link), raw.content_html)
    body_text = html_to_text(body)
    words = body_word_count(body)  # taken now, while the paragraphs are cached: dedupe and ranking weigh it later
    excerpt = convert("excerpt", plain, raw.excerpt)
    title = convert("title", lambda v: clean_title(markup(v)) if isinstance(v, str) else text(v), raw.title)
    title_made = raw.title_made or not title
    if not title:
        title = first_words(body_text or excerpt or "") or ""
    if not title:
        raise ItemError('missing required field "title"')
    if raw.published in (None, "") and spec.options.get("undated") == "now":
        when, dated = datetime.now(UTC), NOW  # the source dates its undated items when they are read
    elif raw.published in (None, ""):
        raise ItemError(
            'missing required field "published" (set undated = "now" on this source to date '
            "undated items when they are read)"
        )
    else:
        when, dated = convert(
            "published", lambda v: published(v, spec.timezone, bool(spec.options.get("dayfirst"))), raw.published
        )
    guid = convert("guid", text, raw.guid)
    # A right-to-left post whose source names no language (WordPress's API never does) still gets a
    # lang attribute, so screen readers and fonts treat it as its language and not the newsletter's.
    language = convert("language", text, raw.language) or script_language(title + " " + body_text[:300])
    picture = convert("image", lambda v: image(v, link), raw.image)
    if picture is None and raw.image_from_body:
        picture = convert("image", lambda v: image(body_image(v, link), link), body)
    stated = convert("reading_minutes", minutes, raw.reading_minutes)
    given_id = convert("id", text, raw.id)
    return Article(
        id=scoped_id(spec, given_id, canonical, guid, raw.link_is_page),
        url=link,
        title=title,
        published=when,
        source=convert("source", text, raw.source) or spec.name,
        author=convert("author", author, raw.author),
        categories=section_categories(tuple(convert("categories", names, raw.categories)), spec),
        tags=tuple(convert("tags", names, raw.tags)),
        content_html=body,
        excerpt=excerpt,
        image=picture,
        reading_minutes=stated or (reading_minutes(body_text, words=words) if body_text else None),
        language=language,
        direction=text_direction(language, title + " " + body_text[:300]),
        priority=spec.priority,
        identity=Identity(url="" if raw.link_is_page else canonical, guid=guid, title_made=title_made),
        dated=raw.dated or dated,
    )


def _label(index: int, item: object, raw: RawItem | None) -> str:
    title = raw.title if raw is not None else (item.get("title") if isinstance(item, dict) else None)
    label = f"item {index}"
    if isinstance(title, str) and title.strip():
        with contextlib.suppress(Exception):  # a title that cannot be shown: the index names the item
            label += f" ({clean_title(_checked(title))[:60]!r})"
    return label


def _raw(to_raw: Callable[[Any], RawItem], item: object) -> RawItem:
    if not isinstance(item, dict):
        raise ItemError(f"item is not an object (got {type(item).__name__} {_shown(item)})")
    try:
        return to_raw(item)
    except ItemError:
        raise
    except Exception as exc:
        raise ItemError(f"unreadable item ({exc.__class__.__name__}: {_shown(str(exc))})") from None


def articles_from_items(
    items: Iterable[Any], spec: SourceSpec, to_raw: Callable[[Any], RawItem], title: str | None = None
) -> SourceResult:
    """Turn a source's items into articles, each through `to_raw` then `article_from`; bad items are skipped."""
    articles: list[Article] = []
    raw_urls: list[str] = []
    skipped: list[Skip] = []
    seen: dict[tuple[str, str], str] = {}
    for index, item in enumerate(items, start=1):
        raw: RawItem | None = None
        try:
            raw = _raw(to_raw, item)
            article = article_from(raw, spec)
        except ItemError as exc:
            skipped.append(Skip(spec.name, _label(index, item, raw), str(exc)))  # the CLI warns, one line each
            continue
        given = text(raw.id)
        key = (given, _identity_url(article))
        if given and key in seen:
            skipped.append(
                Skip(spec.name, _label(index, item, raw), f"duplicate (same id {given!r} and URL) of {seen[key]}")
            )
            continue
        seen[key] = f"item {index}"
        articles.append(article)
        raw_urls.append(urljoin_safe(raw.base, raw.url))
    distinct = _distinct_within_source(_fragment_permalinks(articles, raw_urls))
    return SourceResult(tuple(distinct), tuple(skipped), title)


def urljoin_safe(base: str, value: object) -> str:
    """The raw URL of an item joined to its base (its fragment matters to `_fragment_permalinks`)."""
    from urllib.parse import urljoin

    return urljoin(base, str(value)) if base else str(value)


def _fragment_permalinks(articles: list[Article], raw_urls: list[str]) -> list[Article]:
    """Give back the fragment to the identity of items of one source that differ only in it.

    Canonical URLs drop the fragment, but some sources (Scripting News, link blogs) publish
    every item as an anchor on one daily page: without the fragment they would all be one story.
    """
    own = [urlsplit(raw).fragment for raw in raw_urls]
    fragments: dict[str, set[str]] = {}
    for article, fragment in zip(articles, own, strict=True):
        fragments.setdefault(_identity_url(article), set()).add(fragment)
    out = []
    for article, raw, fragment in zip(articles, raw_urls, own, strict=True):
        key = _identity_url(article)
        if key and len(fragments[key]) > 1 and fragment:
            link = canonical_url(raw, keep_fragment=True)
            if link != key:
                own_id = article.id != article_id(key)  # an id the source gave is kept
                identity = replace(article.identity or Identity(), url=link)
                article = replace(article, identity=identity, id=article.id if own_id else article_id(link))
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
