"""Bounce and complaint webhooks against a running `digest serve`: signed with keys made here."""

import base64
import hashlib
import hmac
import json
import os
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.subscribers import Subscriber, SubscriberStore
from serve_process import digest_env, running_digest
from smtp_servers import write_config

pytestmark = pytest.mark.process

TOPIC = "arn:aws:sns:eu-west-1:123456789012:digest-bounces"
MAILGUN_KEY = "key-mailgun-signing-0123456789abcdef"
POSTMARK = ("postmark-hook", "pm-password-0123456789")
PEOPLE = ["hard@example.com", "soft@example.com", "angry@example.com", "kept@example.com", "other@example.com"]


def _rsa_cert(days: int = 1):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.eu-west-1.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    sns_key, sns_pem = _rsa_cert()
    pem_path = tmp_path_factory.mktemp("keys") / "sns.pem"
    pem_path.write_bytes(sns_pem)
    sendgrid = ec.generate_private_key(ec.SECP256R1())
    public = sendgrid.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "sns_key": sns_key,
        "sns_pem": sns_pem,
        "sns_pem_path": pem_path,
        "sendgrid": sendgrid,
        "sendgrid_public": base64.b64encode(public).decode(),
    }


def _env(keys, **extra):
    return digest_env(
        DIGEST_SECRET="webhook-test-secret-0123456789",
        DIGEST_MAILGUN_WEBHOOK_KEY=MAILGUN_KEY,
        DIGEST_POSTMARK_WEBHOOK_USER=POSTMARK[0],
        DIGEST_POSTMARK_WEBHOOK_PASSWORD=POSTMARK[1],
        DIGEST_SENDGRID_WEBHOOK_KEY=keys["sendgrid_public"],
        **extra,
    )


class Served:
    """A running `digest serve` and everything a test needs to talk to it."""

    def __init__(self, server, store):
        self.server, self.base, self.store = server, server.base, store

    def post(self, provider, **kwargs):
        return requests.post(f"{self.base}/hooks/{provider}", timeout=10, **kwargs)

    def log(self):
        return self.server.stop()


@pytest.fixture
def serve(tmp_path, keys, httpserver):
    with ExitStack() as running:

        def start(hooks="", env=None):
            cfg = write_config(tmp_path)
            with cfg.open("a", encoding="utf-8") as handle:
                handle.write("[bounces]\nsoft_limit = 2\n")
                handle.write(
                    f'[hooks]\nses_topics = ["{TOPIC}"]\nsns_hosts = ["{httpserver.host}:{httpserver.port}"]\n{hooks}'
                )
            store = SubscriberStore.in_state_dir(tmp_path / "state")
            for address in PEOPLE:
                store.add(Subscriber(address))
            server = running.enter_context(
                running_digest("serve", "--port", "0", "-c", str(cfg), cwd=tmp_path, env=env or _env(keys))
            )
            hooks_line = server.readline()
            assert hooks_line.strip() == "Webhooks: /hooks/mailgun, /hooks/postmark, /hooks/sendgrid, /hooks/ses"
            return Served(server, store)

        yield start


def _suppressions(store):
    return {e.email: (e.reason, e.source) for e in store.entries() if e.status == "suppressed"}


# --- Amazon SES via SNS -------------------------------------------------------------------------


def _sns(keys, kind, cert_url, version="2", **fields):
    message = {
        "Type": kind,
        "MessageId": "b1f3c0de-0000-4000-8000-000000000001",
        "TopicArn": TOPIC,
        "Timestamp": "2026-11-20T10:00:00.000Z",
        "SignatureVersion": version,
        "SigningCertURL": cert_url,
        **fields,
    }
    order = (
        ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        if kind == "Notification"
        else ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    )
    signed = "".join(f"{k}\n{message[k]}\n" for k in order if k in message).encode()
    digest_ = hashes.SHA1() if version == "1" else hashes.SHA256()
    message["Signature"] = base64.b64encode(keys["sns_key"].sign(signed, padding.PKCS1v15(), digest_)).decode()
    return message


def _ses_bounce(address, bounce_type="Permanent", status="5.1.1"):
    return json.dumps(
        {
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": bounce_type,
                "bounceSubType": "General",
                "timestamp": "2026-11-20T09:59:00.000Z",
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": status,
                        "diagnosticCode": f"smtp; 550 {status} user unknown",
                    }
                ],
            },
            "mail": {"messageId": "0100018c-ses", "commonHeaders": {"messageId": "<2026-W47.abc123@example.com>"}},
        }
    )


