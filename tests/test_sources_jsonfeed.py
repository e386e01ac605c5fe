"""JSON Feed 1.0 and 1.1 over HTTP: fields, relative links, sanitizing, title-less and undated items, RTL."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def read(httpserver, name, content_type="application/feed+json", path="/feed.json"):
    httpserver.expect_request(path).respond_with_data((FIXTURES / name).read_bytes(), content_type=content_type)
    ctx = FetchContext(Fetcher(backoff=Backoff(retries=0)).get)
    return reader_for("jsonfeed")(SourceSpec("Lab", httpserver.url_for(path), "jsonfeed"), ctx)


def test_jsonfeed_1_1_fields(httpserver):
    result = read(httpserver, "jsonfeed-1.1.json")
    first, second = result.articles
    assert first.url == f"http://{httpserver.host}:{httpserver.port}/posts/solder"  # relative, tracking gone
    assert first.title == "Lead-free solder, & why it cracks"
    assert first.published == datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
    assert first.author == "Rosa Ohm, Kai Volt"
    assert first.categories == ("Hardware", "Materials") and first.tags == ("Hardware", "Materials")
    assert first.excerpt == "Tin whiskers and thermal cycling."
    assert first.image.url == "https://lab.example.org/img/solder.jpg"
    assert "<script" not in first.content_html and "onclick" not in first.content_html
    assert f'href="http://{httpserver.host}:{httpserver.port}/glossary"' in first.content_html
    assert first.language == "en" and first.source == "Lab"
    # content_text only, no title: the first words make the title; banner_image is the image.
    assert second.title == "A short note without a title about capacitors and their many quirks …"
    assert second.content_html.startswith("<p>A short note")
    assert second.image.url == "https://lab.example.org/img/banner.jpg"
    assert second.author == "Lab Team"  # inherited from the feed
    assert [(s.item, s.reason) for s in result.skipped] == [
        (
            "item 3 ('An item without a date')",
            'missing required field "published" (set undated = "now" '
            "on this source to date undated items when they are read)",
        )
    ]


def test_jsonfeed_1_0_author_and_id_as_url(httpserver):
    result = read(httpserver, "jsonfeed-1.0.json")
    a, b = result.articles
    assert a.url == "https://old.example.net/a" and a.author == "Feed Author"
    assert a.categories == ("single-tag",)
    assert a.published == datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
    assert b.author == "Item Author"


def test_right_to_left_items(httpserver):
    result = read(httpserver, "rtl.json")
    arabic, hebrew = result.articles
    assert arabic.title == "شريحة جديدة للهواتف" and arabic.direction == "rtl" and arabic.language == "ar"
    assert hebrew.direction == "rtl"


def test_html_instead_of_json_is_named(httpserver):
    httpserver.expect_request("/feed.json").respond_with_data(
        "<!doctype html><html><body>Login</body></html>", content_type="text/html; charset=utf-8"
    )
    ctx = FetchContext(Fetcher().get)
    with pytest.raises(SourceError) as err:
        reader_for("jsonfeed")(SourceSpec("Lab", httpserver.url_for("/feed.json")), ctx)
    assert str(err.value) == (
        f"{httpserver.url_for('/feed.json')}: expected JSON but got an HTML page (text/html)"
        "; point the source at the JSON document itself (the API or feed URL, not a web page)"
    )


def test_malformed_json_is_named(httpserver):
    httpserver.expect_request("/feed.json").respond_with_data(
        '{"version": "https://jsonfeed.org/version/1.1", "items": [', content_type="application/json"
    )
    with pytest.raises(SourceError, match=r"feed.json: invalid JSON at line 1 column 59: Expecting value$"):
        reader_for("jsonfeed")(SourceSpec("Lab", httpserver.url_for("/feed.json")), FetchContext(Fetcher().get))


def test_json_that_is_not_a_feed(httpserver):
    httpserver.expect_request("/feed.json").respond_with_data('{"items": []}', content_type="application/json")
    with pytest.raises(SourceError, match="not a JSON Feed"):
        reader_for("jsonfeed")(SourceSpec("Lab", httpserver.url_for("/feed.json")), FetchContext(Fetcher().get))


SHARED = Path(__file__).resolve().parents[2] / "shared" / "samples" / "jsonfeed"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared samples not present")
def test_shared_jsonfeed_samples():
    reader = reader_for("jsonfeed")
    ctx = FetchContext(Fetcher().get)
    real = SHARED / "netnewswire-rsparser"
    for name in (
        "3960.json",
        "allthis.json",
        "curt.json",
        "inessential.json",
        "pxlnv.json",
        "rose.json",
        "DaringFireball.json",
    ):
        result = reader(SourceSpec(name, str(real / name), "jsonfeed"), ctx)
        assert result.articles and not result.skipped, name  # pxlnv.json has an http:// version URL
    with pytest.raises(SourceError, match=r"allthis-partial.json: invalid JSON at line"):
        reader(SourceSpec("partial", str(real / "allthis-partial.json"), "jsonfeed"), ctx)
    with pytest.raises(SourceError, match="not a JSON Feed"):
        reader(SourceSpec("rss-in-json", str(real / "ScriptingNews.json"), "jsonfeed"), ctx)
    microblog = reader(SourceSpec("m", str(SHARED / "spec/spec-1.1-microblog.json"), "jsonfeed"), ctx).articles
    assert microblog[0].title.startswith("Cats are neat")


ICON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Journal",
    "icon": "https://j.example.org/icon-192.png",
    "items": [
        {
            "id": "1",
            "url": "https://j.example.org/1",
            "title": "Logo only",
            "image": "https://j.example.org/icon-192.png",
            "banner_image": "https://j.example.org/icon-192.png",
            "date_published": "2026-11-17T09:00:00+01:00",
            "tags": ["automators,shortcuts, siri shortcuts", ""],
            "content_html": "<p><img src='https://stats.j.example.org/p.php?idsite=8'><img src='/pics/one.jpg'>Hi</p>",
        },
        {
            "id": "https://j.example.org/2",
            "content_text": "https://j.example.org/cats Cats are neat.",
            "date_published": "2026-11-17T10:00:00Z",
        },
    ],
}


def test_feed_icon_is_not_an_item_picture_and_comma_tags_are_split(httpserver):
    httpserver.expect_request("/feed.json").respond_with_json(ICON_FEED)
    ctx = FetchContext(Fetcher(backoff=Backoff(retries=0)).get)
    logo, untitled = reader_for("jsonfeed")(SourceSpec("J", httpserver.url_for("/feed.json"), "jsonfeed"), ctx).articles
    assert logo.image.url == "https://j.example.org/pics/one.jpg"  # from the body, past the stats pixel
    assert logo.tags == ("automators", "shortcuts", "siri shortcuts") and logo.categories == logo.tags
    assert logo.published == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
    assert untitled.title == "Cats are neat."  # a bare link is no headline


def test_json_served_with_an_html_content_type_is_still_read(httpserver):
    httpserver.expect_request("/feed.php").respond_with_data(
        (FIXTURES / "jsonfeed-1.1.json").read_bytes(), content_type="text/html; charset=utf-8"
    )
    ctx = FetchContext(Fetcher().get)
    result = reader_for("jsonfeed")(SourceSpec("Lab", httpserver.url_for("/feed.php")), ctx)
    assert len(result.articles) == 2
