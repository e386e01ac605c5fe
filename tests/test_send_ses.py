"""`digest send` through Amazon SES v2, against moto's server mode on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import email.utils
import time

import pytest

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from smtp_servers import ISSUE_ID  # noqa: E402  (after the skips: these import boto3's users)
from test_send_api import invoke, setup  # noqa: E402

AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
}
PEOPLE = [(f"reader{i}@example.com", f"Reader {i}") for i in range(4)]


@pytest.fixture
def ses():
    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    client = boto3.client(
        "sesv2", region_name="eu-west-1", endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    client.create_email_identity(EmailIdentity="digest@example.com")
    yield url
    server.stop()


def test_ses_delivers_complete_messages_at_the_account_rate_and_a_rerun_sends_nothing(tmp_path, ses):
    from moto.backends import get_backend

    cfg, subs = setup(tmp_path, "ses://eu-west-1", ses, people=PEOPLE)
    start = time.monotonic()
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env=AWS)
    took = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == f"{ISSUE_ID}: sent 4, skipped 0, deferred 0, failed 0, suppressed 0 (ses eu-west-1 via {ses})\n"
    )
    assert took >= 2.5  # moto reports MaxSendRate 1: four messages need three intervals
    sent = get_backend("ses")["123456789012"]["eu-west-1"].sent_messages
    assert len(sent) == 4
    assert {email.utils.parseaddr(d)[1] for m in sent for d in m.destinations} == {e for e, _ in PEOPLE}
    for m in sent:
        msg = email.message_from_string(m.raw_data, policy=email.policy.default)
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["List-Unsubscribe"].startswith("<https://news.example.com/u/v2.")
        assert msg["Message-ID"].startswith(f"<{ISSUE_ID}.") and msg["List-Id"]
        assert {p.get_content_type() for p in msg.iter_parts()} == {"text/plain", "text/html"}
    again = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env=AWS)
    assert again.exit_code == 0 and "sent 0, skipped 4" in again.stdout
    assert len(get_backend("ses")["123456789012"]["eu-west-1"].sent_messages) == 4


def test_ses_unverified_sender_stops_the_run_with_one_line(tmp_path, ses):
    cfg, subs = setup(tmp_path, "ses://eu-west-1", ses, people=PEOPLE)
    cfg.write_text(cfg.read_text().replace("digest@example.com", "other@example.org"), encoding="utf-8")
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env=AWS)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: ses eu-west-1 via {ses} refused to send (MessageRejected: ")
    assert result.output.count("\n") == 1


def test_ses_without_boto3_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_boto(name, *a, **kw):
        if name.startswith("boto3"):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_boto)
    cfg, subs = setup(tmp_path, "ses://eu-west-1", "", people=PEOPLE)
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, env=AWS)
    assert result.output == "error: send.api = ses://... needs boto3: pip install 'digest[ses]'\n"


def test_a_signup_confirmation_goes_through_ses_as_written(tmp_path, ses, monkeypatch):
    from moto.backends import get_backend

    from digest.config import settings_from
    from digest.serve import ArchiveApp
    from digest.subscribers import SubscriberStore

    for key, value in AWS.items():
        monkeypatch.setenv(key, value)
    settings = settings_from(
        {
            "newsletter.sender": "The Circuit Weekly <digest@example.com>",
            "signup.enabled": True,
            "send.api": "ses://eu-west-1",
            "send.api_endpoint": ses,
        },
        out=tmp_path / "issues",
        state_dir=tmp_path / "state",
    )
    app = ArchiveApp(settings, b"ses-signup-secret-0123456789", SubscriberStore.in_state_dir(tmp_path / "state"))
    assert app.signup.request("ses@example.com", "", "", "127.0.0.1", "https://news.example.com").outcome == "accepted"
    for thread in app.signup.mailing:
        thread.join(timeout=20)
    backend = get_backend("ses")["123456789012"]["eu-west-1"]  # shared by the tests of this process
    [sent] = [m for m in backend.sent_messages if "ses@example.com" in " ".join(m.destinations)]
    msg = email.message_from_string(sent.raw_data, policy=email.policy.default)
    assert msg["To"] == "ses@example.com" and msg["Auto-Submitted"] == "auto-generated"
    assert "https://news.example.com/confirm/v2." in msg.get_body(("plain",)).get_content()
