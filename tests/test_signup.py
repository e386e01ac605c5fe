"""Double opt-in signup through a running `digest serve`, confirmations read from a real SMTP server."""

import re
import time

import pytest
import requests
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.subscribers import Subscriber, SubscriberStore
from serve_process import digest_env, running_digest
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_issue

SECRET = "signup-test-secret-0123456789"
CHECK_INBOX = "Check your inbox: if the address can subscribe, a confirmation link is on its way."


def _signup_config(tmp_path, signup="", **config):
    """A digest.toml from `write_config(**config)` with signup enabled and the `signup` settings."""
    cfg = write_config(tmp_path, **config)
    with cfg.open("a", encoding="utf-8") as handle:
        handle.write("[signup]\nenabled = true\n" + signup)
    return cfg


def _serve(tmp_path, cfg, **env):
    """`digest serve -c CFG` with the signup secret and `env`."""
    return running_digest(
        "serve", "--port", "0", "-c", str(cfg), cwd=tmp_path, env=digest_env(DIGEST_SECRET=SECRET, **env)
    )


@pytest.fixture
def served(tmp_path):
    rec = Recorder()
    ctl = start(rec)
    write_issue(tmp_path / "issues")
    cfg = _signup_config(tmp_path, "per_ip = 12\nper_address = 2\nexpiry_hours = 24\n", smtp=ctl.url, backoff=0.01)
    try:
        with _serve(tmp_path, cfg) as server:
            yield server.base, rec, cfg
    finally:
        ctl.stop()


def _wait_for(rec, address, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [m for m in rec.messages if address in m.rcpt_tos]
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"no confirmation for {address}")


