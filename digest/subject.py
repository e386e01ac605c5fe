"""An issue's subject line: the editor's template or the default, in the newsletter's language.

Kept apart from digest.message so that building an issue, which lists subjects in the archive, does
not import the email modules that sending needs.
"""

from __future__ import annotations

import re
import string

from digest.errors import ConfigError
from digest.issue_record import IssueRecord
from digest.issue_store import BuiltIssue

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_header(value: object) -> str:
    """A header value with CR, LF and every other control character removed, spaces folded."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def issue_dates(record: IssueRecord) -> str:
    """The issue's days in its language, e.g. "Nov 16 – 22, 2026" (the week id without a window)."""
    from digest.locale_text import week_span  # Babel's data loads only when a subject needs it

    week = record.week
    if not (week.start and week.end):
        return week.id or record.id
    return week_span(week.start, week.end, week.timezone or "UTC", record.newsletter.language or "en")


def default_subject(record: IssueRecord) -> str:
    """The subject when none is configured: name, dates and lead, with the language's comma."""
    from digest.locale_text import list_separator

    separator = list_separator(record.newsletter.language or "en")
    head = separator.join(p for p in (record.newsletter.name, issue_dates(record)) if p)
    return clean_header(f"{head}: {record.lead_title}" if record.lead_title else head)


def render_subject(template: str, issue: BuiltIssue | IssueRecord) -> str:
    """The subject line: the issue's override, else the template with {name}, {date}, {week}, {lead},
    {title}, {id}, else the default subject (name, dates and lead in the newsletter's language)."""
    record = issue.record if isinstance(issue, BuiltIssue) else issue
    if record.subject:
        return clean_header(record.subject)
    if not template.strip():
        return default_subject(record)
    values = {
        "name": record.newsletter.name,
        "week": record.week.id or record.id,
        "lead": record.lead_title,
        "title": record.title,
        "id": record.id,
    }
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        if "date" in fields:
            values["date"] = issue_dates(record)
        unknown = sorted(f for f in fields if f not in values)
        if unknown:
            raise KeyError(unknown[0])
        subject = template.format(**values)
    except (KeyError, ValueError, IndexError) as exc:
        raise ConfigError(
            f"send.subject: cannot use {template!r} ({exc}); "
            "available fields: {name}, {date}, {week}, {lead}, {title}, {id}"
        ) from None
    return clean_header(subject.rstrip(" :,-"))
