"""`digest build` and `digest init` as an editor runs them."""

import json

import pytest
from typer.testing import CliRunner

from digest.cli import app

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("in_tmp")  # in tmp_path, no DIGEST_* settings (conftest.py)


def build(*args):
    return runner.invoke(app, ["build", *args])


def write_json(path, doc):
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


ITEM = {
    "url": "https://news.example.com/a",
    "title": "A story",
    "published": "2026-11-18T10:00:00Z",
    "categories": ["News"],
    "content_html": "<p>Something happened in the city today. People noticed.</p>",
}


def test_sample_build_with_no_config(in_tmp):
    result = build()
    assert result.exit_code == 0, result.output
    assert "Wrote issues/2026-W47.html (+ 2026-W47.txt, 2026-W47.json)" in result.output
    for ext in ("html", "txt", "json"):
        assert (in_tmp / "issues" / f"2026-W47.{ext}").is_file()
    manifest = json.loads((in_tmp / "issues" / "2026-W47.json").read_text())
    assert manifest["id"] == "2026-W47" and manifest["week"]["id"] == "2026-W47"
    assert len(manifest["articles"]) >= 30
    assert "Articles:" in result.output and "skipped" in result.output and "HTML:" in result.output


def test_rebuild_is_byte_identical(in_tmp):
    assert build().exit_code == 0
    first = {ext: (in_tmp / "issues" / f"2026-W47.{ext}").read_bytes() for ext in ("html", "txt")}
    assert build().exit_code == 0
    second = {ext: (in_tmp / "issues" / f"2026-W47.{ext}").read_bytes() for ext in ("html", "txt")}
    assert first == second


def test_out_option(in_tmp):
    result = build("--out", "elsewhere")
    assert result.exit_code == 0
    assert (in_tmp / "elsewhere" / "2026-W47.html").is_file()


def test_empty_week_exits_3_and_writes_nothing(in_tmp):
    result = build("--week", "2020-W01")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: no articles in 2020-W01: 1 source, 36 items, all outside 2020-W01 (newest "
        "2026-11-22); try --week 2026-W47; nothing written (use --allow-empty to write an empty "
        "issue)\n"
    )
    assert not (in_tmp / "issues").exists()


def test_allow_empty_writes_an_empty_issue(in_tmp):
    result = build("--week", "2020-W01", "--allow-empty")
    assert result.exit_code == 0, result.output
    assert (in_tmp / "issues" / "2020-W01.html").is_file()


def test_invalid_json_names_the_file(in_tmp):
    (in_tmp / "bad.json").write_text('{"articles": [', encoding="utf-8")
    result = build("--source", "bad.json", "--week", "2026-W47")
    assert result.exit_code == 1
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith("error: every source failed: bad.json: invalid JSON at line 1")
    )
    assert "Traceback" not in result.output


