"""Small builders for articles and weeks used across the stage tests."""

from datetime import UTC, datetime, timedelta

from digest.models import Article, Image, Summary
from digest.week import iso_week

WEEK = iso_week("2026-W47")


def article(
    n: int,
    categories=("News",),
    day: int = 0,
    hours: int = 12,
    words: int = 200,
    image: bool = True,
    priority: int = 0,
    title: str | None = None,
    url: str | None = None,
) -> Article:
    """An article published `day` days and `hours` hours into 2026-W47."""
    body = "".join(f"<p>Sentence number {i} of article {n} says something.</p>" for i in range(words // 8))
    return Article(
        id=f"a{n:03d}",
        url=url or f"https://news.example.com/{n}",
        title=title or f"Article {n}",
        published=WEEK.start + timedelta(days=day, hours=hours),
        source="Test",
        author="Ann Author",
        categories=tuple(categories),
        content_html=body,
        image=Image(f"https://img.example.com/{n}.jpg", "alt", 600, 338) if image else None,
        reading_minutes=2,
        priority=priority,
    )


def summaries(articles) -> dict:
    return {a.id: Summary(f"Summary of {a.title}.", "extractive") for a in articles}


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
