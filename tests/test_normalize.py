from datetime import UTC, datetime

import pytest

from digest.errors import ItemError
from digest.models import UNSUBSCRIBE_PLACEHOLDER
from digest.normalize import (
    canonical_url,
    clean_title,
    html_paragraphs,
    parse_datetime,
    sanitize_html,
    text_direction,
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://News.Example.com/a?utm_source=x&utm_medium=y&id=3#top", "https://news.example.com/a?id=3"),
        ("https://news.example.com/a?fbclid=abc", "https://news.example.com/a"),
        ("https://news.example.com:443/a?gclid=1&mc_eid=2&page=2", "https://news.example.com/a?page=2"),
        ("https://news.example.com", "https://news.example.com/"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_resolves_relative_and_rejects_other_schemes():
    assert canonical_url("/b/c", base="https://x.example/a/") == "https://x.example/b/c"
    with pytest.raises(ItemError, match="not an absolute http"):
        canonical_url("javascript:alert(1)")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T15:00:00+05:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 10:00:00 GMT", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T10:00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
    ],
)
def test_parse_datetime(value, expected):
    assert parse_datetime(value) == expected


def test_naive_dates_use_the_source_timezone():
    assert parse_datetime("2026-11-20T15:00:00", "Asia/Karachi") == datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_unparseable_date_names_the_value():
    with pytest.raises(ItemError, match="unparseable date 'last Tuesday'"):
        parse_datetime("last Tuesday")


def test_title_entities_and_markup():
    assert clean_title(" AT&amp;T &amp; the &#8216;5G&#8217; <b>race</b>\n") == "AT&T & the ‘5G’ race"


def test_sanitize_removes_active_content():
    dirty = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">x</a><script>alert(1)</script></p>'
        '<iframe src="https://evil.example"></iframe><style>p{}</style><form><input></form>'
        '<img src="data:image/png;base64,AAAA"><a href="/rel">rel</a>' + UNSUBSCRIBE_PLACEHOLDER
    )
    clean = sanitize_html(dirty, base="https://news.example.com/post/")
    for bad in (
        "onclick",
        "javascript:",
        "<script",
        "<iframe",
        "<style",
        "<form",
        "<input",
        "data:",
        UNSUBSCRIBE_PLACEHOLDER,
    ):
        assert bad not in clean
    assert 'href="https://news.example.com/rel"' in clean


def test_paragraphs_drop_captions():
    html = "<p>One.</p><figure><img src='https://x/i.jpg'><figcaption>Photo: someone</figcaption></figure><p>Two &amp; three.</p>"
    assert html_paragraphs(html) == ["One.", "Two & three."]


def test_direction():
    assert text_direction("ur") == "rtl"
    assert text_direction(None, "پاکستان میں ٹیلی کام") == "rtl"
    assert text_direction("en", "Hello") == "ltr"


def test_inline_tags_leave_no_gap_but_cells_stay_apart():
    html = (
        "<p>Health care is <a href='https://x.example/'>socialist</a>.</p>"
        "<p>機会を<em>失っている</em>ように思えました。</p><table><tr><td>a</td><td>b</td></tr></table>"
    )
    assert html_paragraphs(html) == ["Health care is socialist.", "機会を失っているように思えました。", "a", "b"]


def test_fragments_are_kept_only_when_asked_and_meaningful():
    assert canonical_url("http://scripting.com/2017/06/26.html#a080605") == "https://scripting.com/2017/06/26.html"
    assert (
        canonical_url("http://scripting.com/2017/06/26.html#a080605", keep_fragment=True)
        == "https://scripting.com/2017/06/26.html#a080605"
    )
    for noise in ("comments", "respond", "more-1234", "disqus_thread", ""):
        assert canonical_url(f"https://x.example/post#{noise}", keep_fragment=True) == "https://x.example/post"


def test_feed_source_markers_are_dropped_but_real_source_params_kept():
    assert (
        canonical_url("https://medium.com/@h/post-417d?source=rss-b1f3d322dadf------2")
        == "https://medium.com/@h/post-417d"
    )
    assert canonical_url("https://x.example/search?source=archive&q=1") == "https://x.example/search?source=archive&q=1"
