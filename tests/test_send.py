"""`digest send` against real aiosmtpd servers on 127.0.0.1 and the outbox: states, retries, exit codes."""

from __future__ import annotations

import email
import email.policy
import logging

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.ledger import Ledger, issue_lock
from digest.subscribers import SubscriberStore
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

SECRET = {"DIGEST_SECRET": "test-secret-0123456789abcdef"}
PEOPLE = [("ann@example.com", "Ann"), ("bob@example.com", "Bob"), ("cy@example.com", "")]


@pytest.fixture
def server():
    started = []

    def make(**kw):
        rec = Recorder(**kw)
        started.append(start(rec))
        return rec, started[-1]

    yield make
    for controller in started:
        controller.stop()


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env={**SECRET, **(env or {})})


def setup(tmp_path, people=PEOPLE, **send):
    write_issue(tmp_path / "issues")
    send.setdefault("unsubscribe_url", "http://127.0.0.1:8080")
    send.setdefault("backoff", 0.01)
    cfg = write_config(tmp_path, **send)
    subs = write_csv(tmp_path / "subs.csv", people)
    return str(cfg), str(subs)


def test_smtp_send_delivers_once_and_rerun_skips_everyone(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url)
    first = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert first.exit_code == 0, first.output
    assert first.stdout == f"{ISSUE_ID}: sent 3, skipped 0, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert again.exit_code == 0
    assert again.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 3, deferred 0, failed 0")
    assert rec.recipients() == {"ann@example.com": 1, "bob@example.com": 1, "cy@example.com": 1}
    assert all(m.mail_from == "digest@example.com" for m in rec.messages)
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite")
    assert ledger.counts(ISSUE_ID) == {"sent": 3}
    assert {reply for _, _, _, reply in ledger.rows(ISSUE_ID)} == {"accepted"}


