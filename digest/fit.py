"""The fit stage: keep an issue's encoded HTML under its budget and Gmail's clip.

Past the budget, the lowest-ranked stories become links: in their section's "Also in" list while the
section keeps a story, else folded into "More this week" (a section never shows links alone). When
even the links would not fit, the lowest-ranked links are left out of the email and counted in it.
The plain-text twin is never clipped, so it keeps every story with its summary.
Pure: it only renders candidates and measures them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from digest.group import score
from digest.models import Entry, Issue, Rendered, Section
from digest.render import (
    DEFAULT_BUDGET,
    MIN_LINK_BYTES,
    SAFE_LIMIT,
    encoded_size,
    render_issue,
    render_text,
)

log = logging.getLogger(__name__)


def rank_key(issue: Issue) -> Callable[[Entry], tuple]:
    """Sort key putting the highest-ranked entry first, as the group stage ranks: featured, score, id."""
    scores: dict[str, float] = {}

    def key(entry: Entry) -> tuple:
        article = entry.article
        if article.id not in scores:
            scores[article.id] = score(article, issue.week)
        return (not article.featured, -scores[article.id], article.id)
    return key


def _lowest_first(issue: Issue, positions: Iterable[tuple[int, int]], at: Callable[[int, int], Entry]) -> list:
    key = rank_key(issue)
    return sorted(positions, key=lambda p: key(at(*p)), reverse=True)


def trim_order(issue: Issue) -> list[tuple[int, int]]:
    """(section, entry) positions of the stories, lowest-ranked first."""
    positions = [(s, i) for s, section in enumerate(issue.sections) for i in range(len(section.entries))]
    return _lowest_first(issue, positions, lambda s, i: issue.sections[s].entries[i])


def trimmed(issue: Issue, count: int) -> Issue:
    """The issue with its `count` lowest-ranked stories turned into links (a section left without a
    story folds its links into "More this week")."""
    if count <= 0:
        return issue
    key = rank_key(issue)
    moved = set(trim_order(issue)[:count])
    sections: list[Section] = []
    folded: list[Entry] = []
    for s, section in enumerate(issue.sections):
        keep = tuple(e for i, e in enumerate(section.entries) if (s, i) not in moved)
        links = [e for i, e in enumerate(section.entries) if (s, i) in moved] + list(section.more)
        if keep:
            sections.append(replace(section, entries=keep, more=tuple(sorted(links, key=key))))
        else:
            folded.extend(links)
    return replace(issue, sections=tuple(sections), more=tuple(sorted(issue.more + tuple(folded), key=key)))


def _link_at(issue: Issue, s: int, i: int) -> Entry:
    return issue.more[i] if s == -1 else issue.sections[s].more[i]


def link_order(issue: Issue) -> list[tuple[int, int]]:
    """Link positions, lowest-ranked first: (-1, i) in "More this week", (s, i) in section s's list."""
    positions = [(-1, i) for i in range(len(issue.more))]
    positions += [(s, i) for s, section in enumerate(issue.sections) for i in range(len(section.more))]
    return _lowest_first(issue, positions, lambda s, i: _link_at(issue, s, i))


def without_links(issue: Issue, count: int) -> Issue:
    """The issue with its `count` lowest-ranked links moved out of the email into `omitted`."""
    if count <= 0:
        return issue
    dropped = link_order(issue)[:count]
    gone = set(dropped)
    sections = [replace(section, more=tuple(e for i, e in enumerate(section.more) if (s, i) not in gone))
                for s, section in enumerate(issue.sections)]
    return replace(issue, sections=tuple(s for s in sections if s.entries or s.more),
                   more=tuple(e for i, e in enumerate(issue.more) if (-1, i) not in gone),
                   omitted=issue.omitted + tuple(_link_at(issue, s, i) for s, i in dropped))


def fit_to_budget(issue: Issue, template_dir: Path | None = None,
                  budget: int = DEFAULT_BUDGET) -> tuple[Issue, Rendered]:
    """Render; while the encoded HTML exceeds `budget`, turn the lowest-ranked stories into links, and when
    even links are too many, leave the lowest-ranked links out (counted in the email). The text twin
    returned is always the whole issue's."""
    limit = min(budget, SAFE_LIMIT - 1)
    moves, links = len(trim_order(issue)), len(link_order(issue))
    total = moves + links + moves  # every moved article becomes a link that can be left out in turn
    # No link renders in fewer than MIN_LINK_BYTES, so an email with more than cap links cannot fit. With
    # that many links before any move, the first step that can fit is the one leaving only cap links:
    # starting there keeps a 10,000-article week from rendering 10,000 links again and again.
    cap = limit // MIN_LINK_BYTES
    floor = total - cap if links > cap else 0

    def step(count: int) -> Issue:
        if count <= moves:
            return trimmed(issue, count)
        return without_links(trimmed(issue, moves), count - moves)

    def attempt(count: int) -> tuple[Issue, Rendered, int]:
        candidate = step(count)
        rendered = render_issue(candidate, template_dir)
        return candidate, rendered, encoded_size(rendered.html)

    first = attempt(floor)
    if first[2] <= limit and floor == 0:
        return first[0], first[1]
    # Size shrinks with every step (an article becomes a link, a link is left out): find the fewest steps.
    # When the floor fits it is the fewest already, since every earlier step has more than cap links.
    fitting = (floor, first) if first[2] <= limit else None
    low, high = (floor + 1, total) if fitting is None else (1, 0)
    while low <= high:
        middle = (low + high) // 2
        result = attempt(middle)
        if result[2] <= limit:
            fitting, high = (middle, result), middle - 1
        else:
            low = middle + 1
    if fitting is None:
        final, rendered, size = attempt(total)
        note = (f"left every article but the lead out of the email and the HTML is still {size:,} bytes "
                f"encoded, over the {budget:,}-byte budget; check the templates")
    else:
        count, (final, rendered, size) = fitting
        moved = min(count, moves)
        note = (f"listed {moved} lowest-ranked article{'s' if moved != 1 else ''} as links without a summary "
                f"to keep the HTML under the {budget:,}-byte budget ({size:,} bytes encoded)")
        if final.omitted:
            note += (f"; {len(final.omitted)} more did not fit even as links and are left out of the email "
                     f"(counted in it, listed in the manifest and the web version)")
    log.info(note)
    # Gmail clips only the HTML part: the plain-text twin keeps every story with its summary.
    return final, replace(rendered, text=render_text(issue, template_dir), warnings=rendered.warnings + (note,))
