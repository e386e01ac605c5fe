"""The one place that states the stage order (`build_issue`).

gather (collect every source, settle the window) -> compose (select -> summarize -> group -> curate ->
fit and render; pure) -> publish (issue files, web version, index, feed, curation file).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digest.archive import write_archive
from digest.collect import collect
from digest.config import Settings
from digest.curate import apply_curation, curate_text
from digest.errors import EmptyIssueError, SourceError
from digest.fit import fit_to_budget
from digest.group import GroupRules, group_issue
from digest.issue_record import IssueRecord
from digest.issue_store import IssuePaths, IssueStore
from digest.locale_text import join_list, week_span
from digest.models import (
    Collected,
    Issue,
    Labels,
    Newsletter,
    Rendered,
    Skip,
    Week,
)
from digest.progress import ProgressFn, no_progress
from digest.select import Selection, select
from digest.sources import SourceSpec
from digest.state import load_sent

if TYPE_CHECKING:
    from digest.fetch import Fetcher
from digest.summarize import Summarizer, summarizer_for
from digest.week import resolve_window

log = logging.getLogger(__name__)

SAMPLE_NAME = "The Circuit"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: the issue, its rendering, the files and the run's report."""

    issue: Issue
    rendered: Rendered
    paths: tuple[Path, ...]
    collected: Collected
    skipped: tuple[Skip, ...]
    warnings: tuple[str, ...]
    folds: tuple[str, ...] = ()  # small sections folded into others, one line each


def sample_source() -> SourceSpec:
    """The bundled sample week, used when no source is configured."""
    from importlib import resources  # only here: a build of configured sources never needs it

    path = resources.files("digest") / "data" / "sample-week.json"
    return SourceSpec(name=SAMPLE_NAME, location=str(path), kind="native")


def newsletter_of(settings: Settings) -> Newsletter:
    """The newsletter identity and theme, from settings."""
    from digest.normalize import text_direction

    return Newsletter(
        name=settings.newsletter.name,
        sender=settings.newsletter.sender,
        postal_address=settings.newsletter.postal_address,
        language=settings.newsletter.language,
        direction=text_direction(settings.newsletter.language),
        accent_color=settings.theme.accent_color,
        text_color=settings.theme.text_color,
        background_color=settings.theme.background_color,
        logo_url=settings.newsletter.logo_url or None,
        web_url=settings.newsletter.web_url or None,
        font_family=settings.theme.font_family,
        tagline=settings.newsletter.tagline,
        labels=settings.labels,
    )


def issue_title(week: Week, labels: Labels = Labels(), language: str = "en") -> str:
    """The issue's heading: "Week 47, 2026" (the week_title label) for an ISO week, else its dates."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week.id)
    if match:
        return labels.week_title.format(week=int(match.group(2)), year=match.group(1))
    return week_span(week.start, week.end, week.timezone, language)


PREHEADER_CHARS = 110  # inbox lists show about 40-90 characters; more is never seen


def preheader(
    stories: list[str], sections: list[str], count: int, labels: Labels | None = None, language: str = "en"
) -> str:
    """A preheader that adds to the subject (which names the lead): the next top stories, as many as
    fit, else how many more stories there are and on what. `stories` and `count` leave the lead out."""
    labels = labels or Labels()
    titles: list[str] = []
    separator = " · "
    for title in (" ".join(t.split()) for t in stories if t.strip()):
        text = labels.preheader.format(stories=separator.join(titles + [title]))
        if len(text) > PREHEADER_CHARS:
            break
        titles.append(title)
    if titles:
        return labels.preheader.format(stories=separator.join(titles))
    for named in (sections[:3], sections[:1], []):
        if count <= 0:
            break
        text = labels.preheader_sections.format(count=count, topics=join_list(named, language)).strip(" :")
        if named and len(text) <= PREHEADER_CHARS:
            return text
    return ""


@dataclass(frozen=True)
class Gathered:
    """What collecting produced: every source's articles and the window they settled."""

    collected: Collected
    window: Week


@dataclass(frozen=True)
class Composed:
    """An issue computed but not yet written: the issue, its rendering and its curation file's text."""

    issue: Issue
    rendered: Rendered
    curation_text: str  # the curation file as it must read after this build
    curation_changed: bool  # the file is missing or differs: publish writes it
    skipped: tuple[Skip, ...]
    warnings: tuple[str, ...]
    folds: tuple[str, ...] = ()
    whole: Issue | None = None  # the issue before trimming: the web version shows every story of it


def gather(settings: Settings, fetcher: Fetcher, now: datetime, progress: ProgressFn = no_progress) -> Gathered:
    """Collect every source and settle the window ('latest' needs the articles first); progress per source."""
    from digest.memory import collect_rarely, pin_mmap_threshold

    pin_mmap_threshold()  # before a large week's megabytes come and go (see digest.memory)
    collect_rarely()
    specs = settings.sources or (sample_source(),)
    choice = settings.week_choice
    window = (
        None
        if choice == "latest"
        else resolve_window(choice, settings.build.since, settings.build.until, settings.newsletter.timezone, now)
    )
    collected = collect(
        specs,
        fetcher,
        since=window_start_with_grace(window, settings) if window else None,
        until=window.end if window else None,
        strict=settings.build.strict,
        workers=settings.fetch.workers,
        progress=progress,
    )
    if settings.build.strict and collected.skipped:
        first = collected.skipped[0]
        raise SourceError(
            f"--strict: {first.source}: {first.item}: {first.reason} "
            f"({len(collected.skipped)} unusable item(s) in all); fix the input or drop --strict"
        )
    if window is None:
        latest = max((a.published for a in collected.articles), default=now)
        window = resolve_window("latest", "", "", settings.newsletter.timezone, now, latest)
    return Gathered(collected, window)


