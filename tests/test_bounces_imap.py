"""`digest bounces` reading an IMAP folder on a real dovecot at 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.bounces import COMPLAINED
from digest.bounces_imap import BounceMailbox
from digest.cli.app import app
from imap_servers import DOVECOT, Dovecot
from test_bounces import EXPECTED, FIXTURES, HARD_AND_COMPLAINTS, _setup

pytestmark = pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)")

REPORTS = sorted(p.name for p in FIXTURES.glob("*.eml"))
LEFT_UNSEEN = [("Delayed Mail (still being retried)", False), ("Re: The Circuit Weekly, 2026-W48", False)]


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


def _configure(tmp_path, server, folder, extra=""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"imap://{server.user}@127.0.0.1:{server.port}/{folder}"
    return _setup(tmp_path, f'\n[bounces]\nimap = "{url}"\n{extra}')


def _run(cfg, password, *args):
    env = {"DIGEST_IMAP_PASSWORD": password} if password is not None else {}
    return CliRunner().invoke(app, ["bounces", *args, "-c", str(cfg)], env=env)


def _fill(server, folder):
    server.append(folder, [(FIXTURES / name).read_bytes() for name in REPORTS])


def test_the_imap_folder_suppresses_the_right_addresses_once_and_marks_reports_read(tmp_path, dovecot):
    _fill(dovecot, "Bounces")
    cfg, store = _configure(tmp_path, dovecot, "Bounces")
    result = _run(cfg, dovecot.password)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Read 13 message(s): 7 hard, 2 soft, 1 complaint(s), 1 delivered, 2 ignored "
        "(no bounce), 0 unknown recipient(s); 8 address(es) newly suppressed\n"
    )
    listed = json.loads(CliRunner().invoke(app, ["subscribers", "list", "--json", "-c", str(cfg)]).stdout)
    suppressed = {e["email"]: (e["reason"], e["source"]) for e in listed["subscribers"] if e["status"] == "suppressed"}
    source = "bounces:imap:127.0.0.1/Bounces"
    assert suppressed == {
        r: ("complaint" if k == COMPLAINED else "hard-bounce", source) for r, k in HARD_AND_COMPLAINTS.items()
    }
    assert store.soft_bounces("ex4@example.org") == 1
    # Reports are marked read; a reply and a delay warning stay unread for a person.
    flags = dovecot.flags("Bounces")
    assert sorted(s for s in flags if not s[1]) == LEFT_UNSEEN
    assert sum(seen for _, seen in flags) == 11
    again = _run(cfg, dovecot.password, "--imap")  # a second run finds only the two non-reports
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        "Read 2 message(s): 0 hard, 0 soft, 0 complaint(s), 0 delivered, 2 ignored "
        "(no bounce), 0 unknown recipient(s); 0 address(es) newly suppressed\n"
    )
    assert store.soft_bounces("ex4@example.org") == 1


def test_a_crash_before_marking_reads_the_reports_again_without_counting_twice(tmp_path, dovecot, monkeypatch):
    _fill(dovecot, "Crash")
    cfg, store = _configure(tmp_path, dovecot, "Crash")

    def crash(self, uids):  # the process dies after the list is written, before the reports are marked
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(BounceMailbox, "done", crash)
        assert _run(cfg, dovecot.password).exit_code != 0
    assert len(list(store.suppressions())) == 8  # committed before the crash
    assert all(not seen for _, seen in dovecot.flags("Crash"))  # nothing lost: every report still unread
    before = (store.soft_bounces("ex4@example.org"), store.soft_bounces("ol@example.org"))
    result = _run(cfg, dovecot.password)
    assert result.stdout == (
        "Read 13 message(s): 7 hard, 2 soft, 1 complaint(s), 1 delivered, 2 ignored "
        "(no bounce), 0 unknown recipient(s); 0 address(es) newly suppressed\n"
    )
    assert (store.soft_bounces("ex4@example.org"), store.soft_bounces("ol@example.org")) == before == (1, 0)
    assert sorted(s for s in dovecot.flags("Crash") if not s[1]) == LEFT_UNSEEN


def test_reports_are_moved_to_the_configured_folder(tmp_path, dovecot):
    _fill(dovecot, "ToMove")
    dovecot.append("Processed", [])
    cfg, _ = _configure(tmp_path, dovecot, "ToMove", 'imap_move_to = "Processed"\n')
    result = _run(cfg, dovecot.password)
    assert result.exit_code == 0, result.output
    assert sorted(dovecot.flags("ToMove")) == LEFT_UNSEEN
    assert len(dovecot.flags("Processed")) == 11


def test_mailbox_errors_are_one_line_without_the_password(tmp_path, dovecot):
    _fill(dovecot, "Errors")
    cfg, store = _configure(tmp_path, dovecot, "Errors")
    where = f"imap://{dovecot.user}@127.0.0.1:{dovecot.port}"
    bad = _run(cfg, "wrong-Zr8-password")
    assert bad.exit_code == 1
    assert bad.stderr == (
        f"error: {where}/Errors: the server rejected the login for {dovecot.user}; check the "
        "user in [bounces] imap and DIGEST_IMAP_PASSWORD\n"
    )
    assert "wrong-Zr8-password" not in bad.output and bad.stdout == ""
    assert all(not seen for _, seen in dovecot.flags("Errors")) and store.suppression("pf@example.org") is None
    missing_cfg, _ = _configure(tmp_path / "m", dovecot, "Nowhere")
    missing = _run(missing_cfg, dovecot.password)
    assert missing.exit_code == 1 and dovecot.password not in missing.output
    assert missing.stderr.startswith(f"error: {where}/Nowhere: cannot open the folder 'Nowhere' (")
    assert missing.stderr.endswith("); create it or fix the folder in [bounces] imap\n")
    move_cfg, _ = _configure(tmp_path / "v", dovecot, "Errors", 'imap_move_to = "Nope"\n')
    move = _run(move_cfg, dovecot.password)
    assert move.exit_code == 1 and "no folder 'Nope' to move reports to" in move.stderr
    assert move.stderr.endswith("create it or fix [bounces] imap_move_to\n")
    unset = _run(cfg, None)
    assert unset.exit_code == 1 and unset.stderr == (
        f"error: DIGEST_IMAP_PASSWORD is not set: it holds the password of {where}/Errors\n"
    )


def test_connection_refused_tls_failure_and_bad_urls_are_one_line(tmp_path, dovecot):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    cfg, _ = _setup(tmp_path, f'\n[bounces]\nimap = "imaps://u@127.0.0.1:{closed}/INBOX"\n')
    refused = _run(cfg, "pw-secret-1")
    assert refused.exit_code == 1 and refused.stderr == (
        f"error: imaps://u@127.0.0.1:{closed}/INBOX: cannot reach the server (Connection refused); check the "
        "host and port in [bounces] imap and that the server is up\n"
    )
    # Implicit TLS against a plain-text port: the handshake fails, nothing is sent in the clear.
    (tmp_path / "t").mkdir()
    tls_cfg, _ = _setup(tmp_path / "t", f'\n[bounces]\nimap = "imaps://u@127.0.0.1:{dovecot.port}/INBOX"\n')
    tls = _run(tls_cfg, "pw-secret-2")
    assert tls.exit_code == 1 and "pw-secret-2" not in tls.output
    assert tls.stderr.startswith(f"error: imaps://u@127.0.0.1:{dovecot.port}/INBOX: TLS failed (")
    no_password = "[bounces] imap must not contain a password: put it in DIGEST_IMAP_PASSWORD"
    shape = "[bounces] imap must look like imaps://user@imap.example.com/Bounces (or imap://… for STARTTLS)"
    for url, message in [("imaps://u:pw@host/INBOX", no_password), ("https://u@host/INBOX", shape)]:
        (tmp_path / url.split(":")[0]).mkdir()
        url_cfg, _ = _setup(tmp_path / url.split(":")[0], f'\n[bounces]\nimap = "{url}"\n')
        assert _run(url_cfg, "x").stderr == f"error: {message}\n"
    (tmp_path / "none").mkdir()
    none_cfg, _ = _setup(tmp_path / "none")
    nothing = _run(none_cfg, "x")
    assert nothing.exit_code == 1 and nothing.stderr.startswith("error: no reports to read: give an mbox")


def test_a_host_that_cannot_be_reached_is_one_line(tmp_path):
    cfg, _ = _setup(tmp_path, '\n[bounces]\nimap = "imap://u@mail.invalid/INBOX"\n')
    result = _run(cfg, "pw-secret-3")
    assert result.exit_code == 1 and "pw-secret-3" not in result.output
    assert result.stderr.startswith("error: imap://u@mail.invalid:143/INBOX: cannot reach the server")


def test_the_command_runs_as_a_process_with_the_password_from_the_environment(tmp_path, dovecot):
    _fill(dovecot, "Process")
    cfg, _ = _configure(tmp_path, dovecot, "Process")
    env = {**os.environ, "DIGEST_IMAP_PASSWORD": dovecot.password}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "bounces", "-c", str(cfg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.endswith("; 8 address(es) newly suppressed\n") and dovecot.password not in done.stdout + done.stderr
    )
    assert len(EXPECTED) == 10
