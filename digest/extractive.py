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
from dataclasses import dataclass
from itertools import chain

import numpy as np

from digest.sentences import SENTENCE_END, folded_word_count, split_sentences, word_count, words


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
_BOILERPLATE_STARTS = (
    r"(?:written|reported|posted|published|updated|edited)\s+(?:by|on|at)\b"
    r"|(?:published|updated|last (?:updated|modified))\s*:"
    r"|share (?:this|on|via)\b|(?:also read|read more|read also|see also|related(?: articles?| stories?)?"
    r"|more on this|recommended|watch|listen|image|photo|picture|video|credits?|caption|pictured)\s*:"
    r"|(?:(?:header|featured|lead|top)\s+)?(?:image|photo|picture|illustration)s?\s+(?:credits?|courtesy|by|via)\b"
    r"|click here|sign up\b|subscribe\b|follow (?:us|@|\w+ on (?:twitter|x|facebook|instagram))"
    r"|(?:copyright|©)|all rights reserved|\(?(?:getty images|reuters|afp|ap photo|shutterstock|pa wire)\)?$"
    r"|this (?:article|story) (?:was|is|first|originally)"
)
_READING_TIME = r".*\b\d+\s*min(?:ute)?s?\s+read\b"  # "4 min read" anywhere in the line
_BOILERPLATE = re.compile(rf"^(?:{_BOILERPLATE_STARTS}|{_READING_TIME})", re.I)
# The two halves for ASCII text already lowered (no capitals in it): the second needs "read" in the text.
_BOILERPLATE_STARTS_LOWER = re.compile(rf"^(?:{_BOILERPLATE_STARTS})")
_READING_TIME_LOWER = re.compile(_READING_TIME)
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
# literals one of which every match contains: a sentence with none of them cannot match at all (str.find
# looks for a literal several times faster than the regular expression engine).
_CAPTION_MARK_LOWER = re.compile(_CAPTION_MARK.pattern.replace("[A-Z0-9]{3,}", "[a-z0-9]{3,}"))
_CAPTION_MARK_NEEDS = (
    *"(/[<&",
    *("photo", "picture", "image", "illustration", "media playback", "copy this link", "share this with"),
    *("continue reading", "updated", "published", "promo code", "sponsored by", "code "),
)
# Quoted speech anywhere in a sentence: a quotation mark first, a closing one last (a quotation that
# runs over several sentences), a colon opening a quotation, or the speaker's own "I"/"we"/"my"
# (`_is_speech` tries these in turn, the cheap tests first).
_SPEECH_OPEN = tuple("\"“‘'«")
_SPEECH_CLOSE = re.compile(r"[.!?,]\s?['’\"”»]$")
_SPEECH_COLON = re.compile(r":\s*['‘\"“«]")
_SPEECH_PRONOUN = re.compile(r"\b(?:I|[Ww]e|[Mm]y|[Oo]ur|[Mm]e|[Uu]s)\b")
_PRONOUNS_LOWER = frozenset({"i", "we", "my", "our", "me", "us"})
KEYWORD_CHARS = 4  # words this long or longer carry the content; shorter ones are mostly function words
# "Feminist icon: Patsy Kensit says ..." - a caption label glued to the text.
_CAPTION_LABEL = re.compile(r"^[A-Z][\w'’!,-]*(?:\s[\w'’!,-]+){0,4}\s?:\s")


@dataclass(slots=True)  # not frozen: a frozen dataclass takes several times as long to create
class _Candidate:
    index: int
    text: str
    words: int
    tokens: list[str]  # words(text): the terms scoring compares


def has_caption_mark(text: str) -> bool:
    """True when a sentence carries a caption, credit, stamp, prompt or markup (`_CAPTION_MARK`)."""
    if not text.isascii():  # outside ASCII, lowering and re.I may disagree: use the pattern as written
        return _CAPTION_MARK.search(text) is not None
    lowered = text.lower()
    if not any(literal in lowered for literal in _CAPTION_MARK_NEEDS):
        return False
    return _CAPTION_MARK_LOWER.search(lowered) is not None


