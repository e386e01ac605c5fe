"""Cross-source dedupe: one story syndicated by several sources appears once, the richest copy kept."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from digest.links import identity_url
from digest.models import Article, Identity, Skip
from digest.normalize import body_word_count

if TYPE_CHECKING:
    import numpy as np

TITLE_SIMILARITY = 0.9  # SequenceMatcher ratio of normalized titles counted as "near-identical"
SAME_STORY_SPAN = timedelta(days=7)  # titles further apart than this are different stories
MAX_BLOCK = 64  # a word shared by more titles than this is too common to find duplicates by
MIN_TITLE_CHARS = 12  # short titles ("Update", "Links") repeat without being the same story

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Words that are numbers: "Day Four" and "Day Five", "Part II" and "Part III" are different stories.
NUMBER_WORDS = frozenset(
    {
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "twentieth",
        "hundredth",
        "thousandth",
        "ii",
        "iii",
        "iv",
        "vi",
        "vii",
        "viii",
        "ix",
        "xi",
        "xii",
        "xiii",
        "xiv",
        "xv",
        "xvi",
        "xvii",
        "xviii",
        "xix",
        "xx",
    }
)


def title_key(title: str) -> str:
    """A title folded for comparison: no accents, case, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", title)
    # ASCII has no combining marks: most titles skip the character loop.
    stripped = decomposed if decomposed.isascii() else "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def richness(article: Article) -> tuple[int, int]:
    """How much a copy carries: body words (capped) plus points for image, author, categories, excerpt."""
    words = min(body_word_count(article.content_html), 1500)
    score = words + (150 if article.image else 0) + (60 if article.author else 0)
    score += 25 * min(len(article.categories), 4) + (20 if article.excerpt else 0)
    return score, article.priority


def _similar(a: str, b: str, tokens_a: frozenset[str], tokens_b: frozenset[str], matcher: SequenceMatcher) -> bool:
    """True for near-identical title keys; `matcher` already holds `a` as its second sequence."""
    if a == b:
        return len(a) >= MIN_TITLE_CHARS
    shorter, longer = sorted((len(a), len(b)))
    if shorter < MIN_TITLE_CHARS or 2 * shorter < TITLE_SIMILARITY * (shorter + longer):
        return False  # the length bound: no alignment of such lengths reaches the ratio
    differing = tokens_a ^ tokens_b
    # Near-identical titles share most of their words; this skips the costly character match for the rest.
    if len(differing) > len(tokens_a & tokens_b):
        return False
    # Titles that differ in a number ("Part 1" / "Part 2", "5% rise" / "7% rise", "Day Four" / "Day Five")
    # are different stories.
    if any(token in NUMBER_WORDS or any(ch.isdigit() for ch in token) for token in differing):
        return False
    matcher.set_seq1(b)
    return matcher.quick_ratio() >= TITLE_SIMILARITY and matcher.ratio() >= TITLE_SIMILARITY