def test_4xx_is_retried_with_reconnect_and_5xx_fails_and_suppresses(tmp_path, server):
    rec, ctl = server(
        replies={
            "grey@example.com": ["451 4.7.1 Greylisted, try again"],
            "busy@example.com": ["421 4.3.2 Too busy, closing"],
            "gone@example.com": ["550 5.1.1 No such user"],
            "spam@example.com": ["554 5.7.1 Rejected by policy"],
        }
    )
    people = PEOPLE + [
        ("grey@example.com", "G"),
        ("busy@example.com", ""),
        ("gone@example.com", ""),
        ("spam@example.com", ""),
    ]
    cfg, subs = setup(tmp_path, people, smtp=ctl.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 4
    assert result.stdout == f"{ISSUE_ID}: sent 5, skipped 0, deferred 0, failed 2, suppressed 0 ({ctl.url})\n"
    assert "undelivered: gone@example.com: failed (550 5.1.1 No such user)" in result.stderr
    assert "undelivered: spam@example.com: failed (554 5.7.1 Rejected by policy)" in result.stderr
    assert "2 recipient(s) not delivered; rerun to retry the deferred, --retry-failed for the failed" in result.stderr
    got = rec.recipients()
    assert set(got) == {
        "ann@example.com",
        "bob@example.com",
        "cy@example.com",
        "grey@example.com",
        "busy@example.com",
    } and set(got.values()) == {1}
    assert len(rec.peers) >= 2  # the 421 closed the connection; the sender reconnected
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    assert store.suppression("gone@example.com") == "hard-bounce"  # user unknown
    assert store.suppression("spam@example.com") is None  # a policy rejection is not a bad address
    # The hard bounce is now suppressed; the policy failure stays failed until --retry-failed.
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 4
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 5, deferred 0, failed 1, suppressed 1")
    retried = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--retry-failed")
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.startswith(f"{ISSUE_ID}: sent 1, skipped 5, deferred 0, failed 0, suppressed 1")
    assert rec.recipients()["spam@example.com"] == 1 and "gone@example.com" not in rec.recipients()


def test_persistent_4xx_is_deferred_and_the_next_run_delivers(tmp_path, server):
    rec, ctl = server(replies={"grey@example.com": ["452 4.2.2 Mailbox full"] * 3})
    cfg, subs = setup(tmp_path, PEOPLE + [("grey@example.com", "")], smtp=ctl.url, attempts=3)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 4
    assert result.stdout.startswith(f"{ISSUE_ID}: sent 3, skipped 0, deferred 1, failed 0")
    assert "undelivered: grey@example.com: deferred (452 452 4.2.2 Mailbox full)" in result.stderr
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 0
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 1, skipped 3, deferred 0, failed 0")
    assert rec.recipients()["grey@example.com"] == 1


def test_dropped_connections_are_retried_and_nobody_gets_two_copies(tmp_path, server):
    people = [(f"reader{i}@example.com", f"Reader {i}") for i in range(12)]
    rec, ctl = server(drop_on_rcpt={3, 8, 9})
    cfg, subs = setup(tmp_path, people, smtp=ctl.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{ISSUE_ID}: sent 12, skipped 0, deferred 0, failed 0")
    assert rec.recipients() == {e: 1 for e, _ in people}
    assert len(rec.peers) == 4  # the first connection and one per drop


def test_parallel_connections_deliver_everyone_once(tmp_path, server):
    people = [(f"reader{i}@example.com", "") for i in range(40)]
    rec, ctl = server(delay=0.01)
    cfg, subs = setup(tmp_path, people, smtp=ctl.url, connections=4)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 0, result.output
    assert rec.recipients() == {e: 1 for e, _ in people}
    assert len(rec.peers) == 4


def test_daily_cap_defers_the_rest_until_the_window_allows(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url, daily_cap=2)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 4
    assert result.stdout.startswith(f"{ISSUE_ID}: sent 2, skipped 0, deferred 1, failed 0")
    assert "daily cap reached" in result.stderr
    capped = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert capped.stdout.startswith(f"{ISSUE_ID}: sent 0, skipped 2, deferred 1")
    lifted = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--daily-cap", "0")
    assert lifted.exit_code == 0 and lifted.stdout.startswith(f"{ISSUE_ID}: sent 1, skipped 2")
    assert sum(rec.recipients().values()) == 3


def test_second_concurrent_send_of_the_same_issue_is_refused(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url)
    with issue_lock(tmp_path / "state", ISSUE_ID):
        result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 5
    assert result.stderr.startswith(f"error: sending {ISSUE_ID} is already in progress (process ")
    assert rec.messages == []


def test_missing_secret_stops_before_sending(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env={"DIGEST_SECRET": ""})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: DIGEST_SECRET is not set: unsubscribe links are signed with it;")
    assert rec.messages == [] and not (tmp_path / "state" / "ledger.sqlite").exists()


def test_smtp_password_is_used_but_never_printed_or_logged(tmp_path, server, caplog):
    password = "hunter2-very-secret-pw"
    rec, ctl = server(logins={"mailer": password}, replies={"bob@example.com": ["451 4.7.1 later"]})
    cfg, subs = setup(tmp_path, smtp=f"smtp://mailer@127.0.0.1:{ctl.port}")
    with caplog.at_level(logging.DEBUG):
        ok = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "-v", env={"DIGEST_SMTP_PASSWORD": password})
    assert ok.exit_code == 0, ok.output
    assert rec.seen_logins and set(rec.seen_logins) == {("mailer", password)}
    assert f"(smtp://mailer@127.0.0.1:{ctl.port})" in ok.stdout
    bad = invoke(
        "send",
        ISSUE_ID,
        "-c",
        cfg,
        "--subscribers",
        subs,
        "--retry-failed",
        "--to",
        "x@example.com",
        env={"DIGEST_SMTP_PASSWORD": "wrong-" + password},
    )
    assert bad.exit_code == 1
    assert bad.stderr.startswith(f"error: 127.0.0.1:{ctl.port} rejected the login for mailer (535)")
    in_url = invoke("send", ISSUE_ID, "-c", cfg, "--smtp", f"smtp://mailer:{password}@127.0.0.1:{ctl.port}")
    assert in_url.exit_code == 1 and "DIGEST_SMTP_PASSWORD" in in_url.stderr
    missing = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert missing.stderr.startswith("error: DIGEST_SMTP_PASSWORD is not set: it holds the password for mailer")
    for result in (ok, bad, in_url, missing):
        assert password not in result.output
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("digest"))
    assert password not in ours and "retrying in" in ours  # the run was logged, never the password


def test_outbox_is_the_default_transport_and_writes_previews_only(tmp_path):
    cfg, subs = setup(tmp_path)
    result = invoke("send", f"{tmp_path}/issues/{ISSUE_ID}.html", "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{ISSUE_ID}: wrote 3 preview(s), suppressed 0 (outbox {tmp_path}/outbox/{ISSUE_ID}); "
        "nothing was delivered or recorded as sent\n"
    )
    files = sorted(p.name for p in (tmp_path / "outbox" / ISSUE_ID).iterdir())
    assert files == ["ann@example.com.eml", "bob@example.com.eml", "cy@example.com.eml"]
    msg = email.message_from_bytes(
        (tmp_path / "outbox" / ISSUE_ID / "ann@example.com.eml").read_bytes(), policy=email.policy.default
    )
    assert msg["To"] == "Ann <ann@example.com>"
    assert msg["List-Unsubscribe"].startswith("<http://127.0.0.1:8080/u/v2.")
    rerun = invoke("send", f"{tmp_path}/issues/{ISSUE_ID}.json", "-c", cfg, "--subscribers", subs)
    assert rerun.stdout.startswith(f"{ISSUE_ID}: wrote 3 preview(s)")  # written again, never doubled
    assert len(list((tmp_path / "outbox" / ISSUE_ID).iterdir())) == 3
    assert not (tmp_path / "state" / "ledger.sqlite").exists()
    assert not (tmp_path / "state" / "sent-articles.json").exists()


