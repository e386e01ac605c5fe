"""Summary quality and speed: digest's summarizer beside Lead on the same items, in one run.

Reads ../shared/eval/frank_cnndm_xsum.jsonl and bbc_news_summary.jsonl (relative to the repository
root). The default report covers every set (CNN/DM, XSum, BBC) in two layouts, as feeds deliver
text: one paragraph per sentence, and the whole article as one paragraph without breaks. For each it
prints ROUGE-1/2/Lsum F1 x100 (rouge-score, stemming on) of digest's summary (60 words, at most 2
sentences) beside Lead cut at the same word count item by item, and counts of summaries that open
badly (on a quote or a pronoun or connective: "He", "This", "But", ...) or carry captions, credits,
bylines, datelines, stamps or share prompts, beside the same counts for Lead's own first words.
It also prints the median time digest takes per article. `--half even|odd` keeps only the items
with an even or odd position in each set (rules are chosen on one half and reported on the other);
`--baseline REF` runs digest.extractive as it is at git REF (e.g. `main`) on the same items, in the
same run, for a before/after table. `--compare` adds the older tables: Lead-k, sumy, speed and memory
on CNN/DM and XSum.

    .venv/bin/python bench/eval_summaries.py [--limit N] [--half even|odd] [--baseline REF]
                                             [--compare [--repeat 3]]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # measure one core, as the targets are stated
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gc
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collections.abc import Callable

from extras import require

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.extractive import summarize  # noqa: E402
from digest.sentences import split_sentences, word_count  # noqa: E402

EVAL_DIR = ROOT.parent / "shared" / "eval"
DATA_FILE = EVAL_DIR / "frank_cnndm_xsum.jsonl"
BBC_FILE = EVAL_DIR / "bbc_news_summary.jsonl"
WORDS, SENTENCES = 60, 2  # the digest's default budget
# The checks below are the reader's view, independent of how digest.extractive decides.
BAD_OPENING = re.compile(
    r"^(?:[\"“‘«]|'(?!s\b)|(?:he|she|they|it|this|that|these|those|his|her|their|its|"
    r"but|and|or|so|yet|also|however|meanwhile|still|instead|then|there|here|such|him|them)\b)",
    re.I,
)
FURNITURE = re.compile(
    r"\bby \.|\bpublished: |\bupdated: |\blast updated\b|\bupdated \w{3,9} \d|photograph: |\bgetty images\b"
    r"|\(pictured\)|\bscroll down\b|\bshare this\b|\bcopy this link\b|\bcontinue reading\b|\[\.\.\.\]|\[…\]"
    r"|\bimage (?:copyright|caption)\b|\bmedia playback\b|\bclick here\b|<[a-z/][^>]*>|&[a-z]+;|\bsponsored by\b"
    r"|(?-i:^By [A-Z]|^[A-Z][A-Z.,']+(?: [A-Z][A-Z.,']+)*(?:, [A-Z][\w.]+(?: [A-Z][\w.]+)*)? ?[-—–]{1,2} )",
    re.I,
)
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
    for item, sentences in zip(items, outputs, strict=True):
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


def opens_badly(summary: str) -> bool:
    """True when a summary opens on a quotation or a word pointing back at text the reader lacks."""
    return bool(BAD_OPENING.match(summary.strip()))


def has_furniture(summary: str) -> bool:
    """True when a summary carries a caption, credit, byline, dateline, stamp, share prompt or markup."""
    return bool(FURNITURE.search(summary))


def baseline_summarize(ref: str) -> Callable[..., str]:
    """digest.extractive.summarize as it is at git `ref`, loaded beside the current one."""
    source = subprocess.run(
        ["git", "show", f"{ref}:digest/extractive.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location("baseline_extractive", fh.name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    os.unlink(fh.name)
    return module.summarize


def halve(items: list, half: str) -> list:
    """The items at even or odd positions ("all" keeps every item)."""
    return items if half == "all" else items[half == "odd" :: 2]


def load_sets(limit: int, half: str = "all") -> dict[str, list[tuple[str, list[str], str]]]:
    """(title, sentences, reference) per item of every set present: cnndm, xsum, bbc."""
    sets: dict[str, list[tuple[str, list[str], str]]] = {}
    if DATA_FILE.is_file():
        for name, items in load(DATA_FILE).items():
            sets[name] = halve(
                [("", split_sentences(item["text"]), item["reference_summary"]) for item in items[: limit or None]],
                half,
            )
    if BBC_FILE.is_file():
        rows = []
        with BBC_FILE.open(encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                if item.get("duplicate_of"):
                    continue
                text = item["text"]
                body = text[len(item["title"]) :] if text.startswith(item["title"]) else text
                sentences = [s for p in body.split("\n\n") for s in split_sentences(p)]
                rows.append((item["title"], sentences, item["reference_summary"]))
        sets["bbc"] = halve(rows[: limit or None], half)
    return sets


def quality_report(limit: int, half: str = "all", baseline: str = "") -> None:
    """Every set, both layouts: digest beside Lead at the same word count, ROUGE and bad-output counts."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    sets = load_sets(limit, half)
    versions: dict[str, Callable[..., str]] = {"digest": summarize}
    if baseline:
        versions = {f"at {baseline}": baseline_summarize(baseline), "digest": summarize}
    print(
        f"\n## Quality: {WORDS} words, at most {SENTENCES} sentences; Lead cut at the same word count per item"
        f" (items: {half})"
    )
    print(
        f"{'set':6} {'layout':14} {'version':12} {'n':>5} {'R-1':>5} {'Lead':>5} {'diff':>5} {'R-2':>5} "
        f"{'Lead':>5} {'R-L':>5} {'Lead':>5} {'words':>5} {'bad open':>8} {'Lead':>5} {'furn.':>5} {'Lead':>5} "
        f"{'ms/art':>6}"
    )
    for name, items in sets.items():
        for layout in ("sentences", "one paragraph"):
            for version, method in versions.items():
                _quality_row(scorer, name, layout, version, method, items)


