"""`digest build` and `digest init`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import command
from digest.cli.build_report import after_build, format_report, report_json, sent_warning
from digest.cli.options import (
    ConfigOpt,
    JsonOpt,
    OutOpt,
    QuietOpt,
    SinceOpt,
    SourceOpt,
    TemplatesOpt,
    UntilOpt,
    WeekOpt,
    source_option,
)
from digest.cli.output import emit_json, log_level, progress, quiet_command, warn
from digest.errors import DigestError
from digest.progress import no_progress
from digest.runtime import Runtime


@command("digest build --week 2026-W47 --out issues")
def build(
    config: ConfigOpt = None,
    week: WeekOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    tz: Annotated[
        str | None, typer.Option("--timezone", help="IANA timezone of the issue's week (default UTC).")
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option("--strict/--no-strict", help="Fail when any source fails or any item is skipped as unusable."),
    ] = None,
    allow_empty: Annotated[
        bool | None,
        typer.Option("--allow-empty/--no-allow-empty", help="Write an issue even when the week has no articles."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list every skipped item.")] = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Build the week's issue: collect, select, summarize, group, render and write it.

    Exit status: 0 built, 1 error (bad config or input, every source failed, --strict failure),
    3 the week has no articles (nothing written; the error says why).
    """
    from digest.pipeline import build_issue

    quiet_command(quiet)
    cli = {
        "week": week,
        "since": since,
        "until": until,
        "out": out,
        "templates": templates,
        "timezone": tz,
        "strict": strict,
        "allow_empty": allow_empty,
        **source_option(source),
    }
    rt = Runtime.resolve(cli, config_path=config)
    log_level(verbose)
    with progress("Reading sources") as shown:
        result = build_issue(rt.settings, rt.fetcher, rt.now(), progress=shown or no_progress)
    after = after_build(rt.settings, result)
    warnings = [f"{skip.source}: {skip.item}: {skip.reason}; skipped" for skip in result.collected.skipped]
    warnings += list(result.warnings)
    already = sent_warning(result.issue.id, after)
    warnings += [already] if already else []
    for line in warnings:
        warn(line)
    if as_json:
        emit_json(report_json(result, after, warnings))
        return
    typer.echo(format_report(result, after))
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
