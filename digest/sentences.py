"""Offline sentence splitting and word tokenizing for any script.

Latin-script text goes through nupunkt's bundled Punkt model (abbreviations,
decimals, initials, quotes). Scripts whose full stop is not "." (Urdu and
Arabic "۔" "؟", Devanagari "।", CJK "。！？") are cut on those marks first,
because the Punkt model only knows ASCII terminators.
"""

from __future__ import annotations

import re

import nupunkt

# Terminators of other scripts, plus any closing quote or bracket that follows them.
_NON_LATIN_END = re.compile(r"[۔؟。！？।॥]+[\"'”’»)\]]*")
_WORD = re.compile(r"\w+(?:[’'.-]\w+)*", re.UNICODE)
_SPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences, in order, whitespace folded, none empty."""
    text = _SPACE.sub(" ", text or "").strip()
    if not text:
        return []
    out: list[str] = []
    for piece in _split_non_latin(text):
        out.extend(s.strip() for s in nupunkt.sent_tokenize(piece) if s.strip())
    return out


def _split_non_latin(text: str) -> list[str]:
    """Cut after non-Latin sentence terminators; Latin text comes back whole."""
    if not any(mark in text for mark in "۔؟。！？।॥"):
        return [text]
    pieces, start = [], 0
    for match in _NON_LATIN_END.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def split_paragraphs(paragraphs: list[str]) -> list[list[str]]:
    """Split each paragraph into sentences (paragraph boundaries are sentence boundaries)."""
    return [split_sentences(p) for p in paragraphs]


def words(text: str) -> list[str]:
    """Lower-case word tokens of any script (letters, digits, inner apostrophes and hyphens)."""
    return _WORD.findall(text.lower())


def word_count(text: str) -> int:
    """Number of whitespace-separated words, as readers and the word budget count them."""
    return len(text.split())
