"""Offline sentence splitting and word tokenizing for any script.

Latin-script text goes through nupunkt's bundled Punkt model (abbreviations,
decimals, initials, quotes). Scripts whose full stop is not "." (Urdu and
Arabic "۔" "؟", Devanagari "।", CJK "。！？") are cut on those marks first,
because the Punkt model only knows ASCII terminators.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

# Terminators of other scripts, plus any closing quote or bracket that follows them.
# Marks that end a sentence in the scripts digest splits, with closing quotes and brackets.
SENTENCE_END = tuple(".!?。！？۔؟।\"'”’»)")
_NON_LATIN_END = re.compile(r"[۔؟。！？।॥]+[\"'”’»)\]]*")
# The bundled model lists many ordinary words ("series", "black", "aloud") as abbreviations, so a
# word of four or more letters, a full stop and a capital still end a sentence unless the word is
# one of these real abbreviations.
ABBREVIATIONS = frozenset(
    {
        "approx",
        "incl",
        "excl",
        "corp",
        "calif",
        "sept",
        "prof",
        "capt",
        "univ",
        "dept",
        "assn",
        "bros",
        "inst",
        "natl",
        "intl",
        "govt",
        "colo",
        "ariz",
        "okla",
        "nebr",
        "mich",
        "tenn",
        "minn",
        "conn",
        "mass",
        "wash",
        "penn",
        "supt",
        "cmdr",
        "lieut",
        "rept",
        "fig",
        "figs",
        "vols",
        "nos",
        "resp",
    }
)
_MISSED_END = re.compile(r"(?<![\w.])([^\W\d_]{4,})\.\s+(?=[\"'“‘(]?[A-ZÀ-ÖØ-Þ])")
_WORD = re.compile(r"\w+(?:[’'.-]\w+)*", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences, in order, whitespace folded, none empty."""
    # str.split() and re's \s both use str.isspace: this folds whitespace runs to one space and strips.
    text = " ".join((text or "").split())
    if not text:
        return []
    out: list[str] = []
    for piece in _split_non_latin(text):
        for sentence in _punkt_sentences(piece):
            out.extend(_split_missed(sentence.strip()))
    return [s for s in out if s]


@functools.cache
def _punkt() -> Callable[[str], list[str]]:
    """The bundled Punkt model's tokenize, with digest's faster path for plain text (same sentences)."""
    import nupunkt  # its model loads on first use: commands that never split sentences don't pay for it

    from digest.punkt_fast import splitter

    return splitter(nupunkt.load("default"))


def _punkt_sentences(piece: str) -> list[str]:
    """The model's sentences of a stripped piece of text."""
    # The model ends a sentence only at ".", "?", "!" or "…" with a character after it: without one, the
    # piece is one sentence.
    head = piece[:-1]
    if "." not in head and "?" not in head and "!" not in head and "…" not in head:
        return [piece]
    return _punkt()(piece)


def _split_missed(sentence: str) -> list[str]:
    """Split where the model took a plain word for an abbreviation ("in the series. Rowling said").

    The sentence's whitespace is folded to single spaces, so a match needs ". " in it.
    """
    if ". " not in sentence:
        return [sentence]
    pieces, start = [], 0
    for match in _MISSED_END.finditer(sentence):
        if match.group(1).lower() not in ABBREVIATIONS:
            pieces.append(sentence[start : match.end(1) + 1].strip())
            start = match.end()
    pieces.append(sentence[start:].strip())
    return pieces


def _split_non_latin(text: str) -> list[str]:
    """Cut after non-Latin sentence terminators; Latin text comes back whole."""
    if text.isascii() or not any(mark in text for mark in "۔؟。！？।॥"):
        return [text]
    pieces, start = [], 0
    for match in _NON_LATIN_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def split_paragraphs(paragraphs: list[str]) -> list[list[str]]:
    """Split each paragraph into sentences (paragraph boundaries are sentence boundaries)."""
    return [split_sentences(p) for p in paragraphs]


# Every ASCII character but letters, digits and "_" (the word characters), mapped to a space.
_NON_WORD_ASCII = bytes(b for b in range(128) if not (chr(b).isalnum() or b == ord("_")))
_ASCII_SPACES = bytes.maketrans(_NON_WORD_ASCII, b" " * len(_NON_WORD_ASCII))


def words(text: str) -> list[str]:
    """Lower-case word tokens of any script (letters, digits, inner apostrophes and hyphens)."""
    lowered = text.lower()
    # ASCII text without "'" or "-", and "." only at its end, has no joined tokens ("don't", "u.s"): its
    # tokens are its runs of word characters, split out in C several times faster than by the pattern.
    if lowered.isascii() and "'" not in lowered and "-" not in lowered and lowered.find(".", 0, len(lowered) - 1) < 0:
        return lowered.encode().translate(_ASCII_SPACES).decode().split()
    return _WORD.findall(lowered)


# Han, kana and Hangul are written without spaces: CJK_CHARS_PER_WORD characters count as one word,
# so a 60-word budget is about 120 characters and reading time is about 500 characters a minute.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")
CJK_CHARS_PER_WORD = 2


def folded_word_count(text: str) -> int:
    """word_count of text as split_sentences gives it: single spaces, none at either end."""
    if text.isascii():
        return text.count(" ") + 1 if text else 0  # counting spaces allocates nothing
    return word_count(text)


def word_count(text: str) -> int:
    """Words as readers and the word budget count them: whitespace words, CJK counted by characters."""
    if text.isascii():
        return len(text.split())  # no CJK to count (isascii is a flag lookup, not a scan)
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    spaced = [token for token in _CJK.sub(" ", text).split() if any(ch.isalnum() for ch in token)]
    return len(spaced) + math.ceil(cjk / CJK_CHARS_PER_WORD)
