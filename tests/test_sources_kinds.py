"""Kinds detected truly (JSON Feed versions, UTF-16 feeds, channel-only feeds, WordPress media) and source labels."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.collect import collect
from digest.errors import SourceError
from digest.fetch import Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
MEDIA = SAMPLES / "wordpress/frontity/packages/wp-source/src/libraries/schemas/__tests__/mocks/media-list.json"
ITEM = {
    "id": "1",
    "url": "https://lab.example.org/1",
    "title": "First note",
    "date_published": "2026-11-18T10:00:00Z",
    "content_html": "<p>The lab measured something new this week. It was surprising.</p>",
}
RSS_ITEM = (
    "<item><title>Feed story</title><link>https://feed.example.net/s</link>"
    "<pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate><description>Words about the story.</description></item>"
)


pytestmark = pytest.mark.usefixtures("in_tmp")  # in tmp_path, no DIGEST_* settings (conftest.py)


def jsonfeed(tmp_path, version, name="feed.json"):
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {"version": version, "title": "Lab Notes", "home_page_url": "https://lab.example.org/", "items": [ITEM]}
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("version", ["1.0", "1.1", "1", "http://jsonfeed.org/version/1"])
def test_json_feed_versions_are_read_in_auto_mode_and_with_the_prefix(tmp_path, version):
    path = jsonfeed(tmp_path, version)
    collected = collect([SourceSpec("Lab", str(path))], Fetcher())
    assert collected.reports[0].kind == "jsonfeed" and [a.title for a in collected.articles] == ["First note"]
    result = reader_for("jsonfeed")(SourceSpec("Lab", str(path), "jsonfeed"), FetchContext(Fetcher().get))
    assert [a.title for a in result.articles] == ["First note"]


def test_a_bare_version_number_alone_does_not_make_any_api_a_json_feed(tmp_path):
    path = tmp_path / "api.json"
    path.write_text(json.dumps({"version": "1.0", "items": [{"name": "x", "count": 3}]}))
    with pytest.raises(SourceError, match="JSON in no known shape"):
        collect([SourceSpec("Api", str(path))], Fetcher())


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_feeds_are_read_in_auto_mode(tmp_path, codec):
    xml = (
        f'<?xml version="1.0" encoding="{codec.upper()}"?><rss version="2.0"><channel><title>Ünïcode</title>'
        f"{RSS_ITEM}</channel></rss>"
    )
    path = tmp_path / "feed.xml"
    path.write_bytes(xml.encode(codec))
    collected = collect([SourceSpec("Wide", str(path))], Fetcher())
    assert collected.reports[0].kind == "feed" and [a.title for a in collected.articles] == ["Feed story"]


def test_a_channel_only_feed_is_zero_items_not_invalid_xml(tmp_path):
    path = tmp_path / "channel.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Quiet &nbsp; blog</title>'
        "<link>https://quiet.example/</link><description>Nothing yet &copy;</description>"
        "</channel></rss>\n"
    )
    other = tmp_path / "other.xml"
    other.write_text(f'<rss version="2.0"><channel><title>Busy</title>{RSS_ITEM}</channel></rss>')
    collected = collect([SourceSpec("Quiet", str(path)), SourceSpec("Busy", str(other))], Fetcher())
    quiet = collected.reports[0]
    assert quiet.ok and quiet.kind == "feed" and quiet.items == 0


MEDIA_ITEM = {
    "id": 11,
    "date_gmt": "2026-11-18T10:00:00",
    "link": "https://wp.example/img/",
    "slug": "img",
    "title": {"rendered": "IMG_2041.jpg"},
    "media_type": "image",
    "mime_type": "image/jpeg",
    "source_url": "https://wp.example/wp-content/uploads/IMG_2041.jpg",
}
MEDIA_MESSAGE = (
    "a WordPress media listing (/wp/v2/media: images and files), not posts; "
    "point the source at the site or its /wp-json/wp/v2/posts endpoint"
)


def test_a_wordpress_media_listing_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "media.json"
    path.write_text(json.dumps([MEDIA_ITEM, {**MEDIA_ITEM, "id": 12}]))
    for kind in ("auto", "wordpress"):
        with pytest.raises(SourceError) as err:
            collect([SourceSpec("Media", str(path), kind)], Fetcher())
        assert str(err.value) == f"every source failed: Media: {path}: {MEDIA_MESSAGE}"


def test_a_served_media_endpoint_is_refused(httpserver):
    httpserver.expect_request("/wp-json/wp/v2/media").respond_with_json([MEDIA_ITEM])
    url = httpserver.url_for("/wp-json/wp/v2/media")
    with pytest.raises(SourceError, match=re.escape(MEDIA_MESSAGE)):
        reader_for("wordpress")(SourceSpec("M", url, "wordpress"), FetchContext(Fetcher().get))


@pytest.mark.skipif(not MEDIA.is_file(), reason="../shared/samples not present")
def test_the_real_media_listing_sample_is_refused():
    with pytest.raises(SourceError, match=re.escape(MEDIA_MESSAGE)):
        collect([SourceSpec("Media", str(MEDIA))], Fetcher())


@pytest.mark.skipif(not (SAMPLES / "jsonfeed").is_dir(), reason="../shared/samples not present")
def test_the_http_version_sample_is_a_json_feed():
    files = [p for p in (SAMPLES / "jsonfeed").rglob("*.json") if '"http://jsonfeed.org' in p.read_text("utf-8")]
    assert files
    for path in files:
        collected = collect([SourceSpec("J", str(path))], Fetcher())
        assert collected.reports[0].kind == "jsonfeed"


# -- labels: a source without a name is labelled by its own title, then its host -------------------


def build(*args):
    return runner.invoke(app, ["build", "--week", "2026-W47", *args])


def email_labels(tmp_path):
    html = (tmp_path / "issues" / "2026-W47.html").read_text()
    text = (tmp_path / "issues" / "2026-W47.txt").read_text()
    return html, text


def test_unnamed_sources_are_labelled_by_their_titles_or_host_never_a_path(tmp_path, httpserver):
    feed = jsonfeed(tmp_path, "https://jsonfeed.org/version/1.1")
    rss = tmp_path / "in" / "bbc-urdu.xml"
    rss.parent.mkdir()
    rss.write_text(f'<rss version="2.0"><channel><title>Channel Title</title>{RSS_ITEM}</channel></rss>')
    httpserver.expect_request("/untitled.xml").respond_with_data(
        '<rss version="2.0"><channel>'
        + RSS_ITEM.replace("Feed story", "Hosted story").replace("feed.example.net/s", "feed.example.net/h")
        + "</channel></rss>",
        content_type="application/rss+xml",
    )
    hosted = httpserver.url_for("/untitled.xml")
    result = build("--source", str(feed), "--source", str(rss), "--source", hosted)
    assert result.exit_code == 0, result.output
    html, text = email_labels(tmp_path)
    assert "Lab Notes" in html and "Channel Title" in html and "localhost" in html
    for leak in (str(tmp_path), "feed.json", "bbc-urdu.xml", hosted, "in/"):
        assert leak not in html and leak not in text
    meta = re.findall(r'class="(?:meta|src)"[^>]*>([^<]*)<', html)
    assert meta and not [m for m in meta if "/" in m or ".json" in m or ".xml" in m]


def test_an_unnamed_wordpress_source_is_labelled_by_its_site_name(httpserver, tmp_path):
    post = {
        "id": 7,
        "date_gmt": "2026-11-18T10:00:00",
        "link": "https://wp.example/p7/",
        "title": {"rendered": "A WordPress post"},
        "content": {"rendered": "<p>Body of the post here.</p>"},
        "excerpt": {"rendered": ""},
    }
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json([post])
    httpserver.expect_request("/wp-json/").respond_with_json({"name": "The Site Name", "url": "https://wp.example"})
    result = build("--source", "wordpress:" + httpserver.url_for("/"))
    assert result.exit_code == 0, result.output
    html, _ = email_labels(tmp_path)
    assert "The Site Name" in html and httpserver.url_for("/") not in html
