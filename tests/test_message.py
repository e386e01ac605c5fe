"""The per-recipient message: MIME structure, headers, substitution and escaping, subject template."""

import email
import email.policy
from datetime import UTC, datetime

import pytest

from digest.errors import ConfigError
from digest.message import MessageFactory, issue_stem, load_issue
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.subject import clean_header, render_subject
from digest.subscribers import Subscriber
from digest.tokens import verify_token
from smtp_servers import ISSUE_ID, write_issue

SECRET = b"message-test-secret-0123456789"
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def factory(tmp_path, **kw):
    write_issue(tmp_path, lead=kw.pop("lead", "Grid operator trials sensors"), subject=kw.pop("subject", None))
    settings = dict(
        subject_template="{name}, {week}: {lead}",
        sender="The Circuit Weekly <digest@example.com>",
        reply_to="Editors <editor@example.com>",
        list_id="",
        unsubscribe_url="https://news.example.com/",
        unsubscribe_mailto="unsubscribe@example.com",
        secret=SECRET,
        now=NOW,
    )
    settings.update(kw)
    return MessageFactory(load_issue(ISSUE_ID, tmp_path), **settings)


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def test_multipart_alternative_text_first_html_last_utf8(tmp_path):
    env = factory(tmp_path).build(Subscriber("ann@example.com", "Ann"))
    msg = parse(env.data)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text = parts[0].get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Ann,\ncaf\u00e9 weekly\n\nUnsubscribe: https://news.example.com/u/v2.")
    html = parts[1].get_content()
    assert "<p>Hello Ann, caf\u00e9 \u201cweekly\u201d</p>" in html
    assert UNSUBSCRIBE_PLACEHOLDER not in html + text and RECIPIENT_NAME_PLACEHOLDER not in html + text
    assert max(len(line) for line in env.data.split(b"\r\n")) <= 998
    assert b"\n" not in env.data.replace(b"\r\n", b"")  # CRLF only


def test_headers(tmp_path):
    f = factory(tmp_path)
    env = f.build(Subscriber("ann@example.com", "Ann Lee"))
    msg = parse(env.data)
    assert msg["From"] == "The Circuit Weekly <digest@example.com>"
    assert msg["To"] == "Ann Lee <ann@example.com>"
    assert msg["Reply-To"] == "Editors <editor@example.com>"
    assert msg["Subject"] == f"The Circuit Weekly, {ISSUE_ID}: Grid operator trials sensors"
    assert msg["Date"] == "Fri, 27 Nov 2026 09:30:00 +0000"
    assert msg["List-Id"] == "The Circuit Weekly <the-circuit-weekly.example.com>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = f.unsubscribe_link("ann@example.com")
    assert msg["List-Unsubscribe"] == f"<{link}>, <mailto:unsubscribe@example.com?subject=unsubscribe>"
    assert verify_token(link.rsplit("/", 1)[1], SECRET) == "ann@example.com"
    assert msg["Message-ID"] == env.message_id and env.message_id.startswith(f"<{ISSUE_ID}.")
    assert env.message_id.endswith("@example.com>")
    assert (env.sender, env.recipient) == ("digest@example.com", "ann@example.com")


def test_message_id_is_stable_per_recipient_and_fresh_for_test_copies(tmp_path):
    f = factory(tmp_path)
    ann = Subscriber("ann@example.com")
    assert f.build(ann).message_id == f.build(ann).message_id
    assert f.build(ann).message_id != f.build(Subscriber("bob@example.com")).message_id
    assert f.build(ann, test_copy=True).message_id != f.build(ann, test_copy=True).message_id


def test_names_are_escaped_in_html_and_stripped_of_line_breaks_everywhere(tmp_path):
    env = factory(tmp_path).build(Subscriber("ann@example.com", 'Ann <script>&"x"\r\nBcc: evil@example.com'))
    msg = parse(env.data)
    html = list(msg.iter_parts())[1].get_content()
    assert "Hello Ann &lt;script&gt;&amp;&quot;x&quot; Bcc: evil@example.com," in html
    assert "<script>" not in html
    assert msg["Bcc"] is None and len(msg.get_all("To")) == 1
    assert msg["To"] == '"Ann <script>&\\"x\\" Bcc: evil@example.com" <ann@example.com>'


def test_subject_override_and_control_characters(tmp_path):
    f = factory(tmp_path, subject="Editor's pick:\r\nBcc: x@example.com\x07 this week")
    assert f.subject == "Editor's pick: Bcc: x@example.com this week"
    assert parse(f.build(Subscriber("a@example.com")).data)["Bcc"] is None
    assert clean_header("a\r\nb\tc\x00d\u2028e") == "a b c d e"


def test_subject_without_lead_uses_the_title_and_unknown_fields_are_named(tmp_path):
    write_issue(tmp_path, lead=None)
    issue = load_issue(ISSUE_ID, tmp_path)
    assert (
        render_subject("{name}, {week}: {lead}", issue)
        == f"The Circuit Weekly, {ISSUE_ID}: The Circuit Weekly \u00b7 {ISSUE_ID}"
    )
    with pytest.raises(ConfigError, match=r"send.subject: cannot use '\{name\} \{nope\}' \('nope'\); available fields"):
        render_subject("{name} {nope}", issue)


def test_long_non_ascii_subject_is_encoded_and_decodes_back(tmp_path):
    lead = "Überraschung: ein sehr langer Titel über Netzwerke, Datenbanken und Energiespeicher in Städten"
    f = factory(tmp_path, lead=lead)
    data = f.build(Subscriber("a@example.com")).data
    assert data.isascii()
    assert parse(data)["Subject"] == f"The Circuit Weekly, {ISSUE_ID}: {lead}"


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ConfigError, match=r"send.unsubscribe_url must be the public https:// address"):
        factory(tmp_path, unsubscribe_url="news.example.com")
    with pytest.raises(ConfigError, match=r"newsletter.sender: 'nobody' is not an address"):
        factory(tmp_path, sender="nobody")
    with pytest.raises(ConfigError, match=r"send.unsubscribe_mailto: 'a, b@example.com' is not a plain address"):
        factory(tmp_path, unsubscribe_mailto="a, b@example.com")


def test_issue_reference_forms(tmp_path):
    write_issue(tmp_path / "out")
    for ref in (ISSUE_ID, str(tmp_path / "out" / f"{ISSUE_ID}.txt"), str(tmp_path / "out" / f"{ISSUE_ID}.json")):
        assert load_issue(ref, tmp_path / "out").id == ISSUE_ID
    assert issue_stem(f"x/{ISSUE_ID}.html", tmp_path) == tmp_path.__class__(f"x/{ISSUE_ID}")
    (tmp_path / "out" / f"{ISSUE_ID}.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{ISSUE_ID}.json: not a valid issue manifest"):
        load_issue(ISSUE_ID, tmp_path / "out")


def test_non_ascii_names_and_domains(tmp_path):
    from digest.subscribers import normalize_address

    address = normalize_address("zoe@b\u00fccher.example")
    assert address == "zoe@xn--bcher-kva.example"
    env = factory(tmp_path).build(Subscriber(address, "Zo\u00eb \u00c6r\u00f8"))
    assert env.data.isascii()
    msg = parse(env.data)
    assert msg["To"] == "Zo\u00eb \u00c6r\u00f8 <zoe@xn--bcher-kva.example>"
    assert "Hello Zo\u00eb \u00c6r\u00f8," in next(msg.iter_parts()).get_content()
