"""A real `python -m digest send` process, SIGKILLed mid-run and rerun; and a second concurrent copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from digest.ledger import Ledger
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = [(f"reader{i:02d}@example.com", f"Reader {i}") for i in range(30)]


def _send(cfg: Path, subs: Path) -> subprocess.Popen:
    env = {**os.environ, "DIGEST_SECRET": "kill-test-secret-0123456789", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "send", ISSUE_ID, "-c", str(cfg), "--subscribers", str(subs)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _setup(tmp_path: Path, url: str) -> tuple[Path, Path]:
    write_issue(tmp_path / "issues")
    cfg = write_config(tmp_path, smtp=url, unsubscribe_url="http://127.0.0.1:8080", backoff=0.01)
    return cfg, write_csv(tmp_path / "subs.csv", PEOPLE)


def test_sigkill_mid_send_then_rerun_delivers_everyone_with_at_most_one_repeat(tmp_path):
    # The server stores message 7 and never answers: the sender is killed while that message is in
    # flight, the one case where the ledger cannot know whether the server has it.
    rec = Recorder(delay=0.02, hold_at=7)
    ctl = start(rec)
    try:
        cfg, subs = _setup(tmp_path, ctl.url)
        proc = _send(cfg, subs)
        assert rec.wait_for(7), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert Ledger(tmp_path / "state" / "ledger.sqlite").counts(ISSUE_ID) == {"sent": 6, "sending": 1, "pending": 23}
        rerun = _send(cfg, subs)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
        got = rec.recipients()
        assert set(got) == {e for e, _ in PEOPLE}  # nobody missed
        assert [e for e, n in got.items() if n > 1] == ["reader06@example.com"]  # only the in-flight one
        assert got["reader06@example.com"] == 2
        assert out == f"{ISSUE_ID}: sent 24, skipped 6, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
        assert "1 recipient(s) were in flight when an earlier run stopped; sending again" in err
        first, second = [m.parsed()["Message-ID"] for m in rec.messages if m.rcpt_tos == ["reader06@example.com"]]
        assert first == second  # the repeat carries the same Message-ID, so clients can fold it
    finally:
        ctl.stop()


def test_sigkill_at_a_random_moment_never_loses_anyone(tmp_path):
    rec = Recorder(delay=0.03)
    ctl = start(rec)
    try:
        cfg, subs = _setup(tmp_path, ctl.url)
        proc = _send(cfg, subs)
        assert rec.wait_for(5), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        rerun = _send(cfg, subs)
        _, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
        got = rec.recipients()
        assert set(got) == {e for e, _ in PEOPLE} and sum(n - 1 for n in got.values()) <= 1
    finally:
        ctl.stop()


def test_a_second_concurrent_send_exits_5_and_the_first_finishes(tmp_path):
    rec = Recorder(hold_at=2)  # the first sender waits on message 2 until the second one has given up
    ctl = start(rec)
    try:
        cfg, subs = _setup(tmp_path, ctl.url)
        first = _send(cfg, subs)
        assert rec.wait_for(2)
        second = _send(cfg, subs)
        out2, err2 = second.communicate(timeout=30)
        rec.release()
        _out1, err1 = first.communicate(timeout=60)
        assert second.returncode == 5 and out2 == ""
        assert err2 == (
            f"error: sending {ISSUE_ID} is already in progress (process {first.pid}, lock "
            f"{tmp_path}/state/locks/send-{ISSUE_ID}.lock); nothing was done\n"
        )
        assert first.returncode == 0, err1
        assert rec.recipients() == {e: 1 for e, _ in PEOPLE}
    finally:
        ctl.stop()


def test_sigterm_finishes_the_message_in_flight_and_exits_4(tmp_path):
    rec = Recorder(delay=0.05)
    ctl = start(rec)
    try:
        cfg, subs = _setup(tmp_path, ctl.url)
        proc = _send(cfg, subs)
        assert rec.wait_for(3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 4, err
        sent = len(rec.messages)
        assert out == (
            f"{ISSUE_ID}: sent {sent}, skipped 0, deferred {len(PEOPLE) - sent}, failed 0, suppressed 0 ({ctl.url})\n"
        )
        counts = Ledger(tmp_path / "state" / "ledger.sqlite").counts(ISSUE_ID)
        assert counts == {"sent": sent, "pending": len(PEOPLE) - sent}  # nothing left in doubt
    finally:
        ctl.stop()
