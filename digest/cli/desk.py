"""The editor's desk: `digest preview`, `digest status` and `digest archive`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import command
from digest.cli.options import (
    BuiltWeekOpt,
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
from digest.cli.output import emit_json, error, progress, quiet_command, warn
from digest.config import Settings
from digest.progress import no_progress
from digest.runtime import Runtime


@command("digest preview --week 2026-W47 --port 8000")
def preview(
    config: ConfigOpt = None,
    week: WeekOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve on (0 picks a free one).")] = 8000,
    quiet: QuietOpt = False,
) -> None:
    """Serve the week's issue on 127.0.0.1: HTML (375 px or desktop) beside the text, rebuilt on every change.

    The issue is rebuilt (and its files rewritten) whenever the curation file, the configuration
    or a template changes; the page reloads itself. Stop with Ctrl+C.
    """
    from digest.pipeline import Gathered, build_issue, gather
    from digest.preview import Preview, make_server, server_url

    quiet_command(quiet)
    cli = {"week": week, "since": since, "until": until, "out": out, "templates": templates, **source_option(source)}
    current = [Runtime.resolve(cli, config_path=config)]  # a bad option or config file stops here, before serving
    first: list = [None]  # the progress bar of the first build, the only slow one worth showing

    def reread() -> Settings:
        current[0] = current[0].reload()
        return current[0].settings

    def collect(s: Settings) -> Gathered:
        shown = first[0]
        return gather(s, current[0].fetcher, current[0].now(), progress=shown or no_progress)

    desk = Preview(
        reread, collect, lambda s, gathered: build_issue(s, current[0].fetcher, current[0].now(), gathered=gathered)
    )
    server = make_server(desk, port)  # a busy port fails before the first build
    with progress("First build: reading sources") as shown:
        first[0] = shown
        snapshot = desk.refresh()
    first[0] = None
    if snapshot.error:
        error(f"{snapshot.error} (the preview shows it until the next good build)")
    typer.echo(f"Previewing {snapshot.issue_id or 'the issue'} at {server_url(server)} (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@command("digest status --week 2026-W47")
def status(
    config: ConfigOpt = None,
    week: BuiltWeekOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Show an issue: built or not, curated or not, sent to how many, and what is left.

    With no --week or --since/--until: the latest issue built (or the current week when none is).
    """
    from digest.status import format_status, status_json, week_status

    quiet_command(quiet)
    rt = Runtime.resolve({"week": week, "since": since, "until": until, "out": out}, config_path=config)
    report = week_status(rt.settings, rt.now())
    for warning in report.warnings:
        warn(warning)
    if as_json:
        emit_json(status_json(report))
        return
    typer.echo(format_status(report))


@command("digest archive --out issues")
def archive(config: ConfigOpt = None, out: OutOpt = None) -> None:
    """Rewrite the archive index (index.html) and the Atom feed (feed.xml) from every built issue.

    `digest build` does this after each build and also writes the issue's web version
    (web/<id>.html); run this after deleting or copying issues by hand.
    """
    from digest.archive import FEED_FILE, INDEX_FILE, read_archive, write_archive

    settings = Runtime.resolve({"out": out}, config_path=config).settings
    for warning in write_archive(settings):
        warn(warning)
    issues, _ = read_archive(settings.build.out, settings.send.subject)
    missing = [i.id for i in issues if not i.has_web]
    typer.echo(f"Wrote {Path(settings.build.out) / INDEX_FILE} and {FEED_FILE}: {len(issues)} issue(s)")
    if missing:
        warn(f"no web version for {', '.join(missing)}: rebuild with digest build --week ID to write one")
