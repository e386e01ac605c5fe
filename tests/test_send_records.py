"""What counts as delivered: a lost ledger never re-mails the list, the outbox is a preview, --reset starts over.

Every test sends to a real aiosmtpd server on 127.0.0.1 and asserts on what it received.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.ledger import Ledger, issue_lock
from digest.week import week_containing
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

ROOT = Path(__file__).resolve().parent.parent
SECRET = {"DIGEST_SECRET": "records-test-secret-0123456789"}
PEOPLE = [(f"reader{i}@example.com", f"Reader {i}") for i in range(5)]
EVERYONE = {e: 1 for e, _ in PEOPLE}


@pytest.fixture
def smtp():
    rec = Recorder()
    ctl = start(rec)
    yield rec, ctl
    ctl.stop()


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env={**SECRET, **(env or {})})


def setup(tmp_path, url=None, people=PEOPLE):
    write_issue(tmp_path / "issues")
    send = {"unsubscribe_url": "http://127.0.0.1:8080", "backoff": 0.01}
    if url:
        send["smtp"] = url
    return str(write_config(tmp_path, **send)), str(write_csv(tmp_path / "subs.csv", people))


def lost_line(tmp_path, evidence):
    return (
        f"error: {tmp_path}/state/ledger.sqlite has no record of {ISSUE_ID}, but {evidence}: the ledger was "
        "lost or replaced, and sending now could mail everyone again. Restore the ledger from a backup, or "
        f"start the issue over with `digest send {ISSUE_ID} --reset`; nothing was sent\n"
    )


# --- A wiped ledger never re-mails the list ---------------------------------------------------------


def test_a_zero_byte_ledger_never_mails_the_list_again(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    first = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert first.exit_code == 0, first.output
    assert rec.recipients() == EVERYONE
    ledger = tmp_path / "state" / "ledger.sqlite"
    os.truncate(ledger, 0)
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 1
    journal = json.loads((tmp_path / "state" / "deliveries.json").read_text())
    started = journal["issues"][ISSUE_ID]["at"]
    assert again.stderr == lost_line(tmp_path, f"{tmp_path}/state/deliveries.json shows its delivery started {started}")
    assert again.stdout == ""
    assert rec.recipients() == EVERYONE  # nothing received
    # A second attempt (the refusal wrote nothing) and `digest run`-style retries stay refused.
    third = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert third.exit_code == 1 and third.stderr == again.stderr
    assert Ledger(ledger).counts(ISSUE_ID) == {}
    dry = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--dry-run")
    assert dry.exit_code == 0
    assert f"warning: the ledger has no record of {ISSUE_ID}, but " in dry.stderr
    assert "a real send would stop" in dry.stderr
    assert rec.recipients() == EVERYONE


def test_a_missing_ledger_of_an_older_install_is_caught_by_the_sent_articles_record(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    assert invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs).exit_code == 0
    (tmp_path / "state" / "ledger.sqlite").unlink()
    (tmp_path / "state" / "deliveries.json").unlink()  # as if sent by a digest that kept no journal
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 1
    assert again.stderr == lost_line(tmp_path, f"{tmp_path}/state/sent-articles.json records it as sent")
    assert rec.recipients() == EVERYONE
    status = invoke("status", "-c", cfg, "--week", ISSUE_ID)
    assert status.exit_code == 0, status.output
    assert "  sent:    unknown: the delivery ledger lost its record of this issue" in status.stdout
    assert f"start the issue over with digest send {ISSUE_ID} --reset" in status.stdout


def test_after_a_lost_ledger_reset_starts_the_issue_over_and_a_new_issue_is_not_blocked(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    assert invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs).exit_code == 0
    os.truncate(tmp_path / "state" / "ledger.sqlite", 0)
    write_issue(tmp_path / "issues", "2026-W48")  # a never-sent issue goes out as usual
    other = invoke("send", "2026-W48", "-c", cfg, "--subscribers", subs)
    assert other.exit_code == 0, other.output
    reset = invoke("send", ISSUE_ID, "-c", cfg, "--reset", "--yes")
    assert reset.exit_code == 0, reset.output
    assert reset.stdout == (
        f"Cleared {ISSUE_ID}: 0 sent, 0 failed, 0 pending row(s) removed; the next "
        f"`digest send {ISSUE_ID}` mails every subscriber again\n"
    )
    resent = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert resent.exit_code == 0, resent.output
    assert resent.stdout.startswith(f"{ISSUE_ID}: sent 5, skipped 0")
    assert rec.recipients() == {e: 3 for e in EVERYONE}  # W47 twice (asked for), W48 once
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 5")


# --- The outbox is a preview ------------------------------------------------------------------------


def test_an_outbox_preview_then_an_smtp_send_reaches_everyone(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path)
    preview = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert preview.exit_code == 0, preview.output
    assert preview.stdout == (
        f"{ISSUE_ID}: wrote 5 preview(s), suppressed 0 (outbox {tmp_path}/outbox/{ISSUE_ID}); "
        "nothing was delivered or recorded as sent\n"
    )
    assert len(list((tmp_path / "outbox" / ISSUE_ID).glob("*.eml"))) == 5
    assert not (tmp_path / "state" / "ledger.sqlite").exists()
    real = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--smtp", ctl.url)
    assert real.exit_code == 0, real.output
    assert real.stdout == f"{ISSUE_ID}: sent 5, skipped 0, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    assert rec.recipients() == EVERYONE
    # A preview after the real send neither resends nor disturbs the record.
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.stdout.startswith(f"{ISSUE_ID}: wrote 5 preview(s)")
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--smtp", ctl.url)
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 5") and rec.recipients() == EVERYONE


def _run_setup(tmp_path):
    published = datetime.now(UTC) - timedelta(seconds=5)
    items = [
        {
            "url": f"https://news.example.com/{i}",
            "title": f"Story number {i}",
            "published": published.isoformat(),
            "categories": ["News"],
            "content_html": "<p>Something happened in the city today. People noticed.</p>",
        }
        for i in range(3)
    ]
    (tmp_path / "week.json").write_text(json.dumps({"articles": items}), encoding="utf-8")
    cfg = write_config(tmp_path, unsubscribe_url="http://127.0.0.1:8080")
    cfg.write_text(
        cfg.read_text() + f'[[sources]]\nname = "News"\npath = "{tmp_path / "week.json"}"\nkind = "native"\n'
    )
    return str(cfg), str(write_csv(tmp_path / "subs.csv", PEOPLE)), week_containing(published).id


def test_run_without_smtp_refuses_unless_previews_are_asked_for(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs, week = _run_setup(tmp_path)
    refused = invoke("run", "-c", cfg, "--subscribers", subs)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: no SMTP relay or email API is set ([send] smtp or api, --smtp or --api), so "
        "digest run would deliver nothing; set one, or pass --outbox DIR to write previews "
        "only\n"
    )
    assert not (tmp_path / "issues").exists() and not (tmp_path / "outbox").exists()
    previews = invoke("run", "-c", cfg, "--subscribers", subs, "--outbox", str(tmp_path / "previews"))
    assert previews.exit_code == 0, previews.output
    assert previews.stdout == (
        f"{week}: built now\n{week}: wrote 5 preview(s), suppressed 0 "
        f"(outbox {tmp_path}/previews/{week}); nothing was delivered or recorded as sent\n"
    )
    assert len(list((tmp_path / "previews" / week).glob("*.eml"))) == 5
    real = invoke("run", "-c", cfg, "--subscribers", subs, "--smtp", ctl.url)
    assert real.exit_code == 0, real.output
    assert real.stdout == (
        f"{week}: already built\n{week}: sent 5, skipped 0, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    )
    assert rec.recipients() == EVERYONE


# --- --reset ----------------------------------------------------------------------------------------


def _partly_sent(tmp_path, smtp_pair):
    rec, ctl = smtp_pair
    rec.replies["reader3@example.com"].extend(["554 5.7.1 Rejected by policy"])
    rec.replies["reader4@example.com"].extend(["452 4.2.2 Mailbox full"])
    cfg, subs = setup(tmp_path, ctl.url)
    cfg_path = Path(cfg)
    cfg_path.write_text(cfg_path.read_text() + "attempts = 1\n")
    first = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert first.exit_code == 4 and first.stdout.startswith(f"{ISSUE_ID}: sent 3, skipped 0, deferred 1, failed 1")
    return cfg, subs


def test_reset_needs_yes_without_a_terminal_then_says_what_it_cleared(tmp_path, smtp):
    rec, _ = smtp
    cfg, subs = _partly_sent(tmp_path, smtp)
    ledger = tmp_path / "state" / "ledger.sqlite"
    refused = invoke("send", ISSUE_ID, "-c", cfg, "--reset")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: --reset clears the delivery record of {ISSUE_ID} (3 sent, 1 failed, "
        "1 pending) and the next send mails every subscriber again: add --yes to confirm "
        "when not at a terminal\n"
    )
    assert Ledger(ledger).counts(ISSUE_ID) == {"sent": 3, "failed": 1, "deferred": 1}
    mixed = invoke("send", ISSUE_ID, "-c", cfg, "--reset", "--yes", "--dry-run")
    assert mixed.exit_code == 1 and "--reset only clears the delivery record" in mixed.stderr
    with issue_lock(tmp_path / "state", ISSUE_ID):  # a send of the issue in progress
        busy = invoke("send", ISSUE_ID, "-c", cfg, "--reset", "--yes")
    assert busy.exit_code == 5 and Ledger(ledger).counts(ISSUE_ID) != {}
    done = invoke("send", ISSUE_ID, "-c", cfg, "--reset", "--yes")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"Cleared {ISSUE_ID}: 3 sent, 1 failed, 1 pending row(s) removed; the next "
        f"`digest send {ISSUE_ID}` mails every subscriber again\n"
    )
    assert Ledger(ledger).counts(ISSUE_ID) == {}
    twice = invoke("send", ISSUE_ID, "-c", cfg, "--reset", "-y")
    assert twice.stdout.startswith(f"Cleared {ISSUE_ID}: 0 sent, 0 failed, 0 pending row(s)")
    before = sum(rec.recipients().values())
    resent = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert resent.exit_code == 0, resent.output
    assert resent.stdout.startswith(f"{ISSUE_ID}: sent 5, skipped 0, deferred 0, failed 0")
    assert sum(rec.recipients().values()) == before + 5


def _on_a_terminal(cfg: str, answer: str) -> tuple[int, str]:
    """Run `digest send ISSUE --reset` with a pseudo-terminal as stdin and stdout, answering the question."""
    env = {**os.environ, **SECRET, "PYTHONPATH": str(ROOT)}
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "send", ISSUE_ID, "-c", cfg, "--reset"],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=ROOT,
        env=env,
    )
    os.close(child)
    seen, answered, end = b"", False, time.monotonic() + 30
    while time.monotonic() < end:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"[y/N]" in seen:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(main)
    return proc.wait(timeout=10), seen.decode("utf-8", "replace").replace("\r\n", "\n")


def test_reset_asks_on_a_terminal(tmp_path, smtp):
    cfg, _ = _partly_sent(tmp_path, smtp)
    ledger = tmp_path / "state" / "ledger.sqlite"
    code, out = _on_a_terminal(cfg, "n")
    assert code == 1, out
    assert (
        f"Clear the delivery record of {ISSUE_ID} (3 sent, 1 failed, 1 pending)? The next send mails every "
        "subscriber again [y/N]:"
    ) in out
    assert Ledger(ledger).counts(ISSUE_ID) == {"sent": 3, "failed": 1, "deferred": 1}
    code, out = _on_a_terminal(cfg, "y")
    assert code == 0, out
    assert f"Cleared {ISSUE_ID}: 3 sent, 1 failed, 1 pending row(s) removed" in out
    assert Ledger(ledger).counts(ISSUE_ID) == {}
