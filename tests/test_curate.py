"""The curation file: create, parse, merge and apply (pure), and its edge (sync_curation)."""

import tomllib
from dataclasses import replace

import pytest

from digest.curate import (
    Curation,
    Override,
    apply_curation,
    curation_path,
    is_edited,
    merge_curation_text,
    new_curation_text,
    parse_curation,
    sync_curation,
)
from digest.errors import ConfigError
from digest.group import GroupRules, group
from digest.markdown_note import render_note
from digest.models import Issue, Newsletter
from digest.pipeline import preheader
from factories import WEEK, article, summaries

CATS = (["Security"], ["Science"], ["Business"])


def make_issue(count=7, cap=6, titles=None):
    """An uncurated issue as the pipeline makes it, from `count` articles over three sections."""
    arts = [article(n, categories=CATS[n % 3], day=n % 6, title=(titles or {}).get(n)) for n in range(1, count + 1)]
    lead, sections = group(arts, summaries(arts), WEEK, GroupRules(max_per_section=cap))
    return Issue(
        id=WEEK.id,
        week=WEEK,
        title=f"Desk · {WEEK.id}",
        preheader=preheader([s.entries[0].article.title for s in sections], [s.name for s in sections], len(arts) - 1),
        newsletter=Newsletter("Desk", "desk@example.com", "1 Street"),
        lead=lead,
        sections=sections,
    )


def layout(issue):
    """(lead id, [(section, [ids], [more ids])]) for compact assertions."""
    return (
        issue.lead.article.id if issue.lead else None,
        [(s.name, [e.article.id for e in s.entries], [e.article.id for e in s.more]) for s in issue.sections],
    )


def test_new_file_is_commented_valid_toml_naming_every_article_with_its_title():
    issue = make_issue()
    text = new_curation_text(issue)
    raw = tomllib.loads(text)
    assert set(raw) == {"note", "subject", "lead", "exclude", "sections", "order"}
    assert raw["sections"] == [s.name for s in issue.sections]
    listed = [i for ids in raw["order"].values() for i in ids]
    assert sorted(listed) == sorted(e.article.id for e in issue.entries)
    for entry in issue.entries:
        assert f'"{entry.article.id}", # {entry.article.title}' in text
    assert f"# {issue.lead.article.title} (lead)" in text
    assert "[articles." in text and "summary =" in text  # the override example is in a comment
    assert not is_edited(text)


def test_an_untouched_file_changes_nothing():
    issue = make_issue()
    curated, warnings = apply_curation(issue, parse_curation(new_curation_text(issue)))
    assert warnings == []
    assert curated == issue


def _as_tomlkit_writes_it(issue):
    """A fresh curation file built with tomlkit's document API: what new_curation_text must equal."""
    import tomlkit

    from digest.curate import FINGERPRINT_MARK, HEADER, _comment, _fingerprint

    doc = tomlkit.document()
    example = issue.lead.article.id if issue.lead else "a1b2c3d4e5f6"
    for line in HEADER.format(title=issue.title, example=example).splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment("Editor's note in Markdown (raw HTML shows as text), placed above the lead story."))
    doc.add("note", tomlkit.string("\n", multiline=True))
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment('Subject line of this issue; "" uses the configured [send] subject.'))
    doc.add("subject", "")
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment('The lead story\'s article id; "" picks the highest-ranked article.'))
    doc.add("lead", "")
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment("Article ids to leave out. Deleting a line under [order] does not remove an article."))
    doc.add("exclude", tomlkit.array())
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment("Sections from top to bottom; sections not listed follow in the usual order."))
    doc.add("sections", [s.name for s in issue.sections])
    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment("Articles of each section, top to bottom. Move an id to another list to move the article."))
    doc.add("order", tomlkit.table())
    order = tomlkit.table()
    names = [s.name for s in issue.sections]
    if issue.lead and issue.lead.section not in names:
        names.insert(0, issue.lead.section)
    for name in names:
        order.add(name, tomlkit.array())
    for entry in issue.entries:
        if entry.section not in order:
            order.add(entry.section, tomlkit.array())
        lead = entry is issue.lead
        order[entry.section].add_line(entry.article.id, comment=_comment(entry, lead))
    for name in order:
        order[name].add_line(indent="")
    # The [order] table's lists, rendered alone, follow the header written by the document.
    body = doc.as_string() + "".join(f"{tomlkit.key(k).as_string()} = {v.as_string()}\n" for k, v in order.items())
    return f"# digest curation of {issue.id} · {FINGERPRINT_MARK}{_fingerprint(body)}\n{body}"


