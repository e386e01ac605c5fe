"""The delivery journal: which issues' deliveries were started, and which were started over on purpose.

The ledger says who has an issue. If it is lost or replaced (a zero-byte file, an old backup, a new
state_dir), an issue with no rows looks never sent, and the next send would mail the whole list
again. The journal (`<state_dir>/deliveries.json`, written before the first message of an issue
goes out) and the sent-articles record let the sender tell an issue never sent from one whose rows
were lost, and refuse the second until the editor starts the issue over (`digest send ISSUE --reset`).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from digest.errors import LostLedgerError, StateError
from digest.files import atomic_write
from digest.ledger import FAILED, LEDGER_FILE, SENT, Ledger, issue_lock
from digest.state import STATE_FILE, sent_issues
from digest.statedb import state_failure

JOURNAL_FILE = "deliveries.json"
STARTED, RESET = "started", "reset"
_REMEDY = "restore it from a backup, or move it aside (digest then relies on sent-articles.json alone)"


def _path(state_dir: Path) -> Path:
    return Path(state_dir) / JOURNAL_FILE


def load_journal(state_dir: Path) -> dict[str, dict[str, str]]:
    """{issue: {"event": started|reset, "at": ISO time}} for every issue in the journal."""
    path = _path(state_dir)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StateError(f"{path}: unreadable delivery journal ({exc}); {_REMEDY}") from None
    issues = doc.get("issues") if isinstance(doc, dict) else None
    if not isinstance(issues, dict) or doc.get("version") != 1:
        raise StateError(f"{path}: not a delivery journal this digest knows (version 1); {_REMEDY}")
    return {str(k): v for k, v in issues.items() if isinstance(v, dict)}


@contextmanager
def _exclusive(state_dir: Path) -> Iterator[None]:
    # Two issues may be sent at once (each under its own lock): their journal updates must not race.
    lock = Path(state_dir) / "locks" / "journal.lock"
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise state_failure(lock, "lock file", exc, "check the state directory") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _record(state_dir: Path, issue: str, event: str, now: datetime) -> None:
    path = _path(state_dir)
    with _exclusive(state_dir):
        issues = load_journal(state_dir)
        if issues.get(issue, {}).get("event") == event == STARTED:
            return  # the first start is the one worth knowing
        issues[issue] = {"event": event, "at": now.isoformat(timespec="seconds")}
        text = json.dumps({"version": 1, "issues": dict(sorted(issues.items()))}, indent=1) + "\n"
        try:
            atomic_write(path, text, durable=True)  # on disk before the first message goes out
        except OSError as exc:
            raise state_failure(path, "delivery journal", exc, _REMEDY) from None


def record_started(state_dir: Path, issue: str, now: datetime) -> None:
    """Note that delivering an issue has begun (before its first message goes out)."""
    _record(state_dir, issue, STARTED, now)


def record_reset(state_dir: Path, issue: str, now: datetime) -> None:
    """Note that the editor started an issue over: an empty ledger for it is intended."""
    _record(state_dir, issue, RESET, now)


def lost_evidence(state_dir: Path, issue: str) -> str:
    """Why an issue with no ledger rows was sent before ("" when nothing says so)."""
    entry = load_journal(state_dir).get(issue)
    if entry is not None:
        if entry.get("event") == STARTED:
            return f"{_path(state_dir)} shows its delivery started {entry.get('at', '')}"
        return ""  # reset on purpose
    if issue in sent_issues(state_dir):
        return f"{Path(state_dir) / STATE_FILE} records it as sent"
    return ""


def refuse_if_lost(state_dir: Path, issue: str, ledger_rows: int) -> None:
    """Stop when the ledger has no rows for an issue that other records show as sent."""
    if ledger_rows:
        return
    evidence = lost_evidence(state_dir, issue)
    if evidence:
        raise LostLedgerError(
            f"{Path(state_dir) / LEDGER_FILE} has no record of {issue}, but {evidence}: the ledger was lost or "
            f"replaced, and sending now could mail everyone again. Restore the ledger from a backup, or start "
            f"the issue over with `digest send {issue} --reset`; nothing was sent"
        )


def tally(states: dict[str, str]) -> tuple[int, int, int]:
    """(sent, failed, not yet delivered) rows in an issue's {key: state}."""
    sent = sum(1 for s in states.values() if s == SENT)
    failed = sum(1 for s in states.values() if s == FAILED)
    return sent, failed, len(states) - sent - failed


def start_over(state_dir: Path, issue: str, now: datetime) -> tuple[int, int, int]:
    """Clear an issue's ledger rows (under its send lock) and note the reset: (sent, failed, pending) cleared."""
    with issue_lock(state_dir, issue):
        ledger = Ledger.in_state_dir(state_dir)
        try:
            cleared = ledger.clear(issue)
        finally:
            ledger.close()
        record_reset(state_dir, issue, now)
    sent, failed = cleared.get(SENT, 0), cleared.get(FAILED, 0)
    return sent, failed, sum(cleared.values()) - sent - failed
