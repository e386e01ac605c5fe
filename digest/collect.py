"""The collect stage: read every source concurrently, isolating each one's failure."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from digest.errors import DigestError, SourceError
from digest.models import Collected, Skip, SourceReport
from digest.normalize import clean_title
from digest.progress import ProgressFn, no_progress
from digest.sources import FetchContext, SourceResult, SourceSpec, reader_for
from digest.sources.detect import detect

log = logging.getLogger(__name__)


class _Prefetched:
    """A fetch function that hands back the document detection already read, once."""

    def __init__(self, fetch: Callable[..., Any], location: str, fetched: Any):
        self._fetch, self._location, self._fetched = fetch, location, fetched

    def __call__(self, location: str, params: dict | None = None, **kw: Any) -> Any:
        if self._fetched is not None and location == self._location and not params and not kw:
            fetched, self._fetched = self._fetched, None
            return fetched
        return self._fetch(location, params=params, **kw)


def read_source(
    spec: SourceSpec, fetch: Callable[..., Any], since: datetime | None, until: datetime | None
) -> tuple[str, SourceResult]:
    """Read one source (detecting its kind when "auto"): (kind, result); raises DigestError."""
    kind, prefetched = spec.kind, None
    if kind == "auto":
        kind, prefetched = detect(spec, fetch)
        log.debug("%s: detected kind %s", spec.name, kind)
    reader = reader_for(kind)
    ctx = FetchContext(
        fetch=_Prefetched(fetch, spec.location, prefetched),
        since=since,
        until=until,
        location_is_document=prefetched is not None,
    )
    return kind, reader(spec, ctx)


def _one(
    spec: SourceSpec, fetcher: Any, since: datetime | None, until: datetime | None
) -> tuple[SourceReport, SourceResult]:
    # Each source's deadline starts when its reading does, so a slow source never eats another's time.
    fetch = fetcher.bounded() if hasattr(fetcher, "bounded") else getattr(fetcher, "get", fetcher)
    try:
        kind, result = read_source(spec, fetch, since, until)
    except DigestError as exc:
        log.debug("source %s failed: %s", spec.name, exc)
        # A --source is named by its location, which the reason starts with too: say it once.
        error = str(exc).removeprefix(f"{spec.name}: ")
        return SourceReport(spec.name, spec.kind, spec.location, ok=False, error=error), SourceResult(())
    except Exception as exc:  # a parser bug on hostile input must not sink the other sources
        log.debug("source %s crashed", spec.name, exc_info=True)
        reason = f"unexpected {exc.__class__.__name__} while reading ({exc})"
        return SourceReport(spec.name, spec.kind, spec.location, ok=False, error=reason), SourceResult(())
    if not spec.named:
        label = source_label(spec.location, result.title)
        result = replace(
            result, articles=tuple(replace(a, source=label) if a.source == spec.name else a for a in result.articles)
        )
    newest = max((a.published for a in result.articles), default=None)
    dating = tuple(sorted(Counter(a.dated for a in result.articles if a.dated).items()))
    report = SourceReport(
        spec.name, kind, spec.location, ok=True, items=len(result.articles), newest=newest, dating=dating
    )
    return report, result


def source_label(location: str, title: str | None) -> str:
    """What readers see for a source with no configured name: its own title, else its host, never a path."""
    try:
        label = clean_title(title)[:80].strip()
    except (TypeError, ValueError):  # a title that is not valid text is no label
        label = ""
    if label and not label.startswith(("http://", "https://", "/")):
        return label
    if location.startswith(("http://", "https://")):
        host = (urlsplit(location).hostname or "").removeprefix("www.")
        if host:
            return host
    # A local file without a title: its name, without folders or extension, is the least surprising label.
    return PurePath(location).stem or location


def failure_line(report: SourceReport) -> str:
    """`name: reason`, without repeating the name when the reason already starts with it (a path or URL)."""
    return report.error if report.error and report.error.startswith(report.name) else f"{report.name}: {report.error}"


def skipped_lines(collected: Collected) -> list[str]:
    """One line per source that skipped items: `name: N item(s) skipped: commonest reason (+ K other reasons)`."""
    by_source: dict[str, Counter] = {}
    for skip in collected.skipped:
        by_source.setdefault(skip.source, Counter())[skip.reason] += 1
    lines = []
    for report in collected.reports:
        reasons = by_source.get(report.name)
        if not reasons:
            continue
        (reason, _), others = reasons.most_common(1)[0], len(reasons) - 1
        more = f" (+ {others} other reason{'s' * (others > 1)})" if others else ""
        total = sum(reasons.values())
        lines.append(f"{report.name}: {total} item{'s' * (total > 1)} skipped: {reason}{more}")
    return lines


def dating_lines(reports: Sequence[SourceReport]) -> list[str]:
    """One line per source with any date not read the standard way: `name: dates: 8 standard, 2 as written`."""
    from digest.dates import STANDARD, WAYS

    lines = []
    for report in reports:
        counts = dict(report.dating)
        if set(counts) - {STANDARD}:
            parts = [f"{counts[way]} {way}" for way in WAYS if counts.get(way)]
            lines.append(f"{report.name}: dates: {', '.join(parts)}")
    return lines


def read_all(
    specs: Sequence[SourceSpec],
    fetcher: Any,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int = 8,
    progress: ProgressFn = no_progress,
) -> Collected:
    """Read every source, at most `workers` at once; never raises: failures are in the reports.

    `progress(done, total)` is called as each source finishes.
    """
    if not specs:
        return Collected((), ())
    progress(0, len(specs))
    if len(specs) == 1:
        # One source is read in this thread: a worker thread's allocations would go to a malloc arena of
        # its own, which later stages (in this thread) cannot reuse once the worker is gone.
        outcomes = [_one(specs[0], fetcher, since, until)]
        progress(1, 1)
        return _collected(outcomes)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(specs))), thread_name_prefix="collect") as pool:
        futures = [pool.submit(_one, s, fetcher, since, until) for s in specs]
        for done, _ in enumerate(as_completed(futures), 1):
            progress(done, len(specs))
        outcomes = [f.result() for f in futures]  # in the sources' order, whatever order they finished in
    return _collected(outcomes)


def _collected(outcomes: Sequence[tuple[SourceReport, SourceResult]]) -> Collected:
    articles = tuple(a for _, result in outcomes for a in result.articles)
    skipped: tuple[Skip, ...] = tuple(s for _, result in outcomes for s in result.skipped)
    return Collected(articles, tuple(r for r, _ in outcomes), skipped)


def collect(
    specs: Sequence[SourceSpec],
    fetcher: Any,
    since: datetime | None = None,
    until: datetime | None = None,
    strict: bool = False,
    workers: int = 8,
    progress: ProgressFn = no_progress,
) -> Collected:
    """The collect stage: read_all, then raise SourceError when strict and any source failed, or all did."""
    collected = read_all(specs, fetcher, since, until, workers, progress)
    failed = [r for r in collected.reports if not r.ok]
    for report in failed:
        log.info("source %s failed: %s", report.name, report.error)
    if failed and strict:
        raise SourceError(f"source failed: {failure_line(failed[0])} (strict mode: fix it or drop --strict)")
    if failed and len(failed) == len(collected.reports):
        raise SourceError("every source failed: " + "; ".join(failure_line(r) for r in failed))
    return collected
