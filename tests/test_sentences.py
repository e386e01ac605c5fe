"""Sentence splitting and word tokens, offline, for Latin and non-Latin scripts."""

from __future__ import annotations

import pytest

from digest.sentences import split_paragraphs, split_sentences, word_count, words


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = "Dr. Smith flew to Washington D.C. on Jan. 5. Shares rose 3.5 per cent. Then he left!"
    assert split_sentences(text) == [
        "Dr. Smith flew to Washington D.C. on Jan. 5.",
        "Shares rose 3.5 per cent.",
        "Then he left!",
    ]


def test_closing_quote_stays_with_its_sentence():
    assert split_sentences('He said: "Stop." Then the crowd went home.') == [
        'He said: "Stop."',
        "Then the crowd went home.",
    ]


def test_urdu_full_stop_and_question_mark_end_sentences():
    text = "کراچی میں آج شدید بارش ہوئی۔ کیا شہر تیار ہے؟ محکمہ موسمیات نے کل بھی بارش کی پیش گوئی کی ہے۔"
    assert split_sentences(text) == [
        "کراچی میں آج شدید بارش ہوئی۔",
        "کیا شہر تیار ہے؟",
        "محکمہ موسمیات نے کل بھی بارش کی پیش گوئی کی ہے۔",
    ]


def test_cjk_and_devanagari_terminators():
    assert split_sentences("今天下雨。明天晴天！") == ["今天下雨。", "明天晴天！"]
    assert split_sentences("आज बारिश हुई। कल धूप होगी।") == ["आज बारिश हुई।", "कल धूप होगी।"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_has_no_sentences(text):
    assert split_sentences(text) == []


def test_whitespace_is_folded():
    assert split_sentences("One  line\nbroken.   Two.") == ["One line broken.", "Two."]


def test_paragraph_boundaries_are_sentence_boundaries():
    assert split_paragraphs(["No final stop here", "Next one."]) == [["No final stop here"], ["Next one."]]


def test_words_are_lower_case_tokens_of_any_script():
    assert words("Don't e-mail the U.S. team, یہ ایک") == ["don't", "e-mail", "the", "u.s", "team", "یہ", "ایک"]
    assert word_count("  Three  little words ") == 3


def test_ordinary_words_the_model_lists_as_abbreviations_still_end_sentences():
    text = "Fans queued for the new book in the series. Its author said they were bombed. Then came Jack Black."
    assert split_sentences(text) == [
        "Fans queued for the new book in the series.",
        "Its author said they were bombed.",
        "Then came Jack Black.",
    ]
    assert split_sentences("He met Prof. Smith at Acme Corp. Ltd. on Monday.") == [
        "He met Prof. Smith at Acme Corp. Ltd. on Monday."
    ]
