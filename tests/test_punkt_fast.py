"""digest.punkt_fast gives exactly the sentences of nupunkt's tokenize, on texts built from tricky pieces."""

from __future__ import annotations

import functools
import os

import nupunkt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest import punkt_fast

TRICKY = (
    "Mr.", "Mrs.", "Dr.", "U.S.", "U.S.A.", "Inc.", "Inc.,", "Corp.", "Jan.", "No.", "No. 5", "p.m.", "a.m.", "e.g.",
    "i.e.", "etc.", "vs.", "St.", "J.", "K.", "a.", "B.", "3.", "2019.", "3.5", "1.", "(a).", "IV.", "iv.", "12)",
    "...", "..", "….", "…", ". . .", ". .", ".", "?", "!", "?!", "!?", "!!", "?.", "!.", "Yahoo!", "what?",
    '"', "'", "”", "’", "“", "‘", "»", "«", ")", "(", "]", "[", "}", "{", "*", "--", "-", ",", ";", ":", "%", "&",
    "@", "#", "_", "`", "/", "$", "5%", "’s", "'s", "rock'n'roll", "’90s", "co-op", "AT&T", "example.com",
    "é", "É", "ß", "İstanbul", "Ölkonzern", "naïve", "Ω", "ﬁ", "²", "٣", "a", "I", "I'm", "I’ll",
    "the", "The", "said", "he", "He", "year", "It", "cambria", "Cambria", "lambert", "morrison", "excluded",
)  # fmt: skip
SEPARATORS = (" ", " ", " ", " ", "", "", "  ", "\n", "\t", "\u00a0")


@functools.cache
def _model_words() -> tuple[str, ...]:
    """Words the bundled model knows: abbreviations, sentence starters and both halves of collocations."""
    params = nupunkt.load("default").parameters
    words = {f"{a}." for a in params.abbrev_types}
    words |= set(params.sent_starters)
    for first, second in params.collocations:
        words |= {f"{first}.", second}
    return tuple(sorted(w for w in words if w and not w.startswith("##")))


def _case(word: str, how: int) -> str:
    return (word, word.capitalize(), word.upper(), word.lower())[how]


words = st.one_of(
    st.sampled_from(TRICKY),
    st.builds(_case, st.sampled_from(_model_words()), st.integers(0, 3)),
    st.text(alphabet="abcXYZ.?!\"')(…,- é", min_size=1, max_size=4),
)
glued = st.builds(lambda w, mark: w + mark, words, st.sampled_from(("", "", ".", "?", "!", '."', ".)", "…", "...")))
texts = st.lists(st.tuples(glued, st.sampled_from(SEPARATORS)), max_size=14).map(
    lambda parts: "".join(w + sep for w, sep in parts)
)
# Mostly text of the shape punkt_fast decides itself: words, some ending a sentence, single spaces.
plain_words = st.one_of(
    st.builds(_case, st.sampled_from(_model_words()), st.integers(0, 3)),
    st.sampled_from(("said", "The", "he", "It", "year", "3", "2019", "U.S", "J", "5%", "(a)", '"We', "é", "Ölkonzern")),
)
ends = st.sampled_from(("", "", "", ".", ".", "?", "!", '."', ".)", ".”", "?’", "…", "...", ".,", ",", ")."))
plain_texts = st.lists(st.builds(lambda w, end: w + end, plain_words, ends), min_size=1, max_size=16).map(" ".join)


@functools.cache
def _paths():
    tokenizer = nupunkt.load("default")
    return tokenizer.tokenize, punkt_fast.splitter(tokenizer)


def test_the_installed_nupunkt_takes_the_fast_path():
    # A nupunkt release not in VERIFIED gets the plain path: check the equivalence (this file and the
    # comparisons in punkt_fast's docstring) on the new release, then add it.
    tokenize, fast = _paths()
    assert fast is not tokenize, f"nupunkt {nupunkt.__version__} is not in punkt_fast.VERIFIED"


@settings(
    max_examples=int(os.environ.get("PUNKT_FAST_EXAMPLES", "1500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(texts, plain_texts))
def test_fast_sentences_equal_nupunkt_sentences(text):
    tokenize, fast = _paths()
    folded = " ".join(text.split())
    assert fast(folded) == tokenize(folded)
    assert fast(text) == tokenize(text)  # unfolded text goes to nupunkt whole


@pytest.mark.parametrize(
    "text",
    [
        'He said: "Stop." Then the crowd went home.',
        "Dr. Smith flew to Washington D.C. on Jan. 5. Shares rose 3.5 per cent. Then he left!",
        '"Is it?" he asked. "Yes." She nodded.',
        "1. First item. Second sentence.",
        "(a). Item. Next one.",
        "Wait... What? No... not yet… Really… He left.",
        "It costs 5%. Then it rose (sharply). Next year.",
        'The end."',
        "He met J. K. Rowling at No. 10 Downing St. in the U.S. Capitol. It rained.",
        "Why? Because. Why! Because.",
        "A sentence. ” Then a stray quote.",
        "",
        "no marks at all",
    ],
)
def test_fast_sentences_equal_nupunkt_sentences_on_examples(text):
    tokenize, fast = _paths()
    assert fast(text) == tokenize(text)