def _quality_row(
    scorer, name: str, layout: str, version: str, method: Callable[..., str], items: list[tuple[str, list[str], str]]
) -> None:
    """One line of the quality table: one set, one layout, one version of the summarizer."""
    totals = [0.0] * 6
    counts = [0, 0, 0, 0]
    used, times = [], []
    for title, sentences, reference in items:
        paragraphs = sentences if layout == "sentences" else [" ".join(sentences)]
        start = time.perf_counter()
        summary = method(title, paragraphs, max_words=WORDS, max_sentences=SENTENCES)
        times.append(time.perf_counter() - start)
        n = word_count(summary)
        used.append(n)
        lead_text = " ".join(" ".join(sentences).split()[:n])
        ref = "\n".join(split_sentences(reference))
        ours_scores = scorer.score(ref, "\n".join(split_sentences(summary)))
        lead_scores = scorer.score(ref, lead_text)
        for k, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
            totals[2 * k] += ours_scores[key].fmeasure
            totals[2 * k + 1] += lead_scores[key].fmeasure
        first = sentences[0] if sentences else ""
        counts[0] += opens_badly(summary)
        counts[1] += opens_badly(first)
        counts[2] += has_furniture(summary)
        counts[3] += has_furniture(lead_text)
    r = [100 * t / len(items) for t in totals]
    print(
        f"{name:6} {layout:14} {version:12} {len(items):5} {r[0]:5.1f} {r[1]:5.1f} {r[0] - r[1]:+5.1f} "
        f"{r[2]:5.1f} {r[3]:5.1f} {r[4]:5.1f} {r[5]:5.1f} {statistics.mean(used):5.1f} {counts[0]:8} "
        f"{counts[1]:5} {counts[2]:5} {counts[3]:5} {1e3 * statistics.median(times):6.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the quality table for every set; with --compare, the older per-method tables too."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N items of each set")
    parser.add_argument("--compare", action="store_true", help="also compare Lead-k and sumy, with speed")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per method (median is shown)")
    parser.add_argument(
        "--half",
        choices=("all", "even", "odd"),
        default="all",
        help="only the items at even or odd positions of each set",
    )
    parser.add_argument(
        "--baseline",
        default="",
        metavar="REF",
        help="also run digest.extractive as at this git ref (e.g. main), for before/after",
    )
    args = parser.parse_args(argv)
    require("bench/eval_summaries.py", "bench", "rouge_score", "sumy")
    if not DATA_FILE.is_file() and not BBC_FILE.is_file():
        print(f"eval data not found in {EVAL_DIR}; nothing to measure (this benchmark needs ../shared/eval)")
        return 0
    split_sentences("Warm up. The splitter loads its model once.")
    print(f"# digest summary benchmark, {time.strftime('%Y-%m-%d')}, data: {EVAL_DIR}")
    quality_report(args.limit, args.half, args.baseline)
    if not args.compare or not DATA_FILE.is_file():
        return 0
    groups = load(DATA_FILE)
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
