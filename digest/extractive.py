"""The offline extractive summarizer: one or two whole sentences chosen from the article.

How a summary is chosen (deterministic, no model files):

1. Paragraphs are split into sentences (digest.sentences). Datelines such as
   "LONDON (Reuters) --" and "(CNN)" are removed from the start of a sentence, and
   boilerplate is dropped: bylines, reading times, "Share this", "Also read:",
   "Related:", newsletter and follow prompts, image credits and captions, headings
   and list items (short lines without a full stop), meta lines joined by "·" or "|",
   their Urdu and Arabic counterparts, and the title repeated in the body.
2. Every remaining sentence gets a score: a position prior (news puts the point
   first), position-aware centrality (how much of the rest of the article a
   sentence covers, counting the sentences that follow it fully and those before it
   by half, in the spirit of PacSum), keyword density (the share of its content
   words that other sentences use too: asides and colour use words said once),
   overlap with the title, and penalties for signs of a non-summary sentence
   (caption labels, questions, quoted speech, quotations cut in half, very short or
   very long sentences). Word weights are inverse sentence frequencies inside the
   article, so no stop-word list is needed and any language works.
3. Sentences are picked greedily by score minus their similarity to the ones
   already picked (MMR), while they fit the word budget, then shown in article order.
   A sentence that leans on the one before it ("But he said ...", English only) is
   held back unless that sentence is picked too. A further sentence is added only
   when it is at least as good as the best one the remaining budget had to leave
   out: a short aside is no substitute for the news sentence that did not fit.

The position, centrality and title weights were chosen on CNN/DailyMail articles;
the speech, keyword-density and filler rules on the even-numbered items of every
evaluation set, and checked on the odd-numbered ones (bench/eval_summaries.py
--half); see bench/README.md for the figures.

The word budget is strict for whole sentences: a sentence is never cut. If no
sentence fits max_words at all, the shortest usable sentence is returned alone
(it exceeds the budget; cutting it would make it read wrong).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from digest.sentences import SENTENCE_END, split_sentences, word_count, words


@dataclass(frozen=True)
class Weights:
    """Tunable weights of the sentence score; the defaults are the measured best."""

    position: float = 1.0  # weight of the position prior
    decay: float = 0.25  # the prior is 1 / (1 + decay * index)
    centrality: float = 0.9
    backward: float = 0.5  # weight of similarity to earlier sentences, relative to later ones
    title: float = 0.4
    redundancy: float = 0.3  # MMR: how strongly overlap with picked sentences counts against
    dangling: float = 0.3  # a sentence leaning on the one before ("But he said...") reads badly alone
    broken_quote: float = 0.3
    speech: float = 0.4  # quoted speech ("I think ...", "... ,' he said") is a voice, not the news
    keywords: float = 0.3  # weight of the share of a sentence's content words found elsewhere in the article
    filler_margin: float = 0.0  # how much worse than a sentence that no longer fits a second pick may be
    long_words: int = 35  # longer sentences are usually captions run into the text
    short_words: int = 6


DEFAULT_WEIGHTS = Weights()

HEADING_WORDS = 8  # an unpunctuated line shorter than this is a heading, not a sentence
_SENTENCE_END = SENTENCE_END + ("…",)  # a trailing ellipsis still closes a line of body text

# A dateline or agency tag at the very start of a story: "(CNN)", "LONDON, England (Reuters) --".
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z .,'-]{0,40}\s)?\((?:CNN|AP|AFP|Reuters|UPI|dpa|PA)\)\s*(?:[-—–]{1,2}\s*)?"
    r"|^[A-Z][A-Z .,'-]{2,40}\s?[-—–]{1,2}\s+(?=[A-Z\"“‘'])"
    r"|^[A-Z]{3,}[A-Z.'-]*(?:,? [A-Z][\w.'-]*){0,4} ?[-—–]{1,2} +(?=[A-Z\"“‘'])"  # "MUMBAI, India -"
)
# Lead-ins that precede the real sentence ("Scroll down for video").
_LEAD_IN = re.compile(
    r"^(?:scroll down for (?:video|more)|advertisement|video)\s*[:.]?\s*"
    r"|^(?:updated|published|posted|last updated):?\s+\w{3,9}\.? \d{1,2},? \d{4}"
    r"(?:,? (?:at )?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?: [A-Z]{2,4}\b)?)?\s*[.|·-]?\s*",
    re.I,
)
# Whole sentences that are page furniture rather than news, in several languages where common.
_BOILERPLATE = re.compile(
    r"^(?:(?:written|reported|posted|published|updated|edited)\s+(?:by|on|at)\b"
    r"|(?:published|updated|last (?:updated|modified))\s*:"
    r"|share (?:this|on|via)\b|(?:also read|read more|read also|see also|related(?: articles?| stories?)?"
    r"|more on this|recommended|watch|listen|image|photo|picture|video|credits?|caption|pictured)\s*:"
    r"|(?:(?:header|featured|lead|top)\s+)?(?:image|photo|picture|illustration)s?\s+(?:credits?|courtesy|by|via)\b"
    r"|click here|sign up\b|subscribe\b|follow (?:us|@|\w+ on (?:twitter|x|facebook|instagram))"
    r"|(?:copyright|©)|all rights reserved|\(?(?:getty images|reuters|afp|ap photo|shutterstock|pa wire)\)?$"
    r"|this (?:article|story) (?:was|is|first|originally)|.*\b\d+\s*min(?:ute)?s?\s+read\b)",
    re.I,
)
_BOILERPLATE_LOWER = re.compile(_BOILERPLATE.pattern)  # for ASCII text already lowered (no capitals in it)
# The same furniture on Urdu and Arabic sites: "تحریر:" (written by), "پڑھنے کا وقت" (reading time),
# "شیئر کریں" (share), "یہ بھی پڑھیں" (also read), "تصویر:" (photo); "بقلم", "اقرأ أيضا", "شارك".
_BOILERPLATE_RTL = re.compile(
    r"^(?:تحریر|رپورٹ|تصویر|فوٹو|بشکریہ|شیئر کریں|یہ بھی پڑھیں|مزید پڑھیں|بقلم|كتب|تصوير|صورة|شارك|اقرأ أيضا|اقرأ أيضاً)\s*[:：]"
    r"|^(?:شیئر کریں|یہ بھی پڑھیں|مزید پڑھیں|شارك|اقرأ أيضا|اقرأ أيضاً)\b"
    r"|.*(?:پڑھنے کا وقت|منٹ کی پڑھائی|دقائق للقراءة|دقيقة للقراءة)"
)
# A meta line in any language: short, pieces joined by "·", "|" or "•", and no full stop.
META_WORDS = 14
# "By Jane Doe", "By . Daily Mail Reporter ." (short, or followed by a separator).
_BYLINE = re.compile(r"^[Bb]y\s+(?:\.\s*)?[A-Z]")
# Openings that refer back to an earlier sentence (English only; other languages skip this).
_DANGLING = re.compile(
    r"^(?:but|and|or|so|yet|also|however|meanwhile|still|instead|then|he|she|they|it|this|"
    r"that|these|those|his|her|their|its|there|here|such|him|them)\b"
    r"(?!'s)(?<!this(?= (?:week|year|month|morning|afternoon|evening|weekend|season|summer|"
    r"winter|spring|autumn)\b))",
    re.I,
)
_QUOTE_OPEN = tuple("\"“‘'«„")
# Photo captions and credits inside a sentence: "Carlos Boente (pictured)", "Photograph: X/Getty Images".
_CAPTION_MARK = re.compile(
    r"\((?:pictured|left|right|centre|center|above|below|top|bottom|inset|file photo|file)(?:[ ,][^)]{0,30})?\)"
    r"|\b(?:photograph|photo|picture|image|illustration)\s*:|/\s*(?:getty images|reuters|afp|ap|shutterstock|pa)\b"
    r"|\bimage (?:copyright|caption)\b|\bmedia playback\b|\bcopy this link\b|\bshare this with\b"
    r"|\bcontinue reading\b|\[\s*(?:\.\.\.|…)\s*\]|\b(?:updated|published):?\s+\w{3,9}\.? \d{1,2},? \d{4}"
    r"|\bpromo code\b|\bsponsored by\b|\buse (?:the )?code [A-Z0-9]{3,}|<[a-z/][^>]*>|&[a-z]+;",
    re.I,
)
# The same pattern for ASCII text lowered first (case-insensitive matching is several times slower), and
# literals one of which every match contains: a sentence with none of them cannot match at all.
_CAPTION_MARK_LOWER = re.compile(_CAPTION_MARK.pattern.replace("[A-Z0-9]{3,}", "[a-z0-9]{3,}"))
_CAPTION_MARK_NEEDS = re.compile(
    r"[(/\[<&]|photo|picture|image|illustration|media playback|copy this link|share this with|continue reading"
    r"|updated|published|promo code|sponsored by|code "
)
# Quoted speech anywhere in a sentence: a quotation mark first, a closing one last (a quotation that
# runs over several sentences), a colon opening a quotation, or the speaker's own "I"/"we"/"my".
_SPEECH = re.compile(r"^[\"“‘'«]|[.!?,]\s?['’\"”»]$|:\s*['‘\"“«]|\b(?:I|[Ww]e|[Mm]y|[Oo]ur|[Mm]e|[Uu]s)\b")
KEYWORD_CHARS = 4  # words this long or longer carry the content; shorter ones are mostly function words
# "Feminist icon: Patsy Kensit says ..." - a caption label glued to the text.
_CAPTION_LABEL = re.compile(r"^[A-Z][\w'’!,-]*(?:\s[\w'’!,-]+){0,4}\s?:\s")


@dataclass(frozen=True)
class _Candidate:
    index: int
    text: str
    words: int


def has_caption_mark(text: str) -> bool:
    """True when a sentence carries a caption, credit, stamp, prompt or markup (`_CAPTION_MARK`)."""
    if not text.isascii():  # outside ASCII, lowering and re.I may disagree: use the pattern as written
        return _CAPTION_MARK.search(text) is not None
    lowered = text.lower()
    if _CAPTION_MARK_NEEDS.search(lowered) is None:
        return False
    return _CAPTION_MARK_LOWER.search(lowered) is not None


def clean_sentence(sentence: str) -> str:
    """A sentence without a leading dateline or "Scroll down for video" lead-in."""
    text = _DATELINE.sub("", sentence, count=1)
    text = _LEAD_IN.sub("", text, count=1)
    return text.strip()


def is_boilerplate(sentence: str, count: int | None = None) -> bool:
    """True for bylines, share prompts, 'Related:'/'Also read:' lines, credits and sign-ups.

    `count` is the stripped sentence's word_count when the caller has it already.
    """
    text = sentence.strip()
    if not any(ch.isalpha() for ch in text):
        return True
    meta = any(mark in text for mark in "|·•")
    if _BYLINE.match(text) and (meta or (word_count(text) if count is None else count) <= 8):
        return True
    if meta and (word_count(text) if count is None else count) <= META_WORDS and not text.endswith(_SENTENCE_END):
        return True
    if text.isascii():  # lowered, the pattern matches as with re.I; the Urdu and Arabic one cannot match
        return _BOILERPLATE_LOWER.match(text.lower()) is not None or text.startswith(("http://", "https://", "www."))
    return bool(_BOILERPLATE.match(text) or _BOILERPLATE_RTL.match(text)) or text.startswith(
        ("http://", "https://", "www.")
    )


def opens_on_missing_referent(text: str, earlier: list[str]) -> bool:
    """True when a sentence cannot open a summary: it leans on words the reader has not seen.

    A pronoun or connective first ("He", "This", "But"), a quotation, or a bare surname whose full
    name appears in an earlier sentence.
    """
    if _DANGLING.match(text):
        return True
    if text.startswith(_QUOTE_OPEN):
        return True  # even an attributed quotation reads as a reply to something the reader missed
    first = text.split(" ", 1)[0].rstrip(",.'’s")
    if first[:1].isupper() and first.isalpha() and len(first) > 2 and earlier:
        before = "\n".join(earlier)  # no match can span the line break: the pattern has no \n in it
        if f" {first}" not in before:
            return False  # the cheap test first: most opening words never follow a capitalized word
        introduced = _introduced(first)
        return bool(introduced.search(before)) and not introduced.search(text)
    return False


@functools.lru_cache(maxsize=4096)  # re's own cache (512 patterns) is too small for a large week
def _introduced(surname: str) -> re.Pattern[str]:
    """A full name ending in `surname`: a capitalized word, a space, the surname."""
    return re.compile(rf"\b[A-Z][\w.'-]+ {re.escape(surname)}\b")


def is_heading(sentence: str) -> bool:
    """True for a short line without a full stop: a subheading, list item or label."""
    return word_count(sentence) < HEADING_WORDS and not sentence.rstrip().endswith(_SENTENCE_END)


def candidates(paragraphs: list[str], title: str = "") -> list[_Candidate]:
    """Usable sentences of an article, in order, with their word counts (the title itself is not one)."""
    out: list[_Candidate] = []
    title_key, title_words = _key(title), word_count(title)
    for paragraph in paragraphs:
        if is_boilerplate(paragraph) and word_count(paragraph) < 25:
            continue
        for raw in split_sentences(paragraph):
            text = clean_sentence(raw)
            if not text:
                continue
            count = word_count(text)  # once: the boilerplate and heading tests need it too
            if is_boilerplate(text, count) or (count < HEADING_WORDS and not text.endswith(_SENTENCE_END)):
                continue
            if abs(count - title_words) <= 2 and _key(text) == title_key:
                continue
            out.append(_Candidate(len(out), text, count))
    return out


def _key(text: str) -> str:
    """Lower-case words only, to recognize the title repeated in the body."""
    return " ".join(words(text))


def _vectors(token_sets: list[set[str]]) -> np.ndarray:
    """Row-normalized TF-IDF rows, the IDF computed over this article's sentences (one word set each)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, tokens in enumerate(token_sets):
        rows.extend([i] * len(tokens))
        cols.extend([vocab.setdefault(token, len(vocab)) for token in tokens])
    matrix = np.zeros((len(token_sets), max(1, len(vocab))))
    if rows:
        matrix[rows, cols] = 1.0
    df = matrix[:-1].sum(axis=0) if len(token_sets) > 1 else matrix.sum(axis=0)  # the last row is the title
    matrix *= np.log((len(token_sets) + 1) / (df + 1)) + 0.1
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    norms[norms == 0] = 1.0
    return matrix / norms


