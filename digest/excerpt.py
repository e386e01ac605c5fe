"""Deciding whether a source's own excerpt can stand as the article's summary.

An excerpt is kept when an editor wrote it: it is not cut off ("[...]", "…",
"Continue reading"), not the feed's auto-generated first words of the body, not
a "The post X appeared first on Y" footer, and between MIN_WORDS and max_words
long. An excerpt that repeats the article's opening whole sentences is still
fine: it reads as a summary and ends where a sentence ends.
"""

from __future__ import annotations

import re

from digest.sentences import word_count

MIN_WORDS = 8

# Marks that an excerpt was cut off by the source, in raw and entity-encoded forms.
_TRUNCATED_END = re.compile(
    r"(?:\[\s*(?:\.\.\.|…|&hellip;|&#8230;|&#x2026;)\s*\]|\(\s*(?:\.\.\.|…)\s*\)|…|\.\.\.|&hellip;|&#8230;"
    r"|\b(?:continue|keep) reading\b.*|\bread (?:more|the full (?:article|story))\b.*|»|→|>>)\s*$",
    re.I,
)
_BOILERPLATE = re.compile(
    r"\bappeared first on\b|\bthe post\b.*\bappeared\b|^\s*(?:no excerpt|summary)\s*[:.]?\s*$", re.I
)
_SENTENCE_END = tuple(".!?。！？۔؟।\"'”’»)")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def is_truncated(excerpt: str) -> bool:
    """True when the excerpt ends with a cut-off mark such as "[...]", "…" or "Read more"."""
    return bool(_TRUNCATED_END.search(excerpt.strip()))


def _normalized(text: str) -> str:
    """Lower-case words joined by single spaces, punctuation dropped, for prefix checks."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def is_body_prefix(excerpt: str, paragraphs: list[str]) -> bool:
    """True when the excerpt is the body's first words, cut before a sentence ends."""
    body = _normalized(" ".join(paragraphs[:3]))
    start = _normalized(excerpt)
    if not start or not body.startswith(start):
        return False
    return not excerpt.rstrip().endswith(_SENTENCE_END)


def is_good_excerpt(excerpt: str, paragraphs: list[str], max_words: int = 60) -> bool:
    """True when the source's excerpt is a usable summary of the article (see the module docstring)."""
    text = (excerpt or "").strip()
    if not text or is_truncated(text) or _BOILERPLATE.search(text):
        return False
    if not MIN_WORDS <= word_count(text) <= max_words:
        return False
    return not is_body_prefix(text, paragraphs)
