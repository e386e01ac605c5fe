"""`digest run`, the cron entry: build the current week if it is not built, then send it if not sent.

Running it twice is harmless: a second concurrent run stops at the run lock (exit 5), a later one
finds the issue built and everyone in the ledger already sent, and does nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Settings
from digest.errors import ConfigError
from digest.issue_store import IssueStore
from digest.ledger import FileLock
from digest.progress import ProgressFn, no_progress
from digest.send import SendSummary
from digest.send_setup import send_from_settings
from digest.tokens import secret_from_env
from digest.week import resolve_window

if TYPE_CHECKING:
    from digest.fetch import Fetcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a cron run did: the issue, whether it was built now, and the send summary."""

    issue_id: str
    built: bool
    summary: SendSummary

    @property
    def built_line(self) -> str:
        """One line saying whether the issue was built in this run."""
        return f"{self.issue_id}: {'built now' if self.built else 'already built'}"


def expected_issue_id(settings: Settings, now: datetime) -> str | None:
    """The id the build would produce, when knowable without collecting (not for 'latest' or the sample)."""
    if settings.week_choice == "latest":
        return None  # the newest article's week: only the articles tell
    return resolve_window(
        settings.build.week or "current", settings.build.since, settings.build.until, settings.newsletter.timezone, now
    ).id


def run_once(
    settings: Settings,
    fetcher: Fetcher,
    now: datetime,
    environ: Mapping[str, str],
    stop: threading.Event | None = None,
    previews: bool = False,
    progress: ProgressFn = no_progress,
) -> RunResult:
    """Build if needed and send; the whole run holds one lock so cron overlaps do nothing.

    Without an SMTP relay the run would only write previews: it refuses unless `previews` asks for them.
    """
    if not (settings.send.smtp or settings.send.api) and not previews:
        raise ConfigError(
            "no SMTP relay or email API is set ([send] smtp or api, --smtp or --api), so digest run "
            "would deliver nothing; set one, or pass --outbox DIR to write previews only"
        )
    secret_from_env(environ)  # fail before building when sending could not start anyway
    with FileLock(Path(settings.build.state_dir) / "locks" / "run.lock", "digest run"):
        from digest.pipeline import build_issue, gather  # imported here: sending alone needs none of it

        issue_id, gathered = expected_issue_id(settings, now), None
        if issue_id is None:
            # Learn the id from the articles without building: an issue already built may be half sent,
            # and rewriting it would give the rest of the list a different issue than the first got.
            # What was collected is kept, so a build that follows collects nothing twice.
            gathered = gather(settings, fetcher, now)
            issue_id = gathered.window.id
        built = not IssueStore(Path(settings.build.out)).exists(issue_id)
        if built:
            result = build_issue(settings, fetcher, now, gathered=gathered)
            issue_id = result.issue.id
            log.info("built %s: %s", issue_id, ", ".join(str(p) for p in result.paths))
        summary = send_from_settings(settings, issue_id, environ, now, stop=stop, progress=progress)
    return RunResult(issue_id, built, summary)
