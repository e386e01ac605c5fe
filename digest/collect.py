"""The collect stage: read every source, isolating failures (minimal sequential version)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from digest.errors import DigestError, SourceError
from digest.models import Article, Collected, Skip, SourceReport
from digest.sources import FetchContext, SourceSpec, reader_for


def collect(specs: Sequence[SourceSpec], fetcher, since: datetime | None = None, until: datetime | None = None,
            strict: bool = False, workers: int = 8) -> Collected:
    """Read every source; a failing source is reported and the others go on."""
    articles: list[Article] = []
    reports: list[SourceReport] = []
    skipped: list[Skip] = []
    ctx = FetchContext(fetcher.get, since, until)
    for spec in specs:
        kind = "native" if spec.kind == "auto" else spec.kind
        try:
            result = reader_for(kind)(spec, ctx)
        except DigestError as exc:
            if strict:
                raise
            reports.append(SourceReport(spec.name, kind, spec.location, False, error=str(exc)))
            continue
        articles.extend(result.articles)
        skipped.extend(result.skipped)
        newest = max((a.published for a in result.articles), default=None)
        reports.append(SourceReport(spec.name, kind, spec.location, True, len(result.articles), newest=newest))
    if specs and not any(r.ok for r in reports):
        raise SourceError("every source failed: " + "; ".join(f"{r.name}: {r.error}" for r in reports))
    return Collected(tuple(articles), tuple(reports), tuple(skipped))