def window_start_with_grace(window: Week, settings: Settings) -> datetime:
    """The earliest publication an issue may carry: the window's start less the carry-over days."""
    try:
        return window.start - timedelta(days=settings.build.carry_over_days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def named_sections(settings: Settings) -> frozenset[str]:
    """Sections the editor named (in [sections] order, a source's `section` pin or `category_map`): kept whole."""
    names = set(settings.sections.order)
    for spec in settings.sources:
        pin = spec.options.get("section")
        mapping = spec.options.get("category_map") or {}
        names.update(v for v in [pin, *mapping.values()] if isinstance(v, str) and v.strip())
    return frozenset(n.strip() for n in names)


def assemble(
    settings: Settings, window: Week, selection: Selection, collected: Collected, summarizer: Summarizer
) -> tuple[Issue, tuple[str, ...], tuple[str, ...]]:
    """Summarize and group the selected articles into an Issue, with the summarizer's warnings and the folds."""
    summaries = summarizer.summarize(selection.articles)
    rules = GroupRules(
        settings.sections.order,
        settings.sections.aliases,
        settings.sections.keywords,
        settings.sections.default or settings.labels.default_section,
        settings.build.max_per_section,
        settings.sections.min_size,
        named_sections(settings),
    )
    lead, sections, folds = group_issue(selection.articles, summaries.by_id, window, rules)
    others = [s.entries[0].article.title for s in sections if s.entries]  # each section's top story
    return (
        Issue(
            id=window.id,
            week=window,
            title=issue_title(window, settings.labels, settings.newsletter.language),
            preheader=preheader(
                others,
                [s.name for s in sections],
                len(selection.articles) - (1 if lead else 0),
                settings.labels,
                settings.newsletter.language,
            ),
            newsletter=newsletter_of(settings),
            lead=lead,
            sections=sections,
            sources=collected.reports,
        ),
        summaries.warnings,
        tuple(folds),
    )


def compose(
    settings: Settings, gathered: Gathered, sent: set[str], curation: str | None, summarizer: Summarizer
) -> Composed:
    """Select, summarize, group, curate and render (no writing): the issue as it would be published.

    `sent` holds the ids earlier issues carried; `curation` is the curation file's text (None: no file yet).
    """
    collected, window = gathered.collected, gathered.window
    selection = select(collected.articles, window, sent, timedelta(days=settings.build.carry_over_days))
    if not selection.articles and not settings.build.allow_empty:
        from digest.empty_week import explain_empty

        why = explain_empty(collected, selection.skipped, window)
        raise EmptyIssueError(
            f"no articles in {window.id}: {why}; nothing written (use --allow-empty to write an empty issue)"
        )
    issue, stage_warnings, folds = assemble(settings, window, selection, collected, summarizer)
    where = str(IssueStore(settings.build.out).curation_path(window.id))
    text, curation_rules, notes = curate_text(issue, curation, where)  # the editor's <out>/<id>.toml
    whole, curation_warnings = apply_curation(issue, curation_rules)
    issue, rendered = fit_to_budget(whole, settings.build.templates, settings.build.html_budget)
    warnings = (
        tuple(f"{r.name}: {r.error}" for r in collected.reports if not r.ok)
        + stage_warnings
        + tuple(notes)
        + tuple(curation_warnings)
        + rendered.warnings
    )
    return Composed(
        issue, rendered, text, text != curation, collected.skipped + selection.skipped, warnings, folds, whole
    )


def publish(settings: Settings, composed: Composed) -> tuple[IssuePaths, list[str]]:
    """Write the issue files, the web version, the index, the feed and the curation file, in that order."""
    store = IssueStore(settings.build.out)
    paths = store.write(IssueRecord.from_issue(composed.issue), composed.rendered)
    # The web version has no clip: it shows every story with its summary, as the whole issue has them.
    warnings = write_archive(settings, composed.whole or composed.issue)  # web/<id>.html, index.html, feed.xml
    if composed.curation_changed:
        store.write_curation(composed.issue.id, composed.curation_text)
    return paths, warnings


def build_issue(
    settings: Settings,
    fetcher: Fetcher,
    now: datetime,
    write: bool = True,
    gathered: Gathered | None = None,
    summarizer: Summarizer | None = None,
    progress: ProgressFn = no_progress,
) -> BuildResult:
    """Every stage in order: gather (unless given), read the sent record and curation, compose, publish.

    The summarizer defaults to the one `[build] summarizer` names; `progress` is told of each source read.
    """
    gathered = gathered or gather(settings, fetcher, now, progress)
    sent = load_sent(settings.build.state_dir, exclude=gathered.window.id)
    curation = IssueStore(settings.build.out).read_curation(gathered.window.id)
    composed = compose(settings, gathered, sent, curation, summarizer or summarizer_for(settings))
    paths, archive_warnings = publish(settings, composed) if write else ((), [])
    return BuildResult(
        composed.issue,
        composed.rendered,
        tuple(paths),
        gathered.collected,
        composed.skipped,
        composed.warnings + tuple(archive_warnings),
        composed.folds,
    )
