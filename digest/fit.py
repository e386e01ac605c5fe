"""The fit stage: keep an issue's encoded HTML under its budget and Gmail's clip.

Past the budget, the lowest-ranked articles become links in "More this week"; when even the
links would not fit, the lowest-ranked links are left out of the email and counted in it.
Pure: it only renders candidates and measures them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from digest.models import Entry, Issue, Rendered, Section
from digest.render import (
    DEFAULT_BUDGET,
    MIN_LINK_BYTES,
    SAFE_LIMIT,
    encoded_size,
    render_issue,
    render_templates,
)

log = logging.getLogger(__name__)


def _ends_in_turn(lengths: list[int]) -> list[tuple[int, int]]:
    """(list, position) pairs taking the last item of each list in turn, starting from the last list."""
    remaining = list(lengths)
    order: list[tuple[int, int]] = []
    while any(remaining):
        for index in reversed(range(len(remaining))):
            if remaining[index]:
                remaining[index] -= 1
                order.append((index, remaining[index]))
    return order


def trim_order(issue: Issue) -> list[tuple[int, int]]:
    """(section, entry) positions from lowest-ranked up: section ends, round-robin from the last section."""
    return _ends_in_turn([len(section.entries) for section in issue.sections])


def trimmed(issue: Issue, count: int) -> Issue:
    """The issue with its `count` lowest-ranked section entries moved into `more`."""
    if count <= 0:
        return issue
    moved = set(trim_order(issue)[:count])
    sections: list[Section] = []
    extra: list[Entry] = []
    for s, section in enumerate(issue.sections):
        keep = tuple(e for i, e in enumerate(section.entries) if (s, i) not in moved)
        extra.extend(e for i, e in enumerate(section.entries) if (s, i) in moved)
        if keep or section.more:
            sections.append(replace(section, entries=keep))
        else:
            extra.extend(section.more)
    return replace(issue, sections=tuple(sections), more=issue.more + tuple(extra))


def link_order(issue: Issue) -> list[tuple[int, int]]:
    """Link positions from lowest-ranked up: "More this week" from its end (section -1), then the ends
    of the "Also in" lists, taking turns from the last section."""
    return [(-1, i) for i in reversed(range(len(issue.more)))] + \
        _ends_in_turn([len(section.more) for section in issue.sections])


def without_links(issue: Issue, count: int) -> Issue:
    """The issue with its `count` lowest-ranked links moved out of the email into `omitted`."""
    if count <= 0:
        return issue
    dropped = set(link_order(issue)[:count])
    omitted = [e for i, e in enumerate(issue.more) if (-1, i) in dropped]
    sections = []
    for s, section in enumerate(issue.sections):
        omitted.extend(e for i, e in enumerate(section.more) if (s, i) in dropped)
        sections.append(replace(section, more=tuple(e for i, e in enumerate(section.more) if (s, i) not in dropped)))
    return replace(issue, sections=tuple(s for s in sections if s.entries or s.more),
                   more=tuple(e for i, e in enumerate(issue.more) if (-1, i) not in dropped),
                   omitted=issue.omitted + tuple(omitted))


def fit_to_budget(issue: Issue, template_dir: Path | None = None,
                  budget: int = DEFAULT_BUDGET) -> tuple[Issue, Rendered]:
    """Render; while the encoded HTML exceeds `budget`, move the lowest-ranked entries to "More this week",
    and when even links are too many, leave the lowest-ranked links out (counted in the email)."""
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
            raw_sizes[count] = encoded_size(render_templates(step(count), template_dir, text=False)[0])
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
        note = (f"left every article but the lead out of the email and the HTML is still {size:,} bytes "
                f"encoded, over the {budget:,}-byte budget; check the templates")
    else:
        count, (final, rendered, size) = fitting
        moved = min(count, moves)
        note = (f"moved {moved} lowest-ranked article{'s' if moved != 1 else ''} to 'More this week' "
                f"to keep the HTML under the {budget:,}-byte budget ({size:,} bytes encoded)")
        if final.omitted:
            note += (f"; {len(final.omitted)} more did not fit even as links and are left out of the email "
                     f"(counted in it, listed in the manifest and the web version)")
    log.info(note)
    return final, replace(rendered, warnings=rendered.warnings + (note,))
