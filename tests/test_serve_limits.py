"""`digest serve` under load and abuse: idle connections, stalled bodies, huge bodies, symlinks out of the archive."""

import os
import socket
import threading
import time

import pytest
import requests

from digest.config import settings_from
from digest.serve import make_http_server
from smtp_servers import ISSUE_ID, write_issue

SECRET = b"serve-test-secret-0123456789"


def _serve(tmp_path, **overrides):
    write_issue(tmp_path / "issues")
    settings = settings_from(
        {
            "out": tmp_path / "issues",
            "state_dir": tmp_path / "state",
            **{k.replace("serve_", "serve.", 1): v for k, v in overrides.items()},
        }
    )
    server = make_http_server(settings, SECRET, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def served(tmp_path):
    made = []

    def start(**overrides):
        server, base = _serve(tmp_path, **overrides)
        made.append(server)
        return base

    yield start
    for server in made:
        server.shutdown()
        server.server_close()


def test_a_get_answers_within_a_second_while_40_idle_connections_are_open(served):
    base = served(serve_threads=4)
    port = int(base.rsplit(":", 1)[1])
    idle = []
    try:
        for i in range(40):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:  # half say nothing, half start a request and stall
                sock.sendall(b"POST /u/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nList-")
            idle.append(sock)
        time.sleep(0.2)
        times = []
        for _ in range(5):
            started = time.monotonic()
            resp = requests.get(f"{base}/web/{ISSUE_ID}.html", timeout=5)
            times.append(time.monotonic() - started)
            assert resp.status_code == 200
        assert max(times) < 1.0, times
    finally:
        for sock in idle:
            sock.close()


def test_a_stalled_request_is_closed_after_the_timeout(served):
    base = served(serve_timeout=1)
    port = int(base.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(b"POST /u/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nList-")
        started = time.monotonic()
        assert sock.recv(1024) == b""  # the server hung up
        assert time.monotonic() - started < 8
    finally:
        sock.close()


def test_a_body_over_the_limit_gets_413(served):
    base = served(serve_max_body=1000)
    resp = requests.post(f"{base}/u/x", data=b"x" * 5000, timeout=5)
    assert resp.status_code == 413
    assert requests.post(f"{base}/u/x", data=b"x" * 10, timeout=5).status_code == 400


def test_head_and_server_header(served):
    base = served()
    resp = requests.head(f"{base}/web/{ISSUE_ID}.html", timeout=5)
    assert resp.status_code == 200 and resp.content == b""
    assert resp.headers["Server"] == "digest"


def test_symlinks_leading_out_of_the_archive_are_not_followed(served, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<p>private</p>", encoding="utf-8")
    web = tmp_path / "issues" / "web"
    web.mkdir(parents=True)
    base = served()
    os.symlink(secret, web / "2026-W30.html")
    os.symlink(secret, tmp_path / "issues" / "2026-W31.html")
    os.symlink(tmp_path / "issues" / f"{ISSUE_ID}.html", web / "2026-W32.html")  # inside the archive, but out of web/
    (web / "2026-W33.html").write_text("<p>inside</p>", encoding="utf-8")
    os.symlink(web / "2026-W33.html", web / "2026-W34.html")  # a link within web/ is followed
    for issue in ("2026-W30", "2026-W31", "2026-W32"):
        resp = requests.get(f"{base}/web/{issue}.html", timeout=5)
        assert resp.status_code == 404 and "private" not in resp.text, issue
    assert requests.get(f"{base}/web/2026-W34.html", timeout=5).text == "<p>inside</p>"


def test_serve_settings_are_read_from_the_file_and_checked(tmp_path):
    from digest.config import resolve
    from digest.errors import ConfigError

    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        "[serve]\nthreads = 2\ntimeout = 9\nmax_body = 5000\nbacklog = 64\n"
        'connection_limit = 50\ntrusted_proxy = "127.0.0.1"\n',
        encoding="utf-8",
    )
    settings = resolve({}, environ={}, config_path=cfg)
    assert (
        settings.serve.threads,
        settings.serve.timeout,
        settings.serve.max_body,
        settings.serve.backlog,
        settings.serve.connection_limit,
        settings.serve.trusted_proxy,
    ) == (2, 9, 5000, 64, 50, "127.0.0.1")
    cfg.write_text("[serve]\ntimeout = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[serve\] timeout must be at least 1, not 0"):
        resolve({}, environ={}, config_path=cfg)