def _ses_complaint(address):
    return json.dumps(
        {
            "notificationType": "Complaint",
            "complaint": {
                "complainedRecipients": [{"emailAddress": address}],
                "complaintFeedbackType": "abuse",
                "timestamp": "2026-11-20T09:59:00.000Z",
            },
            "mail": {"messageId": "0100018c-ses"},
        }
    )


def test_ses_notifications_signed_v1_and_v2_suppress_with_reason_and_source(serve, keys, httpserver):
    cert_url = httpserver.url_for("/SimpleNotificationService-test.pem")
    httpserver.expect_request("/SimpleNotificationService-test.pem").respond_with_data(keys["sns_pem"])
    served = serve()
    hard = served.post(
        "ses",
        data=json.dumps(_sns(keys, "Notification", cert_url, "1", Message=_ses_bounce("Hard@Example.com"))),
        headers={"x-amz-sns-message-type": "Notification", "Content-Type": "text/plain"},
    )
    assert hard.status_code == 200 and hard.json() == {"status": "ok", "reports": 1}
    angry = served.post(
        "ses", data=json.dumps(_sns(keys, "Notification", cert_url, "2", Message=_ses_complaint("angry@example.com")))
    )
    assert angry.status_code == 200
    soft = served.post(
        "ses",
        data=json.dumps(
            _sns(keys, "Notification", cert_url, "2", Message=_ses_bounce("soft@example.com", "Transient", "4.4.7"))
        ),
    )
    assert soft.status_code == 200
    assert _suppressions(served.store) == {
        "hard@example.com": ("hard-bounce", "webhook:ses"),
        "angry@example.com": ("complaint", "webhook:ses"),
    }
    assert served.store.soft_bounces("soft@example.com") == 1
    # The certificate was fetched once for the three messages.
    assert len([r for r, _ in httpserver.log if r.path.endswith(".pem")]) == 1


def test_ses_bad_signature_other_topics_and_cert_urls_off_sns_are_refused(serve, keys, httpserver):
    cert_url = httpserver.url_for("/cert.pem")
    httpserver.expect_request("/cert.pem").respond_with_data(keys["sns_pem"])
    served = serve()
    tampered = _sns(keys, "Notification", cert_url, Message=_ses_bounce("kept@example.com"))
    tampered["Message"] = _ses_bounce("other@example.com")
    assert served.post("ses", data=json.dumps(tampered)).status_code == 403
    unsigned = _sns(keys, "Notification", cert_url, Message=_ses_bounce("kept@example.com"))
    del unsigned["Signature"]
    assert served.post("ses", data=json.dumps(unsigned)).status_code == 403
    other_topic = _sns(
        keys,
        "Notification",
        cert_url,
        Message=_ses_bounce("kept@example.com"),
        TopicArn="arn:aws:sns:eu-west-1:999999999999:someone-else",
    )
    assert served.post("ses", data=json.dumps(other_topic)).status_code == 403
    for url in (
        "https://evil.example.com/SimpleNotificationService.pem",
        "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example.com/cert.pem",
        "https://user@sns.eu-west-1.amazonaws.com:8443/cert.pem",
    ):
        off_host = _sns(keys, "Notification", url, Message=_ses_bounce("kept@example.com"))
        assert served.post("ses", data=json.dumps(off_host)).status_code == 403, url
    assert served.post("ses", data=b"{not json").status_code == 400
    assert _suppressions(served.store) == {}
    assert [r.path for r, _ in httpserver.log] == ["/cert.pem"]  # fetched once, for the tampered message only
    log = served.log()
    assert "webhook:ses: refused (SigningCertURL is not an https URL on an SNS host)" in log
    assert "webhook:ses: refused (a topic not in [hooks] ses_topics)" in log
    assert "webhook:ses: refused (bad signature)" in log and "kept@example.com" not in log


