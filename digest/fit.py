"""The fit stage: keep an issue's encoded HTML under its budget and Gmail's clip.

Past the budget, the lowest-ranked stories become links: in their section's "Also in" list while the
section keeps a story, else folded into "More this week" (a section never shows links alone). When
even the links would not fit, the lowest-ranked links are left out of the email and counted in it.
The plain-text twin is never clipped, so it keeps every story with its summary.
Pure: it only renders candidates and measures them.
"""

from __future__ import annotations

import logging
import math
import re
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
    inline_css,
    render_html_template,
    render_text,
    rendered_issue,
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


def without_links(
    issue: Issue, count: int, key: RankKey | None = None, *, order: list[tuple[int, int]] | None = None
) -> Issue:
    """The issue with its `count` lowest-ranked links moved out of the email into `omitted` (`order`: this
    issue's link_order, when already known)."""
    if count <= 0:
        return issue
    dropped = (order if order is not None else link_order(issue, key))[:count]
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


class _Steps:
    """The issue after each step: steps 1..moves turn stories into links, the rest leave links out.

    Both orders are worked out once per fit (a 10,000-article week has 10,000 links to sort)."""

    def __init__(self, issue: Issue, key: RankKey):
        self.issue, self.key = issue, key
        self.moves = sum(len(section.entries) for section in issue.sections)
        self.links = len(issue.more) + sum(len(section.more) for section in issue.sections)
        self.total = self.moves + self.links + self.moves  # every moved story becomes a link to leave out
        self._all_moved: tuple[Issue, list[tuple[int, int]]] | None = None

    def at(self, count: int) -> Issue:
        """The issue after `count` steps."""
        if count <= self.moves:
            return trimmed(self.issue, count, self.key)
        if self._all_moved is None:
            every_story_a_link = trimmed(self.issue, self.moves, self.key)
            self._all_moved = (every_story_a_link, link_order(every_story_a_link, self.key))
        start, order = self._all_moved
        return without_links(start, count - self.moves, self.key, order=order)


class _Search:
    """Renders and measures the issue at given steps; predicts the fewest steps that fit from cheap renders.

    A full rendering (templates, then premailer) is what the budget is about; the template output alone
    costs a fraction of it and grows with it, so it guides the search and full renderings confirm."""

    def __init__(self, steps: _Steps, template_dir: Path | None, limit: int):
        self.steps, self.template_dir, self.limit = steps, template_dir, limit
        self.raw_sizes: dict[int, int] = {}  # steps -> encoded size of the template output
        self.measured: list[tuple[int, int, float]] = []  # (steps, encoded size, local slope) per full rendering
        self._raw: dict[int, tuple[Issue, str]] = {}  # the latest template outputs, reused by a full rendering
        self.last: tuple[int, tuple[Issue, str, int]] | None = None  # the latest full rendering

    def _template(self, count: int) -> tuple[Issue, str]:
        if count not in self._raw:
            if len(self._raw) >= 4:
                del self._raw[next(iter(self._raw))]
            candidate = self.steps.at(count)
            self._raw[count] = (candidate, render_html_template(candidate, self.template_dir))
        return self._raw[count]

    def raw_size(self, count: int) -> int:
        """Encoded size of the template output at `count` steps, before CSS inlining."""
        if count not in self.raw_sizes:
            self.raw_sizes[count] = encoded_size(self._template(count)[1])
        return self.raw_sizes[count]

    def attempt(self, count: int) -> tuple[Issue, str, int]:
        """The issue at `count` steps, its inlined HTML and that HTML's encoded size."""
        candidate, raw = self._template(count)
        raw_size = self.raw_size(count)
        html = inline_css(raw)
        size = encoded_size(html)
        # What a step adds or takes away is inlined at about the ratio of the document without its
        # stylesheets: the ones premailer inlines vanish, the ones it keeps are copied as they are.
        inlined, kept = _stylesheet_sizes(raw)
        slope = (size - kept) / (raw_size - inlined - kept) if raw_size > inlined + kept else size / max(1, raw_size)
        self.measured.append((count, size, slope))
        self.last = (count, (candidate, html, size))
        return self.last[1]

    def predicted(self, low: int, high: int, right: int | None) -> int:
        """The fewest steps in [low, high] whose size, predicted from the raw size, fits (else high).

        The prediction is a line from the latest full rendering (raw size -> encoded size): through the
        one before it when both are in the same phase (stories becoming links, or links left out), else
        at that rendering's own ratio. `low - 1` was rendered in full; so was `right` (> high) when given."""
        c_b, s_b, slope = self.measured[-1]
        r_b = self.raw_sizes[c_b]
        if len(self.measured) > 1:
            c_a, s_a, _ = self.measured[-2]
            r_a = self.raw_sizes[c_a]
            if (c_a <= self.steps.moves) == (c_b <= self.steps.moves) and r_a != r_b:
                slope = (s_b - s_a) / (r_b - r_a)
        if slope <= 0:
            return (low + high) // 2
        target = r_b + (self.limit - s_b) / slope  # the largest raw size predicted to fit
        return self._first_within(target, low, high, right)

    def _first_within(self, target: float, low: int, high: int, right: int | None) -> int:
        """The fewest steps in [low, high] whose raw size is at most `target` (else high).

        Raw sizes shrink step by step, in about equal steps within a phase (stories becoming links,
        then links left out): interpolating between the two nearest known sizes usually lands on the
        answer or next to it. When one end of the range keeps moving, the next try is beside it, and
        after that the range is halved."""
        left, end = low - 1, high + 1 if right is None else right  # raw(left) > target >= raw(end) if known
        for count, size in self.raw_sizes.items():  # every size known so far narrows the range
            if left < count < end:
                if size > target:
                    left = count
                else:
                    end = count
        if end > high:  # nothing known in the range fits: the phase boundary and the range's end tell
            for count in (self.steps.moves, high):
                if left < count < end and self.raw_size(count) <= target:
                    end = count
                    break
                if left < count < end:
                    left = count
        if end > high:
            return high
        moved = [0, 0]  # how often in a row the left end / the right end of the range moved
        while end - left > 1:
            r_left, r_end = self.raw_sizes[left], self.raw_sizes[end]
            if moved[0] >= 3 or moved[1] >= 3 or r_left <= r_end:
                guess = (left + end) // 2
            elif moved[0] == 2 or moved[1] == 2:  # one end keeps moving: the answer is likely next to it
                guess = left + 1 if moved[0] else end - 1
            else:
                guess = left + math.ceil((r_left - target) / (r_left - r_end) * (end - left))
                guess = min(end - 1, max(left + 1, guess))
            if self.raw_size(guess) > target:
                left, moved = guess, [moved[0] + 1, 0]
            else:
                end, moved = guess, [0, moved[1] + 1]
        return end