def candidate_pairs(keys: Sequence[str], words: Sequence[frozenset[str]] | None = None) -> list[tuple[int, int]]:
    """Sorted pairs of titles worth comparing: sharing a word of 4+ letters that few titles use, near in length and words.

    Near-identical titles share most of their words, so comparing only within these blocks
    keeps dedupe close to linear instead of comparing every pair. The pairs are made and sifted in
    numpy: those that _similar's length bound or shared-word bound would turn down are left out, as
    comparing them could only say "different" (a generated 10,000-title week has half a million pairs).
    `words` holds each key's set of words when the caller has made them.
    """
    words = [frozenset(key.split()) for key in keys] if words is None else words
    index = {word: i for i, word in enumerate(dict.fromkeys(chain.from_iterable(words)))}
    if not any(len(word) >= 4 for word in index):
        return []
    import numpy as np  # imported here, when there may be pairs: not when digest starts

    sizes = np.fromiter(map(len, words), np.int64, len(words))
    flat = np.fromiter(map(index.__getitem__, chain.from_iterable(words)), np.int64, int(sizes.sum()))
    owner = np.repeat(np.arange(len(words)), sizes)  # the title of each word in `flat`, ascending
    users = np.bincount(flat, minlength=len(index))  # how many titles hold each word
    blocking = (np.fromiter(map(len, index), np.int64, len(index)) >= 4) & (users > 1) & (users <= MAX_BLOCK)
    if not blocking.any():
        return []
    lengths = np.fromiter(map(len, keys), np.int64, len(keys))
    held = blocking[flat]
    # Sorted, each pair once, with the number of blocks it came from: the blocking words the two share.
    # Not np.unique: it imports numpy.ma (about 10 ms of every build's start) to ask whether the array is
    # masked; sorting and counting the runs gives the same pairs and counts.
    codes, shared = _counted(_near_pairs(flat[held], owner[held], users, lengths))
    first_of, second_of = np.divmod(codes, len(keys))
    # _similar's word bound: the words two titles share must outnumber the ones they don't.
    need = sizes[first_of] + sizes[second_of]
    common, unsure_common = _shared_others(flat, owner, users, blocking, (first_of, second_of), len(words))
    keep = 3 * (shared + common) >= need
    for p in np.flatnonzero(~keep & (3 * (shared + common + unsure_common) >= need)).tolist():
        i, j = int(first_of[p]), int(second_of[p])
        keep[p] = 3 * len(words[i] & words[j]) >= need[p]  # the bounds could not decide: count them
    return list(zip(first_of[keep].tolist(), second_of[keep].tolist(), strict=True))


