"""The summarize stage: one short summary per article, and where it came from."""

from __future__ import annotations

from collections.abc import Iterable

from digest import extractive
from digest.excerpt import is_good_excerpt
from digest.models import Article, Summary
from digest.normalize import html_paragraphs


def summarize_article(article: Article, max_words: int = 60, max_sentences: int = 2) -> Summary:
    """The source's excerpt when it is a good summary, else an extractive summary of the body."""
    paragraphs = html_paragraphs(article.content_html)
    if article.excerpt and is_good_excerpt(article.excerpt, paragraphs, max_words):
        return Summary(article.excerpt, "excerpt")
    text = extractive.summarize(article.title, paragraphs, max_words, max_sentences)
    if text:
        return Summary(text, "extractive")
    return Summary("", "none")


def summarize_all(articles: Iterable[Article], max_words: int = 60, max_sentences: int = 2) -> dict[str, Summary]:
    """Summaries keyed by article id."""
    return {a.id: summarize_article(a, max_words, max_sentences) for a in articles}
