"""The frozen dataclasses that the pipeline stages pass to each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# Per-recipient placeholders left in the rendered issue. The sender substitutes
# them into the already inlined HTML and text, so premailer runs once per issue.
PLACEHOLDER_MARK = "__DIGEST_"  # every placeholder starts with it: one test finds text with none
UNSUBSCRIBE_PLACEHOLDER = PLACEHOLDER_MARK + "UNSUBSCRIBE_URL__"
RECIPIENT_NAME_PLACEHOLDER = PLACEHOLDER_MARK + "RECIPIENT_NAME__"
PLACEHOLDERS = (UNSUBSCRIBE_PLACEHOLDER, RECIPIENT_NAME_PLACEHOLDER)


@dataclass(frozen=True)
class Image:
    """An article's featured image (https only)."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Identity:
    """What tells one story from another, for dedupe only: never printed."""

    url: str = ""  # canonical form of the link (https, no tracking or fragment); "" = the link names no item
    guid: str = ""  # the source's own id for the item (RSS guid, Atom id, JSON Feed id, enclosure URL)
    title_made: bool = False  # the title was made from the body's first words, so it names no story


@dataclass(frozen=True)
class Article:
    """One normalized article, as every source kind produces it."""

    id: str  # stable short hash of the canonical URL (of the source's guid when the link names no item)
    url: str  # the link as the publisher gave it (absolute; click-tracking parameters removed): printed
    title: str  # plain text, entities decoded, whitespace folded
    published: datetime  # timezone-aware, UTC
    source: str  # the configured source's name
    author: str | None = None
    categories: tuple[str, ...] = ()  # as the source gives them ("featured" included)
    tags: tuple[str, ...] = ()
    content_html: str = ""  # sanitized HTML body
    excerpt: str | None = None  # the source's own summary, plain text
    image: Image | None = None
    reading_minutes: int | None = None
    language: str | None = None  # BCP 47 tag when known
    direction: str = "ltr"  # "ltr" or "rtl"
    priority: int = 0  # the source's configured priority, used for ranking
    identity: Identity | None = None  # None: the canonical form of `url` is the whole identity
    dated: str = ""  # how the date was read (digest.dates names the ways), for `digest sources`

    @property
    def featured(self) -> bool:
        """True when a source marks the article as featured (a flag, not a section)."""
        return any(c.strip().lower() == "featured" for c in self.categories)


@dataclass(frozen=True)
class Skip:
    """An item left out, with the reason a reader can act on."""

    source: str
    item: str  # the item's title, URL or index
    reason: str


@dataclass(frozen=True)
class SourceReport:
    """What one source yielded in one run."""

    name: str
    kind: str
    location: str
    ok: bool
    items: int = 0
    error: str | None = None
    newest: datetime | None = None
    dating: tuple[tuple[str, int], ...] = ()  # (how dates were read, how many items), see digest.dates


@dataclass(frozen=True)
class Collected:
    """The collect stage's result: articles from every source plus what went wrong."""

    articles: tuple[Article, ...]
    reports: tuple[SourceReport, ...]
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True)
class Summary:
    """An article's summary and where it came from."""

    text: str
    origin: str  # "excerpt", "extractive", "llm", "fallback" (the model failed), "editor" or "none"
    cached: bool = field(default=False, compare=False)  # an "llm" answer read from the cache


@dataclass(frozen=True)
class Summaries:
    """A summarizer's result: one summary per article id, and what went wrong on the way."""

    by_id: Mapping[str, Summary]
    warnings: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many summaries came from each origin ("llm-cache" counts cached model answers apart)."""
        out: dict[str, int] = {}
        for summary in self.by_id.values():
            key = "llm-cache" if summary.cached else summary.origin
            out[key] = out.get(key, 0) + 1
        return out


@dataclass(frozen=True)
class Entry:
    """An article placed in an issue, with its summary and section."""

    article: Article
    summary: Summary
    section: str
    category: str | None = None  # the category the section was chosen from


@dataclass(frozen=True)
class Section:
    """One heading of the issue and its entries, in order."""

    name: str
    entries: tuple[Entry, ...]
    more: tuple[Entry, ...] = ()  # over the per-section cap: listed as links only


@dataclass(frozen=True)
class Week:
    """An issue's window: [start, end) in UTC, named by ISO week or by dates."""

    id: str  # "2026-W48", or "2026-11-20--2026-11-27" for a custom range
    start: datetime
    end: datetime
    timezone: str = "UTC"


