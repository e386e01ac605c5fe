"""Extractive summaries of a large week on every core: the same summaries as one process, sooner.

Each summary depends only on its own article, so a week is cut into chunks that worker processes
summarize; results come back in article order. Small weeks stay in one process (starting workers costs
more than it saves), and when worker processes cannot start (no fork, no semaphores, a resource
limit) the week is summarized in this process instead, with the same result.

Workers are forked: each is a copy of this process taken when the pool starts, so it reads the week
from the memory it inherited and is sent only the bounds of its chunks (pickling the bodies to send
them costs CPU time and memory for nothing). Where processes cannot be forked, no pool is used.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

from digest.models import Summary

# multiprocessing and concurrent.futures (with socket, pickling and queues) are imported only when a
# week is large enough for workers: a small week's build never needs them.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

POOL_MIN_ARTICLES = 400  # below this a week takes well under a second in one process
CHUNKS_PER_WORKER = 4  # a few chunks each, so that a slow chunk does not leave a core idle

# What a worker needs of an article: its title, body HTML and the source's excerpt.
ArticleText = tuple[str, str, str | None]
PoolFactory = Callable[[int], "ProcessPoolExecutor"]

# The week being summarized, set before the pool starts: forked workers inherit it.
_week: Sequence[ArticleText] = ()


def _summarize_chunk(start: int, stop: int, max_words: int, max_sentences: int) -> list[Summary]:
    """Summaries of the inherited week's articles start to stop, in order (runs in a worker process)."""
    from digest.summarize import summarize_text

    return [
        summarize_text(title, body, excerpt, max_words, max_sentences) for title, body, excerpt in _week[start:stop]
    ]


def _fork_pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from this process: modules, the sentence model and the week are already loaded."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def pool_workers(count: int, processes: int | None = None) -> int:
    """How many worker processes to use for `count` articles: 0 means summarize in this process."""
    available = processes if processes is not None else (os.cpu_count() or 1)
    if available < 2 or count < POOL_MIN_ARTICLES:
        return 0
    import multiprocessing

    return available if "fork" in multiprocessing.get_all_start_methods() else 0


def summarize_pooled(
    texts: Sequence[ArticleText],
    max_words: int,
    max_sentences: int,
    workers: int,
    make_pool: PoolFactory = _fork_pool,
) -> list[Summary] | None:
    """Summaries of `texts` in order from `workers` processes, or None when the processes cannot run."""
    global _week
    from concurrent.futures.process import BrokenProcessPool

    from digest.sentences import split_sentences

    split_sentences("Load the model. Workers inherit it.")  # loaded once here, not once per worker
    size = max(1, -(-len(texts) // (workers * CHUNKS_PER_WORKER)))
    starts = range(0, len(texts), size)
    _week = texts
    try:
        with make_pool(workers) as pool:
            stops = [min(start + size, len(texts)) for start in starts]
            parts = pool.map(_summarize_chunk, starts, stops, repeat(max_words), repeat(max_sentences))
            return [summary for part in parts for summary in part]
    except (OSError, NotImplementedError, BrokenProcessPool, ImportError) as exc:
        log.info("summarizing in one process: worker processes could not run (%s)", exc)
        return None
    finally:
        _week = ()
