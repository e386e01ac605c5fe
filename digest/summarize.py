"""The summarize stage: one short summary per article, and where it came from.

A `Summarizer` turns the selected articles into `Summaries`; `[build] summarizer` chooses one:
`extractive` (offline, the default) or `llm` (a chat-completions endpoint, see digest.llm).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digest.models import Article, Issue, Summaries, Summary
from digest.normalize import html_paragraphs


class Summarizer(Protocol):
    """Anything that summarizes a week's articles."""

    @property
    def name(self) -> str:
        """The name the `summarizer` setting uses for it."""
        ...

    def summarize(self, articles: Sequence[Article]) -> Summaries:
        """One summary per article id, plus warnings for the build report."""
        ...


def summarize_article(article: Article, max_words: int = 60, max_sentences: int = 2) -> Summary:
    """The source's excerpt when it is a good summary, else an extractive summary of the body."""
    return summarize_text(article.title, article.content_html, article.excerpt, max_words, max_sentences)


def summarize_text(
    title: str, content_html: str, excerpt: str | None, max_words: int = 60, max_sentences: int = 2
) -> Summary:
    """summarize_article for an article given as its title, body HTML and the source's excerpt."""
    from digest import (
        extractive,  # numpy: imported when summarizing, not by `digest status`
    )
    from digest.excerpt import is_good_excerpt  # the sentence splitter's model: likewise

    paragraphs = html_paragraphs(content_html)
    if excerpt and is_good_excerpt(excerpt, paragraphs, max_words):
        return Summary(excerpt, "excerpt")
    text = extractive.summarize(title, paragraphs, max_words, max_sentences)
    if text:
        return Summary(text, "extractive")
    return Summary("", "none")


def summarize_all(articles: Iterable[Article], max_words: int = 60, max_sentences: int = 2) -> dict[str, Summary]:
    """Summaries keyed by article id."""
    return {a.id: summarize_article(a, max_words, max_sentences) for a in articles}


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """The `extractive` summarizer: the source's good excerpt, else whole sentences of the article."""

    max_words: int = 60
    max_sentences: int = 2
    name: str = "extractive"
    processes: int | None = None  # worker processes for a large week; None: one per CPU, 1: never a pool

    def summarize_one(self, article: Article) -> Summary:
        """One article's summary."""
        return summarize_article(article, self.max_words, self.max_sentences)

    def summarize(self, articles: Sequence[Article]) -> Summaries:
        """Summaries keyed by article id (never a warning: this summarizer cannot fail).

        A large week is summarized by worker processes (digest.summary_pool), with the same result.
        """
        from digest.summary_pool import pool_workers, summarize_pooled

        workers = pool_workers(len(articles), self.processes)
        if workers:
            texts = [(a.title, a.content_html, a.excerpt) for a in articles]
            pooled = summarize_pooled(texts, self.max_words, self.max_sentences, workers)
            if pooled is not None:
                return Summaries({a.id: summary for a, summary in zip(articles, pooled, strict=True)})
        return Summaries({a.id: self.summarize_one(a) for a in articles})


def summarizer_for(settings: Any) -> Summarizer:
    """The summarizer `[build] summarizer` names (settings are validated: the name is known)."""
    offline = ExtractiveSummarizer(settings.build.summary_words, settings.build.summary_sentences)
    if settings.build.summarizer == "llm":
        from digest.llm import (  # requests is imported only when used
            LLMConfig,
            LLMSummarizer,
        )

        return LLMSummarizer(LLMConfig.from_settings(settings), offline.summarize_one)
    return offline


def summary_counts(issue: Issue) -> dict[str, int]:
    """How many of the issue's summaries came from each origin (cached model answers apart)."""
    counts: dict[str, int] = {}
    for entry in issue.entries + issue.omitted:
        key = "llm-cache" if entry.summary.cached else entry.summary.origin
        counts[key] = counts.get(key, 0) + 1
    return counts


def summary_counts_line(issue: Issue) -> str:
    """The issue's summary origins as one line for the build report and the preview."""
    return origin_counts_line(summary_counts(issue))


def origin_counts_line(counts: dict[str, int]) -> str:
    """ "Summaries: 9 from the model, 3 from the cache, 1 fallback", naming only origins present."""
    names = (
        ("llm", "from the model"),
        ("llm-cache", "from the cache"),
        ("fallback", "fallback (model failed)"),
        ("excerpt", "source excerpt"),
        ("extractive", "extractive"),
        ("editor", "by the editor"),
        ("none", "none"),
    )
    parts = [f"{counts[key]} {label}" for key, label in names if counts.get(key)]
    return "Summaries: " + (", ".join(parts) if parts else "none")
