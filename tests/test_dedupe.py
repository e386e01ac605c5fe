"""Cross-source dedupe: same canonical URL or near-identical title, keeping the richer copy."""

from dataclasses import replace
from datetime import timedelta

import pytest

from digest.dedupe import dedupe, title_key
from factories import article


def test_same_url_keeps_the_richer_copy():
    thin = replace(article(1, words=16, image=False), source="Aggregator", author=None)
    rich = replace(article(2, words=400), url=thin.url, source="Origin")
    kept, skipped = dedupe([thin, rich])
    assert kept == [rich]
    assert skipped[0].source == "Aggregator"
    assert skipped[0].reason == f"duplicate (same URL) of {rich.url} from Origin"


def test_near_identical_titles_across_sources():
    a = replace(article(1, words=80), title="Chipmaker opens new fab in Dresden", source="Wire")
    b = replace(article(2, words=400), title="Chipmaker Opens New Fab in Dresden!", source="Blog")
    c = replace(article(3), title="Chipmaker opens a new fab in Dresden", source="Radio")
    other = replace(article(4), title="Chipmaker closes old fab in Austin")
    kept, skipped = dedupe([a, b, c, other])
    assert [k.id for k in kept] == ["a002", "a004"]
    assert sorted(s.source for s in skipped) == ["Radio", "Wire"]
    assert all("near-identical title" in s.reason for s in skipped)


def test_same_title_far_apart_or_short_is_not_a_duplicate():
    first = replace(article(1), title="Weekly links and notes")
    later = replace(article(2), title="Weekly links and notes", published=first.published + timedelta(days=8))
    short_a, short_b = replace(article(3), title="Update"), replace(article(4), title="Update")
    kept, skipped = dedupe([first, later, short_a, short_b])
    assert len(kept) == 4 and skipped == []


def test_ties_keep_the_first_given_and_order_is_stable():
    a, b = article(1), replace(article(2), url=article(1).url)
    kept, _ = dedupe([article(5), a, b])
    assert [k.id for k in kept] == ["a005", "a001"]


def test_title_key_folds_accents_case_and_punctuation():
    assert title_key("Café — “Crème”, Brûlée!") == "cafe creme brulee"


def test_titles_differing_in_a_number_are_different_stories():
    a = replace(article(1), title="Story number 1 about news")
    b = replace(article(2), title="Story number 2 about news")
    kept, skipped = dedupe([a, b])
    assert len(kept) == 2 and skipped == []


def test_many_titles_from_a_small_vocabulary_are_not_merged():
    # 3,000 distinct titles built from a small vocabulary: blocking keeps the pairs bounded.
    words = ["chip", "cloud", "phone", "bank", "robot", "satellite", "drone", "battery", "server", "model"]
    items = [
        replace(
            article(i),
            url=f"https://x.example/{i}",
            title=f"{words[i % 10]} {words[(i // 10) % 10]} {words[(i // 100) % 10]} report {i}",
        )
        for i in range(3000)
    ]
    kept, skipped = dedupe(items)
    assert len(kept) == 3000 and skipped == []


def _titles(rng, vocab: list[str], count: int, near: float, most_words: int) -> list[str]:
    """Random titles of `vocab` words; a share `near` of them an earlier title with one word added."""
    titles: list[str] = []
    for _ in range(count):
        if titles and rng.random() < near:
            words = rng.choice(titles).split()
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocab))
            titles.append(" ".join(words))
        else:
            titles.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(1, most_words))))
    return titles


def test_candidate_pairs_hold_every_pair_of_near_identical_titles():
    from difflib import SequenceMatcher
    from random import Random

    from digest.dedupe import _similar, candidate_pairs

    rng = Random(5)
    vocab = ["the", "of", "a", "new", "café", "2024", "two", "ii"]
    vocab += ["".join(rng.choice("bdgkmnst") + rng.choice("aeiou") for _ in range(3)) for _ in range(150)]
    keys = [title_key(t) for t in _titles(rng, vocab, 500, near=0.5, most_words=9)]
    pairs = candidate_pairs(keys)
    assert pairs == sorted(set(pairs))
    # Every pair that shares a word of 4+ letters used by few titles and that _similar accepts.
    users: dict[str, int] = {}
    for key in keys:
        for token in set(key.split()):
            users[token] = users.get(token, 0) + 1
    matcher = SequenceMatcher(None, autojunk=False)
    similar = []
    for i in range(len(keys)):
        matcher.set_seq2(keys[i])
        a = frozenset(keys[i].split())
        for j in range(i + 1, len(keys)):
            b = frozenset(keys[j].split())
            if any(len(t) >= 4 and users[t] <= 64 for t in a & b) and _similar(keys[i], keys[j], a, b, matcher):
                similar.append((i, j))
    assert similar and set(similar) <= set(pairs)


@pytest.mark.parametrize("marked", [1024, 2, 0])
def test_candidate_pairs_are_exactly_the_block_pairs_within_the_length_and_word_bounds(monkeypatch, marked):
    from random import Random

    import digest.dedupe
    from digest.dedupe import MAX_BLOCK, MIN_TITLE_CHARS, TITLE_SIMILARITY, candidate_pairs

    # Few marked words leave the shared-word count to the bounds and, where they cannot decide, to sets.
    monkeypatch.setattr(digest.dedupe, "MARKED_WORDS", marked)
    rng = Random(11)
    vocab = ["the", "of", "a", "to", "new", "2024", "ii", "café"]
    vocab += ["".join(rng.choice("bdgkm") + rng.choice("aeiou") for _ in range(rng.randint(1, 3))) for _ in range(60)]
    keys = [title_key(t) for t in _titles(rng, vocab, 400, near=0.6, most_words=12)]
    sets = [frozenset(key.split()) for key in keys]
    users: dict[str, int] = {}
    for words in sets:
        for word in words:
            users[word] = users.get(word, 0) + 1
    expected = []
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            shorter, longer = sorted((len(keys[i]), len(keys[j])))
            if (
                any(len(w) >= 4 and users[w] <= MAX_BLOCK for w in sets[i] & sets[j])
                and shorter >= MIN_TITLE_CHARS
                and 2 * shorter >= TITLE_SIMILARITY * (shorter + longer)
                and 3 * len(sets[i] & sets[j]) >= len(sets[i]) + len(sets[j])
            ):
                expected.append((i, j))
    assert len(expected) > 100
    assert candidate_pairs(keys) == expected
    assert candidate_pairs(keys, sets) == expected
