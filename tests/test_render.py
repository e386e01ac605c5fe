"""Rendering: golden files, determinism, structure, size budget, trimming, templates, plain text.

Regenerate the golden files after an intended template change with
`DIGEST_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_render.py` and review the diff.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import RenderError
from digest.fit import fit_to_budget, trim_order, trimmed
from digest.models import UNSUBSCRIBE_PLACEHOLDER, Issue
from digest.render import builtin_template_dir, encoded_size, meta_line, render_issue, web_link, week_label
from digest.textwrap_email import LINE_WIDTH, overlong_lines, wrap
from email_rules import check_email
from fixtures_issue import NEWSLETTER, entry, large_issue, rtl_issue, small_issue

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("DIGEST_REGEN_GOLDEN") == "1"
SIZE_GOAL = 82_000


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run DIGEST_REGEN_GOLDEN=1 pytest tests/test_render.py"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from the golden file (see module docstring)"


@pytest.mark.parametrize("name, build", [("small", small_issue), ("rtl", rtl_issue)])
def test_golden_files(name, build):
    rendered = render_issue(build())
    _golden(f"{name}.html", rendered.html)
    _golden(f"{name}.txt", rendered.text)


def test_rendering_is_deterministic():
    first, second = render_issue(large_issue(40)), render_issue(large_issue(40))
    assert first.html.encode() == second.html.encode() and first.text == second.text


@pytest.mark.parametrize(
    "build",
    [small_issue, rtl_issue, lambda: large_issue(60), lambda: large_issue(45, rtl_every=4)],
    ids=["small", "rtl", "large-60", "mixed-direction"],
)
@pytest.mark.parametrize("web", [False, True], ids=["email", "web"])
def test_structural_rules_pass(build, web):
    issue = build()
    assert check_email(render_issue(issue, web=web).html, issue, web=web) == []


def test_rtl_issue_and_articles_render_right_to_left():
    issue = rtl_issue()
    html = render_issue(issue).html
    assert re.search(r'<html lang="ur" dir="rtl"', html)
    # the left-to-right article in a right-to-left issue says so on its own block
    assert re.search(r'<td class="item" dir="ltr" lang="en"', html)
    small = render_issue(small_issue()).html
    assert re.search(r'<td class="item" dir="rtl" lang="ur"', small)


@pytest.mark.parametrize("count", [30, 60])
def test_size_budget(count, capsys):
    html = render_issue(large_issue(count)).html
    size, raw = encoded_size(html), len(html.encode())
    with capsys.disabled():
        print(f"\n{count}-article issue: {raw:,} bytes HTML, {size:,} bytes quoted-printable")
    assert size < SIZE_GOAL


def test_encoded_size_counts_quoted_printable():
    assert encoded_size("a=b\n") == len("a=3Db\r\n")
    assert encoded_size("é\n") == len("=C3=A9\r\n")


def test_preserves_dark_and_responsive_css():
    html = render_issue(small_issue()).html
    assert "@media (prefers-color-scheme: dark)" in html and "@media screen and (max-width:620px)" in html
    assert "!important" in html and 'class="card' in html and "data-premailer" not in html
    assert not re.search(r"#[0-9a-fA-F]{3}\b", html)


def test_configured_colours_stay_six_digit():
    issue = replace(
        small_issue(),
        newsletter=replace(NEWSLETTER, background_color="#ffffff", text_color="#000000", accent_color="#aa0000"),
    )
    html = render_issue(issue).html
    assert "color:#000000" in html and "#aa0000" in html and not re.search(r"#[0-9a-fA-F]{3}\b", html)
    assert check_email(html, issue) == []


def test_low_contrast_accent_is_adjusted():
    issue = replace(small_issue(), newsletter=replace(NEWSLETTER, accent_color="#ffdd00"))
    assert check_email(render_issue(issue).html, issue) == []


def test_invalid_colour_is_one_clear_error():
    issue = replace(small_issue(), newsletter=replace(NEWSLETTER, accent_color="blue"))
    with pytest.raises(RenderError, match="accent_color must be a 6-digit hex colour"):
        render_issue(issue)


def test_titles_and_summaries_are_escaped():
    lead = entry(0, "News")
    lead = replace(lead, article=replace(lead.article, title="Tags <script>alert(1)</script> & more"))
    html = render_issue(replace(small_issue(), lead=lead)).html
    assert "<script>" not in html and "Tags &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_placeholders_and_web_version():
    issue = small_issue()
    email, web = render_issue(issue), render_issue(issue, web=True)
    assert f'href="{UNSUBSCRIBE_PLACEHOLDER}"' in email.html and UNSUBSCRIBE_PLACEHOLDER in email.text
    assert 'class="preheader"' in email.html and "View in browser" in email.html
    assert UNSUBSCRIBE_PLACEHOLDER not in web.html + web.text
    assert 'class="preheader"' not in web.html and "View in browser" not in web.html


def test_web_link():
    issue = small_issue()
    assert web_link(issue) == "https://news.example.com/issues/2026-W48.html"
    page = replace(issue, newsletter=replace(issue.newsletter, web_url="https://x.example/latest.html"))
    assert web_link(page) == "https://x.example/latest.html"
    assert web_link(replace(issue, newsletter=replace(issue.newsletter, web_url=None))) is None


def test_week_label_and_meta_line():
    issue = small_issue()
    assert week_label(issue) == "Nov 23\u2009–\u200929, 2026"
    assert week_label(replace(issue, title="Weekly")) == "Nov 23\u2009–\u200929, 2026"
    german = replace(issue, newsletter=replace(issue.newsletter, language="de"))
    assert week_label(german) == "23.–29. Nov. 2026"
    assert (
        week_label(
            replace(
                german,
                week=replace(issue.week, start=datetime(2026, 2, 23, tzinfo=UTC), end=datetime(2026, 3, 2, tzinfo=UTC)),
            )
        )
        == "23. Feb.\u2009–\u20091. März 2026"
    )
    assert "نومبر" in week_label(rtl_issue())
    assert meta_line(entry(1, "News")) == "Circuit News · Mara Quint · 4 min read"
    assert meta_line(entry(4, "News", author=None, minutes=None)) == "Signal & Noise"


def test_plain_text_twin():
    issue = small_issue()
    text = render_issue(issue).text
    flat = " ".join(text.split())
    for item in issue.entries:
        assert item.article.title in flat and item.article.url in text
    assert overlong_lines(text) == []
    assert all(len(line) <= LINE_WIDTH or line.strip().startswith("https://") for line in text.splitlines())
    assert "News\n====\n" in text and "Top story\n=========\n" in text
    tail = text.splitlines()[-3:]
    assert tail == ["Unsubscribe:", UNSUBSCRIBE_PLACEHOLDER, issue.newsletter.postal_address]
    assert "our feedback page (https://news.example.com/feedback)." in flat
    assert text.endswith("\n") and "\n\n\n\n" not in text


def test_wrap_never_breaks_urls():
    url = "https://circuit.example.com/" + "a" * 90
    assert wrap(f"see {url} now") == f"see\n{url}\nnow"


def test_trim_order_is_lowest_ranked_first():
    from digest.fit import rank_key

    issue = large_issue(14)  # sections of 6, 6 and 1 entries
    key = rank_key(issue)
    order = [issue.sections[s].entries[i] for s, i in trim_order(issue)]
    assert len(order) == 13 and [key(e) for e in order] == sorted((key(e) for e in order), reverse=True)
    # not section ends in turn: the last section's one (and best) story is not the first to go
    assert trim_order(issue)[0] != (2, 0)


def _ids(issue: Issue) -> list[str]:
    return sorted(e.article.id for e in issue.entries)


def _links(issue: Issue) -> list:
    return [e for s in issue.sections for e in s.more] + list(issue.more)


def test_fit_to_budget_turns_the_lowest_ranked_stories_into_links():
    issue = large_issue(60)
    final, rendered = fit_to_budget(issue, budget=50_000)
    assert encoded_size(rendered.html) <= 50_000
    moved = len(_links(final))
    assert moved > 0 and final.lead == issue.lead and _ids(final) == _ids(issue)
    assert rendered.warnings[-1].startswith(f"listed {moved} lowest-ranked articles as links")
    assert check_email(rendered.html, final) == []
    # one fewer move would not have fitted
    assert encoded_size(render_issue(trimmed(issue, moved - 1)).html) > 50_000
    order = trim_order(issue)[:moved]
    assert {e.article.id for e in _links(final)} == {issue.sections[s].entries[i].article.id for s, i in order}
    # no section is left as links only, and the text twin keeps every story with its summary
    assert all(section.entries for section in final.sections)
    flat = " ".join(rendered.text.split())
    assert all(e.summary.text in flat for e in issue.entries)


def test_a_section_that_loses_its_last_story_folds_into_more_this_week():
    issue = large_issue(14)  # the last section has one story: made the lowest-ranked of all
    last = issue.sections[2].entries[0]
    last = replace(last, article=replace(last.article, published=issue.week.start, image=None))
    issue = replace(issue, sections=issue.sections[:2] + (replace(issue.sections[2], entries=(last,)),))
    assert trim_order(issue)[0] == (2, 0)
    result = trimmed(issue, 1)
    assert [s.name for s in result.sections] == [s.name for s in issue.sections[:2]]
    assert last in result.more and all(s.entries for s in result.sections)


def test_fit_to_budget_leaves_a_fitting_issue_alone():
    issue = large_issue(30)
    final, rendered = fit_to_budget(issue)
    assert final == issue and rendered.warnings == ()


def test_fit_to_budget_reports_when_even_trimming_cannot_fit():
    final, rendered = fit_to_budget(small_issue(), budget=1_000)
    assert final.lead is not None and "still" in rendered.warnings[-1]


def test_builtin_templates_are_found():
    assert (builtin_template_dir() / "email.html").is_file()
    assert (builtin_template_dir() / "email.txt").is_file()


def test_user_template_folder_overrides_any_template(tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "footer.html").write_text(
        '<table role="presentation"><tr><td>Custom footer {{ newsletter.postal_address }}'
        ' <a href="{{ UNSUBSCRIBE_URL }}">Leave</a></td></tr></table>\n',
        encoding="utf-8",
    )
    (tmp_path / "email.txt").write_text("{{ issue.title }} only\n", encoding="utf-8")
    rendered = render_issue(small_issue(), tmp_path)
    assert "Custom footer The Circuit Weekly" in rendered.html and ">Leave</a>" in rendered.html
    assert rendered.text == "The Circuit Weekly, 2026-W48 only\n"
    assert "Top story" in rendered.html  # everything not overridden comes from the built-in set


@pytest.mark.parametrize(
    "content, message",
    [
        ("{% if %}", r"email.txt:1: template syntax error"),
        ("{{ issue.nonexistent }}", r"template uses an unknown value: .*nonexistent"),
    ],
)
def test_template_errors_are_one_clear_line(tmp_path, content, message):
    (tmp_path / "email.txt").write_text(content, encoding="utf-8")
    with pytest.raises(RenderError, match=message):
        render_issue(small_issue(), tmp_path)


def test_missing_template_folder(tmp_path):
    with pytest.raises(RenderError, match="template folder not found"):
        render_issue(small_issue(), tmp_path / "nope")


def _pipeline_issue(tmp_path, monkeypatch, **settings):
    pipeline = pytest.importorskip("digest.pipeline")
    from digest.config import settings_from
    from digest.fetch import Fetcher

    monkeypatch.chdir(tmp_path)
    result = pipeline.build_issue(settings_from(settings), Fetcher(), datetime(2026, 11, 28, tzinfo=UTC), write=False)
    return result.issue, result.rendered


def test_built_sample_issue_passes_the_checker(tmp_path, monkeypatch):
    issue, rendered = _pipeline_issue(tmp_path, monkeypatch)
    assert len(issue.entries) >= 30
    assert check_email(rendered.html, issue) == []
    assert encoded_size(rendered.html) < SIZE_GOAL
    flat = " ".join(rendered.text.split())
    assert all(e.article.title in flat and e.article.url in rendered.text for e in issue.entries)
    assert overlong_lines(rendered.text) == []


def test_built_rtl_sample_issue_passes_the_checker(tmp_path, monkeypatch):
    issue, rendered = _pipeline_issue(tmp_path, monkeypatch, language="ur", name="سرکٹ ہفتہ وار")
    assert issue.newsletter.direction == "rtl" and '<html lang="ur" dir="rtl"' in rendered.html
    assert check_email(rendered.html, issue) == []


def test_text_that_looks_like_a_style_attribute_is_left_alone():
    lead = entry(0, "News")
    lead = replace(lead, article=replace(lead.article, title='Why style="#abc; x" matters'))
    html = render_issue(replace(small_issue(), lead=lead)).html
    assert 'Why style="#abc; x" matters' in html


def test_an_empty_issue_still_renders():
    issue = replace(small_issue(), lead=None, sections=(), more=())
    rendered = render_issue(issue)
    assert "No new articles this week." in rendered.html and "No new articles this week." in rendered.text
    assert check_email(rendered.html, issue) == []


def test_logo_and_fonts_from_the_theme():
    newsletter = replace(
        NEWSLETTER, logo_url="https://cdn.circuit.example.com/logo.png", font_family="Georgia, 'Times New Roman', serif"
    )
    issue = replace(small_issue(), newsletter=newsletter)
    html = render_issue(issue).html
    assert 'alt="The Circuit Weekly"' in html and "logo.png" in html and "Georgia" in html
    assert check_email(html, issue) == []
    hostile = replace(issue, newsletter=replace(newsletter, font_family="x}</style><script>alert(1)</script>"))
    assert "<script>" not in render_issue(hostile).html


@pytest.mark.parametrize(
    "configured, rendered",
    [
        ("Inter", "Inter, Arial, sans-serif"),
        ("Georgia, 'Times New Roman', serif", 'Georgia, "Times New Roman", serif'),
        ("", "Arial, sans-serif"),
    ],
)
def test_font_stack_always_ends_in_a_generic_family(configured, rendered):
    issue = replace(small_issue(), newsletter=replace(NEWSLETTER, font_family=configured))
    html = render_issue(issue).html
    assert f"font-family:{rendered}" in html and check_email(html, issue) == []


def test_css_premailer_cannot_inline_is_one_clear_error(tmp_path):
    (tmp_path / "styles.css").write_text(
        "@media (prefers-color-scheme: dark){@media screen{.card{color:#ffffff}}}\n", encoding="utf-8"
    )
    with pytest.raises(RenderError, match="cannot inline the template's CSS"):
        render_issue(small_issue(), tmp_path)


_WORDS = (
    "grid",
    "sensor",
    "battery",
    "network",
    "council",
    "budget",
    "rollout",
    "audit",
    "vendor",
    "outage",
    "library",
    "satellite",
    "harbour",
    "factory",
    "clinic",
    "transit",
)


def _week_source(tmp_path, count: int, sections: int) -> str:
    """A native JSON file of `count` articles of 2026-W48 over `sections` categories, each with an image."""
    import json

    items = []
    for n in range(count):
        words = [_WORDS[(n * 7 + k) % len(_WORDS)] for k in range(40)]
        body = (
            f"The {words[0]} team in district {n} said on Tuesday that its {words[1]} plan for the "
            f"{words[2]} and {words[3]} work would finish early next year after a long review. "
            f"Officials added that the {words[4]} and {words[5]} costs were lower than feared and "
            f"that residents would see the first changes within weeks."
        )
        items.append(
            {
                "url": f"https://news.example.com/2026/11/story-{n}",
                "published": f"2026-11-{24 + n % 5}T{n % 24:02d}:00:00Z",
                "title": f"Story {n}: the {words[0]} {words[1]} plan for district {n} moves ahead",
                "categories": [f"Topic {n % sections:02d}"],
                "content_text": body,
                "author": f"Reporter {n % 9}",
                "source": "Circuit News",
                "image": {
                    "url": f"https://img.example.com/2026/11/story-{n}-1200x675.jpg",
                    "alt": f"District {n}",
                    "width": 1200,
                    "height": 675,
                },
            }
        )
    path = tmp_path / "week.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return str(path)


def _cli_build(tmp_path, monkeypatch, count: int, sections: int):
    from typer.testing import CliRunner

    from digest.cli import app

    monkeypatch.chdir(tmp_path)
    for name in ("DIGEST_CONFIG", "DIGEST_OUT", "DIGEST_WEEK", "DIGEST_TIMEZONE", "DIGEST_HTML_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(
        app, ["build", "--source", _week_source(tmp_path, count, sections), "--week", "2026-W48", "--out", "issues"]
    )
    assert result.exit_code == 0, result.output
    issues = tmp_path / "issues"
    return (
        result.output,
        (issues / "2026-W48.html").read_text(encoding="utf-8"),
        (issues / "2026-W48.txt").read_text(encoding="utf-8"),
    )


def test_built_60_article_issue_fits_without_trimming(tmp_path, monkeypatch):
    output, html, text = _cli_build(tmp_path, monkeypatch, 60, 10)
    assert "More this week" not in html and "moved" not in output
    assert encoded_size(html) < SIZE_GOAL and check_email(html) == []
    assert html.count("<h3") == 60 and overlong_lines(text) == []


def test_digest_build_says_so_and_trims_an_issue_past_the_budget(tmp_path, monkeypatch):
    output, html, text = _cli_build(tmp_path, monkeypatch, 130, 22)  # 22 sections of 6: far past 82 KB
    said = re.search(
        r"warning: listed (\d+) lowest-ranked articles as links without a summary to keep the "
        r"HTML under the 82,000-byte budget \(([\d,]+) bytes encoded\)",
        output,
    )
    assert said, output
    moved = int(said.group(1))
    assert moved > 20 and encoded_size(html) == int(said.group(2).replace(",", "")) <= 82_000
    assert check_email(html) == [] and "<h3" in html
    assert html.count('class="link"') >= moved and html.count("<h3") == 130 - moved
    assert text.count("\nhttps://news.example.com/2026/11/story-") == 130  # the text twin: every story in full
    for n in range(130):  # every article is still in both parts, in full or as a link
        assert f'https://news.example.com/2026/11/story-{n}"' in html
        assert f"https://news.example.com/2026/11/story-{n}\n" in text
    assert overlong_lines(text) == []
    assert f"HTML: {len(html.encode()) / 1000:.1f} KB" in output


def _message_factory(issue, rendered, tmp_path, name, unsubscribe_url):
    """The message factory for `rendered` sent as `issue` of the newsletter `name` from <digest@example.com>."""
    from digest.issue_record import IssueRecord, NewsletterRecord
    from digest.issue_store import BuiltIssue
    from digest.message import MessageFactory

    record = replace(IssueRecord.from_issue(issue), newsletter=NewsletterRecord(name))
    built = BuiltIssue(issue.id, rendered.html, rendered.text, record, tmp_path)
    return MessageFactory(
        built,
        subject_template="{name}",
        sender=f"{name} <digest@example.com>",
        reply_to="",
        list_id="",
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto="",
        secret=b"s" * 32,
        now=datetime(2026, 11, 28, tzinfo=UTC),
    )


def _raw_html_part(data: bytes) -> bytes:
    """The HTML part of a built message as it goes over the wire, still transfer-encoded."""
    return data.split(b"Content-Type: text/html")[1].split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--=_digest_", 1)[0]


def test_no_subscribers_html_part_reaches_gmails_clip(tmp_path):
    from digest.subscribers import Subscriber

    issue = large_issue(140)  # far past the budget: trimmed
    final, rendered = fit_to_budget(issue, budget=10**6)  # even a budget set past the clip is capped
    factory = _message_factory(final, rendered, tmp_path, "The Circuit Weekly", "https://unsubscribe.news.example.com/")
    address = ("a" * 64) + "@" + ".".join(["sub" + "d" * 55] * 3) + ".example.com"  # a very long address
    data = factory.build(Subscriber(address, "Reader")).data
    html_part = _raw_html_part(data)
    assert final.more and len(html_part) < 102_000


def test_a_week_too_big_even_for_links_leaves_the_lowest_ranked_out_and_says_so(tmp_path, monkeypatch):
    import json

    output, html, text = _cli_build(tmp_path, monkeypatch, 700, 5)
    said = re.search(r"; (\d+) more did not fit even as links and are left out of the email", output)
    assert said, output
    omitted = int(said.group(1))
    assert "Articles: 700 kept" in output
    assert f"{omitted:>5}  left out of the email to stay under Gmail's clip" in output
    assert encoded_size(html) <= 82_000 and check_email(html) == []
    assert f"And {omitted} more from this week that did not fit in this email." in html
    assert "did not fit" not in text  # the text twin is never clipped: it keeps every story
    manifest = json.loads((tmp_path / "issues" / "2026-W48.json").read_text(encoding="utf-8"))
    placements = [a["placement"] for a in manifest["articles"]]
    assert len(placements) == 700 and placements.count("omitted") == omitted
    shown = sum(f'https://news.example.com/2026/11/story-{n}"' in html for n in range(700))
    assert shown == 700 - omitted
    web = (tmp_path / "issues" / "web" / "2026-W48.html").read_text(encoding="utf-8")
    assert all(f'https://news.example.com/2026/11/story-{n}"' in web for n in range(700))
    assert overlong_lines(text) == []


def test_links_are_left_out_from_the_lowest_ranked_up():
    from digest.fit import link_order, rank_key, without_links

    issue = trimmed(large_issue(14), 5)
    key = rank_key(issue)
    links = _links(issue)
    order = link_order(issue)
    assert len(order) == len(links) == 5
    fewer = without_links(issue, 2)
    lowest = sorted(links, key=key)[-2:]
    assert set(fewer.omitted) == set(lowest) and not set(_links(fewer)) & set(lowest)
    assert _ids(fewer) == sorted(set(_ids(issue)) - {e.article.id for e in fewer.omitted})


def test_images_have_no_numeric_height_and_link_to_their_story(tmp_path, monkeypatch):
    import lxml.html

    issue, rendered = _pipeline_issue(tmp_path, monkeypatch)
    doc = lxml.html.document_fromstring(rendered.html)
    images = list(doc.iter("img"))
    assert len(images) > 10
    assert all(img.get("height") in (None, "auto") and "height:auto" in img.get("style", "") for img in images)
    urls = {e.article.url for e in issue.entries}
    assert all(img.getparent().tag == "a" and img.getparent().get("href") in urls for img in images)


def test_outlook_resets_and_title_above_the_thumbnail():
    html = render_issue(small_issue()).html
    mso = re.search(r"<!--\[if mso\]>.*?<!\[endif\]-->", html, re.S).group(0)
    for reset in (
        "mso-line-height-rule:exactly",
        "mso-table-lspace:0pt",
        "mso-table-rspace:0pt",
        "border-collapse:collapse",
    ):
        assert reset in mso
    row = re.search(r'<td class="item".*?</td>', html, re.S).group(0)
    assert row.index("<h3") < row.index("<img")  # the thumbnail sits beside the summary, below the title


def test_a_right_to_left_issue_sets_dir_on_the_cells_outlook_reads():
    html = render_issue(rtl_issue()).html
    cells = re.findall(r'<td class="(item|pad|sec|foot)"([^>]*)>', html)
    assert cells and all('dir="' in attrs for _, attrs in cells)


def test_right_to_left_scripts_get_room_between_lines_and_their_own_faces():
    html = render_issue(rtl_issue()).html
    wrapper = re.search(r'<div class="bg"[^>]*style=\'([^\']*)\'', html).group(1)
    body = re.search(r'class="card head"[^>]*style="([^"]*)"', html).group(1)
    assert 'font-family:"Noto Nastaliq Urdu"' in wrapper and "line-height:35px" in body
    assert "letter-spacing:1px" not in html  # spacing pulls joined Arabic-script letters apart
    latin = render_issue(small_issue()).html
    assert "line-height:25px" in latin and "Nastaliq" not in latin


def test_the_omitted_line_is_a_real_button_to_the_web_version():
    issue = replace(small_issue(), omitted=(entry(20, "News"), entry(21, "News")))
    html = render_issue(issue).html
    assert "And 2 more from this week that did not fit in this email." in html
    button = re.search(r'<td class="btn"[^>]*bgcolor="#[0-9a-f]{6}"[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert button and button.groups() == (web_link(issue), "Read every story of this week")
    assert check_email(html, issue) == []


def _urdu_issue(count: int) -> Issue:
    issue = large_issue(count, rtl_every=1)
    return replace(issue, newsletter=replace(issue.newsletter, language="ur", direction="rtl"))


def test_a_non_latin_issue_is_measured_and_sent_in_the_smaller_encoding(tmp_path):
    import email
    from email import policy

    from digest.subscribers import Subscriber
    from digest.transfer import base64_size, qp_size

    rendered = render_issue(_urdu_issue(60))
    assert encoded_size(rendered.html) == base64_size(rendered.html) < 0.9 * qp_size(rendered.html)
    english = render_issue(large_issue(60)).html
    assert encoded_size(english) == qp_size(english) < base64_size(english)
    urdu = _urdu_issue(60)
    factory = _message_factory(urdu, rendered, tmp_path, "N", "https://u.example.com")
    data = factory.build(Subscriber("reader@example.com", "Reader")).data
    message = email.message_from_bytes(data, policy=policy.default)
    html_part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert html_part["Content-Transfer-Encoding"] == "base64"
    assert html_part.get_content().replace("\r\n", "\n") == rendered.html.replace(
        UNSUBSCRIBE_PLACEHOLDER, factory.unsubscribe_link("reader@example.com")
    )
    raw_part = _raw_html_part(data)
    assert len(raw_part) < base64_size(rendered.html) + 200  # the part is as big as the fit stage measured


def test_without_style_blocks_titles_stay_plain_and_thumbnails_keep_their_gap():
    """What a client that drops <style> (and classic Outlook, which ignores CSS margins on images) sees."""
    import lxml.html

    from email_rules import style_of

    for issue in (large_issue(60, rtl_every=4), trimmed(large_issue(60), 30)):
        doc = lxml.html.document_fromstring(render_issue(issue).html)
        titles = doc.xpath("//h3/a")
        assert len(titles) == len(issue.entries) - len(_links(issue))  # every story shown in full
        assert all(style_of(a).get("text-decoration") == "none" for a in titles)
        thumbnails = doc.xpath('//td[@class="item"]//img')
        assert len(thumbnails) > 20
        for img in thumbnails:
            assert img.get("align") in ("left", "right") and int(img.get("hspace")) >= 8
        # the gap's exact size and side still come from the <style> block where it is kept
        assert ".item img{border-radius:4px;margin:4px 0 8px 16px !important}" in render_issue(issue).html
