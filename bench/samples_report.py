"""What digest reads from every real feed and API file in ../shared/samples, next to what the file holds.

For each RSS/Atom/RDF/JSON file it runs the collect and select stages as `digest build` does (kind
detected from the content, duplicates dropped), with a window wide enough for any date, and prints:
the items in the file (feedparser's entry count, or the JSON item count: the baseline), the articles
kept, the items skipped by reason, and the pictures found. Then the totals.

Usage: .venv/bin/python bench/samples_report.py [SAMPLES_DIR] [--verbose]
Exits 0 with a note when the samples folder is absent.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from digest.collect import read_all
from digest.fetch import Fetcher
from digest.models import Week
from digest.select import select
from digest.sources import SourceSpec

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLES = ROOT.parent / "shared" / "samples"
EVERYTHING = Week("all-time", datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json"}


def items_in(path: Path) -> int | None:
    """The baseline: feedparser's entry count for XML, the item count for JSON (None for other JSON)."""
    body = path.read_bytes()
    if path.suffix == ".json":
        try:
            doc = json.loads(body.decode("utf-8-sig"))
        except ValueError:
            return None
        if isinstance(doc, list):
            return len(doc)
        if isinstance(doc, dict):
            for key in ("items", "articles"):
                if isinstance(doc.get(key), list):
                    return len(doc[key])
            return 1 if "title" in doc and "link" in doc else 0
        return 0
    return len(feedparser.parse(body).entries)


def reason_kind(reason: str) -> str:
    """A skip reason without its item-specific tail (which URL it duplicates, which date)."""
    if reason.startswith("duplicate"):
        return reason.split(")")[0] + ")"
    return re.sub(r"'[^']*'|\"[^\"]*\"", "…", reason)[:70]


def main(argv: list[str]) -> int:
    """Print the per-file table and the totals."""
    verbose = "--verbose" in argv
    args = [a for a in argv if not a.startswith("--")]
    samples = Path(args[0]) if args else DEFAULT_SAMPLES
    if not samples.is_dir():
        print(f"{samples}: not found; nothing to measure")
        return 0
    files = sorted(p for p in samples.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    fetcher = Fetcher(timeout=5.0)
    totals: Counter = Counter()
    reasons_total: Counter = Counter()
    print(f"{'file':58} {'items':>5} {'kept':>5} {'skip':>5} {'imgs':>5}  skipped by reason / error")
    for path in files:
        rel = str(path.relative_to(samples))
        spec = SourceSpec(name=rel, location=str(path))
        collected = read_all([spec], fetcher, workers=1)
        report = collected.reports[0]
        baseline = items_in(path)
        selection = select(collected.articles, EVERYTHING)
        skips = list(collected.skipped) + list(selection.skipped)
        reasons = Counter(reason_kind(s.reason) for s in skips)
        images = sum(1 for a in selection.articles if a.image)
        note = "; ".join(f"{n} {r}" for r, n in reasons.most_common()) if report.ok else f"ERROR {report.error}"
        shown = "-" if baseline is None else str(baseline)
        print(f"{rel[-58:]:58} {shown:>5} {len(selection.articles):>5} {len(skips):>5} {images:>5}  {note[:150]}")
        if verbose:
            for skip in skips:
                print(f"    {skip.item[:60]}: {skip.reason[:120]}")
        if not report.ok:
            totals["failed files"] += 1
            continue
        totals["files read"] += 1
        totals["items"] += baseline or 0
        totals["kept"] += len(selection.articles)
        totals["skipped"] += len(skips)
        totals["images"] += images
        reasons_total.update(reasons)
    print()
    print(f"files: {len(files)} ({totals['files read']} read, {totals['failed files']} refused)")
    print(f"items in the files read (feedparser / JSON count): {totals['items']}")
    print(f"kept: {totals['kept']}  skipped: {totals['skipped']}  with a picture: {totals['images']}")
    for reason, n in reasons_total.most_common():
        print(f"  {n:5}  {reason}")
    duplicates = sum(n for r, n in reasons_total.items() if r.startswith("duplicate"))
    print(f"dropped as duplicates: {duplicates}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
