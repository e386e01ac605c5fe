"""Offline sentence splitting and word tokenizing for any script.

Latin-script text goes through nupunkt's bundled Punkt model (abbreviations,
decimals, initials, quotes). Scripts whose full stop is not "." (Urdu and
Arabic "۔" "؟", Devanagari "।", CJK "。！？") are cut on those marks first,
because the Punkt model only knows ASCII terminators.
"""

from __future__ import annotations

import math
import re
from typing import cast

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
_SPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences, in order, whitespace folded, none empty."""
    text = _SPACE.sub(" ", text or "").strip()
    if not text:
        return []
    import nupunkt  # its model loads on first use: commands that never split sentences don't pay for it

    out: list[str] = []
    for piece in _split_non_latin(text):
        # Without return_confidence the tokenizer gives plain strings.
        for sentence in cast(list[str], nupunkt.sent_tokenize(piece)):
            out.extend(_split_missed(sentence.strip()))
    return [s for s in out if s]


def _split_missed(sentence: str) -> list[str]:
    """Split where the model took a plain word for an abbreviation ("in the series. Rowling said")."""
    pieces, start = [], 0
    for match in _MISSED_END.finditer(sentence):
        if match.group(1).lower() not in ABBREVIATIONS:
            pieces.append(sentence[start : match.end(1) + 1].strip())
            start = match.end()
    pieces.append(sentence[start:].strip())
    return pieces


def _split_non_latin(text: str) -> list[str]:
    """Cut after non-Latin sentence terminators; Latin text comes back whole."""
    if not any(mark in text for mark in "۔؟。！？।॥"):
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


def words(text: str) -> list[str]:
    """Lower-case word tokens of any script (letters, digits, inner apostrophes and hyphens)."""
    return _WORD.findall(text.lower())


# Han, kana and Hangul are written without spaces: CJK_CHARS_PER_WORD characters count as one word,
# so a 60-word budget is about 120 characters and reading time is about 500 characters a minute.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")
CJK_CHARS_PER_WORD = 2


def word_count(text: str) -> int:
    """Words as readers and the word budget count them: whitespace words, CJK counted by characters."""
    if text.isascii():
        return len(text.split())  # no CJK to count (isascii is a flag lookup, not a scan)
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    spaced = [token for token in _CJK.sub(" ", text).split() if any(ch.isalnum() for ch in token)]
    return len(spaced) + math.ceil(cjk / CJK_CHARS_PER_WORD)
