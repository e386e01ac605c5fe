"""The group stage: pick the lead, place every article in a section, rank within sections."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from digest.models import Article, Entry, Section, Summary, Week
from digest.normalize import body_word_count, html_to_text

log = logging.getLogger(__name__)

# Categories that say nothing about the topic: treated as no category at all.
NON_TOPICS = frozenset({"featured", "uncategorized", "uncategorised", "general", "news feed", "blog"})
MIN_TRAINING = 3  # examples a section needs before the classifier may assign it
MIN_CONFIDENCE = 0.15


@dataclass(frozen=True)
class GroupRules:
    """How articles become sections: order, aliases, keywords, default, cap."""

    order: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default: str = "More news"
    max_per_section: int = 6


def topic_categories(article: Article, aliases: Mapping[str, str]) -> list[str]:
    """The article's categories after aliasing, without flags such as "featured"."""
    folded = {k.strip().lower(): v for k, v in aliases.items()}
    out: list[str] = []
    for raw in article.categories:
        name = folded.get(raw.strip().lower(), raw.strip())
        if name and name.lower() not in NON_TOPICS and name not in out:
            out.append(name)
    return out


def score(article: Article, week: Week) -> float:
    """Ranking score: recency in the window (0-1), plus source priority, plus length (0-0.5) and image (0.2)."""
    span = (week.end - week.start).total_seconds() or 1.0
    recency = min(1.0, max(0.0, (article.published - week.start).total_seconds() / span))
    words = body_word_count(article.content_html)
    return recency + article.priority + 0.5 * min(words, 1200) / 1200 + (0.2 if article.image else 0.0)


def rank(articles: Sequence[Article], week: Week) -> list[Article]:
    """Featured articles first, then by descending score; ties broken by id for stable output."""
    return sorted(articles, key=lambda a: (not a.featured, -score(a, week), a.id))


def choose_sections(articles: Sequence[Article], rules: GroupRules) -> dict[str, tuple[str, str | None]]:
    """Map article id -> (section, category): category first, then keywords, classifier, default."""
    chosen: dict[str, tuple[str, str | None]] = {}
    pending: list[Article] = []
    for article in articles:
        cats = topic_categories(article, rules.aliases)
        if cats:
            # Prefer a category that is a configured section, in the configured order.
            ordered = [c for c in rules.order if c in cats] or cats
            chosen[article.id] = (ordered[0], ordered[0])
        else:
            pending.append(article)
    if not pending:
        return chosen
    from digest.classify import keyword_section, train  # only needed for uncategorized articles

    texts = {a.id: html_to_text(a.content_html) for a in pending}
    examples = [(a.title, html_to_text(a.content_html), chosen[a.id][0]) for a in articles if a.id in chosen]
    counts: dict[str, int] = {}
    for _, _, label in examples:
        counts[label] = counts.get(label, 0) + 1
    usable = [e for e in examples if counts[e[2]] >= MIN_TRAINING]
    classifier = train(usable) if len({e[2] for e in usable}) >= 2 else None
    for article in pending:
        section = keyword_section(article.title, texts[article.id], rules.keywords) if rules.keywords else None
        if section is None and classifier is not None:
            label, confidence = classifier.predict(article.title, texts[article.id])
            if label and confidence >= MIN_CONFIDENCE:
                section = label
        chosen[article.id] = (section or rules.default, None)
    return chosen


def section_order(names: Sequence[str], counts: Mapping[str, int], rules: GroupRules) -> list[str]:
    """Configured sections first, in order; then the rest by size and name; the default last."""
    configured = [n for n in rules.order if n in names and n != rules.default]
    rest = sorted((n for n in names if n not in configured and n != rules.default), key=lambda n: (-counts[n], n))
    tail = [rules.default] if rules.default in names else []
    return configured + rest + tail


def group(articles: Sequence[Article], summaries: Mapping[str, Summary], week: Week,
          rules: GroupRules) -> tuple[Entry | None, tuple[Section, ...]]:
    """Build the lead entry and the sections of an issue from selected, summarized articles."""
    if not articles:
        return None, ()
    placement = choose_sections(articles, rules)
    ranked = rank(articles, week)
    entries = [Entry(a, summaries[a.id], placement[a.id][0], placement[a.id][1]) for a in ranked]
    lead, rest = entries[0], entries[1:]
    by_section: dict[str, list[Entry]] = {}
    for entry in rest:
        by_section.setdefault(entry.section, []).append(entry)
    counts = {name: len(items) for name, items in by_section.items()}
    sections = []
    for name in section_order(list(by_section), counts, rules):
        items = by_section[name]
        cap = rules.max_per_section if rules.max_per_section > 0 else len(items)
        sections.append(Section(name, tuple(items[:cap]), tuple(items[cap:])))
    return lead, tuple(sections)
