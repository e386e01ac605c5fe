"""Feeds read as their publishers meant them: distinct items, links, dates, pictures and sections.

The fixtures in fixtures/feeds/ are small feeds shaped like real ones (a podcast linking every episode
to its home page, a WordPress Atom feed with empty links under xml:base, a saved GitHub releases feed,
a news feed with Media RSS pictures and keyword categories).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.collect import read_source
from digest.errors import DigestError
from digest.fetch import Fetcher
from digest.models import Week
from digest.select import select
from digest.sources import SourceSpec

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
WEEK = Week("2026-W47", datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
EVERYTHING = Week("all", datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def read(location, name="feed", **options):
    """Read a source as `digest build` does: (articles, skipped at reading)."""
    _, result = read_source(SourceSpec(name, str(location), options=options), Fetcher().get, None, None)
    return list(result.articles), list(result.skipped)


def kept(location, week=WEEK, **options):
    """The articles of a source that survive select (window and dedupe), and every skip."""
    articles, skipped = read(location, **options)
    selection = select(articles, week)
    return list(selection.articles), skipped + list(selection.skipped)


# 1. Distinct stories are never lost as duplicates.


def test_podcast_episodes_linked_to_the_home_page_are_all_kept():
    articles, skipped = kept(FEEDS / "podcast-home-links.xml")
    assert skipped == []
    assert [a.title for a in articles] == [
        "Day Three Deliberations",
        "Day Four Deliberations",
        "Day Five Deliberations",
        "Bonus: the verdict explained",
    ]
    assert len({a.id for a in articles}) == 4  # each episode has an id of its own (guid, else enclosure)
    assert {a.url for a in articles} == {"https://trialwatch.example.com/"}  # printed as given
    assert all(a.identity.url == "" for a in articles)  # ...but the home page names no episode
    assert articles[3].identity.guid == "https://cdn.trialwatch.example.com/bonus1.mp3"


def test_home_page_links_never_merge_episodes_of_two_feeds():
    first, _ = read(FEEDS / "podcast-home-links.xml", name="one")
    second, _ = read(FEEDS / "podcast-home-links.xml", name="two")
    selection = select([a for a in first if "Bonus" in a.title] + [a for a in second if "Day" in a.title], WEEK)
    assert len(selection.articles) == 4  # a shared home page link is no evidence of one story


def test_titles_that_differ_in_a_number_word_are_different_stories():
    articles, skipped = kept(FEEDS / "numbered-days.xml")
    assert [s.reason for s in skipped] == []
    assert len(articles) == 4


def test_title_less_items_with_different_links_get_distinct_titles_and_all_stay():
    articles, skipped = kept(FEEDS / "untitled-links.xml")
    assert skipped == []
    titles = [a.title for a in articles]
    assert len(set(titles)) == 4
    assert "Shared a new photo from the harbour walk (photos.example.net/p/1002)" in titles
    assert "photos.example.net/p/1004" in titles  # no words at all: the link names it


def test_empty_links_under_xml_base_do_not_merge_entries_with_their_own_ids():
    articles, skipped = kept(FEEDS / "wp-atom-base.xml")
    assert skipped == []
    assert len(articles) == 3
    assert not any("wp-atom.php" in a.url for a in articles)
    assert articles[0].url == "https://linkblog.example.com/?p=14848"  # the URL-shaped id stands in


# 2. Links as the publisher gave them.


def test_saved_releases_feed_resolves_relative_links_against_its_own_link():
    articles, skipped = read(FEEDS / "releases.atom")
    assert skipped == []
    assert [a.url for a in articles] == [
        "https://github.com/acme/widget/releases/tag/v2.1.0",
        "https://github.com/acme/widget/releases/tag/v2.0.1",
    ]  # not gemini://
    assert articles[0].image is None  # a 30 px avatar is no picture


def test_printed_link_keeps_http_and_publisher_parameters_and_uses_the_original_link():
    articles, _ = read(FEEDS / "origlink.xml")
    assert [a.url for a in articles] == [
        "http://plainsite.example.org/2026/11/plain-http?ref=rss",  # feedburner:origLink, utm_* gone
        "http://plainsite.example.org/2026/11/share?share=print&page=2",  # fbclid gone, nothing else
    ]
    assert articles[0].identity.url == "https://plainsite.example.org/2026/11/plain-http"  # for dedupe only


def test_the_email_text_and_manifest_print_the_original_link(tmp_path):
    result = CliRunner().invoke(
        app,
        ["build", "--source", f"feed:{FEEDS / 'origlink.xml'}", "--week", "2026-W47", "--out", str(tmp_path / "out")],
        env={"DIGEST_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "2026-W47.txt").read_text()
    html = (tmp_path / "out" / "2026-W47.html").read_text()
    manifest = json.loads((tmp_path / "out" / "2026-W47.json").read_text())
    link = "http://plainsite.example.org/2026/11/share?share=print&page=2"
    assert link in text and link.replace("&", "&amp;") in html
    assert link in [a["url"] for a in manifest["articles"]]
    assert "https://plainsite.example.org" not in text + html


# 3. Dates as written.


def test_slash_written_pubdate_is_read_as_written_not_as_feedparser_guesses():
    articles, _ = read(FEEDS / "slash-dates.xml")
    council = articles[0]
    assert council.published == datetime(2020, 1, 10, 14, 33, tzinfo=UTC)  # not 2020-12-01
    assert council.dated == "corrected" and articles[1].dated == "standard"


def test_native_dates_as_written_month_first_unless_the_source_says_day_first():
    articles, skipped = read(FEEDS / "written-dates.json")
    assert skipped == []
    assert [a.published for a in articles] == [
        datetime(2026, 11, 17, 10, tzinfo=UTC),
        datetime(2026, 11, 18, tzinfo=UTC),
        datetime(2026, 11, 19, 8, 30, tzinfo=UTC),
    ]
    assert {a.dated for a in articles} == {"as written"}
    day_first, _ = read(FEEDS / "written-dates.json", dayfirst=True)
    assert day_first[2].published == datetime(2026, 11, 19, 8, 30, tzinfo=UTC)


def test_ambiguous_dates_follow_dayfirst(tmp_path):
    doc = tmp_path / "ambiguous.json"
    doc.write_text(json.dumps([{"url": "https://x.example/1", "title": "Ambiguous", "published": "02/11/2026"}]))
    assert read(doc)[0][0].published.date().isoformat() == "2026-02-11"
    assert read(doc, dayfirst=True)[0][0].published.date().isoformat() == "2026-11-02"


def test_undated_now_works_for_json_feed_too():
    articles, skipped = read(FEEDS / "undated.json")
    assert articles == [] and len(skipped) == 2 and 'undated = "now"' in skipped[0].reason
    articles, skipped = read(FEEDS / "undated.json", undated="now")
    assert len(articles) == 2 and skipped == []
    assert all(a.dated == "undated, dated when read" for a in articles)
    assert abs((articles[0].published - datetime.now(UTC)).total_seconds()) < 60


def test_digest_sources_reports_how_items_were_dated(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(f'''
[[sources]]
name = "Regional"
path = "{FEEDS / "slash-dates.xml"}"

[[sources]]
name = "Almanac"
path = "{FEEDS / "written-dates.json"}"
dayfirst = true

[[sources]]
name = "Notes"
path = "{FEEDS / "undated.json"}"
undated = "now"
''')
    result = CliRunner().invoke(
        app, ["sources", "--config", str(config)], env={"DIGEST_STATE_DIR": str(tmp_path / "state")}
    )
    assert result.exit_code == 0, result.output
    assert "Regional: dates: 1 standard, 1 corrected" in result.output
    assert "Almanac: dates: 3 as written" in result.output
    assert "Notes: dates: 2 undated, dated when read" in result.output


# 4. Pictures.


def test_media_content_without_type_is_a_picture_the_largest_that_fits_and_never_an_icon():
    articles, _ = read(FEEDS / "guardian-media.xml")
    festival, storm, phones = articles
    assert festival.image.url.endswith("width=460&quality=85&s=2") and festival.image.width == 460
    assert storm.image.url == "https://i.planetimg.example/img/media/def/storm.jpg"  # not jpg.gif, not the pixel
    assert phones.image is None  # a file-type icon only


# 6. Sections from real tags.


def test_section_pages_beat_keyword_tags():
    articles, _ = read(FEEDS / "guardian-media.xml")
    festival, storm, _ = articles
    assert festival.categories == ("US news",) and "Festival shooting" in festival.tags
    assert storm.categories == ("World news",)


def test_section_and_category_map_through_digest_build(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(f'''
[[sources]]
name = "Planet"
path = "{FEEDS / "guardian-media.xml"}"
category_map = {{ "Für Tumblr" = "", "Gadgets" = "Hardware" }}

[[sources]]
name = "Trial Watch"
path = "{FEEDS / "podcast-home-links.xml"}"
section = "Podcasts"
''')
    result = CliRunner().invoke(
        app,
        ["build", "--config", str(config), "--week", "2026-W47", "--out", str(tmp_path / "out")],
        env={"DIGEST_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "2026-W47.json").read_text())
    sections = {a["title"]: a["section"] for a in manifest["articles"]}
    assert sections["New phones announced at the autumn show"] == "Hardware"
    # Sections the editor named (a pin, a mapped category) stay whole under the default min_size of 2;
    # a one-article section the feed alone named is folded, and the build says so.
    assert sections["Storm season starts early on the coast"] == "World news"  # the lead
    # The shooting story's one-article section goes to the default section: two phone stories are too
    # few to say that it belongs with them.
    assert sections["City mourns after shooting at music festival"] == "More news"
    assert (
        'folded: section "US news" had 1 article(s), fewer than [sections] min_size = 2: folded into "More news"'
        in result.output
    )
    assert {sections[t] for t in sections if "Deliberations" in t} == {"Podcasts"}
    assert "Für Tumblr" not in sections.values() and "Festival shooting" not in sections.values()
    text = (tmp_path / "out" / "2026-W47.txt").read_text()
    assert "PODCASTS" in text.upper() and "HARDWARE" in text.upper()


def test_a_bad_category_map_is_named():
    with pytest.raises(Exception) as err:
        read(FEEDS / "guardian-media.xml", category_map=["Gadgets"])
    assert "category_map must be a table" in str(err.value)


# The bench's promise on the shared samples: no distinct item lost as a duplicate.


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is absent")
def test_no_item_of_the_shared_samples_is_lost_as_a_duplicate():
    files = [p for p in SAMPLES.rglob("*") if p.suffix in (".xml", ".rss", ".atom", ".rdf", ".json")]
    lost = []
    for path in files:
        try:
            articles, _ = read(path, name=path.name)
        except DigestError:  # refused files are the kind detector's business
            continue
        lost += [s for s in select(articles, EVERYTHING).skipped if s.reason.startswith("duplicate")]
    assert lost == []