def test_ses_subscription_is_confirmed_only_on_an_sns_host(serve, keys, httpserver):
    cert_url = httpserver.url_for("/cert.pem")
    httpserver.expect_request("/cert.pem").respond_with_data(keys["sns_pem"])
    httpserver.expect_request("/confirm", query_string="Action=ConfirmSubscription&Token=tok").respond_with_data(
        "<ConfirmSubscriptionResponse/>"
    )
    served = serve()
    confirmation = _sns(
        keys,
        "SubscriptionConfirmation",
        cert_url,
        Message="You have chosen to subscribe",
        Token="tok",
        SubscribeURL=httpserver.url_for("/confirm?Action=ConfirmSubscription&Token=tok"),
    )
    assert served.post("ses", data=json.dumps(confirmation)).status_code == 200
    assert [r.path for r, _ in httpserver.log if r.path == "/confirm"] == ["/confirm"]
    elsewhere = _sns(
        keys,
        "SubscriptionConfirmation",
        cert_url,
        Message="subscribe",
        Token="tok",
        SubscribeURL="https://evil.example.com/confirm?Token=tok",
    )
    assert served.post("ses", data=json.dumps(elsewhere)).status_code == 403


def test_a_trusted_local_certificate_replaces_the_fetch(serve, keys, httpserver):
    served = serve(hooks=f'sns_trusted_cert = "{keys["sns_pem_path"]}"\n')
    cert_url = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem"
    answer = served.post(
        "ses", data=json.dumps(_sns(keys, "Notification", cert_url, Message=_ses_bounce("hard@example.com")))
    )
    assert answer.status_code == 200
    assert _suppressions(served.store) == {"hard@example.com": ("hard-bounce", "webhook:ses")}
    other_key, _ = _rsa_cert()
    forged = _sns({"sns_key": other_key}, "Notification", cert_url, Message=_ses_bounce("kept@example.com"))
    assert served.post("ses", data=json.dumps(forged)).status_code == 403
    assert "kept@example.com" not in _suppressions(served.store)


# --- Postmark -----------------------------------------------------------------------------------


def _postmark(kind, address, record="Bounce"):
    return {
        "RecordType": record,
        "Type": kind,
        "TypeCode": 1,
        "Email": address,
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 user unknown",
        "BouncedAt": "2026-11-20T10:00:00Z",
        "MessageStream": "outbound",
    }


def test_postmark_bounces_and_complaints_with_basic_auth(serve):
    served = serve()
    assert served.post("postmark", json=_postmark("HardBounce", "hard@example.com"), auth=POSTMARK).status_code == 200
    assert (
        served.post(
            "postmark", json=_postmark("SpamComplaint", "angry@example.com", "SpamComplaint"), auth=POSTMARK
        ).status_code
        == 200
    )
    assert served.post("postmark", json=_postmark("SoftBounce", "soft@example.com"), auth=POSTMARK).status_code == 200
    assert (
        served.post("postmark", json=_postmark("AutoResponder", "kept@example.com"), auth=POSTMARK).status_code == 200
    )
    missing = served.post("postmark", json=_postmark("HardBounce", "kept@example.com"))
    wrong = served.post("postmark", json=_postmark("HardBounce", "other@example.com"), auth=(POSTMARK[0], "guess"))
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert _suppressions(served.store) == {
        "hard@example.com": ("hard-bounce", "webhook:postmark"),
        "angry@example.com": ("complaint", "webhook:postmark"),
    }
    assert served.store.soft_bounces("soft@example.com") == 1
    log = served.log()
    assert POSTMARK[1] not in log and "guess" not in log and "hard@example.com" not in log


def test_postmark_one_auth_variable(serve, keys):
    env = _env(keys, DIGEST_POSTMARK_WEBHOOK_AUTH="one:secret-pass")
    del env["DIGEST_POSTMARK_WEBHOOK_USER"], env["DIGEST_POSTMARK_WEBHOOK_PASSWORD"]
    served = serve(env=env)
    assert served.post("postmark", json=_postmark("HardBounce", "kept@example.com"), auth=POSTMARK).status_code == 401
    assert (
        served.post(
            "postmark", json=_postmark("HardBounce", "hard@example.com"), auth=("one", "secret-pass")
        ).status_code
        == 200
    )
    assert _suppressions(served.store) == {"hard@example.com": ("hard-bounce", "webhook:postmark")}


# --- Mailgun ------------------------------------------------------------------------------------


def _mailgun(event, key=MAILGUN_KEY, timestamp=None, token=None):
    timestamp = str(int(time.time() if timestamp is None else timestamp))
    token = token or os.urandom(25).hex()
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event}


