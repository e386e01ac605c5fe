"""`digest send`, `digest run`, `digest serve` and `digest subscribers ...`."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli.app import command, guarded, sub_app
from digest.cli.options import ConfigOpt, JsonOpt, QuietOpt
from digest.cli.output import emit_json, log_level, progress, quiet_command, warn
from digest.errors import ConfigError
from digest.runtime import Runtime
from digest.subscriber_csv import spreadsheet_safe
from digest.subscribers import (
    REMOVED,
    SUPPRESSED,
    AddressError,
    Subscriber,
    SubscriberStore,
    normalize_address,
)

if TYPE_CHECKING:  # digest.send (SMTP, MIME, templates) is imported only by the commands that send
    from digest.send import SendSummary

SubscribersOpt = Annotated[
    Path | None,
    typer.Option(
        help="A CSV of subscribers (columns email, name, ...) instead of the list kept by `digest subscribers`."
    ),
]
ApiOpt = Annotated[
    str | None,
    typer.Option(
        help="Send through an email API instead of SMTP: ses://REGION, postmark:// or mailgun://DOMAIN (credentials from the environment; see docs/sending.md)."
    ),
]
SmtpOpt = Annotated[
    str | None,
    typer.Option(
        help="SMTP relay, smtp://user@host:587 (STARTTLS) or smtps://user@host:465; the password comes from DIGEST_SMTP_PASSWORD. Default: write previews (.eml files) to the outbox."
    ),
]
OutboxOpt = Annotated[
    Path | None,
    typer.Option(
        help="Folder for previews (.eml files, nothing delivered) when no SMTP relay is set (default: outbox)."
    ),
]
RunOutboxOpt = Annotated[
    Path | None,
    typer.Option(
        help="Without an SMTP relay, write previews (.eml files, nothing delivered) to this folder; without this option such a run is refused."
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log every retry and reconnect.")]
MAX_LISTED = 20


@contextmanager
def _stop_on_sigterm() -> Iterator[threading.Event]:
    """SIGTERM (systemd stop, cron timeout) finishes the message in flight, then stops cleanly."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary_json(summary: SendSummary) -> dict:
    """A send's summary as one JSON document (schema in docs/cli.md)."""
    return {
        "version": 1,
        "issue": summary.issue,
        "transport": summary.transport,
        "preview": summary.preview,
        "sent": summary.sent,
        "skipped": summary.skipped,
        "deferred": summary.deferred,
        "failed": summary.failed,
        "suppressed": summary.suppressed,
        "resent_in_doubt": summary.resent_in_doubt,
        "undelivered": list(summary.problems),
        "notes": list(summary.notes),
    }


def report(summary: SendSummary, as_json: bool = False, extra: dict | None = None) -> None:
    """Print the summary (line or JSON) and the undelivered recipients; exit 4 when anyone is left."""
    from digest.send import EXIT_UNDELIVERED

    for note in summary.notes:
        warn(note)
    if as_json:
        emit_json({**summary_json(summary), **(extra or {})})
    else:
        for line in summary.problems[:MAX_LISTED]:
            typer.echo(f"  undelivered: {line}", err=True)
        if len(summary.problems) > MAX_LISTED:
            typer.echo(f"  ... and {len(summary.problems) - MAX_LISTED} more", err=True)
        typer.echo(summary.line())
    if summary.undelivered:
        hint = "rerun to retry the deferred" + (", --retry-failed for the failed" if summary.failed else "")
        typer.echo(f"error: {summary.undelivered} recipient(s) not delivered; {hint}", err=True)
        raise typer.Exit(EXIT_UNDELIVERED)


def _runtime(config: Path | None, **cli: object) -> Runtime:
    if cli.get("api") and cli.get("smtp") is None:  # --api replaces a relay set in the file
        cli["smtp"] = ""
    return Runtime.resolve(cli, config_path=config)