def test_unreadable_file_names_the_file(in_tmp):
    result = build("--source", "missing.json", "--week", "2026-W47")
    assert result.exit_code == 1
    assert "missing.json: no such file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"url": None}, 'missing required field "url"'),
        (
            {"published": "next Tuesday"},
            "field \"published\": unparseable date 'next Tuesday' (use ISO 8601, e.g. 2026-11-24T09:30:00Z, "
            "or a date such as 1 December 2026)",
        ),
    ],
)
def test_unusable_item_is_skipped_with_a_named_warning(in_tmp, change, reason):
    bad = {**ITEM, "url": "https://news.example.com/b", "title": "Broken one", **change}
    path = write_json(in_tmp / "week.json", {"articles": [ITEM, bad]})
    result = build("--source", path, "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert f"warning: {path}: item 2 ('Broken one'): {reason}; skipped" in result.output
    strict = build("--source", path, "--week", "2026-W47", "--strict")
    assert strict.exit_code == 1
    assert f"error: --strict: {path}: item 2 ('Broken one'): {reason}" in strict.output


def test_one_broken_source_does_not_sink_the_issue(in_tmp):
    good = write_json(in_tmp / "good.json", [ITEM])
    (in_tmp / "bad.json").write_text("not json", encoding="utf-8")
    result = build("--source", good, "--source", "bad.json", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert "Sources: 1 read, 1 failed" in result.output
    assert "warning: bad.json:" in result.output
    strict = build("--source", good, "--source", "bad.json", "--week", "2026-W47", "--strict")
    assert strict.exit_code == 1
    assert "bad.json" in strict.output


def test_since_until_window_on_the_sample(in_tmp):
    result = build("--since", "2026-11-18", "--until", "2026-11-19")
    assert result.exit_code == 0, result.output
    assert "Wrote issues/2026-11-18--2026-11-19.html" in result.output
    manifest = json.loads((in_tmp / "issues" / "2026-11-18--2026-11-19.json").read_text())
    days = {a["published"][:10] for a in manifest["articles"]}
    assert days and days <= {"2026-11-18", "2026-11-19"}
    backwards = build("--since", "2026-11-20", "--until", "2026-11-10")
    assert backwards.exit_code == 1
    assert "error: --until 2026-11-10 is before --since 2026-11-20" in backwards.output


def test_bad_week_and_bad_config(in_tmp):
    result = build("--week", "week 48")
    assert result.exit_code == 1
    assert "error: invalid week 'week 48': use the ISO form 2026-W48" in result.output
    (in_tmp / "digest.toml").write_text("[newsletter]\ntimezone = 'Nowhere/Land'\n")
    result = build()
    assert result.exit_code == 1
    assert "[newsletter] timezone = 'Nowhere/Land': unknown timezone" in result.output


def test_init_writes_a_starter_and_refuses_to_overwrite(in_tmp):
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0
    assert (in_tmp / "digest.toml").read_text().startswith("# digest.toml")
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 1
    assert "error: digest.toml already exists; use --force to overwrite it" in again.output
    assert build().exit_code == 0  # the starter builds the sample as it is


def test_every_help_ends_with_an_example():
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    assert top.output.rstrip().splitlines()[-1].strip().startswith("Example: digest")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert result.output.rstrip().splitlines()[-1].strip().startswith("Example: digest"), name


URDU_LABELS = """
[newsletter]
name = "سرکٹ"
language = "ur"
web_url = "https://news.example.com/issues"

[labels]
week_title = "ہفتہ {week}، {year}"
top_story = "اہم خبر"
also_in = "{section} میں مزید"
more_this_week = "اس ہفتے مزید"
view_in_browser = "براؤزر میں دیکھیں"
subscribed = "آپ کو {name} اس لیے ملتا ہے کہ آپ نے اسے سبسکرائب کیا۔"
unsubscribe = "سبسکرپشن ختم کریں"
min_read = "{minutes} منٹ"
"""


def test_labels_put_the_issue_in_the_newsletters_language(in_tmp):
    (in_tmp / "digest.toml").write_text(URDU_LABELS, encoding="utf-8")
    result = build()
    assert result.exit_code == 0, result.output
    html = (in_tmp / "issues" / "2026-W47.html").read_text(encoding="utf-8")
    text = (in_tmp / "issues" / "2026-W47.txt").read_text(encoding="utf-8")
    assert '<html lang="ur" dir="rtl"' in html
    for label in (
        "ہفتہ 47، 2026",
        "اہم خبر",
        "براؤزر میں دیکھیں",
        "سبسکرپشن ختم کریں",
        "آپ کو سرکٹ اس لیے ملتا ہے کہ آپ نے اسے سبسکرائب کیا۔",
    ):
        assert label in html and label in text, label
    assert "2\u00a0منٹ" in html and "2 منٹ" in text
    for english in ("Top story", "View in browser", "Unsubscribe", "min read", "Week 47"):
        assert english not in html and english not in text, english


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ('top_story = ""', "error: [labels] top_story is empty: give it some text, or leave it out for the default"),
        (
            'also_in = "More {sektion}"',
            "error: [labels] also_in = 'More {sektion}': placeholders allowed here: {section}",
        ),
        (
            'min_read = "{minutes min"',
            "error: [labels] min_read = '{minutes min': placeholders allowed here: {minutes}",
        ),
        ('top_story = "Top {x}"', "error: [labels] top_story = 'Top {x}': placeholders allowed here: none"),
    ],
)
def test_a_bad_label_is_named(in_tmp, label, message):
    (in_tmp / "digest.toml").write_text(f"[labels]\n{label}\n", encoding="utf-8")
    result = build()
    assert result.exit_code == 1
    assert message in result.output
