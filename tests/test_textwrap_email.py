"""The plain-text twin's wrapping: the one-line shortcut gives exactly what the full wrapper gives."""

import re
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.textwrap_email import LINE_WIDTH, bullet, wrap


def wrapped_in_full(text: str, width: int = LINE_WIDTH, indent: str = "") -> str:
    """wrap() without its shortcut: every paragraph through textwrap."""
    wrapper = textwrap.TextWrapper(
        width=width, initial_indent=indent, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(wrapper.fill(" ".join(p.split())) for p in paragraphs)


PIECES = [*"ab -\t\xa0\u2003.,é漢\u200b\r\n", "https://news.example/a-long-path", "  ", "word"]


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.integers(4, 90),
    st.sampled_from(["", "  ", "- ", "    "]),
)
def test_wrap_is_the_full_wrappers_result(text, width, indent):
    assert wrap(text, width, indent) == wrapped_in_full(text, width, indent)


def test_a_short_title_is_one_bullet_line_and_a_long_one_hangs():
    assert bullet("  A short   title ") == "- A short title"
    long = "A title long enough to need a second line when it is wrapped at seventy-eight columns wide"
    assert bullet(long) == (
        "- A title long enough to need a second line when it is wrapped at\n  seventy-eight columns wide"
    )