def test_subscribe_confirm_and_the_next_send_reaches_the_address(served, tmp_path):
    base, rec, cfg = served
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    store.add(Subscriber("old@example.com", "Old"))
    form = requests.get(f"{base}/subscribe", timeout=5)
    assert form.status_code == 200 and 'name="email"' in form.text and 'name="website"' in form.text
    answers = [
        requests.post(f"{base}/subscribe", data={"email": "New@Example.com", "name": "New\r\nBcc: x"}, timeout=5),
        requests.post(f"{base}/subscribe", data={"email": "old@example.com"}, timeout=5),  # known
        requests.post(f"{base}/subscribe", data={"email": "bot@example.com", "website": "spam"}, timeout=5),
        requests.post(f"{base}/subscribe", data={"email": "lazy@example.com"}, timeout=5),
    ]
    assert {(a.status_code, a.text) for a in answers} == {(202, answers[0].text)}  # one answer for all
    assert CHECK_INBOX in answers[0].text
    as_json = requests.post(f"{base}/subscribe", json={"email": "json@example.com"}, timeout=5)
    assert as_json.status_code == 202 and as_json.json() == {"status": "accepted", "message": CHECK_INBOX}
    bad = requests.post(f"{base}/subscribe", json={"email": "not-an-address"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["status"] == "invalid"

    [mail] = _wait_for(rec, "New@example.com")
    _wait_for(rec, "lazy@example.com")
    _wait_for(rec, "json@example.com")
    msg = mail.parsed()
    assert msg["Subject"] == "Confirm your subscription to The Circuit Weekly"
    assert msg.get_content_type() == "multipart/alternative" and msg["Auto-Submitted"] == "auto-generated"
    assert msg["To"] == "New@example.com" and "Bcc" not in msg
    text = msg.get_body(("plain",)).get_content()
    link = re.search(r"Confirm my subscription: (\S+)", text).group(1)
    assert link.startswith(f"{base}/confirm/v2.")
    assert f'href="{link}"' in msg.get_body(("html",)).get_content()
    assert store.status("new@example.com") == "unconfirmed"

    page = requests.get(link, timeout=5)  # a link scanner's GET confirms nothing
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert store.status("new@example.com") == "unconfirmed"
    done = requests.post(link, timeout=5)
    assert done.status_code == 200 and "You are subscribed to The Circuit Weekly." in done.text
    assert f'href="../web/{ISSUE_ID}.html"' in done.text  # the latest issue
    assert store.status("new@example.com") == "active"
    assert requests.post(link[:-3] + "xyz", timeout=5).status_code == 400

    time.sleep(0.3)
    assert {r for m in rec.messages for r in m.rcpt_tos} == {
        "New@example.com",
        "lazy@example.com",
        "json@example.com",
    }  # not the known, not the bot
    rec.messages.clear()
    sent = CliRunner().invoke(
        app, ["send", ISSUE_ID, "-c", str(cfg)], env={"DIGEST_SECRET": SECRET, "DIGEST_UNSUBSCRIBE_URL": base}
    )
    assert sent.exit_code == 0, sent.output
    assert sorted(r for m in rec.messages for r in m.rcpt_tos) == ["New@example.com", "old@example.com"]


def test_rate_limits_and_one_mail_per_hour_hold_under_a_burst(served):
    base, rec, _ = served
    first = requests.post(f"{base}/subscribe", data={"email": "ann@example.com"}, timeout=5)
    again = requests.post(f"{base}/subscribe", data={"email": "ann@example.com"}, timeout=5)
    assert first.status_code == again.status_code == 202 and first.text == again.text
    third = requests.post(f"{base}/subscribe", data={"email": "ANN@example.com"}, timeout=5)
    assert third.status_code == 429  # per address: 2 an hour
    codes = [
        requests.post(f"{base}/subscribe", data={"email": f"p{i}@example.com"}, timeout=5).status_code
        for i in range(20)
    ]
    assert codes == [202] * 9 + [429] * 11  # per client address: 12 an hour, 3 used above
    time.sleep(1.0)
    per_address = {}
    for m in rec.messages:
        for r in m.rcpt_tos:
            per_address[r] = per_address.get(r, 0) + 1
    assert per_address.pop("ann@example.com") == 1  # no second confirmation within the hour
    assert len(per_address) == 9 and set(per_address.values()) == {1}


def test_signup_is_off_unless_enabled(tmp_path):
    import threading

    from digest.config import settings_from
    from digest.serve import make_http_server

    server = make_http_server(
        settings_from(out=tmp_path / "issues", state_dir=tmp_path / "state"), SECRET.encode(), "127.0.0.1", 0
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert requests.get(f"{base}/subscribe", timeout=5).status_code == 404
        assert requests.post(f"{base}/subscribe", data={"email": "a@example.com"}, timeout=5).status_code == 405
    finally:
        server.shutdown()
        server.server_close()


def test_confirmations_go_through_the_configured_email_api(tmp_path):
    from api_servers import PostmarkServer

    api = PostmarkServer(token="pm-signup-token").start()
    write_issue(tmp_path / "issues")
    cfg = _signup_config(tmp_path, api="postmark://", api_endpoint=api.url)
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    try:
        with _serve(tmp_path, cfg, DIGEST_POSTMARK_TOKEN="pm-signup-token") as server:
            base = server.base
            answer = requests.post(f"{base}/subscribe", data={"email": "api@example.com", "name": "Api"}, timeout=5)
            assert answer.status_code == 202
            assert api.wait_for(1) and time.sleep(0.2) is None
            [mail] = api.messages
            assert mail["to"] == "api@example.com" and mail["from"] == "The Circuit Weekly <digest@example.com>"
            assert mail["subject"] == "Confirm your subscription to The Circuit Weekly"
            assert mail["stream"] == "outbound" and mail["reply_to"] == "editor@example.com"
            assert mail["track_opens"] is False and mail["track_links"] == "None"
            assert mail["headers"]["Auto-Submitted"] == "auto-generated"
            assert mail["headers"]["Message-ID"].startswith("<confirm.")
            assert not {"From", "To", "Subject", "Content-Type"} & set(mail["headers"])
            link = re.search(r"Confirm my subscription: (\S+)", mail["text"]).group(1)
            assert link.startswith(f"{base}/confirm/v2.") and f'href="{link}"' in mail["html"]
            assert not (tmp_path / "outbox").exists()  # nothing went to the outbox instead
            assert requests.post(link, timeout=5).status_code == 200
            assert store.status("api@example.com") == "active"
    finally:
        api.stop()


def test_a_rejected_api_token_sends_nothing_and_is_logged_without_the_token(tmp_path):
    from api_servers import PostmarkServer

    api = PostmarkServer(token="the-right-token").start()
    cfg = _signup_config(tmp_path, api="postmark://", api_endpoint=api.url)
    try:
        with _serve(tmp_path, cfg, DIGEST_POSTMARK_TOKEN="a-wrong-token-77") as server:
            base = server.base
            answer = requests.post(f"{base}/subscribe", json={"email": "nope@example.com"}, timeout=5)
            assert answer.status_code == 202 and answer.json()["status"] == "accepted"  # the one public answer
            time.sleep(1.5)  # the mail goes out in the background; a refused token is only logged
    finally:
        api.stop()
    log = server.stop()
    assert api.messages == [] and "a-wrong-token-77" not in log
    assert "could not send a confirmation mail: postmark " in log and "check DIGEST_POSTMARK_TOKEN" in log


def test_mailgun_takes_the_confirmation_exactly_as_written(tmp_path):
    from email import message_from_string
    from email.policy import default

    from api_servers import MailgunServer

    api = MailgunServer(key="mg-signup-key").start()
    cfg = _signup_config(tmp_path, api="mailgun://mg.example.com", api_endpoint=api.url)
    try:
        with _serve(tmp_path, cfg, DIGEST_MAILGUN_KEY="mg-signup-key") as server:
            base = server.base
            assert requests.post(f"{base}/subscribe", data={"email": "mg@example.com"}, timeout=5).status_code == 202
            assert api.wait_for(1) and time.sleep(0.2) is None
    finally:
        api.stop()
    [sent] = api.messages
    assert sent["to"] == "mg@example.com" and sent["options"] == {"o:tracking": "no"}
    msg = message_from_string(sent["mime"], policy=default)
    assert msg["To"] == "mg@example.com" and msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    assert f"{base}/confirm/v2." in msg.get_body(("plain",)).get_content()


GERMAN_LABELS = {
    "not_allowed": "Diese Methode ist hier nicht erlaubt",
    "invalid_address": "Keine gültige Adresse",
    "too_many_requests": "Zu viele Anfragen: bitte später noch einmal versuchen.",
    "check_inbox": "Bitte sehen Sie in Ihrem Posteingang nach.",
}


def test_signup_answers_and_the_405_page_speak_the_newsletters_language(tmp_path):
    rec = Recorder()
    ctl = start(rec)
    cfg = write_config(tmp_path, smtp=ctl.url, backoff=0.01)
    text = cfg.read_text(encoding="utf-8").replace("[newsletter]\n", '[newsletter]\nlanguage = "de"\n', 1)
    labels = "".join(f'{key} = "{value}"\n' for key, value in GERMAN_LABELS.items())
    cfg.write_text(text + f"[signup]\nenabled = true\nper_address = 1\n[labels]\n{labels}", encoding="utf-8")
    try:
        with _serve(tmp_path, cfg) as server:
            base = server.base
            bad = requests.post(f"{base}/subscribe", data={"email": "kein-at-zeichen"}, timeout=5)
            assert bad.status_code == 400 and "Keine gültige Adresse" in bad.text and "Not a valid" not in bad.text
            assert '<html lang="de"' in bad.text
            first = requests.post(f"{base}/subscribe", data={"email": "anna@example.com"}, timeout=5)
            assert first.status_code == 202 and GERMAN_LABELS["check_inbox"] in first.text
            again = requests.post(f"{base}/subscribe", json={"email": "anna@example.com"}, timeout=5)
            assert again.status_code == 429 and again.json() == {
                "status": "limited",
                "message": GERMAN_LABELS["too_many_requests"],
            }
            refused = requests.delete(f"{base}/", timeout=5)
            assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
            assert "<h1>Diese Methode ist hier nicht erlaubt</h1>" in refused.text and '<html lang="de"' in refused.text
            assert "Method not allowed" not in refused.text
    finally:
        ctl.stop()


def test_the_reason_an_address_is_refused_is_kept_by_default(served):
    base, _, _ = served
    bad = requests.post(f"{base}/subscribe", json={"email": "not-an-address"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["message"].startswith("Not a valid address: ")
    assert len(bad.json()["message"]) > len("Not a valid address: ")  # the checker's reason follows
