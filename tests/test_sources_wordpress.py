"""WordPress REST API over HTTP: site URL, pagination, plain permalinks, embedded terms, dates."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Request, Response

from digest.errors import SourceError
from digest.fetch import Backoff, Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for
from digest.sources.wordpress import endpoints

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "samples" / "wordpress"
SINCE = datetime(2026, 11, 16, tzinfo=UTC)
UNTIL = datetime(2026, 11, 23, tzinfo=UTC)


def ctx():
    return FetchContext(Fetcher(backoff=Backoff(retries=0)).get, since=SINCE, until=UNTIL)


def paged_handler(seen, total_pages="2", pages=("wp-posts-1.json", "wp-posts-2.json")):
    def handler(request: Request) -> Response:
        seen.append(dict(request.args))
        page = int(request.args.get("page", "1"))
        if page > len(pages):
            return Response(
                json.dumps({"code": "rest_post_invalid_page_number"}), status=400, content_type="application/json"
            )
        return Response(
            (FIXTURES / pages[page - 1]).read_bytes(),
            content_type="application/json",
            headers={"X-WP-Total": "4", "X-WP-TotalPages": total_pages},
        )

    return handler


def test_site_url_reads_every_page_with_embedded_fields(httpserver):
    seen = []
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(paged_handler(seen))
    spec = SourceSpec("Fab blog", httpserver.url_for("/"), "wordpress", timezone="Europe/Berlin")
    result = reader_for("wordpress")(spec, ctx())
    assert [s["page"] for s in seen] == ["1", "2"]
    assert seen[0]["_embed"] == "1" and seen[0]["per_page"] == "100"
    assert seen[0]["after"] == "2026-11-15T00:00:00" and seen[0]["before"] == "2026-11-24T00:00:00"
    fab, batteries, local = result.articles
    assert fab.title == "New chip fab – what it means"
    assert fab.url == "https://blog.example.com/2026/11/chip-fab/"
    assert fab.published == datetime(2026, 11, 17, 9, 15, tzinfo=UTC)  # date_gmt, no suffix
    assert fab.author == "Dana Wafer"
    assert fab.categories == ("Semiconductors", "featured") and fab.featured
    assert fab.tags == ("Manufacturing",)
    assert fab.image.url == "https://blog.example.com/wp-content/uploads/fab-1024x512.jpg"
    assert (fab.image.width, fab.image.alt) == (1024, "A clean room")
    assert "<iframe" not in fab.content_html
    assert 'href="https://blog.example.com/about"' in fab.content_html
    assert fab.excerpt == "The fab opens soon. […]"
    assert batteries.image is None and batteries.author is None and batteries.categories == ("Energy",)
    # Only the site-local date: read in the source's timezone (Berlin is UTC+1 in November).
    assert local.published == datetime(2026, 11, 19, 11, 0, tzinfo=UTC)
    assert local.url == "https://blog.example.com/?p=103"
    assert [(s.item, s.reason) for s in result.skipped] == [("item 4 ('No link')", 'missing required field "url"')]


def test_page_past_the_last_stops_quietly(httpserver):
    seen = []
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(paged_handler(seen, total_pages="3"))
    result = reader_for("wordpress")(SourceSpec("b", httpserver.url_for("/wp-json/wp/v2/posts"), "wordpress"), ctx())
    assert [s["page"] for s in seen] == ["1", "2", "3"]
    assert len(result.articles) == 3


def test_max_pages_bounds_the_walk(httpserver):
    seen = []
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(paged_handler(seen, total_pages="50"))
    spec = SourceSpec("b", httpserver.url_for("/"), "wordpress", options={"max_pages": 1, "per_page": 5})
    reader_for("wordpress")(spec, ctx())
    assert [(s["page"], s["per_page"]) for s in seen] == [("1", "5")]


def test_plain_permalink_site_falls_back_to_rest_route(httpserver):
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data("Not found", status=404)
    seen = []

    def handler(request: Request) -> Response:
        if request.args.get("rest_route") != "/wp/v2/posts":
            return Response("<html>home</html>", content_type="text/html")
        seen.append(dict(request.args))
        return Response(
            (FIXTURES / "wp-posts-1.json").read_bytes(),
            content_type="application/json",
            headers={"X-WP-TotalPages": "1"},
        )

    httpserver.expect_request("/").respond_with_handler(handler)
    result = reader_for("wordpress")(SourceSpec("b", httpserver.url_for("/"), "wordpress"), ctx())
    assert len(result.articles) == 2 and seen[0]["page"] == "1"


def test_not_a_wordpress_site(httpserver):
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data("Not found", status=404)
    httpserver.expect_request("/").respond_with_data("<html>home</html>", content_type="text/html")
    with pytest.raises(SourceError) as err:
        reader_for("wordpress")(SourceSpec("b", httpserver.url_for("/"), "wordpress"), ctx())
    assert str(err.value).startswith(f"{httpserver.url_for('/')}: no WordPress REST API found at ")
    assert "expected JSON but got an HTML page (text/html)" in str(err.value)


def test_endpoints_for_each_location_form():
    assert endpoints("https://x.org") == ["https://x.org/wp-json/wp/v2/posts", "https://x.org/?rest_route=/wp/v2/posts"]
    assert endpoints("https://x.org/wp-json/") == ["https://x.org/wp-json/wp/v2/posts"]
    assert endpoints("https://x.org/wp-json/wp/v2/posts") == ["https://x.org/wp-json/wp/v2/posts"]
    assert endpoints("https://x.org/?rest_route=/wp/v2/posts") == ["https://x.org/?rest_route=/wp/v2/posts"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared samples not present")
def test_shared_wordpress_samples_parse():
    reader = reader_for("wordpress")
    plain_ctx = FetchContext(Fetcher().get)
    embedded = SHARED / "frontity/packages/wp-source/src/libraries/schemas/__tests__/mocks/posts-from-category-7.json"
    result = reader(SourceSpec("frontity", str(embedded), "wordpress"), plain_ctx)
    assert len(result.articles) == 5 and not result.skipped
    first = result.articles[0]
    assert first.author and first.categories and first.image and first.image.url.startswith("https://")
    core = reader(
        SourceSpec("core", str(SHARED / "wordpress-develop-qunit/PostsCollection.json"), "wordpress"), plain_ctx
    )
    assert core.articles and all(a.url.startswith("http://example.org/?p=") for a in core.articles)
    one = next((SHARED / "tuqulore-design-lab").rglob("posts/*.json"))
    single = reader(SourceSpec("ja", str(one), "wordpress"), plain_ctx)
    assert len(single.articles) == 1


def test_server_error_is_reported_as_is(httpserver):
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data("down", status=503)
    with pytest.raises(SourceError) as err:
        reader_for("wordpress")(SourceSpec("b", httpserver.url_for("/"), "wordpress"), ctx())
    assert str(err.value).endswith(
        "/wp-json/wp/v2/posts?_embed=1&per_page=100&page=1&orderby=date&order=desc"
        "&after=2026-11-15T00%3A00%3A00&before=2026-11-24T00%3A00%3A00: "
        "HTTP 503 SERVICE UNAVAILABLE"
    )


def test_posts_without_embed_take_their_picture_from_the_body(httpserver):
    post = {
        "id": 7,
        "date": "2026-11-18T10:00:00",
        "date_gmt": "2026-11-18T01:00:00",
        "link": "https://ja.example.jp/p7/",
        "title": {"rendered": "新しい発見は孤独から得られる"},
        "excerpt": {"rendered": ""},
        "author": 6,
        "content": {
            "rendered": '<p class="p1"><img loading="lazy" src="http://ja.example.jp/up/IMG_7329.jpg" '
            'alt="町並み" width="1260" height="945" />言葉も通じない<em>外国</em>で。</p>'
        },
    }
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json([post], headers={"X-WP-TotalPages": "1"})
    (article,) = reader_for("wordpress")(SourceSpec("ja", httpserver.url_for("/"), "wordpress"), ctx()).articles
    assert article.published == datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # date_gmt, not the local date
    assert article.image.url == "https://ja.example.jp/up/IMG_7329.jpg" and article.image.alt == "町並み"
    assert article.author is None  # without _embed there is no name to show, and no id is shown instead


def test_a_saved_posts_response_at_a_url_is_read_as_is(httpserver):
    from digest.collect import read_source

    posts = (FIXTURES / "wp-posts-1.json").read_bytes()
    httpserver.expect_request("/backups/posts.json").respond_with_data(posts, content_type="application/json")
    url = httpserver.url_for("/backups/posts.json")
    fetch = Fetcher(backoff=Backoff(retries=0)).get
    for kind in ("auto", "wordpress"):  # detected from the content, or named: never probed as a site
        found, result = read_source(SourceSpec("Saved", url, kind), fetch, SINCE, UNTIL)
        assert found == "wordpress" and len(result.articles) == len(json.loads(posts)), kind
    assert len(httpserver.log) == 2  # one request each, no /wp-json probing


def test_an_urdu_post_gets_lang_as_well_as_dir(httpserver):
    from digest.render import render_issue
    from fixtures_issue import small_issue

    post = {
        "id": 9,
        "date": "2026-11-18T10:00:00",
        "date_gmt": "2026-11-18T05:00:00",
        "link": "https://ur.example.pk/p9/",
        "title": {"rendered": "کراچی میں ٹیکنالوجی کانفرنس کا آغاز"},
        "excerpt": {"rendered": ""},
        "author": 2,
        "content": {"rendered": "<p>شہر میں تین روزہ کانفرنس شروع ہو گئی ہے جس میں ملک بھر سے انجینئر شریک ہیں۔</p>"},
    }
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json([post], headers={"X-WP-TotalPages": "1"})
    (article,) = reader_for("wordpress")(SourceSpec("ur", httpserver.url_for("/"), "wordpress"), ctx()).articles
    assert (article.language, article.direction) == ("ur", "rtl")
    issue = small_issue()
    first = issue.sections[0]
    entry = first.entries[0]
    issue = type(issue)(
        **{
            **issue.__dict__,
            "sections": (
                type(first)(
                    first.name, (type(entry)(article, entry.summary, first.name),) + first.entries[1:], first.more
                ),
            )
            + issue.sections[1:],
        }
    )
    assert '<td class="item" dir="rtl" lang="ur"' in render_issue(issue).html
