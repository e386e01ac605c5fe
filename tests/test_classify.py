"""Auto-categorization: nearest-centroid classifier and configured keywords."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from digest.classify import keyword_section, train

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "eval" / "bbc_news_summary.jsonl"

EXAMPLES = [
    (
        "Striker scores twice in cup final",
        "The striker scored twice as the club won the cup final at the stadium.",
        "Sport",
    ),
    ("Coach praises defence after league win", "The coach said the defence held firm in the league match.", "Sport"),
    ("Goalkeeper injured before derby match", "The club's goalkeeper will miss the derby match with injury.", "Sport"),
    (
        "Bank raises interest rates",
        "The central bank raised interest rates as inflation and prices kept rising.",
        "Business",
    ),
    (
        "Retailer profits fall",
        "The retailer said profits fell as sales slowed and shares dropped on the market.",
        "Business",
    ),
    (
        "Investors sell shares as markets slide",
        "Investors sold shares and the market fell after the bank warned on profits.",
        "Business",
    ),
    ("New phone chip is faster", "The new chip makes the phone faster and the software uses less battery.", "Tech"),
    (
        "Browser update fixes security flaw",
        "The browser update fixes a security flaw in the software used online.",
        "Tech",
    ),
    (
        "Start-up builds open source database",
        "The software start-up released its database online as open source code.",
        "Tech",
    ),
]


def test_predicts_the_label_of_the_closest_examples():
    model = train(EXAMPLES)
    assert model.labels == ("Sport", "Business", "Tech")
    label, confidence = model.predict(
        "Club wins the league", "The striker scored in the match and the club won the league."
    )
    assert label == "Sport"
    assert 0.5 < confidence <= 1.0
    assert (
        model.predict("Shares slide", "Shares fell on the market as the bank cut its profit forecast.")[0] == "Business"
    )
    assert model.predict("Software flaw", "A flaw in the browser software let attackers in online.")[0] == "Tech"


def test_a_mixed_article_gets_less_confidence_than_a_clear_one():
    model = train(EXAMPLES)
    _, clear = model.predict("Striker scores in cup final", "The striker scored and the club won the cup.")
    label, mixed = model.predict("", "The striker bought shares in the software company.")
    assert label is not None
    assert 0.0 <= mixed < clear <= 1.0


def test_unknown_words_and_empty_training_give_no_label():
    assert train(EXAMPLES).predict("Zebra", "Quokka xylophone.") == (None, 0.0)
    assert train([]).predict("Striker scores", "cup final") == (None, 0.0)


def test_examples_without_a_label_are_ignored():
    model = train(EXAMPLES + [("Untitled", "The striker scored.", "")])
    assert "" not in model.labels


KEYWORDS = {
    "Sport": ("match", "world cup", "striker"),
    "Business": ("shares", "profit"),
    "Arts": ("art", "گیلری"),
}


def test_keywords_pick_the_section_with_most_hits_title_counting_more():
    assert keyword_section("Shares slide", "The striker bought shares before the match.", KEYWORDS) == "Business"
    assert keyword_section("A quiet week", "The striker bought shares before the match.", KEYWORDS) == "Sport"


def test_keywords_match_whole_words_and_phrases_case_insensitively():
    assert keyword_section("Start of the season", "Artists started early.", KEYWORDS) is None
    assert keyword_section("WORLD  CUP draw", "", KEYWORDS) == "Sport"
    assert keyword_section("Modern Art fair opens", "", KEYWORDS) == "Arts"


def test_keywords_tie_goes_to_the_first_configured_section_and_none_when_no_hit():
    assert keyword_section("", "match shares", KEYWORDS) == "Sport"
    assert keyword_section("Weather", "Rain all week.", KEYWORDS) is None
    assert keyword_section("x", "y", {}) is None


def test_keywords_in_other_scripts():
    assert keyword_section("لاہور کی نئی گیلری", "", KEYWORDS) == "Arts"


@pytest.mark.skipif(not BBC.is_file(), reason="needs ../shared/eval")
def test_bbc_held_out_accuracy_is_at_least_90_percent():
    spec = importlib.util.spec_from_file_location("eval_categories", ROOT / "bench" / "eval_categories.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    train_items, test = bench.split(bench.load(BBC), 0.2, 6)
    assert not {i["id"] for i in test} & {i["id"] for i in train_items}
    model = train((i["title"], bench.body(i), i["category"]) for i in train_items)
    predicted = [model.predict(i["title"], bench.body(i))[0] for i in test]
    assert bench.accuracy(predicted, test) >= 90.0


def test_term_counts_are_the_word_tokens_however_a_chunk_is_punctuated():
    from collections import Counter

    from digest.classify import TITLE_WEIGHT, _terms
    from digest.sentences import words

    text = (
        "Don't stop: the state-of-the-art chip (2nd gen.) ships... O'Neil’s e.g. U.S. A--B 'quoted' snake_case "
        "ΟΔΟΣ ΣΑΣ. İstanbul ＡＢＣ ½ 東京の天気 x2 -5 3.14 end. Don't"
    )
    title = "Don't Panic: U.S. chip-maker"
    expected = Counter(words(text))
    for token in words(title):
        expected[token] += TITLE_WEIGHT
    assert _terms(title, text) == expected


def test_counted_documents_train_and_predict_as_texts_do_to_the_bit():
    from digest.classify import Terms, train_counted

    terms = Terms()
    model = train_counted(terms, [(terms.count(title, text), label) for title, text, label in EXAMPLES])
    reference = train(EXAMPLES)
    assert model.labels == reference.labels and model.vocabulary == reference.vocabulary
    assert model.idf.tobytes() == reference.idf.tobytes()
    assert model.centroids.tobytes() == reference.centroids.tobytes()
    for title, text in [
        ("Club wins the league", "The striker scored in the match and the club won the league."),
        ("Zebra", "Quokka xylophone."),  # terms first seen after training
        ("", "The striker bought shares in the software company."),
    ]:
        assert model.predict_counted(terms.count(title, text)) == reference.predict(title, text)
