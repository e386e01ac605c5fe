"""The one place that states the stage order: collect -> select -> summarize -> group -> curate -> fit (render) -> write."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from digest.archive import write_archive
from digest.collect import collect
from digest.config import Settings
from digest.curate import curate
from digest.errors import EmptyIssueError, SourceError
from digest.fit import fit_to_budget
from digest.group import GroupRules, group
from digest.locale_text import join_list, week_span
from digest.models import Collected, Issue, Labels, Newsletter, Rendered, Skip, Week
from digest.select import Selection, select
from digest.sources import SourceSpec
from digest.state import load_sent
from digest.summarize import summarize_all
from digest.week import resolve_window
from digest.write import write_issue

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


def sample_source() -> SourceSpec:
    """The bundled sample week, used when no source is configured."""
    path = resources.files("digest") / "data" / "sample-week.json"
    return SourceSpec(name=SAMPLE_NAME, location=str(path), kind="native")


def newsletter_of(settings: Settings) -> Newsletter:
    """The newsletter identity and theme, from settings."""
    from digest.normalize import text_direction

    return Newsletter(
        name=settings.name, sender=settings.sender, postal_address=settings.postal_address,
        language=settings.language, direction=text_direction(settings.language),
        accent_color=settings.accent_color, text_color=settings.text_color,
        background_color=settings.background_color, logo_url=settings.logo_url or None,
        web_url=settings.web_url or None, font_family=settings.font_family, tagline=settings.tagline,
        labels=settings.labels,
    )


def issue_title(week: Week, labels: Labels = Labels(), language: str = "en") -> str:
    """The issue's heading: "Week 47, 2026" (the week_title label) for an ISO week, else its dates."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week.id)
    if match:
        return labels.week_title.format(week=int(match.group(2)), year=match.group(1))
    return week_span(week.start, week.end, week.timezone, language)


PREHEADER_CHARS = 110  # inbox lists show about 40-90 characters; more is never seen


def preheader(stories: list[str], sections: list[str], count: int, labels: Labels | None = None,
              language: str = "en") -> str:
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


def collect_window(settings: Settings, fetcher, now: datetime) -> tuple[Collected, Week]:
    """Collect every source and settle the window ('latest' needs the articles first)."""
    specs = settings.sources or (sample_source(),)
    choice = settings.week_choice
    window = None if choice == "latest" else resolve_window(choice, settings.since, settings.until,
                                                            settings.timezone, now)
    grace = timedelta(days=settings.carry_over_days)
    collected = collect(specs, fetcher, since=window.start - grace if window else None,
                        until=window.end if window else None, strict=settings.strict,
                        workers=settings.fetch_workers)
    if settings.strict and collected.skipped:
        first = collected.skipped[0]
        raise SourceError(f"--strict: {first.source}: {first.item}: {first.reason} "
                          f"({len(collected.skipped)} unusable item(s) in all); fix the input or drop --strict")
    if window is None:
        latest = max((a.published for a in collected.articles), default=now)
        window = resolve_window("latest", "", "", settings.timezone, now, latest)
    return collected, window


def assemble(settings: Settings, window: Week, selection: Selection, collected: Collected) -> Issue:
    """Summarize and group the selected articles into an Issue (pure)."""
    summaries = summarize_all(selection.articles, settings.summary_words, settings.summary_sentences)
    rules = GroupRules(settings.section_order, settings.section_aliases, settings.section_keywords,
                       settings.default_section or settings.labels.default_section, settings.max_per_section)
    lead, sections = group(selection.articles, summaries, window, rules)
    others = [s.entries[0].article.title for s in sections if s.entries]  # each section's top story
    return Issue(
        id=window.id, week=window, title=issue_title(window, settings.labels, settings.language),
        preheader=preheader(others, [s.name for s in sections], len(selection.articles) - (1 if lead else 0),
                            settings.labels, settings.language),
        newsletter=newsletter_of(settings), lead=lead, sections=sections, sources=collected.reports,
    )


def build_issue(settings: Settings, fetcher, now: datetime, write: bool = True) -> BuildResult:
    """Run every stage for the settings' week and (by default) write the issue's files."""
    collected, window = collect_window(settings, fetcher, now)
    sent = load_sent(settings.state_dir, exclude=window.id)
    selection = select(collected.articles, window, sent, timedelta(days=settings.carry_over_days))
    if not selection.articles and not settings.allow_empty:
        raise EmptyIssueError(f"no articles in {window.id}; nothing written (use --allow-empty to write an empty issue)")
    issue = assemble(settings, window, selection, collected)
    whole, curation_warnings = curate(issue, settings.out, write)  # the editor's <out>/<id>.toml
    issue, rendered = fit_to_budget(whole, settings.templates, settings.html_budget)
    paths = write_issue(issue, rendered, settings.out) if write else ()
    # The web version has no clip: it shows every story with its summary, as the whole issue has them.
    archive_warnings = write_archive(settings, whole) if write else []  # index.html, web/<id>.html, feed.xml
    warnings = (tuple(f"{r.name}: {r.error}" for r in collected.reports if not r.ok) + tuple(curation_warnings)
                + rendered.warnings + tuple(archive_warnings))
    return BuildResult(issue, rendered, tuple(paths), collected, collected.skipped + selection.skipped, warnings)
