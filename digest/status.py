"""`digest status`: the week's issue at a glance: built, curated, sent to how many, what is left.

Reads only: the issue's record, its curation file, the delivery ledger and the subscriber list.
Nothing is created, so status can run before anything else has.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from digest.config import Settings
from digest.curate import is_edited, parse_curation
from digest.errors import DigestError
from digest.issue_store import IssueStore
from digest.week import resolve_window

DEFAULT_OUT = Path("issues")  # the build's default folder: suggestions name any other with --out


@dataclass(frozen=True)
class Delivery:
    """Where sending stands for one issue (from the ledger and the subscriber list)."""

    recipients: int  # on the list (or in the CSV) now
    sent: int
    to_send: int  # pending, deferred or never tried
    in_doubt: int  # in flight when a run stopped: the next run sends them again
    failed: int
    suppressed: int
    lost: str = ""  # why an issue with no ledger rows was sent before: the ledger was lost or replaced


@dataclass(frozen=True)
class WeekStatus:
    """Everything `digest status` reports about one issue."""

    issue_id: str
    built_at: datetime | None
    articles: int
    curation_file: Path
    curation_exists: bool
    curated: bool
    edits: tuple[str, ...]
    curation_error: str
    web_version: bool
    delivery: Delivery | None
    latest_built: str | None  # the newest issue on disk, when it is not this one
    out_option: str = ""  # " --out FOLDER" when the issues folder is not the default one
    explicit: bool = True  # a window was asked for (else the default: the latest issue built)
    warnings: tuple[str, ...] = ()  # files in the issues folder that are not readable issues
    summaries: Mapping[str, int] = field(default_factory=dict)  # summary origin -> articles

    @property
    def issue_ref(self) -> str:
        """How `digest send` names this issue: its id, or its manifest's path outside the default folder."""
        return f"{shlex.quote(str(self.curation_file.with_suffix('.json')))}" if self.out_option else self.issue_id


def delivery_status(settings: Settings, issue_id: str) -> Delivery | None:
    """Delivery numbers from the send ledger; None when nothing was ever sent or queued."""
    from digest.journal import lost_evidence
    from digest.ledger import read_states
    from digest.send import plan_send
    from digest.subscriber_csv import read_csv
    from digest.subscribers import STORE_FILE, SubscriberStore

    store_path = Path(settings.build.state_dir) / STORE_FILE
    states = read_states(settings.build.state_dir, issue_id)
    lost = "" if states else lost_evidence(settings.build.state_dir, issue_id)
    suppressed: set[str] = set()
    if store_path.exists():  # a directory or a damaged file is reported, not skipped
        store = SubscriberStore(store_path)
        suppressed = store.suppressed_keys()
        recipients = store.receiving(with_suppressed=True) if settings.send.subscribers is None else []
    else:
        recipients = []
    if settings.send.subscribers is not None:
        recipients, _ = read_csv(Path(settings.send.subscribers))
    if not recipients and not states and not lost:
        return None
    if not recipients:  # sent with `--subscribers FILE` only: the ledger knows whom the issue was for
        from digest.addresses import Subscriber

        recipients = [Subscriber(key) for key in states]
    plan = plan_send(issue_id, recipients, states, suppressed)
    return Delivery(
        recipients=len(recipients),
        sent=plan.already_sent,
        to_send=len(plan.todo) - plan.in_doubt,
        in_doubt=plan.in_doubt,
        failed=plan.failed_before,
        suppressed=plan.suppressed,
        lost=lost,
    )


def window_options(issue_id: str) -> str:
    """The options that name an issue's window: --week for an ISO week, else --since and --until."""
    since, sep, until = issue_id.partition("--")
    return f"--since {since} --until {until}" if sep else f"--week {issue_id}"


def week_status(settings: Settings, now: datetime) -> WeekStatus:
    """The status of the settings' window; with none given, of the latest issue built (else the current week)."""
    store = IssueStore(Path(settings.build.out))
    found, warnings = store.records()  # stray JSON files are skipped with a warning
    latest = found[0] if found else None
    explicit = bool(settings.build.since or settings.build.until) or settings.build.week.strip().lower() not in (
        "",
        "latest",
    )
    if latest is not None and not explicit:
        window = latest.record.week
    else:
        choice = "current" if settings.week_choice == "latest" else settings.week_choice
        window = resolve_window(choice, settings.build.since, settings.build.until, settings.newsletter.timezone, now)
    built_at, articles = None, 0
    summaries: dict[str, int] = {}
    if store.paths(window.id).json.is_file():
        stored = store.load_record(window.id)  # a damaged manifest stops here with one line
        built_at, articles = stored.updated, len(stored.record.articles)
        for placed in stored.record.articles:
            origin = placed.summary_origin or "none"
            summaries[origin] = summaries.get(origin, 0) + 1
    path = store.curation_path(window.id)
    edits: tuple[str, ...] = ()
    curated, error = False, ""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        curated = is_edited(text)
        try:
            edits = tuple(parse_curation(text, str(path)).edits())
        except DigestError as exc:
            error = str(exc)
    latest_id = latest.record.id if latest else None
    return WeekStatus(
        issue_id=window.id,
        built_at=built_at,
        articles=articles,
        curation_file=path,
        summaries=summaries,
        curation_exists=path.is_file(),
        curated=curated,
        edits=edits,
        curation_error=error,
        web_version=store.web_path(window.id).is_file(),
        delivery=delivery_status(settings, window.id) if built_at else None,
        latest_built=latest_id if latest_id != window.id else None,
        out_option="" if Path(settings.build.out) == DEFAULT_OUT else f" --out {shlex.quote(str(settings.build.out))}",
        explicit=explicit,
        warnings=tuple(warnings),
    )