def test_dry_run_lists_recipients_and_touches_nothing(tmp_path):
    cfg, subs = setup(tmp_path, PEOPLE + [("ANN@Example.com", "Duplicate"), ("not-an-address", "")])
    SubscriberStore.in_state_dir(tmp_path / "state").suppress("bob@example.com", "unsubscribed")
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--dry-run", env={"DIGEST_SECRET": ""})
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Dry run: {ISSUE_ID} via outbox {tmp_path}/outbox/{ISSUE_ID}\n"
        "Subject: The Circuit Weekly, Nov 16 \u2013 22, 2026: Grid operator trials sensors\n"
        "Would send to 2 recipient(s); 0 already sent, 1 suppressed, 0 failed earlier\n"
        "  ann@example.com  (Ann)\n  cy@example.com\n"
    )
    assert "subs.csv:6: skipped 'not-an-address'" in result.stderr
    assert "DIGEST_SECRET is not set; a real send would stop" in result.stderr
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "state" / "ledger.sqlite").exists()


def test_test_copy_goes_to_one_address_without_touching_the_ledger(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--to", "Editor@Example.com")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"test copy of {ISSUE_ID} sent to Editor@example.com ({ctl.url}: 250")
    assert rec.recipients() == {"editor@example.com": 1}
    assert not (tmp_path / "state" / "ledger.sqlite").exists()
    full = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert full.stdout.startswith(f"{ISSUE_ID}: sent 3, skipped 0")


def test_outbox_test_copy_goes_to_a_separate_folder(tmp_path):
    cfg, subs = setup(tmp_path)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--to", "ann@example.com")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outbox" / ISSUE_ID / "test" / "ann@example.com.eml").is_file()
    assert not (tmp_path / "outbox" / ISSUE_ID / "ann@example.com.eml").exists()


def test_no_subscribers_is_a_warning_and_nothing_to_do(tmp_path):
    cfg, _ = setup(tmp_path)
    result = invoke("send", ISSUE_ID, "-c", cfg)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{ISSUE_ID}: wrote 0 preview(s), suppressed 0")
    assert "no subscribers: add some with `digest subscribers add`" in result.stderr


def test_unknown_issue_and_bad_subscribers_file_are_one_line_errors(tmp_path):
    cfg, subs = setup(tmp_path)
    missing = invoke("send", "2026-W01", "-c", cfg, "--subscribers", subs)
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"error: {tmp_path}/issues/2026-W01.json: no such file (build the issue first: digest build)\n"
    )
    (tmp_path / "bad.csv").write_text("address,name\nann@example.com,Ann\n", encoding="utf-8")
    bad = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", str(tmp_path / "bad.csv"))
    assert bad.exit_code == 1
    assert bad.stderr.startswith(f"error: {tmp_path}/bad.csv: no `email` column")
    weird = invoke("send", "../etc/passwd", "-c", cfg)
    assert weird.exit_code == 1 and "neither an issue id" in weird.stderr


def test_smtp_without_unsubscribe_url_is_refused(tmp_path, server):
    rec, ctl = server()
    cfg, subs = setup(tmp_path, smtp=ctl.url, unsubscribe_url="")
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: send.unsubscribe_url is not set:")
    plain = setup(tmp_path, smtp=ctl.url, unsubscribe_url="http://news.example.com")[0]
    insecure = invoke("send", ISSUE_ID, "-c", plain, "--subscribers", subs)
    assert "must use https:// (RFC 8058)" in insecure.stderr and rec.messages == []


def test_unreachable_server_is_an_error_before_anything_is_marked(tmp_path):
    cfg, subs = setup(tmp_path, smtp="smtp://127.0.0.1:9")
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot start sending via smtp://127.0.0.1:9: cannot reach 127.0.0.1:9")
    assert Ledger(tmp_path / "state" / "ledger.sqlite").counts(ISSUE_ID) == {"pending": 3}


def test_rate_limiter_spaces_messages_without_waiting_for_real():
    from digest.send import RateLimiter

    now, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    unlimited = RateLimiter(0, clock=lambda: now[0], sleep=sleep)
    unlimited.wait()
    assert len(slept) == 4


