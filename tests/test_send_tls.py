"""SMTP over STARTTLS and implicit TLS with a certificate made for the test (openssl), with AUTH."""

import shutil
import ssl
import subprocess

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
PASSWORD = "tls-only-password-42"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return folder / "cert.pem", context


def _send(tmp_path, url, cert_file):
    write_issue(tmp_path / "issues")
    cfg = write_config(tmp_path, smtp=url, unsubscribe_url="https://news.example.com")
    subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann")])
    env = {"DIGEST_SECRET": "tls-test-secret-0123456789", "DIGEST_SMTP_PASSWORD": PASSWORD}
    if cert_file:
        env["SSL_CERT_FILE"] = str(cert_file)  # trust the test's own certificate
    return CliRunner().invoke(app, ["send", ISSUE_ID, "-c", str(cfg), "--subscribers", str(subs)], env=env)


def test_starttls_then_login(tmp_path, cert):
    rec = Recorder(logins={"mailer": PASSWORD})
    ctl = start(rec, tls_context=cert[1], require_starttls=True)
    try:
        result = _send(tmp_path, f"smtp://mailer@127.0.0.1:{ctl.port}", cert[0])
        assert result.exit_code == 0, result.output
        assert rec.recipients() == {"ann@example.com": 1} and rec.seen_logins == [("mailer", PASSWORD)]
        assert PASSWORD not in result.output
    finally:
        ctl.stop()


def test_implicit_tls_then_login(tmp_path, cert):
    rec = Recorder(logins={"mailer": PASSWORD})
    ctl = start(rec, ssl_context=cert[1])
    try:
        result = _send(tmp_path, f"smtps://mailer@127.0.0.1:{ctl.port}", cert[0])
        assert result.exit_code == 0, result.output
        assert result.stdout.endswith(f"(smtps://mailer@127.0.0.1:{ctl.port})\n")
        assert rec.recipients() == {"ann@example.com": 1}
    finally:
        ctl.stop()


def test_untrusted_certificate_stops_before_login(tmp_path, cert):
    rec = Recorder(logins={"mailer": PASSWORD})
    ctl = start(rec, ssl_context=cert[1])
    try:
        result = _send(tmp_path, f"smtps://mailer@127.0.0.1:{ctl.port}", None)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: TLS with 127.0.0.1:{ctl.port} failed (SSLCertVerificationError")
        assert rec.seen_logins == [] and rec.messages == []
    finally:
        ctl.stop()
