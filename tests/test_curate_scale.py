"""The curation file of a very large week is written and applied in time linear in its articles."""

from __future__ import annotations

import time

import tomlkit.items

from digest.curate import apply_curation, new_curation_text, parse_curation
from test_curate import make_issue


def test_a_new_curation_file_does_not_rebuild_its_lists_per_line(monkeypatch):
    calls = []
    real = tomlkit.items.Array._reindex
    monkeypatch.setattr(tomlkit.items.Array, "_reindex", lambda self: calls.append(1) or real(self))
    text = new_curation_text(make_issue(count=2000))
    assert len(calls) < 50  # one re-index per added line made 2,000 articles cost 2,000 whole-list passes
    assert text.count('", # ') == 2000


def _apply_seconds(count: int) -> float:
    issue = make_issue(count=count)
    curation = parse_curation(new_curation_text(issue))
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        apply_curation(issue, curation)
        best = min(best, time.process_time() - start)
    return best


def test_applying_a_curation_grows_linearly():
    small, large = _apply_seconds(1000), _apply_seconds(8000)
    assert large < 20 * max(small, 1e-3)  # quadratic list membership made this about 64x
