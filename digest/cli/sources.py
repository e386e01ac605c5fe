"""`digest sources`: every configured source with its status, item count and newest item."""

from __future__ import annotations

from typing import Any

import typer

from digest.cli.app import command
from digest.cli.options import ConfigOpt, JsonOpt, QuietOpt, SourceOpt, source_option
from digest.cli.output import emit_json, progress, quiet_command
from digest.errors import ConfigError, SourceError
from digest.models import Collected, SourceReport
from digest.progress import no_progress
from digest.runtime import Runtime


def format_sources(reports: tuple[SourceReport, ...]) -> str:
    """A table of sources: name, kind, status, items, newest item date, and each failure's reason."""
    from digest.collect import failure_line

    rows = [("SOURCE", "KIND", "STATUS", "ITEMS", "NEWEST")]
    for r in reports:
        newest = f"{r.newest:%Y-%m-%d %H:%M} UTC" if r.newest else "-"
        rows.append((r.name, r.kind, "ok" if r.ok else "failed", str(r.items) if r.ok else "-", newest))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
    lines += [failure_line(r) for r in reports if not r.ok]
    return "\n".join(lines)


def sources_json(collected: Collected) -> dict[str, Any]:
    """Every source's report as one JSON document (schema in docs/cli.md)."""
    from collections import Counter

    skipped: dict[str, Counter] = {}
    for skip in collected.skipped:
        skipped.setdefault(skip.source, Counter())[skip.reason] += 1
    return {
        "version": 1,
        "sources": [
            {
                "name": r.name,
                "kind": r.kind,
                "location": r.location,
                "ok": r.ok,
                "items": r.items,
                "newest": r.newest.isoformat() if r.newest else None,
                "error": r.error,
                "skipped": dict(skipped.get(r.name, {})),
                "dates": dict(r.dating),
            }
            for r in collected.reports
        ],
    }


@command("digest sources --source feed:https://example.com/feed.xml")
def sources(
    config: ConfigOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """List every configured source with its status, item count and newest item date.

    Every source is read (through the HTTP cache). Exit status: 0 all sources read,
    1 at least one failed (each failure is named with its reason).
    """
    from digest.collect import dating_lines, read_all, skipped_lines

    quiet_command(quiet)
    rt = Runtime.resolve(source_option(source), config_path=config)
    settings = rt.settings
    if not settings.sources:
        raise ConfigError("no sources configured; add [[sources]] to digest.toml or pass --source")
    # read_all, not collect: the table is wanted even when every source fails.
    with progress("Reading sources") as shown:
        collected = read_all(
            settings.sources, rt.fetcher, workers=settings.fetch.workers, progress=shown or no_progress
        )
    reports = collected.reports
    if as_json:
        emit_json(sources_json(collected))
    else:
        typer.echo(format_sources(reports))
        # A source can be "ok" with few items because it skipped the rest: say so, and why.
        for line in skipped_lines(collected):
            typer.echo(line)
        # Dates not in a standard form were read as written: say how many, so an editor can check them.
        for line in dating_lines(reports):
            typer.echo(line)
    failed = sum(1 for r in reports if not r.ok)
    if failed:
        raise SourceError(f"{failed} of {len(reports)} source(s) failed")