def _renamed(issue, names, ids, title):
    """`issue` with its sections renamed by `names`, its article ids by `ids` and the given title."""

    def entry(e):
        return replace(e, section=names.get(e.section, e.section), article=replace(e.article, id=ids(e.article.id)))

    sections = tuple(
        replace(s, name=names.get(s.name, s.name), entries=tuple(map(entry, s.entries)), more=tuple(map(entry, s.more)))
        for s in issue.sections
    )
    return replace(issue, title=title, lead=entry(issue.lead), sections=sections, more=tuple(map(entry, issue.more)))


@pytest.mark.parametrize(
    ("names", "ids", "title"),
    [
        ({}, str, "Desk · 2026-W47"),
        ({"Security": "AI & Policy", "Science": "Ünïcode ✓", "Business": "x-y_Z9"}, str, 'Nöte "quoted" \\ here'),
        ({"Security": 'Say "hi"', "Science": "back\\slash", "Business": "tab\there"}, lambda i: i + "-ok_1", "T"),
        ({"Security": "", "Science": "del\x7f", "Business": "[order]"}, lambda i: f'{i}"q', "two\u2028lines"),
        ({}, lambda i: i + " é\\", ""),
    ],
)
def test_a_new_file_is_written_exactly_as_tomlkit_writes_it(names, ids, title):
    issue = _renamed(make_issue(count=9, cap=2), names, ids, title)
    assert new_curation_text(issue) == _as_tomlkit_writes_it(issue)


def test_every_kind_of_edit_is_applied():
    issue = make_issue()
    lead_id, sections = layout(issue)
    by_title = {e.article.title: e.article.id for e in issue.entries}
    a = {n: by_title[f"Article {n}"] for n in range(1, 8)}
    curation = Curation(
        note="Hello **readers**. <b>raw</b> [site](https://example.com)",
        subject="A  curated\nsubject",
        lead=a[1],
        exclude=(a[2],),
        sections=("Business", "Science"),
        order={"Science": (a[7], a[4]), "Business": (a[5], a[3])},  # a[3] moves into Business by its list
        overrides={
            a[4]: Override(title="Sharper  title", summary="Editor's own words.", section="Security"),
            a[6]: Override(summary="Only the summary."),
        },
        source="w.toml",
    )
    curated, warnings = apply_curation(issue, curation)
    assert warnings == []
    assert curated.lead.article.id == a[1]
    assert curated.subject == "A curated subject"
    assert curated.editor_note_html.startswith(
        '<p>Hello <strong>readers</strong>. &lt;b&gt;raw&lt;/b&gt; <a href="https://example.com"'
    )
    assert [s.name for s in curated.sections][:2] == ["Business", "Science"]
    got = {s.name: [e.article.id for e in s.entries] for s in curated.sections}
    assert got["Business"] == [a[5], a[3]]
    assert got["Science"] == [a[7]]  # a[1] is now the lead, a[4] moved to Security
    assert a[4] in got["Security"] and a[2] not in [e.article.id for e in curated.entries]
    moved = next(e for e in curated.entries if e.article.id == a[4])
    assert (moved.article.title, moved.summary.text, moved.summary.origin, moved.section) == (
        "Sharper title",
        "Editor's own words.",
        "editor",
        "Security",
    )
    only = next(e for e in curated.entries if e.article.id == a[6])
    assert only.summary.origin == "editor" and only.article.title == "Article 6"
    # the subject names the lead (Article 1): the preheader names the sections' top stories instead
    assert curated.preheader == "Also: " + " · ".join(
        e.title
        for e in [
            next(x for x in curated.sections if x.name == n).entries[0].article
            for n in [s.name for s in curated.sections]
        ]
    )
    assert "Article 1" not in curated.preheader
    assert lead_id != a[1] and sections  # the machine's picks were different


