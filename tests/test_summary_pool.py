"""A large week summarized by worker processes gives exactly the summaries of one process."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import parse_source, resolve
from digest.fetch import Fetcher
from digest.pipeline import gather
from digest.summarize import ExtractiveSummarizer
from digest.summary_pool import POOL_MIN_ARTICLES, pool_workers, summarize_pooled

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from build_scale import write_input  # the benchmarks' seeded article generator  # noqa: E402


@pytest.fixture(scope="module")
def week600(tmp_path_factory):
    work = tmp_path_factory.mktemp("week600")
    write_input(work / "week.json", 600)
    settings = resolve(
        {"sources": (parse_source(f"native:{work / 'week.json'}"),), "week": "2026-W47", "out": str(work / "out")},
        environ={},
        cwd=work,
    )
    articles = gather(settings, Fetcher(), datetime(2026, 11, 30, tzinfo=UTC)).collected.articles
    assert len(articles) == 600
    return articles


def test_pooled_summaries_equal_serial_ones(week600, caplog):
    serial = ExtractiveSummarizer(processes=1).summarize(week600)
    with caplog.at_level("INFO", logger="digest.summary_pool"):
        pooled = ExtractiveSummarizer(processes=2).summarize(week600)
    assert "could not run" not in caplog.text  # no fallback: the workers summarized
    assert pool_workers(len(week600), 2) == 2  # the second run really used two workers
    assert list(pooled.by_id) == list(serial.by_id)
    assert pooled.by_id == serial.by_id
    assert {s.origin for s in serial.by_id.values()} == {"extractive"}


def test_small_weeks_and_one_cpu_use_no_pool():
    assert pool_workers(POOL_MIN_ARTICLES - 1, 2) == 0
    assert pool_workers(10_000, 1) == 0
    assert pool_workers(POOL_MIN_ARTICLES, 2) == 2


def test_workers_that_cannot_start_fall_back_to_one_process(week600, caplog):
    def no_processes(workers: int) -> ProcessPoolExecutor:
        raise OSError(38, "Function not implemented: sem_open")  # what a sandbox without semaphores raises

    texts = [(a.title, a.content_html, a.excerpt) for a in week600[:POOL_MIN_ARTICLES]]
    with caplog.at_level("INFO", logger="digest.summary_pool"):
        assert summarize_pooled(texts, 60, 2, 2, make_pool=no_processes) is None
    assert "worker processes could not run" in caplog.text


def test_pool_failure_keeps_the_build_going(week600, monkeypatch):
    import digest.summary_pool as summary_pool

    def broken(workers: int) -> ProcessPoolExecutor:
        raise OSError("no processes")

    serial = ExtractiveSummarizer(processes=1).summarize(week600)
    monkeypatch.setattr(summary_pool, "_fork_pool", broken)
    monkeypatch.setattr(summary_pool.summarize_pooled, "__defaults__", (broken,))
    assert ExtractiveSummarizer(processes=2).summarize(week600).by_id == serial.by_id