def _scores(cands: list[_Candidate], title: str, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's score and the sentence-by-sentence similarity matrix."""
    n = len(cands)
    token_lists = [words(c.text) for c in cands] + [words(title)]
    token_sets = [set(tokens) for tokens in token_lists]  # one set per sentence: its iteration order is fixed
    vectors = _vectors(token_sets)
    sentences, title_vec = vectors[:n], vectors[n]
    # Only terms shared by two sentences add to a similarity; einsum keeps these tiny products
    # off the BLAS thread pool, whose start-up costs more than the product itself.
    shared = sentences[:, (sentences > 0).sum(axis=0) > 1]
    sim = np.einsum("ij,kj->ik", shared, shared)
    np.fill_diagonal(sim, 0.0)
    later = np.triu(sim, 1).sum(axis=1)
    earlier = np.tril(sim, -1).sum(axis=1)
    centrality = later + weights.backward * earlier
    if centrality.max() > 0:
        centrality = centrality / centrality.max()
    position = 1.0 / (1.0 + weights.decay * np.arange(n))
    score = weights.position * position + weights.centrality * centrality
    score += weights.keywords * _keyword_density(token_lists[:n], token_sets[:n])
    if title.strip():
        score += weights.title * np.einsum("ij,j->i", sentences, title_vec)
    for i, cand in enumerate(cands):
        score[i] -= _penalty(cand, weights)
    return score, sim


def _keyword_density(token_lists: list[list[str]], token_sets: list[set[str]]) -> np.ndarray:
    """Per sentence, the share of its content words that other sentences of the article use too.

    Unlike centrality, which grows with length, this rewards sentences dense in the article's
    recurring subject matter and marks asides, colour and quotations that use words said once.
    """
    seen: Counter[str] = Counter()
    for word_set in token_sets:
        seen.update(word_set)
    repeated = {token for token, count in seen.items() if count > 1}
    density = np.zeros(len(token_lists))
    for i, tokens in enumerate(token_lists):
        content = [t for t in tokens if len(t) >= KEYWORD_CHARS]
        if content:
            density[i] = len([t for t in content if t in repeated]) / len(content)
    return density


def _penalty(cand: _Candidate, weights: Weights) -> float:
    """How much a sentence looks like something other than a summary sentence."""
    text, penalty = cand.text, 0.0
    if _CAPTION_LABEL.match(text):
        penalty += 0.5
    if has_caption_mark(text):
        penalty += 1.0  # a caption, credit, stamp or prompt: kept only when nothing else is left
    if text.endswith(("?", "؟", "？")):
        penalty += 0.3
    if text[:1] in "\"“‘'«" or text.endswith(":"):
        penalty += 0.25
    if (text.count('"') % 2) or text.count("“") != text.count("”"):
        penalty += weights.broken_quote  # a quotation cut by the splitter reads as a fragment
    if _SPEECH.search(text):
        penalty += weights.speech
    if cand.words > weights.long_words:
        penalty += 0.02 * (cand.words - weights.long_words)
    if cand.words < weights.short_words:
        penalty += 0.3
    return penalty


def _best_unfitting(
    cands: list[_Candidate],
    score: np.ndarray,
    sim: np.ndarray,
    chosen: list[int],
    budget: int,
    bad_opener: list[bool],
    weights: Weights,
) -> float:
    """The best value among usable sentences too long for the words left (minus infinity if none)."""
    first = min(chosen)
    values = [
        score[i] - weights.redundancy * max(sim[i, j] for j in chosen)
        for i, cand in enumerate(cands)
        if i not in chosen and cand.words > budget and not (bad_opener[i] and i < first)
    ]
    return max(values, default=-math.inf)


def summarize(
    title: str, paragraphs: list[str], max_words: int = 60, max_sentences: int = 2, weights: Weights = DEFAULT_WEIGHTS
) -> str:
    """One to max_sentences whole sentences, at most max_words words (see the module docstring)."""
    cands = candidates(paragraphs, title)
    if not cands:
        return ""
    max_sentences = max(1, max_sentences)
    score, sim = _scores(cands, title, weights)
    bad_opener = [
        opens_on_missing_referent(c.text, [p.text for p in cands[max(0, i - 8) : i]]) for i, c in enumerate(cands)
    ]
    chosen: list[int] = []
    budget = max_words
    good_opener_fits = any(not bad and c.words <= budget for bad, c in zip(bad_opener, cands, strict=True))
    while len(chosen) < max_sentences:
        best, best_value = -1, -math.inf
        for i, cand in enumerate(cands):
            if i in chosen or cand.words > budget:
                continue
            value = score[i] - (weights.redundancy * max(sim[i, j] for j in chosen) if chosen else 0.0)
            if bad_opener[i] and chosen and i < min(chosen):
                continue  # it would open the summary, in front of a sentence that reads alone
            if bad_opener[i] and not chosen and good_opener_fits:
                continue  # a sentence that reads alone opens the summary whenever one fits
            elif bad_opener[i] and i - 1 not in chosen:
                value -= weights.dangling  # it would follow a sentence the reader never sees
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        left_out = _best_unfitting(cands, score, sim, chosen, budget, bad_opener, weights) if chosen else -math.inf
        if best_value < left_out - weights.filler_margin:
            break  # a weak filler adds words but less than the sentence the budget had to leave out
        chosen.append(best)
        budget -= cands[best].words
    if not chosen:
        return min(cands, key=lambda c: (c.words, c.index)).text
    return " ".join(cands[i].text for i in sorted(chosen))