def clean_sentence(sentence: str) -> str:
    """A sentence without a leading dateline or "Scroll down for video" lead-in."""
    text, first = sentence, sentence[:1]
    # Every dateline starts with a capital or "(" and holds ")" or a dash: most sentences skip the pattern.
    if (first == "(" or "A" <= first <= "Z") and (")" in text or "-" in text or "—" in text or "–" in text):
        text = _DATELINE.sub("", text, count=1)
        first = text[:1]
    # Every lead-in starts with one of these letters, or a letter that matches one ignoring case ("ſ").
    if first in "aAlLpPsSuUvV" or not first.isascii():
        text = _LEAD_IN.sub("", text, count=1)
    return text.strip()


def is_boilerplate(sentence: str, count: int | None = None) -> bool:
    """True for bylines, share prompts, 'Related:'/'Also read:' lines, credits and sign-ups.

    `count` is the stripped sentence's word_count when the caller has it already.
    """
    text = sentence.strip()
    if not text[:1].isalpha() and not any(ch.isalpha() for ch in text):
        return True
    meta = "|" in text or "·" in text or "•" in text
    if _BYLINE.match(text) and (meta or (word_count(text) if count is None else count) <= 8):
        return True
    if meta and (word_count(text) if count is None else count) <= META_WORDS and not text.endswith(_SENTENCE_END):
        return True
    if text.startswith(("http://", "https://", "www.")):
        return True
    if text.isascii():  # lowered, the pattern matches as with re.I; the Urdu and Arabic one cannot match
        lowered = text.lower()
        if _BOILERPLATE_STARTS_LOWER.match(lowered):
            return True
        return "read" in lowered and _READING_TIME_LOWER.match(lowered) is not None
    return bool(_BOILERPLATE.match(text) or _BOILERPLATE_RTL.match(text))


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
    title_key, title_words = " ".join(words(title)), word_count(title)
    for paragraph in paragraphs:
        count = word_count(paragraph)  # the same for the stripped paragraph, as is_boilerplate wants it
        if count < 25 and is_boilerplate(paragraph, count):
            continue
        for raw in split_sentences(paragraph):
            text = clean_sentence(raw)
            if not text:
                continue
            count = folded_word_count(text)  # once: the boilerplate and heading tests need it too
            if (count < HEADING_WORDS and not text.endswith(_SENTENCE_END)) or is_boilerplate(text, count):
                continue
            tokens = words(text)
            if abs(count - title_words) <= 2 and " ".join(tokens) == title_key:
                continue  # the title repeated in the body (the same words, whatever the punctuation)
            out.append(_Candidate(len(out), text, count, tokens))
    return out


def _vectors(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row-normalized TF-IDF rows of the sentences whose words are at (rows, columns), the IDF computed
    over this article's sentences, and how many sentences use each term (the last row is the title: it
    counts for neither).
    """
    matrix = np.zeros(shape)
    matrix[rows, columns] = 1.0
    df = matrix[:-1].sum(axis=0)
    matrix *= np.log((shape[0] + 1) / (df + 1)) + 0.1
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    norms[norms == 0] = 1.0
    return matrix / norms, df


def _base_scores(token_lists: list[list[str]], title: str, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's score before its penalty, and the sentence-by-sentence similarity matrix."""
    n = len(token_lists)
    title_tokens = words(title)
    sizes = [len(tokens) for tokens in token_lists] + [len(title_tokens)]
    # A column per term in order of first use in the text (not over the word sets: a set's order follows
    # the process's string hashing, and sums over columns in another order can differ in the last bit,
    # which would let a near-tie between two sentences go either way from one run to the next). Then
    # every token's row and column, by C loops; the title is the last row.
    terms = dict.fromkeys(chain(*token_lists, title_tokens))
    column = dict(zip(terms, range(len(terms)), strict=True))
    columns = np.fromiter(map(column.__getitem__, chain(*token_lists, title_tokens)), np.intp, sum(sizes))
    rows = np.repeat(np.arange(n + 1), sizes)
    vectors, df = _vectors(rows, columns, (n + 1, max(1, len(terms))))
    sentences, title_vec = vectors[:n], vectors[n]
    # Only terms shared by two sentences add to a similarity (a term is in a row exactly when its
    # weight there is positive); einsum keeps these tiny products off the BLAS thread pool, whose
    # start-up costs more than the product itself.
    repeated = df > 1
    shared = sentences[:, repeated]
    sim = np.einsum("ij,kj->ik", shared, shared)
    np.fill_diagonal(sim, 0.0)
    # Each row's sum over the sentences after it and over those before it (zeros elsewhere, as np.triu
    # and np.tril leave them), both in one reduction.
    triangles = _triangles(n) if n <= CACHED_TRIANGLES else _triangles.__wrapped__(n)
    later, earlier = np.where(triangles, sim, 0.0).sum(axis=2)
    centrality = later + weights.backward * earlier
    if centrality.max() > 0:
        centrality = centrality / centrality.max()
    position = 1.0 / (1.0 + weights.decay * np.arange(n))
    score = weights.position * position + weights.centrality * centrality
    # Keyword density: the share of a sentence's content words (tokens of KEYWORD_CHARS or more) that
    # other sentences use too. Unlike centrality, which grows with length, this rewards sentences dense
    # in the article's recurring subject matter and marks asides, colour and quotations that use words
    # said once. Counted per token, repeats included (whole numbers, exact as floats).
    content = (np.fromiter(map(len, terms), np.intp, len(terms)) >= KEYWORD_CHARS)[columns]
    counts = np.bincount(rows, weights=content, minlength=n + 1)[:n]
    hits = np.bincount(rows, weights=content & repeated[columns], minlength=n + 1)[:n]
    score += weights.keywords * np.divide(hits, counts, out=np.zeros(n), where=counts > 0)
    if title.strip():
        score += weights.title * np.einsum("ij,j->i", sentences, title_vec)
    return score, sim


