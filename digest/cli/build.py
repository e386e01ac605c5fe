"""`digest build` and `digest init`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from digest.cli.app import command
from digest.cli.options import ConfigOpt, OutOpt, SinceOpt, SourceOpt, TemplatesOpt, UntilOpt, WeekOpt, source_option
from digest.errors import DigestError
from digest.runtime import Runtime

if TYPE_CHECKING:
    from digest.pipeline import BuildResult


def _kb(size: int) -> str:
    return f"{size / 1000:.1f} KB"


def format_report(result: BuildResult) -> str:
    """The one-screen summary printed after a build."""
    from digest.render import encoded_size
    from digest.select import skip_kind
    from digest.summarize import summary_counts_line

    issue = result.issue
    lines = []
    if result.paths:
        html, text, manifest = result.paths
        lines.append(f"Wrote {html} (+ {text.name}, {manifest.name})")
    week = issue.week
    lines.append(f"Week {week.id}: {week.start:%Y-%m-%d %H:%M} to {week.end:%Y-%m-%d %H:%M} UTC ({week.timezone})")
    reports = result.collected.reports
    failed = [r for r in reports if not r.ok]
    lines.append(f"Sources: {len(reports) - len(failed)} read, {len(failed)} failed")
    kept = len(issue.entries) + len(issue.omitted)
    lines.append(f"Articles: {kept} kept, {len(result.skipped)} skipped")
    kinds: dict[str, int] = {}
    for skip in result.skipped:
        kinds[skip_kind(skip.reason)] = kinds.get(skip_kind(skip.reason), 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  skipped {count:>3}  {kind}")
    if issue.lead:
        lines.append(f"Lead: {issue.lead.article.title}")
    for section in issue.sections:
        extra = f" (+{len(section.more)} listed as links)" if section.more else ""
        lines.append(f"  {len(section.entries):>3}  {section.name}{extra}")
    if issue.more:
        lines.append(f"  {len(issue.more):>3}  More this week (links only)")
    if issue.omitted:
        lines.append(f"  {len(issue.omitted):>3}  left out of the email to stay under Gmail's clip (counted in it)")
    lines.append(summary_counts_line(issue))
    size = len(result.rendered.html.encode("utf-8"))
    encoded = encoded_size(result.rendered.html)
    lines.append(f"HTML: {_kb(size)} ({_kb(encoded)} quoted-printable; Gmail clips at 102 KB)")
    for fold in result.folds:
        lines.append(f"folded: {fold}")
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


@command("digest build --week 2026-W47 --out issues")
def build(
    config: ConfigOpt = None,
    week: WeekOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    tz: Annotated[Optional[str], typer.Option("--timezone", help="IANA timezone of the issue's week (default UTC).")] = None,
    strict: Annotated[Optional[bool], typer.Option("--strict/--no-strict", help="Fail when any source fails or any item is skipped as unusable.")] = None,
    allow_empty: Annotated[Optional[bool], typer.Option("--allow-empty/--no-allow-empty", help="Write an issue even when the week has no articles.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list every skipped item.")] = False,
) -> None:
    """Build the week's issue: collect, select, summarize, group, render and write it.

    Exit status: 0 built, 1 error (bad config or input, every source failed, --strict failure),
    3 the week has no articles (nothing written).
    """
    from digest.pipeline import build_issue

    cli = {"week": week, "since": since, "until": until, "out": out, "templates": templates, "timezone": tz,
           "strict": strict, "allow_empty": allow_empty, **source_option(source)}
    rt = Runtime.resolve(cli, config_path=config)
    logging.getLogger("digest").setLevel(logging.INFO if verbose else logging.WARNING)
    result = build_issue(rt.settings, rt.fetcher, rt.now())
    for skip in result.collected.skipped:
        typer.echo(f"warning: {skip.source}: {skip.item}: {skip.reason}; skipped", err=True)
    typer.echo(format_report(result))
    if verbose:
        for skip in result.skipped:
            typer.echo(f"  skipped: {skip.source}: {skip.item}: {skip.reason}")


@command("digest init --path digest.toml")
def init(
    path: Annotated[Path, typer.Option(help="Where to write the starter configuration.")] = Path("digest.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter digest.toml."""
    from digest.files import atomic_write
    from digest.starter import STARTER_CONFIG

    if path.exists() and not force:
        raise DigestError(f"{path} already exists; use --force to overwrite it")
    try:
        atomic_write(path, STARTER_CONFIG)
    except OSError as exc:
        raise DigestError(f"cannot write {path}: {exc.strerror}") from None
    typer.echo(f"Wrote {path}. Edit it, then run: digest build")
