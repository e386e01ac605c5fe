"""The public archive of issues: issues/index.html, a web version per issue and an Atom feed.

The index and the feed are made from the manifests on disk, so they list every issue ever built;
a web version is rendered at build time, when the full Issue is at hand.
"""

from __future__ import annotations

import json
import logging
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2

from digest.config import Settings
from digest.errors import ConfigError, DigestError, RenderError
from digest.locale_text import week_span
from digest.message import BuiltIssue, render_subject
from digest.models import PLACEHOLDERS, Issue
from digest.normalize import text_direction
from digest.render import environment, render_issue

log = logging.getLogger(__name__)

INDEX_FILE = "index.html"
FEED_FILE = "feed.xml"
WEB_DIR = "web"
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
    articles: tuple[dict[str, Any], ...]  # manifest article records, in reading order
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
        return min(self.updated, self.end.astimezone(timezone.utc))

    @property
    def web_path(self) -> str:
        """The web version's path relative to the archive folder."""
        return f"{WEB_DIR}/{self.id}.html"


def _archived(path: Path, manifest: dict[str, Any], subject_template: str) -> ArchivedIssue:
    """An ArchivedIssue from one manifest (raises KeyError/ValueError when it is malformed)."""
    issue_id = str(manifest["id"])
    lead = manifest.get("lead") or {}
    built = BuiltIssue(issue_id, "", "", manifest, path.parent)
    try:
        subject = render_subject(subject_template, built)
    except ConfigError:
        subject = built.title  # the send command reports a bad template; the archive still lists the issue
    return ArchivedIssue(
        id=issue_id, title=built.title, subject=subject, preheader=str(manifest.get("preheader") or ""),
        start=datetime.fromisoformat(manifest["week"]["start"]), end=datetime.fromisoformat(manifest["week"]["end"]),
        updated=datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(microsecond=0),
        lead_title=lead.get("title"), lead_url=lead.get("url"),
        articles=tuple(a for a in manifest.get("articles", ()) if isinstance(a, dict)),
        has_web=(path.parent / WEB_DIR / f"{issue_id}.html").is_file(),
        timezone=str(manifest["week"].get("timezone") or "UTC"),
        language=str((manifest.get("newsletter") or {}).get("language") or "en"),
    )


def read_archive(out: Path, subject_template: str) -> tuple[list[ArchivedIssue], list[str]]:
    """Every issue built into `out`, newest first, plus a warning per manifest that cannot be read."""
    issues, warnings = [], []
    for path in sorted(Path(out).glob("*.json")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or "week" not in manifest or manifest.get("id") != path.stem:
                continue  # not an issue manifest
            issues.append(_archived(path, manifest, subject_template))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            warnings.append(f"{path}: not a readable issue manifest ({exc}); left out of the archive")
    issues.sort(key=lambda i: (i.start, i.id), reverse=True)
    return issues, warnings


def index_html(issues: list[ArchivedIssue], settings: Settings) -> str:
    """The archive's index page (pure: renders the archive/index.html template)."""
    return _render(INDEX_TEMPLATE, settings.templates, issues=issues, name=settings.name,
                   tagline=settings.tagline, language=settings.language,
                   direction=text_direction(settings.language), labels=settings.labels, feed=FEED_FILE,
                   accent=settings.accent_color, text_color=settings.text_color)


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
    return (base[: -len(WEB_DIR)] if base.endswith("/" + WEB_DIR) else base + "/")


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
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": settings.language})
    root = archive_root(settings.web_url)  # absolute links when the archive's address is known
    _sub(feed, "id", _stable_id(settings.name))
    _sub(feed, "title", settings.name)
    if settings.tagline:
        _sub(feed, "subtitle", settings.tagline)
    newest = max((i.updated for i in issues), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    _sub(feed, "updated", newest.isoformat())
    _sub(feed, "link", rel="self", type="application/atom+xml", href=root + FEED_FILE)
    _sub(feed, "link", rel="alternate", type="text/html", href=root + INDEX_FILE)
    author = _sub(feed, "author")
    _sub(author, "name", settings.name)
    _sub(feed, "generator", "digest")
    for issue in issues:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _stable_id(settings.name, issue.id))
        _sub(entry, "title", issue.subject)
        _sub(entry, "updated", issue.updated.isoformat())
        _sub(entry, "published", issue.published.isoformat())
        if issue.has_web:
            _sub(entry, "link", rel="alternate", type="text/html", href=entry_link(issue.id, settings.web_url))
        if issue.preheader:
            _sub(entry, "summary", issue.preheader)
        content = _render(FEED_ENTRY_TEMPLATE, settings.templates, issue=issue, labels=settings.labels,
                          web_link=entry_link(issue.id, settings.web_url))
        _sub(entry, "content", content, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def web_version(issue: Issue, template_dir: Path | None = None) -> str:
    """The issue's web page: the email without per-recipient parts, every article listed (pure)."""
    if issue.omitted:  # a web page has no clip: the articles the email had no room for are listed too
        issue = replace(issue, more=issue.more + issue.omitted, omitted=())
    html = render_issue(issue, template_dir, web=True).html
    for placeholder in PLACEHOLDERS:  # a custom template may still use one: never publish it
        html = html.replace(placeholder, "")
    return html


def write_archive(settings: Settings, issue: Issue | None = None) -> list[str]:
    """Write the issue's web version (when given), then the index and the feed; returns warnings."""
    from digest.write import _atomic_write  # the project's one atomic writer

    out = Path(settings.out)
    try:
        if issue is not None:
            (out / WEB_DIR).mkdir(parents=True, exist_ok=True)
            _atomic_write(out / WEB_DIR / f"{issue.id}.html", web_version(issue, settings.templates))
        issues, warnings = read_archive(out, settings.subject)
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / INDEX_FILE, index_html(issues, settings))
        _atomic_write(out / FEED_FILE, atom_feed(issues, settings))
    except OSError as exc:
        raise DigestError(f"cannot write the archive in {out}: {exc.strerror or exc}") from None
    log.info("archive: %d issue(s) in %s", len(issues), out / INDEX_FILE)
    return warnings
