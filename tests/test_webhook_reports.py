"""What each provider's report means for an address: the pure readers behind /hooks/<provider>."""

import json

import pytest

from digest.bounces import COMPLAINED, DELIVERED, HARD, SOFT
from digest.webhooks.mailgun import mailgun_notices
from digest.webhooks.postmark import postmark_notices
from digest.webhooks.sendgrid import sendgrid_notices
from digest.webhooks.ses import ses_notices
from digest.webhooks.sns import on_sns_host, string_to_sign


def _kinds(notices):
    return [(n.kind, n.recipient) for n in notices]


@pytest.mark.parametrize(
    ("bounce_type", "status", "kind"),
    [
        ("Permanent", "5.1.1", HARD),
        ("Permanent", "5.2.2", SOFT),
        ("Transient", "4.4.7", SOFT),
        ("Undetermined", "", SOFT),
    ],
)
def test_ses_bounce_types(bounce_type, status, kind):
    body = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bouncedRecipients": [{"emailAddress": "a@example.com", "status": status}],
            "timestamp": "2026-11-20T10:00:00Z",
        },
        "mail": {"headers": [{"name": "Message-ID", "value": "<2026-W47.k@example.com>"}]},
    }
    [notice] = ses_notices(body)
    assert (notice.kind, notice.issue) == (kind, "2026-W47")


def test_ses_complaints_deliveries_and_event_publishing():
    complaint = {
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "b@example.com"}], "timestamp": "2026-11-20T10:00:00Z"},
    }
    assert _kinds(ses_notices(complaint)) == [(COMPLAINED, "b@example.com")]
    not_spam = {
        "notificationType": "Complaint",
        "complaint": {"complaintFeedbackType": "not-spam", "complainedRecipients": [{"emailAddress": "b@x.io"}]},
    }
    assert ses_notices(not_spam) == []
    delivery = {"notificationType": "Delivery", "delivery": {"recipients": ["c@example.com"]}}
    assert _kinds(ses_notices(delivery)) == [(DELIVERED, "c@example.com")]
    assert ses_notices({"notificationType": "Send"}) == []


@pytest.mark.parametrize(
    ("record", "kind", "expected"),
    [
        ("Bounce", "HardBounce", HARD),
        ("Bounce", "BadEmailAddress", HARD),
        ("Bounce", "SoftBounce", SOFT),
        ("Bounce", "Transient", SOFT),
        ("Bounce", "DnsError", SOFT),
        ("SpamComplaint", "SpamComplaint", COMPLAINED),
        ("Bounce", "AutoResponder", None),
        ("Bounce", "ChallengeVerification", None),
        ("Delivery", "", DELIVERED),
    ],
)
def test_postmark_types(record, kind, expected):
    notices = postmark_notices(
        {"RecordType": record, "Type": kind, "Email": "a@example.com", "BouncedAt": "2026-11-20T10:00:00Z"}
    )
    assert [n.kind for n in notices] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"event": "failed", "severity": "permanent", "delivery-status": {"code": 550}}, HARD),
        ({"event": "failed", "severity": "temporary", "delivery-status": {"code": 452}}, SOFT),
        ({"event": "complained"}, COMPLAINED),
        ({"event": "delivered"}, DELIVERED),
        ({"event": "opened"}, None),
    ],
)
def test_mailgun_events(event, expected):
    notices = mailgun_notices({**event, "recipient": "a@example.com", "timestamp": 1_790_000_000})
    assert [n.kind for n in notices] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"event": "bounce", "type": "bounce", "status": "5.1.1"}, HARD),
        ({"event": "bounce", "type": "bounce", "status": "4.2.2"}, SOFT),
        ({"event": "bounce", "type": "blocked", "status": "5.7.1"}, SOFT),
        ({"event": "deferred"}, SOFT),
        ({"event": "spamreport"}, COMPLAINED),
        ({"event": "dropped", "reason": "Bounced Address"}, HARD),
        ({"event": "dropped", "reason": "Invalid"}, HARD),
        ({"event": "dropped", "reason": "Spam Reporting Address"}, COMPLAINED),
        ({"event": "dropped", "reason": "Invalid SMTPAPI header"}, None),
        ({"event": "dropped", "reason": "Unsubscribed Address"}, None),
        ({"event": "click"}, None),
    ],
)
def test_sendgrid_events(event, expected):
    notices = sendgrid_notices({**event, "email": "a@example.com", "timestamp": 1_790_000_000})
    assert [n.kind for n in notices] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", True),
        ("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", True),
        ("https://sns.us-east-1.amazonaws.com:443/x.pem", True),
        ("http://sns.us-east-1.amazonaws.com/x.pem", False),
        ("https://sns.us-east-1.amazonaws.com.example.com/x.pem", False),
        ("https://evil.com/sns.us-east-1.amazonaws.com/x.pem", False),
        ("https://user:pw@sns.us-east-1.amazonaws.com/x.pem", False),
        ("https://sns.us-east-1.amazonaws.com:8443/x.pem", False),
        ("https://s3.amazonaws.com/x.pem", False),
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_only_sns_hosts_are_trusted_for_certificates(url, ok):
    assert on_sns_host(url, ()) is ok


def test_the_signed_string_follows_the_message_type():
    note = {
        "Type": "Notification",
        "Message": json.dumps({"a": 1}),
        "MessageId": "m",
        "Timestamp": "t",
        "TopicArn": "arn",
        "Subject": "s",
        "Token": "ignored",
    }
    assert (
        string_to_sign(note)
        == b'Message\n{"a": 1}\nMessageId\nm\nSubject\ns\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n'
    )
    confirm = {
        "Type": "SubscriptionConfirmation",
        "Message": "x",
        "MessageId": "m",
        "SubscribeURL": "u",
        "Timestamp": "t",
        "Token": "k",
        "TopicArn": "arn",
    }
    assert string_to_sign(confirm) == (
        b"Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\n"
        b"TopicArn\narn\nType\nSubscriptionConfirmation\n"
    )