CACHED_TRIANGLES = 128  # masks kept for articles of up to this many sentences (1.4 MB for all of them)


@functools.lru_cache(maxsize=CACHED_TRIANGLES)
def _triangles(n: int) -> np.ndarray:
    """Masks of the entries above and of those below the diagonal of an n-by-n matrix, stacked."""
    above = np.triu(np.ones((n, n), dtype=bool), 1)
    return np.stack([above, above.T])


def _penalty(text: str, count: int, tokens: list[str], token_set: set[str], weights: Weights) -> float:
    """How much a sentence looks like something other than a summary sentence."""
    penalty = 0.0
    if ":" in text and _CAPTION_LABEL.match(text):
        penalty += 0.5
    if has_caption_mark(text):
        penalty += 1.0  # a caption, credit, stamp or prompt: kept only when nothing else is left
    if text.endswith(("?", "؟", "？")):
        penalty += 0.3
    if text[:1] in "\"“‘'«" or text.endswith(":"):
        penalty += 0.25
    if (text.count('"') % 2) or text.count("“") != text.count("”"):
        penalty += weights.broken_quote  # a quotation cut by the splitter reads as a fragment
    if _is_speech(text, tokens, token_set):
        penalty += weights.speech
    if count > weights.long_words:
        penalty += 0.02 * (count - weights.long_words)
    if count < weights.short_words:
        penalty += 0.3
    return penalty


def _is_speech(text: str, tokens: list[str], token_set: set[str]) -> bool:
    """True for quoted speech (see `_SPEECH_OPEN`); `tokens` are words(text), `token_set` their set."""
    # A match of the closing pattern is at most three characters, before the end or a final line break.
    if text.startswith(_SPEECH_OPEN) or _SPEECH_CLOSE.search(text, max(0, len(text) - 4)):
        return True
    if ":" in text and _SPEECH_COLON.search(text):
        return True
    if text.isascii() and _PRONOUNS_LOWER.isdisjoint(token_set):
        # Lowering ASCII text keeps its runs of word characters where they are; each run is a token or
        # part of one joined by "'", "." or "-". No run is a pronoun in any case: no match.
        joined = " ".join(tokens)
        if not ("'" in joined or "." in joined or "-" in joined):
            return False
        if _PRONOUNS_LOWER.isdisjoint(joined.replace("'", " ").replace(".", " ").replace("-", " ").split()):
            return False
    return _SPEECH_PRONOUN.search(text) is not None