def _mailgun_failed(address, severity="permanent", code=550):
    return {
        "event": "failed",
        "severity": severity,
        "recipient": address,
        "timestamp": time.time(),
        "delivery-status": {"code": code, "message": f"{code} 5.1.1 mailbox unavailable", "enhanced-code": ""},
        "message": {"headers": {"message-id": "2026-W47.abc@example.com"}},
    }


def test_mailgun_events_signed_within_the_window_and_replays_refused(serve):
    served = serve()
    first = _mailgun(_mailgun_failed("hard@example.com"))
    assert served.post("mailgun", json=first).status_code == 200
    assert served.post("mailgun", json=first).status_code == 403  # the same token again
    assert (
        served.post(
            "mailgun",
            json=_mailgun({"event": "complained", "recipient": "angry@example.com", "timestamp": time.time()}),
        ).status_code
        == 200
    )
    soft = _mailgun_failed("soft@example.com", "temporary", 452)
    assert served.post("mailgun", json=_mailgun(soft)).status_code == 200
    soft_next_issue = {**soft, "message": {"headers": {"message-id": "2026-W48.def@example.com"}}}
    assert served.post("mailgun", json=_mailgun(soft_next_issue)).status_code == 200  # soft_limit = 2
    stale = _mailgun(_mailgun_failed("kept@example.com"), timestamp=time.time() - 600)
    forged = _mailgun(_mailgun_failed("other@example.com"), key="not-the-key")
    unsigned = {"event-data": _mailgun_failed("other@example.com")}
    assert [served.post("mailgun", json=b).status_code for b in (stale, forged, unsigned)] == [403, 403, 403]
    assert _suppressions(served.store) == {
        "hard@example.com": ("hard-bounce", "webhook:mailgun"),
        "angry@example.com": ("complaint", "webhook:mailgun"),
        "soft@example.com": ("soft-bounce", "webhook:mailgun"),
    }
    assert MAILGUN_KEY not in served.log()


# --- SendGrid -----------------------------------------------------------------------------------


def _sendgrid(keys, events, timestamp=None, private=None):
    body = json.dumps(events).encode()
    timestamp = str(int(time.time() if timestamp is None else timestamp))
    signature = (private or keys["sendgrid"]).sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return body, {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def test_sendgrid_signed_batch_of_events(serve, keys):
    served = serve()
    now = int(time.time())
    events = [
        {
            "email": "hard@example.com",
            "event": "bounce",
            "type": "bounce",
            "status": "5.1.1",
            "reason": "550 5.1.1 no such user",
            "timestamp": now,
            "smtp-id": "<2026-W47.abc@example.com>",
        },
        {"email": "angry@example.com", "event": "spamreport", "timestamp": now},
        {"email": "soft@example.com", "event": "deferred", "response": "421 try later", "timestamp": now},
        {"email": "other@example.com", "event": "dropped", "reason": "Bounced Address", "timestamp": now},
        {"email": "kept@example.com", "event": "open", "timestamp": now},
        {"email": "kept@example.com", "event": "dropped", "reason": "Invalid SMTPAPI header", "timestamp": now},
    ]
    body, headers = _sendgrid(keys, events)
    answer = served.post("sendgrid", data=body, headers=headers)
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "reports": 4}
    assert _suppressions(served.store) == {
        "hard@example.com": ("hard-bounce", "webhook:sendgrid"),
        "angry@example.com": ("complaint", "webhook:sendgrid"),
        "other@example.com": ("hard-bounce", "webhook:sendgrid"),
    }
    assert served.store.soft_bounces("soft@example.com") == 1


def test_sendgrid_bad_or_missing_signature_changes_nothing(serve, keys):
    served = serve()
    events = [{"email": "kept@example.com", "event": "bounce", "type": "bounce", "status": "5.1.1"}]
    body, headers = _sendgrid(keys, events)
    tampered = body.replace(b"kept@", b"hard@")
    _, forged_headers = _sendgrid(keys, events, private=ec.generate_private_key(ec.SECP256R1()))
    assert served.post("sendgrid", data=tampered, headers=headers).status_code == 403
    assert served.post("sendgrid", data=body, headers=forged_headers).status_code == 403
    assert served.post("sendgrid", data=body, headers={"Content-Type": "application/json"}).status_code == 403
    assert _suppressions(served.store) == {}


