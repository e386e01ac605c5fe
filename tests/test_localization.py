"""An issue in its own language: Urdu labels and sources leave no English word in what readers see."""

from __future__ import annotations

import json
import re

import lxml.html
from typer.testing import CliRunner

from digest.cli import app

URDU_LABELS = {
    "week_title": "ہفتہ {week}، {year}",
    "top_story": "اہم خبر",
    "also_in": "{section} میں مزید",
    "more_this_week": "اس ہفتے مزید",
    "omitted": "اس ہفتے کی مزید {count} خبریں اس ای میل میں نہیں آ سکیں",
    "read_all": "ہفتے کی ہر خبر پڑھیں",
    "view_in_browser": "براؤزر میں دیکھیں",
    "subscribed": "آپ کو {name} اس لیے ملتا ہے کہ آپ نے اسے سبسکرائب کیا۔",
    "unsubscribe": "ان سبسکرائب",
    "min_read": "{minutes} منٹ",
    "no_articles": "اس ہفتے کوئی نئی خبر نہیں۔",
    "default_section": "دیگر خبریں",
    "preheader": "مزید: {stories}",
    "preheader_sections": "{topics} پر مزید {count}",
    "all_issues": "تمام شمارے",
    "feed": "فیڈ",
    "date": "تاریخ",
    "subject": "عنوان",
    "lead_story": "اہم خبر",
    "no_issues": "ابھی کوئی شمارہ نہیں۔",
    "read_on_web": "ویب پر پڑھیں",
    "unsubscribe_question": "{name} سے ان سبسکرائب کریں؟",
    "unsubscribe_effect": "{address} کو مزید شمارے نہیں ملیں گے۔",
    "unsubscribed": "آپ ان سبسکرائب ہو گئے۔",
    "unsubscribe_help": "کسی بھی شمارے کے آخر میں دیے گئے لنک سے ان سبسکرائب کریں۔",
    "invalid_link": "یہ لنک درست نہیں۔",
    "not_found": "نہیں ملا",
    "not_allowed": "یہ طریقہ یہاں نہیں چلتا",
    "subscribe": "سبسکرائب",
    "check_inbox": "اپنا ان باکس دیکھیں۔",
    "invalid_address": "یہ پتہ درست نہیں۔",
    "too_many_requests": "بہت زیادہ درخواستیں: بعد میں کوشش کریں۔",
    "confirm_subject": "{name} کی سبسکرپشن کی تصدیق کریں",
    "confirm_intro": "{name} کی تصدیق کریں۔ لنک {hours} گھنٹے کارآمد ہے۔",
    "confirm_button": "تصدیق کریں",
    "confirm_ignore": "اگر آپ نے یہ نہیں مانگا تو اسے نظر انداز کریں۔",
    "confirmed": "آپ {name} کے سبسکرائبر ہیں۔",
    "latest_issue": "تازہ شمارہ پڑھیں",
    "pause": "ایک مہینے کا وقفہ",
    "paused": "{date} تک وقفہ",
}
TITLES = (
    "کراچی میں ٹیکنالوجی کانفرنس کا آغاز",
    "لاہور کی جامعہ نے نیا سولر منصوبہ شروع کر دیا",
    "اسلام آباد میں تیز رفتار انٹرنیٹ کی آزمائش",
    "پشاور کے طلبہ نے موسم کی پیش گوئی کا ایپ بنایا",
)
BODY = (
    "شہر میں تین روزہ کانفرنس شروع ہو گئی ہے جس میں ملک بھر سے انجینئر اور طلبہ شریک ہیں۔ "
    "منتظمین کے مطابق اس سال مصنوعی ذہانت اور سائبر سیکیورٹی پر خصوصی نشستیں رکھی گئی ہیں۔"
)
ENGLISH = re.compile(r"[A-Za-z]{2,}")


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _build(tmp_path, monkeypatch, language: str, labels: dict[str, str], count: int = 12):
    articles = [
        {
            "url": f"https://ur.example.pk/2026/11/khabar-{n}",
            "title": f"{TITLES[n % 4]} {n}",
            "published": f"2026-11-{16 + n % 7:02d}T{6 + n % 12:02d}:00:00Z",
            "author": "نامہ نگار",
            "content_html": f"<p>{BODY}</p>" * 3,
            "image": {"url": f"https://ur.example.pk/img/{n}.jpg", "alt": "", "width": 1200, "height": 675},
        }
        for n in range(count)
    ]  # no categories and no section configured: the default section
    source = tmp_path / "khabrein.json"
    source.write_text(json.dumps({"version": 1, "articles": articles}, ensure_ascii=False), encoding="utf-8")
    config = tmp_path / "digest.toml"
    config.write_text(
        "\n".join(
            [
                "[newsletter]",
                f"name = {_toml('سرکٹ ہفتہ وار')}",
                f"language = {_toml(language)}",
                f"tagline = {_toml('ٹیکنالوجی کا ہفتہ')}",
                f"postal_address = {_toml('سرکٹ، کراچی')}",
                'web_url = "https://news.example.pk/web"',
                "[build]",
                'out = "issues"',
                "[[sources]]",
                f"name = {_toml('اردو خبریں')}",
                f"path = {_toml(str(source))}",
                "[labels]",
                *(f"{k} = {_toml(v)}" for k, v in labels.items()),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name in ("DIGEST_CONFIG", "DIGEST_OUT", "DIGEST_WEEK", "DIGEST_WEB_URL", "DIGEST_SUBJECT"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["build", "--week", "2026-W47", "-c", str(config)])
    assert result.exit_code == 0, result.output
    return tmp_path / "issues"


def _visible(html: str) -> str:
    """The text a reader sees (the inbox preview included), alt text too, without URLs."""
    doc = lxml.html.document_fromstring(html)
    for dropped in doc.xpath("//style | //script | //head"):
        dropped.drop_tree()
    text = " ".join(doc.text_content().split() + [i.get("alt", "") for i in doc.iter("img")])
    return re.sub(r"https?://\S+", "", text)


def test_an_urdu_issue_has_no_english_word(tmp_path, monkeypatch):
    from digest.issue_store import load_issue
    from digest.serve import ArchiveApp
    from digest.subject import render_subject
    from digest.tokens import make_token

    out = _build(tmp_path, monkeypatch, "ur", URDU_LABELS)
    issue = load_issue("2026-W47", out)
    assert issue.record.sections[0].name == "دیگر خبریں"
    subject = render_subject("", issue)
    assert subject.startswith("سرکٹ ہفتہ وار، ") and "W47" not in subject and "نومبر" in subject
    assert ENGLISH.findall(subject) == []
    for name, page in (
        ("email", issue.html),
        ("web", (out / "web" / "2026-W47.html").read_text(encoding="utf-8")),
        ("index", (out / "index.html").read_text(encoding="utf-8")),
    ):
        assert ENGLISH.findall(_visible(page)) == [], name
    assert ENGLISH.findall(re.sub(r"https?://\S+|__DIGEST_\w+__", "", issue.text)) == []
    assert '<html lang="ur" dir="rtl"' in (out / "index.html").read_text(encoding="utf-8")
    from digest.config import resolve

    settings = resolve(config_path=tmp_path / "digest.toml", environ={})
    app = ArchiveApp(settings, b"s" * 32, store=object())
    for path in (f"/u/{make_token('reader@example.com', b's' * 32)}", "/u/bad", "/unsubscribe", "/nothing"):
        _, _, body = app.route("GET", path, {})
        assert ENGLISH.findall(_visible(body.decode()).replace("reader@example.com", "")) == [], path
    status, _, body = app.route("DELETE", "/", {})  # the 405 page too
    assert status.startswith("405") and ENGLISH.findall(_visible(body.decode())) == []
    assert '<html lang="ur" dir="rtl"' in body.decode() and "یہ طریقہ یہاں نہیں چلتا" in body.decode()


def test_a_german_issue_writes_its_months_in_german(tmp_path, monkeypatch):
    out = _build(tmp_path, monkeypatch, "de", {"default_section": "Weitere Nachrichten"})
    html = (out / "2026-W47.html").read_text(encoding="utf-8")
    assert "16.–22. Nov. 2026" in html and "November" not in html
    from digest.issue_store import load_issue
    from digest.subject import render_subject

    assert render_subject("", load_issue("2026-W47", out)).startswith("سرکٹ ہفتہ وار, 16.–22. Nov. 2026: ")
