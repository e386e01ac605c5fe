"""Extractive summaries that read without the article around them; CJK text counted by characters."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.extractive import summarize
from digest.normalize import reading_minutes
from digest.sentences import word_count

# What a reader cannot place at the start of a summary: a quotation, a pronoun or a connective.
BAD_OPENING = re.compile(
    r"^(?:[\"“‘«']|(?:he|she|they|it|this(?! week)|that|these|those|his|her|their|its|but|"
    r"and|however|meanwhile|also|so|yet|still|then)\b)",
    re.IGNORECASE,
)


def test_the_bundled_sample_issue_has_no_summary_opening_without_its_referent(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["build", "--out", "issues"], env={}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = json.loads(next((tmp_path / "issues").glob("*.json")).read_text(encoding="utf-8"))["articles"]
    assert len(records) == 31
    bad = [r["summary"] for r in records if BAD_OPENING.match(r["summary"])]
    assert bad == []
    assert all(r["summary"] for r in records)


def test_a_quotation_does_not_open_the_summary():
    paragraphs = [
        '"We wanted one that was built for the way people here actually talk," said a researcher.',
        "The Meridian Institute released an open speech model on Tuesday that halves transcription "
        "errors in Urdu and Punjabi.",
        "The model was trained on 9,000 hours of recorded speech from radio and call centres.",
    ]
    summary = summarize("Open speech model halves errors", paragraphs)
    assert summary.startswith("The Meridian Institute released")
    assert not summary.startswith('"')


@pytest.mark.parametrize("opening", ["He", "They", "This", "But", "However,"])
def test_a_pronoun_or_connective_does_not_open_the_summary(opening):
    paragraphs = [
        f"{opening} said the plan would be delayed again because the contractor had run out of money.",
        "The city council voted on Tuesday to cancel the harbour tram contract after two years of delays.",
        "Work on the line had stopped in March when the contractor ran out of money.",
    ]
    summary = summarize("Council cancels tram contract", paragraphs)
    assert summary.startswith("The city council voted")


def test_a_surname_is_not_used_before_its_introduction():
    paragraphs = [
        "Genevieve Bouchard reached the final of the Montreal Open on Saturday after a three-set win.",
        "The tournament was played in heavy rain for most of the week.",
        "Bouchard has taken just 10 games off top-ten opponents this season and had never reached a final.",
    ]
    summary = summarize("Bouchard reaches Montreal final", paragraphs, max_sentences=1)
    assert summary.startswith("Genevieve Bouchard")


def test_captions_credits_stamps_and_prompts_are_never_picked():
    paragraphs = [
        "Updated Jul 7, 2012 6:40 PM ET",
        "MUMBAI, India - Floods closed the city's main railway line on Monday, stranding 200,000 commuters.",
        "The Queen's Guard (pictured) slipped on the wet parade ground during the ceremony in London today.",
        "Photograph: Rafiq Maqbool/AP Photo/Getty Images",
        "Officials said services would resume on Wednesday once the water level had fallen.",
        "Continue reading...",
        "Share this: Facebook · X · WhatsApp",
    ]
    summary = summarize("Floods close Mumbai railway", paragraphs)
    assert summary.startswith("Floods closed the city's main railway line on Monday, stranding 200,000 commuters.")
    for junk in ("pictured", "Photograph", "Getty", "Updated", "MUMBAI", "Continue reading", "Share this"):
        assert junk not in summary


def test_the_key_fact_is_kept_and_the_summary_ends_on_a_whole_sentence():
    paragraphs = [
        "Kestrel Labs is cutting 230 jobs, about a fifth of its staff, as it stops developing its own chips.",
        "Most of the cuts fall on the hardware team in Austin, which designed the company's first two "
        "processors and had been expanding as recently as last spring, according to two people "
        "familiar with the plans who asked not to be named.",
    ]
    summary = summarize("Kestrel Labs cuts jobs", paragraphs, max_words=40)
    assert "230 jobs" in summary
    assert summary.endswith(".") and "Most of the cuts" not in summary


def test_cjk_text_is_counted_by_characters():
    japanese = "東京都は月曜日、新しい路面電車の路線を承認したと発表した。" * 150  # 4,350 characters
    assert word_count(japanese) == 27 * 150 // 2  # 27 letters a sentence; punctuation is no word
    assert reading_minutes(japanese) >= 9  # about 500 characters a minute, not "1 min read"
    assert word_count("Apple の新しい iPhone") == 2 + 2  # two spaced words, four kana and kanji


def test_a_japanese_summary_fits_the_word_budget_in_characters():
    sentences = [
        "東京都は月曜日、新しい路面電車の路線を承認したと発表した。",
        "路線は港まで九キロメートルで、二千二十九年に開業する予定だ。",
        "工事は来年の春に始まり、費用は約八百億円と見込まれている。",
        "市民団体は騒音について懸念を示している。",
    ]
    summary = summarize("路面電車の新路線", ["".join(sentences)], max_words=30, max_sentences=3)
    assert summary and word_count(summary) <= 30
    assert len(summary) < len("".join(sentences))


def test_a_weak_filler_sentence_is_not_added_just_because_it_fits():
    paragraphs = [
        "The Harbourside water board approved a 14 percent rise in household water bills on Thursday, "
        "the largest increase since the utility was founded.",
        "The board said the rise would pay for replacing 90 kilometres of leaking pipes under the old town "
        "and for a new treatment plant at Millbrook, which regulators ordered after last summer's outbreak.",
        "The weather was mild for the time of year.",
        "Water bills in Harbourside have risen every year for a decade, and the board said further rises "
        "were likely once the pipe replacement programme reached the northern districts next spring.",
    ]
    summary = summarize("Harbourside water bills to rise 14 percent", paragraphs, max_words=45)
    assert summary.startswith("The Harbourside water board approved a 14 percent rise")
    assert "weather" not in summary  # a short aside is no substitute for the sentence that did not fit


def test_quoted_speech_gives_way_to_a_reported_fact():
    paragraphs = [
        "A fire destroyed the Kellerman grain silo outside Dunmore on Sunday night, and 40 firefighters "
        "fought it for six hours.",
        "I have never seen flames that high in forty years of farming here, a neighbour told reporters.",
        "The silo held about 3,000 tonnes of grain, and the fire destroyed most of this year's Dunmore harvest.",
        "Investigators said the fire started in a conveyor motor that had been repaired in June.",
    ]
    summary = summarize("Fire destroys Dunmore grain silo", paragraphs)
    assert summary.startswith("A fire destroyed the Kellerman grain silo")
    assert "never seen" not in summary
