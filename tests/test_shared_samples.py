"""Real feeds and API responses from ../shared/samples, read over a local HTTP server as `auto` sources.

The samples are published by others and live outside the project; these tests skip when they are absent.
Each file is served with the content type a typical server would send for its extension, and read with
kind detection, the way `digest build --source URL` reads it.
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest

from digest.collect import read_source
from digest.errors import SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import SourceSpec

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared samples not present")

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json")
CONTENT_TYPES = {
    ".json": "application/json",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".xml": "text/xml",
}
# Sample files that are not sources at all, or broken on purpose: what digest must say about each.
REFUSED = {
    "ScriptingNews.json": "JSON in no known shape",  # RSS-in-JSON: readable only through a jsonapi mapping
    "allthis-partial.json": "invalid JSON at line 1 column",  # truncated mid-document
    "spec-1.1-extension-fragment.json": "JSON in no known shape",  # a fragment, not a feed
    "iso88591.xml": "unrecognized content",  # XML, but not a feed
    "iso88591_utf8_mismatch.xml": "unrecognized content",
}
# Sources whose items all lack something required, as published: they read, but yield nothing.
EMPTY = {
    "authors.json",
    "jsonfeed-extension.json",
    "spec-1.1-simple.json",
    "rdf_UTF8.xml",
    "iso-8859-1.xml",
    "utf8.xml",
    "invalid-prolog.xml",
    "utf8-incorrect-prolog.xml",
    "windows-1252.xml",
    "windows-1252-incorrect-prolog.xml",
}
# Text that is UTF-8 decoded as Latin-1 or Windows-1252 (the usual mojibake), or a replacement character.
MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|Ã[\u00a0-\u00ff]|â€|Ð[\u0080-\u00bf]|Ñ[\u0080-\u00bf]|\ufffd")
EMAIL = re.compile(r"\S+@\S+\.\w+")


def _feed_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in (SAMPLES / "rss").rglob("*") if p.suffix in FEED_SUFFIXES) + sorted(
        p for p in (SAMPLES / "jsonfeed").rglob("*.json")
    )


def _wordpress_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    mocks = SAMPLES / "wordpress/frontity/packages/wp-source/src/libraries/schemas/__tests__/mocks"
    return [
        mocks / "posts.json",
        mocks / "posts-from-category-7.json",
        mocks / "posts-from-category-7-page-2.json",
        SAMPLES / "wordpress/tuqulore-design-lab/handson-fetch-router/public/wp-json/wp/v2/posts.json",
        SAMPLES / "wordpress/wordpress-develop-qunit/PostsCollection.json",
    ]


def _serve(httpserver, path: Path) -> str:
    route = "/" + path.relative_to(SAMPLES).as_posix()
    httpserver.expect_request(route).respond_with_data(path.read_bytes(), content_type=CONTENT_TYPES[path.suffix])
    return httpserver.url_for(route)


def _read(url: str, kind: str = "auto", name: str = "sample"):
    return read_source(SourceSpec(name, url, kind), Fetcher(backoff=Backoff(retries=0)).get, None, None)


def _assert_sound(articles) -> None:
    for a in articles:
        where = f"{a.url} ({a.title!r})"
        assert a.title.strip() and "<" not in a.title, where
        assert a.published.tzinfo is not None and a.published.utcoffset() == UTC.utcoffset(None), where
        assert a.url.startswith(("http://", "https://")) and " " not in a.url, where  # as the publisher gave it
        assert a.identity is not None and (a.identity.url == "" or a.identity.url.startswith("https://")), where
        assert not MOJIBAKE.search(a.title + " " + (a.author or "") + " " + a.content_html[:5000]), where
        assert not (a.author and EMAIL.fullmatch(a.author)), where
        assert a.image is None or a.image.url.startswith("https://"), where
        for bad in ("<script", "<style", "<iframe", "<form", '="javascript:', '="data:', " onclick=", " onerror="):
            assert bad not in a.content_html.lower(), (where, bad)


@pytest.mark.parametrize("path", _feed_files(), ids=lambda p: p.name)
def test_every_feed_sample_reads_soundly_or_is_refused_with_a_reason(httpserver, path):
    url = _serve(httpserver, path)
    if path.name in REFUSED:
        with pytest.raises(SourceError) as err:
            _read(url)
        assert str(err.value).startswith(f"{url}: {REFUSED[path.name]}") and "\n" not in str(err.value)
        return
    kind, result = _read(url)
    assert kind == ("jsonfeed" if path.suffix == ".json" else "feed")  # extensions lie; content decides
    assert bool(result.articles) is (path.name not in EMPTY), [s.reason for s in result.skipped][:3]
    _assert_sound(result.articles)
    # An item's URL is its own permalink, never the feed's (an empty <link href=""> resolves to it).
    assert all(not a.url.endswith(path.relative_to(SAMPLES).as_posix()) for a in result.articles)
    for skip in result.skipped:
        assert skip.source == "sample" and skip.item.startswith("item ") and skip.reason


@pytest.mark.parametrize("path", _wordpress_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_wordpress_sample_reads_soundly(httpserver, path):
    kind, result = _read(_serve(httpserver, path))
    assert kind == "wordpress" and result.articles and not result.skipped
    _assert_sound(result.articles)


def test_the_encoding_samples_decode_to_their_own_script(httpserver):
    testdata = SAMPLES / "rss/miniflux/internal/reader"
    expected = {
        "parser/testdata/encoding_WINDOWS-1251.xml": "Цитата",
        "parser/testdata/encoding_ISO-8859-1.xml": "ü",
        "parser/testdata/no_encoding_ISO-8859-1.xml": "é",
        "encoding/testdata/koi8r.xml": "Первая новость",
        "xml/testdata/koi8r.xml": "Первая новость",
    }
    for name, needle in expected.items():
        _, result = _read(_serve(httpserver, testdata / name))
        assert any(needle in a.title + a.content_html for a in result.articles), name


def test_right_to_left_and_japanese_samples_keep_their_script_and_direction(httpserver):
    _, urdu = _read(_serve(httpserver, SAMPLES / "rss/miniflux/internal/reader/parser/testdata/urdu_UTF8.xml"))
    assert urdu.articles and all(a.direction == "rtl" for a in urdu.articles)
    assert all(a.image and a.image.url.startswith("https://") for a in urdu.articles)  # media:thumbnail
    japanese = SAMPLES / "wordpress/tuqulore-design-lab/handson-fetch-router/public/wp-json/wp/v2/posts.json"
    _, ja = _read(_serve(httpserver, japanese))
    first = min(ja.articles, key=lambda a: a.published)
    # date_gmt, not the site-local (+09:00) date; no stray spaces where inline tags were.
    assert first.published.isoformat() == "2016-09-07T09:30:47+00:00"
    assert all(" ように" not in a.content_html for a in ja.articles)
    assert sum(1 for a in ja.articles if a.image) >= 8  # no _embed: the body's first picture


def test_day_page_anchors_are_separate_stories(httpserver):
    from digest.dedupe import dedupe

    rss = SAMPLES / "rss/netnewswire-rsparser/scriptingNews.rss"
    _, feed = _read(_serve(httpserver, rss))
    assert len(feed.articles) == 50  # one day page per day, one anchor per item
    kept, dropped = dedupe(list(feed.articles))
    # Two pairs share one permalink (the publisher reused an anchor), but each post has its own words:
    # four posts, none of them a duplicate.
    assert len(kept) == 50 and dropped == []
    assert len({a.id for a in kept}) == 50


def test_json_feed_and_atom_of_one_site_are_one_story_each(httpserver):
    from digest.dedupe import dedupe

    _, atom = _read(_serve(httpserver, SAMPLES / "rss/netnewswire-rsparser/DaringFireball.atom"), name="atom")
    _, json_feed = _read(_serve(httpserver, SAMPLES / "jsonfeed/netnewswire-rsparser/DaringFireball.json"), name="json")
    kept, dropped = dedupe(list(atom.articles) + list(json_feed.articles))
    # The Atom and JSON copies of all 48 posts pair up; the two sponsor posts that share one link
    # are two items of each feed (each has its own id), so both stay.
    assert len(atom.articles) == len(json_feed.articles) == 48
    assert len(kept) == 48 and len(dropped) == 48
