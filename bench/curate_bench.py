"""The curation step's cost next to one render of the same 60-article issue (the baseline).

Run: .venv/bin/python bench/curate_bench.py [--runs 15]
Prints medians in milliseconds, all measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).parent))
from extras import require

require("bench/curate_bench.py", "test", "pytest")  # its articles come from the test helpers

from digest.curate import apply_curation, merge_curation_text, new_curation_text, parse_curation  # noqa: E402
from digest.render import render_issue  # noqa: E402
from test_curate import make_issue  # noqa: E402


def median_ms(fn, runs: int) -> float:
    """Median wall time of `fn` over `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    """Time creating, merging, parsing and applying a curation file against rendering."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    issue, earlier = make_issue(count=60), make_issue(count=50)
    edited = new_curation_text(earlier).replace('subject = ""', 'subject = "Edited"')
    text = new_curation_text(issue).replace('subject = ""', 'subject = "Edited"')
    rows = [
        ("render_issue, 60 articles (baseline)", lambda: render_issue(issue)),
        ("create the curation file", lambda: new_curation_text(issue)),
        ("merge 10 new articles into an edited file", lambda: merge_curation_text(edited, issue)),
        ("parse and apply", lambda: apply_curation(issue, parse_curation(text))),
    ]
    for label, fn in rows:
        print(f"{label:45} {median_ms(fn, runs):8.2f} ms (median of {runs})")


if __name__ == "__main__":
    main()