@command("digest send 2026-W47 --smtp smtp://apikey@smtp.example.com:587")
def send(
    issue: Annotated[
        str,
        typer.Argument(
            help="The issue's id (e.g. 2026-W47, looked up in the build folder) or the path of its .html, .txt or .json file."
        ),
    ],
    config: ConfigOpt = None,
    subscribers: SubscribersOpt = None,
    smtp: SmtpOpt = None,
    api: ApiOpt = None,
    outbox: OutboxOpt = None,
    rate: Annotated[float | None, typer.Option(help="At most this many messages per second (0 = no limit).")] = None,
    daily_cap: Annotated[
        int | None, typer.Option(help="At most this many messages in any 24 hours, all issues together (0 = no cap).")
    ] = None,
    connections: Annotated[int | None, typer.Option(help="Parallel SMTP connections or API calls (default 1).")] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Also retry recipients that failed permanently in an earlier run.")
    ] = False,
    dry: Annotated[bool, typer.Option("--dry-run", help="Print who would get what; send and record nothing.")] = False,
    to: Annotated[
        str | None, typer.Option(help="Send one test copy to this address only; the ledger is not touched.")
    ] = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Start the issue over: clear its delivery record, so the next send mails every subscriber again. Asks first; sends nothing.",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --reset: do not ask (required when not at a terminal).")
    ] = False,
    verbose: VerboseOpt = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Send a built issue to every subscriber exactly once (rerun to continue where it stopped).

    Without an SMTP relay the messages are written to the outbox as previews: nothing is delivered
    or recorded. Exit status: 0 everyone has it (or nothing to do), 1 error (nothing sent), 4 some
    recipients deferred or failed (rerun later; --retry-failed), 5 the issue is already being sent.
    """
    from digest.send_setup import send_from_settings, send_test_copy

    rt = _runtime(
        config,
        subscribers=subscribers,
        smtp=smtp,
        api=api,
        outbox=outbox,
        rate=rate,
        daily_cap=daily_cap,
        connections=connections,
    )
    quiet_command(quiet)
    log_level(verbose)
    if reset:
        if dry or to:
            raise ConfigError("--reset only clears the delivery record: run it without --dry-run and --to")
        _reset(rt, issue, yes)
        return
    if dry:
        _print_dry_run(rt, issue, retry_failed, as_json)
        return
    if to:
        typer.echo(send_test_copy(rt.settings, issue, to, rt.environ, rt.now()))
        return
    with _stop_on_sigterm() as stop, progress("Sending", rate=True) as shown:
        summary = send_from_settings(
            rt.settings,
            issue,
            rt.environ,
            rt.now(),
            retry_failed=retry_failed,
            stop=stop,
            **({"progress": shown} if shown else {}),
        )
    report(summary, as_json)


def _reset(rt: Runtime, ref: str, yes: bool) -> None:
    from digest.issue_store import load_issue
    from digest.journal import start_over, tally
    from digest.ledger import read_states

    settings = rt.settings
    issue_id = load_issue(ref, settings.build.out).id
    sent, failed, pending = tally(read_states(settings.build.state_dir, issue_id))
    what = f"{sent} sent, {failed} failed, {pending} pending"
    if not yes:
        if not sys.stdin.isatty():
            raise ConfigError(
                f"--reset clears the delivery record of {issue_id} ({what}) and the next send mails "
                "every subscriber again: add --yes to confirm when not at a terminal"
            )
        typer.confirm(
            f"Clear the delivery record of {issue_id} ({what})? The next send mails every subscriber again", abort=True
        )
    sent, failed, pending = start_over(settings.build.state_dir, issue_id, rt.now())
    typer.echo(
        f"Cleared {issue_id}: {sent} sent, {failed} failed, {pending} pending row(s) removed; "
        f"the next `digest send {issue_id}` mails every subscriber again"
    )


def _print_dry_run(rt: Runtime, ref: str, retry_failed: bool, as_json: bool = False) -> None:
    from digest.send_setup import dry_run
    from digest.tokens import SECRET_ENV

    prep, plan, subject = dry_run(rt.settings, ref, rt.environ, rt.now(), retry_failed)
    for problem in prep.problems:
        warn(problem)
    if prep.factory is None:
        warn(f"{SECRET_ENV} is not set; a real send would stop before sending anything")
    if as_json:
        emit_json(
            {
                "version": 1,
                "dry_run": True,
                "issue": plan.issue,
                "transport": prep.transport.describe(),
                "subject": subject,
                "already_sent": plan.already_sent,
                "suppressed": plan.suppressed,
                "failed_before": plan.failed_before,
                "recipients": [{"email": sub.email, "name": sub.name} for sub in plan.todo],
            }
        )
        return
    typer.echo(f"Dry run: {plan.issue} via {prep.transport.describe()}")
    typer.echo(f"Subject: {subject}")
    typer.echo(
        f"Would send to {len(plan.todo)} recipient(s); {plan.already_sent} already sent, "
        f"{plan.suppressed} suppressed, {plan.failed_before} failed earlier"
        + ("" if retry_failed or not plan.failed_before else " (use --retry-failed)")
    )
    for sub in plan.todo:
        typer.echo(f"  {sub.email}" + (f"  ({sub.name})" if sub.name else ""))


@command("digest run --smtp smtp://apikey@smtp.example.com:587")
def run(
    config: ConfigOpt = None,
    subscribers: SubscribersOpt = None,
    smtp: SmtpOpt = None,
    api: ApiOpt = None,
    outbox: RunOutboxOpt = None,
    verbose: VerboseOpt = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """The cron entry: build the current week if not built yet, then send it if not sent yet.

    Safe to run twice. Refused without an SMTP relay unless --outbox asks for previews. Exit status:
    0 done (or nothing to do), 1 error, 3 the week has no articles, 4 some recipients deferred or
    failed (the next run retries them), 5 another run is in progress.
    """
    from digest.run import run_once

    quiet_command(quiet)
    rt = _runtime(config, subscribers=subscribers, smtp=smtp, api=api, outbox=outbox)
    log_level(verbose)
    with _stop_on_sigterm() as stop, progress("Sending", rate=True) as shown:
        result = run_once(
            rt.settings,
            rt.fetcher,
            rt.now(),
            rt.environ,
            stop=stop,
            previews=outbox is not None,
            **({"progress": shown} if shown else {}),
        )
    if not as_json:
        typer.echo(result.built_line)
    report(result.summary, as_json, {"built": result.built})


@command("digest serve --host 127.0.0.1 --port 8080")
def serve(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (put a TLS proxy in front of it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Serve one-click unsubscribe (POST /u/TOKEN), its confirmation page, the issues archive, and the
    bounce and complaint webhooks configured in [hooks] (POST /hooks/ses, postmark, mailgun, sendgrid)."""
    from digest.serve import make_http_server
    from digest.tokens import secrets_from_env

    rt = _runtime(config)
    settings = rt.settings
    secret = secrets_from_env(rt.environ)
    try:
        server = make_http_server(settings, secret, host, port, rt.environ)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    typer.echo(
        f"Serving unsubscribe and the archive ({settings.build.out}) on "
        f"http://{host}:{server.server_port}/ (Ctrl-C stops)"
    )
    hooks = sorted(server.app.webhooks.providers)
    if hooks:
        typer.echo("Webhooks: " + ", ".join(f"/hooks/{name}" for name in hooks))
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


