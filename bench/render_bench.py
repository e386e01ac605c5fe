"""Rendering speed and size: 30- and 60-article fixture issues, one run.

Prints, per issue size, the median time of the template step alone (the baseline, measured in the
same run), of the full render (templates + premailer + plain text) and of fit_to_budget, plus the
HTML size raw and quoted-printable encoded.

    .venv/bin/python bench/render_bench.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from digest.fit import fit_to_budget  # noqa: E402
from digest.render import _context, encoded_size, environment, render_issue  # noqa: E402
from fixtures_issue import large_issue  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    """Median wall time of `fn` in milliseconds over `repeat` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print one line per issue size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    env = environment()
    print(f"{'articles':>8} {'templates ms':>13} {'render ms':>10} {'fit ms':>7} {'HTML bytes':>11} {'QP bytes':>9}")
    for count in (30, 60):
        issue = large_issue(count)
        template = env.get_template("email.html")
        baseline = median_ms(lambda: template.render(_context(issue, False)), args.repeat)
        full = median_ms(lambda: render_issue(issue), args.repeat)
        fit = median_ms(lambda: fit_to_budget(issue), args.repeat)
        html = render_issue(issue).html
        print(
            f"{count:>8} {baseline:>13.1f} {full:>10.1f} {fit:>7.1f} {len(html.encode()):>11,} {encoded_size(html):>9,}"
        )


if __name__ == "__main__":
    main()
