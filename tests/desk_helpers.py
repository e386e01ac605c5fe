"""Shared builders for the editor's desk tests: a native source file and a CLI build."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

WEEK = "2026-W47"
SECTIONS = ("Security", "Science", "Business")


def native_article(n: int, section: str, day: int = 0, title: str | None = None) -> dict:
    """One native-format article published in 2026-W47 (16-22 Nov 2026)."""
    body = "".join(
        f"<p>Paragraph {i} of story {n} explains what happened and why it matters to readers.</p>" for i in range(6)
    )
    return {
        "url": f"https://news.example.com/2026/11/story-{n}",
        "title": title or f"Story number {n} about {section.lower()}",
        "published": f"2026-11-{16 + day:02d}T{8 + n % 10:02d}:00:00Z",
        "author": "Desk Writer",
        "categories": [section],
        "tags": [],
        "content_html": body,
        "reading_minutes": 2,
    }


def write_source(path: Path, articles: list[dict]) -> Path:
    """Write a native source file and return its path."""
    path.write_text(
        json.dumps(
            {"version": 1, "source": {"name": "Desk News", "url": "https://news.example.com"}, "articles": articles}
        ),
        encoding="utf-8",
    )
    return path


def default_articles(count: int = 7) -> list[dict]:
    """`count` articles spread over three sections and the week's days."""
    return [native_article(n, SECTIONS[n % 3], day=n % 7) for n in range(1, count + 1)]


def cli_build(source: Path, out: Path, *extra: str):
    """Run `digest build` through the real CLI app; returns the click Result."""
    from digest.cli import app  # registers every command

    return CliRunner().invoke(
        app,
        ["build", "--source", str(source), "--week", WEEK, "--out", str(out), *extra],
        env={"DIGEST_CONFIG": ""},
        catch_exceptions=False,
    )
