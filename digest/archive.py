"""The public archive of issues: issues/index.html, a web version per issue and an Atom feed.

The index and the feed are made from the issue records on disk, so they list every issue ever built;
a web version is rendered at build time, when the full Issue is at hand.
"""

from __future__ import annotations

import logging
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from digest.config import Settings
from digest.errors import ConfigError, RenderError
from digest.issue_record import ArticleRecord
from digest.issue_store import FEED_FILE, INDEX_FILE, WEB_DIR, IssueStore, StoredRecord
from digest.locale_text import week_span
from digest.models import PLACEHOLDERS, Issue
from digest.normalize import text_direction
from digest.render import environment, render_web_html
from digest.subject import render_subject

log = logging.getLogger(__name__)

INDEX_TEMPLATE = "archive/index.html"
FEED_ENTRY_TEMPLATE = "archive/feed_entry.html"
ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class ArchivedIssue:
    """One built issue as the archive lists it (read from its manifest)."""

    id: str
    title: str
    subject: str
    preheader: str
    start: datetime
    end: datetime  # exclusive
    updated: datetime  # when the issue was last built
    lead_title: str | None
    lead_url: str | None
    articles: tuple[ArticleRecord, ...]  # in reading order
    has_web: bool
    timezone: str = "UTC"
    language: str = "en"

    @property
    def date_label(self) -> str:
        """The issue's days in its language, e.g. "Nov 16 – 22, 2026" or "16.–22. Nov. 2026"."""
        return week_span(self.start, self.end, self.timezone, self.language)

    @property
    def published(self) -> datetime:
        """When the issue came out: the end of its week, or its build when that was earlier."""
        return min(self.updated, self.end.astimezone(UTC))

    @property
    def web_path(self) -> str:
        """The web version's path relative to the archive folder."""
        return f"{WEB_DIR}/{self.id}.html"


def archived(stored: StoredRecord, store: IssueStore, subject_template: str) -> ArchivedIssue:
    """An ArchivedIssue from one stored issue record."""
    record = stored.record
    try:
        subject = render_subject(subject_template, record)
    except ConfigError:
        subject = record.title  # the send command reports a bad template; the archive still lists the issue
    return ArchivedIssue(
        id=record.id,
        title=record.title,
        subject=subject,
        preheader=record.preheader,
        start=record.week.start,
        end=record.week.end,
        updated=stored.updated,
        lead_title=record.lead.title if record.lead else None,
        lead_url=record.lead.url if record.lead else None,
        articles=record.articles,
        has_web=store.web_path(record.id).is_file(),
        timezone=record.week.timezone or "UTC",
        language=record.newsletter.language or "en",
    )


def read_archive(out: Path, subject_template: str) -> tuple[list[ArchivedIssue], list[str]]:
    """Every issue built into `out`, newest first, plus a warning per JSON file that is not a readable issue."""
    store = IssueStore(out)
    found, warnings = store.records()
    return [archived(s, store, subject_template) for s in found], warnings


def index_html(issues: list[ArchivedIssue], settings: Settings) -> str:
    """The archive's index page (pure: renders the archive/index.html template)."""
    language = settings.newsletter.language
    return _render(
        INDEX_TEMPLATE,
        settings.build.templates,
        issues=issues,
        name=settings.newsletter.name,
        tagline=settings.newsletter.tagline,
        language=language,
        direction=text_direction(language),
        labels=settings.labels,
        feed=FEED_FILE,
        accent=settings.theme.accent_color,
        text_color=settings.theme.text_color,
    )


def _render(template: str, template_dir: Path | None, **context: Any) -> str:
    try:
        return environment(template_dir).get_template(template).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name} not found (the archive templates live in templates/archive/)") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"{template}: {exc}") from None


def entry_link(issue_id: str, web_url: str) -> str:
    """The web version's URL: web_url/<id>.html when web_url names the web folder, else relative."""
    base = (web_url or "").strip()
    if base and not base.endswith((".html", ".htm")):
        return f"{base.rstrip('/')}/{issue_id}.html"
    return f"{WEB_DIR}/{issue_id}.html"


def archive_root(web_url: str) -> str:
    """The archive folder's public URL (ending in /), from web_url naming its web/ folder; "" when unknown."""
    base = (web_url or "").strip()
    if not base.startswith(("https://", "http://")) or base.endswith((".html", ".htm")):
        return ""
    base = base.rstrip("/")
    return base[: -len(WEB_DIR)] if base.endswith("/" + WEB_DIR) else base + "/"


def _stable_id(*parts: str) -> str:
    """A permanent Atom id: the same newsletter and issue always give the same URN."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "digest:" + "/".join(parts)).urn


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(issues: list[ArchivedIssue], settings: Settings) -> str:
    """The Atom 1.0 feed of issues, newest first (pure: built with xml.etree)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": settings.newsletter.language})
    root = archive_root(settings.newsletter.web_url)  # absolute links when the archive's address is known
    _sub(feed, "id", _stable_id(settings.newsletter.name))
    _sub(feed, "title", settings.newsletter.name)
    if settings.newsletter.tagline:
        _sub(feed, "subtitle", settings.newsletter.tagline)
    newest = max((i.updated for i in issues), default=datetime(1970, 1, 1, tzinfo=UTC))
    _sub(feed, "updated", newest.isoformat())
    _sub(feed, "link", rel="self", type="application/atom+xml", href=root + FEED_FILE)
    _sub(feed, "link", rel="alternate", type="text/html", href=root + INDEX_FILE)
    author = _sub(feed, "author")
    _sub(author, "name", settings.newsletter.name)
    _sub(feed, "generator", "digest")
    for issue in issues:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _stable_id(settings.newsletter.name, issue.id))
        _sub(entry, "title", issue.subject)
        _sub(entry, "updated", issue.updated.isoformat())
        _sub(entry, "published", issue.published.isoformat())
        if issue.has_web:
            _sub(
                entry, "link", rel="alternate", type="text/html", href=entry_link(issue.id, settings.newsletter.web_url)
            )
        if issue.preheader:
            _sub(entry, "summary", issue.preheader)
        content = _render(
            FEED_ENTRY_TEMPLATE,
            settings.build.templates,
            issue=issue,
            labels=settings.labels,
            web_link=entry_link(issue.id, settings.newsletter.web_url),
        )
        _sub(entry, "content", content, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def web_version(issue: Issue, template_dir: Path | None = None) -> str:
    """The issue's web page: the email without per-recipient parts, every article listed (pure)."""
    if issue.omitted:  # a web page has no clip: the articles the email had no room for are listed too
        issue = replace(issue, more=issue.more + issue.omitted, omitted=())
    html = render_web_html(issue, template_dir)
    for placeholder in PLACEHOLDERS:  # a custom template may still use one: never publish it
        html = html.replace(placeholder, "")
    return html


def write_archive(settings: Settings, issue: Issue | None = None) -> list[str]:
    """Write the issue's web version (when given), then the index and the feed; returns warnings."""
    store = IssueStore(Path(settings.build.out))
    if issue is not None:
        store.write_web(issue.id, web_version(issue, settings.build.templates))
    issues, warnings = read_archive(store.out, settings.send.subject)
    store.write_index(index_html(issues, settings))
    store.write_feed(atom_feed(issues, settings))
    log.info("archive: %d issue(s) in %s", len(issues), store.index_path)
    return warnings
