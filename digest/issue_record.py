"""The built issue as a typed record: what `<out>/<id>.json` holds, and its one reader and writer.

`IssueRecord.from_issue` makes the record of a composed Issue; `to_json` and `from_json` are the
only code that knows the manifest's keys. `from_json` checks the manifest version and the type of
every field it reads, and raises ManifestError (one line: the file and what to do) otherwise.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, overload

from digest.errors import ConfigError
from digest.models import Entry, Issue, SourceReport, Week

MANIFEST_VERSION = 1


class ManifestError(ConfigError):
    """A file in the issues folder is not an issue manifest this digest can read."""


class Placement(enum.Enum):
    """Where an article sits in the issue."""

    LEAD = "lead"
    SECTION = "section"
    MORE_IN_SECTION = "more_in_section"  # over its section's cap: listed as a link
    MORE_THIS_WEEK = "more_this_week"  # trimmed to stay under the clip: listed as a link
    OMITTED = "omitted"  # left out of the email altogether (listed on the web version)


@dataclass(frozen=True)
class ArticleRecord:
    """One article as the built issue recorded it."""

    id: str
    url: str = ""
    title: str = ""
    summary: str = ""
    summary_origin: str = ""  # "extractive", "excerpt", "llm" or "editor"
    section: str = ""
    category: str | None = None
    author: str | None = None
    source: str = ""
    published: datetime | None = None
    image: str | None = None
    language: str | None = None
    direction: str = "ltr"
    featured: bool = False
    placement: Placement | None = None  # None for the manifest's separate "lead" record


@dataclass(frozen=True)
class SectionRecord:
    """A section's name and its article ids, in order."""

    name: str
    articles: tuple[str, ...] = ()
    more: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewsletterRecord:
    """The newsletter's identity as it was when the issue was built."""

    name: str = ""
    sender: str = ""
    language: str = "en"
    web_url: str | None = None


