"""The editor's desk: `digest preview`, `digest status` and `digest archive`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from digest.cli.app import command
from digest.config import Settings, parse_source, resolve

ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="Path to digest.toml (default: ./digest.toml if present, or $DIGEST_CONFIG).")]
WeekOpt = Annotated[Optional[str], typer.Option(help="ISO week, e.g. 2026-W48 (default: the current week; the latest week for the bundled sample).")]
OutOpt = Annotated[Optional[Path], typer.Option(help="The issues folder (default: issues).")]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@command("digest preview --week 2026-W48 --port 8000")
def preview(
    config: ConfigOpt = None,
    week: WeekOpt = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="A source path or URL, optionally kind-prefixed. Repeatable; replaces configured sources.")] = None,
    out: OutOpt = None,
    templates: Annotated[Optional[Path], typer.Option(help="A template folder checked before the built-in templates.")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve on (0 picks a free one).")] = 8000,
) -> None:
    """Serve the week's issue on 127.0.0.1: HTML (375 px or desktop) beside the text, rebuilt on every change.

    The issue is rebuilt (and its files rewritten) whenever the curation file, the configuration
    or a template changes; the page reloads itself. Stop with Ctrl+C.
    """
    from digest.fetch import Fetcher
    from digest.pipeline import build_issue, gather
    from digest.preview import Preview, make_server, server_url

    cli = {"week": week, "out": out, "templates": templates}
    if source:
        cli["sources"] = tuple(parse_source(s) for s in source)
    resolve(cli, config_path=config)  # a bad option or config file stops here, before serving
    fetcher = Fetcher()
    desk = Preview(lambda: resolve(cli, config_path=config), lambda s: gather(s, fetcher, _now()),
                   lambda s, gathered: build_issue(s, fetcher, _now(), gathered=gathered))
    server = make_server(desk, port)  # a busy port fails before the first build
    snapshot = desk.refresh()
    if snapshot.error:
        typer.echo(f"error: {snapshot.error} (the preview shows it until the next good build)", err=True)
    typer.echo(f"Previewing {snapshot.issue_id or 'the issue'} at {server_url(server)} (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@command("digest status --week 2026-W48")
def status(
    config: ConfigOpt = None,
    week: Annotated[Optional[str], typer.Option(help="ISO week, e.g. 2026-W48 (default: the latest issue built, whatever its window).")] = None,
    since: Annotated[Optional[str], typer.Option(help="First day of a custom window (YYYY-MM-DD), as given to digest build.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Last day of a custom window (YYYY-MM-DD, inclusive; default today).")] = None,
    out: OutOpt = None,
) -> None:
    """Show an issue: built or not, curated or not, sent to how many, and what is left.

    With no --week or --since/--until: the latest issue built (or the current week when none is).
    """
    from digest.status import format_status, week_status

    settings = resolve({"week": week, "since": since, "until": until, "out": out}, config_path=config)
    report = week_status(settings, _now())
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(format_status(report))


@command("digest archive --out issues")
def archive(config: ConfigOpt = None, out: OutOpt = None) -> None:
    """Rewrite the archive index (index.html) and the Atom feed (feed.xml) from every built issue.

    `digest build` does this after each build and also writes the issue's web version
    (web/<id>.html); run this after deleting or copying issues by hand.
    """
    from digest.archive import FEED_FILE, INDEX_FILE, read_archive, write_archive

    settings: Settings = resolve({"out": out}, config_path=config)
    for warning in write_archive(settings):
        typer.echo(f"warning: {warning}", err=True)
    issues, _ = read_archive(settings.out, settings.subject)
    missing = [i.id for i in issues if not i.has_web]
    typer.echo(f"Wrote {Path(settings.out) / INDEX_FILE} and {FEED_FILE}: {len(issues)} issue(s)")
    if missing:
        typer.echo(f"no web version for {', '.join(missing)}: rebuild with digest build --week ID to write one")
