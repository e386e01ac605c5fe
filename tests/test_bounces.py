"""`digest bounces`: DSNs of many mail servers, ARF complaints, soft-bounce counting, mbox and maildir."""

import json
import mailbox
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.bounces import COMPLAINED, HARD, SOFT, _load, parse
from digest.cli.app import app
from digest.subscribers import Subscriber, SubscriberStore
from smtp_servers import write_config

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
# fixture -> (kind, recipient)
EXPECTED = {
    "postfix.eml": (HARD, "pf@example.org"),
    "sendmail.eml": (HARD, "sm@example.org"),
    "exim.eml": (SOFT, "ex4@example.org"),
    "exchange.eml": (HARD, "ex@example.org"),
    "gmail.eml": (HARD, "gm@example.org"),
    "yahoo.eml": (HARD, "yh@example.org"),
    "outlookcom.eml": (SOFT, "ol@example.org"),
    "ses.eml": (HARD, "ses@example.org"),
    "qmail.eml": (HARD, "qm@example.org"),
    "arf_complaint.eml": (COMPLAINED, "fbl@example.org"),
}
HARD_AND_COMPLAINTS = {r: k for k, r in EXPECTED.values() if k != SOFT}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_servers_report_names_the_right_address_and_kind(name):
    notices = parse(_load(FIXTURES / name))
    assert [(n.kind, n.recipient, n.issue) for n in notices] == [(*EXPECTED[name], "2026-W48")]


def test_replies_and_delay_warnings_are_not_bounces():
    assert parse(_load(FIXTURES / "not_a_bounce.eml")) == []
    assert parse(_load(FIXTURES / "delayed.eml")) == []


def _setup(tmp_path, extra=""):
    cfg = write_config(tmp_path)
    if extra:
        cfg.write_text(cfg.read_text(encoding="utf-8") + extra, encoding="utf-8")
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    for _, address in EXPECTED.values():
        store.add(Subscriber(address))
    store.add(Subscriber("late@example.org"))
    store.add(Subscriber("keep@example.org"))
    return cfg, store


def _bounces(path, cfg):
    return CliRunner().invoke(app, ["bounces", str(path), "-c", str(cfg)])


def test_a_folder_of_reports_suppresses_hard_bounces_and_complaints_at_once(tmp_path):
    cfg, store = _setup(tmp_path)
    folder = tmp_path / "reports"
    shutil.copytree(FIXTURES, folder)
    result = _bounces(folder, cfg)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Read 13 message(s): 7 hard, 2 soft, 1 complaint(s), 1 delivered, 2 ignored "
        "(no bounce), 0 unknown recipient(s); 8 address(es) newly suppressed\n"
    )
    listed = json.loads(CliRunner().invoke(app, ["subscribers", "list", "--json", "-c", str(cfg)]).stdout)
    suppressed = {e["email"]: (e["reason"], e["source"]) for e in listed["subscribers"] if e["status"] == "suppressed"}
    assert suppressed == {
        r: ("complaint" if k == COMPLAINED else "hard-bounce", "bounces:reports")
        for r, k in HARD_AND_COMPLAINTS.items()
    }
    table = CliRunner().invoke(app, ["subscribers", "list", "--suppressed", "-c", str(cfg)]).stdout
    assert "\tsuppressed\thard-bounce\tbounces:reports\t" in table
    assert {s.email for s in store.receiving()} == {
        "ex4@example.org",
        "ol@example.org",
        "late@example.org",
        "keep@example.org",
    }
    again = _bounces(folder, cfg)  # a second run finds nothing new
    assert again.stdout.endswith("; 0 address(es) newly suppressed\n")


def _soft(issue, address="ol@example.org"):
    text = (FIXTURES / "outlookcom.eml").read_text(encoding="utf-8")
    return text.replace("2026-W48.koutlookcom", f"{issue}.koutlookcom").replace("ol@example.org", address)


def test_soft_bounces_suppress_after_the_limit_in_a_row_and_a_delivery_resets_them(tmp_path):
    cfg, store = _setup(tmp_path, "\n[bounces]\nsoft_limit = 2\n")
    box = tmp_path / "box"
    maildir = mailbox.Maildir(box, create=True)
    for issue in ("2026-W46", "2026-W46"):  # two reports of one issue count once
        maildir.add(_soft(issue))
    assert _bounces(box, cfg).stdout.endswith("; 0 address(es) newly suppressed\n")
    assert store.soft_bounces("ol@example.org") == 1
    positive = tmp_path / "positive.eml"
    shutil.copy(FIXTURES / "positive.eml", positive)
    assert ", 1 delivered," in _bounces(positive, cfg).stdout
    assert store.soft_bounces("ol@example.org") == 0
    mbox_path = tmp_path / "bounces.mbox"
    mbox = mailbox.mbox(mbox_path)
    mbox.add(_soft("2026-W47"))
    mbox.add((FIXTURES / "not_a_bounce.eml").read_text(encoding="utf-8"))
    mbox.flush()
    result = _bounces(mbox_path, cfg)
    assert result.stdout.startswith("Read 2 message(s): 0 hard, 1 soft, 0 complaint(s), 0 delivered, 1 ignored")
    assert store.status("ol@example.org") == "active"
    mbox.add(_soft("2026-W48"))
    mbox.flush()
    assert _bounces(mbox_path, cfg).stdout.endswith("; 1 address(es) newly suppressed\n")
    assert store.suppression("ol@example.org") == "soft-bounce"


def test_unknown_recipients_are_counted_not_suppressed_and_bad_paths_are_one_line(tmp_path):
    cfg, store = _setup(tmp_path)
    report = tmp_path / "stranger.eml"
    report.write_text(_soft("2026-W48", "stranger@example.org").replace("5.2.2", "5.1.1"), encoding="utf-8")
    assert "0 hard, 0 soft" in _bounces(report, cfg).stdout
    assert ", 1 unknown recipient(s);" in _bounces(report, cfg).stdout
    assert not store.knows("stranger@example.org")
    missing = _bounces(tmp_path / "nope", cfg)
    assert missing.exit_code == 1 and missing.stderr == f"error: {tmp_path / 'nope'}: no such file or folder\n"
    bad = tmp_path / "bad.toml"
    bad.write_text(cfg.read_text(encoding="utf-8") + "\n[bounces]\nsoft_limit = 0\n", encoding="utf-8")
    assert _bounces(report, bad).stderr == f"error: {bad}: [bounces] soft_limit must be at least 1, not 0\n"