@dataclass(frozen=True)
class IssueRecord:
    """A built issue: everything sending, the archive and status need, read back from disk."""

    id: str
    week: Week
    title: str = ""
    subject: str | None = None
    preheader: str = ""
    newsletter: NewsletterRecord = NewsletterRecord()
    lead: ArticleRecord | None = None
    sections: tuple[SectionRecord, ...] = ()
    articles: tuple[ArticleRecord, ...] = ()  # every article, in reading order, with its placement
    sources: tuple[SourceReport, ...] = ()

    @property
    def lead_title(self) -> str:
        """The lead article's title, or the issue title when there is no lead."""
        return (self.lead.title if self.lead else "") or self.title

    @property
    def delivered_article_ids(self) -> tuple[str, ...]:
        """Ids of the articles the email carried (omitted ones did not go out)."""
        return tuple(a.id for a in self.articles if a.placement is not Placement.OMITTED)

    @classmethod
    def from_issue(cls, issue: Issue) -> IssueRecord:
        """The record of a composed issue."""
        placed: list[tuple[Placement, Entry]] = [(Placement.LEAD, issue.lead)] if issue.lead else []
        for section in issue.sections:
            placed += [(Placement.SECTION, e) for e in section.entries]
            placed += [(Placement.MORE_IN_SECTION, e) for e in section.more]
        placed += [(Placement.MORE_THIS_WEEK, e) for e in issue.more]
        placed += [(Placement.OMITTED, e) for e in issue.omitted]
        nl = issue.newsletter
        return cls(
            id=issue.id,
            week=issue.week,
            title=issue.title,
            subject=issue.subject,
            preheader=issue.preheader,
            newsletter=NewsletterRecord(nl.name, nl.sender, nl.language, nl.web_url),
            lead=_entry_record(issue.lead) if issue.lead else None,
            sections=tuple(
                SectionRecord(s.name, tuple(e.article.id for e in s.entries), tuple(e.article.id for e in s.more))
                for s in issue.sections
            ),
            articles=tuple(_entry_record(e, where) for where, e in placed),
            sources=issue.sources,
        )

    def to_json(self) -> str:
        """The manifest text (version, id, week, newsletter, lead, sections, articles, sources)."""
        return "".join(self.json_pieces())

    def json_pieces(self) -> Iterator[str]:
        """The manifest text in pieces of a few kilobytes, as to_json joins them (for writing a large
        issue's manifest without holding all of it)."""
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
        chunks = encoder.iterencode(self._doc())
        while piece := "".join(itertools.islice(chunks, 4096)):  # json yields a chunk per key and value
            yield piece
        yield "\n"

    def _doc(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "id": self.id,
            "week": {
                "id": self.week.id,
                "start": self.week.start.isoformat(),
                "end": self.week.end.isoformat(),
                "timezone": self.week.timezone,
            },
            "title": self.title,
            "subject": self.subject,
            "preheader": self.preheader,
            "newsletter": {
                "name": self.newsletter.name,
                "sender": self.newsletter.sender,
                "language": self.newsletter.language,
                "web_url": self.newsletter.web_url,
            },
            "lead": _article_doc(self.lead) if self.lead else None,
            "sections": [{"name": s.name, "articles": list(s.articles), "more": list(s.more)} for s in self.sections],
            "articles": [_article_doc(a) for a in self.articles],
            "sources": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "location": r.location,
                    "ok": r.ok,
                    "items": r.items,
                    "error": r.error,
                    "newest": r.newest.isoformat() if r.newest else None,
                }
                for r in self.sources
            ],
        }

    @classmethod
    def from_json(cls, text: str, origin: str) -> IssueRecord:
        """Read a manifest; raises ManifestError naming `origin` (its path) when it is not a readable one."""
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ManifestError(f"{origin}: not a valid issue manifest (invalid JSON: {exc})") from None
        if not isinstance(doc, dict):
            raise ManifestError(f"{origin}: not a valid issue manifest (not a JSON object)")
        version = doc.get("version")
        if version is None:
            raise ManifestError(
                f"{origin}: not a readable issue manifest (it has no version); "
                "rebuild the issue with digest build (or move the file aside)"
            )
        if version != MANIFEST_VERSION:
            raise ManifestError(
                f"{origin}: issue manifest version {version!r}, but this digest reads version "
                f"{MANIFEST_VERSION}; rebuild the issue with digest build (or move the file aside)"
            )
        try:
            return _record(_Doc(doc, ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(
                f"{origin}: not a readable issue manifest ({exc}); "
                "rebuild the issue with digest build (or move the file aside)"
            ) from None


def _entry_record(entry: Entry, placement: Placement | None = None) -> ArticleRecord:
    a = entry.article
    return ArticleRecord(
        id=a.id,
        url=a.url,
        title=a.title,
        summary=entry.summary.text,
        summary_origin=entry.summary.origin,
        section=entry.section,
        category=entry.category,
        author=a.author,
        source=a.source,
        published=a.published,
        image=a.image.url if a.image else None,
        language=a.language,
        direction=a.direction,
        featured=a.featured,
        placement=placement,
    )


def _article_doc(a: ArticleRecord) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": a.id,
        "url": a.url,
        "title": a.title,
        "category": a.category,
        "section": a.section,
        "summary": a.summary,
        "summary_origin": a.summary_origin,
        "author": a.author,
        "source": a.source,
        "published": a.published.isoformat() if a.published else None,
        "image": a.image,
        "language": a.language,
        "direction": a.direction,
        "featured": a.featured,
    }
    if a.placement is not None:
        doc["placement"] = a.placement.value
    return doc


class _Doc:
    """Typed access to one JSON object of a manifest; a wrong type raises TypeError naming the key."""

    def __init__(self, data: object, where: str):
        if not isinstance(data, Mapping):
            raise TypeError(f"{where or 'manifest'} is not an object")
        self.data, self.where = data, where

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def text(self, key: str, default: str | None = "", required: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise KeyError(f"no {self._name(key)}")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise TypeError(f"{self._name(key)} is not a string")
        return value

    @overload
    def when(self, key: str, required: Literal[True]) -> datetime: ...

    @overload
    def when(self, key: str, required: bool = False) -> datetime | None: ...

    def when(self, key: str, required: bool = False) -> datetime | None:
        value = self.text(key, None, required)
        if value is None:
            return None
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"{self._name(key)} has no timezone")
        return moment

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise TypeError(f"{self._name(key)} is not true or false")
        return value

    def number(self, key: str) -> int:
        value = self.data.get(key) or 0
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{self._name(key)} is not a whole number")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise TypeError(f"{self._name(key)} is not a list")
        return value

    def ids(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"{self._name(key)} lists a non-string id")
        return tuple(values)

    def obj(self, key: str) -> _Doc | None:
        value = self.data.get(key)
        return None if value is None else _Doc(value, self._name(key))


def _record(doc: _Doc) -> IssueRecord:
    issue_id = doc.text("id", required=True)
    week = doc.obj("week")
    if week is None:
        raise KeyError("no week")
    window = Week(
        week.text("id", issue_id) or issue_id,
        week.when("start", True),
        week.when("end", True),
        week.text("timezone", "UTC") or "UTC",
    )
    nl = doc.obj("newsletter") or _Doc({}, "newsletter")
    lead = doc.obj("lead")
    return IssueRecord(
        id=issue_id,
        week=window,
        title=doc.text("title"),
        subject=doc.text("subject", None) or None,
        preheader=doc.text("preheader"),
        newsletter=NewsletterRecord(
            nl.text("name"), nl.text("sender"), nl.text("language", "en"), nl.text("web_url", None) or None
        ),
        lead=_article(lead) if lead else None,
        sections=tuple(_section(_Doc(s, f"sections[{i}]")) for i, s in enumerate(doc.items("sections"))),
        articles=tuple(_article(_Doc(a, f"articles[{i}]")) for i, a in enumerate(doc.items("articles"))),
        sources=tuple(_source(_Doc(s, f"sources[{i}]")) for i, s in enumerate(doc.items("sources"))),
    )


def _article(doc: _Doc) -> ArticleRecord:
    placement = doc.text("placement", None)
    return ArticleRecord(
        id=doc.text("id", required=True),
        url=doc.text("url"),
        title=doc.text("title"),
        summary=doc.text("summary"),
        summary_origin=doc.text("summary_origin"),
        section=doc.text("section"),
        category=doc.text("category", None),
        author=doc.text("author", None),
        source=doc.text("source"),
        published=doc.when("published"),
        image=doc.text("image", None),
        language=doc.text("language", None),
        direction=doc.text("direction", "ltr"),
        featured=doc.flag("featured"),
        placement=Placement(placement) if placement is not None else None,
    )


def _section(doc: _Doc) -> SectionRecord:
    return SectionRecord(doc.text("name"), doc.ids("articles"), doc.ids("more"))


def _source(doc: _Doc) -> SourceReport:
    return SourceReport(
        name=doc.text("name"),
        kind=doc.text("kind"),
        location=doc.text("location"),
        ok=doc.flag("ok"),
        items=doc.number("items"),
        error=doc.text("error", None),
        newest=doc.when("newest"),
    )