def test_plan_splits_recipients_by_ledger_state_and_suppression():
    from digest.send import plan_send
    from digest.subscribers import Subscriber

    people = [Subscriber(f"{n}@example.com") for n in ("a", "b", "c", "d", "e", "f")]
    states = {
        "a@example.com": "sent",
        "b@example.com": "failed",
        "c@example.com": "sending",
        "d@example.com": "deferred",
    }
    plan = plan_send(ISSUE_ID, people, states, {"f@example.com"})
    assert [s.email for s in plan.todo] == ["c@example.com", "d@example.com", "e@example.com"]
    assert (plan.already_sent, plan.failed_before, plan.suppressed, plan.in_doubt) == (1, 1, 1, 1)
    retry = plan_send(ISSUE_ID, people, states, {"f@example.com"}, retry_failed=True)
    assert [s.email for s in retry.todo] == ["b@example.com", "c@example.com", "d@example.com", "e@example.com"]


def test_an_unsubscribe_during_the_run_takes_effect_before_that_recipient(tmp_path, server):
    from digest.ledger import Ledger
    from digest.message import MessageFactory, load_issue
    from digest.send import SendOptions, send_issue
    from digest.subscribers import Subscriber
    from digest.transport import SMTPTransport

    rec, ctl = server()
    write_issue(tmp_path / "issues")
    issue = load_issue(ISSUE_ID, tmp_path / "issues")
    factory = MessageFactory(
        issue,
        subject_template="{name}",
        sender="N <n@example.com>",
        reply_to="",
        list_id="",
        unsubscribe_url="https://u.example.com",
        unsubscribe_mailto="",
        secret=b"s" * 20,
        now=__import__("datetime").datetime(2026, 11, 27),
    )
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    people = [Subscriber(f"r{i}@example.com") for i in range(4)]
    ticks = iter(range(1000))

    class UnsubscribeAfterFirst(SMTPTransport):
        def connect(self):
            conn = super().connect()
            original = conn.send

            def send(envelope):
                reply = original(envelope)
                store.suppress("r2@example.com", "unsubscribed")  # clicked while the run goes on
                return reply

            conn.send = send
            return conn

    summary = send_issue(
        issue,
        people,
        factory,
        UnsubscribeAfterFirst(ctl.url),
        Ledger(tmp_path / "l.sqlite"),
        store,
        SendOptions(),
        tmp_path / "state",
        clock=lambda: next(ticks) * 11.0,
    )
    assert (summary.sent, summary.suppressed, summary.undelivered, summary.problems) == (3, 1, 0, [])
    assert "r2@example.com" not in rec.recipients()


def test_a_server_refusing_new_sessions_stops_the_run_and_fails_nobody(tmp_path, server):
    # The connection drops at the 3rd RCPT; the reconnect is answered 554 at EHLO and HELO. That
    # refusal is about this client, not about the next subscriber: nobody is failed or suppressed.
    people = [(f"reader{i}@example.com", "") for i in range(6)]
    rec, ctl = server(drop_on_rcpt={3}, refuse_hello="554 5.7.1 Your IP is on a block list", refuse_after=3)
    cfg, subs = setup(tmp_path, people, smtp=ctl.url)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: 127.0.0.1:{ctl.port} refused the connection (554 5.7.1 Your IP is on a block list)\n"
    )
    assert rec.recipients() == {"reader0@example.com": 1, "reader1@example.com": 1}
    counts = Ledger(tmp_path / "state" / "ledger.sqlite").counts(ISSUE_ID)
    assert counts.get("failed", 0) == 0 and counts["sent"] == 2 and "sending" not in counts
    assert SubscriberStore.in_state_dir(tmp_path / "state").suppressed_keys() == set()
    rec.refuse_hello = None  # the listing is lifted: the next run delivers the rest, once each
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 4, skipped 2, deferred 0, failed 0")
    assert rec.recipients() == {e: 1 for e, _ in people}


def test_an_outage_mid_run_stops_after_attempts_failed_connections_in_a_row(tmp_path, server):
    # After the 3rd RCPT the server drops the line and answers every new session 421: an outage.
    # The run must not spend `attempts` retries (and timeouts) on each of the remaining recipients.
    people = [(f"reader{i}@example.com", "") for i in range(50)]
    rec, ctl = server(drop_on_rcpt={3}, refuse_hello="421 4.3.2 Service shutting down", refuse_after=3)
    cfg, subs = setup(tmp_path, people, smtp=ctl.url, attempts=3)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 4, result.output
    assert result.stdout.startswith(f"{ISSUE_ID}: sent 2, skipped 0, deferred 48, failed 0")
    assert (
        f"could not connect to {ctl.url} 3 times in a row (421 4.3.2 Service shutting down); stopped, "
        "the next run continues"
    ) in result.stderr
    assert rec.ehlos == 1 + 3  # the first session, then exactly `attempts` refused ones
    rec.refuse_hello = None
    rerun = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs)
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith(f"{ISSUE_ID}: sent 48, skipped 2, deferred 0, failed 0")
    assert rec.recipients() == {e: 1 for e, _ in people}
