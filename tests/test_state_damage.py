"""Damaged state stops every command with one line naming the file and what to do, and a second run recovers.

Damage: garbage, truncated, zero-byte and directory ledgers, a ledger from a newer digest or from another
program, a garbage or directory subscriber list, a full state directory (a tiny tmpfs) and a read-only
one (the same tmpfs remounted read-only). Sends go to a real aiosmtpd server.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.ledger import SCHEMA_VERSION, Ledger
from digest.week import week_containing
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

SECRET = {"DIGEST_SECRET": "damage-test-secret-0123456789"}
PEOPLE = [(f"reader{i:02d}@example.com", f"Reader {i}") for i in range(40)]


@pytest.fixture
def smtp():
    rec = Recorder()
    ctl = start(rec)
    yield rec, ctl
    ctl.stop()


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env={**SECRET, **(env or {})})


def setup(tmp_path, url):
    write_issue(tmp_path / "issues")
    cfg = write_config(tmp_path, smtp=url, unsubscribe_url="http://127.0.0.1:8080", backoff=0.01)
    return str(cfg), str(write_csv(tmp_path / "subs.csv", PEOPLE))


def one_line_error(result, path, *words):
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {path}: "), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


def _garbage(path):
    path.write_bytes(b"not a database at all\n" * 300)


def _directory(path):
    path.mkdir()


def _newer(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE deliveries (issue TEXT)")
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")


def _foreign(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")


def _damaged(path, damage, words):
    """Create `path` (and its folder) damaged by `damage`; return it with the words its error must hold."""
    path.parent.mkdir(parents=True)
    damage(path)
    return path, words


LEDGER_DAMAGE = {
    "garbage": (_garbage, ("is damaged (file is not a database)", "restore it from a backup")),
    "directory": (_directory, ("is a directory, not the delivery ledger", "move it aside")),
    "newer schema": (_newer, (f"schema version {SCHEMA_VERSION + 1}, newer than this digest knows", "upgrade")),
    "foreign": (_foreign, ("not a digest delivery ledger (no deliveries table; it holds notes)",)),
}


@pytest.mark.parametrize("kind", sorted(LEDGER_DAMAGE))
def test_a_damaged_ledger_stops_send_status_and_dry_run_then_a_restored_one_works(tmp_path, smtp, kind):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    ledger, words = _damaged(tmp_path / "state" / "ledger.sqlite", *LEDGER_DAMAGE[kind])
    for args in (
        ("send", ISSUE_ID, "--subscribers", subs),
        ("send", ISSUE_ID, "--dry-run", "--subscribers", subs),
        ("status", "--week", ISSUE_ID),
    ):
        result = invoke(*args, "-c", cfg)
        one_line_error(result, ledger, *words)
    assert rec.messages == []
    # Moving the file aside (this issue was never sent) lets the second run deliver to everyone once.
    (shutil.rmtree if ledger.is_dir() else os.unlink)(ledger)
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0, again.output
    assert rec.recipients() == {e: 1 for e, _ in PEOPLE}


def test_a_truncated_ledger_stops_and_never_resends(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    assert invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs).exit_code == 0
    ledger = tmp_path / "state" / "ledger.sqlite"
    data = ledger.read_bytes()
    for cut in (100, 4096, len(data) // 2):
        ledger.write_bytes(data[:cut])
        for args in (("send", ISSUE_ID, "--subscribers", subs), ("status", "--week", ISSUE_ID)):
            one_line_error(
                invoke(*args, "-c", cfg), ledger, "the delivery ledger is damaged", "restore it from a backup"
            )
    assert rec.recipients() == {e: 1 for e, _ in PEOPLE}
    ledger.write_bytes(data)  # restored from the backup: the second run has nothing to do
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 0 and rerun.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 40")


def test_a_ledger_from_before_schema_versions_is_adopted(tmp_path, smtp):
    _, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    assert invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs).exit_code == 0
    ledger = tmp_path / "state" / "ledger.sqlite"
    with sqlite3.connect(ledger) as db:
        db.execute("PRAGMA user_version=0")  # as an earlier digest left it
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 0 and rerun.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 40")
    with sqlite3.connect(ledger) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_zero_byte_ledger_of_a_never_sent_issue_is_just_empty(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    ledger = tmp_path / "state" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"")
    status = invoke("status", "-c", cfg, "--week", ISSUE_ID)
    assert status.exit_code == 0 and ledger.stat().st_size == 0  # status reads, writes nothing
    sent = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert sent.exit_code == 0 and rec.recipients() == {e: 1 for e, _ in PEOPLE}


SUBSCRIBER_DAMAGE = {
    "garbage": (_garbage, ("the subscriber list is damaged (file is not a database)", "restore it from a backup")),
    "directory": (_directory, ("is a directory, not the subscriber list",)),
}


@pytest.mark.parametrize("kind", sorted(SUBSCRIBER_DAMAGE))
def test_a_damaged_subscriber_list_stops_every_command_that_reads_it(tmp_path, smtp, kind):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    store, words = _damaged(tmp_path / "state" / "subscribers.sqlite", *SUBSCRIBER_DAMAGE[kind])
    commands = [
        ("send", ISSUE_ID),
        ("send", ISSUE_ID, "--subscribers", subs),
        ("status", "--week", ISSUE_ID),
        ("subscribers", "list"),
        ("subscribers", "add", "ann@example.com"),
        ("subscribers", "remove", "ann@example.com"),
        ("subscribers", "import", subs),
    ]
    for args in commands:
        one_line_error(invoke(*args, "-c", cfg), store, *words)
    assert rec.messages == []
    (shutil.rmtree if store.is_dir() else os.unlink)(store)
    assert invoke("subscribers", "import", subs, "-c", cfg).exit_code == 0
    assert invoke("send", ISSUE_ID, "-c", cfg).exit_code == 0
    assert rec.recipients() == {e: 1 for e, _ in PEOPLE}


def test_run_with_a_damaged_ledger_stops_with_one_line(tmp_path, smtp):
    rec, ctl = smtp
    published = datetime.now(UTC) - timedelta(seconds=5)
    items = [
        {
            "url": "https://news.example.com/1",
            "title": "Story",
            "published": published.isoformat(),
            "content_html": "<p>Something happened in the city today.</p>",
        }
    ]
    (tmp_path / "week.json").write_text(json.dumps({"articles": items}), encoding="utf-8")
    cfg = write_config(tmp_path, smtp=ctl.url, unsubscribe_url="http://127.0.0.1:8080")
    cfg.write_text(
        cfg.read_text() + f'[[sources]]\nname = "News"\npath = "{tmp_path / "week.json"}"\nkind = "native"\n'
    )
    subs = write_csv(tmp_path / "subs.csv", PEOPLE[:3])
    ledger = tmp_path / "state" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    _garbage(ledger)
    result = invoke("run", "-c", str(cfg), "--subscribers", str(subs))
    assert result.stdout == "" and rec.messages == []
    one_line_error(result, ledger, "is damaged")
    ledger.unlink()
    again = invoke("run", "-c", str(cfg), "--subscribers", str(subs))
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith(
        f"{week_containing(published).id}: sent 3, skipped 0, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    )


# --- A full or read-only state directory: a real tmpfs, mounted for the test ------------------------


@pytest.fixture
def tiny_fs(tmp_path):
    """Mount a 2 MiB tmpfs at tmp_path/state (skipped where mounting is not allowed)."""
    mount = tmp_path / "state"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True, check=False
    )
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(fs: Path, leave: int) -> Path:
    """Fill the file system until only about `leave` bytes are free; returns the filler file."""
    filler = fs / "filler"
    free = os.statvfs(fs).f_bavail * os.statvfs(fs).f_frsize
    with filler.open("wb") as out:
        try:
            out.write(b"\0" * max(0, free - leave))
            out.flush()
        except OSError:
            pass
    return filler


def test_a_full_state_dir_stops_before_sending_and_the_second_run_delivers(tmp_path, smtp, tiny_fs):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    filler = _fill(tiny_fs, 0)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {tiny_fs}/") and "no space left" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert rec.messages == []
    add = invoke("subscribers", "add", "ann@example.com", "-c", cfg)
    assert add.exit_code == 1 and "no space left" in add.stderr and add.stderr.count("\n") == 1
    filler.unlink()
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0, again.output
    assert rec.recipients() == {e: 1 for e, _ in PEOPLE}


def test_a_state_dir_that_fills_up_mid_send_stops_and_nobody_is_lost_or_sent_twice(tmp_path, smtp, tiny_fs):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    Ledger.in_state_dir(tiny_fs).close()  # the ledger exists; its write-ahead log has a little room to grow
    filler = _fill(tiny_fs, 160 * 1024)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {tiny_fs}/") and "no space left" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    stopped_at = len(rec.messages)
    assert 0 < stopped_at < len(PEOPLE)  # it stopped mid-run
    filler.unlink()
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0, again.output
    got = rec.recipients()
    assert set(got) == {e for e, _ in PEOPLE}  # nobody lost
    assert sum(n - 1 for n in got.values()) <= 1  # at most the one message in flight is repeated


def test_a_read_only_state_dir_stops_with_one_line_and_works_again_when_writable(tmp_path, smtp, tiny_fs):
    rec, ctl = smtp
    cfg, subs = setup(tmp_path, ctl.url)
    write_issue(tmp_path / "issues", "2026-W48")
    assert invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs).exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    try:
        for args in (
            ("send", "2026-W48", "--subscribers", subs),
            ("send", ISSUE_ID, "--subscribers", subs),
            ("subscribers", "add", "ann@example.com"),
        ):
            result = invoke(*args, "-c", cfg)
            assert result.exit_code == 1, result.output
            assert result.stderr.startswith(f"error: {tiny_fs}/"), result.stderr
            assert "cannot write" in result.stderr and "writable for this user" in result.stderr
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        status = invoke("status", "-c", cfg, "--week", ISSUE_ID)
        assert "Traceback" not in status.output and status.stderr.count("\n") <= 1
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_fs)], check=True)
    assert sum(rec.recipients().values()) == len(PEOPLE)
    again = invoke("send", "2026-W48", "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0, again.output
    assert sum(rec.recipients().values()) == 2 * len(PEOPLE)
