"""Whether a source's excerpt can be used as the summary."""

from __future__ import annotations

import pytest

from digest.excerpt import is_body_prefix, is_good_excerpt, is_truncated

BODY = [
    "The city council approved a new tram line to the harbour on Tuesday, ending two years of debate. "
    "The line will run for 9 kilometres.",
    "Construction starts next spring.",
]
EDITED = "A 9-kilometre tram line to the harbour won approval after two years of debate; work starts in spring."


def test_an_editor_written_excerpt_is_good():
    assert is_good_excerpt(EDITED, BODY)


@pytest.mark.parametrize(
    "ending",
    [" [...]", " […]", " [&hellip;]", "…", "...", " &hellip;", " (…)", " Continue reading", " Read more »", " →"],
)
def test_truncated_excerpts_are_rejected(ending):
    excerpt = "A 9-kilometre tram line to the harbour won approval after two years of debate" + ending
    assert is_truncated(excerpt)
    assert not is_good_excerpt(excerpt, BODY)


def test_the_first_words_of_the_body_are_rejected():
    excerpt = "The city council approved a new tram line to the harbour on Tuesday, ending two"
    assert is_body_prefix(excerpt, BODY)
    assert not is_good_excerpt(excerpt, BODY)


def test_the_bodys_opening_whole_sentence_is_accepted():
    excerpt = "The city council approved a new tram line to the harbour on Tuesday, ending two years of debate."
    assert not is_body_prefix(excerpt, BODY)
    assert is_good_excerpt(excerpt, BODY)


def test_length_limits():
    assert not is_good_excerpt("Tram line approved.", BODY)  # under 8 words
    assert not is_good_excerpt(EDITED, BODY, max_words=10)
    assert is_good_excerpt(EDITED, BODY, max_words=30)


@pytest.mark.parametrize("excerpt", ["", "   ", None])
def test_missing_excerpt_is_not_good(excerpt):
    assert not is_good_excerpt(excerpt, BODY)


def test_feed_footer_is_not_a_summary():
    assert not is_good_excerpt("The post Tram line approved appeared first on Harbour News Daily.", BODY)


def test_urdu_excerpt():
    body = ["کراچی میں آج شدید بارش ہوئی جس سے شہر کی کئی سڑکیں پانی میں ڈوب گئیں۔"]
    assert is_good_excerpt("شدید بارش کے بعد کراچی کی کئی سڑکیں زیر آب آ گئیں اور ٹریفک رک گیا۔", body)
    assert not is_good_excerpt("کراچی میں آج شدید بارش ہوئی جس سے شہر کی کئی", body)
