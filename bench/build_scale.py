"""Wall time and peak memory of a whole `digest build` over 1,000 and 10,000 generated articles.

The input is one native JSON file per size, written here from scale.py's seeded generator (no real
text), every article in ISO week 2026-W47 and with a distinct URL. Each build runs `digest build`
in a fresh process, so its peak RSS is its own. The baseline, measured in the same run, is a
process that only loads digest and parses the same file (`json.load`): what any build must pay.
Prints the median of --runs builds for each size and the growth of time per article.

    .venv/bin/python bench/build_scale.py [--sizes 1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from scale import generate  # noqa: E402

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
BASELINE = "import json, sys, digest.pipeline; json.load(open(sys.argv[1], encoding='utf-8'))"


def write_input(path: Path, size: int) -> None:
    """A native JSON file of `size` generated articles spread over the week."""
    step = timedelta(days=7) / size
    articles = [
        {
            "url": f"https://news{n % 50}.example/{n}/story",
            "title": title,
            "author": "Staff",
            "published": (WEEK_START + step * n).isoformat(),
            "categories": [category] if category else [],
            "content_html": html,
        }
        for n, (title, html, category) in enumerate(generate(size))
    ]
    path.write_text(json.dumps({"version": 1, "articles": articles}), encoding="utf-8")


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one child process; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: run sizes from small to large.
    return seconds, max(peak, before) / 1024


def main(argv: list[str] | None = None) -> int:
    """Build each size --runs times beside the parse-only baseline and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--runs", type=int, default=3, help="builds per size (median shown)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    digest = str(Path(sys.executable).with_name("digest"))
    print(f"# digest build at scale, {time.strftime('%Y-%m-%d')}, generated articles (seed 7), median of {args.runs}")
    print(f"{'articles':>9} {'build s':>8} {'ms/art':>7} {'peak MiB':>9} {'baseline s':>11} {'HTML KB':>8}")
    per_article = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            work = Path(tmp) / str(size)
            work.mkdir()
            source = work / "week.json"
            write_input(source, size)
            # 10,000 articles make a 44 MB file, past the default 10 MiB cap on one source.
            (work / "digest.toml").write_text("[fetch]\nmax_bytes = 1000000000\n", encoding="utf-8")
            base = statistics.median(
                timed([sys.executable, "-c", BASELINE, str(source)], work)[0] for _ in range(args.runs)
            )
            builds = [
                timed(
                    [
                        digest,
                        "build",
                        "--source",
                        f"native:{source}",
                        "--week",
                        "2026-W47",
                        "--out",
                        str(work / f"out{run}"),
                    ],
                    work,
                )
                for run in range(args.runs)
            ]
            seconds = statistics.median(b[0] for b in builds)
            peak = max(b[1] for b in builds)
            html_kb = (work / "out0" / "2026-W47.html").stat().st_size / 1024
            per_article.append(seconds / size)
            print(f"{size:9,} {seconds:8.2f} {1e3 * seconds / size:7.2f} {peak:9.0f} {base:11.2f} {html_kb:8.1f}")
    if len(sizes) > 1:
        print(
            f"time per article at {sizes[-1]:,} is {per_article[-1] / per_article[0]:.2f}x that at "
            f"{sizes[0]:,} (1.00x = linear growth; start-up weighs more on the small build)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