def test_stale_entries_warn_and_do_not_crash():
    issue = make_issue()
    curation = Curation(
        lead="gone1",
        exclude=("gone2",),
        order={"Science": ("gone3",)},
        overrides={"gone4": Override(title="x")},
        sections=("Nowhere",),
        source="w.toml",
    )
    curated, warnings = apply_curation(issue, curation)
    assert warnings == [
        "w.toml: lead names article 'gone1', which is not in this issue; ignored",
        "w.toml: exclude names article 'gone2', which is not in this issue; ignored",
        "w.toml: [order] 'Science' names article 'gone3', which is not in this issue; ignored",
        "w.toml: [articles.gone4] names article 'gone4', which is not in this issue; ignored",
        "w.toml: sections lists 'Nowhere', which has no articles; ignored",
    ]
    assert layout(curated) == layout(issue)


def test_excluding_the_lead_promotes_the_top_story_of_the_top_section():
    issue = make_issue()
    first = issue.sections[0].entries[0].article.id
    curated, warnings = apply_curation(issue, Curation(exclude=(issue.lead.article.id,)))
    assert warnings == [] and curated.lead.article.id == first
    assert len(curated.entries) == len(issue.entries) - 1


def test_a_lead_that_is_also_excluded_is_left_out_with_a_warning():
    issue = make_issue()
    target = issue.sections[0].entries[0].article.id
    curated, warnings = apply_curation(issue, Curation(lead=target, exclude=(target,), source="w.toml"))
    assert warnings == [f"w.toml: lead {target!r} is also excluded; it is left out"]
    assert target not in [e.article.id for e in curated.entries]


def test_an_id_listed_in_two_sections_stays_in_the_first():
    issue = make_issue()
    target = issue.sections[1].entries[0].article.id
    curation = Curation(order={"Business": (target,), "Science": (target,)}, source="w.toml")
    curated, warnings = apply_curation(issue, curation)
    assert warnings == [
        f"w.toml: article {target!r} is listed under both 'Business' and 'Science' in [order]; kept under 'Business'"
    ]
    assert target in [e.article.id for s in curated.sections if s.name == "Business" for e in s.entries]


def test_the_per_section_cap_still_lists_the_tail_as_links():
    issue = make_issue(count=12, cap=2)
    assert any(s.more for s in issue.sections)
    science = next(s for s in issue.sections if s.name == "Science")
    last = science.more[-1].article.id
    curated, _ = apply_curation(issue, Curation(order={"Science": (last,)}))
    got = next(s for s in curated.sections if s.name == "Science")
    assert got.entries[0].article.id == last and len(got.entries) == 2
    assert len(got.entries) + len(got.more) == len(science.entries) + len(science.more)


def test_merge_adds_new_articles_at_the_end_and_keeps_edits_and_comments():
    small = make_issue(count=5)
    edited = new_curation_text(small).replace('subject = ""', 'subject = "Mine"  # my comment')
    assert is_edited(edited)
    bigger = make_issue(count=8)
    merged, added = merge_curation_text(edited, bigger)
    new_ids = {e.article.id for e in bigger.entries} - {e.article.id for e in small.entries}
    assert {e.article.id for e in added} == new_ids
    assert 'subject = "Mine"  # my comment' in merged
    raw = tomllib.loads(merged)
    for entry in added:
        assert raw["order"][entry.section][-1] in new_ids
        assert f"# {entry.article.title}" in merged
    again, added_again = merge_curation_text(merged, bigger)
    assert (again, added_again) == (merged, [])


def test_an_unedited_file_is_rewritten_to_follow_the_machine():
    merged, added = merge_curation_text(new_curation_text(make_issue(count=4)), make_issue(count=8))
    assert added == [] and merged == new_curation_text(make_issue(count=8))


