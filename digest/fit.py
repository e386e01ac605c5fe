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
    render_html_template,
    render_issue,
    render_text,
)

log = logging.getLogger(__name__)


RankKey = Callable[[Entry], tuple]


def rank_key(issue: Issue) -> RankKey:
    """Sort key putting the highest-ranked entry first, as the group stage ranks: featured, score, id."""
    scores: dict[str, float] = {}

    def key(entry: Entry) -> tuple:
        article = entry.article
        if article.id not in scores:
            scores[article.id] = score(article, issue.week)
        return (not article.featured, -scores[article.id], article.id)

    return key


def _lowest_first(
    issue: Issue, positions: Iterable[tuple[int, int]], at: Callable[[int, int], Entry], key: RankKey | None
) -> list:
    key = key or rank_key(issue)
    return sorted(positions, key=lambda p: key(at(*p)), reverse=True)


def trim_order(issue: Issue, key: RankKey | None = None) -> list[tuple[int, int]]:
    """(section, entry) positions of the stories, lowest-ranked first (`key`: rank_key of this issue's week)."""
    positions = [(s, i) for s, section in enumerate(issue.sections) for i in range(len(section.entries))]
    return _lowest_first(issue, positions, lambda s, i: issue.sections[s].entries[i], key)


def trimmed(issue: Issue, count: int, key: RankKey | None = None) -> Issue:
    """The issue with its `count` lowest-ranked stories turned into links (a section left without a
    story folds its links into "More this week")."""
    if count <= 0:
        return issue
    key = key or rank_key(issue)
    moved = set(trim_order(issue, key)[:count])
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


def link_order(issue: Issue, key: RankKey | None = None) -> list[tuple[int, int]]:
    """Link positions, lowest-ranked first: (-1, i) in "More this week", (s, i) in section s's list."""
    positions = [(-1, i) for i in range(len(issue.more))]
    positions += [(s, i) for s, section in enumerate(issue.sections) for i in range(len(section.more))]
    return _lowest_first(issue, positions, lambda s, i: _link_at(issue, s, i), key)


def without_links(issue: Issue, count: int, key: RankKey | None = None) -> Issue:
    """The issue with its `count` lowest-ranked links moved out of the email into `omitted`."""
    if count <= 0:
        return issue
    dropped = link_order(issue, key)[:count]
    gone = set(dropped)
    sections = [
        replace(section, more=tuple(e for i, e in enumerate(section.more) if (s, i) not in gone))
        for s, section in enumerate(issue.sections)
    ]
    return replace(
        issue,
        sections=tuple(s for s in sections if s.entries or s.more),
        more=tuple(e for i, e in enumerate(issue.more) if (-1, i) not in gone),
        omitted=issue.omitted + tuple(_link_at(issue, s, i) for s, i in dropped),
    )


def fit_to_budget(
    issue: Issue, template_dir: Path | None = None, budget: int = DEFAULT_BUDGET
) -> tuple[Issue, Rendered]:
    """Render; while the encoded HTML exceeds `budget`, turn the lowest-ranked stories into links, and when
    even links are too many, leave the lowest-ranked links out (counted in the email). The text twin
    returned is always the whole issue's."""
    limit = min(budget, SAFE_LIMIT - 1)
    key = rank_key(issue)  # every step's stories are this issue's: score each article once
    moves, links = len(trim_order(issue, key)), len(link_order(issue, key))
    total = moves + links + moves  # every moved article becomes a link that can be left out in turn
    # No link renders in fewer than MIN_LINK_BYTES, so an email with more than cap links cannot fit. With
    # that many links before any move, the first step that can fit is the one leaving only cap links:
    # starting there keeps a 10,000-article week from rendering 10,000 links again and again.
    cap = limit // MIN_LINK_BYTES
    floor = total - cap if links > cap else 0

    all_moved: list[Issue] = []  # every story a link: the start of each step that leaves links out

    def step(count: int) -> Issue:
        if count <= moves:
            return trimmed(issue, count, key)
        if not all_moved:
            all_moved.append(trimmed(issue, moves, key))
        return without_links(all_moved[0], count - moves, key)

    renders: dict[int, tuple[Issue, Rendered, int]] = {}

    def attempt(count: int) -> tuple[Issue, Rendered, int]:
        if count not in renders:
            candidate = step(count)
            rendered = render_issue(candidate, template_dir)
            renders.clear()  # keep one full rendering: a 10,000-article week tries several
            renders[count] = (candidate, rendered, encoded_size(rendered.html))
        return renders[count]

    raw_sizes: dict[int, int] = {}

    def raw_size(count: int) -> int:
        """Encoded size before CSS inlining: a tenth of a render's cost, and in step with its size."""
        if count not in raw_sizes:
            raw_sizes[count] = encoded_size(render_html_template(step(count), template_dir))
        return raw_sizes[count]

    def predicted(low: int, high: int, known: list[tuple[int, int]]) -> int:
        """The fewest steps in [low, high] whose size, predicted from the raw size, fits (else high).

        The prediction is a line through the last two renderings (raw size -> encoded size), or through
        the origin and the only one."""
        (raw_a, size_a), (raw_b, size_b) = [(raw_size(c), s) for c, s in (known[-2:] if len(known) > 1 else known * 2)]
        slope = (size_b - size_a) / (raw_b - raw_a) if raw_b != raw_a else size_b / max(1, raw_b)
        while low < high:
            middle = (low + high) // 2
            if size_b + (raw_size(middle) - raw_b) * slope <= limit:
                high = middle
            else:
                low = middle + 1
        return low

    first = attempt(floor)
    if first[2] <= limit and floor == 0:
        return first[0], first[1]
    # Size shrinks with every step (an article becomes a link, a link is left out): find the fewest steps.
    # When the floor fits it is the fewest already, since every earlier step has more than cap links.
    # Each rendering is predicted from the raw template output scaled by the latest rendering's ratio,
    # so the search usually renders the answer and its neighbour only; bisection takes over if not.
    fitting = (floor, first) if first[2] <= limit else None
    too_big, tries = floor, 0
    known = [(floor, first[2])]  # (steps, encoded size) of each rendering so far
    while fitting is None or fitting[0] - too_big > 1:
        high = total if fitting is None else fitting[0] - 1
        if too_big >= high and fitting is None:
            break  # every step was tried: nothing fits
        if tries < 4:
            count = predicted(too_big + 1, high, known)
        else:
            count = (too_big + 1 + high) // 2
        tries += 1
        result = attempt(count)
        if result[2] <= limit:
            fitting = (count, result)
        else:
            too_big = count
        known.append((count, result[2]))
    if fitting is None:
        final, rendered, size = attempt(total)
        note = (
            f"left every article but the lead out of the email and the HTML is still {size:,} bytes "
            f"encoded, over the {budget:,}-byte budget; check the templates"
        )
    else:
        count, (final, rendered, size) = fitting
        moved = min(count, moves)
        note = (
            f"listed {moved} lowest-ranked article{'s' if moved != 1 else ''} as links without a summary "
            f"to keep the HTML under the {budget:,}-byte budget ({size:,} bytes encoded)"
        )
        if final.omitted:
            note += (
                f"; {len(final.omitted)} more did not fit even as links and are left out of the email "
                f"(counted in it, listed in the manifest and the web version)"
            )
    log.info(note)
    # Gmail clips only the HTML part: the plain-text twin keeps every story with its summary.
    return final, replace(rendered, text=render_text(issue, template_dir), warnings=rendered.warnings + (note,))
