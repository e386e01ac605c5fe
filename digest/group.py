"""The group stage: pick the lead, place every article in a section, rank within sections."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from digest.models import Article, Entry, Section, Summary, Week
from digest.normalize import PARAGRAPHS_CACHED, body_word_count, html_to_text, words_text

if TYPE_CHECKING:
    from digest.classify import Counted, Terms

log = logging.getLogger(__name__)

# Categories that say nothing about the topic: treated as no category at all.
NON_TOPICS = frozenset({"featured", "uncategorized", "uncategorised", "general", "news feed", "blog"})
MIN_TRAINING = 3  # examples a section needs before the classifier may assign it
MIN_CONFIDENCE = 0.15
# Above this the classifier beats configured keywords (measured on BBC by bench/eval_categories.py:
# keywords first cost accuracy on large issues), and a small section may be folded into its guess.
CONFIDENT = 0.5
FOLD_MIN_EXAMPLES = 3  # articles a section needs before a small one may be folded into it by guess
TRUSTED_TRAINING = 50  # below this many labelled articles keywords go first (small issues: see bench/README.md)


@dataclass(frozen=True)
class GroupRules:
    """How articles become sections: order, aliases, keywords, default, cap."""

    order: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default: str = "More news"
    max_per_section: int = 6
    min_size: int = 1  # sections with fewer entries are folded into a larger one (1: never)
    keep: frozenset[str] = frozenset()  # sections the editor named (order, a source's pin or map): never folded


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


class Bodies:
    """Each article's body as the classifier reads it: converted to text once, then kept as term counts."""

    def __init__(self, articles: Sequence[Article]):
        self._articles = {a.id: a for a in articles}
        self._counted: dict[str, Counted] = {}
        self._terms: Terms | None = None
        # Counting needs only a body's words. A week that fits the paragraph cache has its bodies' paragraphs
        # there (reading and summarizing made them); a larger week's are gone, and words_text takes less.
        self._words = words_text if len(articles) > PARAGRAPHS_CACHED else html_to_text

    @property
    def terms(self) -> Terms:
        """The table of terms every counted body refers to (made on first use)."""
        if self._terms is None:
            from digest.classify import Terms  # numpy: only needed for uncategorized articles

            self._terms = Terms()
        return self._terms

    def text(self, article_id: str) -> str:
        """The body as plain text, converted on each call (only its term counts are kept)."""
        return html_to_text(self._articles[article_id].content_html)

    def counted(self, article_id: str, text: str | None = None) -> Counted:
        """The article's term counts, title words weighted; `text` is its body when the caller has it."""
        found = self._counted.get(article_id)
        if found is None:
            article = self._articles[article_id]
            body = self._words(article.content_html) if text is None else text
            found = self._counted[article_id] = self.terms.count(article.title, body)
        return found


def choose_sections(
    articles: Sequence[Article], rules: GroupRules, bodies: Bodies | None = None
) -> dict[str, tuple[str, str | None]]:
    """Map article id -> (section, category): category first, then keywords, classifier, default.

    `bodies` holds what was read of the articles' bodies when the caller shares it with fold_small."""
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
    from digest.classify import keyword_section, train_counted  # only needed for uncategorized articles

    bodies = Bodies(articles) if bodies is None else bodies
    examples = [(a.id, chosen[a.id][0]) for a in articles if a.id in chosen]
    counts: dict[str, int] = {}
    for _, example_label in examples:
        counts[example_label] = counts.get(example_label, 0) + 1
    usable = [e for e in examples if counts[e[1]] >= MIN_TRAINING]  # only these bodies are read
    classifier = (
        train_counted(bodies.terms, [(bodies.counted(aid), label) for aid, label in usable])
        if len({label for _, label in usable}) >= 2
        else None
    )
    for article in pending:
        text = bodies.text(article.id) if rules.keywords else None
        label, confidence = classifier.predict_counted(bodies.counted(article.id, text)) if classifier else (None, 0.0)
        trusted = confidence >= CONFIDENT and (len(usable) >= TRUSTED_TRAINING or not rules.keywords)
        section: str | None = label if label and trusted else None
        if section is None and text is not None:
            section = keyword_section(article.title, text, rules.keywords)
        if section is None and label and confidence >= MIN_CONFIDENCE:
            section = label
        chosen[article.id] = (section or rules.default, None)
    return chosen


def _variant_key(name: str) -> str:
    """A category's spelling-insensitive key: case folded, a plural "s"/"ies" dropped."""
    key = " ".join(name.lower().split())
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y"
    if key.endswith("s") and not key.endswith("ss") and len(key) > 3:
        return key[:-1]
    return key


