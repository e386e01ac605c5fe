"""Sections that fit the week: variants merge, small sections fold, keywords yield to a confident classifier."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from digest.cli import app
from digest.group import GroupRules, group, group_issue
from tests.factories import WEEK, article, summaries

TOPICS = {
    "Security": [
        "ransomware attack encrypted servers hackers demanded ransom backups restored",
        "password manager flaw let hackers read encrypted vault passwords attackers",
        "phishing campaign hackers stole passwords attackers ransomware servers breach",
    ],
    "Phones": [
        "smartphone battery camera screen charging phone launch display",
        "phone maker smartphone camera sensor battery life screen brightness",
        "foldable phone hinge screen smartphone battery camera weight",
    ],
}


def topical(n: int, categories: tuple[str, ...], text: str, day: int = 1):
    """An article whose body repeats `text`, so the classifier has something to go on."""
    base = article(n, categories, day=day)
    body = "".join(f"<p>{text} number {i}.</p>" for i in range(6))
    return base.__class__(**{**base.__dict__, "content_html": body, "title": text.split()[0].title() + f" {n}"})


def week_with_small_sections():
    """Two real sections, a lead, and three one-article sections."""
    items = [topical(1, ("featured", "Phones"), TOPICS["Phones"][0], day=6)]
    n = 2
    for name, texts in TOPICS.items():
        for text in texts:
            items.append(topical(n, (name,), text))
            n += 1
    items.append(topical(20, ("Malware",), "ransomware hackers encrypted servers attackers demanded ransom"))
    items.append(topical(21, ("Black Friday",), "discount shopping deals coupons retailers bargain weekend"))
    items.append(topical(22, ("phones",), "smartphone camera battery screen phone display"))
    return items


def test_small_sections_fold_into_the_confident_match_or_the_default():
    items = week_with_small_sections()
    _, sections, folds = group_issue(items, summaries(items), WEEK, GroupRules(min_size=2))
    names = {s.name: [e.article.id for e in s.entries] for s in sections}
    assert set(names) == {"Security", "Phones", "More news"}
    assert "a020" in names["Security"]  # the ransomware story joins Security
    assert names["More news"] == ["a021"]  # nothing like Black Friday: the default section
    assert "a022" in names["Phones"]  # "phones" is a spelling of "Phones", not a section
    assert any('"Malware" had 1 article(s)' in f and '"Security"' in f for f in folds)
    assert any('"Black Friday"' in f and '"More news"' in f for f in folds)
    entry = next(e for s in sections for e in s.entries if e.article.id == "a020")
    assert entry.category == "Malware"  # the category the editor can alias


def test_min_size_1_keeps_every_section():
    items = week_with_small_sections()
    _, sections, folds = group_issue(items, summaries(items), WEEK, GroupRules(min_size=1))
    assert {"Malware", "Black Friday"} <= {s.name for s in sections}
    assert folds == []


def test_case_plural_and_slash_variants_merge():
    items = [
        article(1, ("featured",), day=6),
        article(2, ("Gadgets",)),
        article(3, ("gadget",)),
        article(4, ("iPhone",)),
        article(5, ("iPhone/iPad",)),
        article(6, ("GADGETS",)),
    ]
    _, sections = group(items, summaries(items), WEEK, GroupRules())
    assert {s.name: len(s.entries) for s in sections} == {"Gadgets": 3, "iPhone": 2}


def test_a_confident_classifier_beats_a_keyword_once_the_issue_is_large():
    items = [
        topical(100 + 30 * k + i, (name,), f"{texts[i % 3]} story{i}")
        for k, (name, texts) in enumerate(TOPICS.items())
        for i in range(26)
    ]
    # About security, but it mentions "phone": keywords first sent it to Phones.
    stray = topical(30, (), "ransomware hackers encrypted servers attackers phone ransom passwords")
    rules = GroupRules(keywords={"Phones": ("phone",)}, max_per_section=0)
    _, sections = group(items + [stray], summaries(items + [stray]), WEEK, rules)
    placed = {e.article.id: s.name for s in sections for e in s.entries}
    assert placed["a030"] == "Security"
    vague = topical(31, (), "the phone rang during the meeting about the weather")
    _, sections = group(items + [vague], summaries(items + [vague]), WEEK, rules)
    assert {e.article.id: s.name for s in sections for e in s.entries}["a031"] == "Phones"
    # A small issue: the classifier has too little to go on, the editor's keyword decides.
    few = items[:3] + items[26:29]
    _, sections = group(few + [stray], summaries(few + [stray]), WEEK, rules)
    assert {e.article.id: s.name for s in sections for e in s.entries}["a030"] == "Phones"


def source_file(tmp_path, items) -> str:
    """A native JSON source holding the articles."""
    records = [
        {
            "url": a.url,
            "title": a.title,
            "published": (a.published).isoformat(),
            "author": "A",
            "categories": [c for c in a.categories],
            "content_html": a.content_html,
        }
        for a in items
    ]
    path = tmp_path / "week.json"
    path.write_text(json.dumps({"articles": records}), encoding="utf-8")
    return str(path)


def test_digest_build_reports_each_fold_and_min_size_is_a_setting(tmp_path):
    items = week_with_small_sections()
    src = source_file(tmp_path, items)
    week = ["--week", "2026-W47", "--out", str(tmp_path / "out"), "--source", src]
    result = CliRunner().invoke(app, ["build", *week], env={}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        'folded: section "Black Friday" had 1 article(s), fewer than [sections] min_size = 2: folded '
        'into "More news"' in result.output
    )
    assert "  Malware" not in result.output
    config = tmp_path / "digest.toml"
    config.write_text("[sections]\nmin_size = 1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "-c", str(config), *week], env={}, catch_exceptions=False)
    assert "Black Friday" in result.output and "folded" not in result.output
    config.write_text("[sections]\nmin_size = 0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "-c", str(config), *week], env={})
    assert result.exit_code == 1
    assert "[sections] min_size must be at least 1" in result.output


def test_sections_the_editor_named_are_never_folded():
    items = week_with_small_sections()
    rules = GroupRules(min_size=2, keep=frozenset({"Black Friday"}))
    _, sections, folds = group_issue(items, summaries(items), WEEK, rules)
    names = {s.name: [e.article.id for e in s.entries] for s in sections}
    assert names["Black Friday"] == ["a021"]  # named in [sections] order or by a source: kept whole
    assert not any('"Black Friday"' in f for f in folds)
    assert any('"Malware"' in f for f in folds)  # the others still fold
