"""Auto-categorization: configured keywords per section, and a TF-IDF nearest-centroid classifier.

The classifier is trained on the issue's own articles that do have a category and
predicts one for those that don't. Each label's centroid is the normalized mean of
its examples' TF-IDF vectors (log term frequency, title words counted twice); an
article goes to the centroid with the highest cosine similarity. Confidence is the
softmax of the similarities (temperature CONFIDENCE_SHARPNESS), in [0, 1].
Words are lower-cased word tokens of any script; terms seen in fewer than
MIN_DF training documents are ignored, so one-off names don't decide a label, and so
are terms in more than half of them (function words, in any language).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, filterfalse, repeat

import numpy as np

from digest.sentences import words

MIN_DF = 2  # from SMALL_TRAINING examples on; below it every term counts
SMALL_TRAINING = 50
MAX_DF_SHARE = 0.5  # terms in more than half the examples (function words) say nothing about a topic
IDF_FLOOR = 0.1
TITLE_WEIGHT = 2
CONFIDENCE_SHARPNESS = 50.0  # measured on BBC: >= 0.5 covers 95% of stories at ~99% accuracy
# Tokens too common or too short to carry a topic; the IDF handles the rest.
_MIN_TOKEN_CHARS = 2

Counted = tuple[np.ndarray, np.ndarray]  # one document's term ids (into a Terms table) and their counts


def _usable(term: str) -> bool:
    """True for a term the vocabulary may hold: not too short, not a number."""
    return len(term) >= _MIN_TOKEN_CHARS and not term.isdigit()


def _terms(title: str, text: str) -> Counter[str]:
    """Counts of the article's word tokens (sentences.words), title words counted TITLE_WEIGHT times more.

    Whitespace-separated chunks are counted first, in C: a chunk of letters and digits only is one
    token as it stands, so only the other chunks, each written as often as it occurs (joined in C),
    go through the word pattern (which never matches across white space). Short and numeric tokens
    stay in: no vocabulary keeps them.
    """
    counts: Counter[str] = Counter(text.lower().split())
    odd = list(filterfalse(str.isalnum, counts))
    if odd:
        counts.update(words(" ".join(chain.from_iterable(map(repeat, odd, map(counts.pop, odd))))))
    counts.update(words(title) * TITLE_WEIGHT)  # each title word TITLE_WEIGHT more times, in C
    return counts


class _TermIds(dict[str, int]):
    """Term -> id, a new term getting the next id when first looked up."""

    def __missing__(self, term: str) -> int:
        index = self[term] = len(self)
        return index


class Terms:
    """Documents' term counts as arrays of ids into one shared table of terms.

    A text is tokenized once and its two small arrays (smaller than the text) serve training and
    prediction alike.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = _TermIds()

    def count(self, title: str, text: str) -> Counted:
        """The document's term ids and counts (title words weighted), new terms added to the table."""
        counts = _terms(title, text)
        ids = np.fromiter(map(self.ids.__getitem__, counts), np.int32, len(counts))
        return ids, np.fromiter(counts.values(), np.int32, len(counts))


_LOG_TF = np.array([0.0] + [1.0 + math.log(n) for n in range(1, 1024)])  # by math.log: numpy's may differ


def _log_tf(counts: np.ndarray) -> np.ndarray:
    """1 + log(count) for each count, the value math.log gives (numpy's log may differ in the last bit)."""
    if counts.size and counts.max() >= len(_LOG_TF):
        return np.array([1.0 + math.log(n) for n in counts.tolist()])
    return _LOG_TF[counts]


