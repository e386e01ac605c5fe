"""Any JSON API through a field mapping: page-parameter and next-link pagination, bad shapes."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Request, Response

from digest.errors import ConfigError, SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for
from digest.sources.jsonapi import dig

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
NEWSAPI = {
    "items": "articles",
    "page_param": "page",
    "page_size_param": "pageSize",
    "page_size": 2,
    "params": {"q": "tech"},
    "fields": {"excerpt": "description", "image": "urlToImage", "categories": "source.name"},
}
HN = {
    "items": "data.stories",
    "next": "links.next",
    "fields": {"title": "story_title", "url": "story_url", "published": "created_at_i", "author": "by"},
}


def read(url, options):
    ctx = FetchContext(Fetcher(backoff=Backoff(retries=0)).get)
    return reader_for("jsonapi")(SourceSpec("API", url, "jsonapi", options=options), ctx)


def test_page_parameter_pagination_until_an_empty_page(httpserver):
    seen = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.args))
        return Response(
            (FIXTURES / f"newsapi-{request.args['page']}.json").read_bytes(), content_type="application/json"
        )

    httpserver.expect_request("/v2/everything").respond_with_handler(handler)
    result = read(httpserver.url_for("/v2/everything"), NEWSAPI)
    assert seen == [{"q": "tech", "pageSize": "2", "page": str(n)} for n in (1, 2, 3)]
    robots, quantum, page_two = result.articles
    assert robots.url == "https://wire.example.com/robots" and robots.author == "Pat Newsapi"
    assert robots.excerpt == "Robots can fold shirts now."  # markup removed
    assert robots.image.url == "https://wire.example.com/robots.jpg"
    assert robots.categories == ("Wire",)
    assert robots.published == datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    assert quantum.image is None and quantum.author is None
    assert page_two.title == "Page two story"


def test_page_past_the_last_answering_404_ends_the_list(httpserver):
    def handler(request: Request) -> Response:
        if request.args["page"] == "2":
            return Response("no such page", status=404)
        return Response((FIXTURES / "newsapi-1.json").read_bytes(), content_type="application/json")

    httpserver.expect_request("/v2/everything").respond_with_handler(handler)
    assert len(read(httpserver.url_for("/v2/everything"), NEWSAPI).articles) == 2


def test_next_link_pagination_with_relative_links_and_epoch_dates(httpserver):
    httpserver.expect_request("/hn", query_string="page=2").respond_with_data(
        (FIXTURES / "hn-2.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request("/hn").respond_with_data(
        (FIXTURES / "hn-1.json").read_bytes(), content_type="application/json"
    )
    result = read(httpserver.url_for("/hn"), HN)
    scope, ask, last = result.articles
    assert scope.title == "Show: a tiny oscilloscope" and scope.author == "hacker1"
    assert scope.published == datetime(2025, 11, 17, 8, 0, tzinfo=UTC)
    assert ask.url == f"http://{httpserver.host}:{httpserver.port}/item?id=2"  # relative link resolved
    assert last.url == "https://last.example.com/"


def test_max_pages_bounds_next_links(httpserver):
    httpserver.expect_request("/hn").respond_with_data(
        (FIXTURES / "hn-1.json").read_bytes(), content_type="application/json"
    )
    assert len(read(httpserver.url_for("/hn"), {**HN, "max_pages": 1}).articles) == 2


def test_missing_item_list_and_html_are_named(httpserver):
    httpserver.expect_request("/api").respond_with_data('{"data": {}}', content_type="application/json")
    with pytest.raises(SourceError) as err:
        read(httpserver.url_for("/api"), {"items": "data.stories"})
    assert (
        str(err.value)
        == f"{httpserver.url_for('/api')}: no item list at 'data.stories' (check the source's items option)"
    )
    httpserver.expect_request("/html").respond_with_data(
        "<html><body>maintenance</body></html>", content_type="text/html"
    )
    with pytest.raises(
        SourceError, match=r"expected JSON but got an HTML page \(text/html\); point the source at the JSON document"
    ):
        read(httpserver.url_for("/html"), {})


def test_unknown_mapping_field_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown field 'headline' in fields"):
        read(str(tmp_path / "x.json"), {"fields": {"headline": "h"}})


def test_default_field_names_and_item_skips(tmp_path):
    doc = tmp_path / "api.json"
    doc.write_text(
        '{"results": [{"headline": "Found by default", "link": "https://d.example/1", '
        '"date": "2026-11-17"}, {"title": "No url", "date": "2026-11-17"}]}'
    )
    result = read(str(doc), {})
    assert [a.title for a in result.articles] == ["Found by default"]
    assert result.skipped[0].reason == 'missing required field "url"'


def test_dig():
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert dig(doc, "a.b.1.c") == 2 and dig(doc, "a.b.-1.c") == 2
    assert dig(doc, "a.x.c") is None and dig(doc, "a.b.5") is None and dig(doc, "") is doc


def test_secrets_come_from_the_environment_and_stay_out_of_messages(httpserver, monkeypatch):
    seen = []

    def handler(request: Request) -> Response:
        seen.append((request.headers.get("X-Api-Key"), request.args.get("apiKey")))
        return Response("gateway down", status=502)

    httpserver.expect_request("/secured").respond_with_handler(handler)
    monkeypatch.setenv("WIRE_KEY", "s3cret-value")
    options = {"params": {"apiKey": "env:WIRE_KEY", "q": "chips"}, "headers": {"X-Api-Key": "env:WIRE_KEY"}}
    with pytest.raises(SourceError) as err:
        read(httpserver.url_for("/secured"), options)
    assert seen == [("s3cret-value", "s3cret-value")]
    assert "s3cret" not in str(err.value)
    assert str(err.value) == f"{httpserver.url_for('/secured')}?apiKey=***&q=chips: HTTP 502 BAD GATEWAY"
    monkeypatch.delenv("WIRE_KEY")
    with pytest.raises(ConfigError, match=r"params.apiKey needs the environment variable WIRE_KEY"):
        read(httpserver.url_for("/secured"), options)


def test_unknown_option_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown option 'item' for kind jsonapi"):
        read(str(tmp_path / "x.json"), {"item": "data"})


def test_documented_example_configures_two_jsonapi_sources(tmp_path):
    from digest.config import read_file

    page = (Path(__file__).parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    section = page.split("## JSON APIs", 1)[1]
    example = section.split("```toml", 1)[1].split("```", 1)[0]
    (tmp_path / "digest.toml").write_text(example)
    wire, front = read_file(tmp_path / "digest.toml")["sources"]
    assert (wire.kind, wire.options["items"], wire.options["headers"]) == (
        "jsonapi",
        "articles",
        {"X-Api-Key": "env:WIRE_API_KEY"},
    )
    assert front.options["fields"]["published"] == "created_at_i" and front.options["next"] == "links.next"


def test_title_less_items_are_titled_by_their_first_words(httpserver):
    doc = {
        "rss": {
            "channel": {
                "item": [
                    {
                        "link": "https://s.example.com/2026/11/17.html#a1",
                        "pubDate": "Tue, 17 Nov 2026 10:00:00 GMT",
                        "description": "Good morning <b>students</b> and teachers!",
                    },
                    {
                        "link": "https://s.example.com/2026/11/17.html#a2",
                        "pubDate": "Tue, 17 Nov 2026 11:00:00 GMT",
                        "title": "A titled one",
                    },
                ]
            }
        }
    }
    httpserver.expect_request("/rss.json").respond_with_json(doc)
    options = {"items": "rss.channel.item", "fields": {"url": "link", "published": "pubDate", "excerpt": "description"}}
    first, second = read(httpserver.url_for("/rss.json"), options).articles
    assert first.title == "Good morning students and teachers!" and second.title == "A titled one"
    assert first.url.endswith("#a1") and second.url.endswith("#a2")  # anchors on one day page stay apart