def next_steps(status: WeekStatus) -> list[str]:
    """What is left to do for the issue, in order."""
    steps = []
    if status.built_at is None:
        window = f" {window_options(status.issue_id)}" if status.explicit else ""
        steps.append(f"build it: digest build{window}{status.out_option}")
        return steps
    if status.curation_error:
        steps.append(f"fix the curation file: {status.curation_error}")
    elif not status.curated:
        steps.append(f"curate it: edit {status.curation_file} (digest preview shows each change)")
    delivery = status.delivery
    if delivery and delivery.lost:
        steps.append(
            f"the delivery ledger has no record of {status.issue_id}, but {delivery.lost}: restore the "
            f"ledger from a backup, or start the issue over with digest send {status.issue_id} --reset"
        )
        return steps
    if delivery is None or (delivery.recipients == 0 and delivery.sent == 0):
        steps.append("add subscribers: digest subscribers add EMAIL")
    elif delivery.to_send or delivery.in_doubt:
        steps.append(f"send to {delivery.to_send + delivery.in_doubt} recipient(s): digest send {status.issue_ref}")
    if delivery and delivery.failed:
        steps.append(
            f"{delivery.failed} failed permanently: digest send {status.issue_ref} --retry-failed to try again"
        )
    return steps


def format_status(status: WeekStatus) -> str:
    """The status as a few lines of text."""
    lines = [f"Issue {status.issue_id}"]
    if status.built_at:
        lines.append(
            f"  built:   yes, {status.built_at:%Y-%m-%d %H:%M} UTC, {status.articles} articles"
            + ("" if status.web_version else " (no web version)")
        )
        if status.summaries:
            from digest.summarize import origin_counts_line  # the summarizer's modules load nupunkt: not at start-up

            lines.append("  " + origin_counts_line(dict(status.summaries)).replace("Summaries:", "summaries:"))
    else:
        lines.append("  built:   no")
    if not status.curation_exists:
        lines.append("  curated: no (the first build writes the curation file)")
    elif status.curation_error:
        lines.append(f"  curated: the curation file has an error: {status.curation_error}")
    else:
        detail = ", ".join(status.edits) or "article order"
        lines.append(f"  curated: {'yes (' + detail + ')' if status.curated else 'no'}; {status.curation_file}")
    d = status.delivery
    if d is None:
        lines.append("  sent:    not yet (no subscribers or ledger entries)" if status.built_at else "  sent:    no")
    elif d.lost:
        lines.append("  sent:    unknown: the delivery ledger lost its record of this issue")
    else:
        lines.append(
            f"  sent:    {d.sent} of {d.recipients} recipients; {d.to_send + d.in_doubt} left to send, "
            f"{d.failed} failed, {d.suppressed} suppressed"
        )
    steps = next_steps(status)
    lines.append("Left to do:" if steps else "Nothing left to do for this issue.")
    lines += [f"  - {step}" for step in steps]
    if status.latest_built:
        lines.append(
            f"(latest built issue: {status.latest_built}; see it with: "
            f"digest status {window_options(status.latest_built)}{status.out_option})"
        )
    return "\n".join(lines)


def status_json(status: WeekStatus) -> dict:
    """The status as one JSON document for scripts (schema in docs/cli.md)."""
    d = status.delivery
    return {
        "version": 1,
        "issue": status.issue_id,
        "built": status.built_at is not None,
        "built_at": status.built_at.isoformat() if status.built_at else None,
        "articles": status.articles,
        "web_version": status.web_version,
        "curation": {
            "file": str(status.curation_file),
            "exists": status.curation_exists,
            "edited": status.curated,
            "edits": list(status.edits),
            "error": status.curation_error or None,
        },
        "delivery": None
        if d is None
        else {
            "recipients": d.recipients,
            "sent": d.sent,
            "to_send": d.to_send + d.in_doubt,
            "in_doubt": d.in_doubt,
            "failed": d.failed,
            "suppressed": d.suppressed,
            "ledger_lost": bool(d.lost),
        },
        "next_steps": next_steps(status),
        "latest_built": status.latest_built,
    }
