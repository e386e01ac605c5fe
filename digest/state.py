"""What has gone out: the ids of articles in earlier issues, kept under state_dir.

The rule ("new since the last issue"): an issue takes the articles published in
its window, plus articles published up to `grace` (7 days by default) before the
window that no earlier issue carried (a story published late on Sunday, after
last week's issue was built, is not lost), and never an article that an earlier
issue carried. Before any issue has been recorded there is no carry-over.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from digest.errors import ConfigError
from digest.files import atomic_write
from digest.models import Article, Skip

STATE_FILE = "sent-articles.json"
DEFAULT_GRACE = timedelta(days=7)


def _path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def _load(state_dir: Path) -> dict[str, list[str]]:
    path = _path(state_dir)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable sent-articles record ({exc}); move it aside to start afresh") from None
    issues = doc.get("issues") if isinstance(doc, dict) else None
    if not isinstance(issues, dict):
        raise ConfigError(f'{path}: not a sent-articles record (no "issues" table); move it aside to start afresh')
    return {str(k): [str(i) for i in v] for k, v in issues.items() if isinstance(v, list)}


def load_sent(state_dir: Path, exclude: str | None = None) -> set[str]:
    """Ids of every article an earlier issue carried; `exclude` leaves out one issue (when rebuilding it)."""
    return {aid for issue, ids in _load(state_dir).items() if issue != exclude for aid in ids}


def sent_issues(state_dir: Path) -> list[str]:
    """Ids of the issues recorded so far, in order."""
    return sorted(_load(state_dir))


def record_sent(state_dir: Path, issue_id: str, article_ids: Iterable[str]) -> None:
    """Record (or replace) the article ids one issue carried; the file is replaced atomically."""
    issues = _load(state_dir)
    issues[issue_id] = sorted(set(article_ids))
    path = _path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"version": 1, "issues": dict(sorted(issues.items()))}, indent=1) + "\n")


def new_since_last(
    articles: Sequence[Article], sent_ids: set[str], window_start: datetime, grace: timedelta = DEFAULT_GRACE
) -> tuple[list[Article], list[Skip]]:
    """Apply the rule above: (kept, skipped). Articles after the window are left to the week filter."""
    # With no record at all, "never sent" means nothing: no carry-over for the first issue.
    earliest = window_start - grace if sent_ids else window_start
    kept: list[Article] = []
    skipped: list[Skip] = []
    for article in articles:
        label = article.title or article.url
        if article.id in sent_ids:
            skipped.append(Skip(article.source, label, "already sent in an earlier issue"))
        elif article.published < earliest:
            skipped.append(
                Skip(
                    article.source,
                    label,
                    f"published {article.published:%Y-%m-%d}, before {earliest:%Y-%m-%d %H:%M} UTC",
                )
            )
        else:
            kept.append(article)
    return kept, skipped