class _Scores:
    """An article's candidates scored for the greedy pick.

    A sentence's penalty and its opener test are computed when a pick first needs them: both can only
    lower a sentence's value, so a sentence whose score before them cannot beat the best value found so
    far is passed over without them, and the picks are those of scoring every sentence.
    """

    def __init__(self, cands: list[_Candidate], title: str, weights: Weights) -> None:
        self.cands, self.weights = cands, weights
        self.tokens = [c.tokens for c in cands]
        self.token_sets = [set(tokens) for tokens in self.tokens]  # for the quoted-speech test
        base, self.sim = _base_scores(self.tokens, title, weights)
        self.base: list[float] = base.tolist()
        self._score: list[float | None] = [None] * len(cands)
        self._bad_opener: list[bool | None] = [None] * len(cands)

    def score(self, i: int) -> float:
        """Sentence i's score: position, centrality, keywords and title, minus its penalty."""
        value = self._score[i]
        if value is None:
            cand = self.cands[i]
            penalty = _penalty(cand.text, cand.words, self.tokens[i], self.token_sets[i], self.weights)
            value = self._score[i] = self.base[i] - penalty
        return value

    def bad_opener(self, i: int) -> bool:
        """opens_on_missing_referent for sentence i after the (up to) eight sentences before it."""
        bad = self._bad_opener[i]
        if bad is None:
            earlier = [c.text for c in self.cands[max(0, i - 8) : i]]
            bad = self._bad_opener[i] = opens_on_missing_referent(self.cands[i].text, earlier)
        return bad

    def redundancies(self, chosen: list[int]) -> list[float]:
        """Each sentence's MMR cost: its highest similarity to a chosen sentence, weighted."""
        if not chosen:
            return [0.0] * len(self.cands)
        columns = [self.sim[:, j].tolist() for j in chosen]
        return [self.weights.redundancy * max(values) for values in zip(*columns, strict=True)]

    def best_fitting(
        self, chosen: list[int], budget: int, good_opener_fits: bool, redundancies: list[float]
    ) -> tuple[int, float]:
        """The next pick among the sentences that fit the words left, and its value (-1 if none)."""
        best, best_value = -1, -math.inf
        for i, cand in enumerate(self.cands):
            if i in chosen or cand.words > budget:
                continue
            redundancy = redundancies[i]
            if self.base[i] - redundancy <= best_value:
                continue  # the penalty and the dangling cost only lower it: it cannot beat the best
            bad = self.bad_opener(i)
            if bad and chosen and i < min(chosen):
                continue  # it would open the summary, in front of a sentence that reads alone
            if bad and not chosen and good_opener_fits:
                continue  # a sentence that reads alone opens the summary whenever one fits
            value = self.score(i) - redundancy
            if bad and i - 1 not in chosen:
                value -= self.weights.dangling  # it would follow a sentence the reader never sees
            if value > best_value:
                best, best_value = i, value
        return best, best_value

    def best_unfitting(self, chosen: list[int], budget: int, redundancies: list[float]) -> float:
        """The best value among usable sentences too long for the words left (minus infinity if none)."""
        first, best = min(chosen), -math.inf
        for i, cand in enumerate(self.cands):
            if i in chosen or cand.words <= budget:
                continue
            redundancy = redundancies[i]
            if self.base[i] - redundancy <= best or (self.bad_opener(i) and i < first):
                continue
            best = max(best, self.score(i) - redundancy)
        return best


def summarize(
    title: str, paragraphs: list[str], max_words: int = 60, max_sentences: int = 2, weights: Weights = DEFAULT_WEIGHTS
) -> str:
    """One to max_sentences whole sentences, at most max_words words (see the module docstring)."""
    cands = candidates(paragraphs, title)
    if not cands:
        return ""
    max_sentences = max(1, max_sentences)
    scores = _Scores(cands, title, weights)
    chosen: list[int] = []
    budget = max_words
    good_opener_fits = any(c.words <= budget and not scores.bad_opener(i) for i, c in enumerate(cands))
    while len(chosen) < max_sentences:
        redundancies = scores.redundancies(chosen)
        best, best_value = scores.best_fitting(chosen, budget, good_opener_fits, redundancies)
        if best < 0:
            break
        left_out = scores.best_unfitting(chosen, budget, redundancies) if chosen else -math.inf
        if best_value < left_out - weights.filler_margin:
            break  # a weak filler adds words but less than the sentence the budget had to leave out
        chosen.append(best)
        budget -= cands[best].words
    if not chosen:
        return min(cands, key=lambda c: (c.words, c.index)).text
    return " ".join(cands[i].text for i in sorted(chosen))