def _unit_vector(columns: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Unit-length vector over a vocabulary of `size` terms with `weights` at `columns`."""
    vec = np.zeros(size)
    vec[columns] = weights
    norm = math.sqrt(np.einsum("i,i->", vec, vec))  # einsum: no BLAS thread pool for small work
    return vec / norm if norm else vec


@dataclass(frozen=True)
class Classifier:
    """A trained nearest-centroid model: vocabulary, IDF weights and one unit centroid per label.

    `columns` maps the ids of the Terms table it was trained from to vocabulary columns (-1: none).
    """

    labels: tuple[str, ...]
    vocabulary: Mapping[str, int]
    idf: np.ndarray
    centroids: np.ndarray  # labels x vocabulary, rows of unit length
    columns: np.ndarray

    def vector(self, title: str, text: str) -> np.ndarray:
        """The article's unit TF-IDF vector (1 + log tf) over the classifier's vocabulary."""
        found = [(self.vocabulary[t], n) for t, n in _terms(title, text).items() if t in self.vocabulary]
        columns = np.array([c for c, _ in found], dtype=np.intp)
        counts = np.array([n for _, n in found], dtype=np.int64)
        return self._unit(columns, counts)

    def _unit(self, columns: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The unit TF-IDF vector of term counts at vocabulary columns."""
        return _unit_vector(columns, _log_tf(counts) * self.idf[columns], len(self.vocabulary))

    def predict(self, title: str, text: str) -> tuple[str | None, float]:
        """The most likely label and a confidence in [0, 1]; (None, 0.0) if nothing is known."""
        return self._closest(self.vector(title, text)) if self.labels else (None, 0.0)

    def predict_counted(self, counted: Counted) -> tuple[str | None, float]:
        """predict() for a document counted by the Terms table the classifier was trained from."""
        if not self.labels:
            return None, 0.0
        ids, counts = counted
        known = ids < len(self.columns)  # terms first seen after training are in no vocabulary
        columns = self.columns[ids[known]]
        found = columns >= 0
        return self._closest(self._unit(columns[found], counts[known][found]))

    def _closest(self, vec: np.ndarray) -> tuple[str | None, float]:
        """The label of the centroid nearest a unit vector and the softmax confidence."""
        if not vec.any():
            return None, 0.0
        sims = np.einsum("ij,j->i", self.centroids, vec)  # no BLAS threads for one small product
        weights = np.exp(CONFIDENCE_SHARPNESS * (sims - sims.max()))
        best = int(np.argmax(sims))
        return self.labels[best], float(weights[best] / weights.sum())


def train(examples: Iterable[tuple[str, str, str]]) -> Classifier:
    """Build a classifier from (title, text, label) examples; labels keep first-seen order."""
    terms = Terms()
    return train_counted(terms, ((terms.count(title, text), label) for title, text, label in examples if label))


def train_counted(terms: Terms, examples: Iterable[tuple[Counted, str]]) -> Classifier:
    """Build a classifier from (counted document, label) examples of one Terms table.

    Each document is a sparse vector: IDF weights, norms and centroid sums are computed on its
    terms only, in the order and with the operations a dense vector would get (zeros add nothing),
    so the model is the same to the last bit.
    """
    docs = [(counted, label) for counted, label in examples if label]
    count = len(docs)
    labels: dict[str, int] = {}
    rows = [labels.setdefault(label, len(labels)) for _, label in docs]
    df = np.bincount(np.concatenate([ids for (ids, _), _ in docs]), minlength=len(terms.ids)) if docs else None
    doc_freq = [0] * len(terms.ids) if df is None else df.tolist()
    min_df = MIN_DF if count >= SMALL_TRAINING else 1
    kept = sorted(
        t
        for t, i in terms.ids.items()
        if min_df <= doc_freq[i] and (doc_freq[i] <= MAX_DF_SHARE * count or count < 2) and _usable(t)
    )
    vocabulary = {term: i for i, term in enumerate(kept)}
    idf = np.array([math.log((1 + count) / (1 + doc_freq[terms.ids[t]])) + IDF_FLOOR for t in kept])
    columns = np.full(len(terms.ids), -1, dtype=np.intp)
    columns[[terms.ids[t] for t in kept]] = np.arange(len(kept))
    centroids = np.zeros((len(labels), len(vocabulary)))
    dense = np.zeros(len(vocabulary))
    for ((ids, counts), _), row in zip(docs, rows, strict=True):
        at = columns[ids]
        found = at >= 0
        at = at[found]
        weights = _log_tf(counts[found]) * idf[at]
        dense[at] = weights
        norm = math.sqrt(np.einsum("i,i->", dense, dense))  # the dense vector's own sum, bit for bit
        dense[at] = 0.0
        if norm:
            centroid = centroids[row]  # a view: indexing one row is cheaper than indexing (row, columns)
            centroid[at] += weights / norm
    norms = np.sqrt(np.einsum("ij,ij->i", centroids, centroids))[:, None]
    norms[norms == 0] = 1.0
    return Classifier(tuple(labels), vocabulary, idf, centroids / norms, columns)


@lru_cache(maxsize=256)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A whole-word (or whole-phrase) case-insensitive pattern for one keyword."""
    phrase = r"\s+".join(re.escape(part) for part in keyword.split())
    return re.compile(rf"(?<!\w){phrase}(?!\w)", re.I)


def keyword_section(title: str, text: str, keywords: Mapping[str, tuple[str, ...]]) -> str | None:
    """The section whose configured keywords occur most (title hits count 3x); None if none occur.

    Ties go to the section configured first.
    """
    best, best_score = None, 0
    for section, terms in keywords.items():
        score = 0
        for keyword in terms:
            if not keyword.strip():
                continue
            pattern = _keyword_pattern(keyword.strip())
            score += 3 * len(pattern.findall(title)) + len(pattern.findall(text))
        if score > best_score:
            best, best_score = section, score
    return best