def _near_pairs(word: np.ndarray, title: np.ndarray, users: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Codes (first * titles + second) of the pairs in each word's block whose lengths _similar could accept.

    `word` and `title` list each blocking word a title holds, titles ascending. Blocks of one size are
    paired at once, as rows of a matrix; a pair comes once per blocking word the two titles share.
    """
    import numpy as np

    order = np.argsort(word, kind="stable")  # each block's titles together, still ascending
    word, title = word[order], title[order]
    size = users[word]
    chunks = []
    for block_size in sorted(set(size.tolist())):  # not np.unique: see _counted
        members = title[size == block_size].reshape(-1, block_size)
        first, second = _pair_indices(block_size)
        a, b = members[:, first].ravel(), members[:, second].ravel()
        shorter, longer = np.minimum(lengths[a], lengths[b]), np.maximum(lengths[a], lengths[b])
        near = (shorter >= MIN_TITLE_CHARS) & (2 * shorter >= TITLE_SIMILARITY * (shorter + longer))
        chunks.append(a[near] * len(lengths) + b[near])
    return np.concatenate(chunks)


MARKED_WORDS = 1024  # other words counted by bit masks (16 64-bit words per title); the rest are bounded


def _shared_others(
    flat: np.ndarray,
    owner: np.ndarray,
    users: np.ndarray,
    blocking: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    titles: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the other words both titles hold, counted by bit masks, and at most how many more they share.

    Two titles share a word either as a blocking word (the pair came from its block) or as an other
    word: short or common, held by 2+ titles. The MARKED_WORDS commonest other words get a bit each,
    so their shared ones are counted exactly; of the rest, the two share at most as many as the title
    with fewer holds.
    """
    import numpy as np

    first, second = pairs
    other = (users > 1) & ~blocking
    candidates = np.flatnonzero(other)
    ranked = candidates[np.argsort(-users[candidates], kind="stable")][:MARKED_WORDS]
    bit = np.full(len(users), -1, dtype=np.int64)
    bit[ranked] = np.arange(len(ranked))
    at = bit[flat]
    marked = at >= 0
    width = max(1, -(-len(ranked) // 64))
    masks = np.zeros((width, titles), dtype=np.uint64)  # one row per 64 words: each title's bits in a row
    ones = np.left_shift(np.uint64(1), (at[marked] & 63).astype(np.uint64))
    np.bitwise_or.at(masks, (at[marked] >> 6, owner[marked]), ones)
    rest = np.bincount(owner[other[flat] & ~marked], minlength=titles)
    common = np.zeros(len(first), dtype=np.int64)
    for row in masks:
        common += _popcount(row[first] & row[second])
    return common, np.minimum(rest[first], rest[second])


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each 64-bit value."""
    import numpy as np

    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(values)
    byte_bits = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.int64)
    return byte_bits[values.view(np.uint8)].reshape(len(values), 8).sum(axis=1)


@lru_cache(maxsize=MAX_BLOCK + 1)
def _pair_indices(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (x, y), x < y, of every pair in a block of `size` titles, in row order."""
    import numpy as np

    first, second = np.triu_indices(size, 1)
    return first, second


def _own_posts(a: Article, b: Article, ia: Identity, ib: Identity) -> bool:
    """True for two posts of one source, one of them title-less, with different words: two posts, whatever their link.

    Microblogs reuse an anchor (and guid) for a later note on the same day.
    """
    return a.source == b.source and (ia.title_made or ib.title_made) and a.title != b.title


def identity(article: Article) -> Identity:
    """The article's identity: the one its source gave, else the canonical form of its link."""
    return article.identity or Identity(url=identity_url(article.url))


def dedupe(articles: Sequence[Article]) -> tuple[list[Article], list[Skip]]:
    """Drop duplicates (same canonical URL, or near-identical title within a week), keeping the richest.

    Inside one source, items with different guids are different items whatever their links or titles,
    a made-up title (a title-less item's first words) matches nothing, and a link that is only the
    site's home page identifies nothing.
    """
    ids = [identity(a) for a in articles]
    parent = list(range(len(articles)))
    why: dict[int, str] = {}
    # Per group: each source's guids in it; two groups holding different guids of one source never merge.
    guids: dict[int, dict[str, set[str]]] = {
        i: ({a.source: {ids[i].guid}} if ids[i].guid else {}) for i, a in enumerate(articles)
    }

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int, reason: str) -> None:
        ri, rj = root(i), root(j)
        if ri == rj:
            return
        a, b = guids[ri], guids[rj]
        if any(source in b and a[source] != b[source] for source in a):
            return  # one source says these are different items
        keep, gone = min(ri, rj), max(ri, rj)
        parent[gone] = keep
        merged = {source: set(found) for source, found in guids[keep].items()}
        for source, found in guids.pop(gone).items():
            merged.setdefault(source, set()).update(found)
        guids[keep] = merged
        why.setdefault(j, reason)
        why.setdefault(i, reason)

    first_by_url: dict[str, list[int]] = {}
    for i, ident in enumerate(ids):
        if not ident.url:
            continue
        for earlier in first_by_url.get(ident.url, []):
            if _own_posts(articles[earlier], articles[i], ids[earlier], ident):
                continue
            join(earlier, i, "same URL")
        first_by_url.setdefault(ident.url, []).append(i)
    keys = [title_key(a.title) for a in articles]
    tokens = [frozenset(key.split()) for key in keys]
    matcher, current = SequenceMatcher(None, autojunk=False), -1
    for i, j in candidate_pairs(keys, tokens):  # sorted by i, so each title's match table is built once
        if ids[i].title_made or ids[j].title_made:
            continue
        if root(i) == root(j) or abs(articles[i].published - articles[j].published) > SAME_STORY_SPAN:
            continue
        if i != current:
            matcher.set_seq2(keys[i])
            current = i
        if _similar(keys[i], keys[j], tokens[i], tokens[j], matcher):
            join(i, j, "near-identical title")
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        groups.setdefault(root(i), []).append(i)
    keep: set[int] = set()
    skipped: list[Skip] = []
    for members in groups.values():
        if len(members) == 1:
            keep.add(members[0])
            continue
        # Richest first; ties keep the earliest given (sources are in configured order).
        best = max(members, key=lambda i: (richness(articles[i]), -i))
        keep.add(best)
        winner = articles[best]
        for i in members:
            if i != best:
                dup = articles[i]
                skipped.append(
                    Skip(
                        dup.source,
                        dup.title or dup.url,
                        f"duplicate ({why.get(i, 'same story')}) of {winner.url} from {winner.source}",
                    )
                )
    return [a for i, a in enumerate(articles) if i in keep], skipped


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, ascending, and how often each occurs (np.unique's return_counts)."""
    import numpy as np

    ordered = np.sort(values)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(ordered) else ordered
    return ordered[starts], np.diff(np.append(starts, len(ordered)))
