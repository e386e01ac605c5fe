"""What `digest build` tells its user: the one-screen summary, or the same facts as JSON (--json)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from digest.config import Settings

if TYPE_CHECKING:
    from digest.pipeline import BuildResult

JSON_VERSION = 1


@dataclass(frozen=True)
class AfterBuild:
    """What the build changed beside the issue files, read back from the folders it wrote."""

    archive: tuple[Path, ...]  # the archive files the build rewrote (web version, index, feed)
    curation_file: Path
    curation_edits: tuple[str, ...]  # the editor's decisions applied (empty: the file is as digest wrote it)
    already_sent: int  # recipients the ledger shows as sent this issue before the rebuild
    sent_record: bool  # the sent-articles record lists this issue


def after_build(settings: Settings, result: BuildResult) -> AfterBuild:
    """Read what the build left beside the issue: archive files, curation edits, earlier deliveries."""
    from digest.curate import is_edited, parse_curation
    from digest.errors import DigestError
    from digest.issue_store import IssueStore
    from digest.ledger import SENT, read_states
    from digest.state import sent_issues

    issue_id = result.issue.id
    store = IssueStore(Path(settings.build.out))
    archive = (
        tuple(p for p in (store.web_path(issue_id), store.index_path, store.feed_path) if p.is_file())
        if result.paths
        else ()
    )
    path = store.curation_path(issue_id)
    edits: tuple[str, ...] = ()
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if is_edited(text):
            try:
                edits = tuple(parse_curation(text, str(path)).edits()) or ("article order",)
            except DigestError:
                edits = ()  # the build already warned about the file
    try:
        sent = sum(1 for state in read_states(settings.build.state_dir, issue_id).values() if state == SENT)
        recorded = issue_id in sent_issues(settings.build.state_dir)
    except DigestError:
        sent, recorded = 0, False  # a damaged record is reported by the commands that use it
    return AfterBuild(archive, path, edits, sent, recorded)


def sent_warning(issue_id: str, after: AfterBuild) -> str | None:
    """The warning for rebuilding an issue readers already have, or None."""
    if not (after.already_sent or after.sent_record):
        return None
    who = f"{after.already_sent} subscriber(s)" if after.already_sent else "subscribers"
    return (
        f"{issue_id} was already sent to {who}: the rebuilt files and the web archive now differ from "
        "what they received"
    )


def _local(moment: datetime, tz: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(tz))
    except (KeyError, ValueError, OSError):
        return moment


def window_line(result: BuildResult) -> str:
    """`Week 2026-W47: 2026-11-16 00:00 to 2026-11-23 00:00 Europe/Berlin` in the newsletter's own timezone."""
    week = result.issue.week
    start, end = _local(week.start, week.timezone), _local(week.end, week.timezone)
    return f"Week {week.id}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {week.timezone}"


def skip_counts(result: BuildResult) -> dict[str, int]:
    """Skipped items by kind of reason, commonest first."""
    from digest.select import skip_kind

    counts = Counter(skip_kind(skip.reason) for skip in result.skipped)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _kb(size: int) -> str:
    return f"{size / 1000:.1f} KB"


def format_report(result: BuildResult, after: AfterBuild | None = None) -> str:
    """The one-screen summary printed after a build."""
    from digest.render import encoded_size
    from digest.summarize import summary_counts_line

    issue = result.issue
    lines = []
    if result.paths:
        html, text, manifest = result.paths
        lines.append(f"Wrote {html} (+ {text.name}, {manifest.name})")
    if after and after.archive:
        lines.append("Rewrote the archive: " + ", ".join(str(p) for p in after.archive))
    lines.append(window_line(result))
    reports = result.collected.reports
    failed = [r for r in reports if not r.ok]
    lines.append(f"Sources: {len(reports) - len(failed)} read, {len(failed)} failed")
    for r in reports:
        lines.append(f"  {r.items:>3}  {r.name}" if r.ok else f"  failed  {r.name}")
    kept = len(issue.entries) + len(issue.omitted)
    lines.append(f"Articles: {kept} kept, {len(result.skipped)} skipped")
    for kind, count in skip_counts(result).items():
        lines.append(f"  skipped {count:>3}  {kind}")
    if after and after.curation_edits:
        lines.append(f"Curation: applied {', '.join(after.curation_edits)} from {after.curation_file}")
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
    return "\n".join(lines)


def _iso(moment: datetime | None, tz: str = "UTC") -> str | None:
    return _local(moment, tz).isoformat() if moment else None


def report_json(result: BuildResult, after: AfterBuild, warnings: list[str]) -> dict[str, Any]:
    """The build's facts as one JSON document (schema in docs/cli.md)."""
    from digest.render import encoded_size
    from digest.summarize import summary_counts

    issue, week = result.issue, result.issue.week
    html, text, manifest = (str(p) for p in result.paths) if result.paths else (None, None, None)
    return {
        "version": JSON_VERSION,
        "issue": issue.id,
        "title": issue.title,
        "window": {
            "start": _iso(week.start, week.timezone),
            "end": _iso(week.end, week.timezone),
            "timezone": week.timezone,
        },
        "files": {"html": html, "text": text, "manifest": manifest, "archive": [str(p) for p in after.archive]},
        "sources": [
            {"name": r.name, "kind": r.kind, "ok": r.ok, "items": r.items, "newest": _iso(r.newest), "error": r.error}
            for r in result.collected.reports
        ],
        "articles": {
            "kept": len(issue.entries) + len(issue.omitted),
            "skipped": len(result.skipped),
            "skipped_by_reason": skip_counts(result),
        },
        "sections": [{"name": s.name, "articles": len(s.entries), "links": len(s.more)} for s in issue.sections],
        "folded": list(result.folds),
        "summaries": dict(summary_counts(issue)),
        "curation": {"file": str(after.curation_file), "edits": list(after.curation_edits)},
        "already_sent": after.already_sent,
        "html_bytes": len(result.rendered.html.encode("utf-8")),
        "encoded_bytes": encoded_size(result.rendered.html),
        "warnings": warnings,
    }
