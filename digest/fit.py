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
    """Renders and measures the issue at given steps; predicts the fewest steps that fit.

    A full rendering (templates, then premailer) is what the budget is about; the template output alone
    costs a fraction of it, and a full rendering's size is predicted from it (see predicted_size). Two
    small renderings at the end of the steps (the issue without links, then with a few) measure what
    inlining adds to a link, so a large week's search usually inlines only the answer and its neighbour,
    never the whole week."""

    def __init__(self, steps: _Steps, template_dir: Path | None, limit: int):
        self.steps, self.template_dir, self.limit = steps, template_dir, limit
        self.raw_sizes: dict[int, int] = {}  # steps -> encoded size of the template output
        self.added: dict[int, int] = {}  # steps -> bytes the full rendering added to the template output
        self.ratios: dict[int, float] = {}  # steps -> full size per byte of the template output's content
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
        html = inline_css(raw)
        size = encoded_size(html)
        raw_size = self.raw_size(count)
        self.added[count] = size - raw_size
        # The ratio of the document without its stylesheets: the ones premailer inlines vanish, the ones it
        # keeps are copied as they are.
        inlined, kept = _stylesheet_sizes(raw)
        content = raw_size - inlined - kept
        self.ratios[count] = (size - kept) / content if content > 0 else size / max(1, raw_size)
        self.last = (count, (candidate, html, size))
        return self.last[1]

    def shown(self, count: int) -> tuple[int, int]:
        """Stories and links the email shows at `count` steps, less those it shows at the last step."""
        moves = self.steps.moves
        if count <= moves:
            return moves - count, self.steps.links + count
        return 0, self.steps.total - count

    def probes(self, above: int) -> list[int]:
        """Steps after `above` whose small renderings measure a link: the last, and a few links before it."""
        total, moves = self.steps.total, self.steps.moves
        counts = dict.fromkeys((total, total - min(PROBE_LINKS, total - moves)))
        return [count for count in counts if count > above and count not in self.added]

    def _per_link(self) -> float | None:
        """Bytes inlining adds per link shown, from the links-only full renderings so far (None: unknown)."""
        links = sorted((self.shown(c)[1], added) for c, added in self.added.items() if c >= self.steps.moves)
        if len(links) < 2 or links[0][0] == links[-1][0]:
            return None
        (fewest, added_fewest), (most, added_most) = links[0], links[-1]
        return (added_most - added_fewest) / (most - fewest)

    def needs_links(self, count: int | None) -> bool:
        """True when a rendering at `count` steps (None: not predicted) should wait for the links' cost."""
        return (count is None or count >= self.steps.moves) and self._per_link() is None

    def has_stories(self) -> bool:
        """True once a full rendering showed stories that later steps turn into links."""
        return any(count < self.steps.moves for count in self.added)

    def predicted_size(self, count: int) -> float | None:
        """The full rendering's encoded size at `count` steps, predicted (None: not predictable yet).

        Among the links, premailer adds the same bytes to each: the size is the template output's plus
        what inlining added at the nearest links-only rendering, plus that much per link shown more or
        fewer. Stories differ more (an image, a byline), and what inlining adds to them follows their
        size: a line through the two nearest renderings with stories, or the nearest one's own ratio."""
        if not self.added:
            return None  # nothing rendered in full yet: no template output is worth rendering for this
        raw = self.raw_size(count)
        per_link = self._per_link()
        if count >= self.steps.moves and per_link is not None:
            nearest = min((c for c in self.added if c >= self.steps.moves), key=lambda c: (abs(c - count), c))
            return raw + self.added[nearest] + per_link * (self.shown(count)[1] - self.shown(nearest)[1])
        # Before the links' cost is known, links-only steps are predicted as stories are (less closely). The
        # step where the last story became a link bounds the stories' phase too: it counts as a neighbour.
        # With no rendering of stories yet, the nearest links-only one lends its ratio (a first guess).
        with_stories = sorted((c for c in self.added if c <= self.steps.moves), key=lambda c: (abs(c - count), c))
        with_stories = with_stories or sorted(self.added, key=lambda c: (abs(c - count), c))[:1]
        near = with_stories[0]
        near_raw, near_size = self.raw_sizes[near], self.raw_sizes[near] + self.added[near]
        if len(with_stories) > 1 and self.raw_sizes[with_stories[1]] != near_raw:
            other = with_stories[1]
            ratio = (self.raw_sizes[other] + self.added[other] - near_size) / (self.raw_sizes[other] - near_raw)
        else:
            ratio = self.ratios[near]
        return near_size + ratio * (raw - near_raw)

    def predicted(self, low: int, high: int) -> int | None:
        """The fewest steps in [low, high] predicted to fit (high if none does), or None when nothing has
        been rendered in full yet.

        Predicted sizes shrink step by step, in about equal steps within a phase (stories becoming links,
        then links left out): interpolating between the two nearest predictions usually lands on the
        answer or next to it; after a few tries the range is halved."""
        moves = self.steps.moves
        if low < moves <= high and not self.has_stories():
            # Links are predicted closely and stories are not yet: the links-only step tells whether the
            # answer is among the later steps.
            size = self.predicted_size(moves)
            if size is not None and size > self.limit:
                low = moves + 1
                if low > high:
                    return high
        over: dict[int, float] = {}
        for count in (high, low):
            size = self.predicted_size(count)
            if size is None:
                return None
            over[count] = size - self.limit
        if over[high] > 0:
            return high
        if over[low] <= 0:
            return low
        left, end, tries = low, high, 0  # over[left] > 0 >= over[end]
        while end - left > 1:
            if tries < 4 and over[left] > over[end]:
                guess = left + math.ceil(over[left] / (over[left] - over[end]) * (end - left))
                guess = min(end - 1, max(left + 1, guess))
            else:
                guess = (left + end) // 2
            tries += 1
            size = self.predicted_size(guess)
            if size is None:
                return None
            over[guess] = size - self.limit
            if over[guess] > 0:
                left = guess
            else:
                end = guess
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


