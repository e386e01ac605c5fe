"""Time and peak memory of the summarize and classify stages over generated articles (1,000 and 10,000).

The articles are generated here from a seeded random vocabulary (no real text is used): 4-12
paragraphs of 2-5 sentences, a byline and a share prompt, one of five topics, and a category on
70% of them. Stages measured:
  summarize - html_paragraphs + extractive summary (60 words, 2 sentences) of every article;
  classify  - train on the categorized articles, then predict the others.
Articles are produced lazily, so the peak traced memory shows what the stages themselves hold.

    .venv/bin/python bench/scale.py [--sizes 1000,10000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # measure one core, as the targets are stated
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gc
import itertools
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.classify import train  # noqa: E402
from digest.extractive import summarize  # noqa: E402
from digest.normalize import html_paragraphs  # noqa: E402

TOPICS = ("Science", "Markets", "Games", "Policy", "Health")
SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "de", "pa", "zu", "be", "no", "gi", "ha", "te")
Article = tuple[str, str, str | None]  # title, content HTML, category


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Distinct pseudo-words of two to four syllables."""
    out: set[str] = set()
    while len(out) < size:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def generate(count: int, seed: int = 7) -> Iterator[Article]:
    """`count` articles, deterministic for a seed, produced one at a time."""
    rng = random.Random(seed)
    common = vocabulary(rng, 3000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(common))))  # Zipf-like
    topical = {topic: vocabulary(rng, 80) for topic in TOPICS}

    def sentence(topic: str) -> str:
        n = rng.randint(8, 30)
        tokens = rng.choices(common, cum_weights=cumulative, k=n)
        for i in rng.sample(range(n), k=max(1, n // 5)):
            tokens[i] = rng.choice(topical[topic])
        return tokens[0].capitalize() + " " + " ".join(tokens[1:]) + "."

    for _ in range(count):
        topic = rng.choice(TOPICS)
        title = sentence(topic)[:-1]
        paragraphs = [
            "<p>By " + rng.choice(common).capitalize() + " " + rng.choice(common).capitalize() + "</p>",
            "<p>Share this article</p>",
        ]
        for _ in range(rng.randint(4, 12)):
            paragraphs.append("<p>" + " ".join(sentence(topic) for _ in range(rng.randint(2, 5))) + "</p>")
        yield title, "".join(paragraphs), topic if rng.random() < 0.7 else None


def summarize_stage(articles: Iterator[Article]) -> int:
    """Summarize every article; returns the words written (the summaries themselves are not kept,
    so the peak shows the stage's working memory, not its output of about 0.4 KB per article)."""
    return sum(len(summarize(title, html_paragraphs(html), 60, 2).split()) for title, html, _ in articles)


class Examples:
    """Training examples that can be read twice without being held in memory."""

    def __init__(self, make: Callable[[], Iterator[Article]]):
        self.make = make

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        return ((title, " ".join(html_paragraphs(html)), cat) for title, html, cat in self.make() if cat)


def classify_stage(make: Callable[[], Iterator[Article]]) -> list[str | None]:
    """Train on categorized articles, predict the uncategorized ones."""
    model = train(Examples(make))
    return [model.predict(title, " ".join(html_paragraphs(html)))[0] for title, html, cat in make() if not cat]


def run(stage: Callable[[], object], traced: bool = True) -> tuple[float, float]:
    """Seconds of one untraced run, and peak traced MiB of a second, traced run."""
    gc.collect()
    start = time.perf_counter()
    stage()
    seconds = time.perf_counter() - start
    gc.collect()
    if not traced:
        return seconds, 0.0
    tracemalloc.start()
    stage()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def main(argv: list[str] | None = None) -> int:
    """Measure each stage at each size and print time, rate and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    summarize("", ["Warm up. The sentence splitter loads its model once."])
    print(f"# digest scale benchmark, {time.strftime('%Y-%m-%d')}, generated articles (seed 7)")
    print(f"{'stage':10} {'articles':>9} {'seconds':>8} {'art/s':>8} {'us/art':>8} {'peak MiB':>9}")
    per_article: dict[str, list[float]] = {}
    for size in sizes:
        gen_seconds, _ = run(lambda: sum(1 for _ in generate(size)), traced=False)
        for name, stage in (
            ("summarize", lambda: summarize_stage(generate(size))),
            ("classify", lambda: classify_stage(lambda: generate(size))),
        ):
            seconds, peak = run(stage)
            # Generating the input is not the stage's work: subtract it (classify reads it three times).
            net = max(1e-9, seconds - gen_seconds * (3 if name == "classify" else 1))
            per_article.setdefault(name, []).append(net / size)
            print(f"{name:10} {size:9,} {net:8.2f} {size / net:8.0f} {1e6 * net / size:8.0f} {peak:9.2f}")
    if len(sizes) > 1:
        for name, values in per_article.items():
            print(
                f"{name}: time per article at {sizes[-1]:,} is {values[-1] / values[0]:.2f}x that at "
                f"{sizes[0]:,} (1.00x = linear growth)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
