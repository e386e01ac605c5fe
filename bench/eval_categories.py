"""Auto-categorization accuracy on the BBC News set, labels hidden for a held-out part.

Reads ../shared/eval/bbc_news_summary.jsonl (relative to the repository root). Stories are split
into train and test with a fixed seed; a story and its repeats (`duplicate_of`) always land on the
same side, so no test story was seen in training. Prints the accuracy of the TF-IDF nearest-centroid
classifier (also when trained on only a few labelled articles, as in one week's issue), of editor-style
keywords per section, and of keywords first with the classifier for the rest.

    .venv/bin/python bench/eval_categories.py [--test-share 0.2] [--seed 6]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # measure one core, as the targets are stated
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.classify import keyword_section, train  # noqa: E402

CONFIDENT = 0.5
DATA_FILE = ROOT.parent / "shared" / "eval" / "bbc_news_summary.jsonl"

# What an editor might configure under [sections.keywords]: a dozen obvious words per section.
KEYWORDS = {
    "sport": (
        "match",
        "cup",
        "coach",
        "champion",
        "championship",
        "league",
        "striker",
        "olympic",
        "tournament",
        "rugby",
        "football",
        "tennis",
        "cricket",
        "goal",
    ),
    "politics": (
        "election",
        "minister",
        "labour",
        "tory",
        "tories",
        "parliament",
        "mps",
        "blair",
        "howard",
        "government",
        "party",
        "vote",
        "campaign",
    ),
    "business": (
        "shares",
        "profit",
        "profits",
        "economy",
        "market",
        "bank",
        "firm",
        "sales",
        "investors",
        "growth",
        "prices",
        "company",
        "deal",
    ),
    "tech": (
        "software",
        "computer",
        "internet",
        "online",
        "mobile",
        "technology",
        "broadband",
        "users",
        "digital",
        "games",
        "phone",
        "web",
        "virus",
    ),
    "entertainment": (
        "film",
        "music",
        "band",
        "album",
        "actor",
        "actress",
        "show",
        "singer",
        "award",
        "awards",
        "festival",
        "chart",
        "star",
        "tv",
    ),
}


def load(path: Path) -> list[dict]:
    """Every story of the set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def split(items: list[dict], test_share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Train and test lists; a story and its repeats are kept on one side."""
    by_id = {item["id"]: item for item in items}

    def root(item: dict) -> str:
        seen = set()
        while item.get("duplicate_of") and item["duplicate_of"] in by_id and item["id"] not in seen:
            seen.add(item["id"])
            item = by_id[item["duplicate_of"]]
        return item["id"]

    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(root(item), []).append(item)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    cut = round(len(keys) * test_share)
    test = [item for key in keys[:cut] for item in groups[key]]
    train_items = [item for key in keys[cut:] for item in groups[key]]
    return train_items, test


def body(item: dict) -> str:
    """The story without its first line, which the set also gives as the title."""
    text = item["text"]
    return text[len(item["title"]) :] if text.startswith(item["title"]) else text


def accuracy(predicted: list[str | None], items: list[dict]) -> float:
    """Share of items whose prediction equals the label, in percent."""
    return 100 * sum(p == item["category"] for p, item in zip(predicted, items, strict=True)) / max(1, len(items))


def main(argv: list[str] | None = None) -> int:
    """Train, predict the held-out part, print accuracies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test-share", type=float, default=0.2, help="share of stories whose label is hidden")
    parser.add_argument("--seed", type=int, default=6, help="seed of the train/test split")
    args = parser.parse_args(argv)
    if not DATA_FILE.is_file():
        print(f"eval data not found at {DATA_FILE}; nothing to measure (this benchmark needs ../shared/eval)")
        return 0
    items = load(DATA_FILE)
    train_items, test = split(items, args.test_share, args.seed)
    print(f"# digest categorization benchmark, {time.strftime('%Y-%m-%d')}, data: {DATA_FILE}")
    print(
        f"{len(items)} stories, {len(train_items)} labelled for training, {len(test)} held out "
        f"(seed {args.seed}; repeats kept on one side)\n"
    )

    start = time.perf_counter()
    model = train((item["title"], body(item), item["category"]) for item in train_items)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    predictions = [model.predict(item["title"], body(item)) for item in test]
    rate = len(test) / (time.perf_counter() - start)
    labels = [label for label, _ in predictions]
    print(
        f"classifier, {len(train_items)} training stories: accuracy {accuracy(labels, test):.1f}% "
        f"(trained in {train_s:.2f} s, {rate:.0f} predictions/s)"
    )
    confident = [(label, item) for (label, conf), item in zip(predictions, test, strict=True) if conf >= CONFIDENT]
    print(
        f"  with confidence >= {CONFIDENT}: {100 * len(confident) / len(test):.0f}% of stories, "
        f"accuracy {accuracy([c[0] for c in confident], [c[1] for c in confident]):.1f}%"
    )

    rng = random.Random(args.seed)
    for size in (25, 50, 100, 250):
        scores = []
        for _ in range(5):
            sample = rng.sample(train_items, size)
            small = train((item["title"], body(item), item["category"]) for item in sample)
            scores.append(accuracy([small.predict(item["title"], body(item))[0] for item in test], test))
        print(
            f"classifier, {size:4} training stories: median accuracy {statistics.median(scores):.1f}% "
            f"(5 random samples, min {min(scores):.1f}%)"
        )

    by_keyword = [keyword_section(item["title"], body(item), KEYWORDS) for item in test]
    matched = [(k, item) for k, item in zip(by_keyword, test, strict=True) if k is not None]
    print(
        f"\nkeywords ({sum(len(v) for v in KEYWORDS.values())} configured): match "
        f"{100 * len(matched) / len(test):.0f}% of stories, accuracy on those "
        f"{accuracy([m[0] for m in matched], [m[1] for m in matched]):.1f}%, "
        f"overall {accuracy(by_keyword, test):.1f}%"
    )
    combined = [k if k is not None else label for k, label in zip(by_keyword, labels, strict=True)]
    print(f"keywords first, classifier for the rest: accuracy {accuracy(combined, test):.1f}%")
    combined = [
        label if conf >= CONFIDENT or k is None else k for (label, conf), k in zip(predictions, by_keyword, strict=True)
    ]
    print(f"classifier when confidence >= {CONFIDENT}, else keywords: accuracy {accuracy(combined, test):.1f}%")

    print("\nkeywords first vs. by confidence (digest's order), by how many labelled stories the issue has:")
    rng = random.Random(args.seed + 1)
    for size in (10, 25, 50, 100, len(train_items)):
        firsts, confident_first = [], []
        for _ in range(5 if size < len(train_items) else 1):
            sample = rng.sample(train_items, size) if size < len(train_items) else train_items
            small = train((item["title"], body(item), item["category"]) for item in sample)
            guesses = [small.predict(item["title"], body(item)) for item in test]
            firsts.append(
                accuracy([k if k is not None else g for k, (g, _) in zip(by_keyword, guesses, strict=True)], test)
            )
            trusted = size >= 50  # digest.group.TRUSTED_TRAINING
            confident_first.append(
                accuracy(
                    [
                        g if (c >= CONFIDENT and trusted) or k is None else k
                        for k, (g, c) in zip(by_keyword, guesses, strict=True)
                    ],
                    test,
                )
            )
        print(
            f"  {size:5} labelled: keywords first {statistics.median(firsts):.1f}%, "
            f"digest (by confidence from 50 on) {statistics.median(confident_first):.1f}%"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
