"""The archive: index.html, web versions without per-recipient parts, and the Atom feed."""

import json
import xml.etree.ElementTree as ET

import feedparser
from typer.testing import CliRunner

from desk_helpers import cli_build, native_article, write_source
from digest.cli import app

ATOM = "{http://www.w3.org/2005/Atom}"


def two_weeks(tmp_path, env=None):
    """Build 2026-W46 and 2026-W47 from one source into tmp_path/issues."""
    articles = [native_article(n, ("Security", "Science")[n % 2], day=n % 5 - 7) for n in range(1, 5)]
    articles += [native_article(n, ("Security", "Science")[n % 2], day=n % 5) for n in range(5, 9)]
    articles[4]["title"] = 'Q&A: 5 < 6 & "quotes" lead'
    articles[4]["categories"] = ["Featured", "Security"]  # makes it the W47 lead
    source = write_source(tmp_path / "news.json", articles)
    out = tmp_path / "issues"
    for week in ("2026-W46", "2026-W47"):
        result = (
            cli_build(source, out, "--week", week)
            if env is None
            else CliRunner().invoke(app, ["build", "--source", str(source), "--week", week, "--out", str(out)], env=env)
        )
        assert result.exit_code == 0, result.output
    return out, source


def test_index_lists_every_issue_newest_first_with_date_subject_and_lead(tmp_path):
    out, _ = two_weeks(tmp_path)
    index = (out / "index.html").read_text(encoding="utf-8")
    w47, w46 = index.index('<tr id="2026-W47">'), index.index('<tr id="2026-W46">')
    assert w47 < w46
    assert '<html lang="en" dir="ltr">' in index
    assert '<time datetime="2026-11-16" dir="auto">Nov 16\u2009–\u200922, 2026</time>' in index
    assert '<time datetime="2026-11-09" dir="auto">Nov 9\u2009–\u200915, 2026</time>' in index
    lead = "Q&amp;A: 5 &lt; 6 &amp; &#34;quotes&#34; lead"
    assert f'<a href="web/2026-W47.html">The Circuit Weekly, Nov 16 \u2013 22, 2026: {lead}</a>' in index
    assert f'<td class="lead"><a href="https://news.example.com/2026/11/story-5">{lead}</a></td>' in index
    assert '<link rel="alternate" type="application/atom+xml"' in index


def test_web_versions_have_no_per_recipient_parts(tmp_path):
    out, _ = two_weeks(tmp_path)
    for week in ("2026-W46", "2026-W47"):
        web = (out / "web" / f"{week}.html").read_text(encoding="utf-8")
        email = (out / f"{week}.html").read_text(encoding="utf-8")
        assert "__DIGEST_" in email and "Unsubscribe" in email
        assert "__DIGEST_" not in web and "Unsubscribe" not in web and "unsubscribe" not in web.lower()
        assert "story-" in web  # the articles are there


def test_feed_is_valid_atom_with_stable_ids(tmp_path):
    out, source = two_weeks(tmp_path)
    raw = (out / "feed.xml").read_text(encoding="utf-8")
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "The Circuit Weekly"
    assert [e.title for e in parsed.entries] == [
        'The Circuit Weekly, Nov 16 \u2013 22, 2026: Q&A: 5 < 6 & "quotes" lead',
        f"The Circuit Weekly, Nov 9 \u2013 15, 2026: {json.loads((out / '2026-W46.json').read_text())['lead']['title']}",
    ]
    assert [e.link for e in parsed.entries] == ["web/2026-W47.html", "web/2026-W46.html"]
    assert "https://news.example.com/2026/11/story-5" in parsed.entries[0].content[0].value
    root = ET.fromstring(raw)
    assert root.tag == f"{ATOM}feed"
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2
    result = cli_build(source, out, "--week", "2026-W47")
    assert result.exit_code == 0
    again = ET.fromstring((out / "feed.xml").read_text(encoding="utf-8"))
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids


def test_feed_links_use_web_url_when_set(tmp_path):
    out, _ = two_weeks(tmp_path, env={"DIGEST_CONFIG": "", "DIGEST_WEB_URL": "https://news.example.com/archive/"})
    parsed = feedparser.parse((out / "feed.xml").read_text(encoding="utf-8"))
    assert parsed.entries[0].link == "https://news.example.com/archive/2026-W47.html"
    email = (out / "2026-W47.html").read_text(encoding="utf-8")
    assert 'href="https://news.example.com/archive/2026-W47.html"' in email  # "view in browser" agrees


def test_archive_command_rewrites_index_and_feed_and_names_bad_manifests(tmp_path):
    out, _ = two_weeks(tmp_path)
    (out / "index.html").unlink()
    (out / "feed.xml").unlink()
    (out / "web" / "2026-W46.html").unlink()
    (out / "2026-W40.json").write_text('{"id": "2026-W40", "week": {"start": "not a date"}}', encoding="utf-8")
    result = CliRunner().invoke(app, ["archive", "--out", str(out)], env={"DIGEST_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"Wrote {out / 'index.html'} and feed.xml: 2 issue(s)"]
    assert result.stderr.startswith(f"warning: {out / '2026-W40.json'}: not a readable issue manifest (")
    assert result.stderr.splitlines()[-1] == (
        "warning: no web version for 2026-W46: rebuild with digest build --week ID to write one"
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="web/2026-W47.html">' in index and '<a href="web/2026-W46.html">' not in index
    assert len(feedparser.parse((out / "feed.xml").read_text(encoding="utf-8")).entries) == 2


def test_an_empty_archive_still_writes_a_valid_index_and_feed(tmp_path):
    result = CliRunner().invoke(app, ["archive", "--out", str(tmp_path)], env={"DIGEST_CONFIG": ""})
    assert result.exit_code == 0
    assert "No issues yet." in (tmp_path / "index.html").read_text(encoding="utf-8")
    parsed = feedparser.parse((tmp_path / "feed.xml").read_text(encoding="utf-8"))
    assert parsed.bozo == 0 and parsed.entries == []


def test_the_web_version_is_a_page_of_the_archive_with_every_story(tmp_path, monkeypatch):

    from digest.archive import web_version
    from digest.fit import fit_to_budget
    from fixtures_issue import large_issue

    issue = large_issue(60)
    _final, rendered = fit_to_budget(issue, budget=40_000)  # trimmed hard: most stories are links in the email
    assert rendered.html.count('class="sum"') < 30
    page = web_version(issue)
    assert all(e.summary.text in page for e in issue.entries)  # all 60 summaries
    assert page.count("<main>") == 1 and "</main>" in page
    assert '<a href="../index.html"' in page and '<a href="../feed.xml"' in page
    from email_rules import check_email

    assert check_email(page, issue, web=True) == []


def test_the_feed_has_its_language_absolute_links_and_publication_dates(tmp_path):
    out, _ = two_weeks(tmp_path, env={"DIGEST_WEB_URL": "https://news.example.com/issues/web"})
    root = ET.fromstring((out / "feed.xml").read_text(encoding="utf-8"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://news.example.com/issues/feed.xml",
        "alternate": "https://news.example.com/issues/index.html",
    }
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == [
        "https://news.example.com/issues/web/2026-W47.html",
        "https://news.example.com/issues/web/2026-W46.html",
    ]
    assert all(e.findtext(f"{ATOM}published") for e in entries)
    assert entries[1].findtext(f"{ATOM}published").startswith("2026-11-16T00:00:00")
