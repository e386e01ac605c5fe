"""Summary quality and speed: ROUGE F1 of digest's summarizer against Lead-k and sumy, same items, one run.

Reads ../shared/eval/frank_cnndm_xsum.jsonl (relative to the repository root) and prints, per data
set and budget, ROUGE-1/2/Lsum F1 x100 (rouge-score, stemming on), articles per second (median of
--repeat timed passes, one core) and peak traced memory of each method.

    .venv/bin/python bench/eval_summaries.py [--limit N] [--repeat 3]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # measure one core, as the targets are stated
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import gc
import json
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.extractive import summarize  # noqa: E402
from digest.sentences import split_sentences, word_count  # noqa: E402

EVAL_DIR = ROOT.parent / "shared" / "eval"
DATA_FILE = EVAL_DIR / "frank_cnndm_xsum.jsonl"
NO_BUDGET = 10_000  # "3-sentence budget" runs put no cap on words

Method = Callable[[str], list[str]]


def load(path: Path) -> dict[str, list[dict]]:
    """Items grouped by data set ("cnndm", "xsum")."""
    groups: dict[str, list[dict]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            groups.setdefault(item["category"], []).append(item)
    return groups


class OfflineTokenizer:
    """The tokenizer object sumy accepts, built on digest's offline splitter (no NLTK data)."""

    language = "english"
    _word = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

    def to_sentences(self, paragraph: str) -> list[str]:
        """Sentences of a paragraph."""
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        """Words of a sentence."""
        return self._word.findall(sentence)


def sumy_method(kind: str, count: int) -> Method:
    """A sumy LexRank or TextRank summarizer returning `count` sentences."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = OfflineTokenizer()

    def run(text: str) -> list[str]:
        parser = PlaintextParser.from_string(text, tokenizer)
        return [str(s) for s in summarizer(parser.document, count)]

    return run


def lead(count: int) -> Method:
    """The first `count` sentences."""
    return lambda text: split_sentences(text)[:count]


def lead_words(budget: int) -> Method:
    """The first `budget` words, cut wherever the budget ends (ROUGE does not mind a cut)."""
    return lambda text: [" ".join(text.split()[:budget])]


def lead_whole(budget: int) -> Method:
    """Leading whole sentences while they fit `budget` words (at least one)."""

    def run(text: str) -> list[str]:
        out, used = [], 0
        for sentence in split_sentences(text):
            if out and used + word_count(sentence) > budget:
                break
            out.append(sentence)
            used += word_count(sentence)
        return out

    return run


def ours(max_words: int, max_sentences: int) -> Method:
    """digest.extractive.summarize on the article as one paragraph (these sets have no titles)."""
    return lambda text: split_sentences(summarize("", [text], max_words=max_words, max_sentences=max_sentences))


def rouge(items: list[dict], outputs: list[list[str]]) -> tuple[float, float, float]:
    """Mean ROUGE-1, ROUGE-2, ROUGE-Lsum F1 x100 of the outputs against the references."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = [0.0, 0.0, 0.0]
    for item, sentences in zip(items, outputs):
        reference = "\n".join(split_sentences(item["reference_summary"]))
        scores = scorer.score(reference, "\n".join(sentences))
        for k, name in enumerate(("rouge1", "rouge2", "rougeLsum")):
            totals[k] += scores[name].fmeasure
    return tuple(100 * t / len(items) for t in totals)  # type: ignore[return-value]


def measure(method: Method, texts: list[str], repeat: int) -> tuple[list[list[str]], float, float]:
    """Outputs, median articles/s over `repeat` passes, and peak traced memory (MiB) of one pass."""
    rates = []
    outputs: list[list[str]] = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        outputs = [method(t) for t in texts]
        rates.append(len(texts) / (time.perf_counter() - start))
    gc.collect()
    tracemalloc.start()
    for t in texts:
        method(t)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return outputs, statistics.median(rates), peak


def methods_for(budget: str) -> dict[str, Method]:
    """The methods compared under one budget: "3 sentences" or "60 words"."""
    if budget == "3 sentences":
        return {
            "digest extractive": ours(NO_BUDGET, 3),
            "Lead-1": lead(1),
            "Lead-2": lead(2),
            "Lead-3": lead(3),
            "sumy LexRank": sumy_method("lexrank", 3),
            "sumy TextRank": sumy_method("textrank", 3),
        }
    return {
        "digest extractive (<=2 sent.)": ours(60, 2),
        "digest extractive (<=3 sent.)": ours(60, 3),
        "Lead, whole sentences": lead_whole(60),
        "Lead, first 60 words (cut)": lead_words(60),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every method on every data set and print one table per data set and budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N items of each set")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per method (median is shown)")
    args = parser.parse_args(argv)
    if not DATA_FILE.is_file():
        print(f"eval data not found at {DATA_FILE}; nothing to measure (this benchmark needs ../shared/eval)")
        return 0
    split_sentences("Warm up. The splitter loads its model once.")
    groups = load(DATA_FILE)
    print(f"# digest summary benchmark, {time.strftime('%Y-%m-%d')}, data: {DATA_FILE}")
    for name in ("cnndm", "xsum"):
        items = groups.get(name, [])[: args.limit or None]
        if not items:
            continue
        texts = [item["text"] for item in items]
        for budget in ("3 sentences", "60 words"):
            print(f"\n## {name} ({len(items)} items), budget: {budget}")
            print(f"{'method':34} {'R-1':>6} {'R-2':>6} {'R-Lsum':>6} {'words':>6} {'art/s':>8} {'peak MiB':>9}")
            for label, method in methods_for(budget).items():
                outputs, rate, peak = measure(method, texts, args.repeat)
                r1, r2, rl = rouge(items, outputs)
                mean_words = statistics.mean(sum(word_count(s) for s in out) for out in outputs)
                print(f"{label:34} {r1:6.1f} {r2:6.1f} {rl:6.1f} {mean_words:6.1f} {rate:8.0f} {peak:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