def merge_variants(
    chosen: dict[str, tuple[str, str | None]], keep: Sequence[str] = ()
) -> dict[str, tuple[str, str | None]]:
    """Fold case, plural and "A/B" variants of a section name into one spelling.

    "Gadget" and "gadgets" become the commoner spelling (a configured one wins); "iPhone/iPad" joins
    "iPhone" when that is a section of its own this week.
    """
    counts: dict[str, int] = {}
    for section, _ in chosen.values():
        counts[section] = counts.get(section, 0) + 1
    spelling: dict[str, str] = {}
    first_seen = {name: i for i, name in enumerate(counts)}
    for name in sorted(counts, key=lambda n: (n not in keep, -counts[n], n.isupper(), first_seen[n])):
        spelling.setdefault(_variant_key(name), name)
    target: dict[str, str] = {name: spelling[_variant_key(name)] for name in counts}
    for name in counts:
        parts = [_variant_key(p) for p in name.split("/") if p.strip()] if "/" in name else []
        matches = [spelling[p] for p in parts if p in spelling]
        if matches:
            target[name] = max(matches, key=lambda m: counts.get(m, 0))
    return {aid: (target[section], category) for aid, (section, category) in chosen.items()}


def fold_small(
    articles: Sequence[Article],
    chosen: dict[str, tuple[str, str | None]],
    rules: GroupRules,
    skip: str | None = None,
    bodies: Bodies | None = None,
) -> tuple[dict[str, tuple[str, str | None]], list[str]]:
    """Fold sections with fewer than rules.min_size entries into the nearest larger one, or the default.

    A small section goes to the larger section the classifier (trained on the larger sections) is
    confident about, else to the default section. `skip` is the lead's id, which is not in a section.
    Returns the new placement and one line per fold for the build report.
    """
    counts: dict[str, int] = {}
    for aid, (section, _) in chosen.items():
        if aid != skip:
            counts[section] = counts.get(section, 0) + 1
    small = [n for n in counts if counts[n] < rules.min_size and n != rules.default and n not in rules.keep]
    if rules.min_size <= 1 or not small:
        return chosen, []
    # A guess needs sections with enough articles to say what they are about: a centroid of one or
    # two short stories matches almost anything as confidently as it matches its own topic.
    large = {n for n in counts if n not in small and n != rules.default and counts[n] >= FOLD_MIN_EXAMPLES}
    by_id = {a.id: a for a in articles}
    bodies = Bodies(articles) if bodies is None else bodies
    classifier = None
    if len(large) >= 2:
        from digest.classify import train_counted

        classifier = train_counted(
            bodies.terms, [(bodies.counted(aid), section) for aid, (section, _) in chosen.items() if section in large]
        )
    moved: dict[str, str] = {}
    for name in sorted(small, key=lambda n: (counts[n], n)):
        members = [aid for aid, (section, _) in chosen.items() if section == name and aid in by_id]
        label, confidence = None, 0.0
        if classifier is not None:
            label, confidence = classifier.predict(
                " ".join(by_id[a].title for a in members), " ".join(bodies.text(a) for a in members)
            )
        moved[name] = label if label and confidence >= CONFIDENT else rules.default
    notes = [
        f'section "{name}" had {counts[name]} article(s), fewer than [sections] min_size = '
        f'{rules.min_size}: folded into "{target}" (add an alias under [sections.aliases] to choose)'
        for name, target in moved.items()
    ]
    folded = {aid: (moved.get(section, section), category) for aid, (section, category) in chosen.items()}
    return folded, notes


def section_order(names: Sequence[str], counts: Mapping[str, int], rules: GroupRules) -> list[str]:
    """Configured sections first, in order; then the rest by size and name; the default last."""
    configured = [n for n in rules.order if n in names and n != rules.default]
    rest = sorted((n for n in names if n not in configured and n != rules.default), key=lambda n: (-counts[n], n))
    tail = [rules.default] if rules.default in names else []
    return configured + rest + tail


def group(
    articles: Sequence[Article], summaries: Mapping[str, Summary], week: Week, rules: GroupRules
) -> tuple[Entry | None, tuple[Section, ...]]:
    """Build the lead entry and the sections of an issue from selected, summarized articles."""
    lead, sections, _ = group_issue(articles, summaries, week, rules)
    return lead, sections


def group_issue(
    articles: Sequence[Article], summaries: Mapping[str, Summary], week: Week, rules: GroupRules
) -> tuple[Entry | None, tuple[Section, ...], list[str]]:
    """The lead entry, the sections, and one note per small section folded into another."""
    if not articles:
        return None, (), []
    bodies = Bodies(articles)  # the classifier reads bodies in both stages: each is converted once
    placement = merge_variants(choose_sections(articles, rules, bodies), rules.order)
    ranked = rank(articles, week)  # by word counts taken when the articles were read
    placement, folds = fold_small(articles, placement, rules, skip=ranked[0].id, bodies=bodies)
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
    return lead, tuple(sections), folds
