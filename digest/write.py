"""The write stage: the issue's .html, .txt and .json manifest, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from digest.errors import DigestError
from digest.models import Entry, Issue, Rendered

MANIFEST_VERSION = 1


def entry_record(entry: Entry) -> dict[str, Any]:
    """One article's manifest record."""
    a = entry.article
    return {
        "id": a.id,
        "url": a.url,
        "title": a.title,
        "category": entry.category,
        "section": entry.section,
        "summary": entry.summary.text,
        "summary_origin": entry.summary.origin,
        "author": a.author,
        "source": a.source,
        "published": a.published.isoformat(),
        "image": a.image.url if a.image else None,
        "language": a.language,
        "direction": a.direction,
        "featured": a.featured,
    }


def manifest(issue: Issue) -> dict[str, Any]:
    """The JSON manifest of an issue: id, week, sources and every article."""
    placement: list[tuple[str, Entry]] = []
    if issue.lead:
        placement.append(("lead", issue.lead))
    for section in issue.sections:
        placement += [("section", e) for e in section.entries] + [("more_in_section", e) for e in section.more]
    placement += [("more_this_week", e) for e in issue.more]
    placement += [("omitted", e) for e in issue.omitted]
    return {
        "version": MANIFEST_VERSION,
        "id": issue.id,
        "week": {
            "id": issue.week.id,
            "start": issue.week.start.isoformat(),
            "end": issue.week.end.isoformat(),
            "timezone": issue.week.timezone,
        },
        "title": issue.title,
        "subject": issue.subject,
        "preheader": issue.preheader,
        "newsletter": {"name": issue.newsletter.name, "sender": issue.newsletter.sender,
                       "language": issue.newsletter.language, "web_url": issue.newsletter.web_url},
        "lead": entry_record(issue.lead) if issue.lead else None,
        "sections": [{"name": s.name, "articles": [e.article.id for e in s.entries],
                      "more": [e.article.id for e in s.more]} for s in issue.sections],
        "articles": [{**entry_record(e), "placement": where} for where, e in placement],
        "sources": [
            {"name": r.name, "kind": r.kind, "location": r.location, "ok": r.ok, "items": r.items,
             "error": r.error, "newest": r.newest.isoformat() if r.newest else None}
            for r in issue.sources
        ],
    }


def issue_paths(out: Path, issue_id: str) -> tuple[Path, Path, Path]:
    """The .html, .txt and .json paths of an issue in a folder."""
    return out / f"{issue_id}.html", out / f"{issue_id}.txt", out / f"{issue_id}.json"


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_issue(issue: Issue, rendered: Rendered, out: Path) -> tuple[Path, Path, Path]:
    """Write the issue's three files into `out` and return their paths."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_path, text_path, json_path = issue_paths(out, issue.id)
        _atomic_write(html_path, rendered.html)
        _atomic_write(text_path, rendered.text)
        _atomic_write(json_path, json.dumps(manifest(issue), ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise DigestError(f"cannot write the issue to {out}: {exc.strerror or exc}") from None
    return html_path, text_path, json_path