PROBE_LINKS = 20  # links in the small rendering that, beside the one without links, measures a link's cost


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
    # Size shrinks with every step (an article becomes a link, a link is left out): find the fewest steps
    # that fit. `too_big` is the most steps known not to fit (before the floor, every step has more than
    # cap links), `fitting` the fewest known to fit. The floor is rendered first only when its template
    # output alone fits, as a week that needs no trimming does (one rendering); otherwise small renderings
    # at the end of the steps measure what a link costs, and each next full rendering is the fewest steps
    # predicted to fit, so the search usually renders the answer and its neighbour only. Halving the range
    # takes over after a few tries. The plain-text twin is made once, at the end.
    too_big, fitting = floor - 1, None
    tries = 0

    def settle(count: int) -> None:
        nonlocal too_big, fitting
        result = search.attempt(count)
        if result[2] <= limit:
            if fitting is None or count < fitting[0]:
                fitting = (count, result)
        else:
            too_big = max(too_big, count)

    if search.raw_size(floor) <= limit:
        settle(floor)
        if fitting is not None and floor == 0:
            first = fitting[1]
            # Gmail clips only the HTML part: the plain-text twin keeps every story with its summary.
            return first[0], rendered_issue(first[1], render_text(issue, template_dir))
    while fitting is None or fitting[0] - too_big > 1:
        low, high = too_big + 1, total if fitting is None else fitting[0] - 1
        if low > high:
            break  # every step was tried: nothing fits
        count = search.predicted(low, high) if tries < 4 else (low + high) // 2
        probes = search.probes(too_big)
        if probes and search.needs_links(count):
            settle(probes[0])  # small renderings: what a link costs, before a full one among the links
            continue
        if count is None:  # nothing rendered yet and no small rendering left to make: start at the first step
            count = low
        tries += 1
        settle(count)
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