_STYLESHEET = re.compile(r"<style\b([^>]*)>(.*?)</style\s*>", re.S | re.I)


def _stylesheet_sizes(html: str) -> tuple[int, int]:
    """Encoded sizes of the <style> blocks premailer inlines and of those it keeps (data-premailer)."""
    inlined = kept = 0
    for match in _STYLESHEET.finditer(html):
        size = encoded_size(match.group(2))
        if "data-premailer" in match.group(1):
            kept += size
        else:
            inlined += size
    return inlined, kept


def fit_to_budget(
    issue: Issue, template_dir: Path | None = None, budget: int = DEFAULT_BUDGET
) -> tuple[Issue, Rendered]:
    """Render; while the encoded HTML exceeds `budget`, turn the lowest-ranked stories into links, and when
    even links are too many, leave the lowest-ranked links out (counted in the email). The text twin
    returned is always the whole issue's."""
    limit = min(budget, SAFE_LIMIT - 1)
    steps = _Steps(issue, rank_key(issue))  # every step's stories are this issue's: score each article once
    total = steps.total
    # No link renders in fewer than MIN_LINK_BYTES, so an email with more than cap links cannot fit. With
    # that many links before any move, the first step that can fit is the one leaving only cap links:
    # starting there keeps a 10,000-article week from rendering 10,000 links again and again.
    cap = limit // MIN_LINK_BYTES
    floor = total - cap if steps.links > cap else 0
    search = _Search(steps, template_dir, limit)

    first = search.attempt(floor)
    if first[2] <= limit and floor == 0:
        # Gmail clips only the HTML part: the plain-text twin keeps every story with its summary.
        return first[0], rendered_issue(first[1], render_text(issue, template_dir))
    # Size shrinks with every step (an article becomes a link, a link is left out): find the fewest steps.
    # When the floor fits it is the fewest already, since every earlier step has more than cap links.
    # Each full rendering is predicted from the template output's size scaled as the latest full
    # renderings were, so the search usually renders the answer and its neighbour only; halving the
    # range takes over if not. The plain-text twin is made once, at the end.
    fitting = (floor, first) if first[2] <= limit else None
    too_big, tries = floor, 0
    while fitting is None or fitting[0] - too_big > 1:
        high = total if fitting is None else fitting[0] - 1
        if too_big >= high and fitting is None:
            break  # every step was tried: nothing fits
        if tries < 4:
            count = search.predicted(too_big + 1, high, None if fitting is None else fitting[0])
        else:
            count = (too_big + 1 + high) // 2
        tries += 1
        result = search.attempt(count)
        if result[2] <= limit:
            fitting = (count, result)
        else:
            too_big = count
    if fitting is None:
        last = search.last
        final, html, size = last[1] if last is not None and last[0] == total else search.attempt(total)
        note = (
            f"left every article but the lead out of the email and the HTML is still {size:,} bytes "
            f"encoded, over the {budget:,}-byte budget; check the templates"
        )
    else:
        count, (final, html, size) = fitting
        moved = min(count, steps.moves)
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
    whole = rendered_issue(html, render_text(issue, template_dir))
    return final, replace(whole, warnings=whole.warnings + (note,))