def test_a_new_section_gets_its_own_list():
    issue = make_issue(count=4)
    text = new_curation_text(issue).replace('lead = ""', 'lead = "x"')
    extra = article(99, categories=["Space"], day=1)
    entries = group(
        [e.article for e in issue.entries] + [extra],
        summaries([e.article for e in issue.entries] + [extra]),
        WEEK,
        GroupRules(),
    )
    bigger = Issue(
        id=issue.id,
        week=WEEK,
        title=issue.title,
        preheader="",
        newsletter=issue.newsletter,
        lead=entries[0],
        sections=entries[1],
    )
    merged, added = merge_curation_text(text, bigger)
    assert [e.article.id for e in added] == ["a099"]
    assert tomllib.loads(merged)["order"]["Space"] == ["a099"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("lead = [", "w.toml: invalid TOML: "),
        (
            'subjet = "x"',
            "w.toml: unknown key 'subjet' (known: note, subject, lead, exclude, sections, order, articles)",
        ),
        ('exclude = "a1"', 'w.toml: exclude must be a list of quoted ids, e.g. exclude = ["a1b2c3"]'),
        ("lead = 3", 'w.toml: lead must be a string in quotes, e.g. lead = "..."'),
        (
            '[articles.a1]\nheadline = "x"',
            "w.toml: [articles.a1] has unknown key 'headline' (known: title, summary, section)",
        ),
        ("order = 1", "w.toml: order must be a table: [order] with one list of ids per section"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_curation(text, "w.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_sync_creates_then_keeps_the_file_and_reports_new_articles(tmp_path):
    issue = make_issue(count=5)
    curation, notes = sync_curation(issue, tmp_path, write=False)
    assert notes == [] and not curation_path(tmp_path, issue.id).exists()
    curation, notes = sync_curation(issue, tmp_path)
    path = curation_path(tmp_path, issue.id)
    assert path.read_text(encoding="utf-8") == new_curation_text(issue) and notes == []
    path.write_text(path.read_text(encoding="utf-8").replace('note = """', 'note = """Hi'), encoding="utf-8")
    bigger = make_issue(count=7, titles={6: "Brand new six", 7: "Brand new seven"})
    curation, notes = sync_curation(bigger, tmp_path)
    assert curation.note.startswith("Hi")
    assert notes == [
        f"{path}: 2 articles the file did not list added at the end of their sections: Brand new seven; Brand new six"
    ]
    assert "# Brand new six" in path.read_text(encoding="utf-8")


def test_the_note_is_markdown_without_raw_html_or_unsafe_links():
    html = render_note(
        "# Hi\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) [ok](https://a.example/x) "
        "![pixel](http://t.example/p.gif) <img src=x onerror=alert(1)>"
    )
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert '<a href="https://a.example/x" rel="noopener noreferrer">ok</a>' in html
    assert "<img" not in html and "pixel" in html
    assert render_note("  \n ") == ""


def test_the_documented_example_is_a_valid_curation_file():
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "curation.md").read_text(encoding="utf-8")
    section = page[page.index("## The curation file") :]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    curation = parse_curation(example, "docs/curation.md")
    assert curation.subject and curation.lead and curation.exclude and curation.overrides and curation.order


def test_an_empty_issue_gets_a_file_and_keeps_its_note():
    empty = Issue(
        id=WEEK.id,
        week=WEEK,
        title="Empty",
        preheader="",
        newsletter=Newsletter("N", "s@x.com", "a"),
        lead=None,
        sections=(),
    )
    text = new_curation_text(empty)
    curation = parse_curation(text.replace('note = """', 'note = """Quiet week.'))
    curated, warnings = apply_curation(empty, curation)
    assert warnings == [] and curated.editor_note_html == "<p>Quiet week.</p>" and curated.lead is None


@pytest.mark.parametrize(
    ("stories", "sections", "count", "expected"),
    [
        (
            ["Grid sensors", "A new memory design", "Passkeys at work"],
            ["News", "AI", "Security"],
            30,
            "Also: Grid sensors · A new memory design · Passkeys at work",
        ),
        (["T" * 100, "Next"], ["News"], 9, "Also: " + "T" * 100),  # a second title would pass 110 characters
        (["x" * 120], ["News", "AI", "Startups", "Policy"], 31, "31 more on News, AI, and Startups"),
        ([], [], 0, ""),
    ],
)
def test_preheader_adds_to_the_subject(stories, sections, count, expected):
    assert preheader(stories, sections, count) == expected


def test_preheader_in_the_newsletters_language():
    from digest.models import Labels

    urdu = Labels(preheader="مزید: {stories}", preheader_sections="{topics} پر مزید {count}")
    assert preheader(["x" * 120], ["خبریں", "سائنس", "کھیل"], 12, urdu, "ur") == "خبریں، سائنس، اور کھیل پر مزید 12"
    assert preheader(["پہلی خبر", "دوسری خبر"], ["خبریں"], 3, urdu, "ur") == "مزید: پہلی خبر · دوسری خبر"