@dataclass(frozen=True)
class Labels:
    """The fixed words of an issue, its archive and `digest serve`'s pages, so that a newsletter in any
    language reads in it throughout (dates, lists and the subject's punctuation come from the locale).

    Placeholders in braces are filled in: {week} and {year} (week_title), {section} (also_in),
    {name} (subscribed, unsubscribe_question), {minutes} (min_read), {count} (omitted, preheader_sections),
    {stories} (preheader), {topics} (preheader_sections), {address} (unsubscribe_effect), {detail}
    (invalid_address: why the address was refused, in English, from the address checker).
    """

    week_title: str = "Week {week}, {year}"
    top_story: str = "Top story"
    also_in: str = "Also in {section}"
    more_this_week: str = "More this week"
    omitted: str = "And {count} more from this week that did not fit in this email"
    read_all: str = "Read every story of this week"
    view_in_browser: str = "View in browser"
    subscribed: str = "You receive {name} because you subscribed to it."
    unsubscribe: str = "Unsubscribe"
    min_read: str = "{minutes} min read"
    no_articles: str = "No new articles this week."
    default_section: str = "More news"
    preheader: str = "Also: {stories}"
    preheader_sections: str = "{count} more on {topics}"
    all_issues: str = "All issues"
    feed: str = "Atom feed"
    date: str = "Date"
    subject: str = "Subject"
    lead_story: str = "Lead story"
    no_issues: str = "No issues yet."
    read_on_web: str = "Read the issue on the web"
    unsubscribe_question: str = "Unsubscribe from {name}?"
    unsubscribe_effect: str = "{address} will receive no more issues."
    unsubscribed: str = "You are unsubscribed."
    unsubscribe_help: str = "Use the unsubscribe link at the bottom of any issue you received by email."
    invalid_link: str = "This link is not valid."
    not_found: str = "Not found"
    not_allowed: str = "Method not allowed"
    # The signup form, its confirmation mail and pages, and the pause offer.
    subscribe: str = "Subscribe"
    check_inbox: str = "Check your inbox: if the address can subscribe, a confirmation link is on its way."
    invalid_address: str = "Not a valid address: {detail}"
    too_many_requests: str = "Too many requests: please try again later."
    confirm_subject: str = "Confirm your subscription to {name}"
    confirm_intro: str = "Please confirm that you want to receive {name}. The link is valid for {hours} hours."
    confirm_button: str = "Confirm my subscription"
    confirm_ignore: str = "If you did not ask for this, ignore this email: you will not be subscribed."
    confirmed: str = "You are subscribed to {name}."
    latest_issue: str = "Read the latest issue"
    pause: str = "Pause for a month"
    paused: str = "Paused: you will receive no issues until {date}."


# Which placeholders each label may use (checked when settings are read).
LABEL_PLACEHOLDERS = {
    "week_title": {"week", "year"},
    "also_in": {"section"},
    "subscribed": {"name"},
    "min_read": {"minutes"},
    "omitted": {"count"},
    "preheader": {"stories"},
    "preheader_sections": {"count", "topics"},
    "unsubscribe_question": {"name"},
    "unsubscribe_effect": {"address"},
    "confirm_subject": {"name"},
    "confirm_intro": {"name", "hours"},
    "confirmed": {"name"},
    "paused": {"date"},
    "invalid_address": {"detail"},
}


@dataclass(frozen=True)
class Newsletter:
    """The newsletter's identity and look, as the templates need it."""

    name: str
    sender: str
    postal_address: str
    language: str = "en"
    direction: str = "ltr"
    accent_color: str = "#0b5cad"
    text_color: str = "#1f2328"
    background_color: str = "#f4f5f7"
    logo_url: str | None = None
    web_url: str | None = None
    font_family: str = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
    tagline: str = ""
    labels: Labels = field(default_factory=Labels)


@dataclass(frozen=True)
class Issue:
    """One newsletter issue: everything render and write need, nothing more."""

    id: str
    week: Week
    title: str
    preheader: str
    newsletter: Newsletter
    lead: Entry | None
    sections: tuple[Section, ...]
    sources: tuple[SourceReport, ...] = ()
    more: tuple[Entry, ...] = ()  # "more this week": trimmed to stay under the clip
    omitted: tuple[Entry, ...] = ()  # left out of the email altogether: even as links it would be clipped
    editor_note_html: str = ""
    subject: str | None = None

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry in reading order: lead, sections, then the trimmed list."""
        out: list[Entry] = [self.lead] if self.lead else []
        for section in self.sections:
            out.extend(section.entries)
            out.extend(section.more)
        out.extend(self.more)
        return tuple(out)


@dataclass(frozen=True)
class Rendered:
    """The rendered issue: inlined HTML and its plain-text twin."""

    html: str
    text: str
    warnings: tuple[str, ...] = field(default=())
