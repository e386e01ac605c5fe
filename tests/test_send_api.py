"""`digest send` through the email APIs, end to end against local stand-ins of each API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from api_servers import MailgunServer, PostmarkServer
from digest.cli.app import app
from digest.ledger import Ledger
from digest.subscribers import SubscriberStore
from smtp_servers import ISSUE_ID, write_config, write_csv, write_issue

ROOT = Path(__file__).resolve().parent.parent
SECRET = {
    "DIGEST_SECRET": "api-test-secret-0123456789",
    "DIGEST_POSTMARK_TOKEN": "pm-token",
    "DIGEST_MAILGUN_KEY": "mg-key",
}
PEOPLE = [(f"reader{i:02d}@example.com", f"Reader {i}") for i in range(12)]


def invoke(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env={**SECRET, **(env or {})})


def setup(tmp_path, api, endpoint, people=PEOPLE, **send):
    write_issue(tmp_path / "issues")
    cfg = write_config(
        tmp_path, api=api, api_endpoint=endpoint, unsubscribe_url="https://news.example.com", backoff=0.01, **send
    )
    return cfg, write_csv(tmp_path / "subs.csv", people)


def counts(tmp_path):
    return Ledger(tmp_path / "state" / "ledger.sqlite").counts(ISSUE_ID)


@pytest.fixture
def postmark():
    server = PostmarkServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailgun():
    server = MailgunServer().start()
    yield server
    server.stop()


def _assert_each_message_is_complete(messages):
    links = set()
    for m in messages:
        h = m["headers"]
        link = h["List-Unsubscribe"].split(">")[0].lstrip("<")
        assert link.startswith("https://news.example.com/u/v2.") and link in m["html"] and link in m["text"]
        links.add(link)
        assert h["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert h["List-Id"] == "The Circuit Weekly <the-circuit-weekly.example.com>"
        assert h["Message-ID" if "Message-ID" in h else "Message-Id"].startswith(f"<{ISSUE_ID}.")
        assert m["subject"] == "The Circuit Weekly, Nov 16 – 22, 2026: Grid operator trials sensors"
        number = m["to"].removeprefix("reader").split("@")[0].lstrip("0") or "0"
        assert f"Hello Reader {int(number)}," in m["text"] and f"Hello Reader {int(number)}, caf\u00e9" in m["html"]
    assert len(links) == len(messages)  # one link per recipient


def test_postmark_delivers_once_per_subscriber_without_tracking_and_a_rerun_sends_nothing(tmp_path, postmark):
    cfg, subs = setup(tmp_path, "postmark://", postmark.url)
    first = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"{ISSUE_ID}: sent 12, skipped 0, deferred 0, failed 0, suppressed 0 "
        f"(postmark {postmark.url} (broadcast stream))\n"
    )
    assert postmark.recipients() == {e: 1 for e, _ in PEOPLE}
    assert postmark.batch_sizes == [12]
    _assert_each_message_is_complete(postmark.messages)
    m = postmark.messages[0]
    assert (m["track_opens"], m["track_links"], m["stream"]) == (False, "None", "broadcast")
    assert m["from"] == "The Circuit Weekly <digest@example.com>" and m["reply_to"] == "editor@example.com"
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0 and "sent 0, skipped 12" in again.stdout
    assert postmark.calls == 1


def test_postmark_rejections_suppress_and_throttling_and_errors_back_off(tmp_path):
    server = PostmarkServer(
        statuses=[429, 503, 200, 429],
        errors={
            "reader03@example.com": (406, ("You tried to send to recipient(s) that have been marked as inactive.")),
            "reader07@example.com": (300, "Invalid 'To' address: 'reader07@example.com'."),
        },
    )
    server.start()
    try:
        cfg, subs = setup(tmp_path, "postmark://", server.url, connections=2)
        result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--api", "postmark://?stream=news")
        assert result.exit_code == 4, result.output
        assert "sent 10, skipped 0, deferred 0, failed 2, suppressed 0" in result.stdout
        assert "(postmark " in result.stdout and "(news stream)" in result.stdout
        assert server.recipients() == {
            e: 1 for e, _ in PEOPLE if e not in ("reader03@example.com", "reader07@example.com")
        }
        store = SubscriberStore.in_state_dir(tmp_path / "state")
        assert store.suppression("reader03@example.com") == "hard-bounce"
        assert store.suppression("reader07@example.com") == "hard-bounce"
        assert counts(tmp_path) == {"sent": 10, "failed": 2}
        rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--retry-failed")
        assert rerun.exit_code == 0 and "sent 0, skipped 10, deferred 0, failed 0, suppressed 2" in rerun.stdout
    finally:
        server.stop()


def test_a_bad_token_stops_the_run_with_one_line_and_exit_1(tmp_path, postmark):
    cfg, subs = setup(tmp_path, "postmark://", postmark.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env={"DIGEST_POSTMARK_TOKEN": "wrong"})
    assert result.exit_code == 1
    assert result.output == (
        f"error: postmark {postmark.url} (broadcast stream) rejected the credentials (401); "
        "check DIGEST_POSTMARK_TOKEN\n"
    )
    assert "wrong" not in result.output
    assert counts(tmp_path) == {"pending": 12}  # nothing left in doubt
    missing = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env={"DIGEST_POSTMARK_TOKEN": ""})
    assert missing.exit_code == 1
    assert missing.output == "error: DIGEST_POSTMARK_TOKEN is not set: it holds the Postmark server token\n"


def test_mailgun_batch_sends_personalised_messages_and_suppresses_a_refused_address(tmp_path):
    server = MailgunServer(statuses=[429, 500], errors={"reader05@example.com": "invalid"})
    server.start()
    try:
        cfg, subs = setup(tmp_path, "mailgun://mg.example.com", server.url)
        result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
        assert result.exit_code == 4, result.output
        assert result.stdout == (
            f"{ISSUE_ID}: sent 11, skipped 0, deferred 0, failed 1, suppressed 0 "
            f"(mailgun mg.example.com via {server.url})\n"
        )
        assert server.recipients() == {e: 1 for e, _ in PEOPLE if e != "reader05@example.com"}
        _assert_each_message_is_complete(server.messages)
        m = server.messages[0]
        assert m["options"] == {"o:tracking": "no", "o:tracking-clicks": "no", "o:tracking-opens": "no"}
        assert m["headers"]["Reply-To"] == "editor@example.com"
        assert SubscriberStore.in_state_dir(tmp_path / "state").suppression("reader05@example.com") == "hard-bounce"
        again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
        assert again.exit_code == 0 and "sent 0, skipped 11, deferred 0, failed 0, suppressed 1" in again.stdout
        assert server.count == 11
    finally:
        server.stop()


def test_mailgun_eu_region_and_a_wrong_key(tmp_path, mailgun):
    from digest.transports.mailgun import MailgunTransport

    eu = MailgunTransport("mailgun://mg.example.com?region=eu", "", {"DIGEST_MAILGUN_KEY": "k"})
    assert eu.endpoint == "https://api.eu.mailgun.net"
    cfg, subs = setup(tmp_path, "mailgun://mg.example.com", mailgun.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env={"DIGEST_MAILGUN_KEY": "nope"})
    assert result.exit_code == 1
    assert result.output == (
        f"error: mailgun mg.example.com via {mailgun.url} rejected the credentials (401); check DIGEST_MAILGUN_KEY\n"
    )


def test_api_and_smtp_together_and_bad_api_urls_are_one_line_errors(tmp_path, postmark):
    cfg, subs = setup(tmp_path, "postmark://", postmark.url, smtp="smtp://127.0.0.1:2525")
    both = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert both.exit_code == 1
    assert both.output == "error: send.api and send.smtp are both set: choose one way to send\n"
    cfg, subs = setup(tmp_path, "sendgrid://", postmark.url)
    bad = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert bad.output == "error: send.api: 'sendgrid://' is not one of ses://REGION, postmark://, mailgun://DOMAIN\n"


def test_connections_rate_and_daily_cap_hold_across_concurrent_calls(tmp_path, postmark):
    people = [(f"reader{i:02d}@example.com", "") for i in range(40)]
    cfg, subs = setup(tmp_path, "postmark://", postmark.url, people=people, connections=4, rate=20.0)
    start = time.monotonic()
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--daily-cap", "30")
    took = time.monotonic() - start
    assert result.exit_code == 4, result.output
    assert "sent 30, skipped 0, deferred 10" in result.stdout
    assert postmark.count == 30 and max(postmark.batch_sizes) <= 100
    assert took >= 1.0  # 30 messages at 20/s: the first batch goes at once, the rest wait their slots
    rest = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--daily-cap", "0", "--rate", "0")
    assert rest.exit_code == 0 and "sent 10, skipped 30" in rest.stdout
    assert postmark.recipients() == {e: 1 for e, _ in people}


def test_send_to_one_test_copy_through_the_api(tmp_path, postmark):
    cfg, _ = setup(tmp_path, "postmark://", postmark.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--to", "editor@example.com")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"test copy of {ISSUE_ID} sent to editor@example.com (postmark ")
    assert postmark.recipients() == {"editor@example.com": 1}
    assert not (tmp_path / "state" / "ledger.sqlite").exists() or counts(tmp_path) == {}


def _send_process(cfg, subs):
    env = {**os.environ, **SECRET, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "send", ISSUE_ID, "-c", str(cfg), "--subscribers", str(subs)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_during_a_batch_call_then_rerun_repeats_at_most_that_batch(tmp_path):
    people = [(f"reader{i:02d}@example.com", "") for i in range(30)]
    server = PostmarkServer(hold_at=3).start()  # call 3 is stored, then never answered
    try:
        # 10 messages per second: batches of 10 (a batch holds at most one second's worth of the rate)
        cfg, subs = setup(tmp_path, "postmark://", server.url, people=people, rate=10.0)
        proc = _send_process(cfg, subs)
        assert server.wait_for(3, timeout=30), proc.communicate(timeout=5)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert counts(tmp_path) == {"sent": 20, "sending": 10}
        cfg.write_text(cfg.read_text().replace("rate = 10.0", "rate = 0.0"), encoding="utf-8")
        rerun = _send_process(cfg, subs)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
        assert (
            out
            == f"{ISSUE_ID}: sent 10, skipped 20, deferred 0, failed 0, suppressed 0 (postmark {server.url} (broadcast stream))\n"
        )
        assert "10 recipient(s) were in flight when an earlier run stopped; sending again" in err
        got = server.recipients()
        assert set(got) == {e for e, _ in people}
        assert sorted(e for e, n in got.items() if n > 1) == [f"reader{i:02d}@example.com" for i in range(20, 30)]
        ids = [m["headers"]["Message-ID"] for m in server.messages if m["to"] == "reader25@example.com"]
        assert len(ids) == 2 and ids[0] == ids[1]
    finally:
        server.stop()


def test_digest_run_with_api_builds_and_delivers_through_the_api(tmp_path, postmark):
    from test_send_records import _run_setup

    cfg, subs, week = _run_setup(tmp_path)
    cfg_path = Path(cfg)
    cfg_path.write_text(
        cfg_path.read_text().replace("[send]", f'[send]\napi_endpoint = "{postmark.url}"'), encoding="utf-8"
    )
    result = invoke("run", "-c", cfg, "--subscribers", subs, "--api", "postmark://")
    assert result.exit_code == 0, result.output
    assert f"{week}: sent " in result.stdout and f"(postmark {postmark.url} (broadcast stream))" in result.stdout
    assert postmark.count == len(Path(subs).read_text().splitlines()) - 1
    again = invoke("run", "-c", cfg, "--subscribers", subs, "--api", "postmark://")
    assert again.exit_code == 0 and postmark.calls == 1
