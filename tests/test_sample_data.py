"""The bundled sample week: read through the real native reader, it exercises every messy case."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib.resources import files
from urllib.parse import urlsplit

import pytest

from digest.fetch import Fetcher
from digest.sources import FetchContext, SourceSpec
from digest.sources.native import read

SAMPLE = files("digest") / "data" / "sample-week.json"
JUNK = ("<script", "onclick", "javascript:", "<iframe")


def iso_week(article) -> str:
    """The ISO week id ("2026-W47") an article's UTC publication time falls in."""
    year, week, _ = article.published.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture(scope="module")
def raw() -> dict:
    """The sample file as decoded JSON, before any normalization."""
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result():
    """The sample file read by the native reader through a real Fetcher."""
    spec = SourceSpec(name="The Circuit", location=str(SAMPLE), kind="native")
    return read(spec, FetchContext(fetch=Fetcher().get))


@pytest.fixture(scope="module")
def week47(result):
    """The articles of the sample's issue week."""
    return [a for a in result.articles if iso_week(a) == "2026-W47"]


def test_file_is_small_and_native(raw):
    assert len(SAMPLE.read_bytes()) < 150_000
    assert raw["version"] == 1
    assert raw["source"] == {"name": "The Circuit", "url": "https://thecircuit.example"}
    assert len(raw["articles"]) >= 34


def test_every_item_is_usable(result, raw):
    assert result.skipped == ()
    assert len(result.articles) == len(raw["articles"])


def test_latest_week_is_w47_with_a_previous_week_to_filter_out(result, week47):
    weeks = Counter(iso_week(a) for a in result.articles)
    assert max(weeks) == "2026-W47"
    assert len(week47) >= 30
    assert 3 <= weeks["2026-W46"] <= 4
    assert set(weeks) == {"2026-W46", "2026-W47"}


def test_week47_spans_many_categories_and_features_three(week47):
    categories = Counter(c for a in week47 for c in a.categories if c.lower() != "featured")
    assert len(categories) >= 6
    assert categories["AI"] == 1 and categories["Artificial Intelligence"] >= 3
    assert sum(a.featured for a in week47) == 3
    assert sum(1 for a in week47 if not a.categories) == 2


def test_urdu_articles_are_right_to_left(result):
    rtl = [a for a in result.articles if a.direction == "rtl"]
    assert len(rtl) == 3
    assert all(a.language == "ur" for a in rtl)
    assert all(a.direction == "ltr" for a in result.articles if a.language != "ur")


def test_tracking_parameters_make_a_duplicate_pair(result, raw):
    counts = Counter(a.url for a in result.articles)
    dupes = [url for url, n in counts.items() if n > 1]
    assert len(dupes) == 1
    pair = [a for a in result.articles if a.url == dupes[0]]
    assert pair[0].id == pair[1].id
    assert pair[0].content_html != pair[1].content_html
    raw_urls = {i["url"] for i in raw["articles"] if urlsplit(i["url"]).path == urlsplit(dupes[0]).path}
    assert len(raw_urls) == 2
    assert any("utm_source=" in u for u in raw_urls) and any("fbclid=" in u for u in raw_urls)
    assert all("?" not in a.url for a in result.articles)


def test_sanitizer_removes_the_junk_the_raw_file_carries(result, raw):
    raw_bodies = " ".join(i.get("content_html", "") for i in raw["articles"]).lower()
    assert all(junk in raw_bodies for junk in JUNK)  # otherwise this test proves nothing
    for article in result.articles:
        body = article.content_html.lower()
        for junk in JUNK:
            assert junk not in body, f"{junk!r} left in {article.url}"


def test_images_are_https(result):
    with_image = [a for a in result.articles if a.image]
    assert len(result.articles) - len(with_image) == 2
    for article in with_image:
        assert article.image.url.startswith("https://images.thecircuit.example/")
        assert (article.image.width, article.image.height) == (1200, 675)
    for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', " ".join(a.content_html for a in result.articles)):
        assert src.startswith("https://"), src


def test_titles_and_excerpts_are_cleaned(result, raw):
    titles = {a.title for a in result.articles}
    assert "Q&R Mobile & the \u20186G\u2019 race: what the trial licences actually allow" in titles
    assert any(i["title"] != i["title"].strip() for i in raw["articles"])
    assert all(t == t.strip() and "\n" not in t for t in titles)
    excerpts = [a.excerpt for a in result.articles if a.excerpt]
    assert len(excerpts) == 2
    assert sum(e.endswith("[\u2026]") for e in excerpts) == 1


def test_bodies_carry_the_boilerplate_a_summarizer_must_skip(result):
    bodies = [a.content_html for a in result.articles]
    assert sum("min read</p>" in b for b in bodies) >= 30
    assert sum("Share this:" in b for b in bodies) >= 30
    assert sum("<figcaption>" in b for b in bodies) >= 30
    assert sum("Also read:" in b for b in bodies) >= 10
    assert sum("<blockquote>" in b for b in bodies) >= 25
    for article in result.articles:
        paragraphs = article.content_html.count("<p>") - article.content_html.count("<blockquote><p>")
        assert 4 <= paragraphs <= 12, article.url


def test_no_summary_of_the_sample_carries_its_boilerplate(result):
    from digest.extractive import is_boilerplate
    from digest.sentences import split_sentences
    from digest.summarize import summarize_article

    for article in result.articles:
        summary = summarize_article(article).text
        assert summary, article.url
        assert not any(is_boilerplate(s) for s in split_sentences(summary)), article.url
        for furniture in ("min read", "تحریر", "پڑھنے کا وقت", "Share this", "شیئر کریں", "Also read"):
            assert furniture not in summary, (article.url, furniture)
