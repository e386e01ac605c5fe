"""A body's paragraphs: converted in one pass, they equal each chunk between block tags converted on its own."""

import random

import pytest

from digest.models import PLACEHOLDER_MARK, PLACEHOLDERS, RECIPIENT_NAME_PLACEHOLDER
from digest.normalize import (
    _FIGCAPTION,
    _paragraphs_by_chunk,
    body_word_count,
    html_paragraphs,
    html_to_text,
    reading_minutes,
    words_text,
)
from digest.sources.native import _taken

# Pieces that put entities, tags, controls, whitespace and placeholders on both sides of a block tag.
PIECES = (
    "<p>", "</p>", "<br>", "<div class='x'>", "</div>", "<li>", "</h2>", "<td>", "<a href=\"x\">", "</a>", "<em>",
    "</em>", "<figure>", "<figcaption>cap</figcaption>", "&amp;", "&amp", "&lt;", "lt;", "&#0;", "&#1;", "&#x85;",
    "&#65", "&amp;lt;", "&notin", "&noti", "&", "&#", ";", "<", ">", " ", "  ", "\n", "\t", "\r", "\x01", "\x0b",
    "\x1c", "\x85", "\xa0", "\xad", "\u2003", "\u2028", "\u3000", "word", "失って", "é", PLACEHOLDER_MARK,
    "UNSUBSCRIBE_URL__", RECIPIENT_NAME_PLACEHOLDER, "&#95;_DIGEST_RECIPIENT_NAME__", "\x00",
)  # fmt: skip


def by_chunk(fragment: str) -> list[str]:
    return list(_paragraphs_by_chunk(_FIGCAPTION.sub(" ", fragment)))


@pytest.mark.parametrize(
    "fragment",
    [
        "&amp<p>lt; entity cut by a block tag",
        "<p>1 < 2</p><p>3 > 2</p>",  # a lone "<" never reaches into the next block
        "<p>a &amp;lt; b</p>",  # decoded twice
        "<p>x</p>\n<p> y \t z </p>\n",
        "<p>\xa0</p><p>a\u3000b\u2028c</p>",
        "<p>a\x01b\x85c</p>",
        "<p>soft\xadhyphen</p>",
        f"<p>{PLACEHOLDER_MARK}\x01RECIPIENT_NAME__ left</p>",  # whole once the control goes
        "<p>&#95;_DIGEST_RECIPIENT_NAME__ by entity</p>",
        "<p>a\x00b</p>",
        "<figure><img src='https://x/i.jpg'><figcaption>Photo</figcaption></figure><p>Body.</p>",
        "",
    ],
)
def test_one_pass_equals_chunk_by_chunk(fragment):
    assert html_paragraphs(fragment) == by_chunk(fragment)
    assert body_word_count(fragment) == len(html_to_text(fragment).split())


def test_one_pass_equals_chunk_by_chunk_on_random_bodies():
    rnd = random.Random(17)
    for _ in range(5000):
        fragment = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 24)))
        assert html_paragraphs(fragment) == by_chunk(fragment), fragment
        assert body_word_count(fragment) == len(html_to_text(fragment).split()), fragment


# Mostly printable pieces, so that many bodies take words_text's short way.
PLAIN_PIECES = (
    "<p>", "</p>", "<br>", "<li>", "<em>", "</em>", "<figcaption>cap</figcaption>", " ", "  ", "\n", "\t", "\r",
    "\xa0", "\u3000", "\x85", "\x1c", "\x01", "\u200b", "word", "x", "é", "失って", "&amp;", "&nbsp;", "&#10;",
    "&#x85;", "&#1;", "a.b", "end.", PLACEHOLDER_MARK, RECIPIENT_NAME_PLACEHOLDER,
)  # fmt: skip


@pytest.mark.parametrize("pieces", [PIECES, PLAIN_PIECES])
def test_words_text_has_the_words_of_the_text(pieces, monkeypatch):
    import digest.normalize

    converted = []
    monkeypatch.setattr(digest.normalize, "html_to_text", lambda fragment: converted.append(fragment) or "")
    rnd = random.Random(23)
    short_way = 0
    for _ in range(5000):
        fragment = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 24)))
        before = len(converted)
        words = words_text(fragment)
        if len(converted) == before:  # the short way: the same words as the full conversion
            short_way += 1
            assert words.split() == html_to_text(fragment).split(), fragment
    assert short_way > 500


def test_every_placeholder_starts_with_the_mark():
    assert all(placeholder.startswith(PLACEHOLDER_MARK) for placeholder in PLACEHOLDERS)


def test_reading_minutes_takes_counted_words_for_ascii_text_only():
    assert reading_minutes("one two three", words=690) == 3
    japanese = "機会を失っているように思えました。" * 200
    assert reading_minutes(japanese, words=1) == reading_minutes(japanese)


def test_native_items_leave_the_document_as_they_are_read():
    items = ["a", "b", "c"]
    assert [(item, len(items)) for item in _taken(items)] == [("a", 2), ("b", 1), ("c", 0)]