# --- All of them --------------------------------------------------------------------------------


def test_unconfigured_hooks_are_refused_like_any_path_and_bodies_are_capped(tmp_path, keys):
    cfg = write_config(tmp_path)
    with cfg.open("a", encoding="utf-8") as handle:
        handle.write("[serve]\nmax_body = 2048\n")
    env = {k: v for k, v in _env(keys).items() if "WEBHOOK" not in k}
    with running_digest("serve", "--port", "0", "-c", str(cfg), cwd=tmp_path, env=env) as server:
        for provider in ("ses", "postmark", "mailgun", "sendgrid"):
            assert requests.post(f"{server.base}/hooks/{provider}", json={}, timeout=5).status_code == 405
    # With Mailgun on, a body over [serve] max_body is answered 413 before digest reads it.
    env["DIGEST_MAILGUN_WEBHOOK_KEY"] = MAILGUN_KEY
    with running_digest("serve", "--port", "0", "-c", str(cfg), cwd=tmp_path, env=env) as server:
        assert server.readline().strip() == "Webhooks: /hooks/mailgun"
        big = _mailgun({"event": "failed", "recipient": "x@example.com", "pad": "x" * 4000})
        assert requests.post(f"{server.base}/hooks/mailgun", json=big, timeout=5).status_code == 413
        assert requests.get(f"{server.base}/hooks/mailgun", timeout=5).status_code == 405


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DIGEST_SENDGRID_WEBHOOK_KEY",
            "bm90IGEga2V5",
            "DIGEST_SENDGRID_WEBHOOK_KEY is not SendGrid's verification key",
        ),
        ("DIGEST_POSTMARK_WEBHOOK_AUTH", "no-colon", "DIGEST_POSTMARK_WEBHOOK_AUTH must be user:password"),
    ],
)
def test_bad_webhook_credentials_stop_serve_with_one_line(tmp_path, monkeypatch, variable, value, message):
    cfg = write_config(tmp_path)
    monkeypatch.setenv("DIGEST_SECRET", "webhook-test-secret-0123456789")
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["serve", "--port", "0", "-c", str(cfg)])
    assert result.exit_code != 0 and message in result.output
    assert value not in result.output and "Traceback" not in result.output


def test_an_unreadable_trusted_certificate_stops_serve(tmp_path, monkeypatch):
    cfg = write_config(tmp_path)
    with cfg.open("a", encoding="utf-8") as handle:
        handle.write(f'[hooks]\nses_topics = ["{TOPIC}"]\nsns_trusted_cert = "{tmp_path / "missing.pem"}"\n')
    monkeypatch.setenv("DIGEST_SECRET", "webhook-test-secret-0123456789")
    result = CliRunner().invoke(app, ["serve", "--port", "0", "-c", str(cfg)])
    assert result.exit_code != 0 and "[hooks] sns_trusted_cert: cannot read" in result.output


def test_sendgrid_replays_change_nothing(serve, keys):
    """An event is acted on once (by sg_event_id); stale or future-dated signatures are refused."""
    served = serve()
    soft = {"email": "soft@example.com", "event": "deferred", "response": "421 later", "sg_event_id": "ZXZlbnQtMQ"}
    body, headers = _sendgrid(keys, [soft])
    assert served.post("sendgrid", data=body, headers=headers).json() == {"status": "ok", "reports": 1}
    # The same batch again (a replay, or SendGrid posting it twice) and the event in a new batch: no report.
    assert served.post("sendgrid", data=body, headers=headers).json() == {"status": "ok", "reports": 0}
    again, again_headers = _sendgrid(keys, [soft, {**soft, "sg_event_id": "ZXZlbnQtMg"}])
    assert served.post("sendgrid", data=again, headers=again_headers).json() == {"status": "ok", "reports": 1}
    assert served.store.soft_bounces("soft@example.com") == 1  # soft bounces count once per issue
    hard = [{"email": "hard@example.com", "event": "bounce", "type": "bounce", "status": "5.1.1"}]
    for when in (time.time() - 26 * 3600, time.time() + 3600):
        stale, stale_headers = _sendgrid(keys, hard, timestamp=when)
        assert served.post("sendgrid", data=stale, headers=stale_headers).status_code == 403
    assert "hard@example.com" not in _suppressions(served.store)