subscribers_app = sub_app(
    "subscribers",
    "Manage the subscriber list and see the suppression list.",
    "digest subscribers add ann@example.com --name 'Ann Lee'",
)


def _store(config: Path | None) -> SubscriberStore:
    return SubscriberStore.in_state_dir(_runtime(config).settings.build.state_dir)


def _address(raw: str) -> str:
    try:
        return normalize_address(raw)
    except AddressError as exc:
        raise ConfigError(f"{raw!r} is not a valid address: {exc}") from None


@subscribers_app.command("add", epilog="Example: digest subscribers add ann@example.com --name 'Ann Lee'")
@guarded
def add(
    email: Annotated[str, typer.Argument(help="The address to add.")],
    name: Annotated[str, typer.Option(help="The subscriber's name.")] = "",
    resubscribe: Annotated[
        bool,
        typer.Option("--resubscribe", help="Lift an earlier unsubscribe or bounce (only at the person's own request)."),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Add a subscriber (or update the name of one already on the list)."""
    store = _store(config)
    address = _address(email)
    new = store.add(Subscriber(address, " ".join(name.split())))
    typer.echo(f"{'Added' if new else 'Updated'} {address}")
    reason = store.suppression(address)
    if reason and resubscribe:
        store.unsuppress(address)
        typer.echo(f"Lifted the suppression of {address} ({reason})")
    elif reason:
        warn(
            f"{address} is suppressed ({reason}) and will not be mailed; "
            "--resubscribe lifts that at the person's own request"
        )


@subscribers_app.command("remove", epilog="Example: digest subscribers remove ann@example.com")
@guarded
def remove(
    email: Annotated[str, typer.Argument(help="The address to remove.")],
    config: ConfigOpt = None,
) -> None:
    """Remove a subscriber and suppress the address, so no CSV or import mails it again."""
    store = _store(config)
    address = _address(email)
    removed = store.remove(address)
    store.suppress(address, REMOVED, source="cli")
    typer.echo(f"{'Removed' if removed else 'Not on the list:'} {address} (suppressed)")


@subscribers_app.command("import", epilog="Example: digest subscribers import subscribed_members_export.csv")
@guarded
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV export (Mailchimp, Substack, Buttondown, Ghost, listmonk or any CSV with an email column)."
        ),
    ],
    email_column: Annotated[
        str | None,
        typer.Option(
            help="The column holding the address (default: found from the usual headers, e.g. 'Email Address', 'email', 'E-Mail-Adresse')."
        ),
    ] = None,
    name_column: Annotated[
        str | None, typer.Option(help="The column holding the name (default: 'name', or 'First Name' + 'Last Name').")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Add every valid row of an export to the list in one go; rows it marks unsubscribed, cleaned,
    bounced or complained are suppressed instead; invalid rows are reported and skipped."""
    from digest.imports import read_export

    store = _store(config)
    export = read_export(file, email_column, name_column)
    for problem in export.invalid + export.duplicates:
        warn(problem)
    counts = store.import_rows(export.rows, source=f"import:{file.name}")
    typer.echo(
        f"Imported {file}: {counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.suppressed} suppressed, {len(export.invalid)} invalid"
        + (f", {len(export.duplicates)} repeated" if export.duplicates else "")
    )
    if counts.already_suppressed:
        warn(
            f"{counts.already_suppressed} imported address(es) were suppressed before and stay suppressed (not mailed)"
        )


@subscribers_app.command("list", epilog="Example: digest subscribers list --json")
@guarded
def list_(
    suppressed: Annotated[
        bool, typer.Option("--suppressed", help="List only the suppressed addresses and why.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Every address as JSON: email, name, status, reason, source, changed_at, paused_until."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Print every address with its status (unconfirmed, active, paused, suppressed) and, if suppressed, why."""
    import json

    rt = _runtime(config)
    entries = SubscriberStore.in_state_dir(rt.settings.build.state_dir).entries(rt.now())
    if suppressed:
        entries = [e for e in entries if e.status == SUPPRESSED]
    counted = sum(1 for e in entries if e.status != SUPPRESSED)
    if as_json:
        typer.echo(
            json.dumps(
                {"version": 1, "count": counted, "subscribers": [e.as_json() for e in entries]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo("email\tname\tstatus\treason\tsource\tchanged_at")
    for e in entries:
        status = f"paused until {e.paused_until[:10]}" if e.paused_until else e.status
        cells = (e.email, e.name, status, e.reason or "", e.source, e.changed_at)
        typer.echo("\t".join(spreadsheet_safe(c) for c in cells))
    typer.echo(
        f"{counted} subscriber(s)"
        + (f", {len(entries) - counted} suppressed (not counted)" if len(entries) > counted else ""),
        err=True,
    )
