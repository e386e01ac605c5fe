"""Kind detection for "auto" sources: from content, and by probing a WordPress site."""

from pathlib import Path

import pytest
from werkzeug import Request, Response

from digest.errors import SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import SourceSpec
from digest.sources.detect import detect

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def kind(location):
    return detect(SourceSpec("s", location), Fetcher(backoff=Backoff(retries=0)).get)[0]


@pytest.mark.parametrize(
    "name,expected",
    [
        ("native.json", "native"),
        ("jsonfeed-1.1.json", "jsonfeed"),
        ("jsonfeed-1.0.json", "jsonfeed"),
        ("wp-posts-1.json", "wordpress"),
        ("rss2.xml", "feed"),
        ("rss1.rdf", "feed"),
        ("atom.xml", "feed"),
    ],
)
def test_files_by_content(name, expected):
    assert kind(str(FIXTURES / name)) == expected


def test_wordpress_site_url_is_found_by_probing(httpserver):
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data(
        (FIXTURES / "wp-posts-1.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request("/").respond_with_data(
        "<!doctype html><html><body>A blog</body></html>", content_type="text/html"
    )
    assert kind(httpserver.url_for("/")) == "wordpress"


def test_wordpress_page_naming_its_api_needs_no_probe(httpserver):
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="https://api.w.org/" href="/wp-json/"></head></html>', content_type="text/html"
    )
    assert kind(httpserver.url_for("/")) == "wordpress"


def test_plain_html_site_is_refused_with_advice(httpserver):
    def handler(request: Request) -> Response:
        return Response("<html><body>shop</body></html>", content_type="text/html")

    httpserver.expect_request("/").respond_with_handler(handler)
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data("nope", status=404)
    with pytest.raises(SourceError) as err:
        kind(httpserver.url_for("/"))
    assert str(err.value) == (
        f"{httpserver.url_for('/')}: an HTML page, not a feed or JSON; "
        "use the site's feed URL or a kind prefix such as feed:URL"
    )


def test_unknown_json_asks_for_a_mapping(tmp_path):
    doc = tmp_path / "odd.json"
    doc.write_text('{"hits": [{"headline": "x"}]}')
    with pytest.raises(SourceError, match='JSON in no known shape; set kind = "jsonapi"'):
        kind(str(doc))


def test_garbage_is_refused(tmp_path):
    doc = tmp_path / "x.bin"
    doc.write_bytes(b"\x00\x01binary")
    with pytest.raises(SourceError, match="unrecognized content"):
        kind(str(doc))
